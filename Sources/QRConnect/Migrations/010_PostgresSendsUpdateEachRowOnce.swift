import Fluent
import SQLKit

/// On PostgreSQL, the send functions of `AddPostgresSendFunctions` rewritten so that a send
/// writes each conversation row once instead of twice. Same names, arguments and answers.
///
/// The functions of migration 009 took the conversation's row lock with the update that counts
/// the message unread, inserted the message, then updated the row again to point it at the
/// message. Every update of a PostgreSQL row writes a new version of it, and these rows are
/// indexed on the columns the sends change (`last_message_id` for the inboxes, `last_active_at`
/// for the purge), so each version also adds an entry to every index of the table until vacuum
/// clears them. A busy conversation's row piled up dead versions twice as fast as it needed
/// to, and every send and read of it walked them.
///
/// Now the lock is taken with `SELECT … FOR NO KEY UPDATE`, which marks the row without writing
/// a version; after the insert, one update sets the unread count, the activity time and the last
/// message together. The lock is still taken before the message gets its id, so the messages of
/// one conversation still get their ids and commit in order.
///
/// Measured with `pgbench` on the functions alone (8 clients, one conversation, tables
/// compacted before each run, three alternating runs): a guest's send 2 493–2 832 → 3 736–5 032
/// calls/s, a user's 2 947–3 034 → 3 259–4 051.
struct PostgresSendsUpdateEachRowOnce: AsyncMigration {
    func prepare(on database: any Database) async throws {
        guard let sql = database as? any SQLDatabase, sql.dialect.name == "postgresql" else { return }
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_send_direct(
                p_sender bigint, p_receiver bigint, p_sender_name text, p_content text, p_created_at timestamptz
            ) RETURNS bigint LANGUAGE plpgsql AS $fn$
            DECLARE
                low bigint := least(p_sender, p_receiver);
                high bigint := greatest(p_sender, p_receiver);
                pair bigint[];
                new_id bigint;
            BEGIN
                -- Both sides' rows, locked lower user first (the lock order).
                SELECT array_agg(id) INTO pair FROM (
                    SELECT id FROM direct_conversations
                    WHERE (user_id = low AND partner_id = high) OR (user_id = high AND partner_id = low)
                    ORDER BY user_id FOR NO KEY UPDATE) AS locked;
                IF coalesce(array_length(pair, 1), 0) < 2 THEN
                    -- Their first message (the rows go with either account): is there a receiver?
                    PERFORM 1 FROM users WHERE id = p_receiver;
                    IF NOT FOUND THEN RETURN NULL; END IF;
                    INSERT INTO direct_conversations (user_id, partner_id, last_message_id, unread, read_up_to)
                    VALUES (low, high, 0, 0, 0), (high, low, 0, 0, 0)
                    ON CONFLICT (user_id, partner_id) DO NOTHING;
                    SELECT array_agg(id) INTO pair FROM (
                        SELECT id FROM direct_conversations
                        WHERE (user_id = low AND partner_id = high) OR (user_id = high AND partner_id = low)
                        ORDER BY user_id FOR NO KEY UPDATE) AS locked;
                END IF;
                INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                      sender_name, pseudo, content, created_at)
                VALUES (p_sender, p_receiver, NULL, low, high, p_sender_name, NULL, p_content, p_created_at)
                RETURNING id INTO new_id;
                UPDATE direct_conversations
                SET last_message_id = new_id, unread = unread + CASE WHEN user_id = p_receiver THEN 1 ELSE 0 END
                WHERE id = ANY (pair);
                RETURN new_id;
            END
            $fn$
            """).run()
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_append_guest_message(
                p_session bigint, p_owner bigint, p_pseudo text, p_content text, p_created_at timestamptz
            ) RETURNS bigint LANGUAGE plpgsql AS $fn$
            DECLARE
                new_id bigint;
            BEGIN
                -- The row lock that orders the conversation's messages, on a session not blocked.
                PERFORM 1 FROM guest_sessions WHERE id = p_session AND blocked_at IS NULL FOR NO KEY UPDATE;
                IF NOT FOUND THEN RETURN NULL; END IF;
                INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                      sender_name, pseudo, content, created_at)
                VALUES (NULL, p_owner, p_session, NULL, NULL, p_pseudo, p_pseudo, p_content, p_created_at)
                RETURNING id INTO new_id;
                UPDATE guest_sessions
                SET owner_unread = owner_unread + 1, last_active_at = p_created_at, last_message_id = new_id
                WHERE id = p_session;
                RETURN new_id;
            END
            $fn$
            """).run()
        try await sql.raw("""
            CREATE OR REPLACE FUNCTION qrconnect_reply_to_guest(
                p_owner bigint, p_pseudo text, p_sender_name text, p_content text, p_created_at timestamptz
            ) RETURNS TABLE (message_id bigint, session_id bigint, token_hash text) LANGUAGE plpgsql AS $fn$
            DECLARE
                target_id bigint;
                target_token text;
                new_id bigint;
            BEGIN
                -- The row lock that orders the conversation's messages; no row means no such guest.
                SELECT g.id, g.token_hash INTO target_id, target_token FROM guest_sessions AS g
                WHERE g.owner_id = p_owner AND g.pseudo = p_pseudo FOR NO KEY UPDATE;
                IF NOT FOUND THEN RETURN; END IF;
                INSERT INTO messages (sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,
                                      sender_name, pseudo, content, created_at)
                VALUES (p_owner, NULL, target_id, NULL, NULL, p_sender_name, p_pseudo, p_content, p_created_at)
                RETURNING id INTO new_id;
                UPDATE guest_sessions AS g
                SET guest_unread = g.guest_unread + 1, last_active_at = p_created_at, last_message_id = new_id
                WHERE g.id = target_id;
                RETURN QUERY SELECT new_id, target_id, target_token;
            END
            $fn$
            """).run()
        // Only migration 009's versions called it.
        try await sql.raw("DROP FUNCTION IF EXISTS qrconnect_append_to_session(bigint, bigint, bigint, text, text, text, timestamptz)").run()
    }

    /// Back to migration 009's versions.
    func revert(on database: any Database) async throws {
        try await AddPostgresSendFunctions().prepare(on: database)
    }
}
