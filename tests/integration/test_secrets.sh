#!/usr/bin/env bash
# Secrets go nowhere (issue 12): a PSK of 32 random bytes, a fresh EC key
# (given encrypted, with a random passphrase) and a second passphrase in the
# environment are provisioned through 8-slot station runs (JSON + --trace, the
# dashboard in tmux, --plain with a fingerprint key) and `nrfcred provision`
# (RAM and flash delivery, --trace, -o). Every byte nrfcred printed or wrote
# (stdout, stderr, JSON, CSV, traces, the dashboard screens, a fresh TMPDIR,
# /proc/PID/cmdline and environ of a running nrfcred, core files) is scanned
# for the raw bytes, hex, base64 and SHA-256 of the PSK, the key (DER, PEM,
# private scalar) and the passphrases (secret_scan.py files). A control first
# shows the scanner finding each form in the inputs. SIGABRT and SIGSEGV to a
# running nrfcred under `ulimit -c unlimited` leave no core file, where the
# same signal to an unprotected process here does.
set -u
. "$(dirname "$0")/station_lib.sh"
data=$src/tests/data/provision
prov=$build/firmware/sim/provisioner-sim.hex
w=$tmp/in   # inputs (they hold the secrets; never scanned but by the control)
out=$tmp/out # everything nrfcred printed or wrote
mkdir -p "$w" "$out/tmpdir"
export TMPDIR=$out/tmpdir # a fresh one: nrfcred must leave nothing in it

psk=$("$py" -c 'import os; print(os.urandom(32).hex().upper())')
passphrase=$("$py" -c 'import secrets; print("pw-" + secrets.token_hex(12))')
passphrase_env=$("$py" -c 'import secrets; print("env-" + secrets.token_hex(12))')
ident=secrets-test-id
openssl ecparam -name prime256v1 -genkey -noout -out "$w/key.pem" 2>/dev/null
openssl ec -in "$w/key.pem" -aes256 -passout "pass:$passphrase" -out "$w/enc.pem" 2>/dev/null
check "inputs: a fresh EC key and its encrypted copy" \
  bash -c "grep -q 'BEGIN EC PRIVATE KEY' '$w/key.pem' && grep -q ENCRYPTED '$w/enc.pem'"

# The table as nrfcred stores it (the PEM the modem digests): -o of the key.
"$nrfcred" provision --provisioner "$prov" --sec_tag 11 --client_private_key "$w/key.pem" \
  -o "$w/stored.hex" >"$out/o-stored.out" 2>"$out/o-stored.err"
check "provision -o: the stored table for the scanner" [ -s "$w/stored.hex" ]

scan() { # scan PATH...: prints the hits, fails on any
  "$py" "$src/tests/integration/secret_scan.py" files "$psk" "$w/key.pem" \
    --stored "$w/stored.hex" --text "$passphrase" --text "$passphrase_env" -- "$@"
}
clean() { # clean DESCRIPTION PATH...: one check that no form is in PATHs
  local desc=$1 hits
  shift
  hits=$(scan "$@")
  check "$desc" [ -z "$hits" ]
  [ -z "$hits" ] || sed 's/^/#   /' <<<"$hits" | head -20
}

# ---- control: the scanner finds every kind of form where it is
c=$w/control
mkdir -p "$c"
printf 'value = %s\n' "$psk" >"$c/station-like.ini"
printf '%s' "$psk" | tr A-F a-f | sha256sum >"$c/psk-text.sha256"
printf '%s' "$psk" | "$py" -c 'import sys,base64; print(base64.b64encode(bytes.fromhex(sys.stdin.read())).decode())' >"$c/psk.b64"
openssl ec -in "$w/key.pem" -outform DER 2>/dev/null | sha256sum >"$c/der.sha256"
"$py" -c 'import sys; sys.stdout.write(open(sys.argv[1]).read().replace(chr(10), chr(13) + chr(10)).upper())' "$c/psk-text.sha256" >"$c/upper.sha256"
cp "$w/key.pem" "$c/"
sha256sum "$w/key.pem" >"$c/pem.sha256" # the stored PEM is the file's text: what 0.2's CSV showed
printf 'pass %s\n' "$passphrase" >"$c/pass.txt"
ctl=$(scan "$c")
for form in "station-like.ini: PSK (hex, upper)" "psk-text.sha256: SHA-256 of PSK (hex, lower)" \
  "psk.b64: PSK (base64)" "der.sha256: SHA-256 of key (DER)" "key.pem: key (base64 line 1)" \
  "pem.sha256: SHA-256 of key (PEM as stored)" "upper.sha256: SHA-256 of PSK (hex, lower) (upper)" \
  "pass.txt: text 1"; do
  check "control: the scanner finds $form" grep -qF "$form" <<<"$ctl"
