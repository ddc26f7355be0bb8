#!/usr/bin/env python3
"""Run ringweir's benchmarks briefly and write BENCHMARKS.md.

Usage (from anywhere in the repo):

    python3 scripts/bench.py                 # full suite (~10 min on 2 cores)
    python3 scripts/bench.py --quick         # short config (a few minutes)
    python3 scripts/bench.py --bench multi   # only some scenarios (repeatable)
    python3 scripts/bench.py --report-only   # no running: rewrite the report
                                             # from target/criterion as it is

It runs `cargo bench -p ringweir-benches` (criterion 0.8; the short
configuration is chosen through RINGWEIR_BENCH_QUICK, see benches/src/lib.rs),
then the `wake_latency` binary for the wake-up percentiles, the `pauses`
binary for what a ring's sleeping side costs an unrelated busy thread, and
the `interleaved` binary for paired trials (each trial runs every
implementation of a scenario back to back, so ratios are taken within one
trial; see benches/src/bin/interleaved.rs), reads each
benchmark's `new/benchmark.json` and `new/estimates.json` under
`target/criterion/`, and writes:

- `BENCHMARKS.md` at the repository root: per scenario a table of every
  implementation's median time per message (or per round trip), its rate,
  and its ratio to the best peer (a peer is anything that is not ringweir,
  nor a reference floor);
- a "Paired trials" section from `target/ringweir-extra/interleaved.json`:
  per scenario the median of ringweir's per-trial ratio to the fastest
  peer of the same trial, and in how many trials ringweir was faster;
- `benches/summary.svg` (or `.png` when matplotlib is importable): the best
  ringweir variant of each scenario relative to the best peer.

The report links to `benches/ANALYSIS.md` (hand-written: what limits
ringweir in each scenario, and what would close a gap).

Standard library only. Timing numbers are reported, never asserted.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import json
import os
import platform
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = "ringweir-benches"

# Scenario order, title, what one "element" is, and what the table explains.
SCENARIOS = [
    ("spsc_throughput", "SPSC throughput", "msg",
     "Two threads move u64 values through one ring; time per message over a "
     "whole transfer. `-try` variants spin on try_send/try_recv, `-blocking` "
     "ones use send/recv with the ring's wait strategy."),
    ("spsc_roundtrip", "SPSC round trip", "round trip",
     "Ping-pong over two rings of 1024 (latency of one round trip). The floor "
     "is the same ping-pong over two cache-padded AtomicU64 cells: no queue."),
    ("single_thread", "Single thread (in-cache upper bound)", "push+pop",
     "One thread pushes 512 values into a ring of 1024, then pops them: one "
     "push plus one pop per element, nothing shared between cores."),
    ("batch", "Batched consumer", "msg",
     "Two threads, ring of 1024, the consumer takes up to 64 per call. "
     "`recv_many` and the `-pop-` variants send one by one (batching the "
     "consumer only); the `-slices`/`-chunks`/`-in_place` variants batch "
     "both sides. ringweir's and ringbuf's slice reads copy the values out; "
     "rtrb's chunk read and ringweir's `try_recv_in_place` only look at them "
     "in place."),
    ("multi", "Many producers / consumers (blocking)", "msg",
     "P producers and C consumers, ring of 1024, blocking send/recv until "
     "closed. 2p1c uses ringweir::mpsc, the others ringweir::mpmc. With more "
     "threads than cores, Spin is expected to collapse."),
    ("drop_oldest", "Drop oldest under load (producer side)", "send",
     "The producer never waits: a full ring evicts its oldest value. Time per "
     "send while a consumer thread drains; `delivered` is the share of values "
     "the consumer got (the rest were evicted)."),
    ("wake_latency", "Wake-up latency (mean)", "wake",
     "The receiver is asleep in recv; the sender sleeps 1 ms between sends (long enough for every receiver to be asleep). "
     "Time from just before send to just after recv returned."),
]
FLOOR_MARKERS = ("floor", "no sleep")


def run(cmd, env=None, check=True):
    print("+", " ".join(shlex.quote(c) for c in cmd), flush=True)
    return subprocess.run(cmd, cwd=ROOT, env=env, check=check)


def capture(cmd):
    try:
        return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True,
                              check=False).stdout.strip()
    except OSError:
        return ""


def cpu_model():
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.lower().startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def loadavg():
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "n/a"


def target_dir():
    return Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))


def load_results(since: float | None):
    """{group: {param: {function: ns_per_element}}} from criterion's files."""
    out: dict = {}
    base = target_dir() / "criterion"
    for bench_file in base.glob("**/new/benchmark.json"):
        est_file = bench_file.with_name("estimates.json")
        if not est_file.exists():
            continue
        if since is not None and est_file.stat().st_mtime < since:
            continue
        meta = json.loads(bench_file.read_text())
        est = json.loads(est_file.read_text())
        median = est["median"]["point_estimate"]  # ns per iteration
        elements = 1
        tp = meta.get("throughput") or {}
        if isinstance(tp, dict) and "Elements" in tp:
            elements = tp["Elements"]
        group = meta.get("group_id", "")
        func = meta.get("function_id") or meta.get("full_id", "?")
        param = meta.get("value_str") or ""
        out.setdefault(group, {}).setdefault(param, {})[func] = median / elements
    return out


