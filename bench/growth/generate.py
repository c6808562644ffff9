#!/usr/bin/env python3
"""Fill a QRConnect SQLite file directly with N messages, for the growth benchmark (bench/growth/run).

    bench/growth/generate.py FILE --messages 1000000 --owner 3 --reader 1 --friend 2 [--guests 5000]

The schema must already exist, made by the real binary (`SQLITE_PATH=FILE qrconnect migrate --yes`),
and the three measured users must already be registered through the HTTP API (so their bcrypt
hashes and keys are the service's own). This script adds everything else, row for row as the
service would have written it (Sources/QRConnect/Chat/MessageStore.swift, Discussions.swift):

* filler users (their password hash is the measured owner's: a valid bcrypt hash of the benchmark
  password, so any of them can sign in), one access key each (hex SHA-256 of a random key), one
  activated tag per guest-receiving owner (token stored as upper-case UUID text);
* conversations played forward as a sequence of the service's own operations, in one global id
  order (messages of all conversations interleaved in time over the last 30 days):
  - a guest send: the first one opens the session (created_at = last_active_at = now), each one
    adds 1 to `owner_unread`, sets `last_active_at`, inserts the message (sender_id NULL,
    receiver_id = owner, sender_name = pseudo = the session's pseudonym), sets `last_message_id`;
  - an owner reply: `guest_unread` + 1, message with sender_id = owner, receiver_id NULL,
    sender_name = the owner's display name, pseudo = the session's pseudonym;
  - a user-to-user send: both `direct_conversations` rows upserted (receiver's `unread` + 1), the
    message with pair_low_id/pair_high_id, sender_name = sender's display name, both rows'
    `last_message_id` set;
  - opening a conversation (before one replies, and at random after the last message): that
    side's unread = 0 and read_up_to = last_message_id.
  Dates are REAL seconds since 1970, as Fluent's SQLite driver stores them. Pseudonyms the server
  would pick (`Invité-NNNN`, longer on collision, as `Pseudonym.candidates()`), unique per owner.
  Address hashes are kept only for sessions active in the last 7 days (what the purge leaves).

Measured data:
* the owner (--owner) has --guests guest conversations (at least one message each; N/10 messages
  in all when that is more), one of them the measured guest with a 50-message thread that the
  owner has read (so GET discussion-anonyme stays a read);
* reader and friend share a 50-message discussion (strictly alternating), read by the reader.
Everything else (the rest of the N messages) belongs to other owners' guests (60 %) and to
discussions between other users (40 %).

Bulk insert: one transaction, executemany in batches, `PRAGMA synchronous=OFF` on this connection
only (the server sets its own pragmas when it opens the file). No ANALYZE: the service never runs
it, so the query plans measured are the ones a real database gets. Prints one JSON object.
"""
import argparse
import hashlib
import json
import random
import secrets
import sqlite3
import sys
import time
import urllib.parse
import uuid

DAY = 86_400.0
SPAN_DAYS = 30           # messages spread over the last 30 days (guest sessions expire after 90)
ADDRESS_HASH_DAYS = 7    # AppConfig default: older sessions have had their address hash purged
MEASURED_LEN = 50
BATCH = 50_000

WORDS = ("bonjour hello your car the lights are on parked corner keys found near station bag "
         "blue red thanks merci I am next to it call me please where can we meet tomorrow today "
         "lost collar dog cat bike luggage airport desk reception ok great see you soon").split()


def token_hash():
    return hashlib.sha256(secrets.token_urlsafe(32).encode()).hexdigest()


def pseudonym(rng, taken):
    """As Pseudonym.candidates(): 4 digits, then longer ones if the owner has that one already."""
    for digits in (4, 4, 4, 4, 6, 6, 8, 10):
        low = 10 ** (digits - 1)
        name = f"Invité-{rng.randrange(low, low * 10)}"
        if name not in taken:
            taken.add(name)
            return name
    raise RuntimeError("no pseudonym left")


def lengths(rng, total, mean):
    """Conversation lengths (>= 1, mean about `mean`) adding up to exactly `total`."""
    out = []
    while total > 0:
        n = min(total, 1 + int(rng.expovariate(1 / max(mean - 1, 0.01))))
        out.append(n)
        total -= n
    return out


