#!/usr/bin/env bash
# Figures of issue 12 (several instances): two approovd processes on one
# PostgreSQL (a private cluster this script starts in a temporary
# directory, unix socket only, fsync and synchronous commit on), sharing
# one state directory (one --dev certificate).
#  1. signed reads (whoami) with cmd/approov-load, its workers taking the
#     two instances in turn: unpaced, then paced at 500 req/s for p99;
#  2. pin push under contention: W workers at once, each staging one new
#     domain and running `approov pin push`, again and again for S seconds;
#     a push that lost the race exits 3 and its worker runs `approov pin
#     rebase` and pushes again. Accepted pushes per second, exit-3 counts.
# The unpaced run also prints the CPU time (user+sys, /proc/PID/stat) per
# request of the two approovd and of PostgreSQL (postmaster and backends);
# the load generator prints its own. STATEMENTS=1 loads pg_stat_statements (a
# measurement: it costs CPU, so figures are taken without it) and prints
# the statements, and the simple-protocol round trips, per signed read.
# Usage: docs/bench/approovd-postgres.sh [requests]   Env: SECONDS_PER=15 WORKERS="1 4 8" STATEMENTS=1
# Needs: go, PostgreSQL binaries (/usr/lib/postgresql/*/bin), openssl.
set -euo pipefail
cd "$(dirname "$0")/../.."
requests=${1:-30000}
per=${SECONDS_PER:-15}
work=$(mktemp -d)
chmod 755 "$work"
pids=()
cleanup() {
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -f "$work/pg/data/postmaster.pid" ] && as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -m fast stop >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
as_pg() { if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
pgbin=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -1)

go build -o "$work/approovd" ./cmd/approovd
go build -o "$work/approov-load" ./cmd/approov-load
go build -o "$work/approov" ./cmd/approov

pgss=
[ "${STATEMENTS:-}" = 1 ] && pgss="-c shared_preload_libraries=pg_stat_statements -c pg_stat_statements.track_utility=on"
mkdir "$work/pg"
[ "$(id -u)" = 0 ] && chown postgres "$work/pg"
as_pg "$pgbin/initdb" -D "$work/pg/data" -U postgres -A trust -E UTF8 --locale=C --no-sync >/dev/null
as_pg "$pgbin/pg_ctl" -D "$work/pg/data" -l "$work/pg/log" -w \
	-o "-k $work/pg -c listen_addresses= -c max_connections=200 $pgss" start >/dev/null
db="postgres://postgres@/postgres?host=$work/pg&sslmode=disable"
"$work/approovd" store migrate --store "$db" >/dev/null
[ -n "$pgss" ] && as_pg "$pgbin/psql" -qX -h "$work/pg" -U postgres -c "CREATE EXTENSION pg_stat_statements" postgres

# Rate limits out of the way: one client address sends everything.
addrs=()
for i in 1 2; do
	"$work/approovd" serve --dev --listen 127.0.0.1:0 --store "$db" --state-dir "$work/state" \
		--addr-file "$work/addr$i" --rate-per-address 1e6 --burst-per-address 1000000 \
		--rate-per-account 1e6 --burst-per-account 1000000 2>"$work/approovd$i.log" &
	pids+=($!)
	for _ in $(seq 200); do [ -s "$work/addr$i" ] && break; sleep 0.05; done
	addrs+=("$(cat "$work/addr$i")")
done
echo "$(date -u +%FT%TZ), $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) (shared machine)"
echo "PostgreSQL $("$pgbin/postgres" --version | awk '{print $3}'), approovd on ${addrs[*]}"

account() { # name -> code file
	"$work/approovd" account create --store "$db" --state-dir "$work/state" --name "$1" \
		--user a@example.com --url "https://${addrs[0]}" >"$work/$1.code" 2>/dev/null
	echo "$work/$1.code"
}
spread=(--url "https://${addrs[0]}" --url "https://${addrs[1]}")
ticks() { # pids... -> their user+sys clock ticks
	for p in "$@"; do cat "/proc/$p/stat" 2>/dev/null; done | awk '{sub(/^.*\) /, ""); t += $12 + $13} END {print t + 0}'
}
pgticks() { # the postmaster with its exited children (cutime, cstime), and its live ones
	local pm
	pm=$(head -1 "$work/pg/data/postmaster.pid")
	echo $(($(awk '{sub(/^.*\) /, ""); print $14 + $15}' "/proc/$pm/stat") + $(ticks "$pm" $(pgrep -P "$pm"))))
}
statements() { # -> statements and round trips (simple-protocol strings) so far
	as_pg "$pgbin/psql" -qXAt -F' ' -h "$work/pg" -U postgres -c \
		"SELECT sum(calls), sum(calls) FILTER (WHERE query NOT LIKE 'SELECT pg_advisory_xact_lock_shared%') FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%'" postgres
}
code1=$(account reads1)
[ -n "$pgss" ] && s0=$(statements)
d0=$(ticks "${pids[@]}") p0=$(pgticks)
"$work/approov-load" --code "$code1" "${spread[@]}" --workers "${READERS:-64}" --sessions "${SESSIONS:-8}" --requests "$requests" >"$work/unpaced"
cat "$work/unpaced"
d1=$(ticks "${pids[@]}") p1=$(pgticks)
done_n=$(grep -o '[0-9]\+ requests in' "$work/unpaced" | head -1 | cut -d' ' -f1)
hz=$(getconf CLK_TCK)
awk -v d=$((d1 - d0)) -v p=$((p1 - p0)) -v n="${done_n:-$requests}" -v hz="$hz" 'BEGIN {
	printf "  CPU per signed read (user+sys): approovd x2 %.0f us, PostgreSQL %.0f us (the load generator: its line above)\n", d / hz / n * 1e6, p / hz / n * 1e6 }'
