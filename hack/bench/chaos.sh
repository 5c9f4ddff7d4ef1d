#!/usr/bin/env bash
# The chaos soak (hack/chaos.sh) -> artifacts/bench/chaos.json. Length: EDGELB_CHAOS_MINUTES (default 30).
set -euo pipefail
cd "$(dirname "$0")/../.."
exec bash hack/chaos.sh --minutes "${EDGELB_CHAOS_MINUTES:-30}"
