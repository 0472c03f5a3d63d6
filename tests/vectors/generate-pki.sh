#!/usr/bin/env bash
# Generates the fixed Ed25519 PKI behind docs/PROTOCOL.md's test vectors with the openssl command
# line (not our own code). Run once; the outputs are committed. Validity is 100 years so the
# vectors do not expire; the vector test verifies them at a fixed time.
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm ed25519 -out vector-ca.key
openssl req -x509 -new -key vector-ca.key -days 36500 -subj "/CN=Vector CA" -out vector-ca.crt \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
for who in server client; do
  if [ "$who" = server ]; then name=server eku=serverAuth; else name=alice eku=clientAuth; fi
  openssl genpkey -algorithm ed25519 -out "vector-$who.key"
  openssl req -new -key "vector-$who.key" -subj "/CN=$name" -out "vector-$who.csr"
  printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=%s\nsubjectAltName=DNS:%s\n' \
    "$eku" "$name" > "vector-$who.ext"
  openssl x509 -req -in "vector-$who.csr" -CA vector-ca.crt -CAkey vector-ca.key -set_serial "0x0$([ $who = server ] && echo 1 || echo 2)" \
    -days 36500 -extfile "vector-$who.ext" -out "vector-$who.crt"
  rm "vector-$who.csr" "vector-$who.ext"
done
