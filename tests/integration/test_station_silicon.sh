#!/usr/bin/env bash
# The station on a mixed fixture of nRF9160, nRF9161 and nRF9151 boards whose
# simulated silicon follows Nordic's documents (docs/hardware/nrf91.md): blank
# nRF91x1 parts locked at the start, the firmware resetting itself on its
# first boot, a modem firmware too old to report digests, fixture wiring that
# cannot carry 4 MHz, an old nRF9160 that needs nRESET after an erase-all, an
# nRF91x1 that opens only after the soft reset following the erase (the
# probe-rs / nAN41 reading), and the production lock.
. "$(dirname "${BASH_SOURCE[0]}")/station_lib.sh"

d=$tmp/mixed
make_fixture "$d" fast
# Eight boards: probe N's extra scenario keys.
"$py" - "$d/sim.ini" <<'PY'
import re, sys
p = sys.argv[1]
extra = {
    1: "part = nRF9160",
    2: "part = nRF9161",
    3: "part = nRF9151\nerase_unlock_needs_soft_reset = yes",
    4: "part = nRF9160\nmodem_fw = mfw_nrf9160_1.2.3",
    5: "part = nRF9161\nmax_swd_khz = 2000",
    6: "part = nRF9160\napprotect = yes\nunlock_needs_pin_reset = yes",
    7: "part = nRF9151\napprotect = yes",
    8: "part = nRF9161\nmodem_fw = mfw_nrf91x1_1.0.0",
}
t = open(p).read()
t = re.sub(r"(?m)^part = .*\n", "", t)
for n, keys in extra.items():
    t = t.replace("[probe %d]\n" % n, "[probe %d]\n%s\n" % (n, keys), 1)
open(p, "w").write(t)
PY

row() { # row CSV: the last data row
	tail -n 1 "$1"
}
col() { # col CSV NAME: that column of the last row (RFC 4180 via python)
	"$py" - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(rows[-1][sys.argv[2]] if rows else "")
PY
}

# ---------------------------------------------------- defaults: recover, require
sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt"
rc=$?
check "mixed fixture, defaults: exit 5 (two boards with old modem firmware fail)" [ "$rc" -eq 5 ]
for n in 1 2 3 5 6 7; do
	check "slot $n passes (part $(col "$d/logs/demo-slot$n.csv" part))" \
		[ "$(col "$d/logs/demo-slot$n.csv" result)" = pass ]
done
for n in 2 3 7; do
	check "slot $n: a locked nRF91x1 was recovered, provisioned and passed" \
		grep -q "\"slot\":$n,.*\"state\":\"RECOVER\"" "$d/out.jsonl"
done
for n in 4 8; do
	check "slot $n: no digest from the modem fails CHECK with its own cause" \
		[ "$(col "$d/logs/demo-slot$n.csv" failed_step)" = check ]
	check "slot $n: the cause names the missing SHA-256 and the way out" \
		grep -q 'reports no SHA-256.*verify_digest = when_available' "$d/logs/demo-slot$n.csv"
done
check "slot 5: SWD clock fell back to 2000 kHz and the row says so" \
	[ "$(col "$d/logs/demo-slot5.csv" swd_khz)" = 2000 ]
check "slot 1: a board that is fine keeps 4000 kHz" [ "$(col "$d/logs/demo-slot1.csv" swd_khz)" = 4000 ]
check "slot 6: old nRF9160 recovered with an nRESET pulse (pass)" \
	[ "$(col "$d/logs/demo-slot6.csv" result)" = pass ]
check "passing rows say the modem verified the digests" [ "$(col "$d/logs/demo-slot2.csv" digest)" = modem ]
# The firmware resets itself on its first boot (MDK SystemInit writes
# UICR.HFXOSRC/HFXOCNT): the board saw more resets than nrfcred issued.
resets=$(sed -n 's/^system_resets=//p' "$d/state/000260000002.counters")
issued=$(col "$d/logs/demo-slot2.csv" resets)
check "slot 2: nrfcred issued three resets: after the recover's erase, RUN, after the wipe's erase (CSV resets = $issued)" \
	[ "$issued" = 3 ]
