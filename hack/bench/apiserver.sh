#!/usr/bin/env bash
# In-memory API server throughput: GET of one Service and LIST of 200 Services under wrk (5 s each),
# and the mean latency of 200 sequential creates. Writes artifacts/bench/apiserver.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
dotnet build src/EdgeLB -c Release -v q -nologo >/dev/null
work=$(mktemp -d)
dotnet src/EdgeLB/bin/Release/net10.0/edgelb.dll api-server --listen 127.0.0.1:0 --kubeconfig "$work/kubeconfig" >"$work/log" 2>&1 &
pid=$!
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
for _ in $(seq 1 100); do [[ -s $work/kubeconfig ]] && break; sleep 0.1; done
base=$(grep -o 'http://127.0.0.1:[0-9]*' "$work/kubeconfig")

total=0
for i in $(seq 1 200); do
  t=$(curl -s -o /dev/null -w '%{time_total}' -X POST -H 'Content-Type: application/json' \
    "$base/api/v1/namespaces/default/services" \
    -d "{\"metadata\":{\"name\":\"s$i\"},\"spec\":{\"type\":\"LoadBalancer\",\"ports\":[{\"port\":80}]}}")
  total=$(echo "$total + $t" | bc -l)
done
create_ms=$(echo "scale=3; $total * 1000 / 200" | bc -l)

rps() { wrk -t2 -c16 -d5s "$1" | awk '/Requests\/sec/ {print $2}'; }
get_rps=$(rps "$base/api/v1/namespaces/default/services/s1")
list_rps=$(rps "$base/api/v1/namespaces/default/services")

mkdir -p artifacts/bench
cat > artifacts/bench/apiserver.json <<JSON
{"metrics": {"create_mean_ms": $create_ms, "get_service_rps": $get_rps, "list_200_services_rps": $list_rps}}
JSON
cat artifacts/bench/apiserver.json
