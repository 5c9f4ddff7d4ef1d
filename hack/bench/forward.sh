#!/usr/bin/env bash
# Forwarder benchmark in a throw-away namespace lab (198.18.0.0/15 only):
#   client ──┐
#   fwd    ──┼── bridge      fwd runs HAProxy (mode tcp, check inter 1s) and two EdgeLB hosts
#   b1..b3 ──┘               (userspace plane on VIP .200, nftables plane on VIP .201);
#                            b1..b3 run nginx answering their name on the "NodePort" 30080.
# wrk runs from the client: kept-alive connections and, separately, a new connection per request
# (Connection: close), interleaved rounds, medians of ROUNDS runs of DURATION each.
# CPU per request = (utime+stime of the forwarding process) / requests. The nftables plane forwards
# in softirq context, so for it we take the machine's softirq jiffies (/proc/stat) per request minus
# the same figure for the direct run (the backend's and client's own packet work), plus the EdgeLB
# host's own CPU (health checks only).
# dead_backend_removed_ms: under new-connection load through EdgeLB, b3's nginx is SIGKILLed; the
# EdgeLB host prints the health transition with its timestamp; the difference is the figure.
# Writes artifacts/bench/forward.json.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROUNDS=${ROUNDS:-3}
DURATION=${DURATION:-5}
CONNS=${CONNS:-50}
out=artifacts/bench/forward.json
work=$(mktemp -d /tmp/edgelb-bench-forward.XXXX)
p=elbf$(printf '%04x' $((RANDOM % 65536)))
S=$((RANDOM % 240 + 5))
net=198.18.$S
namespaces=()
pids=()

cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 0.3
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  for ns in "${namespaces[@]}"; do ip netns del "$ns" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }

echo "forward: building the EdgeLB host"
dotnet build tests/EdgeLB.Benchmarks -c Release -o "$work/host" -v q -nologo >/dev/null

ip netns add "$p-br"; namespaces+=("$p-br")
in_ns "$p-br" ip link set lo up
in_ns "$p-br" ip link add br0 type bridge
in_ns "$p-br" ip link set br0 up
host=1
add_host() { # add_host <role>
  local ns=$p-$1; host=$((host + 1))
  ip netns add "$ns"; namespaces+=("$ns")
  in_ns "$ns" ip link set lo up
  in_ns "$p-br" ip link add "v$host" type veth peer name eth0 netns "$ns"
  in_ns "$p-br" ip link set "v$host" master br0 up
  in_ns "$ns" ip addr add "$net.$host/24" dev eth0
  in_ns "$ns" ip link set eth0 up
}
add_host cli
add_host fwd; fwd_ip=$net.$host
backend_ips=()
for b in b1 b2 b3; do add_host "$b"; backend_ips+=("$net.$host"); done
vip=$net.200
vip_nft=$net.201
in_ns "$p-cli" ip route add "$vip/32" via "$fwd_ip"
in_ns "$p-cli" ip route add "$vip_nft/32" via "$fwd_ip"

# Backends: nginx, one worker each, answering their name.
nginx_pid=()
for i in 1 2 3; do
  ip=${backend_ips[$((i - 1))]}
  mkdir -p "$work/b$i"
  cat >"$work/b$i/nginx.conf" <<NGINX
daemon off; master_process off; worker_processes 1; pid $work/b$i/nginx.pid; error_log $work/b$i/error.log;
events { worker_connections 4096; }
http { access_log off; keepalive_requests 1000000;
  server { listen $ip:30080 reuseport backlog=4096; location / { return 200 "b$i\n"; } } }
NGINX
  ip netns exec "$p-b$i" nginx -c "$work/b$i/nginx.conf" -p "$work/b$i" >"$work/b$i/out" 2>&1 &
  nginx_pid+=($!); pids+=($!)
done

# HAProxy in the forwarder namespace, on the forwarder's own address.
cat >"$work/haproxy.cfg" <<HAPROXY
global
  maxconn 8000
