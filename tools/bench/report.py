#!/usr/bin/python3
"""Helpers of tools/bench/run: run a command and record its wall time and peak
RSS, and turn the raw outputs of the flash and station benchmarks into tables
of figures and ratios. Figures only: nothing here passes or fails a figure.

  report.py measure OUT.json -- COMMAND...   run COMMAND, write wall_s/max_rss_kb/rc
  report.py program LOG...                   tables from bench_program outputs
  report.py station DIR [SCENARIO.ini]       tables from the station runs in DIR
  report.py loader DIR                       issue 13: loader vs direct per probe model,
                                             and the closing `bench:` line
"""
import datetime
import glob
import json
import os
import re
import resource
import statistics
import subprocess
import sys
import time

# SWD write transaction (jlink.md, OpenOCD's bit-slot convention):
# 8 request bits + 5 ACK/turnaround slots + 32 data bits + 1 parity.
SWD_BITS_PER_WORD_WRITE = 46
# Simulator default NVMC word write time (tools/sim/board.c, the nRF52840
# figure; nrf91-registers.md marks the nRF91 value UNCONFIRMED).
SIM_TWRITE_US = 41.0
# The old Python tool waited this long after programming
# (docs/history/original-cred-tool.txt: "waits seven seconds").
OLD_TOOL_WAIT_S = 7.0


def measure(out, cmd):
    start = time.monotonic()
    proc = subprocess.run(cmd)
    wall = time.monotonic() - start
    # nrfsim execs the command, so the largest waited-for child is nrfcred.
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    with open(out, "w") as f:
        json.dump({"wall_s": wall, "max_rss_kb": ru.ru_maxrss, "rc": proc.returncode,
                   "cpu_s": ru.ru_utime + ru.ru_stime}, f)
    return proc.returncode


# ------------------------------------------------------------------ program

STEP = re.compile(r"^(\S+)\s+(host|sim):\s+(.*)$")


def parse_program(path):
    text = open(path).read()
    head = re.search(r"at (\d+) kHz.*?, (\d+) KB", text)
    if not head:
        return None
    res = {"khz": int(head.group(1)), "kb": int(head.group(2)), "steps": {}}
    for line in text.splitlines():
        m = STEP.match(line)
        if not m:
            continue
        step, kind, rest = m.groups()
        d = res["steps"].setdefault(step, {})
        if kind == "host":
            n = re.search(r"(\d+) SWD round trips,\s+(\d+) SWD bits.*wall\s+([\d.]+) ms", rest)
            if n:
                d["swd_round_trips"] = int(n.group(1))
                d["swd_bits"] = int(n.group(2))
                d["wall_ms"] = float(n.group(3))
        else:
            n = re.search(r"(\d+) USB OUT \+ (\d+) IN transfers.*modeled ([\d.]+) ms", rest)
            if n:
                d["usb_out"] = int(n.group(1))
                d["usb_in"] = int(n.group(2))
                d["modeled_ms"] = float(n.group(3))
    return res


def program(paths):
    runs = [r for r in (parse_program(p) for p in paths) if r]
    if not runs:
        print("SKIPPED: bench_program printed no figures I could read")
        return 1
    print("Flash programming through libjaylink + simulator (erase-all first, then the steps)")
    print("  USB round trips = bulk IN transfers answered (one per J-Link command reply);")
    print("  SWD clk = time the SWD clock runs (SWD bits / clock, idle cycles included); "
          "USB+rest = modeled - SWD clk")
    print(f"  SWD floor = words x {SWD_BITS_PER_WORD_WRITE} bits / SWD clock; "
          f"NVMC floor = words x tWRITE {SIM_TWRITE_US:.0f} us (sim default)")
    cols = ("size", "step", "USB RT", "USB OUT", "SWD bits", "bits/word", "modeled ms",
            "SWD clk", "USB+rest", "wall ms", "KB/s", "SWD floor", "x floor", "NVMC flr", "x NVMC")
    fmt = ("  {:>6} {:<8} {:>6} {:>7} {:>9} {:>9} {:>10} {:>7} {:>8} {:>7} {:>6} {:>9} {:>7}"
           " {:>8} {:>6}")
    print(fmt.format(*cols))
    base = None
    notes = []
    for r in runs:
        words = r["kb"] * 1024 // 4
        swd_floor_ms = words * SWD_BITS_PER_WORD_WRITE / (r["khz"] * 1e3) * 1e3
        nvmc_floor_ms = words * SIM_TWRITE_US / 1e3
        for step in ("program", "verify", "prog+vfy"):
            d = r["steps"].get(step)
            if not d or "modeled_ms" not in d:
                continue
            kbs = r["kb"] / (d["modeled_ms"] / 1e3) if d["modeled_ms"] > 0 else 0
            # The floors are for writing; verify reads, so only the SWD
            # figure applies to it (a read is 8 + 38 = 46 slots as well).
            # prog+vfy writes then reads every word: twice the SWD floor.
            nv = nvmc_floor_ms if step != "verify" else 0
            sf = swd_floor_ms * (2 if step == "prog+vfy" else 1)
            clk_ms = d["swd_bits"] / (r["khz"] * 1e3) * 1e3
            print(fmt.format(f"{r['kb']} KB", step, d["usb_in"], d["usb_out"], d["swd_bits"],
                             f"{d['swd_bits'] / words:.0f}", f"{d['modeled_ms']:.1f}",
                             f"{clk_ms:.0f}", f"{d['modeled_ms'] - clk_ms:.0f}",
                             f"{d['wall_ms']:.1f}", f"{kbs:.1f}", f"{sf:.1f}",
                             f"{d['modeled_ms'] / sf:.2f}",
                             f"{nv:.1f}" if nv else "-",
                             f"{d['modeled_ms'] / nv:.2f}" if nv else "-"))
            if step == "program":
                if base is None:
                    base = (r["kb"], d["modeled_ms"])
                else:
                    notes.append(f"  scaling: {r['kb']} KB program takes "
                          f"{d['modeled_ms'] / base[1]:.2f}x the {base[0]} KB time "
                          f"({r['kb'] / base[0]:.2f}x the bytes)")
    for n in notes:
        print(n)
    print(f"  (SWD clock {runs[0]['khz']} kHz as the host set it; modeled ms = the simulated "
          "probe's clock: USB transfers + SWD clocks + NVMC waits)")
    return 0


