"""Time the full national indicator set on the sample at scale 1 and scale 100.

Usage: python benchmarks/bench_indicators.py [--scales 1 100] [--runs 5] [--work DIR]

Writes each sample (``pvanalysis.sample.write_sample``) and builds it
(``pvanalysis.build.build_processed``) into a temporary folder (or ``--work``), loads the
tables, then prints the median time of ``indicators.national_set`` (every national indicator
of the bilan report, communes included) over several runs, with the ratio to scale 1.
Goals: under 1 s at scale 1, under 20 s at scale 100. The machine's load average is printed:
on a shared 2-core machine, rerun when it is high.
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path

import pvanalysis as pv
from pvanalysis import build, indicators, sample


def prepare(scale: int, work: Path) -> dict:
    raw, processed = work / f"raw_{scale}", work / f"processed_{scale}"
    if not (processed / "CURRENT").exists():
        t0 = time.perf_counter()
        sample.write_sample(raw, scale=scale)
        build.build_processed(raw, processed, reference_dir=work / "processed_1"
                              if scale != 1 and (work / "processed_1").exists() else None)
        print(f"  échelle {scale} : échantillon écrit et construit en "
              f"{time.perf_counter() - t0:.1f} s")
    return pv.load(processed)


def time_set(tables: dict, runs: int) -> tuple[float, dict]:
    indicators.national_set(tables)  # warm-up: lazy imports (scipy), caches
    times, out = [], {}
    for _ in range(runs):
        t0 = time.perf_counter()
        out = indicators.national_set(tables)
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", type=int, nargs="+", default=[1, 100])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--work", type=Path, default=None)
    args = parser.parse_args()
    work = args.work or Path(tempfile.mkdtemp(prefix="pv_bench_"))
    print(f"charge moyenne de la machine (1 min) : {os.getloadavg()[0]:.1f}")
    base = None
    for scale in args.scales:
        tables = prepare(scale, work)
        runs = args.runs if scale <= 10 else max(3, args.runs // 2)
        median, out = time_set(tables, runs)
        base = base or median
        rows = {k: len(v) for k, v in out.items()}
        print(f"échelle {scale:>3} : {len(tables['projects']):>6} projets, "
              f"{len(tables['disbursements']):>7} déblocages — ensemble national "
              f"{median:.3f} s (médiane de {runs}), ×{median / base:.1f} par rapport à "
              f"l'échelle {args.scales[0]} ; tables : {rows}")


if __name__ == "__main__":
    main()
