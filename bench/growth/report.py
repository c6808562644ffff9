#!/usr/bin/env python3
"""Markdown report of a bench/growth/run results file (one JSON object a line): report.py FILE."""
import json
import sys
from collections import defaultdict

LABELS = {
    "inbox_screen": "`conversations-anonymes?include=conversations`, owner with 5 000 guests (100 listed, with last messages)",
    # (earlier runs: the list then carried its last messages without being asked)
    "conversations_anonymes": "`conversations-anonymes`, owner with 5 000 guests (100 listed)",
    "read_discussion": "`discussion/<id>/`, 50-message discussion between users",
    "discussion_anonyme": "`discussion-anonyme/?pseudo=`, one guest's 50-message thread",
}
TARGET_P99_MS = 10.0


def main():
    machine, gen, db_mib, rss, runs, plans = {}, {}, {}, defaultdict(dict), [], defaultdict(list)
    for line in open(sys.argv[1], encoding="utf-8"):
        r = json.loads(line)
        if "machine" in r:
            machine = r["machine"]
        elif "generated" in r:
            gen[r["n"]], db_mib[r["n"]] = r["generated"], r["db_mib"]
        elif "plan" in r:
            plans[r["n"]].append(r["plan"])
        elif "rss_idle_mib" in r:
            rss[r["n"]]["idle"] = r["rss_idle_mib"]
        elif "rss_loaded_mib" in r:
            rss[r["n"]]["loaded"] = r["rss_loaded_mib"]
        elif "scenario" in r:
            runs.append(r)
    sizes = sorted(gen)
    out = []
    w = out.append
    w(f"# Growth: lists and pages at {', '.join(f'{n:,}' for n in sizes)} stored messages")
    w("")
    w(f"{machine.get('date', '?')}, {machine.get('nproc', '?')} cores ({machine.get('cpu', '?')}), "
      f"{machine.get('mem_total_mib', '?')} MiB RAM, kernel {machine.get('kernel', '?')}, SQLite {machine.get('sqlite', '?')} "
      f"(Python's, for the generator), commit {machine.get('commit', '?')} plus the working tree, release build. "
      f"wrk {machine.get('wrk', '?')}, one scenario at a time, {machine.get('rounds', 1)} rounds, every `RATE_LIMIT_*` off.")
    w("")
    w("**Shared machine**: other engineers were building Swift on these 2 cores now and then while this ran, so "
      "single runs can be inflated by them. \"others' CPU\" is the CPU time other processes (neither this "
      "server nor wrk) used during each measured run, as a share of the whole machine (from /proc/stat): "
      "with 2 cores, anything above a few % competes with the server and wrk; \"steal\" is time the hypervisor "
      "gave this virtual machine's CPUs to other machines during the run (also from /proc/stat), which hurts the "
      "same way. \"server CPU ms/req\" is the server's own CPU time per answered request (all its threads; stolen "
      "time inflates it too). "
      "Compare points of one run with each other, and rerun before reading much into one bad figure.")
    w("")
    w("Data (`bench/growth/generate.py`, written directly into a file whose schema the binary made; "
      "counters, read marks and dates as the service writes them; no ANALYZE, as in production): "
      "one measured owner with 5 000 guest conversations (N/10 of the messages, at least one each), "
      "one of them a 50-message thread the owner has read; a 50-message discussion between two users, "
      "read; the rest spread over other owners' guests (60 %) and discussions between other users (40 %), "
      "all interleaved in id order over 30 days. The measured reads change nothing (nothing unread).")
    w("")
    groups = defaultdict(list)
    for r in runs:
        groups[(r["n"], r["scenario"])].append(r)

    def noise(r):
        cpu = r.get("cpu", {})
        return cpu.get("others_share_of_machine", 1.0) + cpu.get("steal_share_of_machine", 0.0)

    def others(r):
        cpu = r.get("cpu", {})
        text = f"{cpu['others_share_of_machine'] * 100:.0f} %" if "others_share_of_machine" in cpu else "?"
        if cpu.get("steal_share_of_machine", 0) >= 0.01:
            text += f" +{cpu['steal_share_of_machine'] * 100:.0f} % steal"
        return text

    w("Each (size, scenario) ran in several rounds; the row details the quietest run (the one during which "
      "other processes took the least CPU), chosen by that measure, not by its latency; the last column but one "
      "gives every run's p99 with the other processes' CPU share during it.")
    w("")
    w("| N messages | scenario | req/s | p50 ms | p90 ms | p99 ms | max ms | server CPU ms/req | others' CPU | "
      "p99 of every run (others' CPU) | p99 ≤ 10 ms |")
    w("|---:|---|---:|---:|---:|---:|---:|---:|---:|---|:--:|")
    for (n, scenario), rs in groups.items():
        r = min(rs, key=noise)
        k = r["wrk"]
        cpu = r.get("cpu", {})
        ok = "yes" if k["p99_ms"] <= TARGET_P99_MS and k["non_2xx_3xx"] == 0 else "**no**"
        failures = sum(x["wrk"]["non_2xx_3xx"] + x["wrk"]["socket_errors"] + x["wrk"]["timeouts"] for x in rs)
        errors = f" ({failures} errors)" if failures else ""
        every = ", ".join(f"{x['wrk']['p99_ms']:.1f} ({others(x)})" for x in rs)
        w(f"| {n:,} | {LABELS.get(scenario, scenario)}{errors} | {k['rps']:,.0f} | {k['p50_ms']:.2f} | "
          f"{k['p90_ms']:.2f} | {k['p99_ms']:.2f} | {k['max_ms']:.1f} | {cpu.get('server_cpu_ms_per_request', '?')} | "
          f"{others(r)} | {every} | {ok} |")
    w("")
    w("## Memory and data")
    w("")
    w("| N messages | file (MiB) | users | guest sessions | user pairs | VmRSS idle (MiB) | VmRSS after the load (MiB) |")
    w("|---:|---:|---:|---:|---:|---:|---:|")
    for n in sizes:
        g = gen[n]
        w(f"| {n:,} | {db_mib[n]:,} | {g['users']:,} | {g['guest_sessions']:,} | {g['direct_pairs']:,} | "
          f"{rss[n].get('idle', '?')} | {rss[n].get('loaded', '?')} |")
    w("")
    w("Idle is one second after `serve` answered `/healthz` (the file opened, nothing read yet); "
      "after the load is once the three scenarios (warm-ups included) have run.")
    w("")
    w("## Query plans and bare SQLite timings")
    w("")
    w("`bench/growth/plans.py`: each statement the three requests run, asked of SQLite on the generated file "
      "(EXPLAIN QUERY PLAN, then run 200 times from Python, no HTTP, no Swift). \"index range\" means every "
      "step is a `SEARCH` (no `SCAN`, no `TEMP B-TREE` sort).")
    w("")
    header = "| query | plan (largest N) | index range at every N | " + " | ".join(f"median ms at {n:,}" for n in sizes) + " |"
    w(header)
    w("|---|---|:--:|" + "---:|" * len(sizes))
    largest = sizes[-1] if sizes else None
    for i, q in enumerate(plans.get(largest, [])):
        every = all(plans[n][i]["index_range"] and plans[n][i]["expected_index"] for n in sizes if i < len(plans[n]))
        times = " | ".join(f"{plans[n][i]['median_ms']:.3f}" if i < len(plans[n]) else "" for n in sizes)
        w(f"| {q['scenario']}: {q['query']} ({q['rows']} rows) | {'; '.join(q['plan'])} | "
          f"{'yes' if every else '**no**'} | {times} |")
    w("")
    print("\n".join(out))


if __name__ == "__main__":
    main()