if [ -n "$pgss" ]; then
	read -r c0 r0 <<<"$s0"
	read -r c1 r1 < <(statements)
	awk -v c=$((c1 - c0)) -v r=$((r1 - r0)) -v n="${done_n:-$requests}" 'BEGIN {
		printf "  per signed read: %.1f statements, %.1f round trips (BEGIN; advisory lock is one)\n", c / n, r / n }'
	as_pg "$pgbin/psql" -qXAt -F' ' -h "$work/pg" -U postgres -c \
		"SELECT round(calls::numeric / ${done_n:-$requests}, 2), left(regexp_replace(query, '\s+', ' ', 'g'), 90) FROM pg_stat_statements WHERE query NOT LIKE '%pg_stat_statements%' ORDER BY calls DESC LIMIT 14" postgres | sed 's/^/    /'
fi
"$work/approov-load" --code "$(account reads2)" "${spread[@]}" --workers 32 --requests $((500 * 30)) --rate 500

# pin push under contention: W approov processes at once, one account and
# session (~/.approov), through the first instance (a code names its
# primary; the race is decided in the database either way).
export HOME="$work/home" APPROOV_HOME="$work/home/.approov" NO_COLOR=1
mkdir -p "$HOME"
"$work/approov" init "$(account push)" --password-stdin <<<"correct horse battery staple for bench" >/dev/null 2>&1
pusher() { # worker seconds -> "accepted conflicts errors"
	local w=$1 end=$((SECONDS + $2)) ok=0 lost=0 bad=0 n=0 f="$work/stage-$1.json" rc
	"$work/approov" pin pull --file "$f" >/dev/null 2>>"$work/push-errors"
	while [ $SECONDS -lt $end ]; do
		n=$((n + 1))
		"$work/approov" pin add "w$w-$n.bench.test" "$(openssl rand -base64 32)" --file "$f" >/dev/null 2>&1
		while :; do
			rc=0
			"$work/approov" pin push --file "$f" --force --yes --reason bench >/dev/null 2>>"$work/push-errors" || rc=$?
			[ $rc = 3 ] || break
			lost=$((lost + 1)) # lost the race: rebase on the new head and push again
			"$work/approov" pin rebase --file "$f" >/dev/null 2>>"$work/push-errors" || { rc=1; break; }
		done
		case $rc in 0) ok=$((ok + 1)) ;; *) bad=$((bad + 1)) ;; esac
	done
	echo "$ok $lost $bad"
}
echo "pin push under contention (pull, add a domain, push --force: the new domain does not resolve):"
for w in ${WORKERS:-1 4 8}; do
	jobs=()
	for k in $(seq "$w"); do
		pusher "$k" "$per" >"$work/res-$w-$k" &
		jobs+=($!)
	done
	wait "${jobs[@]}"
	read -r ok lost bad < <(cat "$work"/res-"$w"-* | awk '{a+=$1; b+=$2; c+=$3} END {print a, b, c}')
	awk -v w="$w" -v ok="$ok" -v lost="$lost" -v bad="$bad" -v s="$per" \
		'BEGIN {printf "  %d pusher(s): %5.1f accepted pushes/s, %d exit 3 (lost the race: rebased, pushed again), %d other errors, in %d s\n", w, ok / s, lost, bad, s}'
done
if [ -f "$work/push-errors" ] && grep -v "your push is based on version" "$work/push-errors" | grep -q "^error"; then
	echo "other errors, most frequent first:"
	grep "^error" "$work/push-errors" | grep -v "your push is based on" | sed "s/[0-9]\+/N/g" | sort | uniq -c | sort -rn | head -3
fi
