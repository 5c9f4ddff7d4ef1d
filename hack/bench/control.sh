#!/usr/bin/env bash
# Control plane at scale: 10,000 LoadBalancer Services -> artifacts/bench/control.json
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/EdgeLB -c Release --verbosity quiet -nologo
dotnet run --project tests/EdgeLB.Benchmarks -c Release -- control "$PWD/src/EdgeLB/bin/Release/net10.0/edgelb" artifacts/bench/control.json
