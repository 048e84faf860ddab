"""Report adapters: thin glue between indicators, maps and the notebooks.

No computation of indicators here — only selection, joins for display, the French cards and
tables of each report (built with :mod:`pvanalysis.present`) and the reports' key figures
(``figures.json``, shown in the site index). Nothing here runs a notebook: this module
imports nothing of :mod:`pvanalysis.reports` (whose parameter checks import
:data:`TERRITORY_LEVELS` from here).
"""

from __future__ import annotations

import html
from collections.abc import Mapping
from pathlib import Path

from . import fmt, store
from .config import PROCESSED_DIR, SCALES
from .present import Html, _is_missing, format_value, key_figures, note, table

#: Territory levels a ``fiche_territoire`` accepts, with French names.
TERRITORY_LEVELS = {"region": "région", "province": "province", "commune": "commune"}


def _slice(period_start=None, period_end=None, scales=None, ref_date=None, level=None,
           code=None):
    from .indicators import Slice

    period = (period_start, period_end) if period_start is not None else None
    where = {level: code} if level else {}
    return Slice(scale=list(scales) if scales else None, period=period,
                 ref_date=ref_date or None, **where)


def bilan_table(bilan) -> Html:
    """The bilan by intervention scale as the Ministry presents it (MDH exact, French)."""
    cols = ["scale_label", "projects", "total_cost_dh", "ministry_dh", "ministry_released_dh",
            "targets"]
    return table(bilan[cols], labels={"targets": "Quartiers, centres ou médinas couverts",
                                      "total_cost_dh": "Investissement total"},
                 caption="Bilan par échelle d'intervention")


def bilan_figures(bilan, period_start: int, period_end: int) -> dict:
    """Key figures of the national bilan for ``figures.json``.

    Returns
    -------
    dict
        ``period``; per scale key (``royal``, ``quartiers``, ``medina``, ``centre``):
        ``projects``, ``total_cost_mdh``, ``ministry_mdh``, ``ministry_released_mdh`` (MDH,
        exact decimals from integer DH), ``targets`` (None for royal projects); ``title``,
        ``summary`` (French text for the site index).
    """
    from .config import DH_PER_MDH

    out = {"kind": "bilan", "title": f"Bilan national {period_start}–{period_end}",
           "period": [period_start, period_end]}
    for row in bilan.to_dict("records"):
        out[row["scale"]] = {
            "label": row["scale_label"], "projects": int(row["projects"]),
            **{k.replace("_dh", "_mdh"): int(row[k]) / DH_PER_MDH
               for k in ("total_cost_dh", "ministry_dh", "ministry_released_dh")},
            "targets": None if _is_missing(row["targets"]) else int(row["targets"])}
    total = bilan[["projects", "total_cost_dh", "ministry_dh"]].sum()
    out["summary"] = {"Projets": fmt.number(total["projects"]),
                      "Investissement": fmt.mdh(total["total_cost_dh"], 0),
                      "Ministère": fmt.mdh(total["ministry_dh"], 0)}
    return out


def _published(path: str | Path) -> list[dict]:
    import yaml

    return yaml.safe_load(Path(path).read_text(encoding="utf-8")) or []


