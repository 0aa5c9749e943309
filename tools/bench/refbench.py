#!/usr/bin/python3
"""Tables of issue 13's benchmark (tools/bench/run sections 7-11) and the
closing target table and `bench:` line. Figures only: nothing here passes or
fails on a figure. Each command reads the raw outputs that `run` left in DIR
and writes its figures to DIR/<name>.json for `summary`.

  refbench.py reference DIR SIM.ini     7. one reference board per probe model and method
  refbench.py callgrind DIR CG.out      8. instructions of one board, per object
  refbench.py slots DIR                 9. 1/8/16/32 slots in one process
  refbench.py oldtool DIR               10. the old tool's flow
  refbench.py openocd DIR               11. 64 KB RAM write + read: OpenOCD vs nrfcred
  refbench.py summary DIR               targets, then the `bench:` line
"""
import configparser
import glob
import json
import os
import re
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import med, parse_program, station_run, ts  # noqa: E402

NAN = float("nan")
# Simulator defaults (tools/sim/README.md "[timing]", board.c
# simboard_timing_defaults()); a scenario's [timing] overrides them.
SIM_TIMING = {"twrite_us": 41.0, "erase_all_ms": 170.0, "ctrlap_erase_all_ms": 300.0,
              "modem_start_ms": 200.0, "modem_cmd_ms": 5.0, "modem_cmng_write_ms": 60.0}
# AT commands of the provisioner (firmware/core/prov.c): CMEE, CFUN=4, CGSN,
# CGMR, then per credential %CMNG=3 (delete first, station job), %CMNG=0
# (the write, modem_cmng_write_ms instead of modem_cmd_ms) and %CMNG=1.
AT_FIXED, AT_PER_CRED = 4, 2


def save(d, name, fig):
    with open(os.path.join(d, name + ".json"), "w") as f:
        json.dump(fig, f, indent=1)


def load(d, name):
    try:
        return json.load(open(os.path.join(d, name + ".json")))
    except (OSError, ValueError):
        return None


def counters(path):
    c = {}
    for line in open(path):
        k, _, v = line.strip().partition("=")
        if v.isdigit():
            c[k] = int(v)
    return c


def counters_dir(state):
    """Sum of every probe's counters in a state directory."""
    tot = {}
    for f in glob.glob(os.path.join(state, "*.counters")):
        for k, v in counters(f).items():
            tot[k] = tot.get(k, 0) + v
    return tot


def timing(sim_ini):
    cp = configparser.ConfigParser(inline_comment_prefixes=(";", "#"), strict=False)
    cp.read(sim_ini)
    t = dict(SIM_TIMING)
    for k in t:
        if cp.has_option("timing", k):
            t[k] = cp.getfloat("timing", k)
    return t


def hex_bytes(path):
    """Data bytes of an Intel HEX file."""
    n = 0
    for line in open(path):
        line = line.strip()
        if line.startswith(":") and line[7:9] == "00":
            n += int(line[1:3], 16)
    return n


def floor_ms(t, prov_bytes, app_bytes, creds):
    """The modeled floor of one board (issue 13): erase-all + words x tWRITE
    for provisioner and app + the modem's work + the wipe. Both erases at the
    NVMC ERASEALL time, the cheaper of the chip's two erase-alls: nrfcred's
    first erase of an open nRF9160 is one; its wipe is the CTRL-AP erase-all
    (it clears RAM too), 130 ms more with the simulator's defaults."""
    words = (prov_bytes + app_bytes) // 4
    modem = (t["modem_start_ms"] + AT_FIXED * t["modem_cmd_ms"]
             + creds * (t["modem_cmng_write_ms"] + AT_PER_CRED * t["modem_cmd_ms"]))
    parts = {"erase-all": t["erase_all_ms"], "flash words x tWRITE": words * t["twrite_us"] / 1e3,
             "modem work": modem, "wipe (erase-all)": t["erase_all_ms"]}
    return sum(parts.values()), parts, words


