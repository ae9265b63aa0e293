#!/usr/bin/env bash
# Usage: scripts/test-ca.sh DIR NAME [rsa|rsa-pkcs1|ec]
# A throw-away certificate authority for TLS tests, with the real openssl: makes DIR/ca.pem and
# DIR/ca.key (once), then a server key DIR/NAME.key and certificate DIR/NAME.pem (subject CN=NAME,
# valid for 127.0.0.1 and localhost for 2 days) signed by that CA. Key kinds: rsa (RSA 2048 in
# PKCS#8, the default), rsa-pkcs1 (RSA 2048, "BEGIN RSA PRIVATE KEY"), ec (P-256 in PKCS#8).
# A client trusts the server with the CA alone: curl --cacert DIR/ca.pem https://127.0.0.1:PORT/
set -euo pipefail
if [ $# -lt 2 ]; then
  sed -n '2,7p' "$0" >&2
  exit 2
fi
dir="$1" name="$2" kind="${3:-rsa}"
mkdir -p "$dir"
cd "$dir"
if [ ! -f ca.pem ]; then
  openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=cocaine test CA" \
    -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null
fi
case "$kind" in
  rsa) openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048 -out "$name.key" 2>/dev/null ;;
  rsa-pkcs1) openssl genrsa -traditional -out "$name.key" 2048 2>/dev/null ;;
  ec) openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$name.key" ;;
  *) echo "test-ca.sh: unknown key kind '$kind' (rsa, rsa-pkcs1 or ec)" >&2; exit 2 ;;
esac
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > "$name.ext"
openssl req -new -key "$name.key" -subj "/CN=$name" -out "$name.csr"
openssl x509 -req -in "$name.csr" -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 -extfile "$name.ext" \
  -out "$name.pem" 2>/dev/null
chmod 600 "$name.key" ca.key
rm -f "$name.csr" "$name.ext"
