#!/usr/bin/env bash
# Measures `approov pin push` of a 1,000-domain pin set on the embedded
# backend, with the live check on, against a loopback TLS server (openssl
# s_server, one wildcard leaf for every domain, reached with --connect-to):
#   - the first push: all 1,000 domains are new, so the CLI and then the
#     service each probe all 1,000 live chains;
#   - a steady-state push: 1,000 domains sent and stored, one changed (a
#     backup pin added), so one domain is probed by each side; the service
#     still validates the whole set, compares views and signs an SDK
#     configuration of 1,000 domains.
# Target (issue 10): under 200 ms for the steady-state push.
# Usage: docs/bench/pinpush.sh [runs]   (runs <= 25: one domain's pin limit)
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-20}
domains=1000
work=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$work"' EXIT
go build -o "$work/approov" ./cmd/approov
export APPROOV_HOME="$work/home" HOME="$work" DBUS_SESSION_BUS_ADDRESS= APPROOV_ROLE= APPROOV_MANAGEMENT_TOKEN=
echo 'bench password 1' | "$work/approov" account create --local --name bench --init --password-stdin 2>/dev/null

# A CA and a wildcard leaf for *.bench.test, served on loopback.
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/ca.key" -out "$work/ca.pem" \
  -subj /CN=bench-root -days 2 2>/dev/null
openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "$work/leaf.key" -out "$work/leaf.csr" \
  -subj /CN=bench.test 2>/dev/null
printf 'subjectAltName=DNS:*.bench.test\nextendedKeyUsage=serverAuth\n' >"$work/ext"
openssl x509 -req -in "$work/leaf.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial -days 2 \
  -extfile "$work/ext" -out "$work/leaf.pem" 2>/dev/null
port=$(( 20000 + RANDOM % 20000 ))
openssl s_server -quiet -accept "127.0.0.1:$port" -cert "$work/leaf.pem" -key "$work/leaf.key" -naccept 100000 >/dev/null 2>&1 &
server=$!
sleep 0.5
pin=$(openssl x509 -in "$work/leaf.pem" -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64)

# The staged set: 1,000 domains pinned to the leaf, with one backup each.
connect=()
{
  printf '{"schema":1,"base_version":0,"domains":['
  sep=
  for i in $(seq -w 1 $domains); do
    printf '%s' "$sep"; sep=,
    backup=$(head -c32 /dev/urandom | base64)
    printf '{"domain":"d%s.bench.test","pins":[{"sha256":"%s","label":"primary","type":"leaf"},{"sha256":"%s","label":"backup","type":"leaf"}]}' "$i" "$pin" "$backup"
  done
  printf ']}\n'
} >"$work/pins.json"
connect=()
for i in $(seq -w 1 $domains); do connect+=(--connect-to "d$i.bench.test=127.0.0.1:$port"); done
echo "load average: $(cut -d" " -f1-3 /proc/loadavg) on $(nproc) CPUs; $domains domains, $(wc -c <"$work/pins.json") bytes"

ms() { echo $(( ($2 - $1) / 1000000 )); }
t0=$(date +%s%N)
"$work/approov" pin push --file "$work/pins.json" --reason first --ca-file "$work/ca.pem" "${connect[@]}" >/dev/null
t1=$(date +%s%N)
echo "first push (2 x $domains live probes on loopback): $(ms "$t0" "$t1") ms"

times=()
for r in $(seq "$runs"); do
  "$work/approov" pin add d0001.bench.test "$(head -c32 /dev/urandom | base64)" --backup --file "$work/pins.json" >/dev/null
  t0=$(date +%s%N)
  "$work/approov" pin push --file "$work/pins.json" --reason "run $r" --ca-file "$work/ca.pem" "${connect[@]}" >/dev/null 2>&1
  t1=$(date +%s%N)
  times+=($(( (t1 - t0) / 1000 )))
done
printf '%s\n' "${times[@]}" | sort -n | awk -v n="$runs" -v d="$domains" '
  { v[NR] = $1 }
  END { printf "steady-state push (%d domains sent, 1 changed, 1 live probe each side): runs=%d median=%.1f ms p90=%.1f ms min=%.1f ms\n", d, n, v[int((n+1)/2)]/1000, v[int(n*0.9)]/1000, v[1]/1000 }'
"$work/approov" pin log --limit 1 --json=version,domains
