#!/usr/bin/env bash
# Regenerates the Android fixtures in this directory with the real tools.
# Debian 12 packages: apksigner zipalign aapt android-framework-res openjdk-17-jdk-headless
# protobuf-compiler openssl python3 zip unzip.
# Afterwards refresh the golden files: go test ./internal/appsig -run GoldenAndroid -update
# RSA apksigner output is deterministic for a given key, but the keys are new on
# every run, and ECDSA/jarsigner output is never byte-identical: expect all
# fixtures and golden files to change together.
set -euo pipefail
HERE=$(cd "$(dirname "$0")" && pwd)
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
FW=/usr/share/android-framework-res/framework-res.apk
cd "$WORK"

mk_manifest() { # $1 dir, $2 minSdk, $3 targetSdk
	mkdir -p "$1"
	cat >"$1/AndroidManifest.xml" <<X
<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android"
    package="com.example.fixture" android:versionCode="42" android:versionName="1.2.3">
    <uses-sdk android:minSdkVersion="$2" android:targetSdkVersion="$3"/>
    <application android:label="Fixture" android:hasCode="false"/>
</manifest>
X
}
mk_manifest m24 24 33
mk_manifest m21 21 29
mkdir -p assets
echo "hello fixture" >assets/hello.txt
# 1.1 MiB stored payload so the content digest spans two 1 MiB chunks; a
# 1000-byte period keeps it small in git (zlib sees the repeats).
python3 -c "import hashlib,sys; p=b''.join(hashlib.sha256(bytes([i])).digest() for i in range(32))[:1000]; sys.stdout.buffer.write((p*1100)[:1100000])" >assets/big.bin
for m in m24 m21; do
	aapt package -f -M $m/AndroidManifest.xml -I "$FW" -A assets -0 bin -F $m-unsigned.apk
	zipalign -p -f 4 $m-unsigned.apk $m-aligned.apk
done

for k in k1 k2; do
	openssl req -x509 -newkey rsa:2048 -nodes -keyout $k.key.pem -out $k.cert.pem -days 10000 \
		-subj "/CN=Fixture $k/O=Example" -set_serial 1 2>/dev/null
	openssl pkcs8 -topk8 -nocrypt -in $k.key.pem -outform DER -out $k.pk8
done
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key.pem -out ec.cert.pem \
	-days 10000 -subj "/CN=Fixture EC" -set_serial 2 2>/dev/null
openssl pkcs8 -topk8 -nocrypt -in ec.key.pem -outform DER -out ec.pk8

S1="--key k1.pk8 --cert k1.cert.pem"
sign() { # out in v1 v2 v3 signer-args...
	local out=$1 in=$2 v1=$3 v2=$4 v3=$5
	shift 5
	apksigner sign --v1-signing-enabled "$v1" --v2-signing-enabled "$v2" --v3-signing-enabled "$v3" \
		--v4-signing-enabled false "$@" --out "$HERE/$out" "$in"
}
sign v1-only.apk m21-aligned.apk true false false $S1
sign v2-only.apk m24-aligned.apk false true false $S1
sign v3-only.apk m24-aligned.apk false false true $S1
sign v123.apk m21-aligned.apk true true true $S1
sign v2-ec.apk m24-aligned.apk false true false --key ec.pk8 --cert ec.cert.pem
sign v2-twosigners.apk m24-aligned.apk false true false $S1 --next-signer --key k2.pk8 --cert k2.cert.pem
apksigner rotate --out lineage.bin --old-signer $S1 --new-signer --key k2.pk8 --cert k2.cert.pem
sign rotated.apk m21-aligned.apk true true true --lineage lineage.bin $S1 --next-signer --key k2.pk8 --cert k2.cert.pem
cp m24-aligned.apk "$HERE/unsigned.apk"

# tampered: one byte of the stored assets/big.bin flipped after signing
cp "$HERE/v123.apk" "$HERE/tampered.apk"
python3 - "$HERE/tampered.apk" <<'X'
import sys, zipfile
p = sys.argv[1]
with zipfile.ZipFile(p) as z:
    i = z.getinfo('assets/big.bin')
with open(p, 'r+b') as f:
    f.seek(i.header_offset + 26)
    n = int.from_bytes(f.read(2), 'little'); m = int.from_bytes(f.read(2), 'little')
    off = i.header_offset + 30 + n + m + 1000
    f.seek(off); b = f.read(1); f.seek(off); f.write(bytes([b[0] ^ 1]))
X
# stripped: re-zipped without the APK Signing Block; the v1 .SF still says
# X-Android-APK-Signed: 2, 3, so the downgrade must be detected.
mkdir strip
rm -f "$HERE/stripped.apk"
(cd strip && unzip -q "$HERE/v123.apk" && zip -q -X -r "$HERE/stripped.apk" .)

