"""Time commune maps drawn from full-resolution versus display (coverage-simplified) outlines.

Usage: python benchmarks/bench_maps.py [PROCESSED_DIR] [--runs 3]

PROCESSED_DIR (default ``data/processed``) is a store holding the territory reference; it is
published there first when the store has none (``territories.build_reference``). Prints,
for the commune layer: vertex counts, the median time of a static choropleth (PNG written)
and of an interactive map (HTML written) with its size, full versus display geometries, and
the ratios. Goals: a static map in about a second, an interactive map under 3 MB.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import timeit
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import shapely  # noqa: E402

from pvanalysis import maps, territories  # noqa: E402
from pvanalysis.errors import PvInputError  # noqa: E402


def median_time(func, runs: int) -> float:
    """Median wall time of ``func()`` over ``runs`` runs, in seconds."""
    return statistics.median(timeit.repeat(func, number=1, repeat=runs))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("processed", type=Path, nargs="?", default=Path("data/processed"))
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    out = Path(tempfile.mkdtemp(prefix="pv_bench_maps_"))
    try:
        territories.load_layer("region", args.processed)
    except PvInputError:
        territories.build_reference(args.processed)
    results = {}
    for label, display in (("complet", False), ("affichage", True)):
        layer = territories.load_layer("commune", args.processed, display=display)
        vertices = int(shapely.get_num_coordinates(layer.geometry.to_numpy()).sum())

        def static(layer=layer, label=label):
            fig = maps.choropleth(layer, "population_2024", title="Population des communes",
                                  unit="habitants", out=out / f"communes_{label}.png")
            plt.close(fig)

        def interactive(layer=layer, label=label):
            maps.interactive_map(layer, "population_2024", title="Population des communes",
                                 unit="habitants", out=out / f"communes_{label}.html")

        static()  # warm-up (imports, font cache)
        t_static = median_time(static, args.runs)
        t_html = median_time(interactive, args.runs)
        size = (out / f"communes_{label}.html").stat().st_size / 1e6
        results[label] = (t_static, t_html, size)
        print(f"{label:>9} : {len(layer)} communes, {vertices:>9,} sommets — carte statique "
              f"{t_static:.2f} s, carte interactive {t_html:.2f} s, {size:.2f} Mo")
    full, disp = results["complet"], results["affichage"]
    print(f"rapport complet / affichage : statique ×{full[0] / disp[0]:.1f}, interactive "
          f"×{full[1] / disp[1]:.1f}, taille ×{full[2] / disp[2]:.1f}")


if __name__ == "__main__":
    main()