def published_comparison(bilan, published: str | Path, period_start: int,
                         period_end: int) -> Html:
    """Published figures of the same period beside those computed from the data.

    Each published ratio (Ministry share M/T, release rate D_M/M) is recomputed from its
    published parts and set beside the same ratio computed from the data; a gap is shown in
    MDH or in percentage points.
    """
    import pandas as pd

    from .config import DH_PER_MDH

    entries = [e for e in _published(published) if e.get("period") == [period_start, period_end]]
    if not entries:
        return note(f"Aucun chiffre publié pour {period_start}–{period_end} dans {published}.")
    computed = bilan.set_index("scale")
    rows = []
    for scale, pub in entries[0].get("scales", {}).items():
        if scale not in computed.index:
            continue
        c = computed.loc[scale]
        label = SCALES.get(scale, scale)
        for key, name in (("projects", "Projets"), ("targets", "Cibles couvertes")):
            if key in pub:
                rows.append((label, name, fmt.number(pub[key]), fmt.number(c[key]),
                             fmt.number(int(c[key]) - pub[key])))
        if "targets_more_than" in pub:
            ok = int(c["targets"]) > pub["targets_more_than"]
            rows.append((label, "Cibles couvertes",
                         f"plus de {fmt.number(pub['targets_more_than'])}",
                         fmt.number(c["targets"]), "conforme" if ok else "non atteint"))
        for key, name in (("total_cost_mdh", "Investissement total"),
                          ("ministry_mdh", "Contribution du Ministère"),
                          ("ministry_released_mdh", "Débloqué par le Ministère")):
            if key in pub:
                dh = int(c[key.replace("_mdh", "_dh")])
                pub_dh = round(pub[key] * DH_PER_MDH)
                rows.append((label, name, fmt.mdh(pub_dh), fmt.mdh(dh), fmt.mdh(dh - pub_dh)))
        for num, den, name in (("ministry_mdh", "total_cost_mdh", "Part du Ministère (M/T)"),
                               ("ministry_released_mdh", "ministry_mdh",
                                "Taux de déblocage du Ministère")):
            if num in pub and den in pub:
                p_rate = pub[num] / pub[den]
                c_rate = int(c[num.replace("_mdh", "_dh")]) / int(c[den.replace("_mdh", "_dh")])
                rows.append((label, name + " — recalculé des parties", fmt.percent(p_rate),
                             fmt.percent(c_rate),
                             fmt.number(100 * (c_rate - p_rate), 1) + "\u00a0pts"))
    frame = pd.DataFrame(rows, columns=["Échelle", "Indicateur", "Publié", "Calculé", "Écart"])
    source = entries[0].get("source", "")
    return table(frame, caption=f"Chiffres publiés et chiffres calculés ({source})")


def published_ratios(published: str | Path) -> Html:
    """Every ratio a publication states, set beside the same ratio recomputed from its parts.

    The Ministry's October 2017 table states « 23 % » for 14 180 / 63 950 MDH = 22,2 %: the
    gap column shows it.
    """
    import pandas as pd

    rows = []
    for entry in _published(published):
        for scope in [entry.get("totals") or {}, *(entry.get("scales") or {}).values()]:
            stated = scope.get("stated_ministry_share")
            if stated is None or "ministry_mdh" not in scope or "total_cost_mdh" not in scope:
                continue
            recomputed = scope["ministry_mdh"] / scope["total_cost_mdh"]
            rows.append((entry.get("source", entry.get("id", "")), "Part du Ministère",
                         f"{fmt.number(scope['ministry_mdh'])} / "
                         f"{fmt.number(scope['total_cost_mdh'])} MDH",
                         fmt.percent(stated, 0), fmt.percent(recomputed),
                         fmt.number(100 * (recomputed - stated), 1) + "\u00a0pts"))
    if not rows:
        return note("Aucun ratio énoncé dans les chiffres publiés.")
    frame = pd.DataFrame(rows, columns=["Publication", "Ratio", "Parties publiées",
                                        "Énoncé", "Recalculé", "Écart"])
    return table(frame, caption="Ratios publiés recalculés à partir de leurs parties")


def load_tables(processed_dir: str | Path = PROCESSED_DIR) -> dict:
    """The processed tables of a report: ``pv.load`` with the territory layers' attributes only.

    Every table as ``pv.load`` reads it, except the region, province and commune layers,
    read without their full-resolution polygons: reports use their codes, populations and
    census columns, and draw the display outlines (``territories.load_layer(…,
    display=True)``); decoding the commune polygons alone took a quarter of a second per
    report. The projects and flows tables are shared between indicators
    (``indicators.share``).

    Returns
    -------
    SharedTables
        Name → DataFrame (quartiers and centres as GeoDataFrames, as ``pv.load`` gives them).
    """
    from .build import LAYERS, TABLES
    from .indicators import share

    version = store.current(processed_dir)
    tables = version.load(list(TABLES))
    tables.update({name: version.read(name, geometry=False) for name in LAYERS})
    return share(tables)


