#!/bin/sh
# Regenerates the pin golden vectors: one self-signed certificate per key type,
# its DER form, a PKCS#7 bundle, and each pin computed by the openssl pipeline
# (never by our code). Private keys are written to a temp dir and deleted.
# Usage: testdata/pins/gen.sh   (needs openssl 3)
set -eu
cd "$(dirname "$0")"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
: > pins.txt
for kind in rsa2048 p256 p384 ed25519; do
	case $kind in
	rsa2048) key="-newkey rsa:2048" ;;
	p256) key="-newkey ec -pkeyopt ec_paramgen_curve:P-256" ;;
	p384) key="-newkey ec -pkeyopt ec_paramgen_curve:P-384" ;;
	ed25519) key="-newkey ed25519" ;;
	esac
	# shellcheck disable=SC2086
	openssl req -x509 $key -nodes -keyout "$tmp/$kind.key" -days 36500 \
		-subj "/O=approov test vectors/CN=$kind.pins.test" \
		-addext "subjectAltName=DNS:$kind.pins.test" -out "$kind.pem" 2>/dev/null
	openssl x509 -in "$kind.pem" -outform der -out "$kind.der"
	pin=$(openssl x509 -in "$kind.pem" -pubkey -noout |
		openssl pkey -pubin -outform der |
		openssl dgst -sha256 -binary | openssl enc -base64)
	echo "$kind $pin" >> pins.txt
done
openssl crl2pkcs7 -nocrl -certfile rsa2048.pem -certfile p256.pem -certfile p384.pem -certfile ed25519.pem -out bundle.p7b
openssl crl2pkcs7 -nocrl -certfile rsa2048.pem -certfile p256.pem -outform der -out bundle.p7c
