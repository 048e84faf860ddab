"""The site index of a batch: ``index.html``, every report grouped by kind and region, with
its status, key figures, error and links.

The page is rendered from the Jinja2 template ``pvanalysis/templates/site/index.html.j2``
with autoescape on, so a title or an error message never becomes markup. French, inline
CSS, no script, nothing fetched from a network. This module only gathers what to show, as
plain text.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, fmt
from ..present import FIGURES_NAME
from .export import HTML_NAME, _templates_dir
from .kinds import KINDS, STATUS_LABELS

if TYPE_CHECKING:
    from .run import ReportResult

#: Template of the site index, relative to ``pvanalysis/templates``.
INDEX_TEMPLATE = "site/index.html.j2"
#: Group of the reports whose region is unknown (listed last).
_NO_REGION = "Région non déterminée"


def _title(result: ReportResult) -> str:
    title = result.figures.get("title") if result.figures else None
    if title:
        return str(title)
    shown = ", ".join(f"{k} {v}" for k, v in result.params.items())
    label = KINDS[result.kind].label if result.kind in KINDS else str(result.kind)
    return f"{label} — {shown}" if shown else label


def _row(result: ReportResult, out_dir: Path) -> dict:
    """What the index shows of one report: title and link, files, status, key figures."""
    rid = result.report_id
    folder = out_dir / rid
    files = [(f"{rid}/{FIGURES_NAME}", "chiffres (JSON)")] if (
        folder / FIGURES_NAME).is_file() else []
    executed = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    files += [(f"{rid}/{p.name}", "carnet exécuté") for p in executed]
    summary = (result.figures or {}).get("summary") or {}
    return {
        "title": _title(result),
        "href": f"{rid}/{HTML_NAME}" if (folder / HTML_NAME).is_file() else None,
        "error": f"code {result.exit_code} : {result.error}" if result.error else None,
        "files": files,
        "status": result.status,
        "status_label": STATUS_LABELS.get(result.status, result.status),
        "skipped": result.skipped,
        "figures": [(str(k), str(v)) for k, v in summary.items()],
        "duration": f"{fmt.number(result.duration_s, 1)} s",
    }


def _section(kind: str, results: list[ReportResult], out_dir: Path) -> dict:
    """One table per kind; reports with a region are grouped under a row per region.

    Returns
    -------
    dict
        ``id``, ``label`` and ``groups``: ``(region name or None, rows)`` pairs, one pair
        with None when the reports are not grouped.
    """
    label = KINDS[kind].plural if kind in KINDS else "Rapports d'un type inconnu"
    regions = [(r.figures or {}).get("region_name") for r in results]
    if set(regions) == {None} or len(set(regions)) == len(regions):
        groups = [(None, [_row(r, out_dir) for r in sorted(results, key=_title)])]
        return {"id": kind, "label": label, "groups": groups}
    by_region: dict[str, list] = {}
    for r in results:
        name = (r.figures or {}).get("region_name") or _NO_REGION
        by_region.setdefault(str(name), []).append(r)
    groups = [(name, [_row(r, out_dir) for r in sorted(by_region[name], key=_title)])
              for name in sorted(by_region, key=lambda n: (n == _NO_REGION, n))]
    return {"id": kind, "label": label, "groups": groups}


def _site_images(out_dir: Path) -> list[tuple[Path, str]]:
    """PNG images placed at the top of the site (the demo's region map)."""
    return [(p, "Carte des régions") for p in sorted(out_dir.glob("*.png"))]


def _environment():
    """Jinja2 environment of the site templates: autoescape on, undefined names refused."""
    import jinja2

    return jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates_dir())),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)


def write_index(batch) -> Path:
    """Write the site's ``index.html``: reports grouped by kind and region, with status,
    key figures, errors and links; French, inline CSS, no script, nothing fetched.

    Parameters
    ----------
    batch : BatchResult
        The batch (``pvanalysis.reports.batch``): its reports, folder and data version.

    Returns
    -------
    Path
        ``batch.index``.
    """
    out_dir = batch.out_dir
    by_kind: dict[str, list] = {}
    for r in batch.reports:
        by_kind.setdefault(r.kind if r.kind in KINDS else "?", []).append(r)
    order = [k for k in [*KINDS, "?"] if k in by_kind]
    page = _environment().get_template(INDEX_TEMPLATE).render(
        stamp=datetime.now(UTC).strftime("%d/%m/%Y à %H:%M UTC"),
        ok=len(batch.reports) - len(batch.failed), failed=len(batch.failed),
        duration=fmt.number(batch.duration_s, 1), version=__version__,
        data_version=batch.data_version,
        nav=[(k, KINDS[k].plural if k in KINDS else "Autres") for k in order],
        sections=[_section(k, by_kind[k], out_dir) for k in order],
        images=[(p.name, alt) for p, alt in _site_images(out_dir)])
    batch.index.write_text(page, encoding="utf-8")
    return batch.index