def region_layer(tables, processed_dir: str | Path, period_start: int, period_end: int,
                 scales=None, ref_date=None):
    """Regions (display outlines) with investment and Ministry contribution per inhabitant.

    Returns
    -------
    GeoDataFrame
        The region display layer with ``cost_dh``, ``ministry_dh`` (DH), ``ministry_mdh``
        (MDH, float, for the map legend), ``cost_per_capita_dh`` and
        ``ministry_per_capita_dh`` (DH/inhabitant) from ``indicators.investment_per_capita``.
    """
    from . import territories
    from .config import DH_PER_MDH
    from .indicators import investment_per_capita

    per = investment_per_capita(tables, "region", 2024, None,
                                _slice(period_start, period_end, scales, ref_date))
    layer = territories.load_layer("region", processed_dir, display=True)
    out = layer[["code", "name_fr", "name_ar", "geometry"]].merge(
        per.drop(columns=["name_fr"]), on="code", how="left", validate="1:1")
    out["ministry_mdh"] = out["ministry_dh"].astype("Float64") / DH_PER_MDH
    return out


def quality_summary(tables, processed_dir: str | Path) -> Html:
    """Data-quality summary: rows read, kept and quarantined per source, then by reason."""
    import pandas as pd

    manifest = store.current(processed_dir).manifest
    sources = pd.DataFrame([{k: s.get(k) for k in ("file", "rows_in", "rows_kept",
                                                    "rows_quarantined")}
                            for s in manifest.get("sources", [])])
    parts = [table(sources, labels={"file": "Fichier", "rows_in": "Lignes lues",
                                    "rows_kept": "Lignes gardées",
                                    "rows_quarantined": "Lignes en quarantaine"},
                   caption="Conservation des lignes par fichier source")]
    reasons = tables["quarantine"].value_counts(["source_file", "reason"]).rename("count")
    parts.append(table(reasons.reset_index(), caption="Valeurs en quarantaine par raison"))
    return Html("".join(str(p) for p in parts))


def _region_name(processed_dir, region_code) -> str | None:
    from . import territories

    if _is_missing(region_code):
        return None
    regions = territories.load_layer("region", processed_dir)
    hit = regions.loc[regions["code"] == str(region_code), "name_fr"]
    return str(hit.iloc[0]) if len(hit) else None


def territory_identity(territory, processed_dir: str | Path = PROCESSED_DIR) -> Html:
    """Identity card of a territory: names (French, Arabic), code, parents, population."""
    from . import territories

    pop14, pop24 = territory.get("population_2014"), territory.get("population_2024")
    growth = (int(pop24) / int(pop14) - 1) if not (_is_missing(pop14) or _is_missing(pop24)
                                                   or int(pop14) == 0) else None
    rows = {"Nom": territory["name_fr"], "Code HCP": territory["code"]}
    for level, col in (("region", "region_code"), ("province", "province_code")):
        if col in territory and not _is_missing(territory[col]):
            parent = territories.lookup(level, str(territory[col]), processed_dir)
            rows[TERRITORY_LEVELS[level].capitalize()] = f"{parent['name_fr']} ({parent['code']})"
    rows.update({"Population 2014 (RGPH)": fmt.number(pop14),
                 "Population 2024 (RGPH)": fmt.number(pop24),
                 "Évolution 2014–2024": fmt.percent(growth),
                 "Part de la population urbaine": fmt.percent(territory.get("urban_share"))})
    card = key_figures(rows, caption="Identité du territoire")
    arabic = html.escape(str(territory.get("name_ar") or ""))
    return Html(f'{card}<p class="pv-ar" dir="rtl" lang="ar" style="font-size:1.4rem">'
                f"{arabic}</p>")


def territory_context(tables, level: str, code: str, period_start: int,
                      period_end: int) -> Html:
    """Investment and Ministry contribution per inhabitant: the territory beside its parent."""
    import pandas as pd

    from .indicators import gap_to_parent

    s = _slice(period_start, period_end)
    rows = []
    for value, label in (("cost_per_capita_dh", "Investissement par habitant"),
                         ("ministry_per_capita_dh", "Contribution du Ministère par habitant")):
        gap = gap_to_parent(tables, level, value, slice_=s)
        own = gap[gap["code"] == code]
        if own.empty:
            continue
        r = own.iloc[0]
        rows.append((label, fmt.number(r["value"], 0) + "\u00a0DH/hab.",
                     fmt.number(r["parent_value"], 0) + "\u00a0DH/hab.",
                     fmt.number(r["gap"], 0) + "\u00a0DH/hab."))
    parent = {"region": "Moyenne nationale", "province": "Région", "commune": "Province"}[level]
    frame = pd.DataFrame(rows, columns=["Indicateur", "Territoire", parent, "Écart"])
    return table(frame, caption=f"Contexte : le territoire et son parent ({period_start}–"
                                f"{period_end}, population 2024)")


