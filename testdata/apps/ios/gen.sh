#!/usr/bin/env bash
# Regenerates the IPA fixtures of internal/appsig/ipa. The outputs are
# committed; tests never run this script. Needs: Go, openssl, python3, zip.
# Tools (quill v0.5.1, resign, mkfat) come from the separate module in ./tools.
#
#   testdata/apps/ios/gen.sh && go test ./internal/appsig/ipa/... -update
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

echo "building tools" >&2
(cd "$here/tools" && go build -o "$work/bin/" github.com/anchore/quill/cmd/quill ./resign ./mkfat)
PATH=$work/bin:$PATH
export QUILL_SIGN_PASSWORD=test QUILL_SIGN_FAIL_WITHOUT_FULL_CHAIN=false

# 1) Tiny Go executables: arm64 is ad-hoc signed by the Go linker, amd64 is unsigned.
mkdir src && cat >src/main.go <<'EOF'
package main

func main() { println("fixture") }
EOF
printf 'module fixture\n\ngo 1.26.0\n' >src/go.mod
for arch in arm64 amd64; do
  (cd src && CGO_ENABLED=0 GOOS=darwin GOARCH=$arch go build -trimpath -ldflags='-s -w -buildid=' -o "../Fixture-$arch" .)
done
mkfat -o Fixture-universal Fixture-arm64 Fixture-amd64

# 2) Stand-in identities (self-signed: no Apple chain exists offline).
ident() { # name OU CN
  cat >"$1.cnf" <<EOF
[req]
distinguished_name = dn
prompt = no
x509_extensions = ext
[dn]
CN = $3
OU = $2
O = Fixture Org
C = US
[ext]
basicConstraints = critical,CA:false
keyUsage = critical,digitalSignature
extendedKeyUsage = critical,codeSigning
EOF
  openssl req -x509 -newkey rsa:2048 -nodes -keyout "$1.key" -out "$1.crt" -days 3650 -config "$1.cnf" -set_serial 7 2>/dev/null
}
ident dev TEAMID1234 "Apple Development: Fixture Dev (ABCDE12345)"
ident prof "Apple Certification Authority" "Stand-in iPhone OS Provisioning Profile Signing"
openssl pkcs12 -export -inkey dev.key -in dev.crt -out dev.p12 -passout pass:test -name dev

# 3) Bundle inputs: Info.plist (XML and binary), entitlements, profiles.
python3 - <<'EOF'
import plistlib, datetime, subprocess
info = {'CFBundleIdentifier': 'com.example.fixture', 'CFBundleExecutable': 'Fixture',
        'CFBundleName': 'Fixture', 'CFBundleShortVersionString': '1.2.3', 'CFBundleVersion': '42',
        'CFBundlePackageType': 'APPL', 'MinimumOSVersion': '15.0', 'CFBundleSupportedPlatforms': ['iPhoneOS']}
