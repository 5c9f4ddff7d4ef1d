#!/usr/bin/env bash
# End-to-end on a real Kubernetes: a 3-node kind cluster (one control plane, two workers) on this
# machine's Docker, EdgeLB built into an image and installed with `kubectl apply -k deploy/`, a pool
# inside the kind Docker network, a test app behind a LoadBalancer Service, then
#   1. tests/EdgeLB.E2E with EDGELB_E2E_KUBECONFIG pointing at the cluster, and
#   2. failover: the node announcing the Service's IP is stopped (`docker stop`), and traffic from a
#      client container on the kind network must resume through another node.
# The cluster and the client container are always deleted on exit, also on failure or Ctrl-C.
#
# Needs: docker (a running daemon), kind, kubectl, the .NET SDK. Exits 2 when one is missing.
# Settings (environment): EDGELB_KIND_CLUSTER (default edgelb-e2e), EDGELB_KIND_NODE_IMAGE (a
# kindest/node image; default: kind's own, which must be Kubernetes >= 1.30 for ipMode),
# EDGELB_E2E_APP_IMAGE, EDGELB_E2E_CLIENT_IMAGE.
set -euo pipefail
cd "$(dirname "$0")/.."

cluster=${EDGELB_KIND_CLUSTER:-edgelb-e2e}
node_image=${EDGELB_KIND_NODE_IMAGE:-}
# The image name deploy/ refers to; kind load makes it available without a registry.
image=edgelb/edgelb:dev
app_image=${EDGELB_E2E_APP_IMAGE:-registry.k8s.io/e2e-test-images/agnhost:2.39}
client_image=${EDGELB_E2E_CLIENT_IMAGE:-curlimages/curl:8.10.1}
client=$cluster-client
app=e2e-echo

say() { printf '\n== %s\n' "$*"; }
fail() { echo "kind-e2e.sh: $*" >&2; exit 1; }

need() {
  if ! command -v "$1" >/dev/null 2>&1; then
    echo "kind-e2e.sh: '$1' is not installed; $2" >&2
    exit 2
  fi
}
need docker "install Docker Engine (https://docs.docker.com/engine/install/)"
need kind "install kind (https://kind.sigs.k8s.io/docs/user/quick-start/#installation)"
need kubectl "install kubectl (https://kubernetes.io/docs/tasks/tools/)"
need dotnet "install the .NET 10 SDK"
if ! docker info >/dev/null 2>&1; then
  echo "kind-e2e.sh: docker is installed but its daemon is not reachable (is dockerd running, may this user use it?)" >&2
  exit 2
fi
[[ -d tests/EdgeLB.E2E ]] || fail "tests/EdgeLB.E2E is missing"