def territory_projects(tables, level: str, code: str, period_start: int, period_end: int):
    """Projects of a territory with the money attributed to it (DH) and their state.

    Returns
    -------
    DataFrame
        ``project_id``, ``title``, ``scale``, ``phase``, ``cost_dh``, ``ministry_dh``,
        ``released_dh``, ``disbursement_rate`` — amounts attributed to the territory (a
        project covering several communes counts for its share, see ``indicators``).
    """
    from .indicators import financial

    fin = financial(tables, "project_id", _slice(period_start, period_end, level=level,
                                                 code=code))
    info = tables["projects"][["project_id", "title", "scale", "phase"]]
    out = fin.merge(info, on="project_id", how="left", validate="1:1")
    cols = ["project_id", "title", "scale", "phase", "cost_dh", "ministry_dh", "released_dh",
            "disbursement_rate"]
    return out[cols].sort_values("cost_dh", ascending=False).reset_index(drop=True)


def late_projects(delays):
    """Projects with a positive delay, latest first (from ``indicators.delays``)."""
    late = delays[delays["late"].fillna(False).astype(bool)]
    cols = ["project_id", "title", "planned_end", "end", "end_kind", "delay_months"]
    return late.sort_values("delay_months", ascending=False)[cols].reset_index(drop=True)


def territory_communes(tables, processed_dir, level: str, code: str, period_start: int,
                       period_end: int):
    """Communes of a territory (display outlines) with investment per inhabitant and
    deprivation (for its maps and equity section); the commune itself for a commune."""
    from . import territories
    from .indicators import commune_equity

    communes = tables["communes"]
    keep = communes[f"{level}_code" if level != "commune" else "code"] == code
    equity = commune_equity(tables, communes[keep], _slice(period_start, period_end))
    layer = territories.load_layer("commune", processed_dir, display=True)
    shown = layer[layer["code"].isin(equity["code"])][["code", "name_ar", "geometry"]]
    return shown.merge(equity, on="code", how="left", validate="1:1")


def territory_figures(territory, projects, level: str, period_start: int, period_end: int,
                      processed_dir) -> dict:
    """Key figures of a territory sheet for ``figures.json`` and the site index."""
    cost, released = int(projects["cost_dh"].sum()), int(projects["released_dh"].sum())
    region_code = territory["code"] if level == "region" else territory.get("region_code")
    return {"kind": "territoire", "level": level, "code": territory["code"],
            "name": territory["name_fr"], "region_code": region_code,
            "region_name": _region_name(processed_dir, region_code),
            "title": f"{TERRITORY_LEVELS[level].capitalize()} : {territory['name_fr']}",
            "period": [period_start, period_end], "projects": len(projects),
            "cost_dh": cost, "ministry_dh": int(projects["ministry_dh"].sum()),
            "released_dh": released,
            "summary": {"Projets": fmt.number(len(projects)), "Investissement": fmt.mdh(cost, 1),
                        "Débloqué": fmt.percent(released / cost if cost else None)}}


def convention_overview(tables, convention_id: str, processed_dir=PROCESSED_DIR) -> Html:
    """Identity of a framework convention and its project; its financing conventions."""
    conv = tables["conventions"]
    c = conv[conv["convention_id"] == convention_id].iloc[0]
    p = tables["projects"][tables["projects"]["project_id"] == c["project_id"]].iloc[0]
    children = conv[conv["parent_id"] == convention_id]
    card = key_figures({
        "Convention": convention_id, "Projet": f"{p['title']} ({p['project_id']})",
        "Échelle d'intervention": SCALES.get(p["scale"], p["scale"]),
        "Région": _region_name(processed_dir, p["region_code"]) or "–",
        "Signée le": format_value("signed_on", c["signed_on"]),
        "Échéance prévue": format_value("planned_end", c["planned_end"]),
        "Montant de la convention": fmt.mdh(c["amount_dh"]),
        "Conventions de financement": fmt.number(len(children))}, caption="Convention cadre")
    fin = table(children[["convention_id", "signed_on", "amount_dh", "operator"]],
                caption="Conventions de financement (opérateurs ; montants non ajoutés au coût)")
    return Html(str(card) + str(fin))


