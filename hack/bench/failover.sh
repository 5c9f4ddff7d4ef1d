#!/usr/bin/env bash
# Failover in the network-namespace lab, a client probing the VIP every 10 ms with a new connection
# each time: speaker SIGKILL, node link down, drain (SIGTERM), controller leader kill, partition,
# spurious moves with both cores saturated; and keepalived (VRRP between the same kind of nodes)
# at advert_int 1 and 0.01 -> artifacts/bench/failover.json. Needs root.
#   FAILOVER_TRIALS=10 FAILOVER_LOAD_SECONDS=300 hack/bench/failover.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
# The binary the image ships (hack/publish.sh: compiled ahead of time, which matters for a takeover's latency).
bash hack/publish.sh artifacts/publish/edgelb
dotnet build tests/EdgeLB.Benchmarks -c Release --verbosity quiet -nologo
dotnet tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll failover \
  --edgelb "$PWD/artifacts/publish/edgelb/edgelb" --out artifacts/bench/failover.json \
  --trials "${FAILOVER_TRIALS:-10}" --load-seconds "${FAILOVER_LOAD_SECONDS:-300}"