work=$(mktemp -d)
kubeconfig=$work/kubeconfig
cleanup() {
  local status=$?
  trap - EXIT INT TERM
  say "cleaning up"
  docker rm -f "$client" >/dev/null 2>&1 || true
  kind delete cluster --name "$cluster" >/dev/null 2>&1 || true
  rm -rf "$work"
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- cluster -----------------------------------------------------------------------------------
say "creating kind cluster $cluster (1 control plane, 2 workers, dual-stack)"
# Dual-stack, so the E2E tests' IPv6 and dual-stack Services are admitted by the API server.
cat >"$work/kind.yaml" <<'EOF'
kind: Cluster
apiVersion: kind.x-k8s.io/v1alpha4
networking:
  ipFamily: dual
nodes:
- role: control-plane
- role: worker
- role: worker
EOF
create=(kind create cluster --name "$cluster" --config "$work/kind.yaml" --kubeconfig "$kubeconfig" --wait 180s)
if [[ -n $node_image ]]; then
  create+=(--image "$node_image")
fi
"${create[@]}"
export KUBECONFIG=$kubeconfig
kubectl version

# --- image -------------------------------------------------------------------------------------
say "building $image and loading it into the nodes"
docker build -t "$image" .
kind load docker-image "$image" --name "$cluster"

# --- install -----------------------------------------------------------------------------------
say "installing: kubectl apply -k deploy/"
kubectl apply -k deploy/
kubectl wait --for condition=established --timeout=60s crd/ipaddresspools.edgelb.io crd/l2advertisements.edgelb.io
kubectl -n edgelb-system rollout status daemonset/edgelb-speaker --timeout=180s
kubectl -n edgelb-system rollout status deployment/edgelb-controller --timeout=180s
kubectl -n edgelb-system get pods -o wide

# --- a pool inside the kind network ------------------------------------------------------------
ip_to_int() { local a b c d; IFS=. read -r a b c d <<<"$1"; echo $(((a << 24) | (b << 16) | (c << 8) | d)); }
int_to_ip() { echo "$((($1 >> 24) & 255)).$((($1 >> 16) & 255)).$((($1 >> 8) & 255)).$(($1 & 255))"; }
subnet=$(docker network inspect kind --format '{{range .IPAM.Config}}{{.Subnet}} {{end}}' | tr ' ' '\n' | grep -m1 -E '^[0-9]+(\.[0-9]+){3}/[0-9]+$') \
  || fail "the kind Docker network has no IPv4 subnet"
prefix=${subnet#*/}
((prefix <= 24)) || fail "the kind network $subnet is smaller than a /24; no room for a pool beside the nodes"
# Docker hands out container addresses from the bottom of the subnet; take 50 from the top.
broadcast=$(($(ip_to_int "${subnet%/*}") | ((1 << (32 - prefix)) - 1)))
first=$(int_to_ip $((broadcast - 55)))
last=$(int_to_ip $((broadcast - 6)))
say "pool kind: $first-$last (kind network $subnet)"
# Not auto-assigned: only Services that name it draw from it, so the E2E tests' own pool decides what
# their Services get.
kubectl apply -f - <<EOF
apiVersion: edgelb.io/v1alpha1
kind: IPAddressPool
metadata:
  name: kind
  namespace: edgelb-system
spec:
  addresses: ["$first-$last"]
  autoAssign: false
---
apiVersion: edgelb.io/v1alpha1
kind: L2Advertisement
metadata:
  name: kind
  namespace: edgelb-system
spec:
  ipAddressPools: [kind]
EOF

# --- the test app ------------------------------------------------------------------------------
say "deploying $app behind a LoadBalancer Service"
kubectl apply -f - <<EOF
apiVersion: apps/v1
kind: Deployment
metadata:
  name: $app
  namespace: default
spec:
  replicas: 2
  selector:
    matchLabels: {app: $app}
  template:
    metadata:
      labels: {app: $app}
    spec:
      topologySpreadConstraints:
      - maxSkew: 1
        topologyKey: kubernetes.io/hostname
        whenUnsatisfiable: DoNotSchedule
        labelSelector:
          matchLabels: {app: $app}
      containers:
      - name: echo
        image: $app_image
        args: [netexec, --http-port=8080]
        ports:
        - containerPort: 8080
        readinessProbe:
          httpGet: {path: /hostname, port: 8080}
          periodSeconds: 2
---
apiVersion: v1
kind: Service
metadata:
  name: $app
  namespace: default
  annotations:
    edgelb.io/address-pool: kind
spec:
  type: LoadBalancer
  selector: {app: $app}
  ports:
  - name: http
    port: 80
    targetPort: 8080
EOF
kubectl rollout status deployment/$app --timeout=180s

vip=""
for _ in $(seq 1 120); do
  vip=$(kubectl get service $app -o jsonpath='{.status.loadBalancer.ingress[0].ip}')
  [[ -n $vip ]] && break
  sleep 1
done
kubectl get service $app
[[ -n $vip ]] || { kubectl describe service $app; fail "the Service got no EXTERNAL-IP within 120 s"; }

# A client on the kind network, outside the cluster: it reaches the VIP over L2 like a LAN client.
docker run -d --name "$client" --network kind --entrypoint sleep "$client_image" 3600 >/dev/null
probe() { docker exec "$client" curl -s --max-time 1 "http://$vip/hostname"; }
answered=""
for _ in $(seq 1 60); do
  answered=$(probe || true)
  [[ -n $answered ]] && break
  sleep 1
done
[[ -n $answered ]] || { kubectl describe service $app; fail "http://$vip/ did not answer the client within 60 s"; }
echo "http://$vip/hostname answered: $answered"

# --- the E2E tests against this cluster ---------------------------------------------------------
say "dotnet test tests/EdgeLB.E2E against the cluster"
EDGELB_E2E_KUBECONFIG=$kubeconfig \
  EDGELB_E2E_KIND_CLUSTER=$cluster \
  EDGELB_E2E_CLIENT_CONTAINER=$client \
  EDGELB_E2E_SERVICE=default/$app \
  dotnet test tests/EdgeLB.E2E --configuration Release

# --- failover: stop the announcing node --------------------------------------------------------
say "failover: stopping the node that announces $vip"
# The annotation reads "<node>,<interface>,<epoch>"; print the node if it is one of this cluster's.
announcing_node() {
  local annotation nodes
  annotation=$(kubectl get service $app -o jsonpath='{.metadata.annotations.edgelb\.io/announcing-node}' 2>/dev/null || true)
  nodes=$(kind get nodes --name "$cluster")
  if [[ -n $annotation ]] && grep -qxF -- "${annotation%%,*}" <<<"$nodes"; then
    echo "${annotation%%,*}"
  fi
}
node=$(announcing_node)
[[ -n $node ]] || fail "the edgelb.io/announcing-node annotation names no node of the cluster"
[[ $node != *control-plane* ]] || fail "$vip is announced by the control plane, which kubeadm labels exclude-from-external-load-balancers"
echo "announcing node: $node"

stopped_at=$(date +%s%N)
docker stop --time 0 "$node" >/dev/null
resumed_at=""
deadline=$((SECONDS + 120))
while ((SECONDS < deadline)); do
  if answered=$(probe) && [[ -n $answered ]]; then
    resumed_at=$(date +%s%N)
    break
  fi
  sleep 0.1
done
[[ -n $resumed_at ]] || { kubectl describe service $app || true; fail "traffic to $vip did not resume within 120 s of stopping $node"; }
echo "traffic resumed $(((resumed_at - stopped_at) / 1000000)) ms after stopping $node (probe granularity: one docker exec, ~0.1-0.2 s); answered by $answered"

# The new holder must be another node. Requests keep succeeding through it (some may still time out
# while kube-proxy lists the stopped node's pod as an endpoint, until the node is marked NotReady).
successes=0
deadline=$((SECONDS + 60))
while ((successes < 5 && SECONDS < deadline)); do
  if probe >/dev/null; then
    successes=$((successes + 1))
  fi
done
((successes >= 5)) || fail "only $successes of the requests to $vip succeeded in the 60 s after traffic resumed"
moved=""
for _ in $(seq 1 30); do
  moved=$(announcing_node)
  [[ -n $moved && $moved != "$node" ]] && break
  sleep 1
done
[[ -n $moved && $moved != "$node" ]] || fail "edgelb.io/announcing-node does not name a new node (still '$moved')"
echo "now announced by: $moved"
say "kind e2e passed"
