#!/usr/bin/env bash
# The RAM session (provision.h "session"): eight mixed boards provisioned with
# delivery = ram while a watcher scans every board's flash and UICR for the
# PSK and the key after each event; the same watcher finds them with
# delivery = flash (it can fail). kill -9 of nrfcred while all eight wait for
# their result leaves no credential byte in any flash (and does with flash
# delivery). A board that resets itself with the table in RAM is answered again (boots
# = 2). Malformed firmware records fail their slot with a named cause while
# the others pass. `nrfcred provision` speaks the session too; -o still
# writes a patched hex.
. "$(dirname "${BASH_SOURCE[0]}")/station_lib.sh"

psk=A5C30B30557A9FC4E90E33587DA2C7EC11365B80A5CAEF14395E83A8CDF2173C
key=$src/tests/data/provision/client.key
scan="$py $src/tests/integration/secret_scan.py"

col() { # col CSV NAME: that column of the last row
	"$py" - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(rows[-1][sys.argv[2]] if rows else "")
PY
}

# ram_fixture DIR DELIVERY: the mixed fixture, a PSK and the client key
# added to the demo credentials, digests accepted where the modem has none.
ram_fixture() {
	make_fixture "$1" fast
	"$py" - "$1/sim.ini" <<'PY'
import re, sys
p = sys.argv[1]
parts = {1: "nRF9160", 2: "nRF9161", 3: "nRF9151", 4: "nRF9160",
         5: "nRF9161", 6: "nRF9151", 7: "nRF9160", 8: "nRF9161"}
t = re.sub(r"(?m)^part = .*\n", "", open(p).read())
for n, part in parts.items():
    t = t.replace("[probe %d]\n" % n, "[probe %d]\npart = %s\n" % (n, part), 1)
open(p, "w").write(t)
PY
	sed -i "s/^\[station\]$/[station]\ndelivery = $2/" "$1/station.ini"
	# The demo's key stays (it is $key); its PSK becomes a recognisable one.
	sed -i '/^\[credential psk\]$/,$d' "$1/station.ini"
	cat >>"$1/station.ini" <<INI
[credential psk]
sec_tag = 43
type = psk
value = $psk

[credential identity]
sec_tag = 43
type = psk_identity
value = dev-43
INI
}

# set_probe_key DIR N KEY=VALUE: one scenario key on probe N.
set_probe_key() {
	sed -i "s/^\[probe $2\]$/[probe $2]\n$3/" "$1/sim.ini"
}

# ------------------------------------------- ram: 8 slots, flash never holds a key
d=$tmp/ram
ram_fixture "$d" ram
NRFSIM_STATE_DIR="$d/state" "$nrfsim" run "$d/sim.ini" -- "$nrfcred" station --json \
	"$d/station.ini" 2>"$d/err.txt" | $scan watch "$d/state" "$psk" "$key" "$d/watch.txt"
rc=${PIPESTATUS[0]}
check "delivery = ram, 8 mixed boards: exit 0" [ "$rc" -eq 0 ]
for n in 1 2 3 4 5 6 7 8; do
	check "slot $n passes with delivery=ram and boots=1" \
		[ "$(col "$d/logs/demo-slot$n.csv" result),$(col "$d/logs/demo-slot$n.csv" delivery),$(col "$d/logs/demo-slot$n.csv" boots)" = pass,ram,1 ]
done
check "the watcher scanned the boards after every event ($(head -n 1 "$d/watch.txt"))" \
	[ "$(sed -n 's/^scans //p' "$d/watch.txt")" -gt 100 ]
check "... over all eight board files" [ "$(sed -n 's/^boards //p' "$d/watch.txt")" = 8 ]
check "no PSK or key byte in any board's flash or UICR during the run" \
	bash -c "! grep -q '^hit' '$d/watch.txt'"
