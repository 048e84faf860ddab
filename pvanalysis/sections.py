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

from . import fmt, i18n, store
from .config import DH_PER_MDH, PROCESSED_DIR, SCALES
from .i18n import N_, _
from .present import Html, _is_missing, format_value, key_figures, note, table

#: Territory levels a ``fiche_territoire`` accepts, with French names.
TERRITORY_LEVELS = {"region": N_("région"), "province": N_("province"), "commune": N_("commune")}


def name(territory) -> str:
    """A territory's name in the active language: HCP's Arabic name in the Arabic edition."""
    ar = territory.get("name_ar") if hasattr(territory, "get") else None
    if i18n.rtl() and isinstance(ar, str) and ar:
        return ar
    return str(territory["name_fr"])


def check_ref_date(ref_date: str = "") -> None:
    """Check a report's ``ref_date``: empty (the store's cut-off) or a date ``AAAA-MM-JJ``.

    Raises
    ------
    ParameterError
        With a French message naming the value read and the expected form.
    """
    import datetime as dt

    from .errors import ParameterError

    if ref_date in ("", None):
        return
    try:
        day = dt.date.fromisoformat(str(ref_date).strip())
    except ValueError:
        raise ParameterError(f"date d'arrêt invalide pour « ref_date » : « {ref_date} » (une "
                             "date AAAA-MM-JJ est attendue, par exemple 2025-09-30 ; vide "
                             "pour la date d'arrêt des données)") from None
    if not 1990 <= day.year <= 2100:
        raise ParameterError(f"date d'arrêt invalide pour « ref_date » : « {ref_date} » "
                             "(une année entre 1990 et 2100 est attendue)")


def _slice(period_start=None, period_end=None, scales=None, ref_date=None, level=None,
           code=None):
    from .indicators import Slice

    period = (period_start, period_end) if period_start is not None else None
    where = {level: code} if level else {}
    return Slice(scale=list(scales) if scales else None, period=period,
                 ref_date=ref_date or None, **where)


def bilan_table(bilan, unknown=None) -> Html:
    """The bilan by intervention scale as the Ministry presents it (MDH exact, French);
    columns of absent sources (``unknown``) read « non renseigné »."""
    cols = ["scale_label", "projects", "total_cost_dh", "ministry_dh", "ministry_released_dh",
            "targets"]
    unknown = set(unknown or ())
    if {"eligible"} & unknown:
        unknown.add("targets")
    return table(bilan[cols], labels={"targets": N_("Quartiers, centres ou médinas couverts"),
                                      "total_cost_dh": N_("Investissement total")},
                 caption=N_("Bilan par échelle d'intervention"), unknown=unknown)


def bilan_figures(bilan, period_start: int, period_end: int, cutoff=None, counts=None,
                  absent=()) -> dict:
    """Key figures of the national bilan for ``figures.json``.

    Returns
    -------
    dict
        ``period``, ``cutoff_date`` (ISO); per scale key (``royal``, ``quartiers``,
        ``medina``, ``centre``): ``projects``, ``total_cost_mdh``, ``ministry_mdh``,
        ``ministry_released_mdh`` (MDH, exact decimals from integer DH; None when the
        disbursements are absent), ``targets`` (None for royal projects), ``late``
        (projects late at the cut-off, from ``counts`` by scale); ``title``, ``summary``
        (French text for the site index).
    """
    absent = set(absent)
    out = {"kind": "bilan", "title": bilan_title(period_start, period_end),
           "period": [period_start, period_end], "cutoff_date": _iso(cutoff),
           "absent": sorted(absent)}
    late = counts.set_index("scale") if counts is not None and "scale" in counts else None
    for row in bilan.to_dict("records"):
        entry = {"label": row["scale_label"], "projects": int(row["projects"]),
                 **{k.replace("_dh", "_mdh"): int(row[k]) / DH_PER_MDH
                    for k in ("total_cost_dh", "ministry_dh", "ministry_released_dh")},
                 "targets": None if _is_missing(row["targets"]) else int(row["targets"])}
        if "disbursements" in absent:
            entry["ministry_released_mdh"] = None
        if late is not None:
            entry["late"] = int(late["late"].get(row["scale"], 0))
            entry["closed"] = int(late["closed"].get(row["scale"], 0))
        out[row["scale"]] = entry
    total = bilan[["projects", "total_cost_dh", "ministry_dh"]].sum()
    out["summary"] = {_("Projets"): fmt.number(total["projects"]),
                      _("Investissement"): fmt.mdh(total["total_cost_dh"]),
                      _("Ministère"): fmt.mdh(total["ministry_dh"])}
    if late is not None:
        out["summary"][_("En retard")] = fmt.number(int(late["late"].sum()))
    return out