done
nothing=$("$py" "$src/tests/integration/secret_scan.py" files "$psk" "$w/key.pem" -- "$data/ca.pem")
check "control: nothing is found where nothing is (a certificate)" [ -z "$nothing" ]

# ---- the 8-slot fixture: CA cert + key on 11, PSK + identity on 12
# fixture NAME [EXTRA STATION LINE]: inputs in $w/NAME (station.ini holds the
# PSK), outputs in $out/NAME (logs/); sets $i and $d to them.
fixture() {
  i=$w/$1
  d=$out/$1
  mkdir -p "$i" "$d/logs"
  cat >"$i/sim.ini" <<INI
[sim]
timing = fast
probes = 8
[probe 8]
fault_modem_error = 12,3,514
INI
  {
    printf '[station]\nname = sec\nprovisioner = %s\ntimeout = 5\nlog_dir = %s/logs\n' \
      "$prov" "$d"
    [ -n "${2:-}" ] && printf '%s\n' "$2"
    for n in 1 2 3 4 5 6 7 8; do printf '[slot %s]\nprobe = 00026000000%s\n' "$n" "$n"; done
    cat <<INI
[credential ca]
sec_tag = 11
type = ca_cert
file = $data/ca.pem
[credential key]
sec_tag = 11
type = client_key
file = $w/key.pem
[credential psk]
sec_tag = 12
type = psk
value = $psk
[credential id]
sec_tag = 12
type = psk_identity
value = $ident
INI
  } >"$i/station.ini"
}
ca_sha=$(sha256sum <"$data/ca.pem" | cut -c1-64)
cells() { # cells CSV: slot 'result' cred_sha256, one line per row
  "$py" - "$1" <<'PY'
import csv, sys
for r in csv.DictReader(open(sys.argv[1], newline="")):
    print(r["slot"], r["result"], r["cred_sha256"])
PY
}

# ---- station --json --trace DIR
fixture station-json
NRFSIM_STATE_DIR=$tmp/state-json "$nrfsim" run "$i/sim.ini" -- "$nrfcred" station --json \
  --trace "$d/trace" "$i/station.ini" >"$d/stdout.json" 2>"$d/stderr"
rc=$?
check "station --json: exit 5 (slot 8's modem refused the PSK), the others passed" \
  bash -c "[ $rc -eq 5 ] && [ \$(grep -c '\"event\":\"board\".*\"result\":\"pass\"' '$d/stdout.json') -eq 7 ]"
rows=$(cat "$d"/logs/sec-slot*.csv | grep -v '^utc_time' | wc -l)
check "station --json: eight CSV rows, eight traces" \
  bash -c "[ $rows -eq 8 ] && [ \$(ls '$d/trace' | wc -l) -eq 8 ]"
check "CSV: a pass row shows the CA's SHA-256 and modem-verified for the key and the PSK" \
  grep -qx "1 pass $ca_sha;modem-verified;modem-verified;[0-9a-f]\{64\}" <<<"$(cells "$d/logs/sec-slot1.csv")"
check "CSV: the failed row says unverified for both" \
  grep -qx "8 fail $ca_sha;unverified;unverified;[0-9a-f]\{64\}" <<<"$(cells "$d/logs/sec-slot8.csv")"
clean "station --json: stdout (JSON), stderr, CSV and the traces hold no form of a secret" "$d"

# ---- the dashboard, as tmux shows it
if command -v tmux >/dev/null; then
  fixture station-tty
  sock=$tmp/tmux.sock
  cat >"$i/run.sh" <<RUN
#!/usr/bin/env bash
NRFSIM_STATE_DIR='$tmp/state-tty' '$nrfsim' run '$i/sim.ini' -- '$nrfcred' station '$i/station.ini' 2>'$d/stderr'
echo "EXIT=\$?"
sleep 600
RUN
  chmod +x "$i/run.sh"
  TMPDIR=$tmp tmux -S "$sock" new-session -d -s secrets -x 160 -y 30 "$i/run.sh"
  for _ in $(seq 1 600); do
    tmux -S "$sock" capture-pane -p -e -t secrets >>"$d/screens.txt"
    grep -q '^EXIT=' "$d/screens.txt" && break
    sleep 0.1
  done
  tmux -S "$sock" kill-server 2>/dev/null
  check "dashboard: captured frames with the slots, until EXIT=5" \
    bash -c "grep -q '^EXIT=5' '$d/screens.txt' && grep -qE '^ +8 000260000008 ' '$d/screens.txt'"
  clean "dashboard: the captured screens, stderr and CSV hold no form of a secret" "$d"
