#!/usr/bin/env bash
# The board-side fault matrix of issue 12: each fault on ONE slot of an
# 8-slot station run while the other seven are healthy, with the flash and
# the RAM delivery where the fault depends on it. For each case: the faulty
# slot's result, step and cause in its CSV row and its JSON board event,
# every other slot passes, one CSV row per board, the faulty board wiped
# when it can be reached (nrfsim show), and where it cannot, that its flash
# holds no key (RAM delivery) or what it holds (flash delivery), and the
# exit code. Fast timing and short modem latencies: a case takes seconds.
. "$(dirname "${BASH_SOURCE[0]}")/station_lib.sh"

psk=000102030405060708090a0b0c0d0e0f # the demo station's PSK
key=$src/tests/data/provision/client.key
scan="$py $src/tests/integration/secret_scan.py"
outcomes=()

# fixture DIR DELIVERY: the demo fixture, fast, with short modem latencies
# (in fast mode the firmware's time only advances with the host's polls).
fixture() {
	make_fixture "$1" fast
	sed -i -e 's/^modem_start_ms = .*/modem_start_ms = 10/' \
		-e 's/^modem_cmd_ms = .*/modem_cmd_ms = 5/' \
		-e 's/^modem_cmng_write_ms = .*/modem_cmng_write_ms = 10/' "$1/sim.ini"
	sed -i "s/^\[station\]$/[station]\ndelivery = $2/" "$1/station.ini"
}

# probe_key DIR N 'KEY = VALUE': sets KEY in [probe N], replacing its value.
probe_key() {
	"$py" - "$1/sim.ini" "$2" "$3" <<'PY'
import re, sys
path, n, kv = sys.argv[1], sys.argv[2], sys.argv[3]
key = kv.split("=")[0].strip()
t = open(path).read()
head = "[probe %s]\n" % n
i = t.index(head) + len(head)
j = t.find("\n[", i)
j = len(t) if j < 0 else j + 1
body = re.sub(r"(?m)^%s = .*\n" % re.escape(key), "", t[i:j])
open(path, "w").write(t[:i] + kv + "\n" + body + t[j:])
PY
}

# station_key DIR 'KEY = VALUE': the same in [station].
station_key() {
	local k=${2%% =*}
	sed -i -e "/^$k = /d" -e "s/^\[station\]$/[station]\n$2/" "$1/station.ini"
}

# run_station DIR: the station with --json; sets $rc.
run_station() {
	sim "$1" "$nrfcred" station --json "$1/station.ini" >"$1/out.jsonl" 2>"$1/err.txt"
	rc=$?
}

# verdict DIR SLOT RESULT STEP CAUSE_REGEX: the faulty slot's row and JSON
# board event say RESULT at STEP with a cause matching CAUSE_REGEX; every
# other slot passed; every slot logged exactly one row. Prints what failed.
verdict() {
	"$py" - "$@" <<'PY'
import csv, json, re, sys
d, slot, result, step, cause = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
bad = []
rows = {}
for n in range(1, 9):
    r = list(csv.DictReader(open("%s/logs/demo-slot%d.csv" % (d, n), newline="")))
    if len(r) != 1:
        bad.append("slot %d: %d CSV rows" % (n, len(r)))
    rows[n] = r[-1] if r else {}
boards = {}
for line in open(d + "/out.jsonl"):
    e = json.loads(line)
    if e["event"] == "board":
        boards.setdefault(e["slot"], []).append(e)
for n in range(1, 9):
    if len(boards.get(n, [])) != 1:
        bad.append("slot %d: %d JSON board events" % (n, len(boards.get(n, []))))
r, e = rows[slot], boards.get(slot, [{}])[-1]
if r.get("result") != result or e.get("result") != result:
    bad.append("slot %d: result %s / %s, not %s" % (slot, r.get("result"), e.get("result"), result))
if not re.fullmatch(step, r.get("failed_step", "")) or e.get("failed_step") != r.get("failed_step"):
    bad.append("slot %d: step %r / %r, not %r" % (slot, r.get("failed_step"), e.get("failed_step"), step))
if not re.search(cause, r.get("error", "")) or e.get("error") != r.get("error"):
    bad.append("slot %d: cause %r does not match %r (JSON %r)" % (slot, r.get("error"), cause, e.get("error")))
for n in range(1, 9):
    if n != slot and rows[n].get("result") != "pass":
        bad.append("slot %d did not pass: %s" % (n, rows[n].get("error")))
for b in bad:
    print("#   " + b)
print("#   slot %d: %s at %s: %s" % (slot, r.get("result"), r.get("failed_step") or "-", r.get("error", "")[:150]))
sys.exit(1 if bad else 0)
PY
}