check "slot 2: the board reset itself once more during RUN and passed (board resets: ${resets:-?})" \
	[ "${resets:-0}" -gt "${issued:-0}" ]
"$nrfsim" show "$d/state" >"$d/show.txt" 2>&1
check "every board ends with flash and UICR erased (nrfsim show)" \
	[ "$(grep -cE '^  (flash|UICR): .*fully erased' "$d/show.txt")" -eq 16 ]

# ---------------------------------------------------- approtect = fail
d2=$tmp/fail
make_fixture "$d2" fast
cp "$d/sim.ini" "$d2/sim.ini"
sed -i 's/^approtect = recover/approtect = fail/' "$d2/station.ini"
sim "$d2" "$nrfcred" station --plain "$d2/station.ini" >"$d2/out.txt" 2>&1
rc=$?
check "approtect = fail: exit 5" [ "$rc" -eq 5 ]
for n in 2 3 5 6 7 8; do
	check "approtect = fail: slot $n fails at CONNECT" \
		[ "$(col "$d2/logs/demo-slot$n.csv" failed_step)" = connect ]
	check "approtect = fail: slot $n's cause names APPROTECT and the policy, no failed wipe" \
		bash -c "e=\$(tail -n 1 '$d2/logs/demo-slot$n.csv'); [[ \$e == *APPROTECT*\"policy is 'fail'\"* && \$e != *'wipe failed'* ]]"
done
check "approtect = fail: the blank nRF9160 in slot 1 passes" \
	[ "$(col "$d2/logs/demo-slot1.csv" result)" = pass ]
"$nrfsim" show "$d2/state" >"$d2/show.txt" 2>&1
check "approtect = fail: the refused boards were not erased (nothing written)" \
	grep -q 'UICR.APPROTECT=0x00000000' "$d2/show.txt"

# ---------------------------------------------------- when_available + lock
d3=$tmp/lock
make_fixture "$d3" fast
cp "$d/sim.ini" "$d3/sim.ini"
"$py" - "$d3/app.hex" <<'PY'
import struct, sys
from intelhex import IntelHex
ih = IntelHex()
ih.puts(0, struct.pack("<II", 0x20010000, 0x101))
ih.puts(0x100, bytes([0xFE, 0xE7]))
ih.write_hex_file(sys.argv[1])
PY
sed -i 's/^\[station\]$/[station]\napp = app.hex\nlock = yes\nverify_digest = when_available/' \
	"$d3/station.ini"
sim "$d3" "$nrfcred" station --json "$d3/station.ini" >"$d3/out.jsonl" 2>"$d3/err.txt"
rc=$?
check "lock = yes, verify_digest = when_available: exit 0" [ "$rc" -eq 0 ]
for n in 1 2 3 4 5 6 7 8; do
	check "slot $n: CSV locked=yes" [ "$(col "$d3/logs/demo-slot$n.csv" locked)" = yes ]
done
check "JSON board events say locked: true (8 of them)" \
	[ "$(grep -c '"event":"board".*"locked":true' "$d3/out.jsonl")" -eq 8 ]
check "slot 4: accepted without digest, and the row says 'unavailable'" \
	[ "$(col "$d3/logs/demo-slot4.csv" digest)" = unavailable ]
"$nrfsim" show "$d3/state" >"$d3/show.txt" 2>&1
check "nrfsim show: every board protected (UICR.APPROTECT = 0)" \
	[ "$(grep -c 'UICR.APPROTECT=0x00000000' "$d3/show.txt")" -eq 8 ]
# A locked board on the next run needs approtect = recover: it is (the same
# boards again, so --reprovision past the duplicate guard).
sim "$d3" "$nrfcred" station --plain --reprovision "$d3/station.ini" >"$d3/again.txt" 2>&1
check "a locked fixture provisions again with approtect = recover" [ $? -eq 0 ]

finish
