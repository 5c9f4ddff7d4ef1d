#!/usr/bin/env bash
# Runs benchmark suites and writes artifacts/bench/<suite>.json as {"metrics": {...}}.
# Usage: hack/bench.sh [suite ...]   (no suite: every suite in hack/bench/)
set -euo pipefail
cd "$(dirname "$0")/.."
bash hack/install-deps.sh
mkdir -p artifacts/bench

mapfile -t available < <(find hack/bench -name '*.sh' -printf '%f\n' | sed 's/\.sh$//' | sort)
suites=("$@")
((${#suites[@]})) || suites=("${available[@]}")
for suite in "${suites[@]}"; do
  if [[ ! -f hack/bench/$suite.sh ]]; then
    echo "bench: unknown suite '$suite' (have: ${available[*]})" >&2
    exit 2
  fi
  echo "== bench $suite"
  bash "hack/bench/$suite.sh"
done