# states DIR SLOT: the slot's states from the JSON events, one per line,
# "STATE" or "STATE (detail)".
states() {
	"$py" - "$1/out.jsonl" "$2" <<'PY'
import json, sys
for line in open(sys.argv[1]):
    e = json.loads(line)
    if e["event"] == "state" and e["slot"] == int(sys.argv[2]):
        print(e["state"] + (" (%s)" % e["detail"] if e.get("detail") else ""))
PY
}

# went DIR SLOT REGEX: the slot's states, joined by '|', match REGEX.
went() {
	[[ "$(states "$1" "$2" | paste -sd '|')" =~ $3 ]]
}

# board DIR PROBE: the `nrfsim show` block of that probe.
board() {
	"$nrfsim" show "$1/state" 2>&1 | awk -v p="probe $2" '$0 == p {on = 1; print; next} /^probe / {on = 0} on'
}

# erased DIR PROBE: flash and UICR fully erased.
erased() {
	local b
	b=$(board "$1" "$2")
	grep -q '^  flash: .*fully erased' <<<"$b" && grep -q '^  UICR: *fully erased' <<<"$b"
}

# keyless DIR PROBE: no PSK or key byte in that board's flash or UICR.
keyless() {
	local one=$1/scan-$2
	mkdir -p "$one" && cp "$1/state/$2.board" "$one/" && $scan scan "$one" "$psk" "$key" >/dev/null
}

keys_left() {
	! keyless "$1" "$2"
}

# untouched DIR PROBE: flash erased, UICR not (a protected board left alone).
untouched() {
	grep -q '^  flash: .*fully erased' <<<"$(board "$1" "$2")" && ! erased "$1" "$2"
}

# case NAME DELIVERY RC RESULT STEP CAUSE BOARD_CHECK: checks the run in
# $d; BOARD_CHECK is erased | keyless | keys-left | untouched.
case_checks() {
	local name=$1 delivery=$2 want_rc=$3 result=$4 step=$5 cause=$6 after=$7 slot=${8:-1}
	local probe=00026000000$slot
	check "$name ($delivery): exit $want_rc" [ "$rc" -eq "$want_rc" ]
	[ "$rc" -eq "$want_rc" ] || tail -n 5 "$d/err.txt" | sed 's/^/#   /'
	check "$name ($delivery): slot $slot $result${step:+ at $step}, its cause named; the other slots pass; one row each" \
		verdict "$d" "$slot" "$result" "$step" "$cause"
	case $after in
	erased) check "$name ($delivery): the board is erased (flash and UICR)" erased "$d" "$probe" ;;
	keyless) check "$name ($delivery): board out of reach; no key in its flash or UICR" keyless "$d" "$probe" ;;
	keys-left) check "$name ($delivery): board out of reach; its flash still holds the table (a restart's journal wipe, not this run)" \
		keys_left "$d" "$probe" ;;
	untouched) check "$name ($delivery): the board was never written (flash erased, APPROTECT kept in UICR)" \
		untouched "$d" "$probe" ;;
	esac
	local row
	row=$("$py" -c 'import csv,sys; r=list(csv.DictReader(open(sys.argv[1]))); print(r[-1]["result"], r[-1]["failed_step"] or "-", "|", r[-1]["error"][:90])' "$d/logs/demo-slot$slot.csv")
	outcomes+=("$name ($delivery): $row | exit $rc | board $after")
}

# one NAME DELIVERY 'PROBE1 KEY' RC RESULT STEP CAUSE BOARD_CHECK [STATION KEY]
one() {
	local name=$1 delivery=$2 kv=$3
	d=$tmp/$(tr -c 'a-z0-9\n' '-' <<<"$name-$delivery")
	fixture "$d" "$delivery"
	[ -n "$kv" ] && probe_key "$d" 1 "$kv"
	[ -n "${9:-}" ] && station_key "$d" "$9"
	run_station "$d"
	case_checks "$name" "$delivery" "$4" "$5" "$6" "$7" "$8"
}