def _iso(date) -> str | None:
    import pandas as pd

    return None if date is None or _is_missing(date) else pd.Timestamp(date).date().isoformat()


def bilan_title(period_start: int, period_end: int) -> str:
    """« Bilan national de la politique de la ville 2017–2021 »."""
    return _("Bilan national de la politique de la ville {period}").format(
        period=fmt.isolate_digits(f"{period_start}–{period_end}"))


def territory_title(level: str, territory, period_start: int, period_end: int) -> str:
    """« Région Fès-Meknès — fiche territoriale 2017–2021 »."""
    return _("{Level} {name} — fiche territoriale {period}").format(
        Level=_(TERRITORY_LEVELS[level]).capitalize(), name=name(territory),
        period=fmt.isolate_digits(f"{period_start}–{period_end}"))


def convention_title(tables, convention_id: str) -> str:
    """« Convention CC-R00001 — <titre du projet> »."""
    conv = tables["conventions"]
    c = conv[conv["convention_id"] == convention_id].iloc[0]
    p = tables["projects"][tables["projects"]["project_id"] == c["project_id"]]
    title = str(p["title"].iloc[0]) if len(p) else str(c["project_id"])
    # in Arabic the (French) project title is one left-to-right run
    return _("Convention {id} — {title}").format(id=i18n.isolate(convention_id),
                                                 title=i18n.isolate(title))


def cutoff(tables, processed_dir: str | Path = PROCESSED_DIR, ref_date: str = ""):
    """The report's cut-off date: ``ref_date``, else the store's, else the tables' rule.

    See :func:`pvanalysis.indicators.cutoff_date`.
    """
    from .indicators import cutoff_date

    return cutoff_date(tables, store.current(processed_dir).manifest, ref_date or None)


def absent(tables, processed_dir: str | Path = PROCESSED_DIR) -> list[str]:
    """Sources whose figures read « non renseigné » (``indicators.absent_sources``)."""
    from .indicators import absent_sources

    return absent_sources(tables, store.current(processed_dir).manifest)


#: Columns a territory with no project in the period cannot tell (never « 0 DH/hab. »).
_NO_PROJECT_COLUMNS = {"cost_dh", "ministry_dh", "cost_per_capita_dh", "ministry_per_capita_dh"}


def unknown(absent_sources, investment=None) -> set[str]:
    """Columns to show « non renseigné »: those of absent sources
    (``indicators.unknown_columns``) and, when ``investment`` (a frame with ``cost_dh``: a
    territory's projects or communes) holds no investment at all, the investment columns."""
    from .indicators import unknown_columns

    columns = unknown_columns(absent_sources)
    if investment is not None and int(investment["cost_dh"].fillna(0).sum()) == 0:
        columns |= _NO_PROJECT_COLUMNS
    return columns


def territory_scope_note(level: str, territory, processed_dir=PROCESSED_DIR) -> str | None:
    """For a préfecture d'arrondissements (code longer than a province's), where its city's
    projects are counted; else None."""
    if level != "province" or len(str(territory["code"])) <= 6:
        return None
    return _("{name} est une préfecture d'arrondissements : les projets de la ville sont "
             "rattachés à sa commune (fiche de la commune) ; la carte et le tableau des "
             "communes montrent les communes de la ville.").format(name=name(territory))


def convention_unknown(tables, convention_id: str, absent_sources=()) -> set[str]:
    """Columns of a convention's own table that read « non renseigné »: those of absent
    sources, the commitment columns when nothing is committed on the convention itself (a
    financing convention), the échéancier when none is written on it."""
    columns = unknown(absent_sources)
    comm, sched = tables["commitments"], tables["schedule"]
    if not (comm["convention_id"] == convention_id).any():
        columns |= {"committed_dh", "remaining_dh", "fulfilment_rate"}
    if not (sched["convention_id"] == convention_id).any():
        columns |= {"scheduled_due_dh"}
    return columns


