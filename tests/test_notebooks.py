"""Every report notebook executed with papermill on the sample (one batch per session)."""

from __future__ import annotations

import ast
import html
import json
import re

import nbformat
import papermill
import pytest
from conftest import BAD_REGION, NOTEBOOKS

from pvanalysis.reports import KINDS, notebooks_with_outputs

pytestmark = pytest.mark.slow

#: An amount a French page writes in MDH, its decimals captured.
MDH_AMOUNT = re.compile(r"\d(?:[\d\u00a0]*\d)?(?:,(\d+))?\u00a0MDH")
#: An amount in MDH at the reports' one precision (thousand dirhams, zeros shown).
THREE_DECIMALS = r"\d{1,3}(?:\u00a0\d{3})*,\d{3}"

FORBIDDEN = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.For, ast.While,
             ast.AsyncFor, ast.ListComp, ast.DictComp, ast.SetComp, ast.GeneratorExp)


def _result(site, kind, **params):
    for r in site.reports:
        if r.kind == kind and all(r.params.get(k) == v for k, v in params.items()):
            return r
    raise AssertionError(f"no {kind} {params} in the batch")


def _figures(site, result) -> dict:
    return json.loads((site.out_dir / result.report_id / "figures.json").read_text("utf-8"))


def test_bilan_2017_2021_reproduces_the_published_figures(report_site):
    result = _result(report_site, "bilan")
    assert result.status == "ok", result.error
    figures = _figures(report_site, result)
    assert figures["period"] == [2017, 2021]
    assert figures["royal"]["projects"] == 12
    assert figures["royal"]["total_cost_mdh"] == 1684
    assert figures["royal"]["ministry_mdh"] == 1202
    assert figures["royal"]["ministry_released_mdh"] == 424.565
    # 11 of the 12 royal projects are past their planned end, not finished, at the cut-off
    assert figures["royal"]["late"] == 11 and figures["royal"]["closed"] == 1
    assert figures["medina"]["projects"] == 6
    assert figures["medina"]["targets"] == 5
    assert figures["medina"]["total_cost_mdh"] == 4287
    assert figures["medina"]["ministry_mdh"] == 657
    assert figures["quartiers"]["targets"] >= 800
    assert figures["centre"]["targets"] >= 700
    for scale in ("royal", "quartiers", "medina", "centre"):
        assert set(figures[scale]) >= {"projects", "total_cost_mdh", "ministry_mdh",
                                       "ministry_released_mdh", "targets"}


def test_bilan_shows_the_published_gap_of_october_2017(report_site):
    page = (report_site.out_dir / _result(report_site, "bilan").report_id / "rapport.html")
    text = page.read_text("utf-8")
    assert "22,2\u00a0%" in text and "23\u00a0%" in text
    assert "\u22120,8\u00a0pts" in text
    assert "Participation du Ministère" in text or "participation_ministere" in str(
        list(page.parent.glob("*.png")))


def test_bilan_shows_every_mdh_amount_at_one_precision(report_site):
    folder = report_site.out_dir / _result(report_site, "bilan").report_id
    page = (folder / "rapport.html").read_text("utf-8")
    visible = re.sub(r"<(style|script)\b.*?</\1>|<img\b[^>]*>", " ", page, flags=re.S)
    visible = html.unescape(re.sub(r"<[^>]+>", " ", visible))
    labels = json.loads((folder / "textes_figures.json").read_text("utf-8"))
    amounts = [m for text in [visible, *(t for ts in labels.values() for t in ts)]
               for m in MDH_AMOUNT.finditer(text)]
    assert len(amounts) > 40  # key messages, tables, chart labels
    assert [m.group(0) for m in amounts if len(m.group(1) or "") != 3] == []
    # a whole column of the bilan table, « 1 684,000 MDH » beside « 424,565 MDH »
    table = page[page.index("<caption>Bilan par échelle d'intervention"):]
    cells = re.findall(r'<td class="pv-num">([^<]*MDH)</td>', table[:table.index("</table>")])
    assert len(cells) == 3 * 4  # three amounts for each of the four scales
    assert [c for c in cells if not re.fullmatch(THREE_DECIMALS + "\u00a0MDH", c)] == []
    # the map legend (titled « MDH ») bounds its classes at the same precision
    legend = [t for t in labels["carte_contribution_ministere"] if " \u2013 " in t]
    assert legend and [t for t in legend if not re.fullmatch(
        f"{THREE_DECIMALS} \u2013 {THREE_DECIMALS}", t)] == []


