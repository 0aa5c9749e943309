#!/bin/sh
# Regenerates the TEST-ONLY credentials under tests/data/cred/.
# None of these keys protects anything; they exist so that the unit tests of
# src/cred have real X.509 certificates and private keys to parse.
# Needs: openssl (3.x). Run from anywhere: sh tests/data/cred/make-fixtures.sh
set -eu
cd "$(dirname "$0")"

PASS=test-passphrase   # passphrase of every encrypted key below

# Scratch directory for `openssl ca` (its database); removed at the end.
WORK=ca-work
rm -rf "$WORK"
mkdir -p "$WORK"
: > "$WORK/index.txt"
echo 1000 > "$WORK/serial"
cat > "$WORK/ca.cnf" <<CNF
[ ca ]
default_ca = testca
[ testca ]
dir = $WORK
database = $WORK/index.txt
serial = $WORK/serial
new_certs_dir = $WORK
default_md = sha256
policy = anything
unique_subject = no
copy_extensions = none
[ anything ]
commonName = supplied
organizationName = optional
[ leaf ]
basicConstraints = critical,CA:FALSE
keyUsage = critical,digitalSignature
[ root ]
basicConstraints = critical,CA:TRUE
keyUsage = critical,keyCertSign,cRLSign
CNF

# sign CSR OUT START END EXT -- fixed dates so the tests never depend on today.
sign() {
	openssl ca -batch -config "$WORK/ca.cnf" -cert ca-ec.pem -keyfile ca-ec.key \
		-in "$1" -out "$2.tmp" -startdate "$3" -enddate "$4" -extensions "$5" \
		-notext 2>/dev/null
	openssl x509 -in "$2.tmp" -out "$2"
	rm -f "$2.tmp"
}

# --- EC P-256 CA (self-signed, valid 2020-01-01 .. 2120-01-01)
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out ca-ec.key
openssl req -new -key ca-ec.key -subj "/O=nrfcred test/CN=nrfcred test CA" -out "$WORK/ca.csr"
openssl ca -batch -config "$WORK/ca.cnf" -selfsign -keyfile ca-ec.key -in "$WORK/ca.csr" \
	-out "$WORK/ca.tmp" -startdate 20200101000000Z -enddate 21200101000000Z \
	-extensions root -notext 2>/dev/null
openssl x509 -in "$WORK/ca.tmp" -out ca-ec.pem
openssl x509 -in ca-ec.pem -outform DER -out ca-ec.der

# --- EC P-256 client key + cert signed by the CA
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out client-ec.key
openssl pkey -in client-ec.key -outform DER -out client-ec.key.der
openssl ec -in client-ec.key -out client-ec-sec1.key 2>/dev/null
openssl req -new -key client-ec.key -subj "/CN=nrf-352656100000001" -out "$WORK/client.csr"
sign "$WORK/client.csr" client-ec.pem 20200101000000Z 21200101000000Z leaf
openssl x509 -in client-ec.pem -outform DER -out client-ec.der
cat client-ec.pem ca-ec.pem > chain-ec.pem

# --- a second EC key that matches nothing
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out other-ec.key

# --- encrypted forms of client-ec.key
# PKCS#8 PBES2 with 3DES: mbedTLS 2.28 can decrypt it.
openssl pkcs8 -topk8 -v2 des3 -in client-ec.key -passout "pass:$PASS" -out client-ec-des3.p8
openssl pkcs8 -topk8 -v2 des3 -in client-ec.key -passout "pass:$PASS" -outform DER \
	-out client-ec-des3.p8.der
# PKCS#8 PBES2 with AES-256: mbedTLS 2.28 has no AES in PBES2 (tests expect a clear error).
openssl pkcs8 -topk8 -v2 aes-256-cbc -in client-ec.key -passout "pass:$PASS" \
	-out client-ec-aes.p8
# Traditional OpenSSL PEM encryption (Proc-Type/DEK-Info, AES-128-CBC).
openssl ec -in client-ec.key -aes128 -passout "pass:$PASS" -out client-ec-legacy-enc.key \
	2>/dev/null

# --- a key type neither mbedTLS 2.28 nor the modem takes
openssl genpkey -algorithm ED25519 -out ed25519.key

# --- RSA-2048 variant
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out client-rsa.key
openssl rsa -in client-rsa.key -traditional -out client-rsa-pkcs1.key 2>/dev/null
openssl req -new -key client-rsa.key -subj "/CN=nrf-352656100000002" -out "$WORK/rsa.csr"
sign "$WORK/rsa.csr" client-rsa.pem 20200101000000Z 21200101000000Z leaf

# --- certificates outside their validity period
openssl req -new -key other-ec.key -subj "/CN=expired" -out "$WORK/expired.csr"
sign "$WORK/expired.csr" expired.pem 20000101000000Z 20010101000000Z leaf
openssl req -new -key other-ec.key -subj "/CN=not yet valid" -out "$WORK/future.csr"
sign "$WORK/future.csr" not-yet-valid.pem 20800101000000Z 20810101000000Z leaf

# --- malformed inputs
sed 's/$/\r/' ca-ec.pem > ca-ec-crlf.pem
{ echo 'Subject: "nrfcred test CA"'; cat ca-ec.pem; } > ca-ec-quote.pem
head -c 300 ca-ec.pem > truncated.pem
cat client-ec.pem client-ec.key > cert-and-key.pem
printf 'this is not a certificate\nnor a key\n\001\002\003\377\376' > garbage.bin
: > empty.pem

# --- PSK and PSK identity as files (trailing newline / CRLF as editors leave them)
printf '0xDEADbeef\n' > psk.txt
printf 'nrf-352656100000001\r\n' > identity.txt

rm -rf "$WORK"
echo "fixtures regenerated in $(pwd)"
