#!/usr/bin/env bash
# Integration tests of `nrfcred hex` and `nrfcred provision -o`: the real
# binary against hex files made by srec_cat and by python intelhex; the
# patched table is read back with intelhex and compared with an encoding made
# independently in provision_helper.py.
set -u
build=${NRFCRED_BUILD_ROOT:?set NRFCRED_BUILD_ROOT}
src=${NRFCRED_SOURCE_ROOT:?set NRFCRED_SOURCE_ROOT}
nrfcred="$build/nrfcred"
py=/usr/bin/python3
helper="$src/tests/integration/provision_helper.py"
data="$src/tests/data/provision"
work=$(mktemp -d "${TMPDIR:-/tmp}/nrfcred-cli-XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work" || exit 1

pass=0 fail=0
ok() { pass=$((pass + 1)); echo "ok   $1"; }
bad() { fail=$((fail + 1)); echo "FAIL $1"; [ -n "${2:-}" ] && printf '     %s\n' "$2"; }
check() { # name, command...
	local name=$1; shift
	if "$@"; then ok "$name"; else bad "$name"; fi
}
# run NAME EXPECTED_RC -- args...: runs nrfcred, keeps stdout/stderr in out/err
run() {
	local name=$1 want=$2; shift 3
	"$nrfcred" "$@" >out 2>err
	local rc=$?
	if [ "$rc" -eq "$want" ]; then ok "$name (exit $rc)"; else
		bad "$name (exit $rc, want $want)" "$(head -c 600 err)"; fi
}

$py "$helper" mkprov prov.hex || { echo "0 passed, 1 failed"; exit 1; }
psk_text=CAFEBABE0123456789ABCDEF
ident=nrf-490154203237518

# ---- global options and help
run "version" 0 -- --version
check "version names the version" grep -q '^nrfcred [0-9]' out
run "help" 0 -- --help
check "help lists provision and hex" grep -q 'provision' out
check "help names the environment variables" \
	bash -c "grep -q NRFCRED_PROVISIONER out && grep -q NRFCRED_KEY_PASSPHRASE out"
run "help hex" 0 -- help hex
check "hex help documents exit codes" grep -qi 'exit codes' out
run "provision --help" 0 -- provision --help
for flag in --in_file --out_file --fw_delay --serial_number --sec_tag --psk --psk_ident \
	--CA_cert --client_cert --client_private_key --imei_only --program_app --replace \
	--key-passphrase --provisioner; do
	grep -q -- "$flag" out || bad "provision help lacks $flag"
done
ok "provision help names every flag"
run "unknown command" 2 -- frobnicate
run "psk without sec_tag is a usage error" 2 -- provision --provisioner prov.hex --psk 00 -o x.hex
run "imei_only with credentials is a usage error" 2 -- provision --imei_only --sec_tag 1 --psk 00 -o x.hex
run "bad sec_tag is a usage error" 2 -- provision --sec_tag 12a --psk 00 -o x.hex

# ---- hex info on a file srec_cat made (two segments)
srec_cat -generate 0x0 0x300 -repeat-string 'nrfcred hex info test ' \
	-generate 0x8000 0x8010 -constant 0x5a -o srec.hex -intel >/dev/null 2>&1 ||
	bad "srec_cat could not make a hex"
run "hex info on srec_cat output" 0 -- hex info srec.hex
expect=$($py - <<'PY'
import hashlib, zlib
from intelhex import IntelHex
ih = IntelHex("srec.hex")
segs = ih.segments()
data = b"".join(ih.tobinstr(start=s, end=e - 1) for s, e in segs)
for s, e in segs:
    print("  0x%08x  0x%08x  %d" % (s, e, e - s))
print("total bytes:     %d" % len(data))
print("crc32:           0x%08x" % (zlib.crc32(data) & 0xFFFFFFFF))
print("sha256:          %s" % hashlib.sha256(data).hexdigest())
PY
)
got=$(grep -E '^  0x|^total|^crc32|^sha256' out)
if [ "$got" = "$expect" ]; then ok "hex info segments, size, CRC-32, SHA-256 match intelhex"; else
	bad "hex info differs from intelhex" "$(diff <(echo "$expect") <(echo "$got") | head -8)"; fi
run "hex show on a hex without manifest fails" 3 -- hex show srec.hex
check "hex show names the missing manifest" grep -q 'no provisioning manifest' err

# ---- provision -o with PSK + identity
run "hex show on the plain provisioner" 0 -- hex show prov.hex
check "plain provisioner has an erased table area" grep -q 'table area erased (no credentials)' out
run "provision -o with PSK and identity" 0 -- provision --provisioner prov.hex --sec_tag 1234 \
	--psk "$psk_text" --psk_ident "$ident" -o psk.hex
check "summary on stderr has fingerprints, not the PSK" \
	bash -c "grep -q sha256 err && ! grep -qi '$psk_text' err"
psk_digest=$(printf '%s' "$psk_text" | tr A-F a-f | sha256sum | cut -c1-64)
check "summary: the identity's SHA-256, none of the PSK's" \
	bash -c "grep -q 'PSK identity .* sha256 [0-9a-f]\{64\}' err && grep -q 'PSK .*secret: no digest shown' err && ! grep -q '$psk_digest' err"
want=$($py "$helper" expect "1234:3:$(echo "$psk_text" | tr A-F a-f)" "1234:4:$ident")
got=$($py "$helper" table-area psk.hex)
if [ -n "$want" ] && [ "$got" = "$want" ]; then ok "table bytes read back by intelhex match"; else
	bad "table bytes differ" "want ${want:0:80}... got ${got:0:80}..."; fi
check "file with a PSK has mode 0600" test "$($py "$helper" mode psk.hex)" = 0600
check "result area stays erased" $py - <<'PY'
from intelhex import IntelHex
ih = IntelHex("psk.hex")
raise SystemExit(any(0x11000 <= a < 0x12000 for a in ih.addresses()))
PY
check "start address kept" $py -c "
from intelhex import IntelHex
raise SystemExit(IntelHex('psk.hex').start_addr != {'EIP': 0x201})"
check "code bytes unchanged" $py -c "
from intelhex import IntelHex
a, b = IntelHex('prov.hex'), IntelHex('psk.hex')
raise SystemExit(a.tobinstr(start=0, end=0x1fff) != b.tobinstr(start=0, end=0x1fff))"

# ---- chaining with -i: a CA certificate on another sec_tag
run "provision -i adds a CA cert on another sec_tag" 0 -- provision -i psk.hex --sec_tag 3456 \
	--CA_cert "$data/ca.pem" -o chain.hex
want=$($py "$helper" expect "1234:3:$(echo "$psk_text" | tr A-F a-f)" "1234:4:$ident" \
	"3456:0:@$data/ca.pem")
got=$($py "$helper" table-area chain.hex)
if [ "$got" = "$want" ]; then ok "chained table holds all three entries in order"; else
	bad "chained table differs" "want ${want:0:80}... got ${got:0:80}..."; fi
run "hex show on the chained file" 0 -- hex show chain.hex
check "hex show lists three credentials" test "$(grep -c '^  sec_tag' out)" -eq 3
check "hex show names the CA certificate on 3456" grep -q 'sec_tag 3456 .*CA certificate' out
check "hex show never prints the PSK" bash -c "! grep -qi '$psk_text' out"
check "hex show never prints the PSK's SHA-256" bash -c "! grep -q '$psk_digest' out"
check "hex show never prints PEM content" bash -c "! grep -q -- '-----BEGIN' out && ! grep -q '$(sed -n 2p "$data/ca.pem" | cut -c1-20)' out"

# ---- duplicates
run "duplicate (sec_tag, type) is refused" 3 -- provision -i chain.hex --sec_tag 1234 --psk 00ff \
	-o dup.hex
check "refusal suggests --replace" grep -q -- '--replace' err
check "refused run wrote no file" test ! -e dup.hex
run "--replace replaces the PSK" 0 -- provision -i chain.hex --sec_tag 1234 --psk 00ff --replace \
	-o dup.hex
want=$($py "$helper" expect "1234:3:00ff" "1234:4:$ident" "3456:0:@$data/ca.pem")
got=$($py "$helper" table-area dup.hex)
if [ "$got" = "$want" ]; then ok "replaced entry keeps its place"; else bad "replace result differs"; fi

# ---- client certificate + key; modes
run "CA cert only" 0 -- provision --provisioner prov.hex --sec_tag 7 --CA_cert "$data/ca.pem" \
	-o ca.hex
check "file without a secret has mode 0644" test "$($py "$helper" mode ca.hex)" = 0644
run "client cert and key" 0 -- provision --provisioner prov.hex --sec_tag 8 \
	--client_cert "$data/client.pem" --client_private_key "$data/client.key" -o key.hex
check "file with a private key has mode 0600" test "$($py "$helper" mode key.hex)" = 0600
run "hex show on the key file" 0 -- hex show key.hex
check "hex show never prints the key" bash -c "! grep -q '$(sed -n 2p "$data/client.key" | cut -c1-24)' out && ! grep -q 'PRIVATE KEY-----' out"
run "key that does not match the certificate is refused" 3 -- provision --provisioner prov.hex \
	--sec_tag 9 --client_cert "$data/ca.pem" --client_private_key "$data/client.key" -o x.hex

# ---- encrypted private key: passphrase from the environment or from stdin
if openssl ec -in "$data/client.key" -aes256 -passout pass:pw-4711 -out enc.key 2>/dev/null; then
	NRFCRED_KEY_PASSPHRASE=pw-4711 run "encrypted key with NRFCRED_KEY_PASSPHRASE" 0 -- \
		provision --provisioner prov.hex --sec_tag 8 --client_cert "$data/client.pem" \
		--client_private_key enc.key -o enc.hex
	check "passphrase never printed" bash -c "! grep -q pw-4711 out err"
	check "decrypted key gives the same table as the plain key" \
		test "$($py "$helper" table-area enc.hex)" = "$($py "$helper" table-area key.hex)"
	echo pw-4711 | "$nrfcred" provision --provisioner prov.hex --sec_tag 8 \
		--client_cert "$data/client.pem" --client_private_key enc.key --key-passphrase - \
		-o enc2.hex >out 2>err
	check "passphrase read from stdin with --key-passphrase -" test $? -eq 0
	NRFCRED_KEY_PASSPHRASE=wrong run "wrong passphrase is an input error" 3 -- provision \
		--provisioner prov.hex --sec_tag 8 --client_private_key enc.key -o x.hex
	run "encrypted key without passphrase is an input error" 3 -- provision \
		--provisioner prov.hex --sec_tag 8 --client_private_key enc.key -o x.hex
else
	bad "openssl could not encrypt the test key"
fi

# ---- errors
NRFCRED_PROVISIONER='' run "missing provisioner is named" 3 -- provision --provisioner nope.hex \
	--sec_tag 1 --psk 00 -o x.hex
check "missing provisioner message says not found" grep -q 'nope.hex: provisioning firmware not found' err
printf ':0400000001020304F3\n:00000001FF\n' > badsum.hex
run "bad hex checksum names the line" 3 -- provision --provisioner badsum.hex --sec_tag 1 --psk 00 -o x.hex
check "error has file:line" grep -q 'badsum.hex:1:' err
run "missing credential file" 3 -- provision --provisioner prov.hex --sec_tag 1 --CA_cert nope.pem -o x.hex
check "missing credential file says what to do" grep -q "nope.pem.*; check the path" err
run "unwritable -o names the reason" 3 -- provision --provisioner prov.hex --sec_tag 1 --psk 00 \
	-o no/such/dir/x.hex
check "unwritable -o error gives errno text" grep -q 'no/such/dir/x.hex: cannot write: No such file or directory; ' err
printf 'x\n' > nocolon.hex
run "hex without start code" 3 -- hex info nocolon.hex
check "hex error says the reason once, with file:line and a hint" \
	test "$(grep -c "nocolon.hex:1: record does not start with ':'; is this an Intel HEX" err)" -eq 1

# ---- -o never replaces a file unless --force
run "-o of a new file" 0 -- provision --provisioner prov.hex --sec_tag 1 --psk 00 -o kept.hex
cp kept.hex kept.before
run "-o refuses an existing file" 3 -- provision --provisioner prov.hex --sec_tag 1 --psk 11 \
	-o kept.hex
check "refusal names the file and what to do" \
	grep -q 'kept.hex: exists; nothing written. .*--force to replace it' err
check "refused -o left the file byte for byte" cmp -s kept.hex kept.before
run "--force replaces it" 0 -- provision --provisioner prov.hex --sec_tag 1 --psk 11 \
	-o kept.hex --force
check "--force wrote the new table" test "$($py "$helper" table-area kept.hex)" = \
	"$($py "$helper" expect "1:3:11")"
run "--force without -o is a usage error" 2 -- provision --provisioner prov.hex --sec_tag 1 \
	--psk 00 --force

"$nrfcred" provision --provisioner prov.hex --sec_tag 1 --psk 00 -o /dev/stdout 2>err | cat >out
rc=${PIPESTATUS[0]}
check "-o /dev/stdout into a pipe succeeds (no fsync/chmod on a pipe)" test "$rc" -eq 0
check "-o /dev/stdout writes the whole hex into the pipe" test "$(tail -n 1 out)" = ':00000001FF'
check "-o /dev/stdout claims no file mode" grep -qx 'nrfcred: wrote /dev/stdout' err

# ---- the old tool's README invocations, verbatim but for -o on the second
cp "$data/ca.pem" ca_file.crt
NRFCRED_PROVISIONER=$PWD/prov.hex run "README: PSK and identity to multi_cred.hex" 0 -- provision \
	--sec_tag 1234 --psk_ident nrf-123456789012345 --psk CAFEBABE -o multi_cred.hex
NRFCRED_PROVISIONER=$PWD/prov.hex run "README: CA cert added with -i multi_cred.hex" 0 -- provision \
	--sec_tag 3456 -i multi_cred.hex --CA_cert ca_file.crt -o out.hex
want=$($py "$helper" expect "1234:3:cafebabe" "1234:4:nrf-123456789012345" "3456:0:@$data/ca.pem")
check "README: out.hex holds the three credentials" test "$($py "$helper" table-area out.hex)" = "$want"
check "README: out.hex keeps mode 0600 (it carries the PSK)" test "$($py "$helper" mode out.hex)" = 0600

# ---- the real provisioning firmware (firmware/sim), when this build has it
fw="$build/firmware/sim/provisioner-sim.hex"
if [ -f "$fw" ]; then
	NRFCRED_PROVISIONER='' run "real firmware: hex show" 0 -- hex show "$fw"
	check "real firmware: table area erased" grep -q 'table area erased' out
	NRFCRED_PROVISIONER='' run "no provisioner named: refused (no default)" 2 -- provision \
		--sec_tag 5 --psk "$psk_text" --psk_ident "$ident" -o real.hex
	check "no provisioner: the error says how to name one" \
		grep -q 'no provisioning firmware: name it with --provisioner FILE.hex or NRFCRED_PROVISIONER' err
	check "no provisioner: nothing written" test ! -e real.hex
	NRFCRED_PROVISIONER='' run "real firmware named with --provisioner" 0 -- provision \
		--provisioner "$fw" --sec_tag 5 --psk "$psk_text" --psk_ident "$ident" -o real.hex
	check "real firmware: a simulator build is said on stderr" \
		grep -q 'a simulator build of the provisioner' err
	run "real firmware: hex show names the simulator build" 0 -- hex show "$fw"
	check "real firmware: hex show says simulator build" grep -q '^build: *simulator' out
	run "real firmware: hex show after patching" 0 -- hex show real.hex
	check "real firmware: two credentials listed" test "$(grep -c '^  sec_tag 5 ' out)" -eq 2
else
	echo "skip real firmware checks ($fw not built)"
fi

# ---- the board path without a board
"$nrfcred" provision --provisioner prov.hex --sec_tag 1 --psk 00 >out 2>err
rc=$?
if [ "$rc" -eq 6 ] || [ "$rc" -eq 4 ]; then ok "without -o and without a board: exit $rc"; else
	bad "without -o: exit $rc, want 4 (no probe) or 6 (not available)" "$(head -c 300 err)"; fi

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
