#!/usr/bin/env bash
# Control plane at scale: 10,000 LoadBalancer Services, then 2,000 Services waiting on an exhausted
# pool while 100 changes happen around them (the pending storm) -> artifacts/bench/control.json
set -euo pipefail
cd "$(dirname "$0")/../.."
# The binary the image ships (hack/publish.sh: compiled ahead of time). A plain build starts as IL only, and
# compiling the controller's code on the spot took about a quarter of its CPU in this run.
bash hack/publish.sh artifacts/publish/edgelb
dotnet build tests/EdgeLB.Benchmarks -c Release --verbosity quiet -nologo
dotnet tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll control "$PWD/artifacts/publish/edgelb/edgelb" artifacts/bench/control.json
