"""The site of a batch: a national index, a page per region and per province, a search box.

- ``index.html``: every national report, the conventions and the region sheets; when the
  batch holds province or commune sheets, one row per region leads to its page; an offline
  search and filter box (name in French or Arabic, code, kind, status) over every report of
  the site, with a small inline script and the list of reports embedded in the page.
- ``territoires/region-<code>.html``: the region's sheet, its provinces (each leading to
  its page) and its conventions; ``territoires/province-<code>.html``: the province's
  sheet and its communes.
- When the batch holds editions in another language, each page also in that language beside
  the French one (``index.ar.html``, ``territoires/region-<code>.ar.html``…): right to left,
  HCP's Arabic names, links to the editions where they exist, a FR | ع switch between the two.

Pages are rendered from the Jinja2 templates of ``pvanalysis/templates/site`` with
autoescape on, so a title or an error message never becomes markup; texts from the
catalogue, inline CSS, nothing fetched from a network; each page is written atomically.
This module only gathers what to show, as plain text.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from .. import __version__, fmt, i18n
from ..i18n import N_, _
from ..present import FIGURES_NAME
from ..sections import TERRITORY_LEVELS
from .editions import outputs
from .export import HTML_NAME, LANG_NAMES, _templates_dir, switch_html
from .files import write_atomic
from .kinds import KINDS, STATUS_LABELS, index_page

if TYPE_CHECKING:
    from .run import ReportResult

#: Templates of the site, relative to ``pvanalysis/templates``.
INDEX_TEMPLATE = "site/index.html.j2"
PAGE_TEMPLATE = "site/territoire.html.j2"
#: Folder of the region and province pages.
PAGES_DIR = "territoires"
#: Group of the reports whose region is unknown (listed last).
_NO_REGION = N_("Région non déterminée")
#: Above this many reports of a kind, the national page shows counts per region instead.
LIST_LIMIT = 40


def search_fold(text: object) -> str:
    """Text as the search box compares it: marks removed (Latin accents, Arabic vowels and
    hamza), tatweel removed, lower case — the page's script folds the query the same way."""
    decomposed = unicodedata.normalize("NFD", str(text)).replace("\u0640", "")
    return "".join(ch for ch in decomposed if not unicodedata.category(ch).startswith("M")
                   ).lower()


def _time(iso: str | None) -> str:
    """A run's time as the page says it: « 02/12/2026 à 08:11 UTC », isolated in Arabic."""
    if not iso:
        return _("date inconnue")
    try:
        stamp = datetime.fromisoformat(str(iso)).astimezone(UTC)
    except ValueError:
        return str(iso)
    if i18n.active() == "fr":
        return stamp.strftime("%d/%m/%Y à %H:%M UTC")
    return i18n.isolate(stamp.strftime("%d/%m/%Y %H:%M UTC"))


def _title(result: ReportResult, names: Mapping | None = None) -> str:
    """The report's title: its figures' title, else its territory's name, else its kind and
    parameters."""
    title = result.figures.get("title") if result.figures else None
    if title:
        return str(title)
    level, code = result.params.get("level"), str(result.params.get("code", ""))
    if result.kind == "territoire" and level in TERRITORY_LEVELS and code in (names or {}):
        return _("{level} : {name}").format(level=_(TERRITORY_LEVELS[level]).capitalize(),
                                            name=_names(names, code)["name"])
    shown = ", ".join(f"{k} {v}" for k, v in result.params.items())
    label = _(KINDS[result.kind].label) if result.kind in KINDS else str(result.kind)
    return f"{label} — {shown}" if shown else label


def _error(result: ReportResult) -> str | None:
    if not result.error:
        return None
    # the runner's message is French: isolated, it reads left to right on an Arabic page
    text = _("code {code} : {error}").format(code=i18n.isolate(str(result.exit_code)),
                                            error=i18n.isolate(result.error))
    if result.shown:
        return _("dernière exécution échouée le {date} ({error}) — version du {shown} "
                 "affichée").format(date=_time(result.finished_at), error=text,
                                    shown=_time(result.shown.get("finished_at")))
    return text


def _languages(result: ReportResult) -> dict:
    """Lang → other-language edition of a French report (:func:`split_editions`), else {}."""
    return getattr(result, "languages", {})


def _in_lang(result: ReportResult) -> ReportResult | None:
    """The edition of ``result`` in the active language, when the index is not French."""
    lang = i18n.active()
    return None if lang == "fr" else _languages(result).get(lang)


