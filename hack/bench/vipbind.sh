#!/usr/bin/env bash
# VIP bind cost: putting a VIP on edgelb0 and taking it off, as an `ip` process per change (how the
# binder did it before) and through rtnetlink (how it does now). A new holder adds the VIP before it
# announces, so this time is part of every failover. Runs in a throw-away namespace (198.18.0.0/15
# and 2001:db8::/32 only); VIPBIND_ROUNDS rounds (default 50) of one IPv4 and one IPv6 VIP.
# Writes artifacts/bench/vipbind.json: medians and p90s in ms per add and per remove.
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${VIPBIND_ROUNDS:-50}
work=$(mktemp -d /tmp/edgelb-bench-vipbind.XXXX)
ns=elbv$(printf '%04x' $((RANDOM % 65536)))
cleanup() {
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "vipbind: building"
dotnet build tests/EdgeLB.Benchmarks -c Release -o "$work/host" -v q -nologo >/dev/null
ip netns add "$ns"
ip netns exec "$ns" ip link set lo up
ip netns exec "$ns" dotnet "$work/host/EdgeLB.Benchmarks.dll" vip-bind --rounds "$rounds" --output artifacts/bench/vipbind.json
