#!/usr/bin/env bash
# Publishes the edgelb executable into one folder: the only recipe for it. The Dockerfile's build
# stage runs this script, and tests/EdgeLB.Sandbox.Tests/Deploy/PublishTests.cs runs it outside a
# container and starts the result, so a broken publish fails the tests even where no image is built.
#
# Framework-dependent on the ASP.NET Core shared runtime (the runtime image provides it), not
# self-contained and trimmed: a trimmed publish (measured: -r linux-x64 --self-contained
# -p:PublishTrimmed=true) reports IL2026 "RequiresUnreferencedCode" warnings in the in-memory API
# server's JsonNode code, which lives in the same executable; with warnings as errors that build
# fails, and silencing them would ship code the trimmer may have cut. It would save ~30 MB of
# runtime, not worth that risk. Native AOT is not possible here (its runtime pack is missing from
# the package mirror).
#
# ReadyToRun (precompiled code for this machine's architecture): a speaker that takes over a VIP
# runs its forwarding and announcing code for the first time then, and compiling it on the spot
# cost 240-460 ms per takeover on the loaded 2-core lab machine against 60-100 ms precompiled
# (hack/bench/failover.sh, speaker log "ms after the Assignment arrived"). EDGELB_READY_TO_RUN=0
# publishes without it (portable IL only).
#
# Usage: hack/publish.sh [output-dir]        (default: artifacts/publish/edgelb)
# Result: <output-dir>/edgelb, run as `edgelb controller|speaker|api-server|...`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-artifacts/publish/edgelb}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

ready_to_run=()
if [[ ${EDGELB_READY_TO_RUN:-1} != 0 ]]; then
  case $(uname -m) in
    x86_64) ready_to_run=(--runtime linux-x64 -p:PublishReadyToRun=true) ;;
    aarch64) ready_to_run=(--runtime linux-arm64 -p:PublishReadyToRun=true) ;;
    *) echo "publish.sh: no ReadyToRun for $(uname -m); publishing IL only" >&2 ;;
  esac
fi

dotnet publish src/EdgeLB/EdgeLB.csproj \
  --configuration Release \
  "${ready_to_run[@]}" \
  --output "$out" \
  --nologo --verbosity quiet --disable-build-servers \
  -p:SelfContained=false \
  -p:UseAppHost=true \
  -p:PublishDocumentationFile=false \
  -p:PublishReferencesDocumentationFiles=false \
  -p:SatelliteResourceLanguages=en

if [[ ! -x $out/edgelb ]]; then
  echo "publish.sh: $out/edgelb was not produced" >&2
  exit 1
fi
echo "published $out/edgelb"
