#!/usr/bin/env bash
# --trace of nrfcred provision and nrfcred station: the real nrfcred, the
# real libjaylink, the simulator and the simulator firmware provision a
# recognisable PSK (A5 C3 ...) and a client key; the trace must hold every
# transaction of the run (the table's NVMC word writes among them, as
# <redacted>) and none of the secret bytes: no 32-bit word of the PSK (binary
# and the hex text the table carries) or of the key (PEM as stored, DER) in
# either byte order, at any alignment.
set -u
. "$(dirname "$0")/station_lib.sh"
data=$src/tests/data/provision
psk=A5C30B30557A9FC4E90E33587DA2C7EC11365B80A5CAEF14395E83A8CDF2173C

d=$tmp/trace
mkdir -p "$d"
cat >"$d/sim.ini" <<'INI'
[sim]
timing = fast
[probe 1]
part = nRF9160
[probe 2]
part = nRF9161
INI

# scan TRACE...: fails (naming the word) when a secret word is printed.
scan() {
  "$py" - "$psk" "$data/client.key" "$d/table.bin" "$@" <<'PY'
import base64, re, sys
psk_hex, key_path, table_path, traces = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4:]
pem = open(key_path, "rb").read()
body = b"".join(l for l in pem.splitlines() if l and not l.startswith(b"-----"))
secrets = {
    "PSK (binary)": bytes.fromhex(psk_hex),
    "PSK (hex text, lower)": psk_hex.lower().encode(),
    "PSK (hex text, upper)": psk_hex.upper().encode(),
    "key (PEM)": pem,
    "key (DER)": base64.b64decode(body),
}
# The bytes as the table carries them (from the -o hex of the same run).
table = open(table_path, "rb").read()
for name in ("key (PEM)", "PSK (hex text, lower)"):
    assert secrets[name] in table or secrets[name].rstrip(b"\n") in table, name
bad = {}
for name, s in secrets.items():
    for k in range(len(s) - 3):
        w = s[k:k + 4]
        if len(set(w)) < 3:  # "----", "AAAA": not specific to the secret
            continue
        for order in ("little", "big"):
            bad["%08x" % int.from_bytes(w, order)] = name
word = re.compile(r"^ *\d+ +(?:DP|AP\d+) +[RW] +\S+ +0x([0-9a-f]{8}) ")
for path in traces:
    text = open(path).read()
    for secret in (psk_hex.lower(), psk_hex.upper(), "PRIVATE KEY", body[:24].decode()):
        assert secret not in text, (path, "text of a secret", secret)
    printed = 0
    for line in text.splitlines():
        m = word.match(line)
        if m:
            printed += 1
            assert m.group(1) not in bad, (path, bad[m.group(1)], line)
    # The loader ring and the mailbox are redacted, the wipe is proven by a
    # CRC: some 900 words stay in clear on a board run; far fewer means the
    # trace lost its words and the scan proves nothing.
    assert printed > 500, (path, "too few data words printed", printed)
print("scanned", len(traces), "traces against", len(bad), "secret words")
PY
}

