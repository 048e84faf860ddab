"""The short sheet of a commune that no project touches: its identity and one sentence.

A country batch asks for every commune; most have no project. Their sheet is written
from the territorial reference and a template (``site/fiche_courte.html.j2``), through the
same staging folder and swap as a notebook report, with its ``figures.json``; it is
redone, like any report, when what it reads changes (a project appears, the reference
changes).
"""

from __future__ import annotations

import functools
import json
import time
from collections.abc import Mapping
from pathlib import Path

from .. import __version__, fmt, store
from ..present import FIGURES_NAME
from . import files
from .export import HTML_NAME
from .kinds import _report_folder, report_id
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
    from .site import _environment

    start = time.perf_counter()
    out_dir, params = Path(out_dir), dict(params)
    version = store.current(processed_dir)
    code = str(params["code"])
    commune = _unit(version, "communes", code)
    province = _unit(version, "provinces", _text(commune.get("province_code")))
    region = _unit(version, "regions", _text(commune.get("region_code")))
    name = _text(commune.get("name_fr")) or code
    identity = [("Province ou préfecture", _text(province.get("name_fr")) or "non renseigné"),
                ("Région", _text(region.get("name_fr")) or "non renseigné"),
                ("Population 2014", _population(commune.get("population_2014"))),
                ("Population 2024", _population(commune.get("population_2024"))),
                ("Projets", "0")]
    rid = report_id(kind, params)
    folder = _report_folder(out_dir, rid)
    stage = files.staging_folder(out_dir, rid)
    page = _environment().get_template(TEMPLATE).render(
        name=name, name_ar=_text(commune.get("name_ar")), code=code, identity=identity,
        data_version=version.id, index_href=index_href or "../../index.html",
        footer=_footer(kind, params, version))
    figures = {"kind": "territoire", "level": "commune", "code": code, "name": name,
               "region_code": _text(commune.get("region_code")) or None,
               "region_name": _text(region.get("name_fr")) or None,
               "title": f"Commune : {name}", "projects": 0,
               "summary": {"Projets": "0"}, "data_version": version.id}
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


def _population(value) -> str:
    text = _text(value)
    return fmt.number(int(float(text))) + " habitants" if text else "non renseigné"
