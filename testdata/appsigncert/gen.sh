#!/usr/bin/env bash
# Regenerates the app-signing certificate fixtures of internal/signcert with the
# real tools: keytool (openjdk-17-jre-headless), openssl 3 (legacy provider),
# python3, unzip. The outputs are committed; tests never run this script. Keys
# are fixtures made for this directory and protect nothing.
#
#   testdata/appsigncert/gen.sh && go test ./internal/signcert/...
#
# The certificates read back from the app fixtures (apk-*, aab-*, ipa-*) are the
# same on every run; every other output gets new keys, so tests compare them with
# each other and with keytool/openssl, never with fixed digests.
#
# Outputs (password of every keystore: fixture-pass, unless said otherwise):
#   release.pem, release.der    certificate of release.p12's key (keytool -exportcert)
#   release.p12                 keytool's default PKCS#12 (AES-256-CBC, PBKDF2, HmacSHA256 MAC)
#   release-legacy.p12          keytool with keystore.pkcs12.legacy (RC2-40 / 3DES, SHA-1 MAC)
#   release.jks                 the same key as a JKS keystore (refused, with a conversion hint)
#   openssl-aes.p12             openssl pkcs12 -export (OpenSSL 3 default: AES-256, PBKDF2)
#   openssl-legacy.p12          openssl pkcs12 -export -legacy (RC2-40 / 3DES, SHA-1 MAC)
#   empty-pass.p12              (password: empty) openssl pkcs12 -export
#   two-keys.p12                keytool PKCS#12 with two key entries (refused: which one?)
#   cert-only.p12               keytool trust store holding release.pem alone (no key entry)
#   key-only.p12                openssl pkcs12 -export -nocerts (refused: no certificate)
#   key-only.pem, key-only.pk8  a private key alone, PEM and DER PKCS#8 (refused)
#   iterations.p12              keytool, with 3001 (certificate safe), 3002 (key) and 3003 (MAC) iterations
#   debug.p12                   (password: android) an Android debug keystore (keytool dname of Android Studio's)
#   apple-dist.p12              stand-in "Apple Distribution" identity + stand-in WWDR CA
#   apple-dist.cer              its certificate, DER (what the developer portal serves)
#   apple-dist-chain.pem        the certificate with the CA before it (leaf chosen by issuer)
#   apk-k1.pem, apk-k2.pem      signer certificates of testdata/apps/android APKs
#   aab-upload.pem              signer certificate of testdata/apps/android/bundle.aab
#   ipa-dev.cer                 signer certificate of testdata/apps/ios/cms.ipa (from its profile)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
apps=$here/../apps
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pw=fixture-pass

# Android: keytool keystores (modern default, legacy, JKS, two keys, debug).
kt() { keytool -genkeypair -storepass $pw -keyalg RSA -keysize 2048 -validity 10000 "$@" 2>/dev/null; }
kt -keystore release.p12 -storetype PKCS12 -alias release -dname "CN=Fixture Release,O=Example,C=GB"
keytool -exportcert -rfc -keystore release.p12 -storepass $pw -alias release -file "$here/release.pem" 2>/dev/null
keytool -exportcert -keystore release.p12 -storepass $pw -alias release -file "$here/release.der" 2>/dev/null
cp release.p12 "$here/release.p12"
rm -f "$here/release-legacy.p12" "$here/release.jks"
keytool -J-Dkeystore.pkcs12.legacy -importkeystore -srckeystore release.p12 -srcstorepass $pw \
	-destkeystore "$here/release-legacy.p12" -deststoretype PKCS12 -deststorepass $pw 2>/dev/null
keytool -importkeystore -srckeystore release.p12 -srcstorepass $pw \
	-destkeystore "$here/release.jks" -deststoretype JKS -deststorepass $pw 2>/dev/null
rm -f "$here/two-keys.p12" "$here/debug.p12" "$here/cert-only.p12"
keytool -importcert -noprompt -keystore "$here/cert-only.p12" -storetype PKCS12 -storepass $pw -alias trusted \
	-file "$here/release.pem" 2>/dev/null
kt -keystore "$here/two-keys.p12" -storetype PKCS12 -alias one -dname "CN=One"
kt -keystore "$here/two-keys.p12" -storetype PKCS12 -alias two -dname "CN=Two"
rm -f "$here/iterations.p12"
keytool -J-Dkeystore.pkcs12.certPbeIterationCount=3001 -J-Dkeystore.pkcs12.keyPbeIterationCount=3002 \
	-J-Dkeystore.pkcs12.macIterationCount=3003 -genkeypair -keystore "$here/iterations.p12" -storetype PKCS12 \
	-storepass $pw -alias it -keyalg EC -validity 10000 -dname "CN=Fixture Iterations" 2>/dev/null
keytool -genkeypair -keystore "$here/debug.p12" -storetype PKCS12 -storepass android -alias androiddebugkey \
	-keyalg RSA -keysize 2048 -validity 10000 -dname "CN=Android Debug,O=Android,C=US" 2>/dev/null

# openssl keystores: AES (default), legacy, empty password, key only.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout ec.key -out ec.crt \
	-days 10000 -subj "/CN=Fixture OpenSSL EC/O=Example" 2>/dev/null