open('Info.xml', 'wb').write(plistlib.dumps(info))
open('Info.bin', 'wb').write(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
info['CFBundleVersion'] = '43'
open('Info-tampered.bin', 'wb').write(plistlib.dumps(info, fmt=plistlib.FMT_BINARY))
ents = {'application-identifier': 'TEAMID1234.com.example.fixture',
        'com.apple.developer.team-identifier': 'TEAMID1234', 'get-task-allow': True}
open('ent.plist', 'wb').write(plistlib.dumps(ents))
der = subprocess.run(['openssl', 'x509', '-in', 'dev.crt', '-outform', 'DER'], capture_output=True, check=True).stdout
def profile(path, team, certs):
    p = {'AppIDName': 'Fixture', 'ApplicationIdentifierPrefix': [team],
         'CreationDate': datetime.datetime(2026, 1, 1), 'ExpirationDate': datetime.datetime(2027, 1, 1),
         'DeveloperCertificates': certs,
         'Entitlements': {'application-identifier': team + '.com.example.fixture',
                          'com.apple.developer.team-identifier': team, 'get-task-allow': True,
                          'keychain-access-groups': [team + '.*']},
         'IsXcodeManaged': False, 'Name': 'Fixture Dev Profile', 'Platform': ['iOS'],
         'ProvisionedDevices': ['00008030-000000000000001E'], 'TeamIdentifier': [team],
         'TeamName': 'Fixture Org', 'TimeToLive': 365,
         'UUID': '11111111-2222-3333-4444-555555555555', 'Version': 1}
    open(path, 'wb').write(plistlib.dumps(p))
profile('profile.plist', 'TEAMID1234', [der])
profile('profile-otherteam.plist', 'OTHERTEAM9', [der])
EOF
for p in profile profile-otherteam; do
  openssl cms -sign -nodetach -binary -outform DER -md sha256 -in $p.plist \
    -signer prof.crt -inkey prof.key -out $p.mobileprovision
done

# CodeResources for a bundle dir (Appendix E of the research note).
coderesources() {
  python3 - "$1" <<'EOF'
import plistlib, hashlib, os, sys
app = sys.argv[1]; files = {}; files2 = {}
for root, _, names in os.walk(app):
    for n in sorted(names):
        p = os.path.join(root, n); rel = os.path.relpath(p, app)
        if rel == 'Fixture' or rel.startswith('_CodeSignature/'): continue
        b = open(p, 'rb').read()
        files[rel] = hashlib.sha1(b).digest()
        if rel not in ('Info.plist', 'PkgInfo'):
            files2[rel] = {'hash': hashlib.sha1(b).digest(), 'hash2': hashlib.sha256(b).digest()}
rules = {'^.*': True, '^.*\\.lproj/': {'optional': True, 'weight': 1000.0}, '^Base\\.lproj/': {'weight': 1010.0}, '^version.plist$': True}
rules2 = {'.*\\.dSYM($|/)': {'weight': 11.0}, '^(.*/)?\\.DS_Store$': {'omit': True, 'weight': 2000.0}, '^.*': True,
          '^Info\\.plist$': {'omit': True, 'weight': 20.0}, '^PkgInfo$': {'omit': True, 'weight': 20.0},
          '^embedded\\.provisionprofile$': {'weight': 20.0}, '^version\\.plist$': {'weight': 20.0}}
os.makedirs(os.path.join(app, '_CodeSignature'), exist_ok=True)
open(os.path.join(app, '_CodeSignature/CodeResources'), 'wb').write(plistlib.dumps({'files': files, 'files2': files2, 'rules': rules, 'rules2': rules2}))
EOF
}

# bundle NAME EXE INFO [PROFILE]: lay out Payload/Fixture.app (without zipping).
bundle() {
  local app=$1/Payload/Fixture.app
  rm -rf "$1"; mkdir -p "$app"
  cp "$2" "$app/Fixture"; cp "$3" "$app/Info.plist"
  printf 'APPL????' >"$app/PkgInfo"
  printf 'fixture asset\n' >"$app/asset.txt"
  if [ -n "${4:-}" ]; then cp "$4" "$app/embedded.mobileprovision"; fi
  coderesources "$app"
}
pack() { # DIR OUT.ipa
  (cd "$1" && find Payload -exec touch -t 202601010000 {} + && rm -f "$here/$2" && zip -q -X -r "$here/$2" Payload)
}

# 4) Positive fixtures.
bundle adhoc Fixture-arm64 Info.xml; pack adhoc adhoc.ipa
cp Fixture-arm64 Fixture-cms
quill sign Fixture-cms --p12 dev.p12 --identity com.example.fixture --timestamp-server "" -q
bundle cms Fixture-cms Info.bin profile.mobileprovision; pack cms cms.ipa
cp Fixture-universal Fixture-fat
quill sign Fixture-fat --p12 dev.p12 --identity com.example.fixture --timestamp-server "" -q
bundle fat Fixture-fat Info.bin profile.mobileprovision; pack fat fat.ipa
# "sealed": Info.plist and CodeResources bound, team ID in the CD, entitlements,
# SHA-1 CD at slot 0 + SHA-256 alternate, CMS with Apple's cdhashes attribute.
# It also nests an app extension (ad-hoc, linker-signed) sealed by CodeResources.
bundle sealed Fixture-arm64 Info.bin profile.mobileprovision
ext=sealed/Payload/Fixture.app/PlugIns/Widget.appex
mkdir -p "$ext"; cp Fixture-arm64 "$ext/Widget"
python3 -c "import plistlib; open('$ext/Info.plist','wb').write(plistlib.dumps({'CFBundleIdentifier':'com.example.fixture.widget','CFBundleExecutable':'Widget','CFBundlePackageType':'XPC!'}))"
coderesources sealed/Payload/Fixture.app
resign -in Fixture-arm64 -out sealed/Payload/Fixture.app/Fixture -id com.example.fixture -team TEAMID1234 \
  -info Info.bin -resources sealed/Payload/Fixture.app/_CodeSignature/CodeResources \
  -entitlements ent.plist -cert dev.crt -key dev.key -sha1
pack sealed sealed.ipa

# 5) Negative fixtures, each derived from a positive one with one change.
variant() { rm -rf "$2"; cp -r "$1" "$2"; }
variant sealed bad-page
printf '\xff' | dd of=bad-page/Payload/Fixture.app/Fixture bs=1 seek=$((0x2000)) conv=notrunc status=none
pack bad-page bad-page.ipa
variant sealed bad-infoplist; cp Info-tampered.bin bad-infoplist/Payload/Fixture.app/Info.plist; pack bad-infoplist bad-infoplist.ipa
variant sealed bad-resource; printf 'changed\n' >bad-resource/Payload/Fixture.app/asset.txt; pack bad-resource bad-resource.ipa
variant cms no-profile; rm no-profile/Payload/Fixture.app/embedded.mobileprovision; pack no-profile no-profile.ipa
variant cms team-mismatch; cp profile-otherteam.mobileprovision team-mismatch/Payload/Fixture.app/embedded.mobileprovision; pack team-mismatch team-mismatch.ipa
variant cms bad-cms # flip a byte of the CodeDirectory identifier: the CMS digest no longer matches
python3 - bad-cms/Payload/Fixture.app/Fixture <<'EOF'
import sys; p = sys.argv[1]; d = bytearray(open(p, 'rb').read())
cd = d.rindex(b'\xfa\xde\x0c\x02')  # the last CodeDirectory is quill's slot 0
i = cd + int.from_bytes(d[cd+20:cd+24], 'big'); d[i] ^= 0x20; open(p, 'wb').write(d)
EOF
pack bad-cms bad-cms.ipa
bundle unsigned-slice Fixture-universal Info.bin; pack unsigned-slice unsigned-slice.ipa
variant adhoc two-apps; cp -r two-apps/Payload/Fixture.app two-apps/Payload/Other.app; pack two-apps two-apps.ipa
variant adhoc no-exe; rm no-exe/Payload/Fixture.app/Fixture; pack no-exe no-exe.ipa
# 6) Fuzz seed corpora from the real files (go test fuzz v1 format).
(cd "$here" && python3 - "$here/../../../internal/appsig/ipa" "$work/ent.plist") <<'EOF'
import os, struct, sys, zipfile
pkg, ent = sys.argv[1], sys.argv[2]
def seed(target, name, data):
    d = os.path.join(pkg, target); os.makedirs(d, exist_ok=True)
    lit = ''.join(chr(c) if 32 <= c < 127 and c not in (34, 92) else '\\x%02x' % c for c in data)
    open(os.path.join(d, name), 'w').write('go test fuzz v1\n[]byte("%s")\n' % lit)
def superblob(exe):
    ncmds, off = struct.unpack_from('<I', exe, 16)[0], 32
    for _ in range(ncmds):
        cmd, size = struct.unpack_from('<II', exe, off)
        if cmd == 0x1d:
            dataoff, datasize = struct.unpack_from('<II', exe, off + 8); return exe[dataoff:dataoff + datasize]
        off += size
app = 'Payload/Fixture.app/'
for name in ('adhoc', 'sealed'):
    seed('codesign/testdata/fuzz/FuzzParseSignature', name, superblob(zipfile.ZipFile(name + '.ipa').read(app + 'Fixture')))
z = zipfile.ZipFile('sealed.ipa')
seed('plists/testdata/fuzz/FuzzDecode', 'info-binary', z.read(app + 'Info.plist'))
seed('plists/testdata/fuzz/FuzzDecode', 'info-xml', zipfile.ZipFile('adhoc.ipa').read(app + 'Info.plist'))
seed('plists/testdata/fuzz/FuzzDecode', 'coderesources', z.read(app + '_CodeSignature/CodeResources'))
seed('plists/testdata/fuzz/FuzzDecode', 'entitlements', open(ent, 'rb').read())
seed('profile/testdata/fuzz/FuzzParse', 'profile', z.read(app + 'embedded.mobileprovision'))
EOF
ls -l "$here"/*.ipa >&2
