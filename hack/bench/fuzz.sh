#!/usr/bin/env bash
# Fuzzing figures (hack/fuzz.sh): <target>_cases, <target>_crashes, <target>_peak_rss_mb -> artifacts/bench/fuzz.json.
set -euo pipefail
exec bash "$(dirname "$0")/../fuzz.sh" "$@"