openssl pkcs12 -export -inkey ec.key -in ec.crt -name ec -passout pass:$pw -out "$here/openssl-aes.p12"
openssl pkcs12 -export -legacy -inkey ec.key -in ec.crt -name ec -passout pass:$pw -out "$here/openssl-legacy.p12"
openssl pkcs12 -export -inkey ec.key -in ec.crt -name ec -passout pass: -out "$here/empty-pass.p12"
openssl pkcs12 -export -nocerts -inkey ec.key -passout pass:$pw -out "$here/key-only.p12" 2>/dev/null
openssl pkey -in ec.key -out "$here/key-only.pem"
openssl pkcs8 -topk8 -nocrypt -in ec.key -outform DER -out "$here/key-only.pk8"

# Apple: a stand-in WWDR CA issues an "Apple Distribution" certificate (no Apple chain offline).
cat >ca.cnf <<'EOF'
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = Stand-in Apple Worldwide Developer Relations CA
OU = G3
O = Stand-in Apple Inc.
C = US
[ext]
basicConstraints = critical,CA:true
keyUsage = critical,keyCertSign,cRLSign
EOF
openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.crt -days 10000 -config ca.cnf -set_serial 3 2>/dev/null
cat >leaf.ext <<'EOF'
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,codeSigning
EOF
openssl req -newkey rsa:2048 -nodes -keyout dist.key -out dist.csr 2>/dev/null \
	-subj "/UID=FIXTUREUID/CN=Apple Distribution: Fixture Org (TEAMID1234)/OU=TEAMID1234/O=Fixture Org/C=US"
openssl x509 -req -in dist.csr -CA ca.crt -CAkey ca.key -set_serial 0x5a17e0c1 -days 3650 \
	-extfile leaf.ext -out dist.crt 2>/dev/null
openssl x509 -in dist.crt -outform DER -out "$here/apple-dist.cer"
cat ca.crt dist.crt >"$here/apple-dist-chain.pem"
openssl pkcs12 -export -inkey dist.key -in dist.crt -certfile ca.crt -name "Apple Distribution" \
	-passout pass:$pw -out "$here/apple-dist.p12"

# Signer certificates of the committed app fixtures, read back from the apps.
unzip -p "$apps/android/v123.apk" 'META-INF/*.RSA' | openssl pkcs7 -inform DER -print_certs |
	openssl x509 -out "$here/apk-k1.pem"
unzip -p "$apps/android/bundle.aab" 'META-INF/*.RSA' | openssl pkcs7 -inform DER -print_certs |
	openssl x509 -out "$here/aab-upload.pem"
# k2 signs only v2/v3 blocks: take the second v2 signer of v2-twosigners.apk.
python3 - "$apps/android/v2-twosigners.apk" >k2.der <<'EOF'
import struct, sys
d = open(sys.argv[1], 'rb').read()
eocd = d.rindex(b'PK\x05\x06'); cd = struct.unpack_from('<I', d, eocd + 16)[0]
assert d[cd - 16:cd] == b'APK Sig Block 42'
size = struct.unpack_from('<Q', d, cd - 24)[0]; p = cd - size  # first pair, after the leading size field
def lp(b, o):  # uint32 length-prefixed
    n = struct.unpack_from('<I', b, o)[0]; return b[o + 4:o + 4 + n], o + 4 + n
while p < cd - 24:
    n, i = struct.unpack_from('<QI', d, p)
    if i == 0x7109871a: v2 = d[p + 12:p + 8 + n]
    p += 8 + n
signers, _ = lp(v2, 0); o = 0; found = []
while o < len(signers):
    s, o = lp(signers, o); sd, _ = lp(s, 0); _, q = lp(sd, 0); certs, _ = lp(sd, q); c, _ = lp(certs, 0)
    found.append(c)
sys.stdout.buffer.write(found[1])
EOF
openssl x509 -inform DER -in k2.der -out "$here/apk-k2.pem"
unzip -p "$apps/ios/cms.ipa" Payload/Fixture.app/embedded.mobileprovision |
	openssl cms -verify -noverify -inform DER -out profile.plist 2>/dev/null
python3 -c "import plistlib,sys; sys.stdout.buffer.write(plistlib.load(open('profile.plist','rb'))['DeveloperCertificates'][0])" \
	>"$here/ipa-dev.cer"

# Fuzz seed corpus of internal/signcert from the fixtures (go test fuzz v1 format).
python3 - "$here" "$here/../../internal/signcert/testdata/fuzz/FuzzParse" <<'PY'
import os, sys
src, dst = sys.argv[1:]
os.makedirs(dst, exist_ok=True)
for name in os.listdir(dst):
    os.remove(os.path.join(dst, name))
seeds = {'release.pem': None, 'release.der': None, 'apple-dist-chain.pem': None, 'openssl-aes.p12': None,
         'openssl-legacy.p12': None, 'iterations.p12': None, 'cert-only.p12': None, 'key-only.pk8': None,
         'release.jks': 64}
for name, cut in seeds.items():
    data = open(os.path.join(src, name), 'rb').read()[:cut]
    lit = ''.join(chr(c) if 32 <= c < 127 and c not in (34, 92) else '\\x%02x' % c for c in data)
    open(os.path.join(dst, name.replace('.', '_')), 'w').write('go test fuzz v1\n[]byte("%s")\n' % lit)
PY
ls -l "$here" >&2