def missing_note(absent_sources, *sources: str) -> str | None:
    """French reason a chart cannot be drawn when one of ``sources`` is absent, else None."""
    names = {"disbursements": N_("les déblocages"), "schedule": N_("l'échéancier"),
             "actions": N_("les actions"), "commitments": N_("les engagements"),
             "quartiers": N_("les quartiers"), "centres": N_("les centres")}
    gone = [_(names[x]) for x in sources if x in set(absent_sources)]
    if not gone:
        return None
    return _("Non renseigné : {sources} ne figurent pas dans les données.").format(
        sources=_(" et ").join(gone))


def status_table(status, caption: str = N_("Projets en retard ou à l'arrêt"),
                 keep=("late", "stalled")) -> Html:
    """Projects with a status in ``keep``, latest first, with delay (months) and reasons."""
    rows = status[status["status"].isin(list(keep))].sort_values(
        "delay_months", ascending=False, na_position="last")
    cols = ["project_id", "title", "status_label", "planned_end", "delay_months", "reasons"]
    if rows.empty:
        return note(_("{caption} : aucun à la date d'arrêt.").format(caption=_(caption)))
    return table(rows[cols], caption=caption,
                 labels={"status_label": N_("Statut"), "reasons": N_("Raisons"),
                         "delay_months": N_("Retard (mois)")})


def status_summary(counts, caption: str = N_("Statut des projets à la date d'arrêt")) -> Html:
    """Projects per status (and per scale when given), French headers."""
    from .indicators import STATUS_LABELS

    if int(counts["projects"].sum()) == 0:
        return note(_("{caption} : aucun projet.").format(caption=_(caption)))
    labels = {**STATUS_LABELS, "projects": N_("Projets"), "scale": N_("Échelle d'intervention")}
    return table(counts, labels=labels, caption=caption)


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

    entries = [e for e in _published(published) if e.get("period") == [period_start, period_end]]
    if not entries:
        return note(_("Aucun chiffre publié pour {period} dans {file}.").format(
            period=fmt.isolate_digits(f"{period_start}–{period_end}"), file=published))
    computed = bilan.set_index("scale")
    rows = []
    for scale, pub in entries[0].get("scales", {}).items():
        if scale not in computed.index:
            continue
        c = computed.loc[scale]
        label = _(SCALES.get(scale, scale))
        for key, name_ in (("projects", N_("Projets")), ("targets", N_("Cibles couvertes"))):
            if key in pub and not _is_missing(c[key]):
                rows.append((label, _(name_), fmt.number(pub[key]), fmt.number(c[key]),
                             fmt.number(int(c[key]) - pub[key])))
        if "targets_more_than" in pub and not _is_missing(c["targets"]):
            ok = int(c["targets"]) > pub["targets_more_than"]
            rows.append((label, _("Cibles couvertes"),
                         _("plus de {n}").format(n=fmt.number(pub["targets_more_than"])),
                         fmt.number(c["targets"]), _("conforme") if ok else _("non atteint")))
        for key, name_ in (("total_cost_mdh", N_("Investissement total")),
                           ("ministry_mdh", N_("Contribution du Ministère")),
                           ("ministry_released_mdh", N_("Débloqué par le Ministère"))):
            if key in pub:
                dh = int(c[key.replace("_mdh", "_dh")])
                pub_dh = round(pub[key] * DH_PER_MDH)
                rows.append((label, _(name_), fmt.mdh(pub_dh), fmt.mdh(dh),
                             fmt.gap(dh, pub_dh, "mdh")))
        for num, den, name_ in (("ministry_mdh", "total_cost_mdh",
                                 N_("Part du Ministère (M/T) — recalculé des parties")),
                                ("ministry_released_mdh", "ministry_mdh",
                                 N_("Taux de déblocage du Ministère — recalculé des parties"))):
            if num in pub and den in pub:
                p_rate = pub[num] / pub[den] if pub[den] else None
                c_den = int(c[den.replace("_mdh", "_dh")])
                c_rate = int(c[num.replace("_mdh", "_dh")]) / c_den if c_den else None
                rows.append((label, _(name_), fmt.percent(p_rate),
                             fmt.percent(c_rate), fmt.gap(c_rate, p_rate, "percent")))
    frame = pd.DataFrame(rows, columns=[_("Échelle"), _("Indicateur"), _("Publié"),
                                        _("Calculé"), _("Écart")])
    source = entries[0].get("source", "")
    return table(frame, caption=_("Chiffres publiés et chiffres calculés ({source})").format(
        source=source))