def _row(result: ReportResult, out_dir: Path, prefix: str = "",
         names: Mapping | None = None) -> dict:
    """What a page shows of one report: title and link, files, status, key figures; on an
    index in another language, its edition in that language, the French report switched to
    (FR | ع)."""
    edition = _in_lang(result)
    if edition is not None:
        row = _row(edition, out_dir, prefix, names)
        page = out_dir / result.report_id / HTML_NAME
        row["editions"] = [("fr", LANG_NAMES["fr"], f"{prefix}{result.report_id}/{HTML_NAME}"
                            if page.is_file() else None, _title(result, names))]
        row["current"] = LANG_NAMES[i18n.active()]
        return row
    rid = result.report_id
    folder = out_dir / rid
    files = [(f"{prefix}{rid}/{FIGURES_NAME}", _("chiffres (JSON)"))] if (
        folder / FIGURES_NAME).is_file() else []
    editions = outputs(folder) if folder.is_dir() else {}
    files += [(f"{prefix}{rid}/{editions[k]}", label) for k, label in
              (("pdf", "PDF"), ("xlsx", _("tableaux (Excel)"))) if k in editions]
    executed = sorted(folder.glob("*.ipynb")) if folder.is_dir() else []
    files += [(f"{prefix}{rid}/{p.name}", _("carnet exécuté")) for p in executed]
    if result.shown and result.shown.get("failed_href"):
        files.append((prefix + result.shown["failed_href"], _("page de l'exécution échouée")))
    summary = (result.figures or {}).get("summary") or {}
    editions = []
    for code, edition in sorted(_languages(result).items()):
        page = out_dir / edition.report_id / HTML_NAME
        editions.append((code, LANG_NAMES.get(code, code),
                         f"{prefix}{edition.report_id}/{HTML_NAME}" if page.is_file() else None,
                         _edition_title(edition)))
    return {
        "editions": editions,
        "title": _title(result, names),
        "href": f"{prefix}{rid}/{HTML_NAME}" if (folder / HTML_NAME).is_file() else None,
        "error": _error(result),
        "files": files,
        "status": result.status,
        "status_label": _(STATUS_LABELS.get(result.status, result.status)),
        "skipped": result.skipped,
        "figures": [(str(k), str(v)) for k, v in summary.items()],
        "duration": _("{n} s").format(n=fmt.number(result.duration_s, 1)),
    }


def _edition_title(edition: ReportResult) -> str:
    """What the FR | ع link of the index says about an edition (its title, or its failure)."""
    title = (edition.figures or {}).get("title") or "édition arabe"
    return str(title) if edition.ok else f"{title} — {_error(edition) or edition.status}"


def split_editions(results: list[ReportResult]) -> list[ReportResult]:
    """The reports of the index: each French report carries its other-language editions
    (``languages``: lang → result); an edition whose French report is not in the batch
    stays a row of its own."""
    french = {r.report_id: r for r in results if r.params.get("lang", "fr") == "fr"}
    for r in french.values():
        r.languages = {}
    rows = []
    for r in results:
        lang = r.params.get("lang", "fr")
        base = r.report_id.removesuffix(f"-{lang}")
        if lang != "fr" and base in french:
            french[base].languages[lang] = r
        else:
            rows.append(r)
    return rows


def _names(names: Mapping, code: str) -> dict:
    """A territory's name in the active language (HCP's Arabic name on Arabic pages, the
    French one if it has none) and its name in the other language, shown beside it."""
    unit = names.get(code, {})
    shown = unit.get(i18n.name_column()) or unit.get("name_fr") or code
    other = "name_fr" if i18n.rtl() else "name_ar"
    return {"name": shown, "other": "" if unit.get(other) == shown else unit.get(other, ""),
            "other_lang": other.removeprefix("name_")}


def territory_page(level: str, code: str, lang: str = "fr") -> str:
    """File name of a region or province page in ``lang``, in :data:`PAGES_DIR`:
    ``region-03.html``, ``province-03.231.ar.html``."""
    return f"{level}-{code}.html" if lang == "fr" else f"{level}-{code}.{lang}.html"


def _region_of(result: ReportResult, names: Mapping) -> tuple[str | None, str | None]:
    """``(region code, region name)`` of a report, when it has one."""
    figures = result.figures or {}
    code = figures.get("region_code")
    if result.kind == "territoire" and result.params.get("code"):
        own = str(result.params["code"])
        code = code or (own if result.params.get("level") == "region" else own[:2])
    code = None if code is None else str(code)
    name = figures.get("region_name") or (names.get(code, {}).get("name_fr") if code else None)
    if i18n.rtl() and code and names.get(code, {}).get("name_ar"):
        name = names[code]["name_ar"]  # the Arabic index groups by HCP's Arabic names
    return code, name


