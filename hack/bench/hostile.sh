#!/usr/bin/env bash
# What unauthenticated peers cost the controller: waves of 200 concurrent Coordinator.Session calls,
# each on its own connection, without a token, each sending a Hello of the old 4 MiB limit.
# Controller RSS idle / peak / after -> the hostile_sessions_* keys of artifacts/bench/fuzz.json
# (merged: hack/fuzz.sh writes the other keys of that file).
# Usage: hack/bench.sh hostile   (or hack/bench/hostile.sh [sessions waves]; EDGELB_BENCH_HELLO_BYTES
# sets the Hello size, e.g. 200 to see what the connections alone cost)
set -euo pipefail
cd "$(dirname "$0")/../.."
# The controller is the binary the image ships (hack/publish.sh, compiled ahead of time).
bash hack/publish.sh artifacts/publish/edgelb
dotnet run --project tests/EdgeLB.Benchmarks -c Release -- hostile "$PWD/artifacts/publish/edgelb/edgelb" artifacts/bench/fuzz.json "$@"
