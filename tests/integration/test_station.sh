#!/usr/bin/env bash
# nrfcred station and the board path of nrfcred provision, end to end: the
# real nrfcred, the real libjaylink, the simulator (fast timing, except the
# interrupt test which needs programming to take real time).
set -u
. "$(dirname "$0")/station_lib.sh"

# ---------------------------------------------------------------- 8 slots
d=$tmp/gang
make_fixture "$d" fast
sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt"
rc=$?
check "8-slot station exits 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$d/err.txt" | tail -20
check "every JSON line parses; 8 board events, all pass" "$py" - "$d/out.jsonl" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
boards = [e for e in ev if e["event"] == "board"]
assert len(boards) == 8, boards
assert all(e["result"] == "pass" and e["error"] == "" for e in boards), boards
assert ev[0]["event"] == "start" and ev[0]["slots"] == 8
assert ev[0]["provisioner_build"] == "simulator", ev[0]
assert ev[-1]["event"] == "end" and ev[-1]["passed"] == 8 and ev[-1]["exit_code"] == 0
PY
for n in 1 2 3 4 5 6 7 8; do
  csv=$d/logs/demo-slot$n.csv
  imei=$(scenario_imei "$d/sim.ini" "$n")
  check "slot $n: CSV has the header and one pass row with IMEI $imei" "$py" - "$csv" "$n" "$imei" <<'PY'
import csv, sys
rows = list(csv.reader(open(sys.argv[1], newline="")))
assert rows[0][:6] == ["utc_time", "station", "slot", "probe_serial", "imei", "result"], rows[0]
assert len(rows) == 2, rows
r = dict(zip(rows[0], rows[1]))
assert r["slot"] == sys.argv[2] and r["imei"] == sys.argv[3] and r["result"] == "pass", r
assert r["sec_tags"] == "42/0;42/1;42/2;43/3;43/4", r["sec_tags"]
fp = r["cred_sha256"].split(";")
assert len(fp) == 5 and len(r["provisioner_sha256"]) == 64, r
# certificates and the identity: a SHA-256; the key and the PSK: no digest
assert [len(f) for f in fp[:2] + fp[4:]] == [64] * 3, fp
assert fp[2] == fp[3] == "modem-verified", fp
assert r["part"].startswith("nRF91") and r["modem_fw"].startswith("mfw_"), r
assert r["provisioner_build"] == "simulator", r
PY
done
check "no secret in any CSV log" bash -c "! grep -l -e '000102030405060708090a0b0c0d0e0f' -e 'PRIVATE KEY' '$d'/logs/*.csv"
show=$("$nrfsim" show "$d/state" 2>&1)
check "nrfsim show: every board's flash is fully erased" \
  [ "$(grep -c 'flash: .*fully erased' <<<"$show")" -eq 8 ]
check "nrfsim show: each modem store holds exactly the credentials the CSV names (same SHA-256 where the CSV may show one)" \
  "$py" - "$d/logs" <<PY
import csv, re
show = """$show"""
blocks = re.split(r"(?m)^probe ", show)[1:]
assert len(blocks) == 8, len(blocks)
for b in blocks:
    serial = b.split()[0]
    n = int(serial) - 260000000
    stored = sorted([(f"{t}/{ty}", h) for t, ty, h in
                     re.findall(r"(?m)^ +(\d+) +(\d) +.*? (?:\d+) +([0-9a-f]{64})$", b)] +
                    # a private key's row shows its public point, never a digest
                    [(f"{t}/2", None) for t in
                     re.findall(r"(?m)^ +(\d+) +2 +.*secret: no digest shown; public key 04[0-9a-f]{128}$", b)])
    row = next(csv.DictReader(open(f"$d/logs/demo-slot{n}.csv", newline="")))
    sent = dict(zip(row["sec_tags"].split(";"), row["cred_sha256"].split(";")))
    assert sorted(sent) == [t for t, _ in stored], (serial, stored, sent)
    for tag, h in stored:  # the modem (simulator) holds what the CSV names
        assert sent[tag] == (h if tag not in ("42/2", "43/3") else "modem-verified"), tag
PY

# ------------------------------------------------------- config errors
out=$(NRFCRED_PROVISIONER='' "$nrfcred" station "$d/station.ini" 2>&1)
rc=$?
check "no provisioner named: exit 3, no silent simulator default" [ "$rc" -eq 3 ]
check "no provisioner named: the message says where to name it" \
  grep -q "station.ini: no provisioning firmware: set \`provisioner = FILE.hex\` in \[station\] or NRFCRED_PROVISIONER" <<<"$out"