def _section(kind: str, results: list[ReportResult], out_dir: Path, names: Mapping,
             prefix: str = "") -> dict:
    """One table per kind; reports with a region are grouped under a row per region."""
    label = _(KINDS[kind].plural) if kind in KINDS else _("Rapports d'un type inconnu")
    regions = [_region_of(r, names)[1] for r in results]
    if set(regions) == {None} or len(set(regions)) == len(regions):
        groups = [(None, [_row(r, out_dir, prefix, names)
                          for r in sorted(results, key=lambda r: _title(r, names))])]
        return {"id": kind, "label": label, "groups": groups}
    by_region: dict[str, list] = {}
    for r, name in zip(results, regions, strict=True):
        by_region.setdefault(str(name or _(_NO_REGION)), []).append(r)
    groups = [(name, [_row(r, out_dir, prefix, names)
                      for r in sorted(by_region[name], key=lambda r: _title(r, names))])
              for name in sorted(by_region, key=lambda n: (n == _(_NO_REGION), n))]
    return {"id": kind, "label": label, "groups": groups}


def _site_images(out_dir: Path) -> list[tuple[Path, str]]:
    """PNG images placed at the top of the site (the demo's region map)."""
    return [(p, _("Carte des régions")) for p in sorted(out_dir.glob("*.png"))]


def _environment():
    """Jinja2 environment of the site templates: autoescape on, undefined names refused."""
    import jinja2
    import markupsafe

    env = jinja2.Environment(loader=jinja2.FileSystemLoader(str(_templates_dir())),
                             autoescape=True, undefined=jinja2.StrictUndefined,
                             trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=True)
    # escaped text whose isolated figures become <bdi dir="ltr"> (Arabic pages)
    env.filters["bdi"] = lambda text: markupsafe.Markup(i18n.bdi(str(markupsafe.escape(text))))
    # the templates' own texts in the active language (trusted catalogue text, not escaped;
    # ``.format`` on the result escapes its arguments)
    env.globals["_"] = lambda message: markupsafe.Markup(i18n._(message))
    return env


# --------------------------------------------------------------------------------------------
# Search entries and the territorial tree
# --------------------------------------------------------------------------------------------

def _entry(result: ReportResult, out_dir: Path, names: Mapping) -> dict:
    """One report in the search list (short keys: the list is embedded in the page)."""
    params = result.params or {}
    code = str(params.get("code") or params.get("convention_id") or "")
    edition = _in_lang(result)
    shown = result if edition is None else edition
    unit = names.get(code, {}) if result.kind == "territoire" else {}
    region_code, region = _region_of(result, names)
    href = f"{shown.report_id}/{HTML_NAME}" if (out_dir / shown.report_id / HTML_NAME
                                                 ).is_file() else ""
    words = [_title(shown, names), _title(result, names), unit.get("name_fr", ""),
             unit.get("name_ar", ""), code, region or "",
             *names.get(region_code, {}).values(),
             _(KINDS[result.kind].label) if result.kind in KINDS else ""]
    # "n" and "a": the unit's name in the page's language and in the other one, so that
    # a name typed in either language puts that unit first
    shown_names = _names(names, code) if unit else {}
    return {"t": _title(shown, names), "a": shown_names.get("other", ""), "c": code,
            "n": search_fold(shown_names.get("name") or _title(result, names)),
            "k": result.kind, "s": shown.status,
            "l": _(STATUS_LABELS.get(shown.status, shown.status)), "r": region or "",
            "h": href, "f": search_fold(" ".join(w for w in words if w))}


def _tree(results: list[ReportResult], names: Mapping) -> dict:
    """Region code → {"sheet", "provinces": {code: {"sheet", "communes"}}, "conventions"}."""
    tree: dict[str, dict] = {}

    def region(code):
        return tree.setdefault(code, {"sheet": None, "provinces": {}, "conventions": []})

    for r in results:
        code = str(r.params.get("code", ""))
        level = r.params.get("level")
        if r.kind == "territoire" and code and level in ("region", "province", "commune"):
            node = region(code[:2])
            if level == "region":
                node["sheet"] = r
                continue
            # a préfecture d'arrondissements (code longer than a province's) is a row of
            # its own; communes go to their province (first six characters)
            key = code if level == "province" else code[:6]
            province = node["provinces"].setdefault(key, {"sheet": None, "communes": []})
            if level == "province":
                province["sheet"] = r
            else:
                province["communes"].append(r)
        elif r.kind == "convention":
            rc, _name = _region_of(r, names)
            if rc:
                region(rc)["conventions"].append(r)
    return tree


