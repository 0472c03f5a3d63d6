#!/usr/bin/env bash
# Generates the intermediate CA of the chain vector (tests/vectors/conversation_v1_chain.jsonl,
# docs/PROTOCOL.md section 2.1 "Certificate fields") with the openssl command line: "Vector Users
# CA", signed by the existing vector CA (CA:TRUE, pathlen 0), and bob's device "phone" under it.
# Run once; the outputs are committed. It touches no other vector file. Validity is 100 years.
set -euo pipefail
cd "$(dirname "$0")"
openssl genpkey -algorithm ed25519 -out vector-sub-ca.key
openssl req -new -key vector-sub-ca.key -subj "/CN=Vector Users CA" -out vector-sub-ca.csr
printf '%s\n' 'basicConstraints=critical,CA:TRUE,pathlen:0' 'keyUsage=critical,keyCertSign,cRLSign' \
  'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' > vector-sub-ca.ext
openssl x509 -req -in vector-sub-ca.csr -CA vector-ca.crt -CAkey vector-ca.key -set_serial 0x04 \
  -days 36500 -extfile vector-sub-ca.ext -out vector-sub-ca.crt
openssl genpkey -algorithm ed25519 -out vector-bob-sub.key
openssl req -new -key vector-bob-sub.key -subj "/CN=bob" -out vector-bob-sub.csr
printf '%s\n' 'basicConstraints=critical,CA:FALSE' 'keyUsage=critical,digitalSignature' \
  'extendedKeyUsage=clientAuth' 'subjectAltName=DNS:bob,URI:urn:securechat:device:phone' \
  'subjectKeyIdentifier=hash' 'authorityKeyIdentifier=keyid' > vector-bob-sub.ext
openssl x509 -req -in vector-bob-sub.csr -CA vector-sub-ca.crt -CAkey vector-sub-ca.key \
  -set_serial 0x01 -days 36500 -extfile vector-bob-sub.ext -out vector-bob-sub.crt
rm vector-sub-ca.csr vector-sub-ca.ext vector-bob-sub.csr vector-bob-sub.ext
