#!/usr/bin/env bash
# The main job, as far as EdgeLB goes today: the control plane on this machine, with no cluster.
# Starts the in-memory Kubernetes API server and `edgelb controller`, creates an address pool and a
# LoadBalancer Service with the real kubectl, and shows the Service get its EXTERNAL-IP, its Events
# and the pool's usage. Speakers, ARP and traffic in network namespaces join when they are assembled.
#   hack/sandbox.sh          run the demo and tear everything down
#   hack/sandbox.sh --keep   leave it running and print how to use kubectl against it
set -euo pipefail
cd "$(dirname "$0")/.."
keep=false
[[ ${1:-} == --keep ]] && keep=true

bash hack/install-deps.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== building"
dotnet build src/EdgeLB -c Release --verbosity quiet -nologo
edgelb=$PWD/src/EdgeLB/bin/Release/net10.0/edgelb

work=$(mktemp -d /tmp/edgelb-sandbox.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

echo "== starting the in-memory API server"
"$edgelb" api-server --listen 127.0.0.1:0 --kubeconfig "$work/kubeconfig" >"$work/api-server.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do [[ -s $work/kubeconfig ]] && break; sleep 0.1; done
export KUBECONFIG=$work/kubeconfig

echo "== creating a pool and a LoadBalancer Service"
kubectl apply -f - <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: edgelb-system}
---
apiVersion: edgelb.io/v1alpha1
kind: IPAddressPool
metadata: {name: lan, namespace: edgelb-system}
spec:
  addresses: ["198.18.0.100-198.18.0.150"]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: default}
spec:
  type: LoadBalancer
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: 8080}]
YAML
kubectl get svc web

echo "== starting edgelb controller"
"$edgelb" controller --kubeconfig "$KUBECONFIG" --namespace edgelb-system --http-listen 127.0.0.1:0 >"$work/controller.log" 2>&1 &
pids+=($!)
for _ in $(seq 300); do
  ip=$(kubectl get svc web -o jsonpath='{.status.loadBalancer.ingress[0].ip}' 2>/dev/null || true)
  [[ -n $ip ]] && break
  sleep 0.1
done
[[ -n ${ip:-} ]] || { echo "the Service got no EXTERNAL-IP; controller log:"; cat "$work/controller.log"; exit 1; }

echo "== kubectl get svc"
kubectl get svc web
echo "== kubectl describe svc web (events)"
kubectl describe svc web | sed -n '/^Events:/,$p'
echo "== kubectl get ipaddresspools"
kubectl get ipaddresspools -n edgelb-system -o custom-columns='NAME:.metadata.name,ASSIGNED:.status.assignedIPv4,AVAILABLE:.status.availableIPv4,VALID:.status.conditions[0].status'

if $keep; then
  trap - EXIT
  echo
  echo "The sandbox keeps running (API server and controller PIDs: ${pids[*]})."
  echo "  export KUBECONFIG=$KUBECONFIG"
  echo "  kubectl get svc -A"
  echo "Stop it with: kill ${pids[*]}; rm -rf $work"
fi
