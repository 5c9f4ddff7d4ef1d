#!/usr/bin/env bash
# gRPC throughput, all in one run on loopback: unary round-trips/s and server-streamed messages/s for
#   our client -> our server, grpc-js client -> our server, grpc-js client -> grpc-js server.
# Writes artifacts/bench/rpc.json. Each measurement: 1 s warm-up + RPC_BENCH_SECONDS (default 5);
# every figure is the best of RPC_BENCH_ROUNDS (default 2) rounds.
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${RPC_BENCH_SECONDS:-5}
unary_c=${RPC_BENCH_UNARY_CONCURRENCY:-32}
stream_c=${RPC_BENCH_STREAM_CONCURRENCY:-4}
rounds=${RPC_BENCH_ROUNDS:-2}
interop=tests/EdgeLB.Rpc.Tests/Interop
node_dir=$interop/node

dotnet build tests/EdgeLB.Benchmarks -c Release -nologo -v q >/dev/null
bench_dll=tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll

work=$(mktemp -d)
pids=()
fds=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

# The grpc-js peer loads the protos by path.
mkdir -p "$work/protos/grpc/health/v1"
cp tests/EdgeLB.Rpc.Tests/Protos/interop.proto "$work/protos/"
cp proto/grpc/health/v1/health.proto "$work/protos/grpc/health/v1/"

# start_server <name> <command...>: runs a server whose stdin stays open until this script exits
# (so it cannot outlive us) and sets $port. Not in a subshell: the pid and the fd must stay here.
port=
start_server() {
  local name=$1; shift
  mkfifo "$work/$name.in"
  "$@" <"$work/$name.in" >"$work/$name.out" 2>"$work/$name.err" &
  pids+=($!)
  # Hold the write end open: the server runs until this script ends.
  exec {fd}>"$work/$name.in"
  fds+=("$fd")
  for _ in $(seq 100); do
    if grep -q '^LISTENING ' "$work/$name.out" 2>/dev/null; then
      port=$(awk '/^LISTENING /{print $2; exit}' "$work/$name.out")
      return
    fi
    sleep 0.1
  done
  echo "bench rpc: $name did not start: $(cat "$work/$name.err")" >&2
  exit 1
}

# rate <json>: the first number (rps or msgs_per_sec); total <json>: calls/messages incl. warm-up.
rate() { sed -E 's/^[^:]*: *([0-9.]+).*/\1/' <<<"$1"; }
total() { sed -E 's/.*"total": *([0-9]+).*/\1/' <<<"$1"; }
# Server CPU time (user+system, in clock ticks) from /proc, to compare servers per call under the
# same grpc-js client regardless of how busy the machine is.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
cpu_us_per_call() { # <ticks before> <ticks after> <calls>
  awk -v b="$1" -v a="$2" -v n="$3" -v hz="$hz" 'BEGIN { printf "%.1f", (a - b) * 1000000 / hz / (n > 0 ? n : 1) }'
}
node_bench() { node "$node_dir/bench.js" --protos "$work/protos" --seconds "$seconds" "$@"; }

start_server ours dotnet "$bench_dll" rpc serve
ours_port=$port
start_server grpcjs node "$node_dir/peer.js" server --protos "$work/protos"
node_port=$port

echo "bench rpc: our server on $ours_port, grpc-js server on $node_port; ${seconds}s per measurement" >&2
ours_pid=${pids[0]}
node_pid=${pids[1]}

# max <a> <b> / min <a> <b> (numbers, possibly empty for "none yet")
max() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 > a + 0) ? b : a }'; }
min() { awk -v a="$1" -v b="$2" 'BEGIN { print (a == "" || b + 0 < a + 0) ? b : a }'; }

# Other work on a shared machine only ever lowers throughput, so each figure is the best of
# RPC_BENCH_ROUNDS rounds, and within a round ours and grpc-js's run back to back.
unary_ours='' stream_ours='' unary_js_ours='' stream_js_ours='' unary_js='' stream_js=''
cpu_unary_ours='' cpu_stream_ours='' cpu_unary_js='' cpu_stream_js=''
for ((round = 1; round <= rounds; round++)); do
  v=$(dotnet "$bench_dll" rpc unary --target "http://127.0.0.1:$ours_port" --seconds "$seconds" --concurrency "$unary_c")
  unary_ours=$(max "$unary_ours" "$(rate "$v")")
  v=$(dotnet "$bench_dll" rpc stream --target "http://127.0.0.1:$ours_port" --seconds "$seconds" --concurrency "$stream_c")
  stream_ours=$(max "$stream_ours" "$(rate "$v")")

  before=$(ticks "$ours_pid")
  v=$(node_bench --target "127.0.0.1:$ours_port" --mode unary --concurrency "$unary_c")
  unary_js_ours=$(max "$unary_js_ours" "$(rate "$v")")
  cpu_unary_ours=$(min "$cpu_unary_ours" "$(cpu_us_per_call "$before" "$(ticks "$ours_pid")" "$(total "$v")")")

  before=$(ticks "$node_pid")
  v=$(node_bench --target "127.0.0.1:$node_port" --mode unary --concurrency "$unary_c")
  unary_js=$(max "$unary_js" "$(rate "$v")")
  cpu_unary_js=$(min "$cpu_unary_js" "$(cpu_us_per_call "$before" "$(ticks "$node_pid")" "$(total "$v")")")

  before=$(ticks "$ours_pid")
  v=$(node_bench --target "127.0.0.1:$ours_port" --mode stream --concurrency "$stream_c")
  stream_js_ours=$(max "$stream_js_ours" "$(rate "$v")")
  cpu_stream_ours=$(min "$cpu_stream_ours" "$(cpu_us_per_call "$before" "$(ticks "$ours_pid")" "$(total "$v")")")

  before=$(ticks "$node_pid")
  v=$(node_bench --target "127.0.0.1:$node_port" --mode stream --concurrency "$stream_c")
  stream_js=$(max "$stream_js" "$(rate "$v")")
  cpu_stream_js=$(min "$cpu_stream_js" "$(cpu_us_per_call "$before" "$(ticks "$node_pid")" "$(total "$v")")")
  echo "bench rpc: round $round: unary ours $unary_ours, grpc-js->ours $unary_js_ours, grpc-js $unary_js" >&2
done

mkdir -p artifacts/bench
cat >artifacts/bench/rpc.json <<JSON
{"metrics": {"unary_rps_ours": $unary_ours, "unary_rps_grpcjs_to_ours": $unary_js_ours, "unary_rps_grpcjs": $unary_js, "stream_msgs_ours": $stream_ours, "stream_msgs_grpcjs_to_ours": $stream_js_ours, "stream_msgs_grpcjs": $stream_js, "server_cpu_us_per_unary_ours": $cpu_unary_ours, "server_cpu_us_per_unary_grpcjs": $cpu_unary_js, "server_cpu_us_per_stream_msg_ours": $cpu_stream_ours, "server_cpu_us_per_stream_msg_grpcjs": $cpu_stream_js, "load_average": $(cut -d' ' -f1 /proc/loadavg), "seconds": $seconds, "rounds": $rounds, "unary_concurrency": $unary_c, "stream_concurrency": $stream_c}}
JSON
cat artifacts/bench/rpc.json
