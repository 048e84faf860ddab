"""Benchmark of ``pvanalysis build``: time and peak memory at sample scale 1, 10 and 100.

Generates the synthetic sample at each scale (``pvanalysis.sample.write_sample``) into a
temporary folder, builds the territory reference once, then runs the build in a fresh child
process several times per scale and prints the median wall time, the peak resident memory of
the child (``resource.getrusage``) and the ratio of the scale-100 time to the scale-10 time
(linear growth would give 10).

Goals: scale 1 under 5 s, scale 100 under 1 minute and under 4 GiB, ratio 100/10 ≤ 12.

Usage: ``python benchmarks/bench_build.py [--runs 3] [--scales 1 10 100]``
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CHILD = """
import json, resource, sys, time
from pvanalysis.build import build_processed
start = time.perf_counter()
summary = build_processed(sys.argv[1], sys.argv[2], reference_dir=sys.argv[3])
seconds = time.perf_counter() - start
rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # KiB on Linux
rows = sum(s.rows_in for s in summary.sources)
print(json.dumps({"seconds": seconds, "rss_kib": rss_kib, "rows": rows}))
"""


def _run(raw: Path, out: Path, ref: Path) -> dict:
    done = subprocess.run([sys.executable, "-c", CHILD, str(raw), str(out), str(ref)],
                          check=True, capture_output=True, text=True)
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    args = parser.parse_args()

    from pvanalysis.sample import write_sample
    from pvanalysis.territories import build_reference

    with tempfile.TemporaryDirectory(prefix="bench-build-") as tmp:
        tmp = Path(tmp)
        ref = tmp / "reference"
        build_reference(ref)
        medians = {}
        print(f"{'échelle':>8} {'lignes':>9} {'génération':>11} {'build médian':>13} "
              f"{'min':>7} {'max':>7} {'mémoire max':>12}")
        for scale in args.scales:
            raw = tmp / f"raw-{scale}"
            start = time.perf_counter()
            write_sample(raw, scale=scale)
            generated = time.perf_counter() - start
            runs = [_run(raw, tmp / f"out-{scale}", ref) for _ in range(args.runs)]
            seconds = [r["seconds"] for r in runs]
            medians[scale] = statistics.median(seconds)
            peak_mib = max(r["rss_kib"] for r in runs) / 1024
            print(f"{scale:>8} {runs[0]['rows']:>9} {generated:>10.1f}s {medians[scale]:>12.2f}s "
                  f"{min(seconds):>6.2f}s {max(seconds):>6.2f}s {peak_mib:>9.0f} MiB")
        if 10 in medians and 100 in medians:
            print(f"rapport temps échelle 100 / échelle 10 : {medians[100] / medians[10]:.1f}"
                  " (linéaire : 10)")


if __name__ == "__main__":
    main()