# ------------------------------------------------------------------ station

def ts(s):
    return datetime.datetime.strptime(s, "%Y-%m-%dT%H:%M:%S.%fZ").replace(
        tzinfo=datetime.timezone.utc).timestamp()


def station_run(jsonl, measured):
    ev = [json.loads(line) for line in open(jsonl) if line.strip()]
    states = [e for e in ev if e.get("event") == "state"]
    boards = [e for e in ev if e.get("event") == "board"]
    if not boards or not states:
        return None
    connect = [ts(e["time"]) for e in states if e["state"] == "CONNECT"]
    first = min(connect) if connect else min(ts(e["time"]) for e in states)
    last = max(ts(e["time"]) for e in boards)
    # AWAIT_RESULT: from entering it to the next state of the same slot.
    awaits, steps = [], {}
    by_slot = {}
    for e in states:
        by_slot.setdefault(e["slot"], []).append(e)
    for seq in by_slot.values():
        for a, b in zip(seq, seq[1:]):
            dt = ts(b["time"]) - ts(a["time"])
            steps.setdefault(a["state"], []).append(dt)
            if a["state"] == "AWAIT_RESULT":
                awaits.append(dt)
    m = json.load(open(measured))
    return {
        "span": last - first,
        "boards": len(boards),
        "passed": sum(b.get("result") == "pass" for b in boards),
        "board_s": [b["duration_ms"] / 1e3 for b in boards],
        "awaits": awaits,
        "steps": steps,
        "wall": m["wall_s"],
        "rss_kb": m["max_rss_kb"],
        "rc": m["rc"],
        "cpu_s": m.get("cpu_s"),
    }


def med(xs):
    return statistics.median(xs) if xs else float("nan")


def modem_floor_ms(scenario, station_ini):
    """The simulated modem's unavoidable work for one board: start-up plus one
    AT%CMNG write per credential, from the scenario's [timing] (simulator
    defaults, tools/sim/board.c, when a key is absent)."""
    import configparser
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    try:
        cp.read(scenario)
        start = cp.getfloat("timing", "modem_start_ms", fallback=200.0)
        cmng = cp.getfloat("timing", "modem_cmng_write_ms", fallback=60.0)
        creds = len(re.findall(r"(?m)^\[credential ", open(station_ini).read()))
    except (OSError, configparser.Error, ValueError):
        return None
    return start, cmng, creds


