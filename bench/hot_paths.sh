#!/usr/bin/env bash
# Quick A/B of the hot read paths on a release build (used for the optimisation log in bench/README.md):
# GET a 50-message discussion, GET the guest inbox of an owner with 100 guests, GET /api/auth/me.
# wrk -t2 -c32 for 5 s each against one qrconnect on a fresh SQLite file. Run the same script before and after.
set -e
BIN=${BIN:-.build-release/release/qrconnect}; BIN=$(realpath "$BIN")
D=$(mktemp -d); cd $D
env LOG_LEVEL=warning BCRYPT_COST=4 RATE_LIMIT_IP_REGISTRATIONS=off RATE_LIMIT_IP_MESSAGES=off RATE_LIMIT_INBOX_MESSAGES=off RATE_LIMIT_IP_GUEST_SESSIONS=off RATE_LIMIT_GUEST_MESSAGES=off $BIN serve --port 8096 > s.log 2>&1 &
PID=$!; sleep 2
reg() { curl -s -X POST localhost:8096/api/auth/register -H 'Content-Type: application/json' -d "{\"username\":\"$1\",\"password\":\"password1\"}" | python3 -c 'import sys,json;d=json.load(sys.stdin);print(d["token"],d["user"]["id"])'; }
read A AID < <(reg alice); read B BID < <(reg bruno)
for i in $(seq 50); do curl -s -o /dev/null -X POST localhost:8096/api/chat/send -H 'Content-Type: application/json' -H "Authorization: Token $A" -d "{\"receiver\":$BID,\"content\":\"message $i\"}"; done
curl -s -o /dev/null localhost:8096/api/chat/discussion/$AID/ -H "Authorization: Token $B"
for i in $(seq 100); do curl -s -o /dev/null -X POST localhost:8096/api/chat/send -H 'Content-Type: application/json' -d "{\"receiver\":$AID,\"content\":\"guest $i\"}"; done
wrk -t2 -c32 -d5s -H "Authorization: Token $B" http://127.0.0.1:8096/api/chat/discussion/$AID/ | grep -E "Requests/sec"
wrk -t2 -c32 -d5s -H "Authorization: Token $A" http://127.0.0.1:8096/api/chat/conversations-anonymes/ | grep -E "Requests/sec"
wrk -t2 -c32 -d5s -H "Authorization: Token $A" http://127.0.0.1:8096/api/auth/me | grep -E "Requests/sec"
kill $PID; rm -rf $D
