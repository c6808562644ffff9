#!/usr/bin/env python3
"""Query plans and bare SQLite timings of the growth benchmark's reads, on a generated file.

    bench/growth/plans.py FILE --owner 3 --reader 1 --friend 2 --pseudo 'Invité-3887' --token-hash HEX

The statements are the ones the service runs for the three measured requests (same tables,
filters, order and limits as UserAuthenticator, Inbox.guestConversations, ChatController /
Discussions.directThread and guestThreadForOwner, PageRequest.messages). For each: SQLite's
EXPLAIN QUERY PLAN, whether every step is an index search (no `SCAN` of a table or index, no
`TEMP B-TREE` sort), and the median time of running it here (no HTTP, no Swift): what the
database costs out of a request. One JSON object a line.
"""
import argparse
import json
import sqlite3
import statistics
import time

MESSAGE_COLUMNS = ("id, pseudo, content, sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,"
                   " sender_name, created_at")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("db")
    p.add_argument("--owner", type=int, required=True)
    p.add_argument("--reader", type=int, required=True)
    p.add_argument("--friend", type=int, required=True)
    p.add_argument("--pseudo", required=True)
    p.add_argument("--token-hash", required=True, help="hex SHA-256 of the owner's key")
    p.add_argument("--runs", type=int, default=200)
    a = p.parse_args()
    db = sqlite3.connect(f"file:{a.db}?mode=ro", uri=True)
    low, high = min(a.reader, a.friend), max(a.reader, a.friend)
    sid = db.execute("SELECT id FROM guest_sessions WHERE owner_id = ? AND pseudo = ?", (a.owner, a.pseudo)).fetchone()[0]
    list_sql = ("SELECT * FROM guest_sessions WHERE owner_id = ? AND last_message_id IS NOT NULL AND blocked_at IS NULL"
                " ORDER BY last_message_id DESC LIMIT 100")
    last_ids = [r[0] for r in db.execute(list_sql.replace("*", "last_message_id"), (a.owner,))]
    in_list = ",".join("?" * len(last_ids))
    queries = [
        ("every request", "key lookup",
         "SELECT * FROM access_tokens INNER JOIN users ON access_tokens.user_id = users.id"
         " WHERE access_tokens.token_hash = ? LIMIT 1", (a.token_hash,), ("access_tokens_token_hash_key", "sqlite_autoindex_access_tokens")),
        ("conversations_anonymes", "the owner's guests, newest first", list_sql, (a.owner,),
         ("guest_sessions_owner_recent_idx",)),
        ("conversations_anonymes", "their last messages", f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE id IN ({in_list})",
         tuple(last_ids), ("INTEGER PRIMARY KEY",)),
        ("read_discussion", "the partner exists", "SELECT * FROM users WHERE id = ? LIMIT 1", (a.friend,),
         ("INTEGER PRIMARY KEY",)),
        ("read_discussion", "both sides' rows",
         "SELECT * FROM direct_conversations WHERE user_id IN (?, ?) AND partner_id IN (?, ?)", (low, high, low, high),
         ("sqlite_autoindex_direct_conversations", "direct_conversations_user_recent_idx")),
        ("read_discussion", "a page of the discussion",
         f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE pair_low_id = ? AND pair_high_id = ? AND id > ?"
         " ORDER BY id DESC LIMIT 101", (low, high, 0), ("messages_direct_thread_idx",)),
        ("discussion_anonyme", "the guest's session",
         "SELECT * FROM guest_sessions WHERE owner_id = ? AND pseudo = ? LIMIT 1", (a.owner, a.pseudo),
         ("sqlite_autoindex_guest_sessions",)),
        ("discussion_anonyme", "a page of the guest thread",
         f"SELECT {MESSAGE_COLUMNS} FROM messages WHERE guest_session_id = ? ORDER BY id DESC LIMIT 101", (sid,),
         ("messages_guest_thread_idx",)),
    ]
    for scenario, what, sql, args, indexes in queries:
        plan = [row[3] for row in db.execute("EXPLAIN QUERY PLAN " + sql, args)]
        index_range = all(step.startswith("SEARCH") for step in plan) and not any("TEMP B-TREE" in s for s in plan)
        expected = any(ix in step for step in plan for ix in indexes)
        times = []
        rows = 0
        for _ in range(a.runs):
            started = time.perf_counter()
            rows = len(db.execute(sql, args).fetchall())
            times.append(time.perf_counter() - started)
        print(json.dumps({"scenario": scenario, "query": what, "sql": sql, "plan": plan, "index_range": index_range,
                          "expected_index": expected, "rows": rows,
                          "median_ms": round(statistics.median(times) * 1000, 4),
                          "p99_ms": round(sorted(times)[int(len(times) * 0.99) - 1] * 1000, 4)}, ensure_ascii=False))


if __name__ == "__main__":
    main()
