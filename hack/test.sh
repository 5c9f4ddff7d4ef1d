#!/usr/bin/env bash
# Builds the whole solution and runs every test project. Prints a summary per project and, as its
# very last line, "N passed, N failed" (", N skipped" when any were skipped), counted from the TRX
# result files. Exits non-zero when anything failed or did not run.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

bash hack/install-deps.sh

results=$root/artifacts/test-results
rm -rf "$results"
mkdir -p "$results"

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1
dotnet restore EdgeLB.sln --verbosity quiet
dotnet build EdgeLB.sln --no-restore --configuration Release --verbosity quiet -nologo

# The end-to-end scenarios that need speakers to carry traffic run by default; one that a known
# problem still breaks is reported as skipped with its reason (docs/coordinator.md "Known
# problems"). EDGELB_E2E_DATAPLANE=0 skips them all, =all runs the known-problem one too.

status=0
crashed=()
mapfile -t projects < <(find tests -name '*.csproj' \( -path '*.Tests/*' -o -path '*/EdgeLB.E2E/*' \) | sort)
for proj in "${projects[@]}"; do
  name=$(basename "$proj" .csproj)
  echo "== $name"
  if ! dotnet test "$proj" --no-build --configuration Release --nologo --verbosity quiet \
      --results-directory "$results" --logger "trx;LogFileName=$name.trx" \
      --blame-hang-timeout 10m -- RunConfiguration.TreatNoTestsAsError=false; then
    status=1
    crashed+=("$name")
  fi
done

# Count from the TRX files, not from console output.
# A project whose run failed while its TRX shows no failure lost its test host (a crash or a hang
# the blame collector ended): the tests it did not finish are counted as one failure.
python3 - "$results" "${#projects[@]}" "${crashed[@]}" <<'PY' || status=1
import sys, pathlib, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
results, expected, runs_failed = pathlib.Path(sys.argv[1]), int(sys.argv[2]), set(sys.argv[3:])
total = {"passed": 0, "failed": 0, "skipped": 0}
files = sorted(results.glob("*.trx"))
for trx in files:
    c = ET.parse(trx).getroot().find("t:ResultSummary/t:Counters", ns).attrib
    passed, failed = int(c["passed"]), int(c["failed"]) + int(c["error"]) + int(c["timeout"]) + int(c["aborted"])
    # vstest leaves notExecuted at 0 for skipped xunit tests; they are the ones not executed.
    skipped = max(int(c["notExecuted"]), int(c["total"]) - int(c["executed"]))
    note = ""
    if trx.stem in runs_failed and failed == 0:
        failed, note = 1, "  (test host crashed or was aborted)"
    total["passed"] += passed; total["failed"] += failed; total["skipped"] += skipped
    print(f"   {trx.stem:<32} {passed:>5} passed {failed:>4} failed {skipped:>4} skipped{note}")
missing = expected - len(files)
if missing > 0:
    print(f"   {missing} test project(s) produced no results")
    total["failed"] += missing
line = f"{total['passed']} passed, {total['failed']} failed"
if total["skipped"]:
    line += f", {total['skipped']} skipped"
print(line)
sys.exit(1 if total["failed"] else 0)
PY
exit $status
