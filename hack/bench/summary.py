#!/usr/bin/env python3
"""Writes artifacts/bench/summary.md: every figure of every artifacts/bench/<suite>.json, with its
target from docs/design.md where there is one. Usage: summary.py <bench dir> [failed suite ...]"""
import json
import pathlib
import sys

# key: (comparison, bound) where bound is a number or ("key", factor) meaning factor x another figure.
TARGETS = {
    "sigkill_median_ms": ("<=", 30),
    "sigkill_max_ms": ("<=", 100),
    "linkdown_median_ms": ("<=", 100),
    "linkdown_max_ms": ("<=", 250),
    "drain_failed_requests": ("==", 0),
    "controller_kill_failed_requests": ("==", 0),
    "split_brain_overlap_ms_max": ("==", 0),
    "spurious_failovers_under_load": ("==", 0),
    "seconds_to_all_external_ip": ("<=", 10),
    "restart_changed_assignments": ("==", 0),
    "controller_peak_rss_mb": ("<=", 150),
    "pending_storm_event_writes": ("<", 200),
    "pending_storm_log_lines": ("<", 500),
    "speaker_rss_mb": ("<=", 50),
    "edgelb_rss_mb": ("<=", 50),
    "dead_backend_removed_ms": ("<=", 1000),
    "edgelb_rps": (">=", ("haproxy_rps", 1.0)),
    "edgelb_cpu_us_per_req": ("<=", ("haproxy_cpu_us_per_req", 1.0)),
    "edgelb_p99_ms": ("<=", ("haproxy_p99_ms", 1.1)),
    "hostile_sessions_rss_growth_mb": ("<=", 20),
    # chaos soak (hack/chaos.sh)
    "split_brain_violations": ("==", 0),
    "ip_changes": ("==", 0),
    "process_crashes": ("==", 0),
    "control_outage_failed_probes": ("==", 0),
    "control_outage_vip_moves": ("==", 0),
    "control_outage_ip_changes": ("==", 0),
}
# Counts that say what a figure left out, or that a run went wrong: each one's target is 0, whatever its prefix.
ZERO_SUFFIXES = ("_unrecovered_trials", "_abandoned", "_failed_trials", "_trials_without_new_claim", "_crashes")
# The failover suite's figures, listed even when a run could not measure them.
FAILOVER_PHASES = ("sigkill", "linkdown", "drain", "controller_kill", "partition", "spurious")
FAILOVER_KEYS = {"sigkill_median_ms", "sigkill_max_ms", "linkdown_median_ms", "linkdown_max_ms", "drain_failed_requests",
                 "controller_kill_failed_requests", "split_brain_overlap_ms_max", "spurious_failovers_under_load",
                 "sigkill_unrecovered_trials", "linkdown_unrecovered_trials", "drain_unrecovered_trials",
                 "controller_kill_failed_trials", *(f"{phase}_abandoned" for phase in FAILOVER_PHASES)}
# The fuzz suite's figures (hack/fuzz.sh), listed even when it has not run.
FUZZ_TARGETS = ("frames", "controller_session", "objects")
FUZZ_KEYS = {f"{target}_{what}" for target in FUZZ_TARGETS for what in ("cases", "crashes")}
# Figures that are references to compare with, not targets.
REFERENCES = {
    "keepalived_default_median_ms": "keepalived reference ~3300 ms at advert_int 1",
    "keepalived_fast_median_ms": "keepalived reference ~45 ms at advert_int 0.01",
}


def check(op, value, bound):
    return {"<": value < bound, "<=": value <= bound, ">=": value >= bound, "==": value == bound}[op]


def target_of(key):
    if key in TARGETS:
        return TARGETS[key]
    if key.endswith(ZERO_SUFFIXES):
        return ("==", 0)
    if key.endswith("_cases") and key.removesuffix("_cases") in FUZZ_TARGETS:
        return (">=", 100000)
    return None


def left_out(key, figures):
    """A median or maximum over trials is shown with the trials it leaves out (no outage figure) or its phase's abandonment."""
    for suffix in ("_median_ms", "_max_ms"):
        if key.endswith(suffix):
            prefix = key.removesuffix(suffix)
            notes = []
            if figures.get(f"{prefix}_unrecovered_trials"):
                notes.append(f"{figures[f'{prefix}_unrecovered_trials']:g} of {figures.get(f'{prefix}_trials', 0):g} trials unrecovered, left out")
            if figures.get(f"{prefix}_abandoned"):
                notes.append("phase abandoned")
            return f" ({'; '.join(notes)})" if notes else ""
    return ""


def main():
    bench = pathlib.Path(sys.argv[1])
    failed = sys.argv[2:]
    figures = {}
    rows = []
    for path in sorted(bench.glob("*.json")):
        metrics = json.loads(path.read_text()).get("metrics", {})
        for key, value in metrics.items():
            figures[key] = value
            rows.append((path.stem, key, value))
    lines = ["# Benchmark summary", "", "Written by `hack/bench.sh`; each suite's figures are in `artifacts/bench/<suite>.json`.", "",
             "| suite | figure | value | target | met |", "|---|---|---:|---|:---:|"]
    for suite, key, value in rows:
        target, met = "", ""
        if target_of(key):
            op, bound = target_of(key)
            if isinstance(bound, tuple):
                other, factor = bound
                target = f"{op} {'' if factor == 1 else f'{factor} x '}{other}"
                if other in figures:
                    met = "yes" if check(op, value, figures[other] * factor) else "NO"
            else:
                target = f"{op} {bound}"
                met = "yes" if check(op, value, bound) else "NO"
        elif key in REFERENCES:
            target = REFERENCES[key]
        lines.append(f"| {suite} | `{key}` | {value:g}{left_out(key, figures)} | {target} | {met} |")
    for suite, keys in (("failover", FAILOVER_KEYS), ("fuzz", FUZZ_KEYS)):
        for key in sorted(keys - figures.keys()):
            op, bound = target_of(key)
            lines.append(f"| {suite} | `{key}` | not measured | {op} {bound} | |")
    if failed:
        lines += ["", f"Suites that failed: {', '.join(failed)} (their figures above may be from an earlier run)."]
    (bench / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