def published_ratios(published: str | Path) -> Html:
    """Every ratio a publication states, set beside the same ratio recomputed from its parts.

    The Ministry's October 2017 table states « 23 % » for 14 180,000 / 63 950,000 MDH =
    22,2 %: the gap column shows it.
    """
    import pandas as pd

    rows = []
    for entry in _published(published):
        for scope in [entry.get("totals") or {}, *(entry.get("scales") or {}).values()]:
            stated = scope.get("stated_ministry_share")
            if stated is None or "ministry_mdh" not in scope or "total_cost_mdh" not in scope:
                continue
            recomputed = scope["ministry_mdh"] / scope["total_cost_mdh"]
            rows.append((entry.get("source", entry.get("id", "")), _("Part du Ministère"),
                         i18n.isolate(" / ".join(fmt.mdh_number(round(scope[k] * DH_PER_MDH))
                                                 for k in ("ministry_mdh", "total_cost_mdh")))
                         + fmt.NBSP + _("MDH"),
                         fmt.percent(stated, 0), fmt.percent(recomputed),
                         fmt.gap(recomputed, stated, "percent")))
    if not rows:
        return note(_("Aucun ratio énoncé dans les chiffres publiés."))
    frame = pd.DataFrame(rows, columns=[_("Publication"), _("Ratio"), _("Parties publiées"),
                                        _("Énoncé"), _("Recalculé"), _("Écart")])
    return table(frame, caption=_("Ratios publiés recalculés à partir de leurs parties"))


def load_tables(processed_dir: str | Path = PROCESSED_DIR) -> dict:
    """The processed tables of a report: ``pv.load`` with the territory layers' attributes only.

    Every table as ``pv.load`` reads it, except the region, province and commune layers,
    read without their full-resolution polygons: reports use their codes, populations and
    census columns, and draw the display outlines (``territories.load_layer(…,
    display=True)``); decoding the commune polygons alone took a quarter of a second per
    report. The projects and flows tables are shared between indicators
    (``indicators.share``).

    A version never changes once published, so the tables of the last version read are
    kept in memory: a later call returns shallow copies of them (copy-on-write: editing a
    copy leaves the kept tables intact) that share what indicators computed. A process
    that warms a version before forking reports (:mod:`pvanalysis.reports.fork`) hands
    them to every report.

    Returns
    -------
    SharedTables
        Name → DataFrame (quartiers and centres as GeoDataFrames, as ``pv.load`` gives them).
    """
    from .build import LAYERS, TABLES
    from .indicators import share

    version = store.current(processed_dir)
    key = str(version.path.resolve())
    if key not in _TABLES:
        tables = version.load(list(TABLES))
        tables.update({name: version.read(name, geometry=False) for name in LAYERS})
        _TABLES.clear()  # one version at a time
        _TABLES[key] = share(tables)
    return _TABLES[key].copy()


#: The tables of the last version read by :func:`load_tables` (version folder → tables).
_TABLES: dict = {}


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
    parts = [table(sources, labels={"file": N_("Fichier"), "rows_in": N_("Lignes lues"),
                                    "rows_kept": N_("Lignes gardées"),
                                    "rows_quarantined": N_("Lignes en quarantaine")},
                   caption=N_("Conservation des lignes par fichier source"))]
    parts.append(table(quarantine_by_code(tables["quarantine"]),
                       caption=N_("Valeurs en quarantaine par raison (code stable)")))
    return Html("".join(str(p) for p in parts))


def quarantine_values(quarantine):
    """The quarantined values as the report lists them; in Arabic each reason is its stable
    code's translated text (the French row detail stays in the French edition) and each raw
    value reads left to right."""
    from .schemas import REASONS

    if not i18n.rtl() or "reason_code" not in quarantine:
        return quarantine
    reason = quarantine["reason_code"].map(REASONS).fillna(quarantine["reason"])
    return quarantine.assign(
        reason=reason.map(lambda r: r if _is_missing(r) else _(str(r))),
        value=quarantine["value"].map(lambda v: v if _is_missing(v) else i18n.isolate(str(v))))


