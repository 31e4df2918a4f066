#!/usr/bin/env bash
# `approov app inspect` against `openssl dgst -sha256` (one hardware-
# accelerated SHA-256 pass: the practical floor) on signed APKs and IPAs of
# several sizes, in one run. For each file it prints wall time and CPU time
# (user+sys) of both tools, each the median of RUNS runs, their peak RSS (one
# more run), and approov's ratios to openssl. Targets (issue 15), at 256 MiB: CPU <= 2.0x,
# wall <= 1.3x on an idle machine; peak RSS <= 32 MiB at 1 GiB.
#
# Usage: docs/bench/appsig-bench.sh [size-MiB...]      (default: 64 256 1024)
# Env:   RUNS=5           runs per tool and file (median reported)
#        STAT=min         report the minimum of the runs instead: on a shared
#                         machine, the runs that found the second core free
#        BENCH_DIR=dir    keep the generated apps there and reuse them
#        APPROOV=path     measure this binary instead of building the worktree
#        DEFLATED="64 256" also measure, at these sizes, an IPA whose executable
#                         is deflated (most real IPAs; inflating dominates)
# Needs: go, openssl, apksigner (Debian package), zip, unzip, GNU time, bc.
#
# The apps are built in a temp dir from the committed fixtures, never
# committed: the APK is testdata/apps/android/unsigned.apk plus one stored
# random asset, signed v2+v3 by apksigner (which aligns it); the IPA is the
# adhoc.ipa fixture's Info.plist beside a Go-built darwin/arm64 executable
# (ad-hoc signed by the Go linker, so every 4 KiB code page is hashed) that
# embeds a random payload of the size, zipped stored as large apps are.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
SIZES=${*:-64 256 1024}
RUNS=${RUNS:-5}
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
DIR=${BENCH_DIR:-$WORK}
mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd)
APPROOV=${APPROOV:-$WORK/approov}
[ -x "$APPROOV" ] || (cd "$ROOT" && go build -o "$APPROOV" ./cmd/approov)

. "$ROOT/docs/bench/bigapk.sh" # make_key, make_apk

make_ipa() { # MiB kind(stored|deflated) -> $DIR/big-MiB[-deflated].ipa
	local out=$DIR/big-$1.ipa d=$WORK/ipa zipflags=-0 n=$(($1 * 1024 * 1024 - 2 * 1024 * 1024))
	[ "$2" = deflated ] && out=$DIR/big-$1-deflated.ipa zipflags=-6
	[ -f "$out" ] && return
	rm -rf "$d" && mkdir -p "$d/exe" "$d/Payload/Fixture.app"
	if [ "$2" = deflated ]; then # base64 of random bytes: deflates to about 3/4
		head -c $((n * 3 / 4)) /dev/urandom | base64 -w 0 | head -c $n >"$d/exe/payload.bin"
	else
		head -c $n /dev/urandom >"$d/exe/payload.bin"
	fi
	printf 'package main\n\nimport _ "embed"\n\n//go:embed payload.bin\nvar payload []byte\n\nfunc main() { println(len(payload)) }\n' >"$d/exe/main.go"
	printf 'module big\ngo 1.22\n' >"$d/exe/go.mod"
	(cd "$d/exe" && CGO_ENABLED=0 GOOS=darwin GOARCH=arm64 go build -trimpath -o ../Payload/Fixture.app/Fixture .)
	(cd "$d" && unzip -q -o "$ROOT/testdata/apps/ios/adhoc.ipa" Payload/Fixture.app/Info.plist Payload/Fixture.app/PkgInfo &&
		zip -q $zipflags -X -r "$out" Payload)
	rm -rf "$d"
}

median() { # of the values on stdin, or their minimum with STAT=min
	awk NF | sort -g | awk -v min="${STAT:-}" '{a[NR]=$1} END {print (min == "min") ? a[1] : a[int((NR+1)/2)]}'
}

measure() { # command... -> "wall cpu rssMiB" (medians of RUNS runs)
	# Wall and CPU come from bash's `time` (milliseconds: GNU time prints
	# hundredths, and at 256 MiB openssl takes about 0.20 s, so one
	# hundredth moved the CPU ratio by 0.05); peak RSS from one more run
	# under GNU time, which is not timed.
	local walls="" cpus="" i TIMEFORMAT='%3R %3U %3S'
	for ((i = 0; i < RUNS; i++)); do
		{ time "$@" >/dev/null 2>"$WORK/err.out"; } 2>"$WORK/time.out" || fail
		read -r wall user sys <"$WORK/time.out"
		walls+="$wall"$'\n' cpus+="$(echo "$user + $sys" | bc -l)"$'\n'
	done
	/usr/bin/time -f '%M' -o "$WORK/rss.out" "$@" >/dev/null 2>"$WORK/err.out" || fail
	echo "$(median <<<"$walls") $(median <<<"$cpus") $(echo "$(cat "$WORK/rss.out") / 1024" | bc -l)"
}

fail() {
	cat "$WORK/err.out" >&2
	exit 1
}

row() { # file
	local f=$1 ow oc orr aw ac ar
	cat "$f" >/dev/null # warm the page cache: every tool reads from memory
	read -r ow oc orr < <(measure openssl dgst -sha256 "$f")
	read -r aw ac ar < <(measure "$APPROOV" app inspect "$f")
	printf '%-22s %6.0f | %6.3f %6.3f %6.1f | %6.3f %6.3f %6.1f | %5.2fx %5.2fx %5.2fx\n' \
		"$(basename "$f")" "$(($(stat -c %s "$f") / 1048576))" "$ow" "$oc" "$orr" "$aw" "$ac" "$ar" \
		"$(echo "$aw / $ow" | bc -l)" "$(echo "$ac / $oc" | bc -l)" "$(echo "$ar / $orr" | bc -l)"
}

make_key
for s in $SIZES; do
	make_apk "$s"
	make_ipa "$s" stored
	if [[ " ${DEFLATED:-} " == *" $s "* ]]; then make_ipa "$s" deflated; fi
done
printf '%s, %s CPUs, %s runs per cell (%s); load average before: %s\n' "$(date -u +%FT%TZ)" "$(nproc)" "$RUNS" "${STAT:-median}" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-22s %6s | %-22s | %-22s | %s\n' file MiB "openssl wall/CPU/RSS" "approov wall/CPU/RSS" "ratio wall/CPU/RSS"
for s in $SIZES; do
	row "$DIR/big-$s.apk"
	row "$DIR/big-$s.ipa"
	if [[ " ${DEFLATED:-} " == *" $s "* ]]; then row "$DIR/big-$s-deflated.ipa"; fi
done
printf 'load average after: %s (s and MiB; ratios are approov / openssl)\n' "$(cut -d' ' -f1-3 /proc/loadavg)"
