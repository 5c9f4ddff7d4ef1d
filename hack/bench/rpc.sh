#!/usr/bin/env bash
# gRPC throughput, all in one run on loopback: unary round-trips/s and server-streamed messages/s for
#   our client -> our server, grpc-js client -> our server, grpc-js client -> grpc-js server.
# Writes artifacts/bench/rpc.json. Each measurement: 1 s warm-up + RPC_BENCH_SECONDS (default 5).
set -euo pipefail
cd "$(dirname "$0")/../.."

seconds=${RPC_BENCH_SECONDS:-5}
unary_c=${RPC_BENCH_UNARY_CONCURRENCY:-32}
stream_c=${RPC_BENCH_STREAM_CONCURRENCY:-4}
interop=tests/EdgeLB.Rpc.Tests/Interop
node_dir=$interop/node

dotnet build tests/EdgeLB.Benchmarks -c Release -nologo -v q >/dev/null
bench_dll=tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll

work=$(mktemp -d)
pids=()
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
  exec {fd}>"$work/$name.in"   # hold the write end open: the server runs until this script ends
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

metric() { sed -E 's/.*: *([0-9.]+).*/\1/'; }

start_server ours dotnet "$bench_dll" rpc serve
ours_port=$port
start_server grpcjs node "$node_dir/peer.js" server --protos "$work/protos"
node_port=$port

echo "bench rpc: our server on $ours_port, grpc-js server on $node_port; ${seconds}s per measurement" >&2
unary_ours=$(dotnet "$bench_dll" rpc unary --target "http://127.0.0.1:$ours_port" --seconds "$seconds" --concurrency "$unary_c" | metric)
stream_ours=$(dotnet "$bench_dll" rpc stream --target "http://127.0.0.1:$ours_port" --seconds "$seconds" --concurrency "$stream_c" | metric)
unary_js_ours=$(node "$node_dir/bench.js" --protos "$work/protos" --target "127.0.0.1:$ours_port" --mode unary --seconds "$seconds" --concurrency "$unary_c" | metric)
stream_js_ours=$(node "$node_dir/bench.js" --protos "$work/protos" --target "127.0.0.1:$ours_port" --mode stream --seconds "$seconds" --concurrency "$stream_c" | metric)
unary_js=$(node "$node_dir/bench.js" --protos "$work/protos" --target "127.0.0.1:$node_port" --mode unary --seconds "$seconds" --concurrency "$unary_c" | metric)
stream_js=$(node "$node_dir/bench.js" --protos "$work/protos" --target "127.0.0.1:$node_port" --mode stream --seconds "$seconds" --concurrency "$stream_c" | metric)

mkdir -p artifacts/bench
cat >artifacts/bench/rpc.json <<JSON
{"metrics": {"unary_rps_ours": $unary_ours, "unary_rps_grpcjs_to_ours": $unary_js_ours, "unary_rps_grpcjs": $unary_js, "stream_msgs_ours": $stream_ours, "stream_msgs_grpcjs_to_ours": $stream_js_ours, "stream_msgs_grpcjs": $stream_js, "seconds": $seconds, "unary_concurrency": $unary_c, "stream_concurrency": $stream_c}}
JSON
cat artifacts/bench/rpc.json
