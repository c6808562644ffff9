#!/usr/bin/env bash
# Quick A/B of the hot paths, for the optimisation log in bench/README.md:
#   bench/hot_paths.sh BINARY_A [BINARY_B ...]     (default: .build-release/release/qrconnect)
# Each binary serves a fresh SQLite file of its own (limits off), seeded the same way over HTTP:
# two users with a 50-message discussion, an owner with 100 guests. Then, in two interleaved
# rounds (A B A B, so that a noisy minute hits both), wrk -t2 -c32 for 5 s per scenario:
# reading the discussion, the owner's guest inbox, GET /api/auth/me (the control: one query),
# a user -> user send, a guest send with X-Guest-Token. Prints req/s per binary and round.
# With HOT_PATHS_POSTGRES=postgres://user:pass@host:port/db (e.g. scripts/postgres-up's URL), each
# binary gets a fresh PostgreSQL database instead (created next to that one, migrated, dropped after).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
if (($# == 0)); then set -- "$here/../.build-release/release/qrconnect"; fi
limits=(LOG_LEVEL=warning BCRYPT_COST=4 RATE_LIMIT_IP_REGISTRATIONS=off RATE_LIMIT_IP_MESSAGES=off
        RATE_LIMIT_INBOX_MESSAGES=off RATE_LIMIT_IP_GUEST_SESSIONS=off RATE_LIMIT_GUEST_MESSAGES=off)
work=$(mktemp -d); pids=(); databases=()
pg=${HOT_PATHS_POSTGRES:-}
cleanup() {
  kill "${pids[@]}" 2>/dev/null || true; sleep 0.5
  for db in "${databases[@]}"; do psql -q "$pg" -c "DROP DATABASE IF EXISTS $db" >/dev/null 2>&1 || true; done
  rm -rf "$work"
}
trap cleanup EXIT

declare -A port a_token a_id b_token guest
n=0
for bin in "$@"; do
  n=$((n + 1)); p=$((8200 + n)); dir="$work/$n"; mkdir -p "$dir"
  database=()
  if [[ -n $pg ]]; then
    db=hot_paths_$$_$n; databases+=($db)
    psql -q "$pg" -c "CREATE DATABASE $db" >/dev/null
    database=(DATABASE_URL="${pg%/*}/$db")
    (cd "$dir" && env "${limits[@]}" "${database[@]}" "$(realpath "$bin")" migrate --yes >migrate.log 2>&1)
  fi
  (cd "$dir" && exec env "${limits[@]}" "${database[@]}" "$(realpath "$bin")" serve --port $p >server.log 2>&1) & pids+=($!)
  for _ in $(seq 100); do curl -sf localhost:$p/healthz >/dev/null && break; sleep 0.1; done
  reg() { curl -s -X POST localhost:$p/api/auth/register -H 'Content-Type: application/json' \
            -d "{\"username\":\"$1\",\"password\":\"password1\"}" | python3 -c 'import sys,json;d=json.load(sys.stdin);print(d["token"],d["user"]["id"])'; }
  read -r A AID < <(reg alice); read -r B BID < <(reg bruno)
  for i in $(seq 50); do curl -s -o /dev/null -X POST localhost:$p/api/chat/send -H 'Content-Type: application/json' \
    -H "Authorization: Token $A" -d "{\"receiver\":$BID,\"content\":\"message $i\"}"; done
  curl -s -o /dev/null localhost:$p/api/chat/discussion/$AID/ -H "Authorization: Token $B"
  for i in $(seq 100); do G=$(curl -s -X POST localhost:$p/api/chat/send -H 'Content-Type: application/json' \
    -d "{\"receiver\":$AID,\"content\":\"guest $i\"}" | python3 -c 'import sys,json;print(json.load(sys.stdin)["guest_token"])'); done
  port[$n]=$p; a_token[$n]=$A; a_id[$n]=$AID; b_token[$n]=$B; guest[$n]=$G
done
rps() { awk '/Requests\/sec/ {print int($2)}'; }
printf '%-26s' scenario; for i in $(seq $n); do printf ' | bin %d r1 | bin %d r2' $i $i; done; echo
for scenario in discussion inbox me send_user send_guest; do
  declare -A got=()
  for round in 1 2; do
    for i in $(seq $n); do
      u=http://127.0.0.1:${port[$i]}
      case $scenario in
        discussion) r=$(wrk -t2 -c32 -d5s -H "Authorization: Token ${b_token[$i]}" $u/api/chat/discussion/${a_id[$i]}/ | rps);;
        inbox) r=$(wrk -t2 -c32 -d5s -H "Authorization: Token ${a_token[$i]}" $u/api/chat/conversations-anonymes/ | rps);;
        me) r=$(wrk -t2 -c32 -d5s -H "Authorization: Token ${a_token[$i]}" $u/api/auth/me | rps);;
        send_user) r=$(SENDER_TOKEN=${b_token[$i]} RECIPIENT_ID=${a_id[$i]} wrk -t2 -c32 -d5s -s "$here/wrk/send_user.lua" $u | rps);;
        send_guest) r=$(GUEST_TOKEN=${guest[$i]} GUEST_OWNER_ID=${a_id[$i]} wrk -t2 -c32 -d5s -s "$here/wrk/send_guest.lua" $u | rps);;
      esac
      got[$i,$round]=$r
    done
  done
  printf '%-26s' $scenario; for i in $(seq $n); do printf ' | %9s | %9s' ${got[$i,1]} ${got[$i,2]}; done; echo
done