printf '[station]\nname = x\nfw_delay = 7\n[slot 1]\nprobe = 1\n' >"$tmp/bad.ini"
out=$("$nrfcred" station "$tmp/bad.ini" 2>&1)
rc=$?
check "unknown key: exit 3 (config error)" [ "$rc" -eq 3 ]
check "unknown key: message names file:line and the valid keys" \
  grep -q "bad.ini:3: \[station\] fw_delay: unknown key; valid: name," <<<"$out"
printf '[slot 1]\nprobe = 7\n[slot 2]\nprobe = 000000000007\n' >"$tmp/dup.ini"
out=$("$nrfcred" station "$tmp/dup.ini" 2>&1)
check "duplicate probe: exit 3, names both slots" \
  grep -q "dup.ini:3: \[slot 2\] probe: 000000000007 is already slot 1's probe" <<<"$out"

# ------------------------------------------- a slot whose probe is missing
d=$tmp/absent
make_fixture "$d" fast
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p).read()
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", t)
t = t.replace("probe = 000260000002", "probe = 000260000099")
open(p, "w").write(t)
PY
sim "$d" "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1
rc=$?
check "missing probe: exit 4 (probe error)" [ "$rc" -eq 4 ]
check "missing probe: reported ABSENT" grep -q "slot 2 (000260000099): ABSENT: probe not attached" "$d/out.txt"
check "missing probe: the other slot still passed" grep -q "slot 1 (000260000001): PASS imei $(scenario_imei "$d/sim.ini" 1)" "$d/out.txt"

# ------------------------------------------------- nrfcred provision (board)
d=$tmp/single
make_fixture "$d" fast
out=$(sim "$d" "$nrfcred" provision --sec_tag 44 --psk_ident dev-1 --psk 00112233 2>&1 >/dev/null)
rc=$?
check "provision without -s and 8 probes: refuses (exit 2)" [ "$rc" -eq 2 ]
check "provision without -s: lists the probes" grep -q "260000008" <<<"$out"
sim "$d" "$nrfcred" provision -s 260000002 --sec_tag 44 --psk_ident dev-1 --psk 00112233 \
  >"$d/stdout.txt" 2>"$d/stderr.txt"
rc=$?
check "provision -s: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$d/stderr.txt" | tail -20
check "provision -s: stdout is the IMEI alone" [ "$(cat "$d/stdout.txt")" = "$(scenario_imei "$d/sim.ini" 2)" ]
check "provision -s: progress went to stderr" grep -q "WIPE" "$d/stderr.txt"
sim "$d" "$nrfcred" provision -s 260000003 --imei_only >"$d/imei.txt" 2>"$d/stderr.txt"
check "provision --imei_only: prints the IMEI" [ "$(cat "$d/imei.txt")" = "$(scenario_imei "$d/sim.ini" 3)" ]

# ------------------------------------------------------ application image
# A tiny app: vector table (SP, reset handler) and a `b .` loop at 0x100.
d=$tmp/app
make_fixture "$d" fast
"$py" - "$d/app.hex" <<'PY'
import struct, sys
from intelhex import IntelHex
ih = IntelHex()
ih.puts(0, struct.pack("<II", 0x20010000, 0x101))
ih.puts(0x100, bytes([0xFE, 0xE7]))
ih.write_hex_file(sys.argv[1])
PY
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
t = t.replace("[station]\n", "[station]\napp = app.hex\n", 1)
open(p, "w").write(t)
PY
sim "$d" "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1
rc=$?
check "app: station exits 0" [ "$rc" -eq 0 ]
check "app: programmed, verified and started after the wipe" \
  grep -qz 'slot 1 (000260000001): WIPE.*slot 1 (000260000001): PROGRAM_APP.*slot 1 (000260000001): VERIFY_APP.*slot 1 (000260000001): RESET_APP.*slot 1 (000260000001): DONE' "$d/out.txt"
want=$("$py" - "$d/app.hex" <<'PY'
import hashlib, sys
from intelhex import IntelHex
ih = IntelHex(sys.argv[1])
flash = bytearray(b"\xff" * 0x100000)
for a in ih.addresses():
    flash[a] = ih[a]
print(hashlib.sha256(flash).hexdigest())
PY
)
check "app: each board's flash holds the app and nothing else" \
  [ "$("$nrfsim" show "$d/state" 2>&1 | grep -c "flash: *sha256 $want")" -eq 2 ]