def station(d, scenario=None):
    runs = {}
    for slots in (1, 8):
        rs = []
        for j in sorted(glob.glob(os.path.join(d, f"slots{slots}-*.jsonl"))):
            r = station_run(j, j[:-len(".jsonl")] + ".measure.json")
            if r:
                rs.append(r)
        runs[slots] = rs
    if not runs[1]:
        print("SKIPPED: no usable 1-slot station run (see the errors above)")
        return 1
    one = runs[1]
    n = len(one)

    # --- 3. old tool vs new
    aw = [a for r in one for a in r["awaits"]]
    bs = [b for r in one for b in r["board_s"]]
    aw_m, b_m = med(aw), med(bs)
    old_est = b_m - aw_m + OLD_TOOL_WAIT_S
    print(f"Old tool vs new: waiting for the firmware's result (1 slot, real timing, "
          f"median of {n} runs)")
    fmt = "  {:<60} {:>7} {:<5} {}"
    print(fmt.format("what", "figure", "unit", "ratio"))
    print(fmt.format("old tool: blind wait after programming (baseline)",
                     f"{OLD_TOOL_WAIT_S * 1e3:.0f}", "ms", "1.00x"))
    print(fmt.format("nrfcred: AWAIT_RESULT (polls the result block)", f"{aw_m * 1e3:.0f}",
                     "ms", f"{aw_m / OLD_TOOL_WAIT_S:.3f}x (min {min(aw) * 1e3:.0f}, "
                     f"max {max(aw) * 1e3:.0f} ms)"))
    print(fmt.format("nrfcred: whole board, CONNECT..DONE", f"{b_m * 1e3:.0f}", "ms", ""))
    print(fmt.format("old flow estimate: same steps, 7 s wait instead", f"{old_est * 1e3:.0f}",
                     "ms", f"nrfcred takes {b_m / old_est:.3f}x of it"))
    mf = modem_floor_ms(scenario, os.path.join(d, "station1.ini")) if scenario else None
    if mf:
        start, cmng, creds = mf
        floor = (start + creds * cmng) / 1e3
        print(fmt.format(f"simulated modem work: start {start:.0f} + {creds} x CMNG write "
                         f"{cmng:.0f} ms", f"{floor * 1e3:.0f}", "ms",
                         f"AWAIT_RESULT = {aw_m / floor:.2f}x it"))
    steps = {}
    for r in one:
        for k, v in r["steps"].items():
            steps.setdefault(k, []).extend(v)
    print("  time per state (median of the runs, ms): " + ", ".join(
        f"{k} {med(v) * 1e3:.0f}" for k, v in steps.items()))
    print()

    # --- 4. gang
    if not runs[8]:
        print("Gang concurrency\nSKIPPED: no usable 8-slot station run (see the errors above)")
        return 0
    eight = runs[8]
    s1, s8 = med([r["span"] for r in one]), med([r["span"] for r in eight])
    w1, w8 = med([r["wall"] for r in one]), med([r["wall"] for r in eight])
    rss1, rss8 = max(r["rss_kb"] for r in one), max(r["rss_kb"] for r in eight)
    n8 = eight[0]["boards"]
    p1 = sum(r["passed"] for r in one)
    p8 = sum(r["passed"] for r in eight)
    print(f"Gang concurrency: 1 slot vs 8 slots, simulator in real timing "
          f"(median of {n} / {len(eight)} runs; {p1}/{sum(r['boards'] for r in one)} and "
          f"{p8}/{sum(r['boards'] for r in eight)} boards passed)")
    fmt = "  {:<50} {:>9} {:>9} {:<8} {}"
    print(fmt.format("what", "1 slot", "8 slots", "unit", "ratio 8/1"))
    print(fmt.format("first CONNECT -> last board result", f"{s1:.2f}", f"{s8:.2f}", "s",
                     f"{s8 / s1:.2f} (goal < 1.30; 8.00 = no concurrency)"))
    print(fmt.format("whole command (incl. start-up, probe open)", f"{w1:.2f}", f"{w8:.2f}",
                     "s", f"{w8 / w1:.2f}"))
    bph1, bph8 = 3600 / s1, n8 * 3600 / s8
    print(fmt.format("throughput", f"{bph1:.0f}", f"{bph8:.0f}", "boards/h",
                     f"{bph8 / bph1:.2f}"))
    print(fmt.format("per-board time (median)", f"{med([b for r in one for b in r['board_s']]):.2f}",
                     f"{med([b for r in eight for b in r['board_s']]):.2f}", "s",
                     f"{med([b for r in eight for b in r['board_s']]) / b_m:.2f}"))
    print(fmt.format("peak RSS of the nrfcred process (max of runs)", f"{rss1 / 1024:.1f}",
                     f"{rss8 / 1024:.1f}", "MiB",
                     f"{rss8 / rss1:.2f} ({(rss8 - rss1) / 7 / 1024:.1f} MiB per extra slot)"))
    print("  (RSS includes the simulator preloaded into the same process: its boards, "
          "1 MiB flash each, and the emulated CPU)")
    return 0


