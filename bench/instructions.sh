#!/bin/bash
# Instructions per echoed message of one server, counted by valgrind's callgrind
# (Debian: apt-get install valgrind); not part of `npm test` or `npm run bench`.
# Deterministic enough (about ±1 %) to compare two builds in a minute where the
# bench needs 30 rounds, but a count, not CPU time: confirm a change with the bench.
#
#   bench/instructions.sh node_modules/.bin/bun src/bun/server.ts
#   bench/instructions.sh node_modules/.bin/bun bench/native/bun.mjs
#   N=120000 WARM=60000 bench/instructions.sh node_modules/deno/deno run --v8-flags=--single-threaded \
#     --allow-net --allow-read=./public --allow-env src/deno/server.ts
#
# On Deno, `--single-threaded` keeps V8's compiler and collector on the main
# thread: without it two runs of the native counted 22,347 and 15,958; with it
# runs of the same build agree within about 3 % at N=120000 (N=40000 still holds
# the JIT's warm-up).
#
# WARM messages (40,000) let the JIT reach its top tier (JavaScriptCore's FTL
# compiled the echo by then, BUN_JSC_reportFTLCompileTimes=1), IDLE seconds (15)
# let background compiles finish and measure the idle rate, then N messages
# (80,000, and the few in flight at the end) are counted; the idle rate times
# that phase's length is subtracted. The load is the bench's own client
# (bench/load.ts): C connections (10), W in flight on each (16), BYTES per
# message (64), binary and text alternating, every echo verified. PACING=stream
# writes as the bench's stream mode does (with C=50 W=4096); BYTES=1048576 with
# N=600 WARM=300 C=8 W=1 is its large mode (about 45 s a phase under valgrind).
set -euo pipefail
N=${N:-80000} WARM=${WARM:-40000} IDLE=${IDLE:-15} C=${C:-10} W=${W:-16} PACING=${PACING:-window} BYTES=${BYTES:-64}
cd "$(dirname "$0")/.."
export DENO_NO_UPDATE_CHECK=1 LOG_LEVEL=${LOG_LEVEL:-info} HOST=127.0.0.1
PORT=$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')
export PORT
dir=$(mktemp -d)
node_modules/.bin/esbuild bench/instructions-client.ts --bundle --platform=node --format=esm --packages=external \
  --outfile="$dir/client.mjs" --log-level=warning
valgrind --tool=callgrind --callgrind-out-file="$dir/cg.%p" --smc-check=all-non-file "$@" >"$dir/out" 2>"$dir/err" &
server=$!
client=
cleanup() {
  [ -n "$client" ] && kill "$client" 2>/dev/null || true
  kill "$server" 2>/dev/null || true
  wait 2>/dev/null || true
  rm -rf "$dir"
}
trap cleanup EXIT
wait_for() { # file, text, seconds, the process that writes it
  for _ in $(seq $(($3 * 10))); do
    grep -q "$2" "$1" 2>/dev/null && return 0
    kill -0 "$4" 2>/dev/null || { echo "instructions: $1 ended before \"$2\"" >&2; exit 1; }
    sleep 0.1
  done
  echo "instructions: no \"$2\" within $3 s" >&2; tail -5 "$dir/err" >&2; exit 1
}
wait_for "$dir/out" listening 120 "$server"
node "$dir/client.mjs" "$PORT" "$WARM" "$N" "$C" "$W" "$PACING" "$BYTES" >"$dir/client" &
client=$!
wait_for "$dir/client" warm 600 "$client"
callgrind_control -z "$server" >/dev/null 2>&1
sleep "$IDLE"
callgrind_control -d "$server" >/dev/null 2>&1
t0=$(date +%s.%N)
kill -USR1 "$client"
wait_for "$dir/client" done 600 "$client"
t1=$(date +%s.%N)
callgrind_control -d "$server" >/dev/null 2>&1
idle=$(grep -h '^summary:' "$dir"/cg.*.1 | awk '{print $2}')
run=$(grep -h '^summary:' "$dir"/cg.*.2 | awk '{print $2}')
n=$(awk '/^done/ {print $2}' "$dir/client")
python3 -c "
idle, run, t0, t1, n, seconds = $idle, $run, $t0, $t1, $n, $IDLE
print('%d instructions per message (%d before taking off %.2fM a second of idle over the %.1f s phase)'
      % ((run - idle / seconds * (t1 - t0)) / n, run / n, idle / seconds / 1e6, t1 - t0))"