def load_extra(name):
    path = target_dir() / "ringweir-extra" / name
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def is_ringweir(name):
    return name.startswith("ringweir")


def is_floor(name):
    return any(m in name for m in FLOOR_MARKERS)


def fmt_ns(ns):
    if ns >= 100_000:
        return f"{ns / 1000:,.0f} us"
    if ns >= 10_000:
        return f"{ns / 1000:.1f} us"
    if ns >= 100:
        return f"{ns:,.0f} ns"
    return f"{ns:.2f} ns" if ns < 10 else f"{ns:.1f} ns"


def fmt_rate(ns):
    if ns <= 0:
        return "-"
    per_s = 1e9 / ns
    if per_s >= 1e6:
        return f"{per_s / 1e6:.1f} M/s"
    return f"{per_s / 1e3:.1f} k/s"


def param_key(p):
    # cap1024 before cap64; 2p1c < 2p2c < 4p4c; otherwise as written.
    digits = "".join(ch if ch.isdigit() else " " for ch in p).split()
    nums = [int(d) for d in digits]
    if p.startswith("cap"):
        return (0, [-n for n in nums])
    return (1, nums)


def table(rows, unit, extra_col=None):
    """rows: {name: ns}. Returns (markdown lines, summary tuple or None)."""
    peers = {n: v for n, v in rows.items() if not is_ringweir(n) and not is_floor(n)}
    best_peer = min(peers, key=peers.get) if peers else None
    ours = {n: v for n, v in rows.items() if is_ringweir(n)}
    best_ours = min(ours, key=ours.get) if ours else None
    head = f"| implementation | median per {unit} | rate | vs best peer |"
    sep = "|---|---:|---:|---:|"
    if extra_col:
        head += f" {extra_col[0]} |"
        sep += "---:|"
    lines = [head, sep]
    ordered = sorted(rows, key=lambda n: (not is_ringweir(n), is_floor(n), rows[n]))
    for n in ordered:
        v = rows[n]
        ratio = f"{v / peers[best_peer]:.2f}x" if best_peer else "-"
        label = f"**{n}**" if is_ringweir(n) else n
        if n == best_peer:
            label += " (best peer)"
        line = f"| {label} | {fmt_ns(v)} | {fmt_rate(v)} | {ratio} |"
        if extra_col:
            line += f" {extra_col[1].get(n, '-')} |"
        lines.append(line)
    summary = None
    if best_peer and best_ours:
        summary = (best_ours, ours[best_ours], best_peer, peers[best_peer])
    return lines, summary


