#!/usr/bin/env bash
# The coordinator at scale: 1,000 simulated speakers (real gRPC sessions, heartbeats at the default
# interval, 1,000 VIPs assigned) against one controller -> artifacts/bench/coordinator.json
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/EdgeLB -c Release --verbosity quiet -nologo
dotnet run --project tests/EdgeLB.Benchmarks -c Release -- coordinator "$PWD/src/EdgeLB/bin/Release/net10.0/edgelb" artifacts/bench/coordinator.json "$@"
