#!/usr/bin/env bash
# Fuzzes what EdgeLB reads from outside (tests/EdgeLB.Fuzz, CsCheck): Ethernet/ARP/ND frames, Session
# messages arriving at the controller, and the Services, pools and L2Advertisements it reads. Each
# target runs in its own process; <target>_cases, _crashes and _peak_rss_mb are merged into
# artifacts/bench/fuzz.json (other figures in that file are kept). Exits non-zero if any target crashed.
#   FUZZ_CASES=100000 FUZZ_SEED=<number> hack/fuzz.sh [target ...]
# Also run by hack/bench.sh fuzz.
set -euo pipefail
cd "$(dirname "$0")/.."
cases=${FUZZ_CASES:-100000}
seed=${FUZZ_SEED:-$(date +%s)}
targets=("$@")
((${#targets[@]})) || targets=(frames controller_session objects)
dotnet build tests/EdgeLB.Fuzz -c Release --verbosity quiet -nologo
mkdir -p artifacts/bench
status=0
for target in "${targets[@]}"; do
  echo "== fuzz $target ($cases cases, seed $seed)"
  dotnet tests/EdgeLB.Fuzz/bin/Release/net10.0/EdgeLB.Fuzz.dll "$target" --cases "$cases" --seed "$seed" \
    --out artifacts/bench/fuzz.json || status=1
done
cat artifacts/bench/fuzz.json
exit $status
