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
    "speaker_rss_mb": ("<=", 50),
    "edgelb_rss_mb": ("<=", 50),
    "dead_backend_removed_ms": ("<=", 1000),
    "edgelb_rps": (">=", ("haproxy_rps", 1.0)),
    "edgelb_cpu_us_per_req": ("<=", ("haproxy_cpu_us_per_req", 1.0)),
    "edgelb_p99_ms": ("<=", ("haproxy_p99_ms", 1.1)),
    # chaos soak (hack/chaos.sh)
    "split_brain_violations": ("==", 0),
    "ip_changes": ("==", 0),
    "process_crashes": ("==", 0),
    "control_outage_failed_probes": ("==", 0),
    "control_outage_vip_moves": ("==", 0),
    "control_outage_ip_changes": ("==", 0),
}
# The failover suite's figures, listed even when a run could not measure them.
FAILOVER_KEYS = {"sigkill_median_ms", "sigkill_max_ms", "linkdown_median_ms", "linkdown_max_ms", "drain_failed_requests",
                 "controller_kill_failed_requests", "split_brain_overlap_ms_max", "spurious_failovers_under_load"}
# Figures that are references to compare with, not targets.
REFERENCES = {
    "keepalived_default_median_ms": "keepalived reference ~3300 ms at advert_int 1",
    "keepalived_fast_median_ms": "keepalived reference ~45 ms at advert_int 0.01",
}


def check(op, value, bound):
    return {"<=": value <= bound, ">=": value >= bound, "==": value == bound}[op]


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
        if key in TARGETS:
            op, bound = TARGETS[key]
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
        lines.append(f"| {suite} | `{key}` | {value:g} | {target} | {met} |")
    for key in TARGETS:
        if key not in figures and key in FAILOVER_KEYS:
            lines.append(f"| failover | `{key}` | not measured | {TARGETS[key][0]} {TARGETS[key][1]} | |")
    if failed:
        lines += ["", f"Suites that failed: {', '.join(failed)} (their figures above may be from an earlier run)."]
    (bench / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
