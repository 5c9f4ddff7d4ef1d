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
# the package mirror). Only publish-time properties are set, so an up-to-date Release build is
# reused rather than compiled again with different settings.
#
# Usage: hack/publish.sh [output-dir]        (default: artifacts/publish/edgelb)
# Result: <output-dir>/edgelb, run as `edgelb controller|speaker|api-server|...`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-artifacts/publish/edgelb}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

dotnet publish src/EdgeLB/EdgeLB.csproj \
  --configuration Release \
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
