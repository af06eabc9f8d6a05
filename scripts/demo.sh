#!/usr/bin/env bash
# make demo: start the gateway on its embedded defaults (SQLite, 127.0.0.1:8080,
# notices to http://127.0.0.1:9090/gbsapi) in a work directory, play the
# platform's side of a handful of applications with bin/platformsim, stop the
# gateway and say where to look. The work directory (DEMO_DIR, default
# data/demo) is kept so the console can be opened on it afterwards.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${BIN:-$root/bin}
dir=${DEMO_DIR:-$root/data/demo}

if (exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null; then
	echo "demo: 127.0.0.1:8080 is in use: stop the gateway (or whatever listens there) first" >&2
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"
cd "$dir"
"$bin/baohan" serve >"$dir/baohan.log" 2>&1 &
pid=$!
stop() {
	if kill -0 "$pid" 2>/dev/null; then
		kill -INT "$pid"
		wait "$pid" || true
	fi
}
trap stop EXIT
for _ in $(seq 1 100); do
	(exec 3<>/dev/tcp/127.0.0.1/8080) 2>/dev/null && break
	kill -0 "$pid" 2>/dev/null || { echo "demo: the gateway did not start:" >&2; cat "$dir/baohan.log" >&2; exit 1; }
	sleep 0.1
done

rc=0
"$bin/platformsim" demo || rc=$?
stop
trap - EXIT

cat <<EOF

The gateway has stopped; its database and log are in $dir.
To look at these applications in the console, start it again on the same data:

  cd $dir && $bin/baohan serve
  open http://127.0.0.1:8080/console
EOF
if "$bin/baohan" help 2>&1 | grep -q "officer add"; then
	cat <<EOF

A console account first (the password is read from standard input):

  cd $dir && $bin/baohan officer add --username demo --role checker
EOF
fi
exit $rc