def _deep(results: list[ReportResult]) -> bool:
    """True when the batch holds province or commune sheets, or many of one kind."""
    levels = {r.params.get("level") for r in results if r.kind == "territoire"}
    return bool(levels & {"province", "commune"}) or sum(
        r.kind == "convention" for r in results) > LIST_LIMIT


def _region_rows(tree: Mapping, names: Mapping, out_dir: Path) -> list[dict]:
    rows = []
    for code in sorted(tree):
        node = tree[code]
        sheets = [p["sheet"] for p in node["provinces"].values() if p["sheet"]]
        sheets += [c for p in node["provinces"].values() for c in p["communes"]]
        every = [*sheets, *node["conventions"], *([node["sheet"]] if node["sheet"] else [])]
        rows.append({"code": code, **_names(names, code),
                     "sheet": _row(node["sheet"], out_dir, "", names) if node["sheet"] else None,
                     "href": f"{PAGES_DIR}/{territory_page('region', code, i18n.active())}",
                     "provinces": len(node["provinces"]),
                     "communes": sum(len(p["communes"]) for p in node["provinces"].values()),
                     "conventions": len(node["conventions"]),
                     "failed": sum(not r.ok for r in every)})
    return rows


def _pages(tree: Mapping, names: Mapping, out_dir: Path, common: Mapping,
           langs: list[str]) -> list[tuple]:
    """``(path, context)`` of every region and province page in the active language; each
    page switches (FR | ع) to its version in the other language, when the batch has one."""
    lang, up = i18n.active(), "../"
    home = (f"{up}{index_page(lang)}", _("Accueil"))
    other = None if not langs else langs[0] if lang == "fr" else "fr"

    def page(level: str, code: str, **context) -> tuple:
        switch = (territory_page(level, code, other), other) if other else None
        return (out_dir / PAGES_DIR / territory_page(level, code, lang), {
            **common, **context, **_names(names, code), "lang": lang, "rtl": i18n.rtl(),
            "switch": switch_html(lang, switch) if switch else "", "search": home[0],
            "level": _(TERRITORY_LEVELS[level]).capitalize(), "code": i18n.isolate(code)})

    pages = []
    for code, node in sorted(tree.items()):
        provinces = []
        for pcode, province in sorted(node["provinces"].items()):
            communes = sorted(province["communes"], key=lambda r: _title(r, names))
            sheet = _row(province["sheet"], out_dir, up, names) if province["sheet"] else None
            provinces.append({"code": i18n.isolate(pcode), **_names(names, pcode),
                              "sheet": sheet, "communes": len(communes),
                              "href": territory_page("province", pcode, lang) if communes
                              else None, "failed": sum(not r.ok for r in communes)})
            if communes:
                pages.append(page(
                    "province", pcode, sheet=sheet, sheet_label=_("Fiche de la province"),
                    crumbs=[home, (territory_page("region", code, lang),
                                   _names(names, code)["name"])],
                    children_label=_("Communes"), children=[], conventions=[],
                    rows=[_row(r, out_dir, up, names) for r in communes]))
        pages.append(page(
            "region", code, sheet_label=_("Fiche de la région"), crumbs=[home],
            sheet=_row(node["sheet"], out_dir, up, names) if node["sheet"] else None,
            children_label=_("Provinces et préfectures"), children=provinces, rows=[],
            conventions=[_row(r, out_dir, up, names) for r in sorted(
                node["conventions"], key=lambda r: _title(r, names))]))
    return pages


def territory_names(version) -> dict:
    """HCP code → ``{"name_fr", "name_ar"}`` of the regions, provinces and communes of a
    data version (``store.Version``), for :func:`write_index`."""
    names = {}
    for layer in ("regions", "provinces", "communes"):
        if not version.has(layer):
            continue
        frame = version.read(layer, ["code", "name_fr", "name_ar"], geometry=False)
        frame = frame.astype(object).where(frame.notna(), "")
        names.update({str(code): {"name_fr": str(fr), "name_ar": str(ar)}
                      for code, fr, ar in frame.itertuples(index=False)})
    return names


