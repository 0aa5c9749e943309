#!/usr/bin/env bash
# Host-side faults on an 8-slot station run (issue 12's fault matrix): the log
# folder not writable, a full disk under one slot's CSV (ENOSPC injected by
# enospc_shim.so, preloaded here only), SIGINT during PROGRAM, SIGTERM during
# AWAIT_RESULT, SIGHUP and SIGQUIT, stdout closed under --json (SIGPIPE), and
# kill -9 mid-run followed by a restart (the journal's recovery wipe). Each
# case checks the exit code, every slot's final state with its step and
# cause, one CSV row per board (or a clear error and no row), that every
# board it could reach is erased, and what the journal holds afterwards.
set -u
. "$(dirname "$0")/station_lib.sh"

psk=A5C30B30557A9FC4E90E33587DA2C7EC11365B80A5CAEF14395E83A8CDF2173C
key=$src/tests/data/provision/client.key
scan="$py $src/tests/integration/secret_scan.py"
shim=$build/tests/integration/libenospc_shim.so
all="1 2 3 4 5 6 7 8"

# fixture DIR TIMING DELIVERY: the demo's 8 slots with a recognisable PSK.
fixture() {
  make_fixture "$1" "$2"
  sed -i "s/^\[station\]$/[station]\ndelivery = $3/" "$1/station.ini"
  sed -i "s/^value = 000102030405060708090a0b0c0d0e0f$/value = $psk/" "$1/station.ini"
}

# rows LOGDIR N=RESULT/STEP/ERROR[+RESULT/STEP/ERROR...] ...: slot N's CSV
# holds exactly these rows in this order (ERROR: a part of the error cell).
cat >"$tmp/rows.py" <<'PY'
import csv, sys
bad = []
for spec in sys.argv[2:]:
    n, want = spec.split("=", 1)
    want = [w.split("/", 2) for w in want.split("+")] if want else []
    try:
        got = [(r["result"], r["failed_step"], r["error"])
               for r in csv.DictReader(open(f"{sys.argv[1]}/demo-slot{n}.csv", newline=""))]
    except FileNotFoundError:
        got = None
    if got is None or len(got) != len(want) or not all(
            g[0] == w[0] and g[1] == w[1] and w[2] in g[2] for g, w in zip(got, want)):
        bad.append((n, got, want))
for b in bad:
    print("# slot %s: rows %s, expected %s" % b)
sys.exit(1 if bad else 0)
PY
rows() { "$py" "$tmp/rows.py" "$@"; }

# erased STATEDIR N...: those boards' flash and UICR are fully erased.
erased() {
  local state=$1
  shift
  "$nrfsim" show "$state" >"$state.show" 2>&1
  "$py" - "$state" "$@" <<'PY'
import re, sys
show = open(sys.argv[1] + ".show").read()
blocks = {b.split()[0]: b for b in re.split(r"(?m)^probe ", show)[1:]}
bad = []
for n in sys.argv[2:]:
    b = blocks.get("%012d" % (260000000 + int(n)), "")
    if not re.search(r"flash: .*fully erased", b) or "UICR:       fully erased" not in b:
        bad.append(n)
if bad:
    print("# not erased: boards", " ".join(bad))
sys.exit(1 if bad else 0)
PY
}

# journal_clean LOGDIR: the journal says no board is open (header alone).
journal_clean() { [ "$(cat "$1/demo.journal")" = "nrfcred journal 1" ]; }

# wait_for FILE PATTERN COUNT PID: until FILE has COUNT lines matching.
wait_for() {
  for _ in $(seq 1 1200); do
    [ "$(grep -c -- "$2" "$1")" -ge "$3" ] && return 0
    kill -0 "$4" 2>/dev/null || return 1
    sleep 0.1
  done
  return 1
}

# steps_at_stop JSONL: "N=step" of each slot's state when the stop came.
steps_at_stop() {
  "$py" - "$1" <<'PY'
import json, sys
state = {}
for l in open(sys.argv[1]):
    e = json.loads(l)
    if e["event"] == "stop":
        break
    if e["event"] == "state":
        state[e["slot"]] = e["state"].lower()
print(" ".join("%d=%s" % kv for kv in sorted(state.items())))
PY
}

