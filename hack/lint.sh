#!/usr/bin/env bash
# Lints the shell scripts CI runs. CI has no container engine, so this is how hack/ stays honest.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v shellcheck >/dev/null 2>&1; then
  echo "lint.sh: shellcheck is not installed (apt-get install shellcheck)" >&2
  exit 1
fi
shellcheck hack/*.sh hack/bench/*.sh .ci/run