else
  check "dashboard: tmux is installed" false
fi

# ---- --plain with a fingerprint key: an HMAC, never a digest
fixture station-hmac "fingerprint_key = $w/fp.key"
head -c 32 /dev/urandom >"$w/fp.key"
chmod 644 "$w/fp.key"
"$nrfcred" station --plain "$i/station.ini" >"$d/refused.out" 2>"$d/refused.err"
rc=$?
check "fingerprint key readable by others: exit 3, the file and the fix named" \
  bash -c "[ $rc -eq 3 ] && grep -q '$w/fp.key may be read or written by group or others.*chmod 600' '$d/refused.err'"
chmod 600 "$w/fp.key"
NRFSIM_STATE_DIR=$tmp/state-hmac "$nrfsim" run "$i/sim.ini" -- "$nrfcred" station --plain \
  "$i/station.ini" >"$d/stdout" 2>"$d/stderr"
want=$("$py" - "$w/fp.key" "$w/stored.hex" "$psk" <<'PY'
import hmac, hashlib, os, sys
sys.path.insert(0, os.environ["NRFCRED_SOURCE_ROOT"] + "/tests/integration")
import secret_scan
key = open(sys.argv[1], "rb").read()
mac = lambda b: "hmac-sha256:" + hmac.new(key, b, hashlib.sha256).hexdigest()
print(mac(secret_scan.stored_pem(sys.argv[2])) + ";" + mac(sys.argv[3].lower().encode()))
PY
)
check "CSV with fingerprint_key: the HMAC-SHA-256 of the key and of the PSK (as Python computes it)" \
  grep -qxF "1 pass $ca_sha;$want;$(printf '%s' "$ident" | sha256sum | cut -c1-64)" \
  <<<"$(cells "$d/logs/sec-slot1.csv")"
clean "station --plain with fingerprint_key: stdout, stderr and CSV hold no form of a secret" "$d"

# ---- nrfcred provision: argv and environment of the running process
# The modem never answers: the run waits out -d, long enough to look.
printf '[sim]\ntiming = fast\nprobes = 1\n[probe 1]\nfault_firmware_hang = yes\n' >"$w/hang.ini"
d=$out/provision-proc
mkdir -p "$d"
NRFCRED_KEY_PASSPHRASE=$passphrase_env NRFSIM_STATE_DIR=$tmp/state-proc "$nrfsim" run "$w/hang.ini" -- \
  "$nrfcred" provision -s 260000001 --provisioner "$prov" -d 4 --sec_tag 12 --psk "$psk" \
  --psk_ident "$ident" --CA_cert "$data/ca.pem" --client_private_key "$w/enc.pem" \
  --key-passphrase "$passphrase" --trace "$d/trace" >"$d/stdout" 2>"$d/stderr" &
pid=$!
for _ in $(seq 1 200); do grep -q '^nrfcred: table:' "$d/stderr" 2>/dev/null && break; sleep 0.05; done
cat "/proc/$pid/cmdline" >"$d/cmdline" 2>/dev/null
cat "/proc/$pid/environ" >"$d/environ" 2>/dev/null
cp "/proc/$pid/limits" "$d/limits" 2>/dev/null
wait "$pid"
rc=$?
check "provision (hanging modem): it ran and failed at the timeout (exit 5)" [ "$rc" -eq 5 ]
check "/proc/PID/cmdline read while it ran: still the provision command line" \
  bash -c "tr '\\0' ' ' <'$d/cmdline' | grep -q 'provision -s 260000001 .* --psk  *--psk_ident $ident'"
check "/proc/PID/cmdline: neither the PSK nor the passphrase" \
  bash -c "! grep -qi -e '$psk' -e '$passphrase' '$d/cmdline'"
check "/proc/PID/environ: NRFCRED_KEY_PASSPHRASE's value is gone" \
  bash -c "[ -s '$d/environ' ] && ! grep -q '$passphrase_env' '$d/environ'"
check "/proc/PID/limits: no core file (RLIMIT_CORE 0 0)" \
  grep -qE '^Max core file size +0 +0 ' "$d/limits"
clean "provision (failing): stdout, stderr, trace, cmdline, environ hold no form of a secret" "$d"