# ------------------------------------------------------------ the matrix
for dl in ram flash; do
	one "board absent" $dl "board = absent" 5 fail connect 'no target'
	outcomes[-1]+=" (never reached)"
done
for dl in ram flash; do
	# 4000 AP bytes: past CONNECT and ERASE, inside PROGRAM (verified
	# below from the states); the retry from ERASE finds no board.
	one "board removed during PROGRAM" $dl "fault_removed_after_bytes = 4000" 5 fail erase \
		'^no target' keyless
	check "board removed during PROGRAM ($dl): from PROGRAM back to ERASE, no VERIFY" \
		went "$d" 1 '[|]PROGRAM[|]ERASE [(]SWD clock lowered'
	one "probe unplugged during PROGRAM" $dl "fault_unplug_after_ap_bytes = 4000" 4 fail erase \
		'^probe failure' keyless
	check "probe unplugged during PROGRAM ($dl): from PROGRAM back to ERASE, no VERIFY" \
		went "$d" 1 '[|]PROGRAM[|]ERASE [(]retry 1 of 1[)]'
done
# AWAIT_RESULT moves AP bytes about 9100..13900 with the RAM session (its
# records), about 10460..10970 with the flash delivery (status polls),
# measured with the flash loader (the default, its slots ramping up from
# 512 bytes), the NVMC erase-all in ERASE, issue 11's provisioner, requests
# not read back: below the window the unplug lands in PROGRAM or RUN,
# above it in WIPE. The window follows the image size, ERASE and PROGRAM,
# and the loader's polls: measure again when any of them changes.
one "probe unplugged during AWAIT_RESULT" ram "fault_unplug_after_ap_bytes = 11500" 4 fail await_result \
	'^probe failure' keyless
one "probe unplugged during AWAIT_RESULT" flash "fault_unplug_after_ap_bytes = 10700" 4 fail await_result \
	'^probe failure' keys-left
check "probe unplugged during AWAIT_RESULT (flash): the unplug came after RUN" \
	went "$d" 1 '[|]RUN[|]AWAIT_RESULT'
one "WAIT storm longer than the retry budget" ram "fault_wait_storm = 100000" 5 fail connect \
	'^target kept answering WAIT'
outcomes[-1]+=" (never written)"
# Every 700th AP access answers FAULT: no program gets through, at any clock
# (the case that looped for minutes); the wipe's erase-all runs, its
# read-back FAULTs too.
one "FAULT ACKs every 700 AP accesses" ram "fault_ack_every = 700" 5 fail program \
	'^target answered FAULT.*wipe failed: target answered FAULT' erased
one "FAULT ACKs every 20000 AP accesses" ram "fault_ack_every = 20000" 0 pass "" '^$' erased
one "read parity errors every 50 reads" ram "fault_parity_every = 50" 0 pass "" '^$' erased
one "read parity errors every 900 reads" ram "fault_parity_every = 900" 0 pass "" '^$' erased
# A write the target drops for its data parity (WDATAERR) is sent again:
# with the loader (its ring), the direct path (NVMC words) and the session.
for m in loader direct; do
	one "write parity errors every 97 writes, flash_method = $m" ram \
		"fault_write_parity_every = 97" 0 pass "" '^$' erased "flash_method = $m"
done
# 150 USB transfers land in AWAIT_RESULT (measured: 100 in PROGRAM, 200 in
# WIPE, where the cause would read "wipe failed: ...").
one "USB timeout" ram "fault_usb_timeout_after_transfers = 150" 4 fail '[a-z_]*' \
	'^probe failure.*TIMEOUT' keyless
one "APPROTECT, recover allowed" ram "approtect = yes" 0 pass "" '^$' erased
check "APPROTECT, recover allowed: slot 1 went through RECOVER" \
	went "$d" 1 '[|]RECOVER[|]'
# A blank nRF91x1 is locked after every reset, so with approtect = fail the
# seven healthy boards are nRF9160s here (slots 7 and 8 are not in the demo).
d=$tmp/approtect-fail
fixture "$d" ram
probe_key "$d" 1 "approtect = yes"
probe_key "$d" 7 "part = nRF9160"
probe_key "$d" 8 "part = nRF9160"
station_key "$d" "approtect = fail"
run_station "$d"
case_checks "APPROTECT, recover forbidden" ram 5 fail connect \
	"APPROTECT is on and the station's approtect policy is 'fail'" untouched
