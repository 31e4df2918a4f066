# Sourced by the benchmarks that need a large signed APK (appsig-bench.sh,
# registration.sh). Needs $ROOT (the repository), $WORK (a temp dir) and
# $DIR (where the apps are kept); openssl, apksigner and zip.
# The APK is testdata/apps/android/unsigned.apk plus one stored random
# asset, signed v2+v3 by apksigner (which aligns it).

make_key() {
	[ -f "$DIR/k.pk8" ] && return
	openssl req -x509 -newkey rsa:2048 -nodes -keyout "$WORK/k.pem" -out "$DIR/k.crt" -days 365 -subj "/CN=bench" 2>/dev/null
	openssl pkcs8 -topk8 -nocrypt -in "$WORK/k.pem" -outform DER -out "$DIR/k.pk8"
}

make_apk() { # MiB -> $DIR/big-MiB.apk
	local out=$DIR/big-$1.apk d=$WORK/apk
	[ -f "$out" ] && return
	rm -rf "$d" && mkdir -p "$d/assets"
	cp "$ROOT/testdata/apps/android/unsigned.apk" "$d/in.apk"
	head -c $(($1 * 1024 * 1024 - 1200 * 1024)) /dev/urandom >"$d/assets/payload.bin"
	(cd "$d" && zip -q -0 -X in.apk assets/payload.bin)
	apksigner sign --v1-signing-enabled false --v2-signing-enabled true --v3-signing-enabled true \
		--v4-signing-enabled false --key "$DIR/k.pk8" --cert "$DIR/k.crt" --out "$out" "$d/in.apk"
	rm -rf "$d"
}

