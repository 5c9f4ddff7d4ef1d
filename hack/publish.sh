#!/usr/bin/env bash
# Publishes the edgelb executable into one folder: the only recipe for it. The Dockerfile's build
# stage runs this script, and tests/EdgeLB.Sandbox.Tests/Deploy/PublishTests.cs runs it outside a
# container and starts the result, so a broken publish fails the tests even where no image is built.
#
# Native AOT: one self-contained executable compiled ahead of time (no JIT, no runtime to install).
# Measured against the earlier framework-dependent ReadyToRun publish on this 2-core machine:
# - hack/bench.sh control: controller peak RSS 118-122 MB instead of 172.8 MB, and 6.2-7.8 CPU
#   seconds instead of 10.7 for 10,000 Services.
# - Speaker SIGKILL failover (hack/bench.sh failover): median 18.6-19.6 ms (two runs of 10 trials)
#   instead of 66-105 ms. A killed process closes its sockets only after the kernel has unmapped
#   its memory, and the native speaker maps far less; and there is no JIT: the ReadyToRun
#   controllers and speakers filled both cores right after a kill (with tiered compilation off the
#   controllers' share shrank by two thirds), taking CPU from the new holder.
# Every src project sets IsAotCompatible, so code that needs run-time code generation fails the
# ordinary build. Needs clang and zlib (hack/install-deps.sh installs them).
# EDGELB_AOT=0 publishes the framework-dependent ReadyToRun build instead (needs the ASP.NET Core
# runtime where it runs).
#
# Usage: hack/publish.sh [output-dir]        (default: artifacts/publish/edgelb)
# Result: <output-dir>/edgelb, run as `edgelb controller|speaker|api-server|...`.
set -euo pipefail
cd "$(dirname "$0")/.."

out=${1:-artifacts/publish/edgelb}
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

case $(uname -m) in
  x86_64) rid=linux-x64 ;;
  aarch64) rid=linux-arm64 ;;
  *) echo "publish.sh: no native build for $(uname -m)" >&2; exit 1 ;;
esac

if [[ ${EDGELB_AOT:-1} != 0 ]]; then
  mode=(-p:PublishAot=true -p:SelfContained=true)
else
  mode=(-p:PublishReadyToRun=true -p:SelfContained=false)
fi

dotnet publish src/EdgeLB/EdgeLB.csproj \
  --configuration Release \
  --runtime "$rid" \
  "${mode[@]}" \
  --output "$out" \
  --nologo --verbosity quiet --disable-build-servers \
  -p:UseAppHost=true \
  -p:PublishDocumentationFile=false \
  -p:PublishReferencesDocumentationFiles=false \
  -p:SatelliteResourceLanguages=en

if [[ ! -x $out/edgelb ]]; then
  echo "publish.sh: $out/edgelb was not produced" >&2
  exit 1
fi
echo "published $out/edgelb"