# ---- nrfcred provision that passes: RAM delivery, then flash delivery
for delivery in ram flash; do
  d=$out/provision-$delivery
  mkdir -p "$d"
  printf '[sim]\ntiming = fast\nprobes = 1\n' >"$w/one.ini"
  NRFCRED_KEY_PASSPHRASE=$passphrase NRFSIM_STATE_DIR=$tmp/state-$delivery "$nrfsim" run "$w/one.ini" -- \
    "$nrfcred" provision --provisioner "$prov" --delivery "$delivery" --sec_tag 12 \
    --psk "$psk" --psk_ident "$ident" --client_private_key "$w/enc.pem" --trace "$d/trace" \
    >"$d/stdout" 2>"$d/stderr"
  rc=$?
  check "provision --delivery $delivery: exit 0, the IMEI on stdout" \
    bash -c "[ $rc -eq 0 ] && grep -qE '^[0-9]{15}$' '$d/stdout'"
  clean "provision --delivery $delivery: stdout, stderr (table summary), trace hold no form of a secret" "$d"
done

# ---- provision -o: the summary on stderr
d=$out/provision-o
mkdir -p "$d"
"$nrfcred" provision --provisioner "$prov" --sec_tag 12 --psk "$psk" --psk_ident "$ident" \
  --client_private_key "$w/enc.pem" --key-passphrase "$passphrase" -o "$w/o.hex" >"$d/stdout" 2>"$d/stderr"
check "provision -o: the summary names both secrets without a digest" \
  [ "$(grep -c 'secret: no digest shown' "$d/stderr")" -eq 2 ]
clean "provision -o: stdout and stderr hold no form of a secret" "$d"

# ---- core dumps: SIGABRT and SIGSEGV to a running nrfcred
core_pattern=$(cat /proc/sys/kernel/core_pattern)
if [[ $core_pattern == \|* ]]; then
  echo "# core_pattern pipes to a program ($core_pattern): no core file to look for;"
  echo "# RLIMIT_CORE of the running process is checked above"
else
  corectl=$w/core-control
  mkdir -p "$corectl"
  (
    cd "$corectl" && ulimit -c unlimited && "$py" -c 'import time; time.sleep(30)' &
    p=$!
    sleep 0.5
    kill -ABRT "$p"
    wait "$p"
  ) 2>/dev/null
  check "control: SIGABRT leaves a core file here for an unprotected process" \
    bash -c "ls '$corectl' | grep -q '^core'"
  # ASan itself turns core dumps off unless told not to: only nrfcred may.
  # (An ASan build of a plain sleep(30) dumps 20 MB here under these options.)
  d=$out/core-provision
  mkdir -p "$d"
  (
    cd "$d" && ulimit -c unlimited
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:disable_coredump=0" NRFSIM_STATE_DIR=$tmp/state-core \
      "$nrfsim" run "$w/hang.ini" -- "$nrfcred" provision -s 260000001 --provisioner "$prov" \
      -d 20 --sec_tag 12 --psk "$psk" --client_private_key "$w/enc.pem" \
      --key-passphrase "$passphrase" >"$d/stdout" 2>"$d/stderr" &
    p=$!
    for _ in $(seq 1 200); do grep -q '^nrfcred: table:' "$d/stderr" && break; sleep 0.05; done
    sleep 0.3
    kill -ABRT "$p"
    wait "$p"
    echo "rc=$?" >"$d/rc"
  ) 2>/dev/null
  check "provision killed by SIGABRT after loading the secrets (rc 134)" grep -qx 'rc=134' "$d/rc"
  check "provision: no core file" bash -c "! ls '$d' | grep -q '^core'"
  fixture core-station
  printf 'fault_firmware_hang = yes\n' >>"$i/sim.ini"
  sed -i 's/^timeout = 5$/timeout = 60/' "$i/station.ini"
  (
    cd "$d" && ulimit -c unlimited
    ASAN_OPTIONS="${ASAN_OPTIONS:-}:disable_coredump=0" NRFSIM_STATE_DIR=$tmp/state-core8 \
      "$nrfsim" run "$i/sim.ini" -- "$nrfcred" station --json "$i/station.ini" \
      >"$d/stdout" 2>"$d/stderr" &
    p=$!
    for _ in $(seq 1 400); do grep -q '"AWAIT_RESULT"' "$d/stdout" && break; sleep 0.05; done
    kill -SEGV "$p"
    wait "$p"
    echo "rc=$?" >"$d/rc"
  ) 2>/dev/null
  check "station killed by SIGSEGV while a board waits for its result" \
    bash -c "grep -q AWAIT_RESULT '$d/stdout' && ! grep -qx 'rc=0' '$d/rc'"
  check "station: no core file" bash -c "! ls '$d' | grep -q '^core'"
  clean "core runs: whatever they printed holds no form of a secret" "$out/core-provision" "$d"
fi

# ---- what is left anywhere
check "TMPDIR: nrfcred left nothing in it" [ -z "$(ls -A "$TMPDIR")" ]
clean "everything nrfcred printed or wrote, scanned once more as a whole" "$out"
finish
