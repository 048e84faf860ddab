"""The short sheet of a commune that no project touches: its identity and one sentence.

A country batch asks for every commune; most have no project. Their sheet is written
from the territorial reference and a template (``site/fiche_courte.html.j2``), through the
same staging folder and swap as a notebook report, with its ``figures.json``; it is
redone, like any report, when what it reads changes (a project appears, the reference
changes).
"""

from __future__ import annotations

import functools
import html
import json
import time
from collections.abc import Mapping
from pathlib import Path

from .. import __version__, fmt, i18n, store
from ..i18n import _
from ..present import FIGURES_NAME
from . import files
from .export import HTML_NAME, switch_html
from .kinds import _report_folder, edition_href, edition_index_href, report_id
from .run import ReportResult, _footer, _now, publish, run_key

#: Template of the short sheet, relative to ``pvanalysis/templates``.
TEMPLATE = "site/fiche_courte.html.j2"
#: What the manifest records as the sheet's engine.
ENGINE = "fiche courte"


def template_sha() -> str:
    """Content hash of the template (plays the notebook's part in the run key)."""
    from .export import _templates_dir

    return store.sha256_file(_templates_dir() / TEMPLATE)


@functools.lru_cache(maxsize=8)
def _layer(path: str, layer: str):
    """A layer's attributes by code (versions never change: kept for the batch's sheets)."""
    frame = store.current(path).read(layer, geometry=False)
    return frame.assign(code=frame["code"].astype(str)).drop_duplicates("code").set_index(
        "code", drop=False)


def _unit(version: store.Version, layer: str, code: str) -> dict:
    frame = _layer(str(version.path), layer)
    return frame.loc[code].to_dict() if code in frame.index else {}


def _text(value) -> str:
    return "" if value is None or value != value else str(value)  # NaN is not equal to itself


def short_sheet(kind: str, params: Mapping, out_dir: str | Path,
                processed_dir: str | Path | store.Version, *, index_href: str | None = None,
                inputs: Mapping | None = None, reason: str = "", **_ignored) -> ReportResult:
    """Write the short sheet of a commune (``params``: ``level="commune"``, ``code``).

    Same signature and result as :func:`~pvanalysis.reports.run.execute_report`.
    """
    start = time.perf_counter()
    out_dir, params = Path(out_dir), dict(params)
    version = store.current(processed_dir)
    code = str(params["code"])
    lang = params.get("lang", "fr")
    rid = report_id(kind, params)
    folder = _report_folder(out_dir, rid)
    stage = files.staging_folder(out_dir, rid)
    editions = [e for e in str((inputs or {}).get("editions", "")).split(",") if e]
    switch = (edition_href(rid, "fr"), "fr") if lang != "fr" else (
        (edition_href(rid, editions[0]), editions[0]) if editions else None)
    with i18n.using(lang):
        page, figures = _sheet(version, code, lang, switch, footer=_footer(kind, params, version),
                               index_href=edition_index_href(index_href or "../../index.html",
                                                             lang))
    (stage / HTML_NAME).write_text(page, encoding="utf-8")
    (stage / FIGURES_NAME).write_text(json.dumps(figures, ensure_ascii=False, indent=1),
                                      encoding="utf-8")
    sha = template_sha()
    result = ReportResult(kind, params, rid, "ok", 0, None, time.perf_counter() - start,
                          figures, key=run_key(kind, params, sha, dict(inputs or {})),
                          html_bytes=len(page.encode()), given=params, data_version=version.id,
                          reason=reason, inputs=dict(inputs or {}), notebook_sha=sha,
                          package_version=__version__, finished_at=_now(), engine=ENGINE)
    publish(result, stage, folder, out_dir)
    return result


def _sheet(version: store.Version, code: str, lang: str, switch, *, footer: str,
           index_href: str) -> tuple[str, dict]:
    """The page and the figures of one short sheet, in the active language."""
    from .site import _environment

    commune = _unit(version, "communes", code)
    province = _unit(version, "provinces", _text(commune.get("province_code")))
    region = _unit(version, "regions", _text(commune.get("region_code")))
    name = _text(commune.get("name_fr")) or code
    # in Arabic the page is named by HCP's Arabic names, the French one kept beside it
    ar = lang != "fr"
    local = (lambda unit: _text(unit.get("name_ar")) or _text(unit.get("name_fr"))) if ar \
        else (lambda unit: _text(unit.get("name_fr")))
    shown = (_text(commune.get("name_ar")) or name) if ar else name
    identity = [(_("Province ou préfecture"), local(province) or fmt.UNKNOWN),
                (_("Région"), local(region) or fmt.UNKNOWN),
                (_("Population 2014"), _population(commune.get("population_2014"))),
                (_("Population 2024"), _population(commune.get("population_2024"))),
                (_("Projets"), fmt.number(0))]
    title = _("Commune : {name}").format(name=shown)
    texts = {"title": _("{title} — fiche territoriale").format(title=title),
             "back": _("Tous les rapports"), "h1": title,
             "meta": _("Fiche territoriale · code {code}").format(code=i18n.isolate(code)),
             "warn": _("Aucun projet de politique de la ville ne touche cette commune dans les "
                       "données (version {version}) : aucun projet n'y est situé et aucune de "
                       "ses cibles (quartier, centre, médina) n'est sur son territoire. "
                       "Investissement, déblocages et retards : sans objet.")}
    before, _sep, after = texts.pop("warn").partition("{version}")
    page = _environment().get_template(TEMPLATE).render(
        lang=lang, rtl=i18n.rtl(), t=texts, warn=(before, after), name=shown,
        other_name=name if ar else _text(commune.get("name_ar")), code=code,
        identity=[(i18n.bdi(html.escape(label)), i18n.bdi(html.escape(str(value))))
                  for label, value in identity],
        data_version=version.id, index_href=index_href, footer=footer,
        switch=switch_html(lang, switch) if switch else "", font_css="")
    if ar:  # the shipped Arabic font, cut to the page's characters (offline, same everywhere)
        page = page.replace("/* pv-font-face */", i18n.font_face(page), 1)
    figures = {"kind": "territoire", "level": "commune", "code": code, "name": name,
               "region_code": _text(commune.get("region_code")) or None,
               "region_name": local(region) or None, "title": title, "projects": 0,
               "summary": {_("Projets"): fmt.number(0)}, "data_version": version.id}
    return page, figures


def _population(value) -> str:
    text = _text(value)
    return _("{n} habitants").format(n=fmt.number(int(float(text)))) if text else fmt.UNKNOWN