for dl in ram flash; do
	# Bit 0 of word 0 (the initial stack pointer, even in any image) stays 1.
	one "stuck flash bit" $dl "fault_stuck_bit = 0x00000000:0" 5 fail verify \
		'^verify mismatch at 0x00000000$' erased
	check "stuck flash bit ($dl): not retried, no slower clock: CONNECT ERASE PROGRAM VERIFY WIPE" \
		went "$d" 1 '^CONNECT[|]ERASE[|]PROGRAM[|]VERIFY[|]WIPE[|]FAILED'
	one "firmware hang" $dl "fault_firmware_hang = yes" 5 fail await_result \
		'no result from the firmware within 3.000 s' erased "timeout = 3"
	one "modem refuses one credential (CME 515)" $dl "fault_modem_error = 43,3,515" 5 fail check \
		'modem code 515' erased
	one "modem reports a wrong SHA-256" $dl "fault_modem_bad_digest = 42,0" 5 fail check \
		"^modem's SHA-256 differs from the credential sent: entry 0 \(sec_tag 42, CA certificate\)" erased
done
# A two-bit wire error passes SWD's parity bit: only an on-target check sees
# it. The session's DOWN area starts at 0x20004000 (the demo provisioner's
# mailbox 0x20003000 + 0x1000); the flash loader's ring lies over it, so the
# session cases program without the loader. The firmware's record CRC
# refuses the spoiled TABLE; the host sends it once more.
one "wire error in the table record, once" ram "fault_wire_flip = 0x20004100:3:1" 0 pass "" \
	'^$' erased "flash_method = direct"
one "wire error in the table record, every write" ram "fault_wire_flip = 0x20004100:3" 5 fail \
	await_result '^the firmware rejected request 2 and its resend: bad record CRC .*not what the host wrote' \
	erased "flash_method = direct"
check "wire error in the table record, every write: no key reached the modem" \
	grep -q '^  modem credentials: 0$' <<<"$(board "$d" 000260000001)"
# In the loader's first slot (its data from 0x20002450, below the mailbox)
# the spoiled word reaches flash; the loader's CRC of the range differs and
# the read-back names the word. Final, not retried.
one "wire error in the flash loader's ring" flash "fault_wire_flip = 0x20002500:3" 5 fail verify \
	'^verify mismatch at 0x[0-9a-f]{8}$' erased
one "firmware reports a corrupt result table" flash "result_fault = crc" 5 fail await_result \
	'^result block unreadable: result block CRC mismatch' erased
one "firmware reports a corrupt session record" ram "session_fault = crc" 5 fail await_result \
	'record CRC mismatch' erased
one "IMEI failing Luhn" ram "imei = 352656100011117" 5 fail await_result \
	'check digit is wrong: "352656100011117" \(the table was not sent\)' erased
check "IMEI failing Luhn (ram): the modem got no credential" \
	grep -q '^  modem credentials: 0$' <<<"$(board "$d" 000260000001)"
one "IMEI failing Luhn" flash "imei = 352656100011117" 5 fail check \
	'check digit is wrong: IMEI "352656100011117"' erased

# The same IMEI on slots 1 and 2: whichever reports it second fails, naming
# the IMEI and the other slot.
for dl in ram flash; do
	d=$tmp/twins-$dl
	fixture "$d" $dl
	probe_key "$d" 1 "imei = 352656100022220"
	run_station "$d"
	second=$("$py" -c 'import csv,sys; print(next(n for n in (1, 2) if list(csv.DictReader(open(sys.argv[1] % n)))[-1]["result"] == "fail"))' "$d/logs/demo-slot%d.csv" 2>/dev/null || echo 1)
	step=check
	[ $dl = ram ] && step=await_result
	case_checks "same IMEI on two slots" $dl 5 fail $step \
		"^IMEI 352656100022220 is already slot $((3 - second))'s, from another board" erased "$second"
	if [ $dl = ram ]; then
		check "same IMEI on two slots (ram): the second board's modem got no credential" \
			grep -q '^  modem credentials: 0$' <<<"$(board "$d" 00026000000$second)"
	fi
done

echo "# fault matrix (fault (delivery): slot result, step | cause | exit | board):"
for o in "${outcomes[@]}"; do
	echo "#   $o"
done
finish