# covered TRACE ADDR LEN: every non-erased table word was written through
# the trace, as <redacted>, and read back (verify) as <redacted>.
covered() {
  "$py" - "$1" "$2" "$d/table.bin" <<'PY'
import re, sys
path, base, table = sys.argv[1], int(sys.argv[2], 16), open(sys.argv[3], "rb").read()
want = {base + 4 * i for i in range(len(table) // 4) if table[4 * i:4 * i + 4] != b"\xff" * 4}
wrote, read = set(), set()
for line in open(path):
    m = re.search(r" AP0 +([RW]) DRW +(\S+) +OK +@0x([0-9a-f]{8})", line)
    if m and base <= int(m.group(3), 16) < base + len(table):
        assert m.group(2) == "<redacted>", line
        (wrote if m.group(1) == "W" else read).add(int(m.group(3), 16))
assert want and want <= wrote, sorted(want - wrote)[:4]
assert want <= read, sorted(want - read)[:4]
print(len(want), "table words written and read back, all redacted")
PY
}

# covered_by_loader TRACE ADDR: the flash loader (the default flash_method)
# carried the table: its RAM ring is a redacted range, every word written
# into the ring shows as <redacted> and there are at least as many as the
# table has non-erased words; nothing at the table's own addresses goes
# over SWD in the clear. The loader's CRC-32 proves the bytes in flash
# (unit-nrf91-loader), so no table word is read back over SWD.
covered_by_loader() {
  "$py" - "$1" "$2" "$d/table.bin" <<'PY'
import re, sys
path, base, table = sys.argv[1], int(sys.argv[2], 16), open(sys.argv[3], "rb").read()
want = sum(1 for i in range(len(table) // 4) if table[4 * i:4 * i + 4] != b"\xff" * 4)
ring = None
for line in open(path):
    m = re.match(r"# redacted: 0x([0-9a-f]+)\.\.0x([0-9a-f]+) \([0-9]+ bytes\) flash loader ring$", line)
    if m:
        ring = (int(m.group(1), 16), int(m.group(2), 16))
assert ring, "no redacted flash loader ring in the header"
in_ring = 0
for line in open(path):
    m = re.search(r" AP0 +([RW]) DRW +(\S+) +OK +@0x([0-9a-f]{8})", line)
    if not m:
        continue
    a = int(m.group(3), 16)
    if ring[0] <= a <= ring[1] or base <= a < base + len(table):
        assert m.group(2) == "<redacted>", line
        in_ring += m.group(1) == "W" and ring[0] <= a <= ring[1]
assert want and in_ring >= want, (want, in_ring)
print(want, "table words through the redacted loader ring,", in_ring, "ring words written")
PY
}

creds=(--sec_tag 7 --psk "$psk" --psk_ident dev-7 --client_private_key "$data/client.key"
  --client_cert "$data/client.pem")

# The table exactly as it will be programmed: -o of the same credentials.
"$nrfcred" provision "${creds[@]}" -o "$d/patched.hex" 2>"$d/o.err"
table_addr=$(sed -n 's/.* bytes at 0x\([0-9a-f]*\)$/\1/p' "$d/o.err")
table_len=$(sed -n 's/.*credential(s), \([0-9]*\) of .*/\1/p' "$d/o.err")
check "-o wrote the patched hex; the table address and size are known" \
  bash -c "[ -s '$d/patched.hex' ] && [ -n '$table_addr' ] && [ -n '$table_len' ]"
"$py" - "$d/patched.hex" "$table_addr" "$table_len" "$d/table.bin" <<'PY'
import sys
from intelhex import IntelHex
ih, a, n = IntelHex(sys.argv[1]), int(sys.argv[2], 16), int(sys.argv[3])
n = (n + 3) & ~3
open(sys.argv[4], "wb").write(ih.tobinstr(start=a, end=a + n - 1))
PY

# Where the RAM session's TABLE record puts the table: the mailbox's DOWN
# area, after the 24-byte record header.
mbox=$("$nrfcred" hex show "$build/firmware/sim/provisioner-sim.hex" |
  sed -n 's/^session mailbox: *0x\([0-9a-f]*\),.*/\1/p')
check "the simulator provisioner names its session mailbox" [ -n "$mbox" ]
down_table=$(printf '%08x' $((0x$mbox + 0x1000 + 24)))

# ---- nrfcred provision --trace FILE (flash delivery: the table in flash)
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" provision -s 260000001 \
  --delivery flash "${creds[@]}" --trace "$d/first.trace" >"$d/imei.txt" 2>"$d/p.err"
rc=$?
check "provision --trace: exit 0" [ "$rc" -eq 0 ]
[ "$rc" -eq 0 ] || sed 's/^/# /' "$d/p.err" | tail -20
check "provision --trace: the IMEI alone on stdout" grep -qE '^[0-9]{15}$' "$d/imei.txt"
check "trace file: mode 0600" [ "$(stat -c %a "$d/first.trace")" = 600 ]
check "trace header: format, redacted table range, who wrote it" bash -c "
  head -1 '$d/first.trace' | grep -q '^# nrfcred SWD trace, format 1' &&
  grep -q '^# redacted: 0x$table_addr..0x[0-9a-f]* ([0-9]* bytes) credential table$' '$d/first.trace' &&
  grep -q '^# nrfcred .*, provision, slot 1, probe 260000001, started ' '$d/first.trace'"
check "trace: connect, CTRL-AP by name, DP and AP lines with ACKs" bash -c "
  grep -q '# JTAG-to-SWD switch, line reset' '$d/first.trace' &&
  grep -q ' DP   R DPIDR  *0x6ba02477 OK' '$d/first.trace' &&
  grep -q 'R RDBUFF  *0x00000003 OK  *<- AP4 APPROTECT.STATUS' '$d/first.trace' &&
  grep -qE ' AP0  W DRW  *0x[0-9a-f]{8} OK  *@0x(0|20000000)' '$d/first.trace'"
check "trace: every table word through the flash loader, always <redacted>" \
  covered_by_loader "$d/first.trace" "$table_addr"
check "trace: no PSK or key word in either byte order" scan "$d/first.trace"
# The scanner itself: a planted PSK word must be caught.
cp "$d/first.trace" "$d/planted.trace"
echo "      1 AP0  W DRW                 0x300bc3a5 OK     @0x20000000" >>"$d/planted.trace"
if scan "$d/planted.trace" >"$d/planted.out" 2>&1; then caught=no; else caught=yes; fi
check "scanner catches a planted PSK word" bash -c "[ $caught = yes ] && grep -q 'PSK (binary)' '$d/planted.out'"

# ---- the same over the RAM session: the table goes to the mailbox
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" provision -s 260000001 \
  "${creds[@]}" --trace "$d/ram.trace" >/dev/null 2>"$d/ram.err"
check "provision --trace over the RAM session: exit 0" [ $? -eq 0 ]
check "ram trace header: the session mailbox is a redacted range" \
  grep -q "^# redacted: 0x$mbox\.\.0x[0-9a-f]* ([0-9]* bytes) session mailbox$" "$d/ram.trace"
check "ram trace: every table word of the TABLE record written and read back, <redacted>" \
  covered "$d/ram.trace" "$down_table"
check "ram trace: no PSK or key word" scan "$d/ram.trace"

# ---- errors: the trace file cannot be created; -o ignores --trace
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" provision -s 260000001 \
  --imei_only --trace "$d/no/such/dir/t.trace" >/dev/null 2>"$d/e.err"
rc=$?
check "--trace in a missing directory: exit 3, names the file, nothing programmed" bash -c "
  [ $rc -eq 3 ] && grep -q 'no/such/dir/t.trace: cannot write the trace' '$d/e.err' &&
  ! grep -q PROGRAM '$d/e.err'"
ln -s "$d/first.trace" "$d/link.trace"
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" provision -s 260000001 \
  --imei_only --trace "$d/link.trace" >/dev/null 2>"$d/l.err"
check "--trace through a symbolic link: refused (exit 3)" [ $? -eq 3 ]
"$nrfcred" provision "${creds[@]}" -o "$d/x.hex" --trace "$d/x.trace" 2>"$d/x.err"
check "-o with --trace: warning, no trace file" bash -c "
  grep -q -- '--trace is ignored with -o' '$d/x.err' && [ ! -e '$d/x.trace' ]"

# ---- nrfcred station --trace DIR: one file per slot
cat >"$d/station.ini" <<INI
[station]
name = tr
log_dir = $d/logs
[slot 1]
probe = 000260000001
[slot 2]
probe = 000260000002
[credential psk]
sec_tag = 7
type = psk
value = $psk
[credential ident]
sec_tag = 7
type = psk_identity
value = dev-7
[credential key]
sec_tag = 7
type = client_key
file = $data/client.key
[credential cert]
sec_tag = 7
type = client_cert
file = $data/client.pem
INI
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" station --plain \
  --trace "$d/traces" "$d/station.ini" >"$d/s.out" 2>"$d/s.err"
rc=$?
check "station --trace: exit 0, both boards pass" bash -c "
  [ $rc -eq 0 ] && [ \$(grep -c ': PASS imei ' '$d/s.out') -eq 2 ]"
[ "$rc" -eq 0 ] || sed 's/^/# /' "$d/s.out" "$d/s.err" | tail -20
check "station --trace: directory created 0700" [ "$(stat -c %a "$d/traces")" = 700 ]
check "station --trace: exactly DIR/tr-slot1.trace and tr-slot2.trace, mode 0600" bash -c "
  [ \"\$(cd '$d/traces' && ls)\" = \"\$(printf 'tr-slot1.trace\ntr-slot2.trace')\" ] &&
  [ \$(stat -c %a '$d/traces/tr-slot1.trace') = 600 ] && [ \$(stat -c %a '$d/traces/tr-slot2.trace') = 600 ]"
for n in 1 2; do
  f=$d/traces/tr-slot$n.trace
  check "slot $n trace names its slot and probe" grep -q "^# nrfcred .*, tr, slot $n, probe 00026000000$n, started " "$f"
  check "slot $n trace (RAM session): every table word written and verified, <redacted>" covered "$f" "$down_table"
done
check "station traces: no PSK or key word" scan "$d/traces/tr-slot1.trace" "$d/traces/tr-slot2.trace"
check "the two slots' traces differ (each slot writes its own)" \
  bash -c "! cmp -s '$d/traces/tr-slot1.trace' '$d/traces/tr-slot2.trace' &&
           grep -q 'LACA\|0x4143414c' '$d/traces/tr-slot2.trace' && ! grep -q '0x4143414c' '$d/traces/tr-slot1.trace'"
printf 'x' >"$d/notadir"
NRFSIM_STATE_DIR=$d/state "$nrfsim" run "$d/sim.ini" -- "$nrfcred" station --plain \
  --trace "$d/notadir" "$d/station.ini" >"$d/nd.out" 2>"$d/nd.err"
rc=$?
check "station --trace on a file: exit 3, nothing runs" bash -c "
  [ $rc -eq 3 ] && grep -q 'wants a directory' '$d/nd.err' && ! grep -q CONNECT '$d/nd.out'"

finish
