#!/usr/bin/env bash
# swd / target through the real libjaylink and the simulator (libnrfsim.so):
# identify nRF9160 / nRF9161 / nRF9151, refuse then recover a protected
# board, program a 256 KB sparse image (flash + UICR) with verify, and read
# it back independently with OpenOCD (inside `unshare -rn`: OpenOCD may fall
# back to a UDP broadcast, jlink.md §5) byte for byte.
#
# Usage: test_swd_target.sh [BUILD_DIR]   Prints "N passed, M failed" last.
set -u
src=${NRFCRED_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${1:-${NRFCRED_BUILD_ROOT:-$src/build}}
nrfsim=$build/tools/sim/nrfsim
driver=$build/tests/integration/nrf91_driver
py=/usr/bin/python3

for f in "$nrfsim" "$driver"; do
	if [ ! -x "$f" ]; then
		echo "FAIL: $f not built"
		echo "0 passed, 1 failed"
		exit 1
	fi
done

work=$(mktemp -d /tmp/nrfcred-swd-XXXXXX)
trap 'rm -rf "$work"' EXIT
export NRFSIM_STATE_DIR=$work/state
scenario=$work/swd.ini
cat >"$scenario" <<'INI'
[sim]
timing = fast
[probe 1]
part = nRF9160
[probe 2]
part = nRF9161
[probe 3]
part = nRF9151
[probe 4]
part = nRF9160
approtect = yes
[probe 5]
part = nRF9161
approtect = yes
[probe 6]
board = absent
[probe 7]
fault_unplug_after_transfers = 300
[probe 8]
fault_usb_timeout_after_transfers = 300
[probe 9]
fault_wait_storm = 400
[probe 10]
fault_removed_after_bytes = 20000
INI

. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
has() { grep -qE -- "$2" "$1"; }
run() { # run LOG ARGS... (driver under the simulator)
	local log=$1
	shift
	timeout 120 "$nrfsim" run "$scenario" -- "$driver" "$@" >"$log" 2>&1
}

# Identify each part. A blank nRF91x1 is locked after every reset
# (hardened APPROTECT, docs/hardware/nrf91.md): read-only identify refuses,
# identify with recover (CTRL-AP erase-all) names the part.
run "$work/id1.log" identify 260000001
check "identify nRF9160 (blank part is open)" has "$work/id1.log" "^part=nRF9160\$"
i=1
for part in nRF9161 nRF9151; do
	i=$((i + 1))
	run "$work/locked$i.log" identify 26000000$i
	check "blank $part is locked: identify without recover refused" \
		has "$work/locked$i.log" "protection is enabled"
	run "$work/id$i.log" recover 26000000$i --no-blank-check
	check "identify $part after recover" has "$work/id$i.log" "^part=$part\$"
done
check "nRF9160 variant SICA, DPIDR 0x6ba02477" \
	bash -c "grep -q '^variant=SICA' '$work/id1.log' && grep -q '^dpidr=0x6ba02477' '$work/id1.log'"
check "nRF9161 1024 KB flash, 256 KB RAM" \
	bash -c "grep -q '^flash_kb=1024' '$work/id2.log' && grep -q '^ram_kb=256' '$work/id2.log'"
run "$work/absent.log" identify 260000006
check "empty slot: no target" has "$work/absent.log" "no target"

# Protected boards: refused without recover, recovered with it.
run "$work/prot.log" identify 260000004
check "protected nRF9160 refused without recover" has "$work/prot.log" "protection is enabled"
run "$work/rec4.log" recover 260000004
check "recover nRF9160: was protected, now fully erased (1 MB + UICR blank check)" \
	bash -c "grep -q '^approtect_at_connect=1' '$work/rec4.log' && grep -q '^erased=1' '$work/rec4.log'"
run "$work/rec5.log" recover 260000005 --no-blank-check
check "recover nRF9161: was protected, identified after recover" \
	bash -c "grep -q '^approtect_at_connect=1' '$work/rec5.log' && grep -q '^part=nRF9161' '$work/rec5.log'"
# A new process is a power-on: the erased nRF9160 stays open, the erased
# nRF9161 is locked again (only firmware writing APPROTECT.DISABLE opens it).
run "$work/rec4-again.log" identify 260000004
check "nRF9160 open after recover and power cycle" has "$work/rec4-again.log" "^approtect_at_connect=0"
run "$work/rec5-again.log" identify 260000005
check "nRF9161 locked again after recover and power cycle" \
	has "$work/rec5-again.log" "protection is enabled"

# A 256 KB sparse image: three flash runs (one unaligned) and UICR words.
$py - "$work/img.hex" "$work/segments.txt" <<'PY'
import random, sys
from intelhex import IntelHex
random.seed(4)
ih = IntelHex()
segs = [(0x00000, 0x20000), (0x40000, 0x1C000), (0x80001, 0x3FF8), (0xFF8108, 8)]
total = 0
with open(sys.argv[2], "w") as f:
    for start, size in segs:
        for i in range(size):
            ih[start + i] = random.randrange(256)
        total += size
        f.write("%d %d\n" % (start, size))
assert total == 256 * 1024, total
ih.write_hex_file(sys.argv[1])
PY
run "$work/prog.log" program 260000001 "$work/img.hex"
check "program 256 KB sparse image with verify" has "$work/prog.log" "^verified=1"
grep -E '^(round_trips|swd_bits|wait_retries)=' "$work/prog.log" | sed 's/^/  program: /'
counters=$work/state/000260000001.counters
if [ -f "$counters" ]; then
	grep -E '^(usb_out_transfers|swd_io_commands|swd_bits|swd_waits|nvmc_words_written|modeled_ns)=' \
		"$counters" | sed 's/^/  sim counters: /'
fi

# Faults through the real libjaylink: errors, never a hang or a crash.
run "$work/unplug.log" program 260000007 "$work/img.hex"
check "probe unplugged mid-program: probe failure" has "$work/unplug.log" "^error_text=program: probe failure"
run "$work/usbto.log" program 260000008 "$work/img.hex"
check "USB timeouts mid-program: probe failure" has "$work/usbto.log" "^error_text=program: probe failure"
run "$work/storm.log" identify 260000009
check "WAIT storm of 400 AP accesses ridden out" has "$work/storm.log" "^part=nRF9160"
run "$work/pulled.log" program 260000010 "$work/img.hex"
check "board pulled mid-program: no target" has "$work/pulled.log" "^error_text=program: no target"

# Read back with our own read path (separate process, fresh attach).
run "$work/rb.log" read 260000001 0x40000 0x1C000 "$work/rb.bin"
check "read back through nrf91_read matches" $py - "$work/img.hex" "$work/rb.bin" <<'PY'
import sys
from intelhex import IntelHex
ih = IntelHex(sys.argv[1])
want = bytes(ih.tobinarray(start=0x40000, size=0x1C000))
sys.exit(0 if open(sys.argv[2], "rb").read() == want else 1)
PY

# Independent read-back with OpenOCD.
if command -v openocd >/dev/null && unshare -rn true 2>/dev/null; then
	cmds=(-c "adapter serial 260000001" -c init)
	n=0
	while read -r start size; do
		n=$((n + 1))
		cmds+=(-c "dump_image $work/oocd$n.bin $start $size")
	done <"$work/segments.txt"
	cmds+=(-c shutdown)
	ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0 timeout 120 unshare -rn \
		"$nrfsim" run "$scenario" -- openocd -f "$src/tests/data/openocd-sim-nrf91.cfg" \
		"${cmds[@]}" >"$work/oocd.log" 2>&1
	check "OpenOCD dump_image of every segment is byte-identical" \
		$py - "$work/img.hex" "$work/segments.txt" "$work" <<'PY'
import sys
from intelhex import IntelHex
ih = IntelHex(sys.argv[1])
ok = True
for n, line in enumerate(open(sys.argv[2]), 1):
    start, size = map(int, line.split())
    want = bytes(ih.tobinarray(start=start, size=size))
    try:
        got = open("%s/oocd%d.bin" % (sys.argv[3], n), "rb").read()
    except OSError:
        got = b""
    if got != want:
        print("segment 0x%x: %d bytes read, mismatch" % (start, len(got)))
        ok = False
sys.exit(0 if ok else 1)
PY
	[ "$fail" -eq 0 ] || tail -n 20 "$work/oocd.log"
else
	echo "SKIP: OpenOCD read-back (openocd or unshare -rn unavailable)"
fi

# nrfcred probes lists every probe and identifies the boards.
nrfcred=$build/nrfcred
if [ -x "$nrfcred" ]; then
	timeout 120 "$nrfsim" run "$scenario" -- "$nrfcred" probes --connect >"$work/probes.log" 2>&1
	check "nrfcred probes lists 10 probes" test "$(grep -c '^2600' "$work/probes.log")" -eq 10
	check "nrfcred probes --connect names the nRF9160" has "$work/probes.log" "nRF9160 SICA"
	check "nrfcred probes --connect says the blank nRF9151 is locked" \
		has "$work/probes.log" "APPROTECT on: recover needed"
	check "nrfcred probes --connect reports the empty slot" has "$work/probes.log" "no target"
else
	echo "SKIP: nrfcred not built"
fi

finish