grep '^hit' "$d/watch.txt" | sort | uniq -c | sed 's/^/# /' | head -n 20
"$nrfsim" show "$d/state" >"$d/show.txt" 2>&1
check "every modem holds the key and the PSK (nrfsim show)" \
	[ "$(grep -cE '^ +42 +2 +private key|^ +43 +3 +PSK ' "$d/show.txt")" -eq 16 ]

# ------------------------------------------- flash: the same watcher does find them
f=$tmp/flash
ram_fixture "$f" flash
NRFSIM_STATE_DIR="$f/state" "$nrfsim" run "$f/sim.ini" -- "$nrfcred" station --json \
	"$f/station.ini" 2>"$f/err.txt" | $scan watch "$f/state" "$psk" "$key" "$f/watch.txt"
check "delivery = flash passes too (rows say flash, boots 0)" \
	[ "${PIPESTATUS[0]}" -eq 0 -a "$(col "$f/logs/demo-slot2.csv" delivery),$(col "$f/logs/demo-slot2.csv" boots)" = flash,0 ]
check "with delivery = flash the watcher sees the PSK and key in flash (the scan works)" \
	bash -c "grep -q '^hit .* flash PSK' '$f/watch.txt' && grep -q '^hit .* flash key' '$f/watch.txt'"
check "... and the wipe removed them by the end" $scan scan "$f/state" "$psk" "$key"

# ------------------------------------------- kill -9 while all eight await a result
# kill9 DIR DELIVERY: slow modem writes, kill -9 once every slot is in
# AWAIT_RESULT and the modems are busy.
kill9() {
	ram_fixture "$1" "$2"
	sed -i 's/^\[timing\]$/[timing]\nmodem_cmng_write_ms = 1500/' "$1/sim.ini"
	grep -q '^\[timing\]' "$1/sim.ini" || printf '[timing]\nmodem_cmng_write_ms = 1500\n' >>"$1/sim.ini"
	mkfifo "$1/events"
	NRFSIM_STATE_DIR="$1/state" "$nrfsim" run "$1/sim.ini" -- "$nrfcred" station --json \
		"$1/station.ini" >"$1/events" 2>"$1/err.txt" &
	local pid=$!
	exec 3<"$1/events"
	$scan watch "$1/state" "$psk" "$key" "$1/watch.txt" --until-await 8 <&3 2>/dev/null
	local wrc=$?
	# Someone keeps reading: a closed stdout would make nrfcred drain the
	# run and wipe the boards (EPIPE) before the kill.
	cat <&3 >/dev/null &
	local drain=$!
	sleep 1 # the tables are in RAM, the modems are writing
	kill -9 "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	wait "$drain" 2>/dev/null
	exec 3<&-
	echo "$wrc"
}
k=$tmp/kill-ram
wrc=$(kill9 "$k" ram)
check "kill -9 (ram): all eight slots reached AWAIT_RESULT before the kill" [ "$wrc" = 3 ]
check "kill -9 (ram): no board's flash or UICR holds a credential byte" \
	$scan scan "$k/state" "$psk" "$key"
kf=$tmp/kill-flash
wrc=$(kill9 "$kf" flash)
check "kill -9 (flash): the same kill leaves the keys in flash (the state is durable)" \
	bash -c "[ '$wrc' = 3 ] && ! $scan scan '$kf/state' '$psk' '$key' >/dev/null"

# ------------------------------------------- a board that resets after taking the table
r=$tmp/reset
ram_fixture "$r" ram
set_probe_key "$r" 2 "fault_reset_after_ready = yes"
set_probe_key "$r" 3 "fault_reset_after_ready = yes"
sim "$r" "$nrfcred" station --json "$r/station.ini" >"$r/out.jsonl" 2>"$r/err.txt"
check "reset after READY: exit 0" [ $? -eq 0 ]
for n in 2 3; do
	check "slot $n ($(col "$r/logs/demo-slot$n.csv" part)): passes, boots=2, one reset more than a quiet board" \
		[ "$(col "$r/logs/demo-slot$n.csv" result),$(col "$r/logs/demo-slot$n.csv" boots),$(( $(col "$r/logs/demo-slot$n.csv" resets) - $(col "$r/logs/demo-slot1.csv" resets) ))" = pass,2,1 ]
