#!/usr/bin/env bash
# Per-device identities (issue 11): eight simulated boards, each given its
# own PSK identity (nrf-${IMEI}) and its own client certificate and key
# (creds/${IMEI}/client.crt, made here with openssl); a board whose per-IMEI
# file is missing fails naming the file while the others pass. random:32:
# eight distinct PSKs in secrets_out, each the one its modem stores, none in
# any other output. A second run refuses every IMEI ("already provisioned
# on ... at ... slot N") before a credential is sent; --reprovision lets
# them through and the rows say so. Mistakes in templates are refused when
# the station file is read.
. "$(dirname "${BASH_SOURCE[0]}")/station_lib.sh"

scan="$py $src/tests/integration/secret_scan.py"
key=$src/tests/data/provision/client.key # only a stand-in for secret_scan's key argument

col() { # col CSV NAME: that column of the last row
	"$py" - "$1" "$2" <<'PY'
import csv, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
print(rows[-1][sys.argv[2]] if rows else "")
PY
}

# show_json STATE: nrfsim show as JSON {probe: {imei, erased, creds: {"tag/type": sha}}}
show_json() {
	"$nrfsim" show "$1" | "$py" -c '
import json, re, sys
out, cur = {}, None
for line in sys.stdin:
    m = re.match(r"probe (\S+)", line)
    if m:
        cur = out.setdefault(m.group(1), {"creds": {}, "erased": False})
        continue
    m = re.match(r"\s+IMEI:\s+(\S+)", line)
    if m: cur["imei"] = m.group(1)
    if re.match(r"\s+flash:.*fully erased", line): cur["erased"] = True
    m = re.match(r"\s+(\d+)\s+(\d)\s+.*?\s(\d+)\s+([0-9a-f]{64})$", line)
    if m: cur["creds"]["%s/%s" % (m.group(1), m.group(2))] = m.group(4)
json.dump(out, sys.stdout)'
}

# identity_fixture DIR: the demo fixture with per-device credentials.
identity_fixture() {
	make_fixture "$1" fast
	sed -i '/^; Test credentials/,$d' "$1/station.ini"
	sed -i "s/^\[station\]$/[station]\ndelivery = ram\nsecrets_out = $(printf '%s' "$1/secrets/psk.csv" | sed 's#/#\\/#g')/" "$1/station.ini"
	mkdir -p "$1/secrets"
}

# ------------------------------------------- templates and per-IMEI files
d=$tmp/tmpl
identity_fixture "$d"
# Each board's IMEI: the state files exist once the simulator ran once.
sim "$d" "$nrfcred" probes >/dev/null 2>&1
for n in 1 2 3 4 5 6 7 8; do imei[$n]=$(scenario_imei "$d/sim.ini" $n); done
if [ -z "${imei[1]}" ]; then
	show_json "$d/state" >"$d/show0.json"
	for n in 1 2 3 4 5 6 7 8; do
		imei[$n]=$("$py" -c "import json,sys; print(json.load(open(sys.argv[1]))['00026000000$n']['imei'])" "$d/show0.json")
	done
fi
mkdir -p "$d/pki"
openssl ecparam -name prime256v1 -genkey -noout -out "$d/pki/ca.key" 2>/dev/null
openssl req -x509 -new -key "$d/pki/ca.key" -subj "/CN=identity test CA" -days 30 \
	-out "$d/pki/ca.crt" 2>/dev/null
for n in 1 2 3 4 5 6 7; do # the eighth board's files are missing on purpose
	c=$d/creds/${imei[$n]}
	mkdir -p "$c"
	openssl ecparam -name prime256v1 -genkey -noout -out "$c/k.pem" 2>/dev/null
	openssl pkcs8 -topk8 -nocrypt -in "$c/k.pem" -out "$c/client.key" 2>/dev/null
	openssl req -new -key "$c/client.key" -subj "/CN=${imei[$n]}" -out "$c/csr" 2>/dev/null
	openssl x509 -req -in "$c/csr" -CA "$d/pki/ca.crt" -CAkey "$d/pki/ca.key" \
		-CAcreateserial -days 30 -out "$c/client.crt" 2>/dev/null
	rm -f "$c/csr" "$c/k.pem"
done
cat >>"$d/station.ini" <<INI
[credential ca]
sec_tag = 42
type = ca_cert
file = pki/ca.crt

[credential cert]
sec_tag = 42
type = client_cert
file = creds/\${IMEI}/client.crt

[credential key]
sec_tag = 42
type = client_key
file = creds/\${IMEI}/client.key

