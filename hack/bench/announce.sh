#!/usr/bin/env bash
# Announcer: assign -> first gratuitous ARP on the wire (seen from a client namespace, 20 trials) and
# ARP replies per second the responder sustains. Builds a throw-away network-namespace lab; needs root.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build tests/EdgeLB.Benchmarks -c Release -nologo -v q
dotnet tests/EdgeLB.Benchmarks/bin/Release/net10.0/EdgeLB.Benchmarks.dll announce --out artifacts/bench/announce.json
