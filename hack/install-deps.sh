#!/usr/bin/env bash
# Installs what EdgeLB's tests, sandbox and benchmarks need on a fresh Debian machine that has the
# .NET SDK. Idempotent and quick when everything is already there. Needs root for apt-get.
set -euo pipefail
cd "$(dirname "$0")/.."

want_debs=()
need() { # need <command> <debian package>
  command -v "$1" >/dev/null 2>&1 || want_debs+=("$2")
}
need ip iproute2
need arping arping
need tcpdump tcpdump
need tshark tshark
need nft nftables
need haproxy haproxy
need wrk wrk
need nginx nginx  # fast HTTP backends for hack/bench/forward.sh
need keepalived keepalived  # the VRRP baseline of hack/bench/failover.sh
need stress-ng stress-ng    # saturates the cores for the spurious-failover figure
need python3 python3
need node nodejs
need npm npm
need shellcheck shellcheck
# The image ships a kubectl; Debian's kubernetes-client would collide with it, so only install it
# where none exists.
need kubectl kubernetes-client
# hack/publish.sh compiles edgelb ahead of time: the native compiler links with clang (any clang-N
# will do) against zlib.
compgen -c | grep -E '^clang(-[0-9]+)?$' >/dev/null || want_debs+=(clang)
dpkg -s zlib1g-dev >/dev/null 2>&1 || want_debs+=(zlib1g-dev)
# The gRPC interop peers run on Debian's system interpreter, whatever python3 is first on PATH.
/usr/bin/python3 -c 'import grpc, google.protobuf' >/dev/null 2>&1 || want_debs+=(python3-grpcio python3-protobuf)

if ((${#want_debs[@]})); then
  echo "install-deps: apt-get install ${want_debs[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${want_debs[@]}" >/dev/null
fi

# Node.js gRPC peer, installed locally beside the tests that use it (never globally).
node_peer=tests/EdgeLB.Rpc.Tests/Interop/node
if [[ -f $node_peer/package.json && ! -d $node_peer/node_modules/@grpc/grpc-js ]]; then
  echo "install-deps: npm install in $node_peer"
  (cd "$node_peer" && npm install --no-audit --no-fund --silent >/dev/null)
fi
