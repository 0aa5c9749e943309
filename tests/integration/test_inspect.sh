#!/usr/bin/env bash
# nrfcred inspect through the real libjaylink and the simulator: blank and
# protected nRF9160 / nRF91x1, an empty slot, a board with a known image
# (used-byte count and range), probe selection, JSON, and that it is read
# only: the board state file is byte-identical afterwards, the NVMC did
# nothing, and the SWD trace shows no write but DP ABORT/SELECT/CTRL-STAT and
# AHB-AP CSW/TAR.
set -u
src=${NRFCRED_SOURCE_ROOT:?run through meson test}
build=${NRFCRED_BUILD_ROOT:?run through meson test}
nrfcred=$build/nrfcred
nrfsim=$build/tools/sim/nrfsim
driver=$build/tests/integration/nrf91_driver
py=/usr/bin/python3
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"
work=$(mktemp -d "${TMPDIR:-/tmp}/nrfcred-inspect.XXXXXX")
trap 'rm -rf "$work"' EXIT
export NRFSIM_STATE_DIR=$work/state
scenario=$work/inspect.ini
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
part = nRF9160
INI
locked_note='AHB-AP locked by APPROTECT: FICR/UICR/flash not readable; `approtect = recover` would erase the chip'

sim() { timeout 120 "$nrfsim" run "$scenario" -- "$@"; }
# inspect SERIAL OUT [ARGS...]: runs nrfcred inspect; the exit code is in $rc.
inspect() {
  local serial=$1 out=$2
  shift 2
  sim "$nrfcred" inspect -s "$serial" "$@" >"$out" 2>"$out.err"
  rc=$?
}
has() { grep -qF -- "$2" "$1"; }
field() { sed -n "s/^$2: *//p" "$1"; }

# ---- usage and help
"$nrfcred" --help >"$work/help" 2>&1
check "nrfcred --help lists inspect" grep -q '^  inspect ' "$work/help"
"$nrfcred" help inspect >"$work/ihelp" 2>&1
check "help inspect: exit 0, says read only, lists the options and exit codes" \
  bash -c "grep -q 'Read only' '$work/ihelp' && grep -q -- '--json' '$work/ihelp' && grep -q -- '--speed KHZ' '$work/ihelp' && grep -q 'Exit codes' '$work/ihelp'"
"$nrfcred" inspect --speed 0 >/dev/null 2>"$work/e"
check "--speed 0: usage error (exit 2)" [ $? -eq 2 ]
"$nrfcred" inspect -s 12x >/dev/null 2>"$work/e"
check "-s 12x: usage error (exit 2)" [ $? -eq 2 ]
"$nrfcred" inspect extra >/dev/null 2>"$work/e"
check "stray argument: usage error (exit 2)" [ $? -eq 2 ]

# ---- probe selection
sim "$nrfcred" inspect >"$work/multi" 2>"$work/multi.err"
rc=$?
check "7 probes and no -s: refuses (exit 2)" [ "$rc" -eq 2 ]
check "... and lists every probe" [ "$(grep -cE '^  26000000[1-7] ' "$work/multi.err")" -eq 7 ]
check "... and prints nothing on stdout" [ ! -s "$work/multi" ]
inspect 260000099 "$work/none"
check "-s of a probe that is not attached: exit 4" [ "$rc" -eq 4 ]
check "... names the serial" has "$work/none.err" "no J-Link with serial 260000099"

# ---- blank nRF9160: everything readable
inspect 000260000001 "$work/b9160" --trace "$work/b9160.trace"
check "blank nRF9160: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$work/b9160" "$work/b9160.err"
check "probe, firmware, VTref printed" bash -c "
  grep -q '^probe: *260000001$' '$work/b9160' &&
  grep -q '^firmware: *J-Link V11' '$work/b9160' && grep -q '^vtref: *3.300 V$' '$work/b9160'"
check "DPIDR 0x6ba02477, TARGETID (Nordic, rev 2), DLPIDR" bash -c "
  grep -q '^dpidr: *0x6ba02477  (Arm SW-DP, version 2' '$work/b9160' &&
  grep -q '^targetid: *0x20090289  (designer 0x144 Nordic' '$work/b9160' &&
  grep -q '^dlpidr: *0x00000001$' '$work/b9160'"
check "CTRL-AP IDR, APPROTECT.STATUS 3 (open), ERASEPROTECT off" bash -c "
  grep -q '^ctrlap_idr: *0x12880000  (nRF91 CTRL-AP)' '$work/b9160' &&
  grep -q '^approtect_status: *0x00000003  (APPROTECT not protected, SECUREAPPROTECT not protected)' '$work/b9160' &&
  grep -q '^eraseprotect_status: *0x00000001  (erase protection off)' '$work/b9160'"
