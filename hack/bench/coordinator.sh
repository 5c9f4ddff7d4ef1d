#!/usr/bin/env bash
# The coordinator at scale: 1,000 simulated speakers (real gRPC sessions, heartbeats at the default
# interval, 1,000 VIPs assigned) against one controller -> artifacts/bench/coordinator.json
set -euo pipefail
cd "$(dirname "$0")/../.."
# The controller is the binary the image ships (hack/publish.sh, compiled ahead of time).
bash hack/publish.sh artifacts/publish/edgelb
dotnet run --project tests/EdgeLB.Benchmarks -c Release -- coordinator "$PWD/artifacts/publish/edgelb/edgelb" artifacts/bench/coordinator.json "$@"