[credential psk]
sec_tag = 43
type = psk
value = 000102030405060708090a0b0c0d0e0f

[credential identity]
sec_tag = 43
type = psk_identity
value = nrf-\${IMEI}
INI
check "per-IMEI files exist for seven boards (${imei[1]} ...)" [ -s "$d/creds/${imei[7]}/client.crt" ]
sim "$d" "$nrfcred" station --json "$d/station.ini" >"$d/out.jsonl" 2>"$d/err.txt"
check "templated run: exit 5 (one board has no files)" [ $? -eq 5 ]
show_json "$d/state" >"$d/show.json"
for n in 1 2 3 4 5 6 7; do
	csv=$d/logs/demo-slot$n.csv
	check "slot $n passes with boots=1" [ "$(col "$csv" result),$(col "$csv" boots)" = pass,1 ]
	"$py" - "$d/show.json" "00026000000$n" "${imei[$n]}" "$d/creds/${imei[$n]}/client.crt" \
		"$(col "$csv" sec_tags)" "$(col "$csv" cred_sha256)" >"$d/cmp$n.txt" <<'PY'
import hashlib, json, sys
show, probe, imei, crt, tags, shas = sys.argv[1:7]
b = json.load(open(show))[probe]
cert = hashlib.sha256(open(crt, "rb").read()).hexdigest()
ident = hashlib.sha256(("nrf-" + imei).encode()).hexdigest()
row = dict(zip(tags.split(";"), shas.split(";")))
ok = (b["imei"] == imei and b["creds"].get("42/1") == cert and b["creds"].get("43/4") == ident
      and row.get("42/1") == cert and row.get("43/4") == ident and row.get("42/2") == "modem-verified")
print("ok" if ok else "mismatch %r %r cert %s ident %s" % (b, row, cert, ident))
PY
	check "slot $n: the modem holds its own certificate and nrf-${imei[$n]}, the row lists their digests" \
		grep -qx ok "$d/cmp$n.txt"
done
check "every stored client certificate is a different one" \
	[ "$("$py" -c "import json,sys; print(len({b['creds'].get('42/1') for p,b in json.load(open(sys.argv[1])).items() if p != '000260000008'}))" "$d/show.json")" = 7 ]
csv8=$d/logs/demo-slot8.csv
e8=$(col "$csv8" error)
check "slot 8 fails at await_result naming its missing file ($e8)" \
	bash -c "[ '$(col "$csv8" result),$(col "$csv8" failed_step)' = fail,await_result ] && [[ '$e8' == *'creds/${imei[8]}/client.crt'* ]] && [[ '$e8' == *'nothing was sent'* ]]"
check "slot 8: nothing reached its modem, its flash is erased" \
	"$py" -c "import json,sys; b=json.load(open(sys.argv[1]))['000260000008']; sys.exit(0 if b['erased'] and not b['creds'] else 1)" "$d/show.json"

# ------------------------------------------- random:32 and secrets_out
r=$tmp/random
identity_fixture "$r"
cat >>"$r/station.ini" <<INI
[credential psk]
sec_tag = 43
type = psk
value = random:32

[credential identity]
sec_tag = 43
type = psk_identity
value = nrf-\${IMEI}-\${SLOT}
INI
mkdir -p "$r/tmpdir"
TMPDIR=$r/tmpdir sim "$r" "$nrfcred" station --json --trace "$r/trace" "$r/station.ini" \
	>"$r/out.jsonl" 2>"$r/err.txt"
check "random:32: exit 0" [ $? -eq 0 ]
s=$r/secrets/psk.csv
check "secrets_out is mode 0600" [ "$(stat -c %a "$s")" = 600 ]
check "secrets_out: its header and eight rows" \
	bash -c "[ '$(head -n 1 "$s" | tr -d '\r')' = 'utc_time,station,slot,imei,sec_tag,psk_hex' ] && [ $(($(wc -l <"$s") - 1)) -eq 8 ]"
show_json "$r/state" >"$r/show.json"
"$py" - "$s" "$r/show.json" >"$r/psk_check.txt" <<'PY'
import csv, hashlib, json, sys
rows = list(csv.DictReader(open(sys.argv[1], newline="")))
show = json.load(open(sys.argv[2]))
by_imei = {b["imei"]: b for b in show.values()}
psks = [r["psk_hex"] for r in rows]
bad = []
if len(set(psks)) != 8: bad.append("not 8 distinct")
for r in rows:
    b = by_imei.get(r["imei"])
    if len(r["psk_hex"]) != 64 or r["sec_tag"] != "43": bad.append("format " + r["slot"])
    if b is None or b["creds"].get("43/3") != hashlib.sha256(r["psk_hex"].encode()).hexdigest():
        bad.append("slot %s: modem holds another PSK" % r["slot"])
    if b is None or b["creds"].get("43/4") != hashlib.sha256(("nrf-%s-%s" % (r["imei"], r["slot"])).encode()).hexdigest():
        bad.append("slot %s: identity" % r["slot"])