def paired_section(paired, cmd):
    """The paired-trials tables: medians, and ringweir's per-trial ratios."""
    n = paired.get("trials", "?")
    md = [
        "## Paired trials (the ratios to trust on a noisy VM)",
        "",
        f"From `{' '.join(cmd)}`: {n} trials; each trial runs every "
        "implementation of a scenario once, back to back, in an order that "
        "rotates between trials. \"vs fastest\" is the median over trials "
        "of ringweir's time divided by the fastest peer's time in the same "
        "trial, so a shift of the VM between trials cancels out; \"faster "
        "in\" counts the trials ringweir won. With several noisy peers the "
        "fastest of each trial is a minimum of noisy times, lower than any "
        "one peer's typical time, so \"vs best peer\" also pairs each trial "
        "with one peer, the one with the lowest median (named). The "
        "criterion tables above time one implementation after another and "
        "can straddle such a shift.",
        "",
    ]
    for sc in paired.get("scenarios", []):
        rows = sc["rows"]
        has_floor = any(r.get("floor") for r in rows)
        has_delivered = any("delivered" in r for r in rows)
        head = ("| implementation | median | p25 - p75 | vs fastest | faster in "
                "| vs best peer |")
        sep = "|---|---:|---:|---:|---:|---:|"
        if has_floor:
            head += " vs floor |"
            sep += "---:|"
        if has_delivered:
            head += " delivered |"
            sep += "---:|"
        md += [f"### {sc['name']} ({sc['unit']})", "", head, sep]
        for r in rows:
            label = f"**{r['name']}**" if r.get("ours") else r["name"]
            cells = [label, fmt_ns(r["median"]),
                     f"{fmt_ns(r['p25'])} - {fmt_ns(r['p75'])}"]
            if r.get("ours"):
                cells += [f"{r['paired_ratio']:.2f}x", f"{r['wins']}/{n}"]
                cells.append(f"{r['best_peer_ratio']:.2f}x ({r['best_peer']})"
                             if "best_peer_ratio" in r else "-")
            else:
                cells += ["-", "-", "-"]
            if has_floor:
                cells.append(f"{r['floor_ratio']:.2f}x" if "floor_ratio" in r else "-")
            if has_delivered:
                cells.append(f"{100 * r['delivered']:.1f}%" if "delivered" in r else "-")
            md.append("| " + " | ".join(cells) + " |")
        md.append("")
    return md


def write_svg(path, bars, title):
    """bars: [(label, ratio, detail)]; a horizontal bar chart, by hand."""
    width, left, right, bar_h, gap, top = 900, 300, 150, 22, 8, 60
    height = top + len(bars) * (bar_h + gap) + 50
    cap = max(2.0, min(4.0, max((r for _, r, _ in bars), default=1.0) * 1.1))
    plot_w = width - left - right

    def x(r):
        return left + plot_w * min(r, cap) / cap

    esc = (lambda s: s.replace("&", "&amp;").replace("<", "&lt;")
           .replace(">", "&gt;"))
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" '
        f'height="{height}" viewBox="0 0 {width} {height}" '
        'font-family="sans-serif" font-size="13">',
        f'<rect width="{width}" height="{height}" fill="white"/>',
        f'<text x="{width / 2}" y="24" text-anchor="middle" font-size="16" '
        f'font-weight="bold">{esc(title)}</text>',
        f'<text x="{width / 2}" y="44" text-anchor="middle" fill="#555">'
        'time of the best ringweir variant / time of the best peer '
        '(left of 1.0: ringweir faster)</text>',
    ]
    tick = 0.0
    while tick <= cap + 1e-9:
        tx = x(tick)
        out.append(f'<line x1="{tx:.1f}" y1="{top - 6}" x2="{tx:.1f}" '
                   f'y2="{height - 40}" stroke="#ddd"/>')
        out.append(f'<text x="{tx:.1f}" y="{height - 24}" '
                   f'text-anchor="middle" fill="#555">{tick:.1f}x</text>')
        tick += 0.5
    for i, (label, ratio, detail) in enumerate(bars):
        y = top + i * (bar_h + gap)
        color = "#2a9d8f" if ratio <= 1.0 else "#e76f51"
        out.append(f'<text x="{left - 8}" y="{y + bar_h * 0.72:.1f}" '
                   f'text-anchor="end">{esc(label)}</text>')
        out.append(f'<rect x="{left}" y="{y}" width="{x(ratio) - left:.1f}" '
                   f'height="{bar_h}" fill="{color}"/>')
        clipped = " >" if ratio > cap else ""
        out.append(f'<text x="{x(ratio) + 6:.1f}" y="{y + bar_h * 0.72:.1f}" '
                   f'fill="#333">{ratio:.2f}x{clipped}</text>')
        out.append(f'<title>{esc(detail)}</title>')
    one = x(1.0)
    out.append(f'<line x1="{one:.1f}" y1="{top - 10}" x2="{one:.1f}" '
               f'y2="{height - 40}" stroke="#222" stroke-dasharray="4 3"/>')
    out.append("</svg>")
    path.write_text("\n".join(out) + "\n")


