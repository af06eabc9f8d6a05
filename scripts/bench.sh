#!/usr/bin/env bash
# make bench: measure everything in one run on this machine and print one
# markdown table (BENCHMARKS.md holds the last one and how to read it).
#
#   1. the Go benchmarks of ./gmcrypto and ./platform (signing, SM4)
#   2. signed baohanapply per second through HTTP: signature-only baseline,
#      SQLite and, with BAOHAN_TEST_MYSQL_DSN, MariaDB (handler BenchmarkApplyHTTP)
#   3. notice delivery per second (cmd/baohan BenchmarkDeliver400KiB)
#   4. letters rendered and signed per second per core (pdf, -cpu 1)
#   5. the bid-opening storm: the real binary on SQLite (and, with
#      BAOHAN_TEST_MYSQL_DSN, again on a fresh MariaDB database), 2,000 applications
#      approved, then 2,000 baohanrestore at once (bin/platformsim load):
#      first baohanrestore to last restorenotice accepted, with the gateway's
#      peak memory (VmHWM) during it, against the same 2,000 letters rendered
#      and signed in a tight loop on all cores (scripts/renderloop), and the
#      floor: those letters with all the CPU work no design avoids (digest,
#      base64, restorenotice signed), with and without the platform's check;
#      with BAOHAN_TEST_MYSQL_DSN, once more on another fresh MariaDB database
#      served by two gateway processes (replicas, ports BENCH_GATEWAY_PORT and
#      the next one, notices to the one simulator), applications spread over
#      both: their baohanapply per second against the single MariaDB gateway's
#      shows whether anything but the database serializes replicas
#   6. the storm with a local TSA against the storm without, in one process
#      (cmd/baohan BenchmarkRestoreStormTSARatio): the median ratio of
#      BENCH_TSA_ROUNDS pairs (5), each pair back to back, the order
#      alternating; single storms vary by ±15 % on a small machine
#
# Raw outputs stay in $BENCH_DIR (default: a temporary directory).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
GO=${GO:-go}
N=${BENCH_N:-2000}
gwport=${BENCH_GATEWAY_PORT:-18080}
simport=${BENCH_NOTIFY_PORT:-19090}
out=${BENCH_DIR:-$(mktemp -d)}
mkdir -p "$out"
say() { echo "bench: $*" >&2; }

say "raw outputs in $out"
say "1/6 gmcrypto, platform"
$GO test -run '^$' -bench . -benchmem -cpu 1 ./gmcrypto ./platform | tee "$out/protocol.txt" >&2

say "2/6 baohanapply over HTTP (handler BenchmarkApplyHTTP)"
$GO test -run '^$' -bench 'ApplyHTTP' -benchtime 3s ./handler | tee "$out/apply.txt" >&2
say "3/6 notice delivery (cmd/baohan BenchmarkDeliver400KiB)"
$GO test -run '^$' -bench 'Deliver400KiB' -benchtime 300x -benchmem ./cmd/baohan | tee "$out/deliver.txt" >&2
say "4/6 letters per core (pdf, -cpu 1)"
$GO test -run '^$' -bench 'RenderSign(ECDSA|RSA|ECDSASM2)$' -benchmem -cpu 1 ./pdf | tee "$out/letters.txt" >&2

say "5/6 bid-opening storm of $N letters"
$GO build -o bin/baohan ./cmd/baohan
$GO build -o bin/platformsim ./cmd/platformsim
# The loop runs with the collector settings the gateway gives itself
# (tuneGC in cmd/baohan/main.go), so that the two compare like with like.
$GO build -o bin/renderloop ./scripts/renderloop
GOGC=400 GOMEMLIMIT=200MiB bin/renderloop -n "$N" -workers "$(nproc)" >"$out/renderloop.json"
cat "$out/renderloop.json" >&2
# A configuration file never runs on the embedded demo secrets: the storm's
# own, handed to the simulator too.
secret="bench-secret-$$-$RANDOM"
token="bench-token-$$-$RANDOM"
gwpids=
gw=
# stopgw stops every gateway process a storm started (SIGINT: each drains
# and exits) and removes their directory.
stopgw() {
	local pid
	for pid in $gwpids; do kill -INT "$pid" 2>/dev/null || true; done
	for pid in $gwpids; do wait "$pid" 2>/dev/null || true; done
	gwpids=
	if [ -n "$gw" ]; then rm -rf "$gw"; fi
	gw=
}
trap stopgw EXIT

