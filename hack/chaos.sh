#!/usr/bin/env bash
# Chaos soak in the network-namespace lab: 5 LoadBalancer Services, a client probing and capturing
# ARP for every VIP, and one random fault at a time (speaker SIGKILL and SIGSTOP/SIGCONT, link flaps,
# controller leader kill, API server latency, 5xx bursts and outages, netem loss/delay on the lab's
# bridge ports, partitions from the coordinator), each undone and healed before the next; then a
# control-plane outage (API server down, every controller killed). -> artifacts/bench/chaos.json.
# Needs root. Ctrl-C stops early: the active fault is undone and the lab removed.
#   hack/chaos.sh [--minutes 30] [--services 5] [--control-outage-seconds 30] [--seed N] [--default-timings]
# EDGELB_BIN=path runs that edgelb instead of publishing the ahead-of-time build first.
set -euo pipefail
cd "$(dirname "$0")/.."
args=("$@")
if [[ ! " ${args[*]} " =~ " --minutes " ]]; then
  args+=(--minutes "${EDGELB_CHAOS_MINUTES:-30}")
fi
# By default the binary the image ships (compiled ahead of time), as the failover suite runs it.
edgelb=${EDGELB_BIN:-}
if [[ -z $edgelb ]]; then
  bash hack/publish.sh artifacts/publish/edgelb
  edgelb=$PWD/artifacts/publish/edgelb/edgelb
fi
dotnet build tests/EdgeLB.Benchmarks -c Release --verbosity quiet -nologo
mkdir -p artifacts/bench
# exec: Ctrl-C and SIGTERM reach the driver itself, which undoes its fault before it exits.
exec dotnet tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll chaos \
  --edgelb "$edgelb" --out artifacts/bench/chaos.json "${args[@]}"
