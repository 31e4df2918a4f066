#!/usr/bin/env bash
# Wall time and peak RSS of `approov app inspect` on a 256 MiB signed APK,
# beside `openssl dgst -sha256` (one hardware-accelerated SHA-256 pass: the
# practical floor) and `apksigner verify --print-certs` on the same file.
# Needs: go, openssl, aapt, zipalign, apksigner, android-framework-res, GNU time.
# Usage: docs/bench/appsig-bench.sh [size-MiB]   (default 256)
# Columns: wall-clock time, CPU time (user+sys, steadier on a busy machine),
# peak resident set size. Target for approov: wall <= 2x openssl, RSS <= 64 MiB.
# The IPA row uses a Go-built darwin/arm64 executable (ad-hoc signed by the Go
# linker) that embeds the random payload, so every code page is hashed.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MIB=${1:-256}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"

(cd "$ROOT" && go build -o "$WORK/approov" ./cmd/approov)

# A real signed APK: binary manifest by aapt, one stored random asset, v2+v3.
mkdir -p assets
cat >AndroidManifest.xml <<'X'
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="com.example.big" android:versionCode="1" android:versionName="1.0">
    <uses-sdk android:minSdkVersion="24" android:targetSdkVersion="33"/>
    <application android:label="Big" android:hasCode="false"/>
</manifest>
X
head -c $((MIB * 1024 * 1024 - 64 * 1024)) /dev/urandom >assets/payload.bin
aapt package -f -M AndroidManifest.xml -I /usr/share/android-framework-res/framework-res.apk -A assets -0 bin -F unsigned.apk
zipalign -p -f 4 unsigned.apk aligned.apk
openssl req -x509 -newkey rsa:2048 -nodes -keyout k.pem -out k.crt -days 365 -subj "/CN=bench" 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in k.pem -outform DER -out k.pk8
apksigner sign --v1-signing-enabled false --v2-signing-enabled true --v3-signing-enabled true \
	--v4-signing-enabled false --key k.pk8 --cert k.crt --out big.apk aligned.apk
rm -f unsigned.apk aligned.apk

# A big IPA: the fixture's Info.plist and a linker-signed executable of the same size.
mkdir -p exe Payload/Fixture.app
mv assets/payload.bin exe/payload.bin
cat >exe/main.go <<'X'
package main

import _ "embed"

//go:embed payload.bin
var payload []byte

func main() { println(len(payload)) }
X
(cd exe && printf 'module big\ngo 1.22\n' >go.mod && CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go build -trimpath -o ../Payload/Fixture.app/Fixture .)
unzip -q -o "$ROOT/testdata/apps/ios/adhoc.ipa" Payload/Fixture.app/Info.plist Payload/Fixture.app/PkgInfo
zip -q -0 -X -r big.ipa Payload
rm -rf exe Payload
cat big.apk big.ipa >/dev/null # warm the page cache so every tool reads from memory

measure() { # label, command...
	local label=$1
	shift
	/usr/bin/time -f '%e %U %S %M' -o time.out "$@" >/dev/null 2>err.out || { cat err.out; exit 1; }
	read -r wall user sys rss <time.out
	printf '%-34s %7.2f s %7.2f s %8.1f MiB\n' "$label" "$wall" "$(echo "$user + $sys" | bc -l)" "$(echo "$rss / 1024" | bc -l)"
}
[ -n "${BENCH_KEEP:-}" ] && cp big.apk big.ipa "$BENCH_KEEP"/
printf 'file: %s (%d bytes), %s CPUs\n' big.apk "$(stat -c %s big.apk)" "$(nproc)"
printf '%-34s %9s %9s %12s\n' tool wall "CPU" "peak RSS"
measure "openssl dgst -sha256" openssl dgst -sha256 big.apk
measure "approov app inspect" ./approov app inspect big.apk
measure "approov app inspect --json" ./approov app inspect --json big.apk
measure "apksigner verify --print-certs" apksigner verify --print-certs big.apk
printf 'file: %s (%d bytes)\n' big.ipa "$(stat -c %s big.ipa)"
measure "openssl dgst -sha256 (ipa)" openssl dgst -sha256 big.ipa
measure "approov app inspect (ipa)" ./approov app inspect big.ipa
