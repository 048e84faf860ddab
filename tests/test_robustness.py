"""Every report kind over generated datasets of different shapes (the robustness matrix).

Each (dataset × kind) either succeeds, with explicit « aucun … » / « non renseigné »
sections, or stops at parameter validation with a French message. No page, key figure or
figure label may show ``nan``, ``NaN``, ``inf``, ``None`` or a single-value class
(« 0 – 0 »).
"""

from __future__ import annotations

import copy
import html
import json
import re
import shutil
from pathlib import Path

import pytest
from conftest import NOTEBOOKS
from tiny import CSV, SHEETS, reference_dir, write_tiny

pytestmark = pytest.mark.slow

HEADER_ONLY = CSV.splitlines()[0] + "\n"
FORBIDDEN = re.compile(r"\bnan\b|\bNaN\b|\binf\b|Infinity|\bNone\b|(?<![\d,])0 – 0(?![\d,])",
                       re.IGNORECASE)


def _rows(sheet: str, keep) -> dict:
    rows = copy.deepcopy(SHEETS[sheet])
    return {sheet: [rows[0]] + [r for r in rows[1:] if keep(r)]}


def _header_only(sheet: str) -> dict:
    return {sheet: [copy.deepcopy(SHEETS[sheet][0])]}


def _set(sheet: str, changes: dict) -> dict:
    """SHEETS[sheet] with cells replaced: {row id: {header: value}}."""
    rows = copy.deepcopy(SHEETS[sheet])
    for row in rows[1:]:
        for header, value in changes.get(row[0], {}).items():
            row[rows[0].index(header)] = value
    return {sheet: rows}


def _single_project() -> dict:
    sheets = {}
    for sheet in ("Projets", "Cibles", "Actions"):
        sheets |= _rows(sheet, lambda r: "P1" in r[:2])
    for sheet in ("Conventions", "Engagements", "Échéancier"):
        sheets |= _rows(sheet, lambda r: r[0] in ("C1", "C1F"))
    return {"sheets": sheets, "csv": "\n".join(CSV.splitlines()[:4]) + "\n"}


def _casablanca() -> dict:
    single = _single_project()
    sheets = single["sheets"]
    sheets |= _set("Projets", {"P1": {"Région": "06", "Province": "06.141",
                                      "Commune": "06.141.01.0",
                                      "Intitulé du projet": "Mise à niveau de Casablanca"}})
    sheets["Projets"] = [r for r in sheets["Projets"] if r[0] in ("Identifiant projet", "P1")]
    sheets["Cibles"] = [SHEETS["Cibles"][0],
                        ["P1", "commune", "06.141.01.0", "Casablanca", "06.141.01.0"],
                        ["P1", "commune", "06.141.01.81", "Méchouar de Casablanca",
                         "06.141.01.81"]]
    return single


def _spanning() -> dict:
    projects = _set("Projets", {"P3": {"Intitulé du projet": "Quartiers de Tanger et Tétouan"}})
    targets = copy.deepcopy(SHEETS["Cibles"]) + [
        ["P3", "commune", "01.571.01.11", "Tétouan", "01.571.01.11"],
        ["P2", "commune", "06.141.01.0", "Casablanca", "06.141.01.0"]]
    return {"sheets": projects | {"Cibles": targets}}


def _one_scale_spanning() -> dict:
    """Every project of one scale (no médina, no royal project); P3 spans two provinces
    (Tanger-Assilah, Tétouan) and P2 two regions (Tanger, Casablanca)."""
    spanning = _spanning()["sheets"]
    projects = _set("Projets", {"P1": {"Échelle d'intervention": "quartiers"},
                                "P2": {"Échelle d'intervention": "quartiers"},
                                "P3": {"Intitulé du projet": "Quartiers de Tanger et Tétouan"}})
    return {"sheets": spanning | projects}