defaults
  mode tcp
  timeout connect 1s
  timeout client 60s
  timeout server 60s
frontend fe
  bind $fwd_ip:80
  default_backend be
backend be
  balance leastconn
  server b1 ${backend_ips[0]}:30080 check inter 1s
  server b2 ${backend_ips[1]}:30080 check inter 1s
  server b3 ${backend_ips[2]}:30080 check inter 1s
HAPROXY
ip netns exec "$p-fwd" haproxy -f "$work/haproxy.cfg" -db >"$work/haproxy.out" 2>&1 &
haproxy_pid=$!; pids+=($!)

backend_args=()
for ip in "${backend_ips[@]}"; do backend_args+=(--backend "$ip:30080"); done
start_host() { # start_host <name> <args...>; sets host_pid
  local name=$1; shift
  mkfifo "$work/$name.in"
  # The fifo held open keeps the host's stdin open until we close it.
  # shellcheck disable=SC2034 # the descriptor only needs to stay open
  exec {fd}<>"$work/$name.in"
  DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS=${INLINE_COMPLETIONS:-1} DOTNET_TieredPGO=1 DOTNET_gcServer=0 DOTNET_GCgen0size=${GEN0SIZE:-0x400000} \
    ip netns exec "$p-fwd" dotnet "$work/host/EdgeLB.Benchmarks.dll" forward-host "$@" <"$work/$name.in" >"$work/$name.out" 2>&1 &
  host_pid=$!; pids+=($!)
  for _ in $(seq 100); do grep -q '^ready' "$work/$name.out" 2>/dev/null && return 0; sleep 0.1; done
  echo "forward: $name did not start:" >&2; cat "$work/$name.out" >&2; exit 1
}
start_host edgelb --plane userspace --vip "$vip" --port 80 "${backend_args[@]}"
edgelb_pid=$host_pid
start_host edgelb-nft --plane nftables --vip "$vip_nft" --port 80 --interface edgelb1 --table edgelbnft "${backend_args[@]}"
nft_pid=$host_pid
# `ip netns exec` execs the command, so the PIDs are dotnet's own.

sleep 1
cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
softirq() { awk '/^cpu /{print $8}' /proc/stat; }
clk=$(getconf CLK_TCK)

# run_wrk <label> <url> <newconn 0|1> ; prints "rps p99_ms requests"
run_wrk() {
  local url=$1 newconn=$2 extra=()
  ((newconn)) && extra=(-H "Connection: close")
  in_ns "$p-cli" timeout $((DURATION + 10)) wrk -t2 -c"$CONNS" -d"${DURATION}s" --latency "${extra[@]}" "$url" >"$work/wrk.out" 2>&1 || true
  awk '
    /Requests\/sec:/ {rps=$2}
    /requests in/ {req=$1}
    /^ +99%/ {v=$2; if (v ~ /us$/) {sub(/us$/,"",v); p=v/1000} else if (v ~ /ms$/) {sub(/ms$/,"",v); p=v} else if (v ~ /s$/) {sub(/s$/,"",v); p=v*1000}}
    END {printf "%s %s %s\n", rps+0, p+0, req+0}' "$work/wrk.out"
}

declare -A rps p99 cpu
measure() { # measure <key> <url> <newconn> <pid or -> 
  local key=$1 url=$2 newconn=$3 pid=$4 t0 t1 s0 s1 res
  t0=0; [[ $pid != - ]] && t0=$(cpu_ticks "$pid")
  s0=$(softirq)
  res=$(run_wrk "$url" "$newconn")
  s1=$(softirq)
  t1=0; [[ $pid != - ]] && t1=$(cpu_ticks "$pid")
  read -r r l n <<<"$res"
  rps[$key]+="$r "; p99[$key]+="$l "
  if ((n > 0)); then
    cpu[$key]+="$(awk -v a="$t0" -v b="$t1" -v n="$n" -v c="$clk" 'BEGIN{printf "%.2f", (b-a)/c*1e6/n}') "
    cpu[$key.softirq]+="$(awk -v a="$s0" -v b="$s1" -v n="$n" -v c="$clk" 'BEGIN{printf "%.2f", (b-a)/c*1e6/n}') "
  fi
  echo "  $key: $r req/s, p99 $l ms"
}