check "AHB-AP open (DeviceEn 1)" bash -c "grep -q '^ahb_ap: *open$' '$work/b9160' && grep -q 'DeviceEn 1' '$work/b9160'"
check "FICR: part, variant, hwrevision, device id, sizes" bash -c "
  grep -q '^part: *nRF9160  (SIPINFO.PARTNO 0x00009160)' '$work/b9160' &&
  grep -q '^variant: *SICA ' '$work/b9160' && grep -q '^hwrevision: *B1A ' '$work/b9160' &&
  grep -qE '^device_id: *[0-9a-f]{16}$' '$work/b9160' &&
  grep -q '^flash_kb: *1024$' '$work/b9160' && grep -q '^ram_kb: *256$' '$work/b9160'"
check "UICR: APPROTECT, SECUREAPPROTECT, ERASEPROTECT, HFXOSRC, HFXOCNT erased" bash -c "
  for k in uicr_approtect uicr_secureapprotect uicr_eraseprotect uicr_hfxosrc uicr_hfxocnt; do
    grep -q \"^\$k: *0xffffffff  (erased\" '$work/b9160' || exit 1; done"
check "flash: blank, 1 MB read" has "$work/b9160" "flash:                 blank (1048576 bytes read, all 0xFF)"
check "no locked note on an open part" bash -c "! grep -q '^note:' '$work/b9160'"
check "trace file is mode 0600" [ "$(stat -c %a "$work/b9160.trace")" = 600 ]
check "trace: only DP ABORT/SELECT/CTRL-STAT and AP0 CSW/TAR are written (read only)" \
  "$py" - "$work/b9160.trace" <<'PY'
import sys
writes, reads = set(), 0
for line in open(sys.argv[1]):
    f = line.split()
    if line.startswith("#") or len(f) < 5 or f[1] == "IDLE":
        continue
    if f[2] == "W":
        writes.add((f[1], f[3]))
    else:
        reads += 1
allowed = {("DP", "ABORT"), ("DP", "SELECT"), ("DP", "CTRL/STAT"), ("AP0", "CSW"), ("AP0", "TAR")}
assert writes and writes <= allowed, writes - allowed
assert ("AP0", "TAR") in writes and reads > 262144, reads  # the whole flash was read
PY
check "trace: flash data redacted, FICR printed" bash -c "
  grep -q 'R RDBUFF  *0x00009160 OK  *<- AP0 DRW @0x00ff0140' '$work/b9160.trace' &&
  grep -q 'R DRW  *<redacted> OK  *@0x00000100' '$work/b9160.trace'"

# ---- blank nRF9151 / nRF9161: locked after reset (hardened APPROTECT,
# docs/hardware/nrf91.md 4.2). inspect reports it, reads no FICR, exit 0.
for n in 2 3; do
  inspect 26000000$n "$work/b$n"
  check "blank nRF91x1 (probe $n): exit 0" [ "$rc" -eq 0 ]
  check "blank nRF91x1 (probe $n) locked: APPROTECT.STATUS 0, note, no FICR" bash -c "
    grep -q '^ahb_ap: *locked' '$work/b$n' &&
    grep -qE '^approtect_status: *0x00000000 ' '$work/b$n' &&
    grep -qF 'note:                  $locked_note' '$work/b$n' && ! grep -q '^part:' '$work/b$n'"
  check "blank nRF91x1 (probe $n): TARGETID still read (DP, not AHB-AP)" \
    grep -q '^targetid: *0x30090289' "$work/b$n"
done