#: Dataset name → (changes to the tiny dataset, territory sheet parameters, convention).
#: « une_region » is the tiny dataset itself: one region, three scales.
DATASETS = {
    "une_region": ({}, {"level": "commune", "code": "01.511.01.0"}, "C1F"),
    "une_echelle_deux_provinces": (_one_scale_spanning(), {"level": "province",
                                                           "code": "01.571"}, "C3"),
    "un_projet_a_casablanca": (_casablanca(), {"level": "province", "code": "06.141.01.00"},
                               "C1"),
    "sans_deblocages": ({"csv": HEADER_ONLY}, {"level": "region", "code": "01"}, "C1"),
    "sans_echeancier_ni_actions": ({"sheets": _header_only("Échéancier")
                                    | _header_only("Actions")},
                                   {"level": "region", "code": "01"}, "C2"),
}
#: Datasets on which the reports reading whole tables only (quality, exploration) also run.
WHOLE_TABLES = ("sans_deblocages",)


@pytest.fixture(scope="module")
def matrix(tmp_path_factory):
    """Every dataset built, every kind run on it (two workers); name → BatchResult."""
    from pvanalysis.build import build_processed
    from pvanalysis.reports import run_batch

    ref = reference_dir(tmp_path_factory)
    root = tmp_path_factory.mktemp("matrix")
    out = {}
    for name, (changes, territory, convention) in DATASETS.items():
        raw = write_tiny(root / name / "raw", **changes)
        processed = root / name / "processed"
        build_processed(raw, processed, reference_dir=ref)
        reports = [{"kind": "bilan", "params": {"published": ""}},
                   {"kind": "territoire", "params": territory},
                   {"kind": "convention", "params": {"convention_id": convention}}]
        if name in WHOLE_TABLES:
            reports += [{"kind": "qualite"}, {"kind": "exploration"}]
        if name == "une_region":  # a period with no project; a cut-off date that is no date
            reports += [{"kind": "territoire", "params": {"level": "region", "code": "01",
                                                          "ref_date": "2025-13-01"}},
                        {"kind": "bilan", "params": {"published": "", "period_start": 2010,
                                                     "period_end": 2012}},
                        {"kind": "territoire", "params": {"level": "region", "code": "01",
                                                          "period_start": 2010,
                                                          "period_end": 2012}}]
        out[name] = run_batch({"reports": reports}, root / name / "site", jobs=2,
                              processed_dir=processed, notebooks_dir=NOTEBOOKS)
    declared = root / "declared" / "processed"
    shutil.copytree(root / "une_region" / "processed", declared)
    _declare_absent(declared, ["disbursements", "actions"])
    out["declared"] = run_batch({"reports": [
        {"kind": "territoire", "params": {"level": "region", "code": "01"}},
        {"kind": "convention", "params": {"convention_id": "C1"}}]},
        root / "declared" / "site", jobs=2, processed_dir=declared, notebooks_dir=NOTEBOOKS)
    return out


def _declare_absent(processed: Path, names: list[str]) -> None:
    """Record in the current version's manifest that these sources were not provided."""
    from pvanalysis import store

    path = store.current(processed).path / "manifest.json"
    manifest = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**manifest, "absent": names}), encoding="utf-8")


def _page_text(folder: Path) -> str:
    page = (folder / "rapport.html").read_text("utf-8")
    page = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page, flags=re.S)
    page = re.sub(r'srcdoc="[^"]*"', " ", page)
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def _labels(folder: Path) -> list[str]:
    texts = folder / "textes_figures.json"
    found = [t for values in json.loads(texts.read_text("utf-8")).values() for t in values] \
        if texts.is_file() else []
    for page in folder.glob("*.html"):
        if page.name != "rapport.html":  # interactive maps: legend and tooltips
            text = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", page.read_text("utf-8"),
                          flags=re.S)
            found.append(html.unescape(re.sub(r"<[^>]+>", " ", text)))
    return found


@pytest.mark.parametrize("dataset", [*DATASETS, "declared"])
def test_every_kind_succeeds_or_stops_with_a_french_message(matrix, dataset):
    for result in matrix[dataset].reports:
        if result.status == "ok":
            continue
        if result.params.get("ref_date") == "2025-13-01":  # the notebook's validation cell
            assert "date d'arrêt invalide pour « ref_date » : « 2025-13-01 »" in result.error
            continue
        assert result.exit_code == 2, (dataset, result.kind, result.params, result.error)
        assert "période vide" in result.error, result.error