print("\n".join(bad) or "ok")
PY
check "eight distinct PSKs, each the one its modem stores ($(head -n 1 "$r/psk_check.txt"))" grep -qx ok "$r/psk_check.txt"
hits=0
while IFS=, read -r _ _ _ _ _ hex; do
	hex=${hex%$'\r'}
	[ "$hex" = psk_hex ] && continue
	$scan files "$hex" "$key" -- "$r/logs" "$r/out.jsonl" "$r/err.txt" "$r/tmpdir" "$r/trace" >>"$r/hits.txt" || hits=$((hits + 1))
done <"$s"
last=$(tail -n 1 "$s" | cut -d, -f6 | tr -d '\r')
check "the scan finds a PSK where it is (secrets_out itself)" \
	bash -c "! $scan files '$last' '$key' -- '$s' >/dev/null"
check "the SWD traces were written ($(ls "$r/trace" | wc -l) files)" [ "$(ls "$r/trace" | wc -l)" -eq 8 ]
check "no PSK in the CSV logs, the journal, JSON, stderr, the SWD traces or TMPDIR" [ "$hits" -eq 0 ]
check "... nor a flash or UICR of any board" bash -c "for h in \$(tail -n +2 '$s' | cut -d, -f6 | tr -d '\r'); do $scan scan '$r/state' \$h '$key' >/dev/null || exit 1; done"

# ------------------------------------------- the same IMEIs again: refused, then --reprovision
cp "$r/show.json" "$r/show1.json"
TMPDIR=$r/tmpdir sim "$r" "$nrfcred" station --json "$r/station.ini" >"$r/out2.jsonl" 2>"$r/err2.txt"
check "second run: exit 5, every board refused" [ $? -eq 5 ]
for n in 1 2 3 4 5 6 7 8; do
	csv=$r/logs/demo-slot$n.csv
	e=$(col "$csv" error)
	check "slot $n: fails at check: $e" \
		bash -c "[ '$(col "$csv" result),$(col "$csv" failed_step)' = fail,check ] && [[ '$e' == *'already provisioned on 20'*' at demo slot $n'* ]]"
done
show_json "$r/state" >"$r/show2.json"
check "no credential was sent: every modem holds the PSK of the first run" \
	"$py" -c "import json,sys; a,b=(json.load(open(p)) for p in sys.argv[1:3]); sys.exit(0 if all(a[p]['creds']['43/3']==b[p]['creds']['43/3'] for p in a) else 1)" "$r/show1.json" "$r/show2.json"
check "... and no PSK was drawn for them (secrets_out still has eight rows)" [ $(($(wc -l <"$s") - 1)) -eq 8 ]
TMPDIR=$r/tmpdir sim "$r" "$nrfcred" station --json --reprovision "$r/station.ini" >"$r/out3.jsonl" 2>"$r/err3.txt"
check "--reprovision: exit 0" [ $? -eq 0 ]
rows=""
for n in 1 2 3 4 5 6 7 8; do
	csv=$r/logs/demo-slot$n.csv
	rows="$rows $(col "$csv" result),$(col "$csv" reprovisioned),$(col "$csv" boots)"
done
check "--reprovision: every row passes and says reprovisioned = yes, boots = 1 ($rows)" \
	[ "$(echo $rows | tr ' ' '\n' | sort -u)" = "pass,yes,1" ]
check "--reprovision: eight new PSKs appended (16 rows)" [ $(($(wc -l <"$s") - 1)) -eq 16 ]

# ------------------------------------------- torn and foreign lines in a log
printf '2026-01-01T00:00:00.000Z,demo,3,x,"unterminated\r\n' >>"$r/logs/demo-slot3.csv"
TMPDIR=$r/tmpdir sim "$r" "$nrfcred" station --json "$r/station.ini" >"$r/out4.jsonl" 2>"$r/err4.txt"
check "a torn last line: the run starts, says so, and still refuses the IMEIs (exit 5)" \
	bash -c "[ $? -eq 5 ] && grep -q 'cut short' '$r/err4.txt' && [ '$(col "$r/logs/demo-slot1.csv" failed_step)' = check ]"