def quarantine_by_code(quarantine):
    """Quarantined values per source file and stable reason code (``schemas.REASONS``), with
    the reason's French text without its row detail; largest first."""
    from .schemas import REASONS

    q = quarantine
    if "reason_code" not in q:  # a store built before reason codes: its texts are static
        code_of = {text: code for code, text in REASONS.items()}
        q = q.assign(reason_code=q["reason"].map(code_of).fillna(q["reason"]))
    out = q.value_counts(["source_file", "reason_code"]).rename("count").reset_index()
    out.insert(2, "reason", out["reason_code"].map(REASONS).fillna(out["reason_code"]))
    return out


def _region_name(processed_dir, region_code) -> str | None:
    from . import territories

    if _is_missing(region_code):
        return None
    regions = territories.load_layer("region", processed_dir)
    hit = regions.loc[regions["code"] == str(region_code)]
    return name(hit.iloc[0]) if len(hit) else None


def territory_identity(territory, processed_dir: str | Path = PROCESSED_DIR) -> Html:
    """Identity card of a territory: names (French, Arabic), code, parents, population."""
    from . import territories

    pop14, pop24 = territory.get("population_2014"), territory.get("population_2024")
    growth = (int(pop24) / int(pop14) - 1) if not (_is_missing(pop14) or _is_missing(pop24)
                                                   or int(pop14) == 0) else None
    rows = {_("Nom"): name(territory), _("Code HCP"): i18n.isolate(str(territory["code"]))}
    if i18n.rtl():
        rows[_("Nom en français")] = territory["name_fr"]
    for level, col in (("region", "region_code"), ("province", "province_code")):
        if col in territory and not _is_missing(territory[col]):
            parent = territories.lookup(level, str(territory[col]), processed_dir)
            rows[_(TERRITORY_LEVELS[level]).capitalize()] = (
                f"{name(parent)} ({i18n.isolate(str(parent['code']))})")
    rows.update({_("Population 2014 (RGPH)"): fmt.number(pop14),
                 _("Population 2024 (RGPH)"): fmt.number(pop24),
                 _("Évolution 2014–2024"): fmt.percent(growth),
                 _("Part de la population urbaine"): fmt.percent(territory.get("urban_share"))})
    card = key_figures(rows, caption=N_("Identité du territoire"))
    if i18n.rtl():
        return card
    arabic = html.escape(str(territory.get("name_ar") or ""))
    return Html(f'{card}<p class="pv-ar" dir="rtl" lang="ar" style="font-size:1.4rem">'
                f"{arabic}</p>")


def territory_context(tables, level: str, code: str, period_start: int,
                      period_end: int, ref_date=None, processed_dir=PROCESSED_DIR):
    """Investment and Ministry contribution per inhabitant of a territory and of its parent.

    Returns
    -------
    DataFrame
        One row per value: ``value_label``, ``value``, ``parent_value`` (DH/inhabitant),
        ``parent_name``; empty when the territory has no project in the period (a « 0 DH/hab. »
        would be a claim the data does not make).
    """
    import pandas as pd

    from .indicators import gap_to_parent

    s = _slice(period_start, period_end, ref_date=ref_date)
    rows = []
    if not territory_projects(tables, level, code, period_start, period_end, ref_date).empty:
        for value, label in (("cost_per_capita_dh", N_("Investissement par habitant")),
                             ("ministry_per_capita_dh",
                              N_("Contribution du Ministère par habitant"))):
            gap = gap_to_parent(tables, level, value, slice_=s)
            own = gap[gap["code"] == code]
            if len(own):
                r = own.iloc[0]
                rows.append((label, r["value"], r["parent_value"],
                             _parent_name(level, r["parent_code"], processed_dir)))
    return pd.DataFrame(rows, columns=["value_label", "value", "parent_value", "parent_name"])