def test_a_period_with_no_project(matrix):
    reports = matrix["une_region"].reports
    bilan = [r for r in reports if r.kind == "bilan" and r.params.get("period_start") == 2010]
    assert bilan[0].status == "error" and "aucun projet contractualisé" in bilan[0].error
    sheet = [r for r in reports if r.kind == "territoire" and r.params.get("period_start") == 2010]
    assert sheet[0].status == "ok", sheet[0].error
    text = _page_text(matrix["une_region"].out_dir / sheet[0].report_id)
    assert "Aucun projet contractualisé de 2010 à 2012 ne concerne" in text
    assert "0\u00a0DH/hab." not in text and "non renseigné" in text


@pytest.mark.parametrize("dataset", [*DATASETS, "declared"])
def test_no_nan_none_inf_or_single_value_class_anywhere(matrix, dataset):
    site = matrix[dataset]
    for result in site.reports:
        if result.status != "ok":
            continue
        folder = site.out_dir / result.report_id
        text = _page_text(folder)
        assert "Données arrêtées au" in text
        assert not FORBIDDEN.findall(text), (result.kind, FORBIDDEN.findall(text)[:5])
        path = folder / "figures.json"
        figures = path.read_text("utf-8") if path.is_file() else "{}"
        assert not re.findall(r"NaN|Infinity", figures)
        summary = json.loads(figures).get("summary", {})
        assert not [v for v in summary.values() if FORBIDDEN.search(str(v))], summary
        for label in _labels(folder):
            assert not FORBIDDEN.search(label), (result.kind, label)


def _result(site, kind):
    return next(r for r in site.reports if r.kind == kind and "period_start" not in r.params
                and "ref_date" not in r.params)


def test_no_disbursements_reads_non_renseigne_never_zero(matrix):
    site = matrix["sans_deblocages"]
    for kind in ("bilan", "territoire", "convention"):
        result = _result(site, kind)
        text = _page_text(site.out_dir / result.report_id)
        assert "non renseigné" in text, kind
        assert "0,000\u00a0MDH débloqué" not in text and "débloqué 0,0\u00a0%" not in text
    figures = json.loads((site.out_dir / _result(site, "bilan").report_id / "figures.json")
                         .read_text("utf-8"))
    assert figures["royal"]["ministry_released_mdh"] is None
    assert figures["absent"] == ["disbursements"]


def test_casablanca_province_sheet_shows_the_city_communes(matrix):
    site = matrix["un_projet_a_casablanca"]
    result = _result(site, "territoire")
    folder = site.out_dir / result.report_id
    assert (folder / "carte_communes.png").is_file()
    assert "Casablanca-Anfa" in _page_text(folder)


def test_financing_convention_dashboard_shows_its_own_scope(matrix):
    site = matrix["une_region"]
    figures = json.loads((site.out_dir / _result(site, "convention").report_id / "figures.json")
                         .read_text("utf-8"))
    # C1F: 40 MDH stated; released on it D2 = 15 MDH; its project P1 costs 100 MDH
    assert figures["convention_id"] == "C1F" and figures["convention_kind"] == "financement"
    assert figures["amount_dh"] == 40_000_000 and figures["released_dh"] == 15_000_000
    assert figures["remaining_dh"] == 25_000_000 and figures["project_cost_dh"] == 100_000_000


def test_sources_declared_absent_read_non_renseigne(matrix):
    site = matrix["declared"]
    for result in site.reports:
        assert result.status == "ok", result.error
        text = _page_text(site.out_dir / result.report_id)
        assert "non renseigné" in text and "Les déblocages ne sont pas renseignés" in text
    sheet = _result(site, "territoire")
    figures = json.loads((site.out_dir / sheet.report_id / "figures.json").read_text("utf-8"))
    assert figures["released_dh"] is None and figures["summary"]["Débloqué"] == "non renseigné"
