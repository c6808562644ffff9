#!/usr/bin/env python3
"""Live delivery benchmark: idle sockets one process holds, and send-to-receipt latency.

Talks to already running `qrconnect serve` processes (bench/realtime/run starts them):
  --listen URL    the process holding the sockets
  --send URL      the process the messages are sent through (the same one, or another one
                  on the same PostgreSQL database)
Prints one JSON object with the figures.
"""
import argparse
import asyncio
import json
import statistics
import time

import aiohttp


async def post(session, url, body, token=None, guest=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Token {token}"
    if guest:
        headers["X-Guest-Token"] = guest
    async with session.post(url, data=json.dumps(body), headers=headers) as response:
        payload = await response.json()
        if response.status >= 300:
            raise RuntimeError(f"{url}: {response.status} {payload}")
        return payload


def rss_kib(pid):
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise RuntimeError("no VmRSS")


async def idle_sockets(session, listen, token, count, pid):
    """Opens `count` sockets as one user and reports the server's memory before and after."""
    ws_url = listen.replace("http://", "ws://") + "/api/chat/ws/"
    before = rss_kib(pid)
    sockets = []
    started = time.monotonic()
    batch = 200
    for first in range(0, count, batch):
        opened = await asyncio.gather(*[
            session.ws_connect(ws_url, headers={"Authorization": f"Token {token}"}, heartbeat=None, autoping=True)
            for _ in range(min(batch, count - first))
        ], return_exceptions=True)
        failures = [o for o in opened if isinstance(o, Exception)]
        sockets += [o for o in opened if not isinstance(o, Exception)]
        if failures:
            print(f"# {len(failures)} sockets failed to open, e.g. {failures[0]!r}")
            break
    elapsed = time.monotonic() - started
    await asyncio.sleep(2)
    after = rss_kib(pid)
    return sockets, {
        "sockets_open": len(sockets),
        "open_seconds": round(elapsed, 2),
        "rss_before_mib": round(before / 1024, 1),
        "rss_after_mib": round(after / 1024, 1),
        "kib_per_socket": round((after - before) / max(1, len(sockets)), 1),
    }


async def latency(session, listen, send, owner_id, owner_token, rate, seconds):
    """A guest socket on `listen`; the owner replies through `send` at `rate` per second."""
    first = await post(session, f"{send}/api/chat/send/",
                       {"receiver": owner_id, "content": "hello", "sender_name": f"bench-{time.time_ns()}"})
    guest_token, pseudo = first["guest_token"], first["message"]["pseudo"]
    ws = await session.ws_connect(listen.replace("http://", "ws://") + "/api/chat/ws/",
                                  headers={"X-Guest-Token": guest_token})
    sent_at = {}
    latencies = []

    async def receive():
        async for frame in ws:
            event = json.loads(frame.data)
            if event.get("type") == "message.created":
                key = event["message"]["content"]
                if key in sent_at:
                    latencies.append((time.monotonic() - sent_at.pop(key)) * 1000)

    receiver = asyncio.create_task(receive())
    await asyncio.sleep(0.5)
    total = int(rate * seconds)
    interval = 1 / rate
    start = time.monotonic()
    sends = []
    for n in range(total):
        target = start + n * interval
        await asyncio.sleep(max(0, target - time.monotonic()))
        key = f"m{n}"
        sent_at[key] = time.monotonic()
        sends.append(asyncio.create_task(post(session, f"{send}/api/chat/send/",
                                              {"pseudo": pseudo, "content": key}, token=owner_token)))
    await asyncio.gather(*sends)
    deadline = time.monotonic() + 10
    while sent_at and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    receiver.cancel()
    await ws.close()
    latencies.sort()
    pick = lambda q: round(latencies[min(len(latencies) - 1, int(q * len(latencies)))], 2) if latencies else None
    return {
        "messages": total,
        "received": len(latencies),
        "lost": len(sent_at),
        "rate_per_s": rate,
        "latency_ms_p50": pick(0.50),
        "latency_ms_p99": pick(0.99),
        "latency_ms_max": round(latencies[-1], 2) if latencies else None,
        "latency_ms_mean": round(statistics.mean(latencies), 2) if latencies else None,
    }


async def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--listen", required=True)
    parser.add_argument("--send", required=True)
    parser.add_argument("--listen-pid", type=int, required=True)
    parser.add_argument("--sockets", type=int, default=10000)
    parser.add_argument("--rate", type=float, default=200)
    parser.add_argument("--seconds", type=float, default=10)
    args = parser.parse_args()

    connector = aiohttp.TCPConnector(limit=0)
    async with aiohttp.ClientSession(connector=connector) as session:
        name = f"bench{time.time_ns() % 10**9}"
        account = await post(session, f"{args.send}/api/auth/register/", {"username": name, "password": "bench-password"})
        token = account["token"]
        owner_id = account["user"]["id"]
        result = {"latency": await latency(session, args.listen, args.send, owner_id, token, args.rate, args.seconds)}
        sockets, result["idle"] = await idle_sockets(session, args.listen, token, args.sockets, args.listen_pid)
        await asyncio.gather(*[s.close() for s in sockets], return_exceptions=True)
    print(json.dumps(result))


if __name__ == "__main__":
    asyncio.run(main())