def _parent_name(level: str, parent_code, processed_dir) -> str:
    from . import territories

    if level == "region" or _is_missing(parent_code):
        return _("la moyenne nationale")
    parent = "region" if level == "province" else "province"
    row = territories.lookup(parent, str(parent_code), processed_dir)
    return (_("la région {name}") if parent == "region" else _("la province {name}")).format(
        name=name(row))


def context_table(context, period_start: int, period_end: int) -> Html:
    """The territory beside its parent, per inhabitant; the gap is that of the shown values."""
    import pandas as pd

    caption = _("Contexte : le territoire et son parent ({period}, population {year})").format(
        period=fmt.isolate_digits(f"{period_start}–{period_end}"),
        year=fmt.isolate_digits("2024"))
    if context.empty:
        return note(_("{caption} : aucun projet dans la période, investissement par habitant "
                      "non renseigné.").format(caption=caption))
    frame = pd.DataFrame({
        _("Indicateur"): context["value_label"].map(_),
        _("Territoire"): context["value"].map(fmt.per_capita),
        _("Parent"): [f"{fmt.per_capita(v)} ({n})" for v, n in
                      zip(context["parent_value"], context["parent_name"], strict=True)],
        _("Écart"): [fmt.gap(a, b, "per_capita") for a, b in
                     zip(context["value"], context["parent_value"], strict=True)]})
    return table(frame, caption=caption)


def territory_projects(tables, level: str, code: str, period_start: int, period_end: int,
                       ref_date=None):
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
                                                 code=code, ref_date=ref_date))
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
                       period_end: int, ref_date=None):
    """Communes of a territory (display outlines) with investment per inhabitant and the
    national deprivation quintile; for a commune, every commune of its province, the commune
    itself flagged in ``is_territory``; for a préfecture d'arrondissements (Casablanca-Anfa,
    whose arrondissements are not communes of the layer), the communes of its city.

    The deprivation index and quintile are computed among all the country's communes (the
    national quintile), then the territory's communes are kept.
    """
    from . import territories
    from .indicators import commune_equity

    communes = tables["communes"]
    if level == "commune":
        province = communes.loc[communes["code"] == code, "province_code"]
        keep = communes["province_code"] == (province.iloc[0] if len(province) else code)
    else:
        keep = communes[f"{level}_code"] == code
        if level == "province" and not keep.any():  # a préfecture d'arrondissements
            keep = communes["province_code"] == code[:6]
    equity = commune_equity(tables, communes, _slice(period_start, period_end,
                                                     ref_date=ref_date))
    equity = equity[equity["code"].isin(communes.loc[keep, "code"])]
    layer = territories.load_layer("commune", processed_dir, display=True)
    shown = layer[layer["code"].isin(equity["code"])][["code", "name_ar", "geometry"]]
    out = shown.merge(equity, on="code", how="left", validate="1:1")
    out["is_territory"] = (out["code"] == code) if level == "commune" else True
    return out


def territory_figures(territory, projects, level: str, period_start: int, period_end: int,
                      processed_dir, cutoff=None, counts=None, absent=()) -> dict:
    """Key figures of a territory sheet for ``figures.json`` and the site index."""
    cost, released = int(projects["cost_dh"].sum()), int(projects["released_dh"].sum())
    no_release = "disbursements" in set(absent)
    region_code = territory["code"] if level == "region" else territory.get("region_code")
    out = {"kind": "territoire", "level": level, "code": territory["code"],
           "name": territory["name_fr"], "region_code": region_code,
           "region_name": _region_name(processed_dir, region_code),
           "title": territory_title(level, territory, period_start, period_end),
           "period": [period_start, period_end], "cutoff_date": _iso(cutoff),
           "projects": len(projects), "cost_dh": cost,
           "ministry_dh": int(projects["ministry_dh"].sum()),
           "released_dh": None if no_release else released,
           "summary": {_("Projets"): fmt.number(len(projects)),
                       _("Investissement"): fmt.mdh(cost) if len(projects) else fmt.UNKNOWN,
                       _("Débloqué"): fmt.UNKNOWN if no_release or not cost
                       else fmt.percent(released / cost)}}
    if counts is not None:
        c = counts.iloc[0]
        out.update({"late": int(c["late"]), "stalled": int(c["stalled"]),
                    "closed": int(c["closed"])})
        out["summary"][_("En retard")] = fmt.number(int(c["late"]))
    return out