# --------------------------------------------- SIGPIPE: stdout closed under --json
d=$tmp/sigpipe
fixture "$d" fast ram
sim "$d" "$nrfcred" station --json "$d/station.ini" 2>"$d/err.txt" | head -n 40 >"$d/head.jsonl"
rc=${PIPESTATUS[0]}
check "SIGPIPE (| head -40): exit 7 (stdout closed), not 141" [ "$rc" -eq 7 ]
check "SIGPIPE: one line on stderr says the output was closed" \
  [ "$(grep -c 'standard output closed (Broken pipe)' "$d/err.txt")" -eq 1 ]
check "SIGPIPE: head got its 40 lines" [ "$(wc -l <"$d/head.jsonl")" -eq 40 ]
check "SIGPIPE: every slot finished its board: one pass row each" \
  rows "$d/logs" 1=pass// 2=pass// 3=pass// 4=pass// 5=pass// 6=pass// 7=pass// 8=pass//
check "SIGPIPE: every board erased" erased "$d/state" $all
check "SIGPIPE: the journal has nothing open" journal_clean "$d/logs"
header=$(head -n 1 "$d/logs/demo-slot1.csv")

# ------------------------------------------- the log folder is not writable
d=$tmp/rolog
fixture "$d" fast ram
mkdir -p "$d/logs" "$d/state"
run_station=(env NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- "$nrfcred" station --json "$d/station.ini")
if [ "$(id -u)" -eq 0 ]; then ns=(unshare -m); else ns=(unshare -rm); fi
if "${ns[@]}" true 2>/dev/null; then
  how="a read-only mount"
  "${ns[@]}" sh -c 'mount --bind "$1" "$1" && mount -o remount,ro,bind "$1" "$1" && shift && exec "$@"' \
    _ "$d/logs" "${run_station[@]}" >"$d/out.jsonl" 2>"$d/err.txt"
  rc=$?
elif [ "$(id -u)" -ne 0 ]; then
  how="mode 0555"
  chmod 555 "$d/logs"
  "${run_station[@]}" >"$d/out.jsonl" 2>"$d/err.txt"
  rc=$?
  chmod 755 "$d/logs"
else
  how="a path through a regular file"
  : >"$d/afile"
  sed -i "s#^log_dir = .*#log_dir = $d/afile/logs#" "$d/station.ini"
  "${run_station[@]}" >"$d/out.jsonl" 2>"$d/err.txt"
  rc=$?
fi
check "log folder not writable ($how): exit 3, before any board" [ "$rc" -eq 3 ]
check "log folder not writable: stderr names the file and why" \
  grep -qE "demo-slot1.csv: cannot write the CSV log: (Read-only file system|Permission denied|Not a directory)" "$d/err.txt"
[ "$rc" -eq 3 ] || sed 's/^/# /' "$d/err.txt" | tail -5
check "log folder not writable: no row, no journal, no event, no board touched" \
  bash -c '[ -z "$(ls -A "$1/logs")" ] && [ ! -s "$1/out.jsonl" ] && ! ls "$1"/state/*.board >/dev/null 2>&1' _ "$d"

# ----------------------------------- disk full (ENOSPC) while slot 2 appends its row
d=$tmp/enospc
fixture "$d" fast ram
mkdir -p "$d/logs"
printf '%s\n' "$header" >"$d/logs/demo-slot2.csv" # header (CRLF kept): only the row meets the full disk
size2=$(stat -c %s "$d/logs/demo-slot2.csv")
LD_PRELOAD=$shim ENOSPC_SHIM_SUFFIX=/demo-slot2.csv ENOSPC_SHIM_ROOM=40 \
  sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt"