done
check "slot 1 (no fault): boots=1" [ "$(col "$r/logs/demo-slot1.csv" boots)" = 1 ]

# ------------------------------------------- hostile firmware records
h=$tmp/hostile
ram_fixture "$h" ram
faults=(magic crc length type seq nonce)
for i in "${!faults[@]}"; do
	set_probe_key "$h" $((i + 1)) "session_fault = ${faults[$i]}"
done
set_probe_key "$h" 7 "session_fault = crc\nsession_fault_from = 1"
sim "$h" "$nrfcred" station --json "$h/station.ini" >"$h/out.jsonl" 2>"$h/err.txt"
check "hostile records: exit 5 (seven slots fail), no crash" [ $? -eq 5 ]
want=("record magic wrong" "record CRC mismatch" "record length out of bounds"
	"unexpected record type" "record out of sequence" "record names another boot"
	"firmware record 1: record CRC mismatch")
for i in 0 1 2 3 4 5 6; do
	n=$((i + 1))
	e=$(col "$h/logs/demo-slot$n.csv" error)
	check "slot $n (session_fault $(sed -n "/^\[probe $n\]/,/^\[/s/^session_fault = //p" "$h/sim.ini" | head -n 1)): fails at await_result naming '${want[$i]}' ($e)" \
		bash -c "[ '$(col "$h/logs/demo-slot$n.csv" failed_step)' = await_result ] && [[ '$e' == *'${want[$i]}'* ]]"
done
check "slot 8 (no fault) passes beside them" [ "$(col "$h/logs/demo-slot8.csv" result)" = pass ]
"$nrfsim" show "$h/state" >"$h/show.txt" 2>&1
check "every hostile board was still wiped (flash and UICR erased)" \
	[ "$(grep -cE '^  (flash|UICR): .*fully erased' "$h/show.txt")" -eq 16 ]

# ------------------------------------------- nrfcred provision over the session
p=$tmp/prov
ram_fixture "$p" ram
sim "$p" "$nrfcred" provision -s 000260000004 --sec_tag 7 --psk "$psk" --psk_ident dev-7 \
	>"$p/out.txt" 2>"$p/err.txt"
check "provision (no -o): exit 0 over the RAM mailbox" [ $? -eq 0 ]
check "provision says the table went through the mailbox" grep -q 'through the RAM mailbox' "$p/err.txt"
check "provision prints the board's IMEI" grep -qx "$(scenario_imei "$p/sim.ini" 4)" "$p/out.txt"
check "provision: no PSK byte in that board's flash" $scan scan "$p/state" "$psk" "$key"
sim "$p" "$nrfcred" provision -s 000260000004 --delivery flash --sec_tag 7 --psk "$psk" \
	>"$p/out2.txt" 2>"$p/err2.txt"
check "provision --delivery flash: exit 0, table patched into flash" \
	bash -c "[ $? -eq 0 ] && grep -q 'bytes at 0x' '$p/err2.txt'"
"$nrfcred" provision --sec_tag 7 --psk "$psk" -o "$p/patched.hex" 2>"$p/err3.txt"
check "-o still writes a patched hex (the flash delivery)" \
	bash -c "[ -s '$p/patched.hex' ] && grep -q 'bytes at 0x' '$p/err3.txt'"
"$nrfcred" provision --sec_tag 7 --psk "$psk" --delivery ram -o "$p/x.hex" 2>"$p/err4.txt"
check "--delivery ram with -o is refused (exit 2) and says why" \
	bash -c "[ $? -eq 2 ] && grep -q 'needs a board' '$p/err4.txt'"

finish