def delivery(d):
    """5. the same 1-slot board with delivery = ram and = flash."""
    runs = {}
    for mode in ("ram", "flash"):
        rs = []
        for j in sorted(glob.glob(os.path.join(d, f"delivery-{mode}-*.jsonl"))):
            r = station_run(j, j[:-len(".jsonl")] + ".measure.json")
            if r:
                rs.append(r)
        runs[mode] = rs
    if not runs["ram"] or not runs["flash"]:
        print("SKIPPED: no usable ram or flash delivery run (see the errors above)")
        return 1
    print(f"Delivery: RAM session vs patched flash table (1 slot, real timing, median of "
          f"{len(runs['ram'])} / {len(runs['flash'])} runs)")
    fmt = "  {:<44} {:>9} {:>9} {:<5} {}"
    print(fmt.format("what", "ram", "flash", "unit", "ratio ram/flash"))
    rows = [("per board, CONNECT..DONE", lambda r: r["board_s"]),
            ("AWAIT_RESULT (session / result polling)", lambda r: r["awaits"])]
    for state in ("PROGRAM", "VERIFY", "WIPE"):
        rows.append((state, lambda r, st=state: r["steps"].get(st, [])))
    for name, get in rows:
        a = med([x for r in runs["ram"] for x in get(r)])
        b = med([x for r in runs["flash"] for x in get(r)])
        print(fmt.format(name, f"{a * 1e3:.0f}", f"{b * 1e3:.0f}", "ms",
                         f"{a / b:.3f}" if b else "-"))
    print("  (ram writes the provisioner only; flash writes it with the table patched in, "
          "and the firmware writes its result to flash)")
    return 0


def loader(d):
    """DIR holds loader-<model>-<method>-<KB>.log (bench_program outputs);
    writes DIR/loader.json (the largest size, for refbench.py summary)."""
    rows = {}
    for path in sorted(glob.glob(os.path.join(d, "loader-*.log"))):
        m = re.match(r"loader-([a-z]+)-([a-z-]+)-(\d+)\.log$", os.path.basename(path))
        r = parse_program(path) if m else None
        if r and "modeled_ms" in r["steps"].get("prog+vfy", {}):
            rows[(int(m.group(3)), m.group(1), m.group(2))] = r
    if not rows:
        print("SKIPPED: no loader figures")
        return 0
    fmt = "  {:>6} {:<12} {:<16} {:>11} {:>9} {:>13} {:>10} {:>11} {:>9} {:>8} {:>7}"
    print(fmt.format("size", "probe model", "method", "prog+vfy ms", "KB/s", "nvmc_fraction",
                     "program ms", "verify ms", "vfy/prog", "USB RT", "RT/KB"))
    figs, speed = {}, {}
    biggest = max(k[0] for k in rows)
    for (kb, model, method), r in sorted(rows.items()):
        # Program including its own verify: with the loader the CRC runs in
        # the same session. The separate verify step proves the same bytes
        # again: "program" = prog+vfy - verify, the time to compare with.
        pv = r["steps"]["prog+vfy"]
        prog = pv["modeled_ms"]
        vfy = r["steps"].get("verify", {}).get("modeled_ms", float("nan"))
        program = r["steps"].get("program", {}).get("modeled_ms", float("nan"))
        floor_ms = kb * 1024 / 4 * SIM_TWRITE_US / 1e3
        frac = floor_ms / prog if prog else float("nan")
        speed[(kb, model, method)] = kb / (prog / 1e3)
        print(fmt.format(f"{kb} KB", model, method, f"{prog:.1f}", f"{kb / (prog / 1e3):.1f}",
                         f"{frac:.3f}", f"{program:.1f}", f"{vfy:.1f}",
                         f"{vfy / program:.3f}" if program else "nan", pv["usb_in"],
                         f"{pv['usb_in'] / kb:.1f}"))
        if kb == biggest:
            figs[f"{model}-{method}"] = {"kb": kb, "kBps": kb / (prog / 1e3), "nvmc_fraction": frac,
                                         "prog_vfy_ms": prog, "program_ms": program,
                                         "verify_ms": vfy}
    print(f"  (NVMC floor: words x tWRITE {SIM_TWRITE_US:.0f} us, e.g. 64 KB = "
          f"{64 * 256 * SIM_TWRITE_US / 1e3:.1f} ms; ceiling {4 / SIM_TWRITE_US * 1e6 / 1024:.1f} KB/s;"
          " nvmc_fraction = floor / prog+vfy)")
    for (kb, model, method), v in sorted(speed.items()):
        if method == "loader" and (kb, model, "direct") in speed:
            print(f"  {kb} KB {model}: loader programs {v / speed[(kb, model, 'direct')]:.2f}x as "
                  "fast as direct")
    with open(os.path.join(d, "loader.json"), "w") as f:
        json.dump(figs, f, indent=1)
    return 0


def main(argv):
    if len(argv) == 3 and argv[1] == "loader":
        return loader(argv[2])
    if len(argv) == 3 and argv[1] == "delivery":
        return delivery(argv[2])
    if len(argv) >= 4 and argv[1] == "measure" and argv[3] == "--":
        return measure(argv[2], argv[4:])
    if len(argv) >= 3 and argv[1] == "program":
        return program(argv[2:])
    if len(argv) in (3, 4) and argv[1] == "station":
        return station(argv[2], argv[3] if len(argv) == 4 else None)
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
