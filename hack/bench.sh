#!/usr/bin/env bash
# Runs benchmark suites and writes artifacts/bench/<suite>.json as {"metrics": {...}}.
# Usage: hack/bench.sh [suite ...]   (no suite: every suite in hack/bench/, then
# artifacts/bench/summary.md, a table of every figure with its target)
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install-deps.sh
mkdir -p artifacts/bench

mapfile -t available < <(find hack/bench -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort)
suites=("$@")
if ((${#suites[@]})); then
  for suite in "${suites[@]}"; do
    if [[ ! -f hack/bench/$suite.sh ]]; then
      echo "bench: unknown suite '$suite' (have: ${available[*]})" >&2
      exit 2
    fi
    echo "== bench $suite"
    bash "hack/bench/$suite.sh"
  done
  exit 0
fi

# Every suite: one failing does not stop the others; the summary names it and the exit status says so.
failed=()
for suite in "${available[@]}"; do
  echo "== bench $suite"
  bash "hack/bench/$suite.sh" || failed+=("$suite")
done
python3 hack/bench/summary.py artifacts/bench "${failed[@]}"
((${#failed[@]} == 0))