def project_of(tables, convention_id: str) -> str:
    """Project id of a convention."""
    conv = tables["conventions"]
    return str(conv.loc[conv["convention_id"] == convention_id, "project_id"].iloc[0])


def project_actions(tables, project_id: str):
    """Actions of a project with their French axis, cost, progress and dates."""
    from .config import AXES

    acts = tables["actions"]
    out = acts[acts["project_id"] == project_id].assign(
        axis=lambda a: a["axis"].map(AXES).astype("string"))
    return out[["action_id", "axis", "title", "cost_dh", "progress_rate", "planned_end",
                "actual_end"]].reset_index(drop=True)


def convention_figures(tables, convention_id: str, processed_dir=PROCESSED_DIR) -> dict:
    """Key figures of a convention dashboard for ``figures.json`` and the site index."""
    from .indicators import financial

    pid = project_of(tables, convention_id)
    p = tables["projects"][tables["projects"]["project_id"] == pid].iloc[0]
    f = financial(tables, None, project=pid).iloc[0]
    cost, released = int(f["cost_dh"]), int(f["released_dh"])
    return {"kind": "convention", "convention_id": convention_id, "project_id": pid,
            "title": f"{convention_id} — {p['title']}", "scale": p["scale"],
            "region_code": p["region_code"],
            "region_name": _region_name(processed_dir, p["region_code"]),
            "cost_dh": cost, "ministry_dh": int(f["ministry_dh"]), "released_dh": released,
            "remaining_dh": int(f["remaining_dh"]),
            "summary": {"Coût": fmt.mdh(cost, 1), "Débloqué": fmt.mdh(released, 1),
                        "Reste": fmt.mdh(int(f["remaining_dh"]), 1)}}


def quality_figures(tables, processed_dir) -> dict:
    """Key figures of the data-quality report."""
    manifest = store.current(processed_dir).manifest
    rows_in = sum(s.get("rows_in", 0) for s in manifest.get("sources", []))
    quarantined = len(tables["quarantine"])
    return {"kind": "qualite", "title": "Qualité des données", "rows_in": rows_in,
            "quarantined": quarantined,
            "summary": {"Lignes lues": fmt.number(rows_in),
                        "En quarantaine": fmt.number(quarantined)}}


def matching_summary(processed_dir: str | Path = PROCESSED_DIR):
    """Territory matching of the reference: polygons per level and method (counts)."""
    from . import territories

    matching = territories.load_matching(processed_dir)
    out = matching.value_counts(["level", "method"], sort=False).rename("count").reset_index()
    return out.assign(level=out["level"].map(territories.LEVEL_LABELS).fillna(out["level"]),
                      method=out["method"].map(territories.METHOD_LABELS).fillna(out["method"]))


def matching_issues(processed_dir: str | Path = PROCESSED_DIR):
    """Fuzzy and unmatched polygons of the reference, for review."""
    from . import territories

    m = territories.load_matching(processed_dir)
    cols = ["level", "source_name", "code", "name_fr", "method", "score", "reason"]
    m = m[m["method"].isin(["fuzzy", "unmatched"])][cols].reset_index(drop=True)
    return m.assign(level=m["level"].map(territories.LEVEL_LABELS).fillna(m["level"]),
                    method=m["method"].map(territories.METHOD_LABELS).fillna(m["method"]))


def table_sizes(tables: Mapping):
    """Rows and columns of each loaded table (exploration)."""
    import pandas as pd

    return pd.DataFrame({"table": list(tables), "rows": [len(t) for t in tables.values()],
                         "columns": [len(t.columns) for t in tables.values()]})


def locator_map(level: str, code: str, processed_dir: str | Path = PROCESSED_DIR):
    """Static locator map of a territory: ``maps.locator_map`` (the territory in colour inside
    its parent, regions for a region).

    Returns
    -------
    matplotlib Figure
        Shown and saved with :func:`pvanalysis.present.show_figure`.
    """
    from . import maps

    return maps.locator_map(level, code, processed_dir)
