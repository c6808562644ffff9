#!/usr/bin/env python3
"""Seed one service through its HTTP API for bench/run, identically for QRConnect and the peer.

  seed_http.py URL --qr TOKEN [--guests 5000] [--messages 50] [--concurrency 16]

Only calls of the shared API (register, send, discussion, scan-qr), so both implementations get
the same users, the same messages and the same guests. Prints one JSON object: the ids and keys
the wrk scenarios need (bench/run turns them into environment variables).
"""
import argparse
import asyncio
import json
import time

import aiohttp

PASSWORD = "bench-password-1"  # hashed with each service's default cost (the login scenario)
# One user per role, so that no scenario's writes change what another one reads.
USERS = ["reader", "friend", "inbox_owner", "sender", "recipient", "guest_owner", "login_user"]


async def call(session, method, url, body=None, token=None, guest=None, want=(200, 201)):
    headers = {}
    if body is not None:
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Token {token}"
    if guest:
        headers["X-Guest-Token"] = guest
    data = json.dumps(body) if body is not None else None
    async with session.request(method, url, data=data, headers=headers) as response:
        payload = await response.json(content_type=None)
        if response.status not in want:
            raise RuntimeError(f"{method} {url}: {response.status} {payload}")
        return payload


async def seed(base, qr, guests, messages, concurrency):
    timeout = aiohttp.ClientTimeout(total=120)
    # No cookie jar: a guest cookie kept from one send would make every later guest the same one.
    async with aiohttp.ClientSession(timeout=timeout, cookie_jar=aiohttp.DummyCookieJar()) as s:
        users = {}
        for name in USERS:
            r = await call(s, "POST", f"{base}/api/auth/register/",
                           {"username": f"bench_{name}", "password": PASSWORD, "display_name": name.title()})
            users[name] = {"id": r["user"]["id"], "token": r["token"]}
        reader, friend = users["reader"], users["friend"]

        # The 50-message discussion, written in turns; then the reader opens it once, so from
        # here on the reader has nothing unread there and reading it stays a read.
        for i in range(messages):
            a, b = (reader, friend) if i % 2 == 0 else (friend, reader)
            await call(s, "POST", f"{base}/api/chat/send/", {"receiver": b["id"], "content": f"Message {i + 1}"},
                       token=a["token"])
        page = await call(s, "GET", f"{base}/api/chat/discussion/{friend['id']}/", token=reader["token"])
        assert len(page) == messages, f"discussion has {len(page)} messages, expected {messages}"

        # 5 000 guests, each with one message, into one inbox: concurrent, as many senders would.
        owner = users["inbox_owner"]
        started = time.monotonic()
        queue = asyncio.Queue()
        for n in range(1, guests + 1):
            queue.put_nowait(n)

        async def worker():
            while not queue.empty():
                n = queue.get_nowait()
                await call(s, "POST", f"{base}/api/chat/send/",
                           {"receiver": owner["id"], "sender_name": f"Guest-{n:05d}", "content": f"Hello from guest {n}"})

        await asyncio.gather(*(worker() for _ in range(concurrency)))
        guests_seconds = time.monotonic() - started
        listing = await call(s, "GET", f"{base}/api/chat/conversations-anonymes/?limit=500", token=owner["token"])
        assert len(listing["pseudos"]) == min(guests, 500), f"{len(listing['pseudos'])} guests listed"

        # The guest whose token the guest-send scenario uses, in an inbox of its own.
        first = await call(s, "POST", f"{base}/api/chat/send/",
                           {"receiver": users["guest_owner"]["id"], "sender_name": "Guest-sender", "content": "Hello"})

        # The code the scan scenario scans: claimed by its owner, then linked for everyone.
        r = await call(s, "POST", f"{base}/api/auth/scan-qr/", {"token": qr}, token=owner["token"])
        assert r["status"] == "activated", r
        r = await call(s, "POST", f"{base}/api/auth/scan-qr/", {"token": qr})
        assert r["status"] == "linked", r

        return {
            "SENDER_TOKEN": users["sender"]["token"], "RECIPIENT_ID": users["recipient"]["id"],
            "GUEST_TOKEN": first["guest_token"], "GUEST_OWNER_ID": users["guest_owner"]["id"],
            "READER_TOKEN": reader["token"], "FRIEND_ID": friend["id"],
            "INBOX_OWNER_TOKEN": owner["token"], "QR_TOKEN": qr,
            "LOGIN_USERNAME": "bench_login_user", "LOGIN_PASSWORD": PASSWORD,
            "seed_guests_per_s": round(guests / guests_seconds, 1),
        }


def main():
    p = argparse.ArgumentParser()
    p.add_argument("url")
    p.add_argument("--qr", required=True, help="a free code minted in this service")
    p.add_argument("--guests", type=int, default=5000)
    p.add_argument("--messages", type=int, default=50)
    p.add_argument("--concurrency", type=int, default=16)
    a = p.parse_args()
    print(json.dumps(asyncio.run(seed(a.url.rstrip("/"), a.qr, a.guests, a.messages, a.concurrency))))


if __name__ == "__main__":
    main()
