#!/usr/bin/env python3
"""Turn bench/run's measurements (one JSON object a line) into OUT.md (the tables) and OUT.png
(the chart of QRConnect's throughput relative to the peer's, one bar per scenario).

  sidebyside_report.py RESULTS.jsonl OUT --seconds S --login-seconds L --guests N --peer-version TEXT
"""
import argparse
import json
import os
import subprocess

import matplotlib

matplotlib.use("Agg")  # no display on the bench machines
import matplotlib.pyplot as plt

SCENARIOS = {
    "send_user": "user → user send (stores a message)",
    "send_guest": "guest send with X-Guest-Token (stores a message)",
    "read_discussion": "read a 50-message discussion (nothing unread)",
    "conversations_anonymes": "conversations-anonymes, owner of {guests} guests (first page, 100)",
    "inbox_screen": "the same with ?include=conversations (last messages; the peer: pseudonyms only)",
    "scan_linked": "scan a linked code (anonymous finder)",
    "login": "login (password hash at each one's default cost)",
}
OURS = {"sqlite": "QRConnect on SQLite", "postgres": "QRConnect on PostgreSQL"}


def main():
    p = argparse.ArgumentParser()
    p.add_argument("results")
    p.add_argument("out")
    p.add_argument("--seconds", type=int, required=True)
    p.add_argument("--login-seconds", type=int, required=True)
    p.add_argument("--guests", type=int, required=True)
    p.add_argument("--peer-version", default="Django")
    a = p.parse_args()

    runs, facts = {}, {}
    for line in open(a.results):
        r = json.loads(line)
        if "scenario" in r:
            runs[(r["target"], r["scenario"])] = r["wrk"]
        else:
            facts.setdefault(r.pop("target", "machine"), {}).update(r)
    # The ceiling measured right after each scenario (older runs: once, at the end).
    ceilings = {s: r for (t, s), r in runs.items() if t == "ceiling"}
    by_scenario = {s[len("ceiling_after_"):]: r for s, r in ceilings.items() if s.startswith("ceiling_after_")}
    every_ceiling = sorted(r["rps"] for r in ceilings.values())
    median_ceiling = every_ceiling[len(every_ceiling) // 2]
    ceiling_of = lambda scenario: by_scenario.get(scenario, {"rps": median_ceiling})["rps"]
    ours_targets = [t for t in OURS if any(k[0] == t for k in runs)]

    cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
    nproc = subprocess.check_output(["nproc"]).decode().strip()
    when = subprocess.check_output(["date", "-u", "+%Y-%m-%d %H:%M UTC"]).decode().strip()
    fsyncs = facts["machine"]["fsyncs_per_s"]
    ms = lambda v: f"{v:.1f}" if v >= 10 else f"{v:.2f}"
    rps = lambda v: f"{v:.0f}" if v >= 100 else f"{v:.1f}"
    pct = lambda v: f"{v:.1f} %" if v >= 1 else f"{v:.2f} %"

    lines = [
        f"# Side-by-side benchmark, {when}",
        "",
        f"Machine: `nproc` {nproc}, {cpu}; shared and noisy, so compare figures within this run only.",
        f"Each scenario: `wrk -t2 -c32 -d{a.seconds}s --latency --timeout 30s` ({a.login_seconds} s for login), after a short warm-up, "
        "against each service in turn, wrk on the same machine; between runs, a wait until the service is idle again (on PostgreSQL, its server too). QRConnect: release build, one "
        "`qrconnect serve` process, abuse limits off, `LOG_LEVEL=warning`, `BCRYPT_COST` 12 (default). "
        f"Peer: `../shared/peers/django_seed` ({a.peer_version}), gunicorn with 5 sync workers, its "
        "own SQLite file. Same data in each, seeded through each one's HTTP API.",
        "",
        f"Framework ceiling (bench/ceiling: one Vapor route answering a constant JSON object, release): "
        + (f"measured right after each scenario, **{every_ceiling[0]:.0f}–{every_ceiling[-1]:.0f} req/s** "
           f"(median {median_ceiling:.0f}); each scenario's share is of the ceiling measured after it "
           "(login's, of the median)." if by_scenario else
           "**{rps:.0f} req/s**, p50 {p50} ms, p99 {p99} ms.".format(
               rps=median_ceiling, p50=ms(next(iter(ceilings.values()))["p50_ms"]),
               p99=ms(next(iter(ceilings.values()))["p99_ms"]))),
        "",
    ]
    for t in ours_targets:
        lines += [f"## {OURS[t]} vs the peer", "",
                  "| scenario | peer req/s | peer p50 ms | peer p99 ms | ours req/s | ours p50 ms | ours p99 ms | ours / peer | ours / ceiling |",
                  "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
        for s, label in SCENARIOS.items():
            peer, ours = runs[("peer", s)], runs[(t, s)]
            lines.append(
                f"| {label.format(guests=f'{a.guests:,}'.replace(',', ' '))} | {rps(peer['rps'])} | {ms(peer['p50_ms'])} | {ms(peer['p99_ms'])} "
                f"| {rps(ours['rps'])} | {ms(ours['p50_ms'])} | {ms(ours['p99_ms'])} "
                f"| {ours['rps'] / peer['rps']:.2f}× | {pct(100 * ours['rps'] / ceiling_of(s))} |")
        lines.append("")

    lines += ["Logins completed in the measured " + f"{a.login_seconds} s: " + ", ".join(
        f"{'peer' if t == 'peer' else OURS[t]} {runs[(t, 'login')]['requests']}" for t in ["peer"] + ours_targets)
        + (" (few: p99 is about the slowest one)." if min(runs[(t, "login")]["requests"] for t in ["peer"] + ours_targets) < 100 else "."), ""]
    failed = [f"{t} / {s}: {r['non_2xx_3xx']} non-2xx, {r['socket_errors']} socket errors, {r['timeouts']} timeouts"
              for (t, s), r in runs.items() if r["non_2xx_3xx"] or r["socket_errors"] or r["timeouts"]]
    lines += ["Errors during the measured runs: " + ("; ".join(failed) if failed else "none (every answer 2xx)."), ""]

    lines += ["## Disk, memory, seeding", "",
              f"- fsyncs per second of the disk holding the SQLite files (3 s loop, 512-byte write + fsync): **{fsyncs}**."]
    for t in [t for t in ours_targets if t == "sqlite"]:  # the PostgreSQL server does not fsync
        sends = max(runs[(t, "send_user")]["rps"], runs[(t, "send_guest")]["rps"])
        lines.append(f"  {OURS[t]} stored up to {sends:.0f} messages/s: {sends / fsyncs:.2f} messages per fsync the disk allows.")
        made = {s: runs[(t, s)] for s in ("send_user", "send_guest") if "fsyncs" in runs[(t, s)]}
        if made:
            lines.append("  Fsyncs it made while storing them (`perf stat`, fsync and fdatasync calls): " + "; ".join(
                f"{SCENARIOS[s].split(' (')[0]}: {r['fsyncs']} for {r['requests']} messages "
                f"({r['requests'] / max(r['fsyncs'], 1):.1f} messages per fsync)" for s, r in made.items()) + ".")
    if ("slowdisk", "send_user") in runs:
        slow = facts["machine"]["slow_fsyncs_per_s"]
        user, guest = runs[("slowdisk", "send_user")]["rps"], runs[("slowdisk", "send_guest")]["rps"]
        lines.append(
            f"- The same disk slowed to {facts['machine']['slow_fsync_us']} µs more per fsync (`bench/slow_fsync`, "
            f"preloaded into a third QRConnect on SQLite and into the probe): **{slow}** fsyncs/s. "
            f"There QRConnect stored {user:.0f} messages/s from a user and {guest:.0f} from a guest "
            f"({max(user, guest) / slow:.1f} messages per fsync the disk allows"
            + "".join(f"; {r['requests'] / max(r['fsyncs'], 1):.1f} per fsync made ({s.replace('_', ' ')})"
                      for s, r in ((s, runs[('slowdisk', s)]) for s in ("send_user", "send_guest")) if "fsyncs" in r)
            + "; p99 "
            f"{ms(runs[('slowdisk', 'send_user')]['p99_ms'])} and {ms(runs[('slowdisk', 'send_guest')]['p99_ms'])} ms): "
            "group commit shares each fsync among the messages that arrive together.")
    for t in ours_targets:
        f = facts[t]
        lines.append(f"- {OURS[t]}, resident memory (VmRSS): {f['rss_idle_mib']} MiB idle at start, "
                     f"{f['rss_seeded_mib']} MiB after seeding, {f['rss_loaded_mib']} MiB after the load.")
    lines.append("- Seeding the guests concurrently (16 clients): " + ", ".join(
        f"{'peer' if t == 'peer' else OURS[t]} {facts[t]['seed']['seed_guests_per_s']} guests/s"
        for t in ["peer"] + ours_targets) + ".")
    lines += ["", "## What differs between the two", "",
              "- Durability: QRConnect's SQLite runs `synchronous=FULL` (a message is fsynced before its "
              "`201`); the peer's runs WAL with `synchronous=NORMAL`, which does not fsync at commit. "
              "The PostgreSQL server is `scripts/postgres-up`'s throwaway one (`fsync=off`, "
              "`synchronous_commit=off`): it is not durable either. Its database is `ANALYZE`d after "
              "seeding, as autovacuum would have done in service (without statistics the planner sorts "
              "all 5 000 guests for the inbox's first page).",
              "- Reading a discussion marks it read in both (an `UPDATE`); the reader here has nothing "
              "unread, so it changes no row and the scenario stays a read.",
              "- `conversations-anonymes`: both answer the summary's `pseudos` (100 pseudonyms). With "
              "`?include=conversations` (what QRConnect's web inbox asks) QRConnect adds each guest's "
              "last message and unread count, about 27 kB; the peer ignores the parameter and answers "
              "its pseudonyms, so that row's ratio compares unequal work.",
              "- Login: QRConnect checks bcrypt cost 12 and stores a new key per login; the peer checks "
              "Django's default PBKDF2-SHA256 and returns the user's single DRF token. Both are bound "
              "by the hash by design; neither was weakened.",
              "- The send scenarios write: every request inserts a message (into one discussion, and one "
              "guest conversation, per service).", ""]

    open(a.out + ".md", "w").write("\n".join(lines))
    print("\n".join(lines))

    # The chart: ours / peer throughput per scenario, one bar per database, drawn from 1× so
    # that slower (left) and faster (right) read at a glance; log scale, as ratios are.
    labels = [s.replace("_", " ") for s in SCENARIOS]
    ratios = {t: [runs[(t, s)]["rps"] / runs[("peer", s)]["rps"] for s in SCENARIOS] for t in ours_targets}
    every = [r for rs in ratios.values() for r in rs]
    fig, ax = plt.subplots(figsize=(8, 4.4))
    height = 0.8 / len(ours_targets)
    for i, t in enumerate(ours_targets):
        ys = [y + i * height for y in range(len(SCENARIOS))]
        bars = ax.barh(ys, [r - 1 for r in ratios[t]], left=1, height=height, label=OURS[t])
        ax.bar_label(bars, labels=[f"{r:.2f}×" for r in ratios[t]], padding=3, fontsize=8)
    ax.axvline(1, color="black", linewidth=0.8)
    ax.set_xscale("log")
    ax.set_xlim(min(every + [1]) / 1.6, max(every + [1]) * 1.6)
    ticks = [t for t in (0.125, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{t:g}×" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks([y + height * (len(ours_targets) - 1) / 2 for y in range(len(SCENARIOS))], labels)
    ax.invert_yaxis()
    ax.set_xlabel("QRConnect req/s ÷ Django peer req/s (log scale; right of 1× = QRConnect faster)")
    ax.set_title(f"QRConnect vs Django peer, {when}, {nproc} cores, wrk -t2 -c32", fontsize=10)
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.16), ncol=len(ours_targets), fontsize=8, frameon=False)
    fig.tight_layout()
    fig.savefig(a.out + ".png", dpi=110)


if __name__ == "__main__":
    main()