check "app: the CSV records the app's SHA-256" "$py" - "$d/logs/demo-slot1.csv" "$d/app.hex" <<'PY'
import csv, hashlib, sys
from intelhex import IntelHex
ih = IntelHex(sys.argv[2])
data = b"".join(bytes(ih.tobinarray(start=s, end=e - 1)) for s, e in ih.segments())
row = next(csv.DictReader(open(sys.argv[1], newline="")))
assert row["app_sha256"] == hashlib.sha256(data).hexdigest(), row["app_sha256"]
PY
sim "$d" "$nrfcred" provision -s 260000004 --imei_only --program_app "$d/app.hex" >"$d/imei.txt" 2>"$d/err.txt"
check "provision --program_app: IMEI printed, app in flash" \
  bash -c '[ "$(cat "$1")" = "$2" ] && "$3" show "$4" | grep -A7 "^probe 000260000004" | grep -q "flash: *sha256 $5"' \
  _ "$d/imei.txt" "$(scenario_imei "$d/sim.ini" 4)" "$nrfsim" "$d/state" "$want"

# ------------------------------------------- app with the loader and CRC
# flash_method = loader, verify = crc: PROGRAM and VERIFY through the RAM
# loader, and the wipe proves the erase by the loader's CRC of every range
# this run wrote (issue 13) before the app goes in.
sed -i "s/^\[station\]$/[station]\nflash_method = loader\nverify = crc/" "$d/station.ini"
rm -rf "$d/state" "$d/logs"
sim "$d" "$nrfcred" station --plain "$d/station.ini" >"$d/out-crc.txt" 2>&1
rc=$?
check "loader + crc: station exits 0" [ "$rc" -eq 0 ]
check "loader + crc: the wipe passed its CRC blank check, then the app went in" \
  grep -qz 'slot 1 (000260000001): WIPE.*slot 1 (000260000001): PROGRAM_APP.*slot 1 (000260000001): DONE' "$d/out-crc.txt"
check "loader + crc: each board's flash holds the app and nothing else" \
  [ "$("$nrfsim" show "$d/state" 2>&1 | grep -c "flash: *sha256 $want")" -eq 2 ]