def convention_scope(tables, convention_id: str, ref_date=None) -> dict:
    """What a convention dashboard is about: the convention asked for, its project as context.

    Returns
    -------
    dict
        ``convention_id``, ``kind``, ``parent_id``, ``signed_on``, ``planned_end``,
        ``operator``, ``amount_dh`` (the convention's stated amount), ``released_dh``
        (released on it, and on its financing conventions for a cadre), ``remaining_dh``
        (amount − released), ``project_id``, ``project_title``, ``scale``, ``region_code``,
        ``project_cost_dh`` and ``project_released_dh`` (the whole project, DH).
    """
    from .indicators import convention_finance, financial

    conv = tables["conventions"]
    c = conv[conv["convention_id"] == convention_id].iloc[0]
    p = tables["projects"][tables["projects"]["project_id"] == c["project_id"]].iloc[0]
    money = convention_finance(tables, convention_id, ref_date)
    project = financial(tables, None, project=str(c["project_id"]), ref_date=ref_date)
    amount = 0 if _is_missing(c["amount_dh"]) else int(c["amount_dh"])
    released = int(money["released_dh"].sum())
    return {"convention_id": convention_id, "kind": str(c["kind"]),
            "parent_id": None if _is_missing(c["parent_id"]) else str(c["parent_id"]),
            "signed_on": c["signed_on"], "planned_end": c["planned_end"],
            "operator": None if _is_missing(c["operator"]) else str(c["operator"]),
            "amount_dh": amount, "released_dh": released, "remaining_dh": amount - released,
            "project_id": str(p["project_id"]), "project_title": str(p["title"]),
            "scale": str(p["scale"]), "region_code": p["region_code"],
            "project_cost_dh": int(project["cost_dh"].sum()),
            "project_released_dh": int(project["released_dh"].sum())}


def convention_overview(tables, convention_id: str, processed_dir=PROCESSED_DIR,
                        ref_date=None, status=None, absent=()) -> Html:
    """The convention asked for (amount, released, remaining, status), then its project."""
    from .config import CONVENTION_KINDS

    scope = convention_scope(tables, convention_id, ref_date)
    no_release = "disbursements" in set(absent)
    conv = tables["conventions"]
    children = conv[conv["parent_id"] == convention_id]
    # keys are message ids (key_figures translates them); values in the active language,
    # identifiers isolated so that they read left to right in Arabic
    rows = {N_("Convention"): i18n.isolate(convention_id),
            N_("Type"): _(CONVENTION_KINDS.get(scope["kind"], scope["kind"])),
            N_("Convention cadre"): i18n.isolate(scope["parent_id"] or "–"),
            N_("Signée le"): format_value("signed_on", scope["signed_on"]),
            N_("Échéance prévue"): format_value("planned_end", scope["planned_end"]),
            N_("Opérateur"): scope["operator"] or "–",
            N_("Montant de la convention"): fmt.mdh(scope["amount_dh"]),
            N_("Débloqué sur la convention"): fmt.UNKNOWN if no_release
            else fmt.mdh(scope["released_dh"]),
            N_("Reste à débloquer"): fmt.UNKNOWN if no_release
            else fmt.mdh(scope["remaining_dh"])
            + (_(" (déblocages au-delà du montant)") if scope["remaining_dh"] < 0 else "")}
    if status is not None:
        rows[N_("Statut")] = _(status["status_label"])
        rows[N_("Raisons du statut")] = status["reasons"] or "–"
    card = key_figures(rows, caption=N_("La convention"))
    context = key_figures({
        N_("Projet"): i18n.isolate(f"{scope['project_title']} ({scope['project_id']})"),
        N_("Échelle d'intervention"): _(SCALES.get(scope["scale"], scope["scale"])),
        N_("Région"): _region_name(processed_dir, scope["region_code"]) or "–",
        N_("Investissement total du projet"): fmt.mdh(scope["project_cost_dh"]),
        N_("Débloqué sur le projet"): fmt.UNKNOWN if no_release
        else fmt.mdh(scope["project_released_dh"])},
        caption=N_("Son projet (contexte)"))
    parts = [str(card), str(context)]
    if scope["kind"] == "cadre":
        parts.append(str(table(children[["convention_id", "signed_on", "amount_dh",
                                         "operator"]],
                               caption=N_("Conventions de financement (opérateurs ; montants "
                                          "non ajoutés au coût)"),
                               empty=N_("aucune convention de financement."))))
    return Html("".join(parts))


