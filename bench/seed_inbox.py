#!/usr/bin/env python3
"""Fill a QRConnect database directly with one busy owner's inbox, for scale measurements.

Creates GUESTS guest sessions writing to the user OWNER_ID and MESSAGES messages spread over them
(guests and owner replies alternating), with the conversation rows kept as the service keeps them.
The schema must exist (start the server once, or run `qrconnect migrate`).

    bench/seed_inbox.py sqlite qrconnect.sqlite --owner 1 --guests 5000 --messages 100000
    bench/seed_inbox.py postgres postgres://user:pass@127.0.0.1:5432/db --owner 1 ...

PostgreSQL goes through `psql` (COPY), so no Python driver is needed.
"""
import argparse
import hashlib
import io
import subprocess
import sqlite3
import time


def rows(owner, guests, messages, first_session_id, first_message_id, now):
    """Yields (sessions, messages) rows; ids are assigned here so conversations can point at them."""
    sessions = []
    msgs = []
    per_guest = max(1, messages // guests)
    mid = first_message_id
    for g in range(guests):
        sid = first_session_id + g
        pseudo = f"Invité-bench-{g}"
        token_hash = hashlib.sha256(f"bench-guest-{g}".encode()).hexdigest()
        for k in range(per_guest):
            from_guest = k % 2 == 0
            msgs.append((mid, None if from_guest else owner, owner if from_guest else None, sid,
                         pseudo if from_guest else "Owner", pseudo, f"message {k} of guest {g}", now))
            mid += 1
        sessions.append((sid, owner, token_hash, pseudo, mid - 1, 1, 0, 0, 0, now))
    return sessions, msgs


def seed_sqlite(path, owner, guests, messages):
    db = sqlite3.connect(path)
    first_sid = (db.execute("SELECT COALESCE(MAX(id), 0) FROM guest_sessions").fetchone()[0]) + 1
    first_mid = (db.execute("SELECT COALESCE(MAX(id), 0) FROM messages").fetchone()[0]) + 1
    sessions, msgs = rows(owner, guests, messages, first_sid, first_mid, time.time())
    with db:
        db.executemany(
            "INSERT INTO guest_sessions (id, owner_id, token_hash, pseudo, last_message_id, owner_unread,"
            " guest_unread, owner_read_up_to, guest_read_up_to, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)", sessions)
        db.executemany(
            "INSERT INTO messages (id, sender_id, receiver_id, guest_session_id, sender_name, pseudo, content, created_at)"
            " VALUES (?,?,?,?,?,?,?,?)", msgs)
    db.execute("ANALYZE")
    db.close()
    return len(sessions), len(msgs)


def seed_postgres(url, owner, guests, messages):
    def psql(sql, stdin=None):
        return subprocess.run(["psql", url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], input=stdin,
                              capture_output=True, text=True, check=True).stdout.strip()
    first_sid = int(psql("SELECT COALESCE(MAX(id), 0) FROM guest_sessions")) + 1
    first_mid = int(psql("SELECT COALESCE(MAX(id), 0) FROM messages")) + 1
    sessions, msgs = rows(owner, guests, messages, first_sid, first_mid, "now")

    def copy(table, columns, data):
        buf = io.StringIO()
        for r in data:
            buf.write("\t".join("\\N" if v is None else str(v) for v in r) + "\n")
        psql(f"COPY {table} ({columns}) FROM STDIN", stdin=buf.getvalue())

    copy("guest_sessions", "id, owner_id, token_hash, pseudo, last_message_id, owner_unread, guest_unread,"
         " owner_read_up_to, guest_read_up_to, created_at", sessions)
    copy("messages", "id, sender_id, receiver_id, guest_session_id, sender_name, pseudo, content, created_at", msgs)
    # Identity columns must continue after the ids written here.
    psql("SELECT setval(pg_get_serial_sequence('guest_sessions', 'id'), (SELECT MAX(id) FROM guest_sessions));"
         "SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT MAX(id) FROM messages)); ANALYZE")
    return len(sessions), len(msgs)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("kind", choices=["sqlite", "postgres"])
    parser.add_argument("target", help="SQLite file path or PostgreSQL URL")
    parser.add_argument("--owner", type=int, required=True)
    parser.add_argument("--guests", type=int, default=5000)
    parser.add_argument("--messages", type=int, default=100000)
    args = parser.parse_args()
    seed = seed_sqlite if args.kind == "sqlite" else seed_postgres
    started = time.time()
    n_sessions, n_messages = seed(args.target, args.owner, args.guests, args.messages)
    print(f"seeded {n_sessions} guest sessions and {n_messages} messages in {time.time() - started:.1f} s")


if __name__ == "__main__":
    main()
