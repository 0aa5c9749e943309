#!/usr/bin/env bash
# The provisioning firmware (firmware/sim) on the emulated core and modem,
# driven by the real host stack: nrfcred provision -> libjaylink -> the
# simulated J-Link -> board -> Unicorn -> firmware -> modem, and back.
# Pass path (5 credentials, digests in the modem store), a CME error on one
# credential, a hung modem, an IMEI-only run.
set -u
src=${NRFCRED_SOURCE_ROOT:?run through meson test}
build=${NRFCRED_BUILD_ROOT:?run through meson test}
nrfcred=$build/nrfcred
nrfsim=$build/tools/sim/nrfsim
cred=$src/tests/data/cred
tmp=$(mktemp -d "${TMPDIR:-/tmp}/nrfcred-fwsim.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
. "$(dirname "${BASH_SOURCE[0]}")/check.sh"

cat >"$tmp/sim.ini" <<'INI'
[sim]
timing = fast

[probe 1]
serial = 000260000001
imei = 352656100367872

[probe 2]
serial = 000260000002
fault_modem_error = 16842753,3,515

[probe 3]
serial = 000260000003
fault_firmware_hang = yes
INI
sim() { NRFSIM_STATE_DIR="$tmp/state" "$nrfsim" run "$tmp/sim.ini" -- "$@"; }
five=(--sec_tag 16842753 --CA_cert "$cred/ca-ec.pem" --client_cert "$cred/client-ec.pem"
  --client_private_key "$cred/client-ec.key" --psk CAFEBABE0011 --psk_ident dev-1)

sim "$nrfcred" provision -s 000260000001 "${five[@]}" >"$tmp/out1" 2>"$tmp/err1"
rc=$?
check "5 credentials: exit 0" [ "$rc" -eq 0 ]
check "5 credentials: PASS with the scenario's IMEI" grep -q "PASS imei 352656100367872" "$tmp/err1"
"$nrfsim" show "$tmp/state" >"$tmp/show" 2>&1
# The digests the host computed for its table are the ones the modem stores
# (nrfsim show lists one row per credential: sec_tag, type, ..., sha256).
check "nrfsim show: the modem holds the 5 credentials the host sent" /usr/bin/python3 - "$tmp/err1" "$tmp/show" <<'PY'
import re, sys
err = open(sys.argv[1]).read()
# Certificates and the identity with their SHA-256; the key and the PSK
# without one (no digest of a secret is printed).
host = set(re.findall(r"bytes +sha256 ([0-9a-f]{64})", err))
secret = len(re.findall(r"bytes +secret: no digest shown", err))
show = open(sys.argv[2]).read().split("probe 000260000002")[0]
rows = re.findall(r"^\s*16842753\s+\d.*\b([0-9a-f]{64})\s*$", show, re.M)
# The private key's row shows its public point, never a digest of the key.
key = re.findall(r"^\s*16842753\s+2\s.*secret: no digest shown; public key 04[0-9a-f]{128}$", show, re.M)
assert len(host) == 3 and secret == 2 and len(rows) == 4 and len(key) == 1 and host <= set(rows), (host, secret, rows, key)
PY
check "no secret in the output" bash -c "! grep -q -e 'PRIVATE KEY' -e CAFEBABE0011 '$tmp/err1' '$tmp/out1'"

sim "$nrfcred" provision -s 000260000002 -d 10 "${five[@]}" >/dev/null 2>"$tmp/err2"
rc=$?
check "CME error: exit 5" [ "$rc" -eq 5 ]
check "CME error: status 13 at the PSK entry with modem code 515" \
  grep -q "firmware status 13 .* entry 3 (sec_tag 16842753, PSK), modem code 515" "$tmp/err2"

sim "$nrfcred" provision -s 000260000003 -d 3 "${five[@]}" >/dev/null 2>"$tmp/err3"
rc=$?
check "hung modem: exit 5" [ "$rc" -eq 5 ]
check "hung modem: result timeout" grep -q "no result from the firmware within 3" "$tmp/err3"

sim "$nrfcred" provision -s 000260000001 --imei_only >"$tmp/out4" 2>"$tmp/err4"
rc=$?
check "IMEI only: exit 0 and prints the IMEI" grep -qx "352656100367872" "$tmp/out4"
check "IMEI only: exit code 0" [ "$rc" -eq 0 ]

finish