# AAB: protobuf manifest and BundleConfig, signed by jarsigner (v1 only).
cat >min_resources.proto <<'X'
// Subset of frameworks/base/tools/aapt2/Resources.proto (same field numbers).
syntax = "proto3";
package aapt.pb;
message SourcePosition { uint32 line_number = 1; uint32 column_number = 2; }
message Reference { uint32 type = 1; uint32 id = 2; string name = 3; bool private = 4; }
message String { string value = 1; }
message Primitive { oneof oneof_value { int32 int_decimal_value = 6; uint32 int_hexadecimal_value = 7; bool boolean_value = 8; } }
message Item { oneof value { Reference ref = 1; String str = 2; Primitive prim = 7; } }
message XmlNode { oneof node { XmlElement element = 1; string text = 2; } SourcePosition source = 3; }
message XmlElement { repeated XmlNamespace namespace_declaration = 1; string namespace_uri = 2; string name = 3;
                     repeated XmlAttribute attribute = 4; repeated XmlNode child = 5; }
message XmlNamespace { string prefix = 1; string uri = 2; SourcePosition source = 3; }
message XmlAttribute { string namespace_uri = 1; string name = 2; string value = 3; SourcePosition source = 4;
                       uint32 resource_id = 5; Item compiled_item = 6; }
X
cat >min_config.proto <<'X'
syntax = "proto3";
package android.bundle;
message BundleConfig { Bundletool bundletool = 1; }
message Bundletool { string version = 2; }
X
A='namespace_uri: "http://schemas.android.com/apk/res/android"'
cat >manifest.txtpb <<X
element {
  namespace_declaration { prefix: "android" uri: "http://schemas.android.com/apk/res/android" }
  name: "manifest"
  attribute { $A name: "versionCode" value: "42" resource_id: 0x0101021b compiled_item { prim { int_decimal_value: 42 } } }
  attribute { $A name: "versionName" value: "1.2.3" resource_id: 0x0101021c compiled_item { str { value: "1.2.3" } } }
  attribute { name: "package" value: "com.example.bundle" }
  child { element { name: "uses-sdk"
    attribute { $A name: "minSdkVersion" value: "24" resource_id: 0x0101020c compiled_item { prim { int_decimal_value: 24 } } }
    attribute { $A name: "targetSdkVersion" value: "33" resource_id: 0x01010270 compiled_item { prim { int_decimal_value: 33 } } } } }
  child { element { name: "application"
    attribute { $A name: "hasCode" value: "false" resource_id: 0x0101000c compiled_item { prim { boolean_value: false } } } } }
}
X
mkdir -p tree/base/manifest tree/base/assets tree/base/dex
protoc --encode=aapt.pb.XmlNode min_resources.proto <manifest.txtpb >tree/base/manifest/AndroidManifest.xml
echo 'bundletool { version: "1.15.6" }' | protoc --encode=android.bundle.BundleConfig min_config.proto >tree/BundleConfig.pb
echo "hello bundle" >tree/base/assets/hello.txt
printf 'dex\n035\0' >tree/base/dex/classes.dex
(cd tree && find . -exec touch -t 198001010000 {} + && zip -q -X -D -r ../unsigned.aab BundleConfig.pb base)
cp unsigned.aab "$HERE/bundle-unsigned.aab"
keytool -genkeypair -keystore ks.p12 -storetype PKCS12 -storepass changeit -alias upload -keyalg RSA \
	-keysize 2048 -validity 10000 -dname "CN=Upload Key,O=Example" 2>/dev/null
keytool -genkeypair -keystore ks.p12 -storetype PKCS12 -storepass changeit -alias ecupload -keyalg EC \
	-keysize 256 -validity 10000 -dname "CN=EC Upload Key,O=Example" 2>/dev/null
cp unsigned.aab "$HERE/bundle.aab"
jarsigner -keystore ks.p12 -storepass changeit -sigalg SHA256withRSA -digestalg SHA-256 "$HERE/bundle.aab" upload >/dev/null
cp unsigned.aab "$HERE/bundle-ec.aab"
jarsigner -keystore ks.p12 -storepass changeit -sigalg SHA256withECDSA -digestalg SHA-256 "$HERE/bundle-ec.aab" ecupload >/dev/null
# tampered: hello.txt replaced after signing (a valid ZIP whose JAR digest no longer matches)
python3 - "$HERE/bundle.aab" "$HERE/bundle-tampered.aab" <<'X'
import sys, zipfile
src, dst = sys.argv[1:]
with zipfile.ZipFile(src) as zi, zipfile.ZipFile(dst, 'w') as zo:
    for i in zi.infolist():
        data = zi.read(i)
        if i.filename == 'base/assets/hello.txt':
            data = b'hello tampered\n'
        zo.writestr(i, data)
X
ls -l "$HERE"