# storm ENGINE NAME [REPLICAS]: the real binary on ENGINE (sqlite, or mysql
# on a fresh database of BAOHAN_TEST_MYSQL_DSN's server), $N applications
# approved and restored by the simulator; results in $out/NAME.json.
# REPLICAS (default 1, more only on mysql) gateway processes share the
# database and the data directory, on ports $gwport, $gwport+1, …; each is
# started once the one before listens (the first migrates), and application
# i goes to replica i mod REPLICAS. The simulator reads the peak memory of a
# single gateway only.
storm() {
	local engine=$1 name=$2 replicas=${3:-1} dsn i port log pid urls= pidflag=()
	gw=$(mktemp -d)
	if [ "$engine" = sqlite ]; then
		dsn="$gw/data/baohan.db"
	else
		local db="baohan_bench_$$" hostport user pass
		hostport=$(sed -n 's/.*@tcp(\([^)]*\)).*/\1/p' <<<"$BAOHAN_TEST_MYSQL_DSN")
		user=${BAOHAN_TEST_MYSQL_DSN%%:*}
		pass=${BAOHAN_TEST_MYSQL_DSN#*:}
		pass=${pass%%@*}
		MYSQL_PWD=$pass mysql --host="${hostport%:*}" --port="${hostport##*:}" --user="$user" \
			-e "DROP DATABASE IF EXISTS $db; CREATE DATABASE $db CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
		dsn=$(sed "s#)/[^?]*?#)/$db?#" <<<"$BAOHAN_TEST_MYSQL_DSN")
	fi
	for ((i = 0; i < replicas; i++)); do
		port=$((gwport + i))
		log="$out/gateway-$name.log"
		if [ "$i" -gt 0 ]; then log="$out/gateway-$name-$((i + 1)).log"; fi
		cat >"$gw/baohan-$i.yaml" <<EOF
listen: 127.0.0.1:$port
public_url: http://127.0.0.1:$port
data_dir: $gw/data
database:
  driver: $engine
  dsn: "$dsn"
platforms:
  - name: 吉林省公共资源交易一体化平台
    appkey: finance_demo
    appsecret: $secret
    notify_url: http://127.0.0.1:$simport/gbsapi
api:
  tokens: [$token]
EOF
		(cd "$gw" && exec env -u BAOHAN_TEST_MYSQL_DSN "$root/bin/baohan" serve --config "baohan-$i.yaml" >"$log" 2>&1) &
		pid=$!
		gwpids="$gwpids $pid"
		for _ in $(seq 1 300); do
			(exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null && break
			sleep 0.1
		done
		urls="$urls${urls:+,}http://127.0.0.1:$port"
	done
	if [ "$replicas" -eq 1 ]; then pidflag=(-gateway-pid "$pid"); fi
	bin/platformsim load -n "$N" -c 16 -gateway "$urls" -listen "127.0.0.1:$simport" \
		-appsecret "$secret" -token "$token" \
		"${pidflag[@]}" -json "$out/$name.json" | tee "$out/$name.txt" >&2
	stopgw
}
storm sqlite storm
if [ -n "${BAOHAN_TEST_MYSQL_DSN:-}" ]; then
	say "5/6 the same storm on MariaDB"
	storm mysql storm-mysql
	say "5/6 the same storm on MariaDB, two gateway processes on one database"
	storm mysql replicas 2
fi

say "6/6 the storm of $N letters with a local TSA against without (cmd/baohan BenchmarkRestoreStormTSARatio)"
BAOHAN_STORM_ROUNDS=${BENCH_TSA_ROUNDS:-5} $GO test -run '^$' -bench 'RestoreStormTSARatio' -benchtime "${N}x" -v -timeout 60m ./cmd/baohan 2>&1 |
	grep -E '^(Benchmark|[[:space:]]+storm_bench_test)' | tee "$out/tsa.txt" >&2

# The table.
num() { awk -v k="$2" '{ for (i = 2; i <= NF; i++) if ($i == k) { print $(i-1); exit } }' <<<"$1"; }
benchline() { grep -E "^$1(-[0-9]+)?[[:space:]]" "$2" | head -1 || true; }
json() { sed -n "s/.*\"$1\": *\([0-9.e+-]*\).*/\1/p" "$2" | head -1; }
fmt() { LC_ALL=C printf "%.${2:-0}f" "$1"; }

base=$(num "$(benchline 'BenchmarkApplyHTTP/baseline' "$out/apply.txt")" req/s)
sqlite=$(num "$(benchline 'BenchmarkApplyHTTP/sqlite' "$out/apply.txt")" req/s)
mysql=$(num "$(benchline 'BenchmarkApplyHTTP/mysql' "$out/apply.txt")" req/s)
deliver=$(num "$(benchline 'BenchmarkDeliver400KiB' "$out/deliver.txt")" notices/s)
ecdsa=$(num "$(benchline 'BenchmarkRenderSignECDSA' "$out/letters.txt")" ns/op)
rsa=$(num "$(benchline 'BenchmarkRenderSignRSA' "$out/letters.txt")" ns/op)
dual=$(num "$(benchline 'BenchmarkRenderSignECDSASM2' "$out/letters.txt")" ns/op)
loop=$(json seconds "$out/renderloop.json")
floor=$(json floor_seconds "$out/renderloop.json")
floorcheck=$(json floor_check_seconds "$out/renderloop.json")
# stormfigures PREFIX NAME: the figures of the storm NAME ($out/NAME.json)
# into ${PREFIX}storm, ${PREFIX}gwcpu, ${PREFIX}simcpu, ${PREFIX}peak,
# ${PREFIX}peakall, ${PREFIX}applyps and ${PREFIX}errors.
stormfigures() {
	local kv v
	for kv in storm=storm_seconds gwcpu=gateway_storm_cpu_seconds simcpu=simulator_storm_cpu_seconds \
		peak=gateway_peak_rss_mb peakall=gateway_peak_rss_all_mb applyps=apply_per_second errors=errors; do
		v=$(json "${kv#*=}" "$out/$2.json")
		printf -v "$1${kv%%=*}" '%s' "$v"
	done
}
stormfigures "" storm
if [ -f "$out/storm-mysql.json" ]; then stormfigures m storm-mysql; fi
if [ -f "$out/replicas.json" ]; then stormfigures r replicas; fi
times() { awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 > 0) printf "%.2f", a / b; else print "?" }'; }
sign=$(num "$(benchline 'BenchmarkSign1KiB' "$out/protocol.txt")" ns/op)
tsaline=$(benchline 'BenchmarkRestoreStormTSARatio' "$out/tsa.txt")
tsaratio=$(num "$tsaline" ratio-median)
ratio=$(awk -v s="$storm" -v l="$loop" 'BEGIN { printf "%.2f", s / l }')
ecdsams=$(awk -v n="$ecdsa" 'BEGIN { printf "%.2f", n / 1e6 }')
rsams=$(awk -v n="$rsa" 'BEGIN { printf "%.2f", n / 1e6 }')
dualms=$(awk -v n="${dual:-0}" 'BEGIN { printf "%.2f", n / 1e6 }')
perletter() { awk -v c="$1" -v n="$N" 'BEGIN { printf "%.2f", 1000 * c / n }'; }
verdict() { awk -v v="$1" -v g="$2" 'BEGIN { print (v + 0 <= g + 0) ? "met" : "**missed**" }'; }

cat <<EOF

| what | measured | goal |
|---|---|---|
| signed baohanapply, signature-only baseline (HTTP, 8×GOMAXPROCS connections) | $(fmt "${base:-0}") req/s | — |
| signed baohanapply stored, SQLite | $(fmt "${sqlite:-0}") req/s ($(awk -v a="${sqlite:-0}" -v b="${base:-1}" 'BEGIN { printf "%.0f", 100 * a / b }') % of baseline) | — |
| signed baohanapply stored, MariaDB | $(if [ -n "$mysql" ]; then echo "$(fmt "$mysql") req/s"; else echo "not run (BAOHAN_TEST_MYSQL_DSN unset)"; fi) | — |
| baohanapply through the real binary (platformsim load, 16 connections, SQLite) | $(fmt "${applyps:-0}") req/s | — |
| baohanapply through the real binary, MariaDB | $(if [ -n "${mapplyps:-}" ]; then echo "$(fmt "$mapplyps") req/s = $(awk -v a="$mapplyps" -v b="${applyps:-1}" 'BEGIN { printf "%.0f", 100 * a / b }') % of SQLite"; else echo "not run"; fi) | ≥ 75 % of SQLite: $(if [ -n "${mapplyps:-}" ]; then verdict "$(awk -v a="$mapplyps" -v b="${applyps:-1}" 'BEGIN { printf "%.3f", b / a }')" 1.3333; else echo "—"; fi) |
| baohanapply, two gateway processes on one MariaDB (platformsim load, 16 connections) | $(if [ -n "${rapplyps:-}" ]; then echo "$(fmt "$rapplyps") req/s = $(times "$rapplyps" "${mapplyps:-0}") × one MariaDB gateway (bid-opening storm $(fmt "${rstorm:-0}" 2) s against $(fmt "${mstorm:-0}" 2) s)"; else echo "not run (BAOHAN_TEST_MYSQL_DSN unset)"; fi) | — |
| notice delivery, 400 KiB letter, SQLite (BenchmarkDeliver400KiB) | $(fmt "${deliver:-0}") notices/s | — |
| letter rendered and signed, ECDSA P-256, one core | ${ecdsams} ms ($(awk -v n="$ecdsa" 'BEGIN { printf "%.0f", 1e9 / n }') letters/s) | ≤ 3 ms: $(verdict "$ecdsams" 3) |
| letter rendered and signed, RSA-2048, one core | ${rsams} ms ($(awk -v n="$rsa" 'BEGIN { printf "%.0f", 1e9 / n }') letters/s) | — |
| letter with both signatures, ECDSA P-256 certifying + SM2/SM3 incremental update, DSS, one core, no TSA | ${dualms} ms | ≤ 3 ms: $(verdict "$dualms" 3) |
| $N letters rendered and signed in a tight loop, $(nproc) goroutines | $(fmt "$loop" 2) s | — |
| floor: the same $N letters rendered and signed, plus SM3 digest, base64 and the restorenotice built and signed | $(fmt "${floor:-0}" 2) s | — |
| floor with the platform's check (JSON parsed, signature verified) on the same CPUs | $(fmt "${floorcheck:-0}" 2) s | — |
| bid-opening storm, SQLite: first of $N baohanrestore → last restorenotice accepted | $(fmt "$storm" 2) s = ${ratio} × the loop = $(times "$storm" "$floorcheck") × the floor with the check | ≤ 1.5 × the floor with the check: $(verdict "$(times "$storm" "$floorcheck")" 1.5) |
| bid-opening storm, MariaDB | $(if [ -n "${mstorm:-}" ]; then echo "$(fmt "$mstorm" 2) s = $(times "$mstorm" "$floorcheck") × the floor with the check = $(times "$mstorm" "$storm") × SQLite"; else echo "not run (BAOHAN_TEST_MYSQL_DSN unset)"; fi) | ≤ 1.8 × the floor, ≤ 1.3 × SQLite: $(if [ -n "${mstorm:-}" ]; then echo "$(verdict "$(times "$mstorm" "$floorcheck")" 1.8) / $(verdict "$(times "$mstorm" "$storm")" 1.3)"; else echo "—"; fi) |
| storm of $N with a local TSA (every signature timestamped) against without, median of ${BENCH_TSA_ROUNDS:-5} pairs | $(fmt "${tsaratio:-0}" 2) × ($(fmt "$(num "$tsaline" tsa-s)" 2) s against $(fmt "$(num "$tsaline" plain-s)" 2) s; pairs from $(fmt "$(num "$tsaline" ratio-min)" 2) × to $(fmt "$(num "$tsaline" ratio-max)" 2) ×) | ≤ 1.2 ×: $(verdict "${tsaratio:-9}" 1.2) |
| CPU per letter during the storm: gateway / simulator, SQLite (against the floor with the check: $(awk -v s="${floorcheck:-0}" -v w="$(nproc)" -v n="$N" 'BEGIN { printf "%.2f", 1000 * s * w / n }') ms of CPU per letter) | $(perletter "${gwcpu:-0}") ms / $(perletter "${simcpu:-0}") ms | — |
| CPU per letter during the storm: gateway / simulator, MariaDB (the database server's CPU not counted) | $(if [ -n "${mgwcpu:-}" ]; then echo "$(perletter "$mgwcpu") ms / $(perletter "${msimcpu:-0}") ms"; else echo "not run"; fi) | — |
| gateway peak RSS (VmHWM) during the storm / whole run, SQLite | $(fmt "${peak:-0}") MB / $(fmt "${peakall:-0}") MB | < 300 MB: $(verdict "${peakall:-0}" 299.99) |
| gateway peak RSS, whole run, MariaDB | $(if [ -n "${mpeakall:-}" ]; then echo "$(fmt "$mpeakall") MB"; else echo "not run"; fi) | < 300 MB: $(if [ -n "${mpeakall:-}" ]; then verdict "$mpeakall" 299.99; else echo "—"; fi) |
| SM3 signature of a 1 KiB message (platform BenchmarkSign1KiB, one core) | $(awk -v n="${sign:-0}" 'BEGIN { printf "%.1f", n / 1000 }') µs | — |
| errors in the storm runs (SQLite / MariaDB / two replicas on MariaDB) | ${errors:-?} / ${merrors:--} / ${rerrors:--} | 0 |

load average at the end: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine slows every figure)
machine: $(nproc) CPUs ($(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1)), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo) RAM, $($GO version | cut -d' ' -f3-)
EOF