def project_of(tables, convention_id: str) -> str:
    """Project id of a convention."""
    conv = tables["conventions"]
    return str(conv.loc[conv["convention_id"] == convention_id, "project_id"].iloc[0])


def project_actions(tables, project_id: str):
    """Actions of a project with their French axis, cost, progress and dates."""
    from .config import AXES

    acts = tables["actions"]
    out = acts[acts["project_id"] == project_id].assign(
        axis=lambda a: a["axis"].map(AXES).map(_, na_action="ignore").astype("string"))
    return out[["action_id", "axis", "title", "cost_dh", "progress_rate", "planned_end",
                "actual_end"]].reset_index(drop=True)


def convention_figures(tables, convention_id: str, processed_dir=PROCESSED_DIR,
                       ref_date=None, cutoff=None, status=None, absent=()) -> dict:
    """Key figures of a convention dashboard for ``figures.json`` and the site index: the
    convention's own amount, released and remaining, its status and its project."""
    scope = convention_scope(tables, convention_id, ref_date)
    no_release = "disbursements" in set(absent)
    out = {"kind": "convention", "convention_id": convention_id,
           "convention_kind": scope["kind"], "project_id": scope["project_id"],
           "title": convention_title(tables, convention_id), "scale": scope["scale"],
           "region_code": scope["region_code"],
           "region_name": _region_name(processed_dir, scope["region_code"]),
           "cutoff_date": _iso(cutoff), "amount_dh": scope["amount_dh"],
           "released_dh": None if no_release else scope["released_dh"],
           "remaining_dh": None if no_release else scope["remaining_dh"],
           "project_cost_dh": scope["project_cost_dh"],
           "summary": {_("Montant"): fmt.mdh(scope["amount_dh"]),
                       _("Débloqué"): fmt.UNKNOWN if no_release
                       else fmt.mdh(scope["released_dh"]),
                       _("Reste"): fmt.UNKNOWN if no_release
                       else fmt.mdh(scope["remaining_dh"])}}
    if status is not None:
        out.update({"status": status["status"], "status_label": _(status["status_label"]),
                    "status_reasons": status["reasons"],
                    "delay_months": status["delay_months"]})
        out["summary"][_("Statut")] = _(status["status_label"])
    return out


def quality_figures(tables, processed_dir) -> dict:
    """Key figures of the data-quality report."""
    manifest = store.current(processed_dir).manifest
    rows_in = sum(s.get("rows_in", 0) for s in manifest.get("sources", []))
    quarantined = len(tables["quarantine"])
    return {"kind": "qualite", "title": _("Qualité des données"), "rows_in": rows_in,
            "quarantined": quarantined,
            "summary": {_("Lignes lues"): fmt.number(rows_in),
                        _("En quarantaine"): fmt.number(quarantined)}}


def matching_summary(processed_dir: str | Path = PROCESSED_DIR):
    """Territory matching of the reference: polygons per level and method (counts)."""
    from . import territories

    matching = territories.load_matching(processed_dir)
    out = matching.value_counts(["level", "method"], sort=False).rename("count").reset_index()
    return out.assign(level=out["level"].map(territories.LEVEL_LABELS).fillna(out["level"]).map(_),
                      method=out["method"].map(territories.METHOD_LABELS).fillna(
                          out["method"]).map(_))


def matching_issues(processed_dir: str | Path = PROCESSED_DIR):
    """Fuzzy and unmatched polygons of the reference, for review."""
    from . import territories

    m = territories.load_matching(processed_dir)
    cols = ["level", "source_name", "code", "name_fr", "method", "score", "reason"]
    m = m[m["method"].isin(["fuzzy", "unmatched"])][cols].reset_index(drop=True)
    return m.assign(level=m["level"].map(territories.LEVEL_LABELS).fillna(m["level"]).map(_),
                    method=m["method"].map(territories.METHOD_LABELS).fillna(m["method"]).map(_),
                    reason=m["reason"].map(_, na_action="ignore"))  # labels, in the edition


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