def write_png(path, bars, title):
    import matplotlib  # noqa: F401  (only when importable)
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [b[0] for b in bars][::-1]
    ratios = [b[1] for b in bars][::-1]
    fig, ax = plt.subplots(figsize=(9, 0.35 * len(bars) + 1.5))
    ax.barh(labels, ratios, color=["#2a9d8f" if r <= 1 else "#e76f51" for r in ratios])
    ax.axvline(1.0, color="black", linestyle="--", linewidth=1)
    ax.set_xlabel("best ringweir / best peer (time; < 1 is faster)")
    ax.set_title(title)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true",
                    help="short warm-up/measurement and fewer messages")
    ap.add_argument("--criterion-quick", action="store_true",
                    help="also pass criterion's own --quick flag")
    ap.add_argument("--bench", action="append", default=[],
                    help="run only this bench target (repeatable)")
    ap.add_argument("--report-only", action="store_true",
                    help="do not run anything; report what target/criterion holds")
    ap.add_argument("--samples", type=int, default=None,
                    help="wake-up latency samples per implementation")
    ap.add_argument("--trials", type=int, default=None,
                    help="paired trials per scenario (interleaved binary)")
    ap.add_argument("--output", default=str(ROOT / "BENCHMARKS.md"))
    args = ap.parse_args()

    env = dict(os.environ)
    if args.quick:
        env["RINGWEIR_BENCH_QUICK"] = "1"
    bench_cmd = ["cargo", "bench", "-p", PACKAGE]
    for b in args.bench:
        bench_cmd += ["--bench", b]
    if args.criterion_quick:
        bench_cmd += ["--", "--quick"]
    wake_cmd = ["cargo", "run", "--profile", "bench", "-q", "-p", PACKAGE,
                "--bin", "wake_latency"]
    if args.samples:
        wake_cmd.append(str(args.samples))
    pauses_cmd = ["cargo", "run", "--profile", "bench", "-q", "-p", PACKAGE,
                  "--bin", "pauses"]
    paired_cmd = ["cargo", "run", "--profile", "bench", "-q", "-p", PACKAGE,
                  "--bin", "interleaved"]
    if args.trials:
        paired_cmd.append(str(args.trials))

    load_before = loadavg()
    started = time.time()
    wall = None
    ran_wake = False
    ran_pauses = False
    ran_paired = False
    if not args.report_only:
        run(["cargo", "bench", "-p", PACKAGE, "--no-run"], env=env)
        load_before = loadavg()
        started = time.time()
        run(bench_cmd, env=env)
        if not args.bench or "wake_latency" in args.bench:
            run(wake_cmd, env=env)
            ran_wake = True
        if not args.bench or "pauses" in args.bench:
            run(pauses_cmd, env=env)
            ran_pauses = True
        if not args.bench or "interleaved" in args.bench:
            run(paired_cmd, env=env)
            ran_paired = True
        wall = time.time() - started
    load_after = loadavg()

    results = load_results(None if args.report_only or args.bench else started - 1)
    drop_extra = load_extra("drop_oldest.json")
    wake_extra = load_extra("wake_latency.json")
    pauses = load_extra("pauses.json")
    paired = load_extra("interleaved.json")

    quoted = " ".join(shlex.quote(a) for a in sys.argv)
    cmd_line = f"python3 scripts/bench.py{quoted[len(shlex.quote(sys.argv[0])):]}"
    env_note = " (RINGWEIR_BENCH_QUICK=1)" if args.quick else ""
    now = _dt.datetime.now(_dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    ran = f"`{' '.join(bench_cmd)}`{env_note}" + (
        f" and `{' '.join(wake_cmd)}`" if ran_wake else "") + (
        f" and `{' '.join(pauses_cmd)}`" if ran_pauses else "") + (
        f" and `{' '.join(paired_cmd)}`" if ran_paired else "")
    run_file = target_dir() / "ringweir-extra" / "run.json"
    regenerated = ""
    if args.report_only:
        # Describe the run that produced the numbers, not this re-render.
        try:
            last = json.loads(run_file.read_text())
            now, load_before, load_after = last["date"], last["load_before"], last["load_after"]
            cmd_line, ran, wall = last["command"], last["ran"], last.get("wall")
            regenerated = f" (report re-rendered by `{' '.join(sys.argv[:1])} --report-only`)"
        except (OSError, ValueError, KeyError):
            pass
    else:
        run_file.parent.mkdir(parents=True, exist_ok=True)
        run_file.write_text(json.dumps({
            "date": now, "load_before": load_before, "load_after": load_after,
            "command": cmd_line, "ran": ran, "wall": wall}, indent=1))

    md = [
        "# ringweir benchmarks",
        "",
        "Generated by `scripts/bench.py`; do not edit by hand. Medians of "
        "criterion 0.8 samples (short runs: warm-up 1 s, measurement 2.5 s, "
        "10 samples, or shorter with `--quick`). **Numbers from a small, "
        "shared VM are noisy**: read ratios, not absolutes, and re-run on "
        "your own machine before relying on any of them.",
        "",
        "## Machine and command",
        "",
        f"- date: {now}",
        f"- CPU: {cpu_model()}; {os.cpu_count()} logical cores "
        f"(`nproc` = {capture(['nproc']) or '?'})",
        f"- OS: {platform.system()} {platform.release()}",
        f"- toolchain: {capture(['rustc', '-V'])}",
        f"- load average before / after: {load_before} / {load_after}",
        f"- command: `{cmd_line}`, which ran {ran}{regenerated}",
    ]
    if wall is not None:
        md.append(f"- wall time: {wall / 60:.1f} min")
    try:
        busy = max(float(load_before.split()[0]), float(load_after.split()[0]))
    except (ValueError, IndexError):
        busy = 0.0
    if busy > 0.5 * (os.cpu_count() or 1):
        md += [
            "",
            f"> **Warning: the machine was busy** (load average up to {busy:.1f} "
            f"on {os.cpu_count()} cores while this ran). Every variant that "
            "busy-waits (`-spin-`, `-try`, rtrb, ringbuf, ArrayQueue, "
            "disruptor, the AtomicU64 floor) then measures the scheduler's "
            "time slices, not the queue: a spinning thread holds a core the "
            "thread it waits for needs. Compare those rows only on an idle "
            "machine; the blocking (`park`) rows degrade gracefully.",
        ]
    md += [
        "",
        "\"vs best peer\" is the implementation's time divided by the best "
        "peer's time in the same table: below 1.00x is faster than every peer. "
        "Peers: rtrb, ringbuf, crossbeam (ArrayQueue, channel), disruptor, "
        "std `sync_channel`, flume, kanal, thingbuf; rows marked floor or "
        "\"no sleep\" are references, not peers.",
        "",
        "![summary](benches/summary.svg)",
        "",
    ]

    bars = []
    for group, title, unit, blurb in SCENARIOS:
        params = results.get(group)
        if not params:
            continue
        md += [f"## {title}", "", blurb, ""]
        for param in sorted(params, key=param_key):
            rows = params[param]
            extra = None
            if group == "drop_oldest" and drop_extra:
                delivered = {}
                for name in rows:
                    rec = drop_extra.get(f"{name}/{param}")
                    if rec and rec.get("sent"):
                        delivered[name] = f"{100.0 * rec['received'] / rec['sent']:.1f}%"
                extra = ("delivered", delivered)
            if param:
                md += [f"### {group} / {param}", ""]
            lines, summary = table(rows, unit, extra)
            md += lines + [""]
            if summary:
                ours, ov, peer, pv = summary
                label = f"{group} {param}".strip()
                bars.append((label, ov / pv,
                             f"{ours} {fmt_ns(ov)} vs {peer} {fmt_ns(pv)}"))
        if group == "wake_latency" and wake_extra:
            gap = next(iter(wake_extra.values())).get("gap_us", "?")
            n = next(iter(wake_extra.values())).get("samples", "?")
            md += [
                "### Wake-up latency distribution",
                "",
                f"From `{' '.join(wake_cmd)}`: {n} samples per implementation, "
                f"{gap} us between sends.",
                "",
                "| implementation | p50 | p90 | p99 | p99.9 | max | mean |",
                "|---|---:|---:|---:|---:|---:|---:|",
            ]
            for name, rec in wake_extra.items():
                label = f"**{name}**" if is_ringweir(name) else name
                md.append("| " + " | ".join(
                    [label] + [fmt_ns(rec[k]) for k in
                               ("p50", "p90", "p99", "p99.9", "max", "mean")]) + " |")
            md.append("")

    if wake_extra and "wake_latency" not in results:
        md += ["(wake-up latency distribution: see the binary's output)", ""]

    if pauses:
        first = next(iter(pauses.values()))
        md += [
            "## Pauses of an unrelated busy thread",
            "",
            f"From `{' '.join(pauses_cmd)}`: a thread of the same process that "
            "touches no channel reads the clock in a loop, while a consumer "
            f"sleeps in `recv` and is woken for a send every {first.get('tick_us', '?')} us. "
            f"Medians over {first.get('rounds', '?')} rounds of {first.get('trial_ms', '?')} ms; "
            "`none` is the same schedule with no channel. A ring whose sleeping "
            "side disturbs other threads shows more gaps and more time lost "
            "than `none`.",
            "",
            f"| variant | gaps > {first.get('pause_us', '?')} us per s | over `none` | gaps > 1 us per s | us lost per s | longest gap |",
            "|---|---:|---:|---:|---:|---:|",
        ]
        for name, rec in pauses.items():
            label = f"**{name}**" if is_ringweir(name) else name
            md.append(f"| {label} | {rec['pauses_per_s']:.0f} | {rec['extra_per_s']:+.0f} | "
                      f"{rec.get('blips_per_s', float('nan')):.0f} | "
                      f"{rec.get('lost_us_per_s', float('nan')):.0f} | {fmt_ns(rec['longest_ns'])} |")
        md.append("")

    if paired:
        md += paired_section(paired, paired_cmd)

    md += [
        "## Summary",
        "",
        "| scenario | best ringweir | best peer | ringweir / peer |",
        "|---|---|---|---:|",
    ]
    for label, ratio, detail in bars:
        ours, peer = detail.split(" vs ")
        md.append(f"| {label} | {ours} | {peer} | {ratio:.2f}x |")
    md.append("")

    # The reading of the numbers is written by hand (it needs judgement the
    # script does not have) and kept beside the benches: linked, not copied.
    md += [
        "## Reading the numbers",
        "",
        "What limits ringweir in each scenario, and what would close a gap:",
        "[`benches/ANALYSIS.md`](benches/ANALYSIS.md) (written by hand).",
        "",
    ]

    chart_title = "ringweir vs best peer, per scenario"
    chart = ROOT / "benches" / "summary.svg"
    try:
        import matplotlib  # noqa: F401
        chart = ROOT / "benches" / "summary.png"
        write_png(chart, bars, chart_title)
        md = [line.replace("benches/summary.svg", "benches/summary.png") for line in md]
    except ImportError:
        write_svg(chart, bars, chart_title)

    Path(args.output).write_text("\n".join(md))
    print(f"wrote {args.output} and {chart}")


if __name__ == "__main__":
    main()