# ------------------------------------------------------------- APPROTECT
d=$tmp/approtect
make_fixture "$d" fast
sed -i 's/^\[probe 1\]$/[probe 1]\napprotect = yes/' "$d/sim.ini"
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [2-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
sed 's/^approtect = recover/approtect = fail/' "$d/station.ini" >"$d/station-fail.ini"
sim "$d" "$nrfcred" station --plain "$d/station-fail.ini" >"$d/fail.txt" 2>&1
rc=$?
check "approtect = fail: a protected board fails at connect (exit 5)" \
  bash -c '[ "$1" -eq 5 ] && grep -q "FAIL at connect: .*APPROTECT" "$2"' _ "$rc" "$d/fail.txt"
sim "$d" "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1
rc=$?
check "approtect = recover: RECOVER, then the board passes" \
  bash -c '[ "$1" -eq 0 ] && grep -q ": RECOVER$" "$2" && grep -q ": PASS imei" "$2"' _ "$rc" "$d/out.txt"

# ---------------------------------------------- failing boards are logged
d=$tmp/faults
make_fixture "$d" fast
# Short modem latencies: in fast mode the firmware's modeled time only
# advances with the host's polls, and the timeout below is short.
sed -i -e 's/^modem_start_ms = .*/modem_start_ms = 10/' -e 's/^modem_cmng_write_ms = .*/modem_cmng_write_ms = 10/' \
  -e 's/^\[probe 2\]$/[probe 2]\nfault_modem_error = 43,3,515/' \
  -e 's/^\[probe 3\]$/[probe 3]\nfault_firmware_hang = yes/' "$d/sim.ini"
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [4-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
t = t.replace("timeout = 20", "timeout = 3")
open(p, "w").write(t)
PY
sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt"
rc=$?
check "faults: exit 5 (a board failed)" [ "$rc" -eq 5 ]
check "faults: modem error and firmware hang are failed with step and cause; the good board passes" \
  "$py" - "$d/logs" <<'PY'
import csv, sys
rows = {n: next(csv.DictReader(open(f"{sys.argv[1]}/demo-slot{n}.csv", newline=""))) for n in (1, 2, 3)}
assert rows[1]["result"] == "pass", rows[1]
r = rows[2]
assert r["result"] == "fail" and r["failed_step"] == "check" and "515" in r["error"], r
assert r["imei"] == "352656100022220", r
r = rows[3]
assert r["result"] == "fail" and r["failed_step"] == "await_result", r
assert "no result from the firmware within 3.000 s" in r["error"], r
PY
check "faults: failed boards are wiped too" \
  [ "$("$nrfsim" show "$d/state" 2>&1 | grep -c 'flash: .*fully erased')" -eq 3 ]

# ----------------------------------------- a probe unplugged mid-board
d=$tmp/unplug
make_fixture "$d" fast
sed -i 's/^\[probe 2\]$/[probe 2]\nfault_unplug_after_transfers = 150/' "$d/sim.ini"
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
sim "$d" "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1
rc=$?
check "unplugged probe: exit 4 (probe error)" [ "$rc" -eq 4 ]
check "unplugged probe: retried, then a FAILED row naming the probe failure" "$py" - "$d/logs" <<'PY'
import csv, sys
bad = next(csv.DictReader(open(f"{sys.argv[1]}/demo-slot2.csv", newline="")))
assert bad["result"] == "fail" and bad["error"].startswith("probe failure"), bad
good = next(csv.DictReader(open(f"{sys.argv[1]}/demo-slot1.csv", newline="")))
assert good["result"] == "pass", good
PY
check "unplugged probe: the step was retried once" grep -q "slot 2 (000260000002): [A-Z_]* (retry 1 of 1)" "$d/out.txt"

# ------------------------------------------- continuous mode, then Ctrl-C
d=$tmp/continuous
make_fixture "$d" fast
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [2-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --continuous --plain "$d/station.ini" >"$d/out.txt" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  grep -q ': WAIT_REMOVE$' "$d/out.txt" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
sleep 0.5
check "continuous: after the board, the slot waits for its removal" grep -q ': WAIT_REMOVE$' "$d/out.txt"
check "continuous: the slot polls, it does not start the same board again" \
  [ "$(grep -c ': CONNECT$' "$d/out.txt")" -eq 1 ]
kill -INT "$pid"
wait "$pid"
rc=$?
check "continuous: Ctrl-C while waiting ends with exit 0 (no board cut short)" [ "$rc" -eq 0 ]
check "continuous: one pass row" [ "$(grep -c ',pass,' "$d/logs/demo-slot1.csv")" -eq 1 ]

# ----------------------------------------- Ctrl-C in the middle of programming
d=$tmp/interrupt
make_fixture "$d" real
# A slow SWD clock makes programming take seconds, so Ctrl-C lands in it.
sed -i 's/^swd_max_khz = .*/swd_max_khz = 100/' "$d/sim.ini"
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  [ "$(grep -c ': PROGRAM$' "$d/out.txt")" -ge 8 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -INT "$pid"
wait "$pid"
rc=$?
check "interrupt: exit 130 (interrupted)" [ "$rc" -eq 130 ]
[ "$rc" -eq 130 ] || tail -20 "$d/out.txt" | sed 's/^/# /'
check "interrupt: one FAILED(interrupted) row per slot" "$py" - "$d/logs" <<'PY'
import csv, sys
steps = []
for n in range(1, 9):
    rows = list(csv.DictReader(open(f"{sys.argv[1]}/demo-slot{n}.csv", newline="")))
    assert len(rows) == 1, (n, rows)
    r = rows[0]
    assert r["result"] == "fail" and r["error"] == "interrupted by the operator", (n, r)
    steps.append(r["failed_step"])
assert "program" in steps, steps
PY
check "interrupt: every board wiped" \
  [ "$("$nrfsim" show "$d/state" 2>&1 | grep -c 'flash: .*fully erased')" -eq 8 ]

# A second Ctrl-C aborts at once: still one row per slot, saying so.
rm -rf "$d/logs"
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --plain "$d/station.ini" >"$d/out2.txt" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  [ "$(grep -c ': PROGRAM$' "$d/out2.txt")" -ge 2 ] && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
kill -INT "$pid"
sleep 0.05
kill -INT "$pid"
wait "$pid"
rc=$?
check "second Ctrl-C: exit 130" [ "$rc" -eq 130 ]
check "second Ctrl-C: each slot logged 'aborted by the operator'" "$py" - "$d/logs" <<'PY'
import csv, sys
for n in (1, 2):
    rows = list(csv.DictReader(open(f"{sys.argv[1]}/demo-slot{n}.csv", newline="")))
    assert len(rows) == 1 and rows[0]["result"] == "fail", rows
    assert rows[0]["error"].startswith(("aborted by the operator", "interrupted by the operator")), rows
    assert "aborted" in rows[0]["error"], rows
PY

# --------------------------------- a first Ctrl-C during the final wipe
# The wipe is the one step a first Ctrl-C must not cut short (no key may stay
# in flash): a slow CTRL-AP ERASEALL (the wipe) makes the interrupt land in it.
d=$tmp/wipeint
make_fixture "$d" real
sed -i 's/^\[timing\]$/[timing]\nctrlap_erase_all_ms = 4000/' "$d/sim.ini"
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [2-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
  "$nrfcred" station --plain "$d/station.ini" >"$d/out.txt" 2>&1 &
pid=$!
for _ in $(seq 1 1200); do
  grep -q ': WIPE$' "$d/out.txt" && break
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.1
done
sleep 1
kill -INT "$pid"
wait "$pid"
rc=$?
check "Ctrl-C in the final wipe: exit 130 (interrupted)" [ "$rc" -eq 130 ]
check "Ctrl-C in the final wipe: the wipe finished, the board passed" "$py" - "$d/logs/demo-slot1.csv" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
assert len(rows) == 1 and rows[0]["result"] == "pass" and rows[0]["error"] == "", rows
PY
[ "$rc" -eq 130 ] || tail -8 "$d/out.txt" | sed 's/^/# /'
check "Ctrl-C in the final wipe: the board is fully erased" \
  [ "$("$nrfsim" show "$d/state" 2>&1 | grep -c 'flash: .*fully erased')" -eq 1 ]

# ------------------------------------- CSV log cannot be written (disk full)
# The file-size limit stands in for a full disk: slot 2's log has room for
# 20 more bytes, so its row's write fails part way (EFBIG). The row must not
# vanish: it goes to stderr, the JSON says so, and the exit code is 1.
d=$tmp/csvfull
make_fixture "$d" fast
"$py" - "$d/station.ini" <<'PY'
import re, sys
p = sys.argv[1]
t = re.sub(r"(?ms)^\[slot [3-8]\]\nprobe = \d+\nlabel = \w+\n", "", open(p).read())
open(p, "w").write(t)
PY
mkdir -p "$d/logs"
limit_kib=4096 # above the simulator's board files (about 1.1 MiB)
# The file starts with this version's header (a file with other columns is
# refused at start); the rest of it is padding.
"$py" - "$src/src/station/csvlog.h" "$d/logs/demo-slot2.csv" <<'PY'
import re, sys
h = open(sys.argv[1]).read()
block = h[h.index("#define CSVLOG_HEADER"):].split("\n\n", 1)[0]
open(sys.argv[2], "wb").write("".join(re.findall(r'"([^"]*)"', block)).encode() + b"\r\n")
PY
truncate -s $((limit_kib * 1024 - 20)) "$d/logs/demo-slot2.csv"
(
  trap '' XFSZ
  ulimit -f "$limit_kib"
  exec env NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- \
    "$nrfcred" station --json "$d/station.ini"
) >"$d/out.jsonl" 2>"$d/err.txt"
rc=$?
imei2=$(scenario_imei "$d/sim.ini" 2)
check "CSV write failure: exit code 1" [ "$rc" -eq 1 ]
[ "$rc" -eq 1 ] || sed 's/^/# /' "$d/err.txt" | tail -20
check "CSV write failure: stderr names slot, file and cause, then the lost row" "$py" - "$d/err.txt" "$imei2" <<'PY'
import sys
lines = open(sys.argv[1]).read().splitlines()
i = next(i for i, l in enumerate(lines) if "CSV log write failed" in l)
assert "slot 2 (000260000002)" in lines[i] and "demo-slot2.csv" in lines[i], lines[i]
assert "File too large" in lines[i] and "NOT in the log" in lines[i], lines[i]
row = lines[i + 1].split(",")
assert row[1:6] == ["demo", "2", "000260000002", sys.argv[2], "pass"], row
assert any("1 CSV row could not be written" in l for l in lines), lines
PY
check "CSV write failure: JSON log_error event with the row; end says exit 1" "$py" - "$d/out.jsonl" "$imei2" <<'PY'
import json, sys
ev = [json.loads(l) for l in open(sys.argv[1])]
le = [e for e in ev if e["event"] == "log_error"]
assert len(le) == 1 and le[0]["slot"] == 2 and sys.argv[2] in le[0]["row"], le
assert "File too large" in le[0]["error"], le
assert ev[-1]["event"] == "end" and ev[-1]["passed"] == 2 and ev[-1]["exit_code"] == 1, ev[-1]
PY
check "CSV write failure: no half row left in the full log" \
  [ "$(stat -c %s "$d/logs/demo-slot2.csv")" -eq $((limit_kib * 1024 - 20)) ]
check "CSV write failure: the other slot logged its row" \
  [ "$(grep -c ',pass,' "$d/logs/demo-slot1.csv")" -eq 1 ]

finish