rc=$?
check "ENOSPC on slot 2's row: exit 1 (a row is not in the log)" [ "$rc" -eq 1 ]
[ "$rc" -eq 1 ] || sed 's/^/# /' "$d/err.txt" | tail -10
check "ENOSPC: stderr names slot, file and cause, then the lost row" "$py" - "$d/err.txt" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(i for i, l in enumerate(lines) if "CSV log write failed" in l)
assert "slot 2 (000260000002)" in lines[i] and "demo-slot2.csv" in lines[i], lines[i]
assert "No space left on device" in lines[i] and "NOT in the log" in lines[i], lines[i]
row = lines[i + 1].split(",")
assert row[1:4] == ["demo", "2", "000260000002"] and row[5] == "pass", row
PY
check "ENOSPC: the JSON has the log_error and the end says exit 1" "$py" - "$d/out.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
le = [e for e in ev if e["event"] == "log_error"]
assert len(le) == 1 and le[0]["slot"] == 2 and "No space left" in le[0]["error"], le
assert ev[-1]["event"] == "end" and ev[-1]["passed"] == 8 and ev[-1]["exit_code"] == 1, ev[-1]
PY
check "ENOSPC: no part of the row is left in slot 2's log" [ "$(stat -c %s "$d/logs/demo-slot2.csv")" -eq "$size2" ]
check "ENOSPC: the other 7 slots logged their pass row" \
  rows "$d/logs" 1=pass// 3=pass// 4=pass// 5=pass// 6=pass// 7=pass// 8=pass//
check "ENOSPC: every board erased, slot 2's too" erased "$d/state" $all
check "ENOSPC: the journal has nothing open (the wipes are recorded)" journal_clean "$d/logs"

# --------------------------------------------------------- SIGINT during PROGRAM
d=$tmp/sigint
fixture "$d" real flash
sed -i 's/^swd_max_khz = .*/swd_max_khz = 100/' "$d/sim.ini" # programming takes seconds
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt" &
pid=$!
wait_for "$d/out.jsonl" '"state":"PROGRAM"' 8 "$pid"
kill -INT "$pid"
wait "$pid"
rc=$?
check "SIGINT during PROGRAM: exit 130" [ "$rc" -eq 130 ]
at=$(steps_at_stop "$d/out.jsonl")
check "SIGINT: all 8 slots were in PROGRAM ($at)" \
  [ "$at" = "1=program 2=program 3=program 4=program 5=program 6=program 7=program 8=program" ]
specs=()
for n in $all; do specs+=("$n=fail/program/interrupted by the operator"); done
check "SIGINT: one row per slot: fail at program, interrupted by the operator" rows "$d/logs" "${specs[@]}"
check "SIGINT: every board erased (the table was in flash)" erased "$d/state" $all
check "SIGINT: no PSK or key left in any flash" $scan scan "$d/state" "$psk" "$key"
check "SIGINT: the journal has nothing open" journal_clean "$d/logs"

# ------------------------------- SIGTERM / SIGHUP / SIGQUIT during AWAIT_RESULT
# slow modem writes keep every slot in AWAIT_RESULT for a while: 5 x 4 s, so
# the first slot is still waiting when a CPU-starved last one gets there (the
# signal ends the run at once, the slowness costs nothing)
for sig in TERM HUP QUIT; do
  d=$tmp/sig$sig
  fixture "$d" fast ram
  sed -i 's/^\[timing\]$/[timing]\nmodem_cmng_write_ms = 4000/' "$d/sim.ini"
  NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
    "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt" &
  pid=$!
  wait_for "$d/out.jsonl" '"state":"AWAIT_RESULT"' 8 "$pid"
  sleep 0.5 # the TABLE records are out, the modems are writing
  kill -"$sig" "$pid"
  wait "$pid"
  rc=$?
  check "SIG$sig during AWAIT_RESULT: exit 130 (treated as Ctrl-C)" [ "$rc" -eq 130 ]
  at=$(steps_at_stop "$d/out.jsonl")
  check "SIG$sig: all 8 slots were in AWAIT_RESULT ($at)" \
    [ "$at" = "$(for n in $all; do printf '%s=await_result ' "$n"; done | sed 's/ $//')" ]
  specs=()
  for n in $all; do specs+=("$n=fail/await_result/interrupted by the operator"); done
  check "SIG$sig: one row per slot: fail at await_result, interrupted by the operator" \
    rows "$d/logs" "${specs[@]}"
  check "SIG$sig: every board erased" erased "$d/state" $all
  check "SIG$sig: the journal has nothing open" journal_clean "$d/logs"