# ------------------------------------------- secrets_out that is not safe
chmod 644 "$s"
sim "$r" "$nrfcred" station --json "$r/station.ini" >/dev/null 2>"$r/err5.txt"
check "secrets_out with mode 0644: refused (exit 3), says chmod 600" \
	bash -c "[ $? -eq 3 ] && grep -q 'mode 0644' '$r/err5.txt' && grep -q 'chmod 600' '$r/err5.txt'"
chmod 600 "$s"
mv "$s" "$s.real" && ln -s "$s.real" "$s"
sim "$r" "$nrfcred" station --json "$r/station.ini" >/dev/null 2>"$r/err6.txt"
check "secrets_out that is a symlink: refused (exit 3)" \
	bash -c "[ $? -eq 3 ] && grep -q 'symbolic link' '$r/err6.txt'"

# ------------------------------------------- nrfcred provision takes the same templates
ps=$r/secrets/prov.csv
sim "$r" "$nrfcred" provision -s 000260000004 --sec_tag 50 --psk random:16 \
	--secrets_out "$ps" --psk_ident 'dev-${IMEI}-${DEVICEID}' >"$r/prov.txt" 2>"$r/prov_err.txt"
check "provision --psk random:16 --psk_ident 'dev-\${IMEI}-\${DEVICEID}': exit 0" [ $? -eq 0 ]
show_json "$r/state" >"$r/show_prov.json"
"$py" - "$r/show_prov.json" "$ps" "$(cat "$r/prov.txt")" "$("$nrfsim" show "$r/state" | sed -n '/^probe 000260000004/,/^probe/s/^  device id: *//p')" >"$r/prov_check.txt" <<'PY'
import csv, hashlib, json, sys
b = json.load(open(sys.argv[1]))["000260000004"]
rows = list(csv.DictReader(open(sys.argv[2], newline="")))
imei, dev = sys.argv[3], sys.argv[4]
ok = (len(rows) == 1 and rows[0]["imei"] == imei == b["imei"] and rows[0]["sec_tag"] == "50"
      and b["creds"].get("50/3") == hashlib.sha256(rows[0]["psk_hex"].encode()).hexdigest()
      and b["creds"].get("50/4") == hashlib.sha256(("dev-%s-%s" % (imei, dev)).encode()).hexdigest())
print("ok" if ok else "mismatch %r %r %s %s" % (b, rows, imei, dev))
PY
check "... its modem holds the PSK of secrets_out and dev-IMEI-DEVICEID ($(head -c 120 "$r/prov_check.txt"))" grep -qx ok "$r/prov_check.txt"
"$nrfcred" provision --sec_tag 50 --psk_ident 'dev-${IMEI}' -o "$r/x.hex" >/dev/null 2>"$r/prov_o.txt"
check "provision -o with a template: refused (exit 2), says it needs a board run" \
	bash -c "[ $? -eq 2 ] && grep -q 'need a board run' '$r/prov_o.txt'"

# ------------------------------------------- mistakes refused when the file is read
bad() { # bad NAME SED-EXPR WANT: the random fixture edited; exit 3 naming WANT
	cp "$r/station.ini" "$r/bad.ini"
	sed -i "$2" "$r/bad.ini"
	"$nrfcred" station "$r/bad.ini" >/dev/null 2>"$r/bad.txt"
	local rc=$?
	local found=no
	grep -qF -- "$3" "$r/bad.txt" && found=yes
	check "$1: exit 3 and '$3' ($(head -c 160 "$r/bad.txt"))" [ "$rc,$found" = 3,yes ]
}
bad 'unknown ${IMIE}' 's/nrf-\${IMEI}-/nrf-${IMIE}-/' "unknown template '\${IMIE}' at column 5; valid: \${IMEI}, \${DEVICEID}, \${SLOT}"
bad 'unclosed ${SLOT' 's/-\${SLOT}$/-${SLOT/' "has no closing '}'"
bad 'random:8' 's/random:32/random:8/' "random:N, N bytes from 16 to 64"
bad 'random PSK on a psk_identity' 's/^value = nrf-.*/value = random:16/' "random:N is for a PSK"
bad 'per-device with delivery = flash' 's/^delivery = ram/delivery = flash/' "needs the RAM session"
bad 'random without secrets_out' '/^secrets_out/d' "set [station] secrets_out"
bad 'an identity too long once ${IMEI} is in' "s/^value = nrf-.*/value = $(printf 'x%.0s' $(seq 120))\${IMEI}/" "with a 15-digit IMEI filled in"
check "the load-time errors name the file and line" grep -q "bad.ini:[0-9]" "$r/bad.txt"

finish
