"""Benchmark of the "since the last edition" comparison on the sample.

Writes the synthetic sample (scale 1 by default), builds it twice into one store (two
versions), then times ``indicators.changes.changes`` for the national slice and for one
region, against the baseline measured in the same run: what any report already pays for
each version, reading its tables (``changes.read_tables``) and computing its flows table
(``indicators.flows``). Prints the medians and the ratios.

Goal: the whole comparison costs at most 3 times that baseline.

Usage: ``python benchmarks/bench_changes.py [--runs 5] [--scale 1]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path


def _median(fn, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--scale", type=int, default=1)
    args = parser.parse_args()

    from pvanalysis import store
    from pvanalysis.build import build_processed
    from pvanalysis.indicators import Slice, flows
    from pvanalysis.indicators.changes import changes, read_tables
    from pvanalysis.sample import write_sample

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_sample(root / "raw", scale=args.scale)
        build_processed(root / "raw", root / "processed")
        build_processed(root / "raw", root / "processed")
        versions = store.versions(root / "processed")
        baseline = _median(lambda: [flows(read_tables(v)) for v in versions], args.runs)
        national = _median(lambda: changes(root / "processed"), args.runs)
        region = _median(lambda: changes(root / "processed", Slice(region="03")), args.runs)
    print(f"lecture et flux des deux versions : {baseline:.3f} s (médiane de {args.runs})")
    print(f"comparaison nationale             : {national:.3f} s, ratio {national / baseline:.2f}")
    print(f"comparaison d'une région          : {region:.3f} s, ratio {region / baseline:.2f}")


if __name__ == "__main__":
    main()
