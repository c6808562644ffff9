import Fluent
import SQLKit

/// On PostgreSQL, the sends as functions, so that each is one round trip.
///
/// A send updates its conversation row (the row lock that orders the conversation's messages),
/// inserts the message and points the conversation at it. As separate statements in a client
/// transaction that is six round trips, and the lock is held over four of them: every send to a
/// busy conversation waits for the one before it to cross the network four times. A function
/// runs the same statements, in the same order, in the statement's own transaction: the lock is
/// held only while the server runs them and commits.
///
/// `MessageStore` calls them on PostgreSQL (its `postgres…` methods); SQLite runs the same
/// statements in its group-commit batches. The functions return the new message's id, or NULL
/// (no row, for the owner's reply) when nothing was written: no such receiver, a guest session
/// gone or blocked, no guest of that name.
struct AddPostgresSendFunctions: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_send_direct(
                p_sender bigint, p_receiver bigint, p_sender_name text, p_content text, p_created_at timestamptz
            ) RETURNS bigint LANGUAGE plpgsql AS $fn$
            DECLARE
                low bigint := least(p_sender, p_receiver);
                high bigint := greatest(p_sender, p_receiver);
                new_id bigint;
            BEGIN
                PERFORM 1 FROM users WHERE id = p_receiver;
                IF NOT FOUND THEN RETURN NULL; END IF;
                -- Both sides' rows in one statement, lower user first (the lock order).
                INSERT INTO direct_conversations AS c (user_id, partner_id, last_message_id, unread, read_up_to)
                VALUES (low, high, 0, CASE WHEN low = p_receiver THEN 1 ELSE 0 END, 0),
                       (high, low, 0, CASE WHEN high = p_receiver THEN 1 ELSE 0 END, 0)
                ON CONFLICT (user_id, partner_id) DO UPDATE SET unread = c.unread + excluded.unread;
                INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                      sender_name, pseudo, content, created_at)
                VALUES (p_sender, p_receiver, NULL, low, high, p_sender_name, NULL, p_content, p_created_at)
                RETURNING id INTO new_id;
                UPDATE direct_conversations
                SET last_message_id = new_id
                WHERE (user_id = low AND partner_id = high) OR (user_id = high AND partner_id = low);
                RETURN new_id;
            END
            $fn$
            """).run()
        // A message into a guest conversation, made its last one: `MessageStore.append`, for the
        // two functions below.
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_append_to_session(
                p_session bigint, p_sender bigint, p_receiver bigint, p_sender_name text, p_pseudo text,
                p_content text, p_created_at timestamptz
            ) RETURNS bigint LANGUAGE plpgsql AS $fn$
            DECLARE
                new_id bigint;
            BEGIN
                INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                      sender_name, pseudo, content, created_at)
                VALUES (p_sender, p_receiver, p_session, NULL, NULL, p_sender_name, p_pseudo, p_content, p_created_at)
                RETURNING id INTO new_id;
                UPDATE guest_sessions SET last_message_id = new_id WHERE id = p_session;
                RETURN new_id;
            END
            $fn$
            """).run()
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_append_guest_message(
                p_session bigint, p_owner bigint, p_pseudo text, p_content text, p_created_at timestamptz
            ) RETURNS bigint LANGUAGE plpgsql AS $fn$
            BEGIN
                -- One more unread for the owner, on a session that is not blocked: this takes the
                -- row lock that orders the conversation's messages.
                UPDATE guest_sessions
                SET owner_unread = owner_unread + 1, last_active_at = p_created_at
                WHERE id = p_session AND blocked_at IS NULL;
                IF NOT FOUND THEN RETURN NULL; END IF;
                RETURN qrconnect_append_to_session(p_session, NULL, p_owner, p_pseudo, p_pseudo, p_content, p_created_at);
            END
            $fn$
            """).run()
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_reply_to_guest(
                p_owner bigint, p_pseudo text, p_sender_name text, p_content text, p_created_at timestamptz
            ) RETURNS TABLE (message_id bigint, session_id bigint, token_hash text) LANGUAGE plpgsql AS $fn$
            DECLARE
                target guest_sessions%ROWTYPE;
            BEGIN
                -- One more unread for the guest, taking the row lock; no row means no such guest.
                UPDATE guest_sessions AS g
                SET guest_unread = g.guest_unread + 1, last_active_at = p_created_at
                WHERE g.owner_id = p_owner AND g.pseudo = p_pseudo
                RETURNING g.* INTO target;
                IF NOT FOUND THEN RETURN; END IF;
                RETURN QUERY SELECT
                    qrconnect_append_to_session(target.id, p_owner, NULL, p_sender_name, p_pseudo, p_content, p_created_at),
                    target.id, target.token_hash;
            END
            $fn$
            """).run()
    }

    func revert(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("DROP FUNCTION IF EXISTS qrconnect_send_direct(bigint, bigint, text, text, timestamptz)").run()
        try await sql.raw("DROP FUNCTION IF EXISTS qrconnect_append_guest_message(bigint, bigint, text, text, timestamptz)").run()
        try await sql.raw("DROP FUNCTION IF EXISTS qrconnect_reply_to_guest(bigint, text, text, text, timestamptz)").run()
        try await sql.raw("DROP FUNCTION IF EXISTS qrconnect_append_to_session(bigint, bigint, bigint, text, text, text, timestamptz)").run()
    }
}