# --------------------------------------------------------------------------------------------
# Writing the site
# --------------------------------------------------------------------------------------------

def write_index(batch, territories: Mapping | None = None) -> Path:
    """Write the site's ``index.html`` and, for a deep batch, the region and province pages.

    Parameters
    ----------
    batch : BatchResult
        The batch (``pvanalysis.reports.batch``): its reports, folder and data version.
    territories : mapping, optional
        HCP code → ``{"name_fr", "name_ar"}`` of the regions, provinces and communes (names
        in the search list and on the pages); else names come from the reports' figures.

    Returns
    -------
    Path
        ``batch.index``.
    """
    out_dir, names = batch.out_dir, dict(territories or {})
    results = split_editions(list(batch.reports))
    deep = _deep(results)
    tree = _tree(results, names) if deep else {}
    in_tree = {id(r) for node in tree.values() for r in [
        node["sheet"], *node["conventions"],
        *(p["sheet"] for p in node["provinces"].values()),
        *(c for p in node["provinces"].values() for c in p["communes"])] if r is not None}
    national = [r for r in results if id(r) not in in_tree]
    by_kind: dict[str, list] = {}
    for r in national:
        by_kind.setdefault(r.kind if r.kind in KINDS else "?", []).append(r)
    order = [k for k in [*KINDS, "?"] if k in by_kind]
    langs = sorted({r.params.get("lang", "fr") for r in batch.reports} - {"fr"})
    now = datetime.now(UTC)
    common = {"stamp": now.strftime("%d/%m/%Y à %H:%M UTC"),
              "version": __version__, "data_version": batch.data_version,
              "interrupted": getattr(batch, "interrupted", False)}

    def index(lang: str) -> str:
        """The national page in ``lang`` (the active language)."""
        entries = [_entry(r, out_dir, names) for r in results]
        switch = (None if not langs else (index_page(langs[0]), langs[0]) if lang == "fr"
                  else (index_page("fr"), "fr"))
        page = _environment().get_template(INDEX_TEMPLATE).render(
            **dated(lang), lang=lang, rtl=i18n.rtl(),
            switch=switch_html(lang, switch) if switch else "",
            ok=len(batch.reports) - len(batch.failed), failed=len(batch.failed),
            duration=fmt.number(batch.duration_s, 1), total=len(results),
            nav=[(k, _(KINDS[k].plural) if k in KINDS else _("Autres")) for k in order]
            + ([("regions", _("Par région"))] if tree else []),
            sections=[_section(k, by_kind[k], out_dir, names) for k in order],
            regions=_region_rows(tree, names, out_dir),
            kinds=[(k, _(KINDS[k].plural)) for k in KINDS if any(r.kind == k for r in results)],
            statuses=sorted({(r.status, _(STATUS_LABELS.get(r.status, r.status)))
                             for r in results}),
            search=json.dumps(entries, ensure_ascii=False).replace("<", "\\u003c"),
            images=[(p.name, alt) for p, alt in _site_images(out_dir)])
        return _with_font(page)

    def dated(lang: str) -> dict:
        """The common context, its time stamp isolated in a right-to-left page."""
        return {**common, "stamp": common["stamp"] if lang == "fr" else i18n.isolate(
            now.strftime("%d/%m/%Y %H:%M UTC"))}

    def write_pages(lang: str) -> None:
        """The region and province pages in ``lang`` (the active language)."""
        template = _environment().get_template(PAGE_TEMPLATE)
        pages = [(path, template.render(**context))
                 for path, context in _pages(tree, names, out_dir, dated(lang), langs)]
        # one font cut for all the pages (a second each otherwise, ~90 pages for the country)
        face = i18n.font_face("".join(text for _path, text in pages)) if (
            pages and i18n.rtl()) else None
        for path, text in pages:
            path.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(path, _with_font(text, face))

    page = index("fr")
    for lang in langs:  # each page per language of the editions: index.ar.html…
        with i18n.using(lang):
            write_atomic(batch.index.with_name(index_page(lang)), index(lang))
            write_pages(lang)
    write_pages("fr")
    write_atomic(batch.index, page)
    return batch.index


def _with_font(page: str, face: str | None = None) -> str:
    """A right-to-left page with the shipped Arabic font (``face``, else the font cut to the
    page's characters)."""
    if not i18n.rtl():
        return page
    return page.replace("/* pv-font-face */", face or i18n.font_face(page), 1)