# ---- protected parts: locked, reported, exit 0, nothing recovered
for n in 4 5; do
  before=$(sha256sum "$NRFSIM_STATE_DIR/00026000000$n.board" 2>/dev/null)
  inspect 26000000$n "$work/p$n"
  check "protected board $n: exit 0" [ "$rc" -eq 0 ]
  # SECUREAPPROTECT (bit 1) stays open on the nRF9160 (erased UICR); on an
  # nRF91x1 a hardened simulator also reports it protected (0x0).
  check "protected board $n: APPROTECT.STATUS says protected, AHB-AP locked with the note" bash -c "
    grep -qE '^approtect_status: *0x0000000[02]  \(APPROTECT PROTECTED' '$work/p$n' &&
    { [ $n -ne 4 ] || grep -q '^approtect_status: *0x00000002 ' '$work/p$n'; } &&
    grep -q '^ahb_ap: *locked$' '$work/p$n' && grep -qF 'note:                  $locked_note' '$work/p$n' &&
    grep -q 'CSW.DeviceEn = 0' '$work/p$n'"
  check "protected board $n: still reads DPIDR and CTRL-AP; no FICR, UICR, flash" bash -c "
    grep -q '^dpidr: *0x6ba02477' '$work/p$n' && grep -q '^ctrlap_idr: *0x12880000' '$work/p$n' &&
    ! grep -qE '^(part|uicr_approtect|flash):' '$work/p$n'"
  sim "$nrfcred" inspect -s 26000000$n --json >"$work/p$n.json" 2>/dev/null
  check "protected board $n --json: ahb_ap locked, FICR fields null/empty" "$py" - "$work/p$n.json" "$locked_note" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ahb_ap"] == "locked" and d["note"] == sys.argv[2], d
assert d["approtect_status"] in ("0x00000002", "0x00000000") and d["dpidr"] == "0x6ba02477", d
assert d["part"] == "" and d["flash_used_bytes"] is None and d["uicr_approtect"] is None, d
PY
  after=$(sha256sum "$NRFSIM_STATE_DIR/00026000000$n.board")
  check "protected board $n: board state unchanged (not recovered)" [ "$before" = "$after" ]
  check "protected board $n: still protected afterwards" bash -c \
    "'$nrfsim' show '$NRFSIM_STATE_DIR' | grep -A8 '^probe 00026000000$n' | grep -q '^  APPROTECT: *enabled'"
done

# ---- empty slot: VTref 0, no ACK, exit 4
inspect 260000006 "$work/absent"
check "empty slot: exit 4" [ "$rc" -eq 4 ]
check "empty slot: VTref 0 with the hint, no target" bash -c "
  grep -q '^vtref: *0.000 V  (board not powered' '$work/absent' &&
  grep -q '^dpidr: *none: no target' '$work/absent'"

# ---- a board with a known image: used bytes counted, range, read only
"$py" - "$work/img.hex" <<'PY'
import sys
from intelhex import IntelHex
ih = IntelHex()
ih.puts(0x1000, bytes(i % 251 for i in range(1000)))  # never 0xFF
ih.puts(0x80000, bytes(range(1, 25)))
ih.write_hex_file(sys.argv[1])
PY
sim "$driver" program 260000007 "$work/img.hex" >"$work/prog.log" 2>&1
check "nrf91_driver programmed the image" grep -q '^verified=1' "$work/prog.log"
board7=$NRFSIM_STATE_DIR/000260000007.board
before=$(sha256sum "$board7")
inspect 260000007 "$work/used" --json --trace "$work/used.trace"
check "programmed board: exit 0" [ "$rc" -eq 0 ]
check "programmed board --json: 1024 of 1 MB used, part and UICR read" "$py" - "$work/used" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
assert d["ahb_ap"] == "open" and d["part"] == "nRF9160", d
assert d["flash_bytes"] == 1048576 and d["flash_used_bytes"] == 1024, d
assert d["flash_blank"] is False and d["uicr_approtect"] == "0xffffffff", d
assert d["vtref_mv"] == 3300 and d["probe"] == "260000007" and d["error"] == "", d
PY
inspect 260000007 "$work/used.txt"
check "programmed board text: used bytes and first/last address" \
  has "$work/used.txt" "flash:                 1024 of 1048576 bytes used (not 0xFF), 0x00001000..0x00080017"
after=$(sha256sum "$board7")
check "inspect left the board state byte-identical (flash, UICR, modem store)" [ "$before" = "$after" ]
check "inspect's counters: no NVMC write or erase" bash -c "
  grep -q '^nvmc_words_written=0$' '$NRFSIM_STATE_DIR/000260000007.counters' &&
  grep -q '^nvmc_page_erases=0$' '$NRFSIM_STATE_DIR/000260000007.counters' &&
  grep -q '^nvmc_erase_alls=0$' '$NRFSIM_STATE_DIR/000260000007.counters'"
check "trace of a programmed board: no image word is printed" "$py" - "$work/used.trace" <<'PY'
import sys
text = open(sys.argv[1]).read()
img = bytes(i % 251 for i in range(1000))
for k in range(0, 996, 4):
    w = img[k:k + 4]
    for word in (int.from_bytes(w, "little"), int.from_bytes(w, "big")):
        assert "0x%08x" % word not in text, hex(word)
assert text.count("<redacted>") >= 262144
PY

finish
