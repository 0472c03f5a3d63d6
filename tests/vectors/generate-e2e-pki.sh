#!/usr/bin/env bash
# Generates bob's device certificate for the end-to-end vectors (docs/PROTOCOL.md section 9,
# tests/vectors/e2e_v1.json) with the openssl command line, signed by the existing vector CA.
# Run once; the outputs are committed. It does not touch the other vector files (do not rerun
# generate-pki.sh: that would change every existing vector). Validity is 100 years.
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm ed25519 -out vector-bob.key
openssl req -new -key vector-bob.key -subj "/CN=bob" -out vector-bob.csr
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
  'extendedKeyUsage=clientAuth' 'subjectAltName=DNS:bob,URI:urn:securechat:device:phone' > vector-bob.ext
openssl x509 -req -in vector-bob.csr -CA vector-ca.crt -CAkey vector-ca.key -set_serial 0x03 \
  -days 36500 -extfile vector-bob.ext -out vector-bob.crt
rm vector-bob.csr vector-bob.ext