done

# ------------------------------- kill -9 mid-run, then a restart with slot 3 empty
d=$tmp/kill9
fixture "$d" fast flash
sed -i 's/^\[timing\]$/[timing]\nmodem_cmng_write_ms = 4000/' "$d/sim.ini"
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --json "$d/station.ini" >"$d/out1.jsonl" 2>"$d/err1.txt" &
pid=$!
wait_for "$d/out1.jsonl" '"state":"AWAIT_RESULT"' 8 "$pid"
sleep 0.5
kill -9 "$pid"
wait "$pid" 2>/dev/null
check "kill -9 during AWAIT_RESULT: the killed run left the tables in flash (flash delivery)" \
  bash -c "! $scan scan '$d/state' '$psk' '$key' >/dev/null"
check "kill -9: the journal holds 8 open entries and no close" \
  bash -c '[ "$(grep -c "^open " "$1")" -eq 8 ] && ! grep -q "^close " "$1"' _ "$d/logs/demo.journal"
since3=$(sed -n 's/^open [0-9]* \([^ ]*\) slot=3 .*/\1/p' "$d/logs/demo.journal")
"$nrfsim" slot "$d/state" 260000003 remove >/dev/null # the operator took board 3 away meanwhile
sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out2.jsonl" 2>"$d/err2.txt"
rc=$?
check "restart: exit 5 (slot 3 has no board)" [ "$rc" -eq 5 ]
[ "$rc" -eq 5 ] || sed 's/^/# /' "$d/err2.txt" | tail -10
specs=()
for n in 1 2 4 5 6 7 8; do specs+=("$n=recovered-wipe/program/still in the slot: erased+pass//"); done
check "restart: slots 1-2, 4-8: a recovered-wipe row (left at program), then the new board's pass row" \
  rows "$d/logs" "${specs[@]}"
check "restart: slot 3: an unrecovered row (no board answers), then the failed connect" \
  rows "$d/logs" "3=unrecovered/program/no board answers+fail/connect/no target"
check "restart: each recovery wipe came before that slot's new board (JSON order)" "$py" - "$d/out2.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
for n in (1, 2, 4, 5, 6, 7, 8):
    st = [(i, e) for i, e in enumerate(ev) if e.get("slot") == n and e["event"] == "state"]
    wipe = next(i for i, e in st if e["state"] == "WIPE" and e.get("detail", "").startswith("journal: "))
    connect = next(i for i, e in st if e["state"] == "CONNECT")
    rec = next(i for i, e in enumerate(ev) if e["event"] == "journal" and e.get("slot") == n)
    assert wipe < rec < connect, (n, wipe, rec, connect)
PY
check "restart: a JSON journal warning for board 3 with probe, DEVICEID and time" \
  "$py" - "$d/out2.jsonl" "$since3" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
j = [e for e in ev if e["event"] == "journal"]
assert sorted(e["result"] for e in j) == ["recovered-wipe"] * 7 + ["unrecovered"], j
w = next(e for e in j if e["result"] == "unrecovered")
assert w["slot"] == 3 and w["probe"] == "000260000003", w
assert w["device_id"] == "4e5246000f7f4903" and w["since"] == sys.argv[2] and w["step"] == "program", w
PY
check "restart: stderr warns about board 3 too" grep -q "warning: journal: slot 3 (000260000003): unrecovered: board 4e5246000f7f4903" "$d/err2.txt"
check "restart: every board it could reach is erased" erased "$d/state" 1 2 4 5 6 7 8
check "restart: only the board taken away still holds the keys" \
  bash -c '[ "$('"$scan"' scan "$1" "$2" "$3" | cut -d" " -f1 | sort -u)" = "000260000003.board" ]' _ "$d/state" "$psk" "$key"
check "restart: the journal has nothing open (board 3 reported, closed)" journal_clean "$d/logs"

finish
