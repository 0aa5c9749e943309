#!/usr/bin/env bash
# The factory database (issue 14) against a real PostgreSQL: tools/test
# starts one (tools/pg-test-server) and names it in NRFCRED_TEST_DATABASE_URL;
# without it this test starts its own. Each part below uses a database of
# its own; the server-stopped parts run a private server they can stop.
# Under CI=true a server that cannot start fails the test, never skips it.
set -uo pipefail
. "$(dirname "$0")/station_lib.sh"
pgtool=$src/tools/pg-test-server

pg_fail() {
  echo "not ok - the test PostgreSQL: $1"
  if [ "${CI:-}" = true ]; then echo "0 passed, 1 failed"; exit 1; fi
  echo "# skipped: no PostgreSQL (install with tools/deps)"; exit 77
}

own_servers=()
cleanup() {
  for d in "${own_servers[@]}"; do "$pgtool" stop "$d" >/dev/null 2>&1 || true; done
  [ -n "${NRFCRED_TEST_KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 143' TERM # meson's timeout: still stop the servers
trap 'exit 130' INT

# start_server DIR: a private server; prints its URL. It runs in $(...), a
# subshell: the caller registers DIR in own_servers first, for cleanup.
start_server() {
  "$pgtool" start "$1" 2>"$tmp/pg-start.err" || { cat "$tmp/pg-start.err" >&2; return 1; }
}

base=${NRFCRED_TEST_DATABASE_URL:-}
if [ -z "$base" ]; then
  own_servers+=("$tmp/pg-shared")
  base=$(start_server "$tmp/pg-shared") || pg_fail "no NRFCRED_TEST_DATABASE_URL and tools/pg-test-server start failed"
fi
psql -XqAt "$base" -c 'SELECT 1' >/dev/null 2>&1 || pg_fail "cannot connect to $base"

# new_db NAME: a fresh database on the shared server; prints its URL.
new_db() {
  psql -XqAt "$base" -c "DROP DATABASE IF EXISTS $1" -c "CREATE DATABASE $1" >/dev/null &&
    sed "s#^postgresql:///[^?]*#postgresql:///$1#" <<<"$base"
}

# Luhn-valid IMEI from 14 digits.
luhn() {
  "$py" -c '
import sys
d = sys.argv[1]
s = 0
for i, c in enumerate(reversed(d)):
    n = int(c) * (2 if i % 2 == 0 else 1)
    s += n - 9 if n > 9 else n
print(d + str((10 - s % 10) % 10))' "$1"
}

# fixture DIR NAME SLOTS IMEI_PREFIX(8 digits) URL POLICY: a station NAME with
# SLOTS simulated boards whose IMEIs are PREFIX + 6 digits, and its database.
fixture() {
  local dir=$1 name=$2 slots=$3 prefix=$4 url=$5 policy=$6
  make_fixture "$dir" fast
  "$py" - "$dir/sim.ini" "$slots" "$prefix" <<'PY'
import re, sys
path, slots, prefix = sys.argv[1], int(sys.argv[2]), sys.argv[3]
def luhn(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        n = int(c) * (2 if i % 2 == 0 else 1)
        s += n - 9 if n > 9 else n
    return d + str((10 - s % 10) % 10)
text = open(path).read()
text = re.sub(r"^probes = \d+", "probes = %d" % slots, text, flags=re.M)
out, probe = [], None
for line in text.splitlines():
    m = re.match(r"\[probe (\d+)\]", line)
    if m:
        probe = int(m.group(1))
    if probe is not None and probe > slots:
        continue
    if probe is not None and line.startswith("imei = "):
        line = "imei = " + luhn(prefix + "%06d" % probe)
    out.append(line)
open(path, "w").write("\n".join(out) + "\n")
PY
  "$py" - "$dir/station.ini" "$slots" "$name" <<'PY'
import re, sys
path, slots, name = sys.argv[1], int(sys.argv[2]), sys.argv[3]
out, skip = [], False
for line in open(path).read().splitlines():
    m = re.match(r"\[slot (\d+)\]", line)
    if m:
        skip = int(m.group(1)) > slots
    elif line.startswith("["):
        skip = False
    if skip:
        continue
    out.append("name = " + name if line.startswith("name = ") else line)
open(path, "w").write("\n".join(out) + "\n")
PY
  printf '\n[database]\nurl = %s\npolicy = %s\n' "$url" "$policy" >>"$dir/station.ini"
}

run_station() { # DIR [nrfcred station args]: plain output in DIR/out, rc in DIR/rc
  local dir=$1
  shift
  sim "$dir" "$nrfcred" station --plain "$@" "$dir/station.ini" >"$dir/out" 2>&1
  echo $? >"$dir/rc"
}

q() { psql -XqAt "$1" -c "$2"; }
csv_rows() { cat "$1"/logs/*-slot*.csv 2>/dev/null | grep -v '^utc_time' | tr -d '\r'; }

# ---- migrate ----
u=$(new_db nrfcred_migrate)
out1=$("$nrfcred" db migrate "$u" 2>&1)
check "db migrate on an empty database: 0 -> 2" grep -q 'schema version 0 -> 2' <<<"$out1"
# (pg_dump 15.14+ wraps its output in \restrict KEY lines with a random key.)
pg_dump -s "$u" | grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' >"$tmp/schema1.sql"
out2=$("$nrfcred" db migrate "$u" 2>&1)
check "db migrate again: up to date" grep -q 'schema version 2, up to date' <<<"$out2"
pg_dump -s "$u" | grep -v -e '^--' -e '^\\restrict' -e '^\\unrestrict' >"$tmp/schema2.sql"
check "db migrate again: the schema is unchanged (pg_dump -s)" cmp -s "$tmp/schema1.sql" "$tmp/schema2.sql"
check "schema_version holds one row per migration" [ "$(q "$u" 'SELECT count(*) FROM schema_version')" = 2 ]
check "migration 2: boards.reprovisioned, the unique pass index leaves reprovisioned rows out" \
  bash -c 'grep -q "reprovisioned boolean DEFAULT false NOT NULL" "$1" && grep -q "boards_imei_pass ON public.boards USING btree (imei) WHERE ((result = '"'pass'"'::text) AND (NOT reprovisioned))" "$1"' _ "$tmp/schema1.sql"
wrong=$("$nrfcred" db migrate "postgresql://nrfcred:hunter2secret@/nodb?host=$tmp/nosuchdir" 2>&1)
rc=$?
check "db migrate with an unreachable server: exit 8" [ "$rc" -eq 8 ]
check "db migrate: the password is masked in the message" \
  bash -c '! grep -q hunter2secret <<<"$1" && grep -q "nrfcred:\*\*\*@" <<<"$1"' _ "$wrong"

# ---- an upgrade: a database at schema 1 with a pass row goes to 2 ----
u1=$(new_db nrfcred_v1)
psql -XqAt "$u1" -v ON_ERROR_STOP=1 -f "$src/src/db/migrations/0001_init.sql" \
  -c "CREATE TABLE schema_version (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())" \
  -c "INSERT INTO schema_version (version, name) VALUES (1, '0001_init')" \
  -c "INSERT INTO stations (name) VALUES ('old')" \
  -c "INSERT INTO runs VALUES ('11111111-2222-4333-8444-555555555555', 'old', now(), '0.2.0', '')" \
  -c "INSERT INTO boards (uuid, run, station, slot, probe_serial, imei, device_id, started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw, sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery) VALUES ('0b3c8f5e-2a41-4c1e-9a7d-5f6e7d8c9b0a', '11111111-2222-4333-8444-555555555555', 'old', 1, '1', '352656100011116', '0', now(), now(), 1, 'pass', '', '', '', '', '', '', '', '', '0.2.0', 'ram')" >/dev/null
up=$("$nrfcred" db migrate "$u1" 2>&1)
check "db migrate of a schema-1 database: 1 -> 2, its pass row kept as not reprovisioned ($up)" \
  bash -c 'grep -q "schema version 1 -> 2" <<<"$1" && [ "$(psql -XqAt "$2" -c "SELECT count(*) FROM boards WHERE NOT reprovisioned")" = 1 ]' _ "$up" "$u1"
check "... the unique index still refuses a second ordinary pass of that IMEI" \
  bash -c '! psql -XqAt "$1" -c "INSERT INTO boards (uuid, run, station, slot, probe_serial, imei, device_id, started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw, sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery) SELECT gen_random_uuid(), run, station, 2, probe_serial, imei, device_id, started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw, sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery FROM boards" 2>/dev/null' _ "$u1"
check "... and takes a reprovisioned one" \
  [ "$(q "$u1" "INSERT INTO boards (uuid, run, station, slot, probe_serial, imei, device_id, started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw, sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery, reprovisioned) SELECT gen_random_uuid(), run, station, 2, probe_serial, imei, device_id, started_at, finished_at, duration_ms, result, failed_step, cause, part, modem_fw, sec_tags, cred_sha256, provisioner_sha256, app_sha256, nrfcred_version, delivery, true FROM boards RETURNING 1")" = 1 ]

# ---- a station without the schema refuses to start ----
u0=$(new_db nrfcred_noschema)
fixture "$tmp/ns" lineN 2 35265611 "$u0" require
run_station "$tmp/ns"
check "require, no schema: exit 8 and no board started" \
  bash -c '[ "$(cat "$1/rc")" = 8 ] && grep -q "db migrate" "$1/out" && [ -z "$(ls "$1/state" 2>/dev/null)" ]' _ "$tmp/ns"

# ---- a pool credential's load-time refusals ----
fixture "$tmp/pl" lineL 1 35265612 "$u0" require
printf '\n[credential aws]\nsec_tag = 44\ntype = client_cert\nsource = pool:aws\n' >>"$tmp/pl/station.ini"
out=$("$nrfcred" station --plain "$tmp/pl/station.ini" 2>&1)
rc=$?
check "source = pool:NAME without [database] pool_key: exit 3, named, nothing started" \
  bash -c '[ "$1" -eq 3 ] && grep -q "\[credential aws\] source: pool:aws needs the pool.s key file" <<<"$2"' _ "$rc" "$out"
sed -i -e "s#^\\[database\\]\$#[database]\\npool_key = $tmp/pool.key#" -e 's/^\[station\]$/[station]\ndelivery = flash/' "$tmp/pl/station.ini"
out=$("$nrfcred" station --plain "$tmp/pl/station.ini" 2>&1)
rc=$?
check "source = pool:NAME with delivery = flash: exit 3 at load time, valid: delivery = ram" \
  bash -c '[ "$1" -eq 3 ] && grep -q "station.ini:[0-9]*: \[credential aws\] source: .*valid: delivery = ram" <<<"$2"' _ "$rc" "$out"
sed -i -e 's/^delivery = flash$/delivery = ram/' -e '/^url = /d' "$tmp/pl/station.ini"
out=$(NRFCRED_DATABASE_URL= "$nrfcred" station --plain "$tmp/pl/station.ini" 2>&1)
rc=$?
check "source = pool:NAME without a database: exit 3, named, nothing started" \
  bash -c '[ "$1" -eq 3 ] && grep -q "credential pool aws needs the factory database" <<<"$2"' _ "$rc" "$out"

# ---- two stations x 8 slots at once, one database ----
u=$(new_db nrfcred_two)
"$nrfcred" db migrate "$u" >/dev/null
fixture "$tmp/s1" lineA 8 35265620 "$u" require
fixture "$tmp/s2" lineB 8 35265621 "$u" require
run_station "$tmp/s1" & p1=$!
run_station "$tmp/s2" & p2=$!
wait $p1 $p2
check "two stations at once: both exit 0" bash -c '[ "$(cat "$1/rc")" = 0 ] && [ "$(cat "$2/rc")" = 0 ]' _ "$tmp/s1" "$tmp/s2"
check "two stations at once: 16 pass rows, 16 distinct IMEIs" \
  [ "$(q "$u" "SELECT count(*) || ' ' || count(DISTINCT imei) FROM boards WHERE result = 'pass'")" = "16 16" ]
check "two stations at once: one run row each, two stations" \
  [ "$(q "$u" "SELECT count(*) FROM runs") $(q "$u" "SELECT string_agg(name, ',' ORDER BY name) FROM stations")" = "2 lineA,lineB" ]
check "every CSV pass row is in the database (same IMEI, station, slot)" bash -c '
  for d in "$1" "$2"; do
    cat "$d"/logs/*-slot*.csv | grep -v ^utc_time | tr -d "\r" | awk -F, "\$6 == \"pass\" {print \$2\",\"\$3\",\"\$5}"
  done | sort >"$3/csv.txt"
  psql -XqAt "$4" -c "SELECT station || '"','"' || slot || '"','"' || imei FROM boards WHERE result = '"'pass'"'" | sort >"$3/db.txt"
  cmp -s "$3/csv.txt" "$3/db.txt" && [ "$(wc -l <"$3/db.txt")" -eq 16 ]' _ "$tmp/s1" "$tmp/s2" "$tmp" "$u"
check "board rows carry DEVICEID, probe, times, digests and version" \
  [ "$(q "$u" "SELECT count(*) FROM boards WHERE device_id ~ '^[0-9a-f]{16}$' AND probe_serial <> '' AND finished_at >= started_at AND provisioner_sha256 ~ '^[0-9a-f]{64}$' AND cred_sha256 <> '' AND nrfcred_version <> ''")" = 16 ]

# ---- the same IMEIs again, at another station: refused, naming the first ----
fixture "$tmp/s3" lineC 8 35265620 "$u" require
run_station "$tmp/s3"
check "IMEIs that passed at lineA: lineC exits 5, every board fails" \
  bash -c '[ "$(cat "$1/rc")" = 5 ] && [ "$(cat "$1"/logs/*.csv | grep -c ",fail,")" -eq 8 ]' _ "$tmp/s3"
check "lineC's rows name lineA: 'already provisioned on <time> at lineA slot N'" \
  [ "$(csv_rows "$tmp/s3" | grep -cE 'already provisioned on 20[0-9-]+T[0-9:.]+Z at lineA slot [1-8]')" -eq 8 ]
check "lineC's boards were refused before the table: the modem stores are empty" \
  bash -c '! "$1" show "$2/state" 2>&1 | grep -q "sec_tag"' _ "$nrfsim" "$tmp/s3"
check "lineC's failures are in the database too, the pass rows still 16" \
  [ "$(q "$u" "SELECT count(*) FILTER (WHERE station = 'lineC' AND result = 'fail') || ' ' || count(*) FILTER (WHERE result = 'pass') FROM boards")" = "8 16" ]

# ---- --reprovision: the database's duplicate lets the board through ----
run_station "$tmp/s3" --reprovision
check "lineC --reprovision: exit 0, 8 passes whose CSV rows say reprovisioned = yes" \
  bash -c '[ "$(cat "$1/rc")" = 0 ] && [ "$(cat "$1"/logs/*-slot*.csv | tr -d "\r" | grep ",pass," | grep -c ",yes$")" -eq 8 ]' _ "$tmp/s3"
check "... the database keeps both: 8 passes at lineA, 8 reprovisioned passes at lineC" \
  [ "$(q "$u" "SELECT count(*) FILTER (WHERE station = 'lineA' AND NOT reprovisioned) || ' ' || count(*) FILTER (WHERE station = 'lineC' AND reprovisioned) FROM boards WHERE result = 'pass'")" = "8 8" ]

# ---- one IMEI at two stations at the same moment: exactly one succeeds ----
fixture "$tmp/d1" lineD 1 35265630 "$u" require
fixture "$tmp/d2" lineE 1 35265630 "$u" require
run_station "$tmp/d1" & p1=$!
run_station "$tmp/d2" & p2=$!
wait $p1 $p2
check "one IMEI at two stations at once: exactly one pass in the CSVs" \
  [ "$( (csv_rows "$tmp/d1"; csv_rows "$tmp/d2") | grep -c ',pass,')" -eq 1 ]
check "... and exactly one pass row in the database" \
  [ "$(q "$u" "SELECT count(*) FROM boards WHERE imei = '$(luhn 35265630000001)' AND result = 'pass'")" = 1 ]
check "... the other names the station that has it" \
  bash -c '(cat "$1"/logs/*.csv "$2"/logs/*.csv) | grep ",fail," | grep -qE "already provisioned on .* at line[DE] slot 1"' _ "$tmp/d1" "$tmp/d2"

# ---- credential pools ----
driver=$build/tools/bench/bench_db_pool
head -c 32 /dev/urandom >"$tmp/pool.key"
chmod 600 "$tmp/pool.key"
# bundles DIR FIRST LAST: per bundle the test client certificate and key, a
# random PSK and an identity of its own.
bundles() {
  for i in $(seq "$2" "$3"); do
    local b=$1/dev$(printf %04d "$i")
    mkdir -p "$b"
    cp "$src/tests/data/provision/client.pem" "$b/42.client_cert.pem"
    cp "$src/tests/data/provision/client.key" "$b/42.client_key.pem"
    head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$b/43.psk"
    printf 'nrfcred-dev-%04d' "$i" >"$b/43.psk_identity"
  done
}
bundles "$tmp/pool" 1 16
imp=$("$nrfcred" pool import "$u" --name cloud --key-file "$tmp/pool.key" "$tmp/pool" 2>&1)
check "pool import: 16 bundles, 64 items ($imp)" grep -q 'pool cloud: 16 bundles (64 items) imported, 0 already there' <<<"$imp"
imp=$("$nrfcred" pool import "$u" --name cloud --key-file "$tmp/pool.key" "$tmp/pool" 2>&1)
check "pool import again: nothing new" grep -q '0 bundles (0 items) imported, 16 already there' <<<"$imp"
check "pool status: 16 free" bash -c '"$1" pool status "$2" --name cloud | grep -qE "^cloud +16 +0 +0 +0$"' _ "$nrfcred" "$u"
check "pool items: keys and PSKs only as ciphertext with a 12-byte nonce and 16-byte tag" \
  [ "$(q "$u" "SELECT count(*) FROM credential_pool_items WHERE secret AND content IS NULL AND length(nonce) = 12 AND length(tag) = 16 AND type IN (2, 3)") $(q "$u" "SELECT count(DISTINCT nonce) FROM credential_pool_items WHERE secret")" = "32 32" ]
chmod 644 "$tmp/pool.key"
out=$("$nrfcred" pool import "$u" --name other --key-file "$tmp/pool.key" "$tmp/pool" 2>&1)
rc=$?
chmod 600 "$tmp/pool.key"
check "pool import with a key file others may read: exit 3, named" \
  bash -c '[ "$1" -eq 3 ] && grep -q "pool.key: group or others may access it" <<<"$2"' _ "$rc" "$out"
mkdir -p "$tmp/badpool"
bundles "$tmp/badpool" 1 2
printf 'not a certificate\n' >"$tmp/badpool/dev0002/42.client_cert.pem"
out=$("$nrfcred" pool import "$u" --name bad --key-file "$tmp/pool.key" "$tmp/badpool" 2>&1)
rc=$?
check "pool import of a bad certificate: exit 3, file named, nothing imported" \
  bash -c '[ "$1" -eq 3 ] && grep -q "dev0002/42.client_cert.pem" <<<"$2" && [ "$(psql -XqAt "$3" -c "SELECT count(*) FROM credential_pool WHERE pool = '"'bad'"'")" = 0 ]' _ "$rc" "$out" "$u"
printf 'bundle,sec_tag,type,value\nc1,44,psk_identity,csv-dev-1\nc1,44,psk,00112233445566778899aabbccddeeff\nc2,44,psk_identity,csv-dev-2\nc2,44,psk,ffeeddccbbaa99887766554433221100\n' >"$tmp/pool.csv"
out=$("$nrfcred" pool import "$u" --name csvpool --key-file "$tmp/pool.key" "$tmp/pool.csv" 2>&1)
check "pool import of a CSV: 2 bundles, 4 items" grep -q 'pool csvpool: 2 bundles (4 items) imported' <<<"$out"
printf 'bundle,sec_tag,type,value\nc3,44,psk,zz\n' >"$tmp/bad.csv"
out=$("$nrfcred" pool import "$u" --name csvpool --key-file "$tmp/pool.key" "$tmp/bad.csv" 2>&1)
check "pool import of a bad CSV line: named with its line" grep -q 'bad.csv:2' <<<"$out"

# Two stations x 8 slots claim at once from one pool of 16.
"$driver" "$u" cloud "$tmp/pool.key" lineP 8 1 bind >"$tmp/claims-p" 2>&1 & p1=$!
"$driver" "$u" cloud "$tmp/pool.key" lineQ 8 1 bind >"$tmp/claims-q" 2>&1 & p2=$!
wait $p1; r1=$?
wait $p2; r2=$?
check "two stations x 8 slots claim at once: both drivers exit 0" [ "$r1$r2" = 00 ]
check "16 claims, 16 distinct bundles, 16 distinct public contents" \
  [ "$(cat "$tmp/claims-p" "$tmp/claims-q" | awk '$1 == "claim" {print $3}' | sort -u | wc -l) $(cat "$tmp/claims-p" "$tmp/claims-q" | awk '$1 == "claim" && $4 == 4 {print $5}' | sort -u | wc -l)" = "16 16" ]
check "the pool: 16 bound, each to its own IMEI, by lineP and lineQ (8 each)" \
  [ "$(q "$u" "SELECT count(*) || ' ' || count(DISTINCT imei) || ' ' || count(*) FILTER (WHERE station = 'lineP') || ' ' || count(*) FILTER (WHERE station = 'lineQ') FROM credential_pool WHERE pool = 'cloud' AND state = 'bound'")" = "16 16 8 8" ]
"$driver" "$u" cloud "$tmp/pool.key" lineR 8 1 bind >"$tmp/claims-r" 2>&1
check "a third station finds the pool empty: 8 slots empty, no claim" \
  [ "$(grep -c '^empty' "$tmp/claims-r") $(grep -c '^claim ' "$tmp/claims-r")" = "8 0" ]
"$driver" "$u" csvpool "$tmp/pool.key" lineP 1 1 return >/dev/null 2>&1
check "a returned bundle is free again" bash -c '"$1" pool status "$2" --name csvpool | grep -qE "^csvpool +2 +0 +0 +0$"' _ "$nrfcred" "$u"
"$driver" "$u" csvpool "$tmp/pool.key" lineP 1 1 burn >/dev/null 2>&1
check "a burned bundle is never handed out again" bash -c '"$1" pool status "$2" --name csvpool | grep -qE "^csvpool +1 +0 +0 +1$"' _ "$nrfcred" "$u"
head -c 32 /dev/urandom >"$tmp/wrong.key"
chmod 600 "$tmp/wrong.key"
out=$("$driver" "$u" csvpool "$tmp/wrong.key" lineP 1 1 bind 2>&1)
check "another pool key: the claim fails (does not decrypt), the bundle is burned" \
  bash -c 'grep -q "does not decrypt" <<<"$1" && "$2" pool status "$3" --name csvpool | grep -qE "^csvpool +0 +0 +0 +2$"' _ "$out" "$nrfcred" "$u"

# ---- whole stations on a pool: two x 8 slots, one pool of 16 ----
# pool_fixture DIR NAME SLOTS PREFIX POOL: a station whose client certificate
# and key (sec_tag 42) and PSK and identity (43) come from POOL; the CA
# certificate stays a file of the station.
pool_fixture() {
  fixture "$1" "$2" "$3" "$4" "$u" require
  "$py" - "$1/station.ini" "$5" "$tmp/pool.key" <<'PY'
import re, sys
path, pool, key = sys.argv[1:]
out, sec = [], None
for line in open(path).read().splitlines():
    m = re.match(r"\[(.*)\]", line)
    if m:
        sec = m.group(1)
    if sec in ("credential cert", "credential key", "credential psk", "credential identity") \
            and re.match(r"(file|value) = ", line):
        line = "source = pool:" + pool
    out.append(line)
    if line == "[station]":
        out.append("delivery = ram")
    if line == "[database]":
        out.append("pool_key = " + key)
open(path, "w").write("\n".join(out) + "\n")
PY
}
# store_sha DIR IMEI SEC_TAG TYPE: the SHA-256 the board with IMEI's modem
# store lists for that credential (nrfsim show), "" when it has none.
store_sha() {
  "$nrfsim" show "$1/state" 2>&1 | awk -v imei="$2" -v tag="$3" -v type="$4" '
    /^probe / {mine = 0}
    $1 == "IMEI:" && $2 == imei {mine = 1}
    mine && $1 == tag && $2 == type {print $NF}'
}
bundles "$tmp/stpool" 101 118
mv "$tmp/stpool/dev0117" "$tmp/stpool-later17"
mv "$tmp/stpool/dev0118" "$tmp/stpool-later18"
imp=$("$nrfcred" pool import "$u" --name line --key-file "$tmp/pool.key" "$tmp/stpool" 2>&1)
check "station pool: 16 bundles imported ($imp)" grep -q 'pool line: 16 bundles (64 items) imported' <<<"$imp"
pool_fixture "$tmp/p1" lineP1 8 35265670 line
pool_fixture "$tmp/p2" lineP2 8 35265671 line
run_station "$tmp/p1" & p1=$!
run_station "$tmp/p2" & p2=$!
wait $p1 $p2
check "two pool stations x 8 slots at once: both exit 0, 16 CSV passes" \
  bash -c '[ "$(cat "$1/rc")$(cat "$2/rc")" = 00 ] && [ "$(cat "$1"/logs/*-slot*.csv "$2"/logs/*-slot*.csv | grep -c ",pass,")" -eq 16 ]' _ "$tmp/p1" "$tmp/p2"
check "the pool: 16 bound, 16 distinct bundles and IMEIs, 8 per station, none free, claimed or burned" \
  [ "$(q "$u" "SELECT count(*) FILTER (WHERE state = 'bound') || ' ' || count(DISTINCT imei) || ' ' || count(*) FILTER (WHERE station = 'lineP1') || ' ' || count(*) FILTER (WHERE station = 'lineP2') || ' ' || count(*) FILTER (WHERE state <> 'bound') FROM credential_pool WHERE pool = 'line'")" = "16 16 8 8 0" ]
check "each bound IMEI is a pass row of the station that claimed it" \
  [ "$(q "$u" "SELECT count(*) FROM credential_pool c JOIN boards b ON b.imei = c.imei AND b.station = c.station AND b.slot = c.slot AND b.result = 'pass' WHERE c.pool = 'line'")" = 16 ]
bad=0
while IFS='|' read -r bundle imei station; do
  d=$tmp/p1
  [ "$station" = lineP2 ] && d=$tmp/p2
  n=${bundle#dev}
  want_id=$(printf 'nrfcred-dev-%s' "$n" | sha256sum | cut -c1-64)
  want_psk=$(sha256sum <"$tmp/stpool/$bundle/43.psk" | cut -c1-64)
  [ "$(store_sha "$d" "$imei" 43 4)" = "$want_id" ] && [ "$(store_sha "$d" "$imei" 43 3)" = "$want_psk" ] || {
    echo "# $bundle -> $imei at $station: modem store 43/4 '$(store_sha "$d" "$imei" 43 4)' want $want_id"
    bad=$((bad + 1))
  }
done < <(q "$u" "SELECT bundle, imei, station FROM credential_pool WHERE pool = 'line' AND state = 'bound'")
check "each modem store holds its own bundle: identity and PSK digests as nrfsim show lists them" [ "$bad" -eq 0 ]
check "no CSV, output or log of the pool stations holds a pool PSK" bash -c '
  for f in "$1"/dev*/43.psk; do
    ! grep -rqi "$(cat "$f")" "$2/logs" "$2/out" "$3/logs" "$3/out" || exit 1
  done' _ "$tmp/stpool" "$tmp/p1" "$tmp/p2"

pool_fixture "$tmp/p3" lineP3 8 35265672 line
run_station "$tmp/p3"
check "a third station finds the pool empty: exit 5, 8 fails naming the pool, before the table" \
  bash -c '[ "$(cat "$1/rc")" = 5 ] && [ "$(cat "$1"/logs/*-slot*.csv | grep ",fail," | grep -c "credential pool line: no free bundle left (the table was not sent)")" -eq 8 ]' _ "$tmp/p3"
check "... and nothing reached those modems (nrfsim show: no credential)" \
  bash -c '! "$1" show "$2/state" 2>&1 | grep -q "sec_tag"' _ "$nrfsim" "$tmp/p3"

# A bundle that lacks an item the station takes: the board fails naming it,
# nothing is sent, the bundle goes back to the pool.
printf 'bundle,sec_tag,type,value\ns1,43,psk_identity,short-dev-1\n' >"$tmp/short.csv"
"$nrfcred" pool import "$u" --name short --key-file "$tmp/pool.key" "$tmp/short.csv" >/dev/null 2>&1
pool_fixture "$tmp/p4" lineP4 1 35265673 short
run_station "$tmp/p4"
check "a bundle without the station's sec_tag 42 client certificate: the board fails naming the bundle and the item" \
  bash -c 'grep ",fail," "$1"/logs/*-slot*.csv | grep -q "\[credential cert\]: credential pool short bundle s1 has no sec_tag 42 client certificate"' _ "$tmp/p4"
check "... nothing reached the modem, and the bundle is free again" \
  bash -c '! "$1" show "$2/state" 2>&1 | grep -q "sec_tag" && "$3" pool status "$4" --name short | grep -qE "^short +1 +0 +0 +0$"' _ "$nrfsim" "$tmp/p4" "$nrfcred" "$u"

# A board that fails after its table went out burns its bundle; and a bundle
# an earlier (crashed) run of the station left claimed is burned at start.
mkdir -p "$tmp/stpool-later"
mv "$tmp/stpool-later17" "$tmp/stpool-later/dev0117"
mv "$tmp/stpool-later18" "$tmp/stpool-later/dev0118"
"$nrfcred" pool import "$u" --name line --key-file "$tmp/pool.key" "$tmp/stpool-later" >/dev/null 2>&1
q "$u" "UPDATE credential_pool SET state = 'claimed', station = 'lineP5', slot = 1, claimed_at = now() - interval '1 hour' WHERE pool = 'line' AND bundle = 'dev0118'" >/dev/null
pool_fixture "$tmp/p5" lineP5 1 35265674 line
printf 'fault_modem_bad_digest = 43,4\n' >>"$tmp/p5/sim.ini"
run_station "$tmp/p5"
check "the crashed run's claim is burned at start, with a warning naming it" \
  bash -c 'grep -q "1 credential pool bundle(s) left claimed by an earlier run of station lineP5 .* burned.*line/dev0118 (slot 1, claimed 20" "$1/out"' _ "$tmp/p5"
check "a board whose modem does not confirm its bundle's identity fails at check" \
  bash -c '[ "$(cat "$1/rc")" = 5 ] && grep ",fail," "$1"/logs/*-slot*.csv | grep -q ",check,"' _ "$tmp/p5"
check "... its bundle (the modem was written) is burned, never free again: line 0 free, 16 bound, 2 burned" \
  bash -c '"$1" pool status "$2" --name line | grep -qE "^line +0 +0 +16 +2$" && [ "$(psql -XqAt "$2" -c "SELECT state FROM credential_pool WHERE bundle = '"'dev0117'"'")" = burned ]' _ "$nrfcred" "$u"
check "... and the modem holds what it was written (nrfsim show lists dev0117's PSK digest)" \
  bash -c '"$1" show "$2/state" 2>&1 | grep -q "$(sha256sum <"$3" | cut -c1-64)"' _ "$nrfsim" "$tmp/p5" "$tmp/stpool-later/dev0117/43.psk"

# ---- no key or PSK in clear anywhere in the database ----
pg_dump "$u" >"$tmp/dump.sql"
check "pg_dump: no client key, nor the station's PSK, nor a digest of one (secret_scan.py files)" \
  "$py" "$src/tests/integration/secret_scan.py" files 000102030405060708090a0b0c0d0e0f \
  "$src/tests/data/provision/client.key" -- "$tmp/dump.sql"
hits=0
for f in "$tmp"/pool/dev*/43.psk "$tmp"/stpool/dev*/43.psk "$tmp"/stpool-later/dev*/43.psk; do
  "$py" "$src/tests/integration/secret_scan.py" files "$(cat "$f")" \
    "$src/tests/data/provision/client.key" -- "$tmp/dump.sql" >/dev/null || hits=$((hits + 1))
done
check "pg_dump: none of the 34 pool PSKs in any form (the station pools' too)" [ "$hits" -eq 0 ]
check "pg_dump: the PSK identities are there, as bytea hex (the scan looks at the right dump)" \
  grep -q "$(printf 'nrfcred-dev-0001' | od -An -tx1 | tr -d ' \n')" "$tmp/dump.sql"

# ---- the database stops mid-run ----
# pause_when DIR N URL_DIR: stops the private server once N boards of the
# station have passed CHECK (their table is out), so the rest have not
# committed yet.
pause_after() {
  local dir=$1 n=$2 pgdir=$3
  for _ in $(seq 1 600); do
    [ "$(grep -c ': CHECK' "$dir/out" 2>/dev/null)" -ge "$n" ] && break
    sleep 0.05
  done
  "$pgtool" pause "$pgdir" 2>/dev/null
}

# paused_run PGDIR DIR NAME IMEI_PREFIX POLICY: a private server in PGDIR
# (its URL in $paused_url), migrated; station NAME with 8 boards on it in
# DIR, the server paused once 2 boards are through; returns when the run
# has ended.
paused_run() {
  local pgdir=$1 dir=$2 name=$3 prefix=$4 policy=$5
  own_servers+=("$pgdir")
  paused_url=$(start_server "$pgdir") || pg_fail "a private server for the $policy stop test"
  "$nrfcred" db migrate "$paused_url" >/dev/null
  fixture "$dir" "$name" 8 "$prefix" "$paused_url" "$policy"
  run_station "$dir" &
  local p=$!
  pause_after "$dir" 2 "$pgdir"
  wait $p
}

paused_run "$tmp/pg-require" "$tmp/r" lineR 35265640 require
pr=$paused_url
"$pgtool" resume "$tmp/pg-require" 2>/dev/null
committed=$(q "$pr" "SELECT count(*) FROM boards WHERE station = 'lineR' AND result = 'pass'")
csv_pass=$(csv_rows "$tmp/r" | grep -c ',pass,')
check "require, database stopped mid-run: exit 5, some boards failed" \
  bash -c '[ "$(cat "$1/rc")" = 5 ] && [ "$2" -lt 8 ]' _ "$tmp/r" "$csv_pass"
check "require: every CSV pass is committed, no other (CSV $csv_pass = database $committed)" [ "$csv_pass" = "$committed" ]
check "require: each failed board's CSV row says database: why (failed at await_result or done)" \
  [ "$(csv_rows "$tmp/r" | grep ',fail,' | grep -c 'database: ')" -eq $((8 - csv_pass)) ]
check "require: every board is wiped (nrfsim show)" \
  [ "$("$nrfsim" show "$tmp/r/state" 2>&1 | grep -c 'flash: .*fully erased')" -eq 8 ]
check "require: nothing spooled" [ ! -e "$tmp/r/logs/lineR.dbspool" ]

paused_run "$tmp/pg-best" "$tmp/b" lineS 35265650 best_effort
pb=$paused_url
spool=$tmp/b/logs/lineS.dbspool
check "best_effort, database stopped mid-run: all 8 pass, exit 0" \
  bash -c '[ "$(cat "$1/rc")" = 0 ] && [ "$(cat "$1"/logs/*.csv | grep -c ",pass,")" -eq 8 ]' _ "$tmp/b"
spooled=$(grep -c '^nrfcred-dbspool-1' "$spool" 2>/dev/null || echo 0)
check "best_effort: the rows that could not be committed are spooled ($spooled) and the end says how to sync" \
  bash -c '[ "$1" -ge 1 ] && grep -q "db sync" "$2/out"' _ "$spooled" "$tmp/b"
check "best_effort: the spool is mode 0600" [ "$(stat -c %a "$spool")" = 600 ]
"$pgtool" resume "$tmp/pg-best" 2>/dev/null
before=$(q "$pb" "SELECT count(*) FROM boards WHERE station = 'lineS'")
cp "$spool" "$tmp/spool.copy"
sync_out=$("$nrfcred" db sync "$pb" "$spool" 2>&1)
rc=$?
check "db sync: exit 0, inserted every spooled row ($sync_out)" \
  bash -c '[ "$1" -eq 0 ] && grep -q "$2 rows: $2 inserted, 0 already there" <<<"$3"' _ "$rc" "$spooled" "$sync_out"
check "db sync: the database now has all 8 of lineS, once each" \
  [ "$(q "$pb" "SELECT count(*) || ' ' || count(DISTINCT uuid) || ' ' || count(DISTINCT imei) FROM boards WHERE station = 'lineS' AND result = 'pass'")" = "8 8 8" ]
check "db sync: before it $before + spooled $spooled = 8" [ $((before + spooled)) -eq 8 ]
check "db sync: the empty spool is removed" [ ! -e "$spool" ]
again=$("$nrfcred" db sync "$pb" "$tmp/spool.copy" 2>&1)
check "db sync of the same rows again: nothing inserted, all already there" \
  bash -c 'grep -q "$1 rows: 0 inserted, $1 already there" <<<"$2"' _ "$spooled" "$again"
check "db sync again: still 8 rows" [ "$(q "$pb" "SELECT count(*) FROM boards WHERE station = 'lineS'")" = 8 ]
printf 'nrfcred-dbspool-1\tgarbage\tcrc=00000000\n' >"$tmp/bad.dbspool"
bad=$("$nrfcred" db sync "$pb" "$tmp/bad.dbspool" 2>&1)
rc=$?
check "db sync of a damaged line: exit 3, named with its line, kept" \
  bash -c '[ "$1" -eq 3 ] && grep -q "bad.dbspool:1: CRC mismatch" <<<"$2" && [ -s "$3" ]' _ "$rc" "$bad" "$tmp/bad.dbspool"

# ---- require: a server down at start stops the station before any board ----
"$pgtool" pause "$tmp/pg-require" 2>/dev/null
fixture "$tmp/z" lineZ 2 35265660 "$pr" require
run_station "$tmp/z"
check "require, server down at start: exit 8, no board touched" \
  bash -c '[ "$(cat "$1/rc")" = 8 ] && grep -q "no board was started" "$1/out" && [ -z "$(ls "$1/state" 2>/dev/null)" ]' _ "$tmp/z"

finish