echo "forward: warm-up"
run_wrk "http://$vip/" 0 >/dev/null
run_wrk "http://$fwd_ip/" 0 >/dev/null
run_wrk "http://$vip_nft/" 0 >/dev/null
for round in $(seq "$ROUNDS"); do
  echo "forward: round $round"
  measure direct "http://${backend_ips[0]}:30080/" 0 -
  measure haproxy "http://$fwd_ip/" 0 "$haproxy_pid"
  measure edgelb "http://$vip/" 0 "$edgelb_pid"
  measure nft "http://$vip_nft/" 0 "$nft_pid"
  measure direct_new "http://${backend_ips[0]}:30080/" 1 -
  measure haproxy_new "http://$fwd_ip/" 1 "$haproxy_pid"
  measure edgelb_new "http://$vip/" 1 "$edgelb_pid"
done
rss_kb=$(awk '/VmHWM/{print $2}' "/proc/$edgelb_pid/status")

# Dead backend under new-connection load through EdgeLB.
echo "forward: killing b3 under load"
( in_ns "$p-cli" timeout 10 wrk -t1 -c16 -d4s -H "Connection: close" "http://$vip/" >/dev/null 2>&1 || true ) &
load=$!
sleep 1.5
killed_ms=$(date +%s%3N)
kill -9 "${nginx_pid[2]}"
wait "$load" || true
down_ms=$(awk -v ip="${backend_ips[2]}" '$1=="health" && index($2, ip) && $3=="down" {print $4; exit}' "$work/edgelb.out")
dead_ms=null
[[ -n $down_ms ]] && dead_ms=$((down_ms - killed_ms))

median() { tr ' ' '\n' | grep -v '^$' | sort -g | awk '{a[NR]=$1} END {if (NR==0) print "null"; else if (NR%2) print a[(NR+1)/2]; else printf "%.2f\n", (a[NR/2]+a[NR/2+1])/2}'; }
med() { local -n arr=$1; echo "${arr[$2]:-}" | median; }
nft_cpu=$(awk -v s="$(med cpu nft.softirq)" -v d="$(med cpu direct.softirq)" -v h="$(med cpu nft)" 'BEGIN{v=s-d; if (v<0) v=0; printf "%.2f", v+h}')

mkdir -p "$(dirname "$out")"
cat >"$out" <<JSON
{"metrics": {
  "direct_rps": $(med rps direct),
  "haproxy_rps": $(med rps haproxy),
  "edgelb_rps": $(med rps edgelb),
  "edgelb_nft_rps": $(med rps nft),
  "direct_p99_ms": $(med p99 direct),
  "haproxy_p99_ms": $(med p99 haproxy),
  "edgelb_p99_ms": $(med p99 edgelb),
  "edgelb_nft_p99_ms": $(med p99 nft),
  "direct_newconn_rps": $(med rps direct_new),
  "haproxy_newconn_rps": $(med rps haproxy_new),
  "edgelb_newconn_rps": $(med rps edgelb_new),
  "haproxy_newconn_cpu_us_per_req": $(med cpu haproxy_new),
  "edgelb_newconn_cpu_us_per_req": $(med cpu edgelb_new),
  "edgelb_rss_mb": $(awk -v k="$rss_kb" 'BEGIN{printf "%.1f", k/1024}'),
  "haproxy_cpu_us_per_req": $(med cpu haproxy),
  "edgelb_cpu_us_per_req": $(med cpu edgelb),
  "edgelb_nft_cpu_us_per_req": $nft_cpu,
  "dead_backend_removed_ms": $dead_ms,
  "rounds": $ROUNDS,
  "duration_s": $DURATION,
  "connections": $CONNS
}}
JSON
cat "$out"
