#!/usr/bin/env bash
# The main job: EdgeLB's whole system in a network-namespace lab on this machine, no cluster needed.
# Builds, then runs `edgelb sandbox`: the in-memory Kubernetes API server and the controller on a
# control host, a speaker and a stand-in kube-proxy on each of 3 node hosts, a client host, all on
# one bridge (198.18.0.0/15 and 2001:db8::/32, inside namespaces only). It creates a pool and a
# LoadBalancer Service with kubectl, shows the EXTERNAL-IP, requests the VIP from the client, kills
# the announcing node's speaker and shows traffic continue through another node with the outage in
# milliseconds, then removes everything. Needs root.
#   hack/sandbox.sh            run the demo and tear everything down
#   hack/sandbox.sh --keep     leave it running (until Ctrl-C) and print how to use kubectl, arping, curl
#   hack/sandbox.sh --nodes 5  more node hosts
set -euo pipefail
cd "$(dirname "$0")/.."
if [[ $(id -u) -ne 0 ]]; then
  echo "hack/sandbox.sh: run as root (it creates network namespaces)" >&2
  exit 2
fi

bash hack/install-deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== building"
dotnet build src/EdgeLB -c Release --verbosity quiet -nologo
# exec: Ctrl-C reaches edgelb directly, which always removes the lab before it exits.
exec src/EdgeLB/bin/Release/net10.0/edgelb sandbox "$@"