# ------------------------------------------------------------------ 7. reference

def reference(d, sim_ini):
    job = os.path.join(d, "job")
    prov_b, app_b = hex_bytes(f"{job}/provisioner.hex"), hex_bytes(f"{job}/app.hex")
    cred_b = sum(os.path.getsize(f"{job}/{f}") for f in ("ca.pem", "client.pem", "client.key"))
    t = timing(sim_ini)
    fl, parts, words = floor_ms(t, prov_b, app_b, 3)
    kb = (prov_b + app_b) / 1024
    print(f"Reference job: provisioner {prov_b // 1024} KB, app {app_b // 1024} KB, 3 credentials "
          f"{cred_b} B; 1 slot, real timing, SWD 4 MHz, simulator default NVMC and modem timings")
    print("  floor = " + " + ".join(f"{k} {v:.0f}" for k, v in parts.items())
          + f" = {fl:.0f} ms ({words} words, tWRITE {t['twrite_us']:g} us, modem: start "
          f"{t['modem_start_ms']:g} + {AT_FIXED} x {t['modem_cmd_ms']:g} + 3 x "
          f"({t['modem_cmng_write_ms']:g} + {AT_PER_CRED} x {t['modem_cmd_ms']:g}) ms)")
    ceiling = 4 / t["twrite_us"] * 1e6 / 1024
    rows, figs = [], {}
    for j in sorted(glob.glob(os.path.join(d, "ref-*.jsonl"))):
        name = os.path.basename(j)[4:-6]
        model, method = name.split("-", 1)
        r = station_run(j, j[:-6] + ".measure.json")
        c = counters_dir(j[:-6] + ".state")
        if not r or not c or r["passed"] != 1:
            print(f"  {name}: no passing board (see the errors above)")
            continue
        steps = {k: med(v) * 1e3 for k, v in r["steps"].items()}
        flash_ms = sum(steps.get(k, 0) for k in ("PROGRAM", "VERIFY", "PROGRAM_APP", "VERIFY_APP"))
        modeled = c["modeled_ns"] / 1e6
        host_cpu = r["cpu_s"] - c.get("sim_cpu_ns", 0) / 1e9 if r.get("cpu_s") is not None else NAN
        f = {"modeled_ms": modeled, "board_ms": r["board_s"][0] * 1e3, "floor_ms": fl,
             "ratio": modeled / fl, "flash_ms": flash_ms, "flash_kBps": kb / (flash_ms / 1e3),
             "nvmc_fraction": kb / (flash_ms / 1e3) / ceiling,
             "usb_rt": c["usb_in_transfers"], "usb_rt_per_kb": c["usb_in_transfers"] / kb,
             "swd_bits_per_kb": c["swd_bits"] / kb, "cpu_s": r.get("cpu_s", NAN),
             "sim_cpu_s": c.get("sim_cpu_ns", 0) / 1e9, "host_cpu_s": host_cpu,
             "emulated_insns": c.get("cpu_instructions", 0), "steps": steps,
             "rss_mib": r["rss_kb"] / 1024}
        figs[name] = f
        rows.append((name, f))
    if not rows:
        print("SKIPPED: no reference board passed")
        return 1
    fmt = "  {:<22} {:>9} {:>8} {:>8} {:>9} {:>8} {:>7} {:>8} {:>10} {:>8} {:>8} {:>8}"
    print(fmt.format("probe-method", "modeled s", "floor s", "x floor", "flash s", "KB/s",
                     "x NVMC", "USB RT", "RT/KB", "bits/KB", "host CPU", "sim CPU"))
    for name, f in rows:
        print(fmt.format(name, f"{f['modeled_ms'] / 1e3:.2f}", f"{f['floor_ms'] / 1e3:.2f}",
                         f"{f['ratio']:.3f}", f"{f['flash_ms'] / 1e3:.2f}",
                         f"{f['flash_kBps']:.1f}", f"{f['nvmc_fraction']:.3f}", f["usb_rt"],
                         f"{f['usb_rt_per_kb']:.1f}", f"{f['swd_bits_per_kb']:.0f}",
                         f"{f['host_cpu_s']:.3f}", f"{f['sim_cpu_s']:.3f}"))
    print(f"  (modeled s: the probe's clock from open to close, counters file; flash s: PROGRAM + "
          f"VERIFY + PROGRAM_APP + VERIFY_APP, {kb:.0f} KB, NVMC ceiling {ceiling:.1f} KB/s;")
    print("   USB RT = bulk IN transfers, one per J-Link command reply; host CPU = getrusage of "
          "nrfcred minus sim_cpu_ns, the simulator's own CPU in the same process)")
    print("  where the time goes (ms per state, real timing) against the floor's parts:")
    states = ["CONNECT", "ERASE", "PROGRAM", "VERIFY", "RUN", "AWAIT_RESULT", "CHECK", "WIPE",
              "PROGRAM_APP", "VERIFY_APP", "RESET_APP", "DONE"]
    print("  {:<22} ".format("") + " ".join(f"{s[:11]:>11}" for s in states))
    for name, f in rows:
        print("  {:<22} ".format(name) + " ".join(f"{f['steps'].get(s, 0):>11.0f}" for s in states))
    fp = parts["flash words x tWRITE"]
    print("  {:<22} ".format("floor") + " ".join(f"{v:>11.0f}" for v in (
        0, parts["erase-all"], fp * prov_b / (prov_b + app_b), 0, 0, parts["modem work"], 0,
        parts["wipe (erase-all)"], fp * app_b / (prov_b + app_b), 0, 0, 0)))
    save(d, "reference", figs)
    return 0