def test_territory_sheet_of_a_region(report_site):
    result = _result(report_site, "territoire", code="03")
    assert result.status == "ok", result.error
    figures = _figures(report_site, result)
    assert figures["name"] == "Fès-Meknès" and figures["region_name"] == "Fès-Meknès"
    assert figures["late"] >= 1 and figures["cutoff_date"] is not None
    page = (report_site.out_dir / result.report_id / "rapport.html").read_text("utf-8")
    # the royal project of the region (Taza, planned end 10/07/2021) is listed late
    late = page[page.index("Projets en retard ou à l'arrêt"):]
    assert "PR-00001" in late[:late.index("</table>")]
    assert "<title>Région Fès-Meknès — fiche territoriale 2017–2021</title>" in page
    assert figures["projects"] > 0 and figures["cost_dh"] > 0
    folder = report_site.out_dir / result.report_id
    assert (folder / "carte_communes.png").is_file() and (folder / "carte_communes.html").is_file()


def test_territory_sheet_of_a_commune(report_site):
    result = _result(report_site, "territoire", level="commune")
    assert result.status == "ok", result.error
    figures = _figures(report_site, result)
    assert figures["code"] == "01.511.05.07" and figures["region_code"] == "01"


def test_convention_dashboard(report_site):
    result = _result(report_site, "convention")
    assert result.status == "ok", result.error
    figures = _figures(report_site, result)
    assert figures["convention_id"] == "CC-R00001" and figures["scale"] == "royal"
    assert figures["remaining_dh"] == figures["amount_dh"] - figures["released_dh"]
    # a royal project past its planned end (17/09/2022) and not finished at the cut-off
    assert figures["cutoff_date"] is not None
    assert figures["status"] == "late" and figures["delay_months"] > 36
    page = (report_site.out_dir / result.report_id / "rapport.html").read_text("utf-8")
    assert "Données arrêtées au " in page
    assert "<title>Convention CC-R00001 — " in page


def test_quality_and_exploration(report_site):
    quality = _result(report_site, "qualite")
    assert quality.status == "ok", quality.error
    # the 7 documented bad rows and the totals row of Engagements
    assert _figures(report_site, quality)["quarantined"] == 8
    assert _result(report_site, "exploration").status == "ok"


def test_unknown_code_fails_with_suggestions_and_the_rest_runs(report_site):
    bad = _result(report_site, "territoire", code=BAD_REGION)
    assert bad.status == "error" and bad.exit_code == 2
    assert "territoire inconnu" in bad.error and "Suggestion" in bad.error
    assert sum(r.ok for r in report_site.reports) == len(report_site.reports) - 1
    assert report_site.exit_code == 1


@pytest.mark.parametrize("kind", list(KINDS))
def test_notebook_is_thin_and_documented(kind):
    nb = nbformat.read(NOTEBOOKS / f"{KINDS[kind].notebook}.ipynb", as_version=4)
    code = [c for c in nb.cells if c.cell_type == "code"]
    tagged = [c for c in code if "parameters" in c.metadata.get("tags", [])]
    assert len(tagged) == 1 and code[0] is tagged[0]
    params = papermill.inspect_notebook(str(NOTEBOOKS / f"{KINDS[kind].notebook}.ipynb"))
    assert {"processed_dir", "output_dir"} <= set(params)
    assert all(p["help"] and p["inferred_type_name"] != "None" for p in params.values())
    assert "pv.reports.check_" in code[1].source  # the validation cell
    # the other cells call pv.present, pv.sections, indicators, charts and maps, not the runner
    assert not [c.source for c in code[2:] if "pv.reports." in c.source]
    for cell in code:
        tree = ast.parse(cell.source)
        assert not [n for n in ast.walk(tree) if isinstance(n, FORBIDDEN)], cell.source
        assert ".groupby(" not in cell.source and ".merge(" not in cell.source


def test_notebooks_are_committed_without_outputs():
    assert notebooks_with_outputs(NOTEBOOKS) == []
