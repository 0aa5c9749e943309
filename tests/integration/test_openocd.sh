#!/usr/bin/env bash
# OpenOCD interoperability: the stock OpenOCD 0.12 (jlink driver, plain
# cortex_m target) talks to a simulated J-Link + nRF9160 through the real
# libjaylink and the fake libusb, under `nrfsim run`. Runs inside
# `unshare -rn` where allowed, because OpenOCD falls back to a UDP broadcast
# (J-Link over TCP) when the serial is not found (jlink.md §5); where it is
# not allowed the test still runs (the serial is always found, and OpenOCD's
# gdb/telnet/tcl ports are disabled, so nothing listens): it never skips for it.
#
# Usage: test_openocd.sh [BUILD_DIR]   (default: $NRFCRED_BUILD_ROOT)
# Prints one line per check and, last, "N passed, M failed".
set -u
src=${NRFCRED_SOURCE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${1:-${NRFCRED_BUILD_ROOT:-$src/build}}
nrfsim=$build/tools/sim/nrfsim
cfg=$src/tests/data/openocd-sim-nrf91.cfg
scenario=$src/config/sim-openocd.ini
serial=260000001

if ! command -v openocd >/dev/null; then
	echo "SKIP: openocd not installed"
	exit 77
fi
isolate=(unshare -rn)
if ! unshare -rn true 2>/dev/null; then
	echo "note: unshare -rn not permitted here: running without a network namespace"
	isolate=()
fi
no_ports=(-c "gdb_port disabled" -c "telnet_port disabled" -c "tcl_port disabled")
if [ ! -x "$nrfsim" ]; then
	echo "FAIL: $nrfsim not built"
	echo "0 passed, 1 failed"
	exit 1
fi

work=$(mktemp -d /tmp/nrfsim-openocd-XXXXXX)
trap 'rm -rf "$work"' EXIT
export NRFSIM_STATE_DIR=$work/state
# OpenOCD is not built with ASan; when the fake is, the ASan runtime that
# `nrfsim run` preloads must not judge OpenOCD's own allocations at exit.
export ASAN_OPTIONS=detect_leaks=0:verify_asan_link_order=0

. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
has() { grep -qiE -- "$2" "$1"; }

openocd_run() { # openocd_run LOG COMMANDS...
	local log=$1
	shift
	local args=()
	for c in "$@"; do args+=(-c "$c"); done
	timeout 60 "${isolate[@]}" "$nrfsim" run "$scenario" -- \
		openocd -f "$cfg" "${no_ports[@]}" -c "adapter serial $serial" "${args[@]}" >"$log" 2>&1
}

# 1. Bring-up only: baseline counters for the figures below.
openocd_run "$work/init.log" init shutdown
init_rc=$?
cp "$work/state/000$serial.counters" "$work/init.counters" 2>/dev/null

head -c 65536 /dev/urandom >"$work/ram.bin"
openocd_run "$work/full.log" \
	init \
	"dap info 0" \
	"dap info 4" \
	"mdw 0x00ff0140" \
	"load_image $work/ram.bin 0x20000000 bin" \
	"dump_image $work/ram.out 0x20000000 65536" \
	"halt" \
	"echo \"STATE-AFTER-HALT [nrf91.cpu curstate]\"" \
	"mww 0x20010000 0xe7fee7fe" \
	"reg pc 0x20010000" \
	"reg xPSR 0x01000000" \
	"resume" \
	"sleep 20" \
	"echo \"STATE-AFTER-RESUME [nrf91.cpu curstate]\"" \
	"halt" \
	"echo \"PC-AFTER-RUN [format 0x%08x [lindex [nrf91.cpu get_reg pc] 1]]\"" \
	shutdown
full_rc=$?
cp "$work/state/000$serial.counters" "$work/full.counters" 2>/dev/null

# 3. WAIT storm: the first 20 AP accesses answer WAIT. OpenOCD 0.12's jlink
# driver does not retry a WAIT (jlink.c:jlink_swd_run_queue() fails the queue),
# so examination fails; what this checks is that OpenOCD decodes the
# simulator's ACK slots as WAIT (value 2), not as a protocol error.
sed 's/^approtect = no$/approtect = no\nfault_wait_storm = 20/' "$scenario" >"$work/wait.ini"
scenario_saved=$scenario
scenario=$work/wait.ini
openocd_run "$work/wait.log" "debug_level 3" init shutdown
scenario=$scenario_saved
cp "$work/state/000$serial.counters" "$work/wait.counters" 2>/dev/null
waits=$(sed -n 's/^swd_waits=//p' "$work/wait.counters" 2>/dev/null)

# 4. nRF9161, blank: hardened APPROTECT as the documents describe it. Raw
# CTRL-AP register access with the DAP commands (no nrfcred code involved):
# locked at power-on, open after a CTRL-AP ERASEALL, locked again after the
# next (soft) reset.
cat >"$work/nrf9161.ini" <<'INI'
[sim]
timing = fast
[probe 1]
serial = 000260000001
part = nRF9161
vtref_mv = 3300
INI
NRFSIM_STATE_DIR=$work/state91 timeout 60 "${isolate[@]}" "$nrfsim" run "$work/nrf9161.ini" -- \
	openocd -f "$cfg" "${no_ports[@]}" -c "adapter serial $serial" -c init \
	-c 'echo "STATUS-BLANK [nrf91.dap apreg 4 0x0c]"' \
	-c 'echo "CSW-BLANK [nrf91.dap apreg 0 0x00]"' \
	-c 'catch {mdw 0x00ff0140}' \
	-c 'nrf91.dap apreg 4 0x04 0' -c 'nrf91.dap apreg 4 0x04 1' -c 'sleep 500' \
	-c 'echo "ERASE-BUSY [nrf91.dap apreg 4 0x08]"' -c 'nrf91.dap apreg 4 0x04 0' \
	-c 'echo "STATUS-ERASED [nrf91.dap apreg 4 0x0c]"' \
	-c 'nrf91.cpu arp_examine' -c 'mdw 0x00ff0140' \
	-c 'nrf91.dap apreg 4 0x00 1' -c 'nrf91.dap apreg 4 0x00 0' -c 'sleep 50' \
	-c 'echo "STATUS-AFTER-RESET [nrf91.dap apreg 4 0x0c]"' \
	-c shutdown >"$work/nrf9161.log" 2>&1
l91=$work/nrf9161.log
check "nRF9161 blank: CTRL-AP APPROTECT.STATUS 0 (locked)" has "$l91" 'STATUS-BLANK 0x00000000'
csw91=$(sed -n 's/^CSW-BLANK //p' "$l91")
check "nRF9161 blank: AHB-AP CSW.DeviceEn clear (CSW ${csw91:-none})" \
	bash -c "[ -n '$csw91' ] && (( ($csw91 & 0x40) == 0 ))"
check "nRF9161 blank: OpenOCD cannot examine the core (AHB-AP reads fail)" \
	has "$l91" 'examination failed'
check "nRF9161: CTRL-AP ERASEALL finishes (ERASEALLSTATUS 0)" has "$l91" 'ERASE-BUSY 0x00000000'
check "nRF9161: open after the CTRL-AP erase (APPROTECT.STATUS 3)" has "$l91" 'STATUS-ERASED 0x00000003'
check "nRF9161: FICR readable after the erase (PARTNO 0x9161)" has "$l91" '0x00ff0140: 00009161'
check "nRF9161: locked again after the next reset" has "$l91" 'STATUS-AFTER-RESET 0x00000000'
check "FPB/DWT found: 8 breakpoints, 4 watchpoints" has "$l91" 'target has 8 breakpoints, 4 watchpoints'

log=$work/full.log
check "openocd init succeeds" [ "$init_rc" -eq 0 ]
check "openocd session exits cleanly" [ "$full_rc" -eq 0 ]
check "probe firmware is the simulated J-Link" has "$log" 'J-Link V11 compiled.*simulated'
check "VTarget 3.300 V" has "$log" 'VTarget = 3\.300 V'
check "DPIDR 0x6ba02477" has "$log" 'SWD DPIDR 0x6ba02477'
check "examination of the Cortex-M33" has "$log" 'Cortex-M33 r[0-9]p[0-9] processor detected'
ap_info() { grep -A3 -- "^AP # $2\$" "$1" | grep -qiE -- "$3"; }
check "dap info 0: AP 0 is a MEM-AP (AHB)" ap_info "$log" 0x0 'Type is MEM-AP AHB'
check "dap info 4: CTRL-AP IDR 0x12880000" ap_info "$log" 0x4 'AP ID register 0x12880000'
check "FICR SIPINFO.PARTNO = 0x9160" has "$log" '0x00ff0140: 00009160'
check "halt" has "$log" 'STATE-AFTER-HALT halted'
check "64 KB RAM written and read back identical" cmp -s "$work/ram.bin" "$work/ram.out"
check "resume: core runs a 'b .' loop placed in RAM" has "$log" 'STATE-AFTER-RESUME running'
check "halt again: PC inside the loop" has "$log" 'PC-AFTER-RUN 0x2001000[02]'
check "counters file written" test -s "$work/full.counters"
check "WAIT storm: OpenOCD decodes the ACK as WAIT" has "$work/wait.log" 'SWD ack not OK: 2 WAIT'
check "WAIT storm: the board counted the WAIT (swd_waits=${waits:-none})" [ "${waits:-0}" -ge 1 ]
"$nrfsim" show "$NRFSIM_STATE_DIR" >"$work/show.txt" 2>&1
check "nrfsim show lists the board" has "$work/show.txt" "^probe 000$serial"
check "nrfsim show: part nRF9160, flash erased" \
	sh -c "grep -q 'part: *nRF9160' '$work/show.txt' && grep -q 'fully erased' '$work/show.txt'"

if [ "$fail" -ne 0 ]; then
	echo "---- openocd log ----"
	cat "$log"
fi
if [ -s "$work/full.counters" ] && [ -s "$work/init.counters" ]; then
	# The second session minus the first = the 64 KB RAM write + read, plus
	# dap info, one mdw and halt/resume (a few hundred bytes).
	awk -F= 'NR == FNR { base[$1] = $2; next }
		$1 ~ /^(usb_out_transfers|usb_in_transfers|usb_out_bytes|usb_in_bytes|swd_io_commands|swd_bits|swd_transactions|ap_bytes|busy_ns)$/ {
			printf "figure: %s init-only=%s full=%s delta=%s\n", $1, base[$1], $2, $2 - base[$1] }' \
		"$work/init.counters" "$work/full.counters"
fi
finish