# ------------------------------------------------------------------ 8. callgrind

def callgrind(d, path):
    """Self cost (Ir) per object, from callgrind_annotate's per-function
    list (every function: --threshold=100); "???" is code without an object,
    here the code Unicorn generates for the emulated core."""
    import subprocess
    try:
        out = subprocess.run(["callgrind_annotate", "--threshold=100", path], check=True,
                             capture_output=True, text=True).stdout
    except (OSError, subprocess.CalledProcessError) as e:
        print(f"SKIPPED: callgrind_annotate: {e}")
        return 1
    obs, total = {}, 0
    for line in out.splitlines():
        m = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?\S.*?\[(.*)\]\s*$", line)
        if m:
            ir = int(m.group(1).replace(",", ""))
            obs[m.group(2)] = obs.get(m.group(2), 0) + ir
        t = re.match(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?PROGRAM TOTALS", line)
        if t:
            total = int(t.group(1).replace(",", ""))
    if not total:
        print("SKIPPED: no cost in the callgrind output")
        return 1
    groups = {"nrfcred": 0, "libjaylink": 0, "simulator (libnrfsim)": 0,
              "Unicorn (emulated core)": 0, "libc, libuv, mbedTLS, other": 0}
    for ob, ir in obs.items():
        b = os.path.basename(ob)
        if b == "nrfcred":
            groups["nrfcred"] += ir
        elif "jaylink" in b:
            groups["libjaylink"] += ir
        elif "nrfsim" in b:
            groups["simulator (libnrfsim)"] += ir
        elif "unicorn" in b or b == "???":
            groups["Unicorn (emulated core)"] += ir
        else:
            groups["libc, libuv, mbedTLS, other"] += ir
    print(f"callgrind, one reference board (fast timing, full-speed, loader + crc): "
          f"{total / 1e6:.1f} M instructions (Ir) in all")
    for k, v in groups.items():
        print(f"  {k:<32} {v / 1e6:>10.1f} M  {v / total:>6.1%}")
    top = sorted(obs.items(), key=lambda x: -x[1])[:6]
    print("  largest objects: " + ", ".join(f"{os.path.basename(k)} {v / 1e6:.1f} M" for k, v in top))
    host = groups["nrfcred"] + groups["libjaylink"]
    print(f"  host code (nrfcred + libjaylink): {host / 1e6:.1f} M; the simulator and its core: "
          f"{(groups['simulator (libnrfsim)'] + groups['Unicorn (emulated core)']) / 1e6:.1f} M; "
          "libc etc. are shared by both")
    save(d, "callgrind", {"total_ir": total, "groups": groups})
    return 0


# ------------------------------------------------------------------ 9. slots

def slots(d):
    runs = {}
    for j in glob.glob(os.path.join(d, "slots-*.jsonl")):
        n = int(re.search(r"slots-(\d+)\.jsonl$", j).group(1))
        r = station_run(j, j[:-6] + ".measure.json")
        if r:
            r["sim_cpu_s"] = counters_dir(j[:-6] + ".state").get("sim_cpu_ns", 0) / 1e9
            runs[n] = r
    if 1 not in runs:
        print("SKIPPED: no 1-slot run")
        return 1
    one = runs[1]
    print("Slots in one process (reference job, full-speed probes, real timing, loader + crc)")
    fmt = "  {:>5} {:>7} {:>9} {:>8} {:>10} {:>9} {:>10} {:>9} {:>9} {:>9} {:>9}"
    print(fmt.format("slots", "passed", "span s", "x 1 slot", "boards/h", "board s", "RSS MiB",
                     "MiB/slot", "CPU s", "CPU/board", "CPU/wall"))
    figs = {}
    for n in sorted(runs):
        r = runs[n]
        bph = r["boards"] * 3600 / r["span"]
        cpu = r.get("cpu_s", NAN)
        f = {"span_s": r["span"], "ratio": r["span"] / one["span"], "boards_per_hour": bph,
             "passed": r["passed"], "boards": r["boards"], "board_s": med(r["board_s"]),
             "rss_mib": r["rss_kb"] / 1024, "rss_per_slot_mib": r["rss_kb"] / 1024 / n,
             "cpu_s": cpu, "sim_cpu_s": r["sim_cpu_s"], "wall_s": r["wall"]}
        figs[str(n)] = f
        print(fmt.format(n, f"{r['passed']}/{r['boards']}", f"{r['span']:.2f}", f"{f['ratio']:.3f}",
                         f"{bph:.0f}", f"{f['board_s']:.2f}", f"{f['rss_mib']:.1f}",
                         f"{f['rss_per_slot_mib']:.2f}", f"{cpu:.2f}", f"{cpu / r['boards']:.3f}",
                         f"{cpu / r['span']:.2f}"))
    print("  (span: first CONNECT to the last board's result, JSON events; CPU: getrusage of the "
          "process, simulator included; CPU/wall: cores kept busy, this machine has "
          f"{os.cpu_count()})")
    if 32 in runs:
        r = runs[32]
        need = r.get("cpu_s", NAN) / (os.cpu_count() or 1)
        bound = ("the CPU, not nrfcred's concurrency, sets the floor of the 32-slot span here"
                 if need >= one["span"] else
                 "below one board's span: the CPU is not what sets the 32-slot span")
        print(f"  32 slots: {r.get('cpu_s', NAN):.1f} CPU s ({r['sim_cpu_s']:.1f} of them the "
              f"simulator's) on {os.cpu_count()} cores is at least {need:.2f} s of wall time, "
              f"against {one['span']:.2f} s for one board: {bound}")
    save(d, "slots", figs)
    return 0


# ------------------------------------------------------------------ 10. old tool

def oldtool(d):
    figs = {}
    for method in ("loader", "direct"):
        try:
            text = open(os.path.join(d, f"oldtool-{method}.log")).read()
        except OSError:
            continue
        steps = re.findall(r"^oldtool step (\S+)\s+modeled\s+([\d.]+) ms\s+wall\s+([\d.]+) ms",
                           text, re.M)
        board = [x for x in steps if x[0] == "board"]
        if not board or "result ok" not in text:
            print(f"  old tool ({method}): the run did not finish (see its errors above)")
            continue
        print(f"The old tool's flow, {method} writes + read-back verify, 1 board, full-speed "
              "probe, real timing:")
        for name, m, w in steps:
            print(f"  {name:<16} modeled {float(m):>9.1f} ms   wall {float(w):>9.1f} ms")
        s = float(board[0][2]) / 1e3
        print(f"  one board at a time: {s:.2f} s per board = {3600 / s:.0f} boards/h")
        figs[method] = {"board_s": s, "boards_per_hour": 3600 / s}
    if "loader" not in figs:
        print("SKIPPED: no finished old-tool run with loader writes")
        return 1
    figs.update(figs["loader"])
    print("  (the loader row is the baseline of vs_old_tool: nrfjprog programs near the NVMC's "
          "speed; the direct row is the same flow with MEM-AP word writes)")
    save(d, "oldtool", figs)
    return 0


# ------------------------------------------------------------------ 11. OpenOCD

def openocd(d):
    figs = {}
    ram = parse_program(os.path.join(d, "ram-nrfcred.log")) if os.path.exists(
        os.path.join(d, "ram-nrfcred.log")) else None
    if ram and "modeled_ms" in ram["steps"].get("ram", {}):
        st = ram["steps"]["ram"]
        figs["nrfcred"] = {"usb_in": st["usb_in"], "usb_out": st["usb_out"],
                           "swd_bits": st["swd_bits"], "modeled_ms": st["modeled_ms"]}
    a, b = os.path.join(d, "oo-init.counters"), os.path.join(d, "oo-full.counters")
    if os.path.exists(a) and os.path.exists(b):
        ca, cb = counters(a), counters(b)
        figs["openocd"] = {"usb_in": cb["usb_in_transfers"] - ca["usb_in_transfers"],
                           "usb_out": cb["usb_out_transfers"] - ca["usb_out_transfers"],
                           "swd_bits": cb["swd_bits"] - ca["swd_bits"],
                           "modeled_ms": (cb["busy_ns"] - ca["busy_ns"]) / 1e6}
    if not figs:
        print("SKIPPED: neither OpenOCD nor nrfcred figures")
        return 1
    print("64 KB written to RAM and read back, same simulated full-speed probe, SWD 4 MHz")
    fmt = "  {:<10} {:>8} {:>8} {:>10} {:>11}"
    print(fmt.format("tool", "USB RT", "USB OUT", "SWD bits", "modeled ms"))
    for k, f in figs.items():
        print(fmt.format(k, f["usb_in"], f["usb_out"], f["swd_bits"], f"{f['modeled_ms']:.1f}"))
    print("  (OpenOCD: load_image + dump_image, a session with them minus one without (init, "
          "halt); its time is the probe's busy time, without the host's idle time;")
    print("   nrfcred: nrf91_write + nrf91_read, bench_program ram, the probe's modeled time)")
    if len(figs) == 2:
        print(f"  nrfcred / OpenOCD: round trips {figs['nrfcred']['usb_in'] / figs['openocd']['usb_in']:.2f}, "
              f"time {figs['nrfcred']['modeled_ms'] / figs['openocd']['modeled_ms']:.2f}")
    save(d, "openocd", figs)
    return 0


# ------------------------------------------------------------------ summary

def summary(d):
    lo, ref, sl, old, oo = (load(d, n) for n in ("loader", "reference", "slots", "oldtool", "openocd"))
    rows = []

    def row(fig, target, value, ok, note=""):
        rows.append((fig, target, value, "-" if ok is None else ("yes" if ok else "NO"), note))

    for model in ("fullspeed", "highspeed"):
        x = (lo or {}).get(f"{model}-loader")
        if x:
            row(f"flash programming, {model} (256 KB, loader + crc)", ">= 0.90 NVMC",
                f"{x['nvmc_fraction']:.3f}", x["nvmc_fraction"] >= 0.90,
                f"{x['kBps']:.1f} KB/s" + ("" if x["nvmc_fraction"] >= 0.90 else
                                           f", {0.90 - x['nvmc_fraction']:.3f} short"))
        else:
            row(f"flash programming, {model}", ">= 0.90 NVMC", "not measured", None)
    for model in ("fullspeed", "highspeed"):
        x = (lo or {}).get(f"{model}-loader")
        if x:
            v = x["verify_ms"] / x["program_ms"]
            row(f"on-target verify / program, {model}", "<= 0.05", f"{v:.3f}", v <= 0.05,
                f"{x['verify_ms']:.1f} of {x['program_ms']:.1f} ms")
    for model in ("fullspeed", "highspeed"):
        x = (ref or {}).get(f"{model}-loader")
        if x:
            row(f"reference board / floor, {model}", "<= 1.10", f"{x['ratio']:.3f}",
                x["ratio"] <= 1.10, f"{x['modeled_ms'] / 1e3:.2f} s vs {x['floor_ms'] / 1e3:.2f} s"
                + ("" if x["ratio"] <= 1.10 else f", {x['ratio'] - 1.10:.3f} over"))
        else:
            row(f"reference board / floor, {model}", "<= 1.10", "not measured", None)
    s32 = (sl or {}).get("32")
    if s32:
        row("32 slots / 1 slot wall (span)", "<= 1.10", f"{s32['ratio']:.3f}", s32["ratio"] <= 1.10,
            f"{s32['span_s']:.2f} s" + ("" if s32["ratio"] <= 1.10 else
                                        f", {s32['ratio'] - 1.10:.3f} over"))
    else:
        row("32 slots / 1 slot wall", "<= 1.10", "not measured", None)
    if oo and "nrfcred" in oo and "openocd" in oo:
        a, b = oo["nrfcred"]["usb_in"], oo["openocd"]["usb_in"]
        row("USB round trips, 64 KB RAM write + read", "< OpenOCD", f"{a} vs {b}", a < b)
    else:
        row("USB round trips vs OpenOCD", "< OpenOCD", "not measured", None)
    vs = NAN
    if s32 and old:
        vs = s32["boards_per_hour"] / old["boards_per_hour"]
        row("32-slot boards/h / old tool's", ">= 60", f"{vs:.1f}", vs >= 60,
            f"{s32['boards_per_hour']:.0f} vs {old['boards_per_hour']:.0f} boards/h"
            + ("" if vs >= 60 else f", {60 - vs:.1f} short")
            + (f"; {s32['boards_per_hour'] / old['direct']['boards_per_hour']:.1f} against the "
               "old flow with direct writes" if "direct" in old else ""))
    else:
        row("32-slot boards/h / old tool's", ">= 60", "not measured", None)
    print("Targets of issue 13 (reported, never asserted)")
    fmt = "  {:<50} {:<13} {:<13} {:<4} {}"
    print(fmt.format("figure", "target", "measured", "met", "note"))
    for r in rows:
        print(fmt.format(*r))
    fs = (lo or {}).get("fullspeed-loader", {})
    refs = (ref or {}).get("fullspeed-loader", {})
    bph = s32["boards_per_hour"] if s32 else NAN
    print(f"bench: program_kBps={fs.get('kBps', NAN):.1f} nvmc_fraction={fs.get('nvmc_fraction', NAN):.3f} "
          f"per_board_ratio={refs.get('ratio', NAN):.3f} "
          f"slots32_ratio={s32['ratio'] if s32 else NAN:.3f} "
          f"boards_per_hour={'nan' if bph != bph else round(bph)} vs_old_tool={vs:.1f}")
    return 0


def main(argv):
    cmds = {"reference": (3, reference), "callgrind": (3, callgrind), "slots": (2, slots),
            "oldtool": (2, oldtool), "openocd": (2, openocd), "summary": (2, summary)}
    if len(argv) < 2 or argv[1] not in cmds or len(argv) - 1 != cmds[argv[1]][0]:
        print(__doc__, file=sys.stderr)
        return 2
    return cmds[argv[1]][1](*argv[2:])


if __name__ == "__main__":
    sys.exit(main(sys.argv))
