#!/usr/bin/env bash
# Allocator, election and frame-decoding benchmarks -> artifacts/bench/core.json
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet run --project tests/EdgeLB.Benchmarks -c Release -- core artifacts/bench/core.json