class GuestThread:
    __slots__ = ("sid", "owner", "pseudo", "token_hash", "last", "owner_unread", "guest_unread",
                 "owner_read", "guest_read", "created", "active", "count", "last_from_owner", "address_hash")

    def __init__(self, sid, owner, pseudo):
        self.sid, self.owner, self.pseudo = sid, owner, pseudo
        self.token_hash = token_hash()
        self.address_hash = secrets.token_hex(16)
        self.last = None
        self.owner_unread = self.guest_unread = self.owner_read = self.guest_read = 0
        self.created = self.active = None
        self.count = 0
        self.last_from_owner = True


class DirectPair:
    __slots__ = ("low", "high", "rows", "count", "last_sender", "strict")

    def __init__(self, a, b, strict=False):
        self.low, self.high = min(a, b), max(a, b)
        # per side: [last_message_id, unread, read_up_to]
        self.rows = {}
        self.count = 0
        self.last_sender = None
        self.strict = strict


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("db")
    p.add_argument("--messages", type=int, required=True, help="messages in the database in all")
    p.add_argument("--owner", type=int, required=True, help="the measured owner (registered)")
    p.add_argument("--reader", type=int, required=True, help="reads the measured discussion (registered)")
    p.add_argument("--friend", type=int, required=True, help="the other side of it (registered)")
    p.add_argument("--guests", type=int, default=5000, help="guest conversations of the measured owner")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    rng = random.Random(a.seed)
    started = time.monotonic()

    db = sqlite3.connect(a.db, isolation_level=None)
    db.execute("PRAGMA synchronous=OFF")
    db.execute("PRAGMA cache_size=-262144")   # 256 MiB, this connection only
    db.execute("PRAGMA temp_store=MEMORY")
    if db.execute("SELECT COUNT(*) FROM messages").fetchone()[0] != 0:
        sys.exit("generate.py: the database already holds messages; start from a fresh file")
    measured = {}
    for uid in (a.owner, a.reader, a.friend):
        row = db.execute("SELECT display_name, password_hash FROM users WHERE id = ?", (uid,)).fetchone()
        if row is None:
            sys.exit(f"generate.py: user {uid} does not exist (register the measured users first)")
        measured[uid] = row
    password_hash = measured[a.owner][1]
    display = {uid: row[0] for uid, row in measured.items()}

    now = time.time()
    t0 = now - SPAN_DAYS * DAY
    N = a.messages
    owner_total = max(a.guests - 1 + MEASURED_LEN, N // 10)
    rest = N - MEASURED_LEN - owner_total
    if rest < 0:
        sys.exit(f"generate.py: {N} messages cannot hold the measured data ({MEASURED_LEN + owner_total})")
    guest_rest = rest * 6 // 10
    direct_rest = rest - guest_rest

    # --- users: the filler population
    first_uid = db.execute("SELECT COALESCE(MAX(id), 0) FROM users").fetchone()[0] + 1
    n_users = max(50, N // 100)
    users = []
    for k in range(n_users):
        uid = first_uid + k
        name = f"user{uid}"
        display[uid] = f"User {uid}"
        users.append((uid, name, name.lower(), password_hash, display[uid], t0 - rng.uniform(1, 60) * DAY))
    filler_ids = [u[0] for u in users]
    owners = filler_ids[: len(filler_ids) // 2]   # the half that has tags and gets guests

    # --- conversations (each one a list of message slots, interleaved below)
    first_sid = db.execute("SELECT COALESCE(MAX(id), 0) FROM guest_sessions").fetchone()[0] + 1
    threads = []
    taken = {}

    def new_thread(owner, pseudo=None):
        names = taken.setdefault(owner, set())
        if pseudo is None:
            pseudo = pseudonym(rng, names)
        else:
            names.add(pseudo)
        t = GuestThread(first_sid + len(threads), owner, pseudo)
        threads.append(t)
        return t

    plan = []   # (conversation, its message count)
    measured_guest = new_thread(a.owner)
    plan.append((measured_guest, MEASURED_LEN))
    others = owner_total - MEASURED_LEN
    per = [1] * (a.guests - 1)
    for _ in range(others - len(per)):
        per[rng.randrange(len(per))] += 1
    for n in per:
        plan.append((new_thread(a.owner), n))
    for n in lengths(rng, guest_rest, 6):
        plan.append((new_thread(rng.choice(owners)), n))

    pairs = {}
    measured_pair = DirectPair(a.reader, a.friend, strict=True)
    pairs[(measured_pair.low, measured_pair.high)] = measured_pair
    plan.append((measured_pair, MEASURED_LEN))
    for n in lengths(rng, direct_rest, 16):
        while True:
            x, y = rng.sample(filler_ids, 2)
            key = (min(x, y), max(x, y))
            if key not in pairs:
                break
        pairs[key] = DirectPair(x, y)
        plan.append((pairs[key], n))

    slots = []
    for conv, n in plan:
        slots.extend([conv] * n)
    del plan
    rng.shuffle(slots)
    assert len(slots) == N, (len(slots), N)

    # --- play the sends forward, in id order, writing messages in batches
    first_mid = 1
    contents = [" ".join(rng.choice(WORDS) for _ in range(rng.randint(2, 30))).capitalize() + "." for _ in range(997)]
    insert_message = ("INSERT INTO messages (id, sender_id, receiver_id, guest_session_id, pair_low_id, pair_high_id,"
                      " sender_name, pseudo, content, created_at) VALUES (?,?,?,?,?,?,?,?,?,?)")
    db.execute("BEGIN")
    batch = []
    step = SPAN_DAYS * DAY / N
    for i, conv in enumerate(slots):
        mid = first_mid + i
        at = t0 + i * step + rng.uniform(0, step * 0.9)
        content = contents[mid % len(contents)]
        if isinstance(conv, GuestThread):
            t = conv
            if t.count == 0:
                from_owner = False
                t.created = at - 0.0004   # the session row is inserted just before its first message
            else:
                from_owner = (not t.last_from_owner) if rng.random() < 0.7 else t.last_from_owner
            if from_owner:
                t.owner_unread, t.owner_read = 0, t.last        # the owner opened it before replying
                t.guest_unread += 1
                batch.append((mid, t.owner, None, t.sid, None, None, display[t.owner], t.pseudo, content, at))
            else:
                if t.count:
                    t.guest_unread, t.guest_read = 0, t.last    # the guest saw the page before writing
                t.owner_unread += 1
                batch.append((mid, None, t.owner, t.sid, None, None, t.pseudo, t.pseudo, content, at))
            t.active = at + 0.0001
            t.last = mid
            t.count += 1
            t.last_from_owner = from_owner
        else:
            d = conv
            if d.count == 0:
                sender = d.low if d.strict else rng.choice((d.low, d.high))
            elif d.strict:
                sender = d.high if d.last_sender == d.low else d.low
            else:
                other = d.high if d.last_sender == d.low else d.low
                sender = other if rng.random() < 0.7 else d.last_sender
            receiver = d.high if sender == d.low else d.low
            mine = d.rows.get(sender)
            if mine is not None:
                mine[1], mine[2] = 0, mine[0]   # the sender opened the discussion before writing
            for side in (d.low, d.high):
                row = d.rows.setdefault(side, [0, 0, 0])
                row[0] = mid
                if side == receiver:
                    row[1] += 1
            batch.append((mid, sender, receiver, None, d.low, d.high, display[sender], None, content, at))
            d.count += 1
            d.last_sender = sender
        if len(batch) >= BATCH:
            db.executemany(insert_message, batch)
            batch.clear()
    if batch:
        db.executemany(insert_message, batch)
    del slots

    # --- final opens: some conversations were looked at after their last message
    for t in threads:
        if rng.random() < 0.6:
            t.owner_unread, t.owner_read = 0, t.last
        if rng.random() < 0.5:
            t.guest_unread, t.guest_read = 0, t.last
    measured_guest.owner_unread, measured_guest.owner_read = 0, measured_guest.last
    for d in pairs.values():
        for side, row in d.rows.items():
            if rng.random() < 0.6:
                row[1], row[2] = 0, row[0]
    reader_row = measured_pair.rows[a.reader]
    reader_row[1], reader_row[2] = 0, reader_row[0]

    # --- users, keys, tags, sessions, conversation rows
    db.executemany("INSERT INTO users (id, username, username_key, password_hash, display_name, created_at)"
                   " VALUES (?,?,?,?,?,?)", users)
    db.executemany("INSERT INTO access_tokens (user_id, token_hash, created_at) VALUES (?,?,?)",
                   [(u[0], token_hash(), u[5] + 1) for u in users])
    first_qr = db.execute("SELECT COALESCE(MAX(id), 0) FROM qr_codes").fetchone()[0] + 1
    tag_owners = owners + [a.owner]
    db.executemany("INSERT INTO qr_codes (id, token, owner_id, created_at, activated_at) VALUES (?,?,?,?,?)",
                   [(first_qr + k, str(uuid.UUID(int=rng.getrandbits(128), version=4)).upper(), o,
                     t0 - 2 * DAY, t0 - DAY) for k, o in enumerate(tag_owners)])
    address_cutoff = now - ADDRESS_HASH_DAYS * DAY
    db.executemany(
        "INSERT INTO guest_sessions (id, owner_id, token_hash, pseudo, last_message_id, owner_unread, guest_unread,"
        " owner_read_up_to, guest_read_up_to, created_at, address_hash, last_active_at, blocked_at)"
        " VALUES (?,?,?,?,?,?,?,?,?,?,?,?,NULL)",
        [(t.sid, t.owner, t.token_hash, t.pseudo, t.last, t.owner_unread, t.guest_unread, t.owner_read,
          t.guest_read, t.created, t.address_hash if t.active >= address_cutoff else None, t.active)
         for t in threads])
    db.executemany(
        "INSERT INTO direct_conversations (user_id, partner_id, last_message_id, unread, read_up_to, cleared_up_to)"
        " VALUES (?,?,?,?,?,NULL)",
        [(side, d.high if side == d.low else d.low, row[0], row[1], row[2])
         for d in pairs.values() for side, row in sorted(d.rows.items())])
    db.execute("COMMIT")
    inserted = time.monotonic() - started

    # --- checks: the counters and marks agree with the messages, and every reference holds
    problems = []
    fk = db.execute("PRAGMA foreign_key_check").fetchall()
    if fk:
        problems.append(f"foreign keys: {fk[:5]}")
    bad = db.execute("""
        SELECT COUNT(*) FROM guest_sessions s WHERE last_message_id IS NOT (SELECT MAX(id) FROM messages WHERE guest_session_id = s.id)
           OR owner_unread != (SELECT COUNT(*) FROM messages WHERE guest_session_id = s.id AND sender_id IS NULL AND id > s.owner_read_up_to)
           OR guest_unread != (SELECT COUNT(*) FROM messages WHERE guest_session_id = s.id AND sender_id IS NOT NULL AND id > s.guest_read_up_to)
        """).fetchone()[0]
    if bad:
        problems.append(f"{bad} guest sessions whose counters disagree with their messages")
    bad = db.execute("""
        SELECT COUNT(*) FROM direct_conversations c
        WHERE last_message_id != (SELECT MAX(id) FROM messages
                                  WHERE pair_low_id = MIN(c.user_id, c.partner_id) AND pair_high_id = MAX(c.user_id, c.partner_id))
           OR unread != (SELECT COUNT(*) FROM messages
                         WHERE pair_low_id = MIN(c.user_id, c.partner_id) AND pair_high_id = MAX(c.user_id, c.partner_id)
                           AND receiver_id = c.user_id AND id > c.read_up_to)
        """).fetchone()[0]
    if bad:
        problems.append(f"{bad} direct conversation rows whose counters disagree with their messages")
    total = db.execute("SELECT COUNT(*) FROM messages").fetchone()[0]
    if total != N:
        problems.append(f"{total} messages, expected {N}")
    db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    db.close()
    if problems:
        sys.exit("generate.py: " + "; ".join(problems))

    print(json.dumps({
        "messages": N,
        "users": n_users + 3,
        "guest_sessions": len(threads),
        "direct_pairs": len(pairs),
        "owner_guests": a.guests,
        "owner_messages": owner_total,
        "guest_pseudo": measured_guest.pseudo,
        "guest_pseudo_query": urllib.parse.quote(measured_guest.pseudo),
        "guest_thread_messages": measured_guest.count,
        "discussion_messages": measured_pair.count,
        "seconds_insert": round(inserted, 1),
        "seconds_total": round(time.monotonic() - started, 1),
    }))


if __name__ == "__main__":
    main()
