"""Editions of a report: PDF (WeasyPrint), workbook of its tables, figures as PNG and SVG,
and how batches know them (skip, failure, manifest, index)."""

from __future__ import annotations

import html
import json
import re

import nbformat
import pandas as pd
import pytest
from click.testing import CliRunner
from toys import toy_site

from pvanalysis import present, reports, sections, store
from pvanalysis.cli import cli
from pvanalysis.errors import ParameterError
from pvanalysis.reports import editions

pypdf = pytest.importorskip("pypdf")

#: The reports of the session batch written with their PDF edition (``conftest.report_site``).
PDF_REPORTS = ["bilan/bilan-2017-2021", "territoire/territoire-region-03",
               "convention/convention-cc-r00001"]


def _folder(site, rid):
    return site.out_dir / rid


def _squash(text: str) -> str:
    """Text without any white space: a header wrapped over two lines still matches."""
    return re.sub(r"\s+", "", text.replace("\u00ad", ""))


def _pdf_pages(path) -> list[str]:
    return [page.extract_text() or "" for page in pypdf.PdfReader(path).pages]


def _page_headers(page: str) -> list[str]:
    """Every column header of every table the page shows (``<thead><th>``)."""
    heads = re.findall(r"<thead>(.*?)</thead>", page, re.S)
    return [html.unescape(re.sub(r"<[^>]+>", "", th)).strip()
            for head in heads for th in re.findall(r"<th\b[^>]*>(.*?)</th>", head, re.S)]


# --------------------------------------------------------------------------------------------
# Without a notebook run
# --------------------------------------------------------------------------------------------

def test_editions_are_checked_with_a_french_message():
    assert editions.check_editions(None) == ("html", "png", "svg")
    assert editions.check_editions(["pdf"]) == ("html", "png", "pdf")  # it prints the PNGs
    assert editions.check_editions(["html"]) == ("html",)
    assert editions.check_editions(["png"]) == ("html", "png")
    assert editions.check_editions(["pdf", "svg"]) == ("html", "png", "svg", "pdf")
    assert editions.check_editions("svg") == ("html", "png", "svg")
    with pytest.raises(ParameterError, match="édition inconnue : « pfd ».*pdf"):
        editions.check_editions(["html", "pfd"])


def test_sheet_names_are_short_unique_and_legal():
    long = "Valeurs en quarantaine par raison (code stable)"
    names = present.sheet_names([long, None, long, "a/b: c?", "Tableau 2"])
    assert names[0] == long[:31] and names[1] == "Tableau 2"
    assert names[2] == "Valeurs en quarantaine par (2)"
    assert names[3] == "a b c"
    assert names[4] == "Tableau 2 (2)"
    assert all(len(n) <= 31 for n in names)
    assert len({n.casefold() for n in names}) == len(names)


def test_workbook_holds_whole_tables_as_numbers(tmp_path):
    import openpyxl

    present.clear_tables()
    frame = pd.DataFrame({
        "scale": ["royal", "medina", "centre"],
        "cost_dh": pd.array([1_684_000_000, 4_287_000_000, None], dtype="Int64"),
        "ministry_share": [0.71377, 0.15325, float("nan")],
        "signed_on": pd.to_datetime(["2017-03-15", "2019-01-02", "2021-12-31"]),
        "projects": [12, 6, 118],
    })
    shown = present.table(frame, caption="Bilan : essai", max_rows=2)
    assert "1 lignes de plus non affichées" in shown.text
    assert "pv-wide" not in shown.text
    link = present.write_tables(tmp_path)
    assert 'href="tableaux.xlsx"' in link.text
    back = pd.read_excel(tmp_path / present.TABLES_NAME, sheet_name=None, engine="calamine")
    assert list(back) == ["Bilan essai"]
    sheet = back["Bilan essai"]
    assert list(sheet.columns) == ["Échelle", "Coût (MDH)", "Part du Ministère (%)",
                                   "Signée le", "Projets"]
    assert len(sheet) == 3  # the whole frame, not the two rows shown
    assert sheet["Coût (MDH)"].iloc[:2].tolist() == [1_684_000_000, 4_287_000_000]
    assert pd.isna(sheet["Coût (MDH)"].iloc[2])
    assert sheet["Projets"].tolist() == [12, 6, 118]
    assert sheet["Échelle"].iloc[0] == "Projets présentés à Sa Majesté"
    cells = openpyxl.load_workbook(tmp_path / present.TABLES_NAME)["Bilan essai"]
    assert cells["B2"].value == 1_684_000_000 and cells["B2"].number_format == "#,##0.000,,"
    assert cells["C2"].number_format == "0.0%"
    assert cells["D2"].is_date
    present.clear_tables()
    assert present.write_tables(tmp_path / "vide").text == ""
    assert not (tmp_path / "vide").exists()


def test_sheets_without_caption_are_named_after_their_section(tmp_path):
    present.clear_tables()
    frame = pd.DataFrame({"cost_dh": [1, 2]})
    shown = [present.table(frame, caption="Bilan par échelle d'intervention"),
             present.table(frame.rename(columns={"cost_dh": "ministry_dh"})),
             present.table(frame.rename(columns={"cost_dh": "released_dh"}))]
    present.write_tables(tmp_path)
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_markdown_cell("## Bilan"), _shown_cell(shown[0]),
                nbformat.v4.new_markdown_cell("## Exécution financière\n\nTexte."),
                _shown_cell(shown[1]), _shown_cell(shown[2])]
    renamed = editions.name_sheets(nb, tmp_path / present.TABLES_NAME)
    assert renamed == {"Tableau 2": "Exécution financière",
                       "Tableau 3": "Exécution financière (2)"}
    book = pd.read_excel(tmp_path / present.TABLES_NAME, sheet_name=None, engine="calamine")
    assert list(book) == ["Bilan par échelle d'interventio", "Exécution financière",
                          "Exécution financière (2)"]
    assert book["Exécution financière (2)"].iloc[:, 0].tolist() == [1, 2]
    present.clear_tables()


def _shown_cell(piece):
    cell = nbformat.v4.new_code_cell("")
    cell.outputs = [nbformat.v4.new_output("display_data", data={"text/html": piece.text})]
    return cell


def test_print_page_prints_the_sharp_files_and_no_interactive_map():
    page = ('<style type="text/css">.jp-x{}</style><style data-pv="print">@page{}</style>'
            '<iframe class="pv-map" srcdoc="&lt;html&gt;">x</iframe>'
            '<img alt="carte" data-pv-file="carte.png" src="data:image/png;base64,AAAA"/>'
            '<img src="data:image/png;base64,BBBB" alt="autre"/>')
    out = editions.print_html(page)
    assert '<img alt="carte" data-pv-file="carte.png" src="carte.png"/>' in out
    assert 'src="data:image/png;base64,BBBB"' in out
    assert "<iframe" not in out and ".jp-x" not in out and "@page{}" in out


# --------------------------------------------------------------------------------------------
# The session batch (reports with their PDF edition)
# --------------------------------------------------------------------------------------------

def _xobjects(resources) -> list:
    out = []
    for ref in (resources.get("/XObject") or {}).values():
        obj = ref.get_object()
        out.append(obj)
        if obj.get("/Subtype") == "/Form" and "/Resources" in obj:
            out += _xobjects(obj["/Resources"].get_object())
    return out


def test_a_pdf_embeds_an_rgb_png_as_it_is_and_shows_its_pixels(tmp_path):
    from PIL import Image

    figure = Image.radial_gradient("L").convert("RGB").resize((300, 200))
    figure.save(tmp_path / "figure.png", compress_level=1)  # not how WeasyPrint would encode
    Image.new("RGBA", (40, 30), (10, 120, 200, 128)).save(tmp_path / "alpha.png")
    page = tmp_path / "rapport.html"
    page.write_text('<html><body><img src="figure.png" style="width:6cm">'
                    '<img src="alpha.png"></body></html>', encoding="utf-8")
    reader = pypdf.PdfReader(editions.write_pdf(page, variant=None))
    idat = editions.png_idat((tmp_path / "figure.png").read_bytes())
    streams = _xobjects(reader.pages[0]["/Resources"].get_object())
    assert any(s.get("/Width") == 300 and s._data == idat for s in streams)  # as it is
    images = {i.image.size: i.image for i in reader.pages[0].images}
    assert images[(300, 200)].convert("RGB").tobytes() == figure.tobytes()
    assert images[(40, 30)].mode == "RGBA"  # an image with alpha goes WeasyPrint's own way
    assert editions.png_idat((tmp_path / "alpha.png").read_bytes()) is None
    assert editions.png_idat(b"GIF89a") is None


def test_writing_a_pdf_leaves_the_garbage_collector_as_it_found_it(tmp_path):
    import gc

    page = tmp_path / "rapport.html"
    page.write_text("<html><body><p>Fès — فاس</p></body></html>", encoding="utf-8")
    assert gc.isenabled()
    editions.write_pdf(page, variant=None)
    assert gc.isenabled()
    gc.disable()
    try:
        editions.write_pdf(page, variant=None)
        assert not gc.isenabled()  # a caller that holds the collector keeps holding it
    finally:
        gc.enable()


@pytest.mark.slow
@pytest.mark.parametrize("rid", PDF_REPORTS)
def test_pdf_edition_keeps_every_column_of_every_table(report_site, rid):
    folder = _folder(report_site, rid)
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    reader = pypdf.PdfReader(folder / editions.PDF_NAME)
    texts = [p.extract_text() or "" for p in reader.pages]
    everything = _squash(" ".join(texts))
    headers = _page_headers(page)
    assert len(headers) >= 5
    missing = [h for h in headers if _squash(h) not in everything]
    assert missing == []
    # A4 portrait (595 × 842 pt), the Ministry's header, "page N / M" on every page
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)
    assert _squash(editions.MINISTRY) in _squash(texts[1] if len(texts) > 1 else texts[0])
    n = len(texts)
    for i, text in enumerate(texts, start=1):
        assert f"page {i} / {n}" in text
    # PDF/A-3b declared in the document's XMP metadata, with the report's title
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data()
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    title = re.search(r"<title>(.*?)</title>", page, re.S).group(1)
    assert html.unescape(title).strip().encode() in xmp


@pytest.mark.slow
@pytest.mark.parametrize("rid", PDF_REPORTS)
def test_no_heading_ends_a_page_alone(report_site, rid):
    folder = _folder(report_site, rid)
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    headings = {_squash(html.unescape(re.sub(r"<[^>]+>", "", h)).replace("¶", ""))
                for h in re.findall(r"<h[23][^>]*>(.*?)</h[23]>", page, re.S)}
    headings |= {_squash(html.unescape(c)) for c in re.findall(r"<caption>(.*?)</caption>", page)}
    assert headings
    title = _squash(html.unescape(re.search(r"<title>(.*?)</title>", page, re.S).group(1)))
    for number, page_ in enumerate(pypdf.PdfReader(folder / editions.PDF_NAME).pages, 1):
        tail = _squash(_body_after_last_image(page_))
        # the margin boxes come last: the Ministry's name, then the title and "page N / M"
        tail = re.sub(r"page\d+/\d+$", "", tail).removesuffix(title)
        ended = [h for h in headings if h and tail.endswith(h)]
        assert not ended, f"page {number} finit sur « {ended} »"


@pytest.mark.slow
@pytest.mark.parametrize("rid", PDF_REPORTS)
def test_a_chapter_of_one_sentence_does_not_open_a_page(report_site, rid):
    """« Depuis l'édition précédente » (a first edition: one sentence) follows the previous
    chapter on its page; a chapter with a table or a figure opens a new page."""
    folder = _folder(report_site, rid)
    heading = _squash("Depuis l'édition précédente")
    texts = [_squash(p.extract_text() or "") for p in
             pypdf.PdfReader(folder / editions.PDF_NAME).pages]
    (text,) = [t for t in texts if heading in t]
    assert not text.startswith(heading)
    assert any(t.startswith(_squash("Glossaire des indicateurs")) for t in texts)


def _body_after_last_image(page) -> str:
    """Text drawn on a PDF page after its last image (all of it if none), without the
    Ministry's name and the report title of the margin boxes."""
    events: list = []

    def before(operator, args, cm, tm):
        if operator == b"Do":
            events.append(None)

    def text(chunk, cm, tm, font, size):
        if chunk.strip():
            events.append(chunk)

    page.extract_text(visitor_operand_before=before, visitor_text=text)
    after = []
    for event in reversed(events):
        if event is None:
            break
        after.append(event)
    body = "".join(reversed(after))
    squashed = _squash(body)
    for margin in (_squash(editions.MINISTRY),):
        squashed = squashed.replace(margin, "")
    return squashed


@pytest.mark.slow
def test_the_interactive_map_is_printed_as_its_static_copy(report_site):
    folder = _folder(report_site, "bilan/bilan-2017-2021")
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    assert 'class="pv-map"' in page  # the page has the interactive map…
    printed = editions.print_html(page)
    assert "<iframe" not in printed  # …the print has its PNG only
    assert 'src="carte_investissement_par_habitant.png"' in printed


@pytest.mark.slow
def test_bilan_workbook_gives_back_the_integers_of_the_processed_tables(report_site,
                                                                         sample_tables,
                                                                         sample_processed):
    from pvanalysis import indicators

    book = pd.read_excel(_folder(report_site, "bilan/bilan-2017-2021") / present.TABLES_NAME,
                         sheet_name=None, engine="calamine")
    sheet = book["Bilan par échelle d'interventio"]
    cutoff = sections.cutoff(sample_tables, store.current(sample_processed).path, "")
    bilan = indicators.bilan(sample_tables, (2017, 2021), cutoff,
                             ["royal", "quartiers", "medina", "centre"])
    for column, header in [("total_cost_dh", "Investissement total (MDH)"),
                           ("ministry_dh", "Contribution du Ministère (MDH)"),
                           ("ministry_released_dh", "Débloqué par le Ministère (MDH)")]:
        assert sheet[header].dtype.kind == "i"
        assert sheet[header].tolist() == [int(v) for v in bilan[column]]
    # the published bilan: 12 royal projects, 1 684 MDH, Ministry 1 202 MDH
    assert sheet.iloc[0, 1:4].tolist() == [12, 1_684_000_000, 1_202_000_000]


@pytest.mark.slow
def test_convention_workbook_gives_back_the_commitments_of_the_processed_tables(
        report_site, sample_processed):
    book = pd.read_excel(_folder(report_site, PDF_REPORTS[2]) / present.TABLES_NAME,
                         sheet_name=None, engine="calamine")
    # the table has no caption: its sheet is named after its section
    sheet = book["La convention partenaires, enga"]
    commitments = store.current(sample_processed).read("commitments")
    mine = commitments[commitments["convention_id"] == "CC-R00001"]
    assert sheet["Engagé (MDH)"].dtype.kind == "i"
    assert dict(zip(sheet["Partenaire"], sheet["Engagé (MDH)"], strict=True)) == {
        p: int(v) for p, v in zip(mine["partner_id"], mine["committed_dh"], strict=True)}


@pytest.mark.slow
def test_a_table_cut_on_the_page_is_whole_in_the_workbook(report_site):
    """The region sheet's commune list stops at « N lignes de plus non affichées » on the
    page; its sheet holds the rows shown plus those N."""
    cut = re.compile(r'<table class="pv-table[^"]*" data-pv-sheet="([^"]*)">'
                     r"((?:(?!<table).)*?)</table>"
                     r'<p class="pv-note">([\d\u202f\u00a0 ]+) lignes de plus non affichées',
                     re.S)
    checked = 0
    for rid in PDF_REPORTS:
        folder = _folder(report_site, rid)
        page = (folder / reports.HTML_NAME).read_text("utf-8")
        book = pd.read_excel(folder / present.TABLES_NAME, sheet_name=None, engine="calamine")
        for sheet, body, more in cut.findall(page):
            shown = body.split("<tbody>", 1)[1].count("<tr>")
            hidden = int(re.sub(r"\D", "", more))
            name = html.unescape(sheet)
            if name in book:  # a captioned table (others are renamed after their section)
                assert len(book[name]) == shown + hidden
                checked += 1
    assert checked >= 1


@pytest.mark.slow
def test_every_figure_has_a_200_dpi_png_and_an_svg_linked_from_the_page(report_site):
    from PIL import Image

    folder = _folder(report_site, "territoire/territoire-region-03")
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    pngs = [p for p in folder.glob("*.png")]
    assert len(pngs) >= 3
    for png in pngs:
        dpi = Image.open(png).info.get("dpi", (0, 0))
        assert round(dpi[0]) >= present.FIGURE_DPI, png.name
        svg = png.with_suffix(".svg")
        assert svg.is_file() and svg.read_text("utf-8").lstrip().startswith("<?xml"), svg.name
        assert f'href="{svg.name}"' in page and f'href="{png.name}"' in page
    assert len(page.encode()) <= reports.HTML_MAX_BYTES


@pytest.mark.slow
def test_manifest_and_index_list_the_editions(report_site):
    manifest = json.loads(report_site.manifest.read_text("utf-8"))
    entries = {e["report_id"]: e for e in manifest["reports"]}
    bilan = entries["bilan/bilan-2017-2021"]
    assert bilan["editions"] == ["html", "png", "svg", "pdf"]
    assert bilan["outputs"] == {"html": "rapport.html", "pdf": "rapport.pdf",
                                "xlsx": "tableaux.xlsx"}
    quality = entries["qualite/qualite"]
    assert quality["editions"] == ["html", "png", "svg"] and "pdf" not in quality["outputs"]
    index = report_site.index.read_text("utf-8")
    assert 'href="bilan/bilan-2017-2021/rapport.pdf"' in index
    assert 'href="bilan/bilan-2017-2021/tableaux.xlsx"' in index
    page = (_folder(report_site, PDF_REPORTS[0]) / reports.HTML_NAME).read_text("utf-8")
    assert 'href="rapport.pdf"' in page and ">Tableaux (Excel)<" in page


# --------------------------------------------------------------------------------------------
# Batches: an edition asked for is part of the report's outputs
# --------------------------------------------------------------------------------------------

_PARAMS = ('processed_dir: str = "."  # dossier des tables\n'
           'output_dir: str = "."  # dossier de sortie\n'
           'mode: str = "ok"  # ok ou bloque (rapport.pdf impossible à écrire)')
_BODY = """import os
import pandas as pd
import pvanalysis.present as pp
# a marker beside the store makes rapport.pdf impossible to write (a folder in its place)
if mode == "bloque" or os.path.exists(os.path.join(processed_dir, *[".."] * 3, "bloque")):
    os.makedirs(os.path.join(output_dir, "rapport.pdf", "occupe"))
display(pp.table(pd.DataFrame({"cost_dh": [1_000_000], "label": ["un"]}), caption="Essai"))
pp.write_figures({"n": 1, "mode": mode}, output_dir, processed_dir)
pp.write_tables(output_dir)"""


@pytest.fixture
def toy(tmp_path):
    """A notebooks folder with a ``qualite_donnees`` notebook (one table) and a tiny store."""
    return toy_site(tmp_path, _PARAMS, _BODY)


def _batch(toy, mode="ok", editions_=None, **kw):
    config = {"reports": [{"kind": "qualite", "params": {"mode": mode}}]}
    if editions_ is not None:
        config["editions"] = editions_
    return reports.run_batch(config, toy / "site", processed_dir=toy / "processed",
                             notebooks_dir=toy / "nb", **kw)


@pytest.mark.slow
def test_a_batch_redoes_a_report_missing_an_asked_edition(toy):
    first = _batch(toy).reports[0]
    folder = toy / "site" / first.report_id
    assert first.ok and not (folder / editions.PDF_NAME).exists()
    assert first.outputs == {"html": "rapport.html", "xlsx": "tableaux.xlsx"}
    again = _batch(toy, editions_=["html", "pdf"]).reports[0]
    assert again.ok and again.reason == "édition PDF absente"
    assert (folder / editions.PDF_NAME).read_bytes().startswith(b"%PDF-")
    assert again.outputs["pdf"] == "rapport.pdf"
    assert _batch(toy, editions_=["html", "pdf"]).reports[0].skipped


@pytest.mark.slow
def test_a_failed_pdf_fails_the_report_and_keeps_the_last_good_one(toy):
    good = reports.run_report("qualite", {"mode": "ok"}, toy / "site", toy / "processed",
                              notebooks_dir=toy / "nb", editions=["html", "pdf"])
    assert good.ok
    # same report id, so a later failing run must leave this folder in place
    folder = toy / "site" / good.report_id
    before = (folder / editions.PDF_NAME).read_bytes()
    (toy / "bloque").mkdir()
    failed = reports.run_report("qualite", {"mode": "ok"}, toy / "site", toy / "processed",
                                notebooks_dir=toy / "nb", editions=["html", "pdf"])
    assert (failed.report_id, failed.status, failed.exit_code) == (good.report_id, "error", 1)
    assert failed.error.startswith("édition PDF impossible")
    assert failed.shown is not None  # the last good report stays shown…
    assert (folder / editions.PDF_NAME).read_bytes() == before  # …with its PDF
    assert failed.outputs["pdf"] == "rapport.pdf"
    failed_run = toy / "site" / reports.FAILED_DIR / good.report_id
    assert (failed_run / reports.HTML_NAME).is_file()


def test_an_unknown_edition_in_a_batch_file_stops_with_code_2(toy):
    config = toy / "lot.yml"
    config.write_text("editions: [html, docx]\nreports:\n  - kind: qualite\n", "utf-8")
    result = CliRunner().invoke(cli, ["batch", "--config", str(config), "--processed",
                                      str(toy / "processed"), "--out", str(toy / "site")])
    assert result.exit_code == 2
    assert "édition inconnue : « docx »" in result.output
    assert "Traceback" not in result.output


def test_report_command_offers_pdf():
    result = CliRunner().invoke(cli, ["report", "--help"])
    assert result.exit_code == 0 and "--pdf" in result.output


@pytest.mark.slow
def test_a_batch_that_leaves_svg_out_writes_sharp_pngs_only(sample_processed, tmp_path):
    from pathlib import Path

    from PIL import Image

    config = {"editions": ["html", "png"],
              "reports": [{"kind": "territoire", "params": {"level": "region", "code": "03"}}]}
    batch = reports.run_batch(config, tmp_path / "site", processed_dir=sample_processed,
                              notebooks_dir=Path(__file__).resolve().parents[1] / "notebooks")
    (r,) = batch.reports
    assert r.ok and r.editions == ["html", "png"]
    folder = tmp_path / "site" / r.report_id
    pngs = list(folder.glob("*.png"))
    assert pngs and not list(folder.glob("*.svg"))
    assert all(round(Image.open(p).info["dpi"][0]) == present.FIGURE_DPI for p in pngs)
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    assert not re.search(r'href="[^"]+\.svg"', page) and f'href="{pngs[0].name}"' in page
    # the page's copy is the saved figure at half its resolution, not a second drawing
    import base64
    import io

    tag = next(t for t in re.findall(r"<img\b[^>]*>", page)
               if f'data-pv-file="{pngs[0].name}"' in t)
    small = Image.open(io.BytesIO(base64.b64decode(
        re.search(r'src="data:image/png;base64,([^"]+)"', tag).group(1))))
    big = Image.open(pngs[0])
    assert abs(small.width - big.width / 2) <= 1 and abs(small.height - big.height / 2) <= 1


@pytest.mark.slow
def test_a_page_only_batch_keeps_every_figure_on_the_page_and_writes_no_figure_file(
        sample_processed, tmp_path):
    import base64
    import io
    from pathlib import Path

    from PIL import Image

    config = {"editions": ["html"],
              "reports": [{"kind": "territoire", "params": {"level": "region", "code": "03"}}]}
    batch = reports.run_batch(config, tmp_path / "site", processed_dir=sample_processed,
                              notebooks_dir=Path(__file__).resolve().parents[1] / "notebooks")
    (r,) = batch.reports
    assert r.ok and r.editions == ["html"]
    folder = tmp_path / "site" / r.report_id
    assert not list(folder.glob("*.png")) and not list(folder.glob("*.svg"))
    page = (folder / reports.HTML_NAME).read_text("utf-8")
    images = re.findall(r'src="data:image/png;base64,([^"]+)"', page)
    assert len(images) >= 3 and "data-pv-file" not in page
    assert not re.search(r'href="[^"]+\.(?:png|svg)"', page)
    assert all(round(Image.open(io.BytesIO(base64.b64decode(i))).info["dpi"][0])
               == present.DISPLAY_DPI for i in images)
    # the texts drawn are still recorded, for the checks of what a reader sees
    texts = json.loads((folder / present.FIGURE_TEXTS_NAME).read_text("utf-8"))
    assert len(texts) == len(images) and all(texts.values())


def test_the_same_figure_gives_the_same_files_and_a_half_size_page_copy(tmp_path,
                                                                        monkeypatch):
    import io

    import IPython.display
    from PIL import Image

    from pvanalysis import charts

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda image: shown.append(image.data))
    delays = pd.DataFrame({"delay_months": [-2.0, 3.5, 8.0, 12.0]})
    files = []
    for run in ("a", "b"):
        present.show_figure(charts.delay_distribution(delays), tmp_path / run, "retards")
        files.append({p.name: p.read_bytes() for p in (tmp_path / run).iterdir()})
    assert files[0] == files[1] and {"retards.png", "retards.svg"} <= set(files[0])
    saved = Image.open(tmp_path / "a" / "retards.png")
    page = Image.open(io.BytesIO(shown[0]))
    step = present.FIGURE_DPI // present.DISPLAY_DPI
    assert page.size == (-(-saved.width // step), -(-saved.height // step))  # blocks, rounded up


def test_a_saved_figure_holds_what_is_drawn_outside_its_area_and_has_savefigs_tight_size(
        tmp_path, monkeypatch):
    """A figure is cut from its one drawing when it stays inside its area, and drawn again
    with the larger box when something lies outside (nothing clipped either way)."""
    import io

    import IPython.display
    import matplotlib.pyplot as plt
    import numpy as np
    from PIL import Image

    monkeypatch.setattr(IPython.display, "display", lambda image: None)

    def figure(outside: bool):
        fig, ax = plt.subplots(figsize=(4, 3), layout="constrained")
        ax.plot([0, 1], [0, 1])
        fig.text(1.3 if outside else 0.5, 0.5, "repère", color="red", fontsize=20)
        return fig

    for outside in (False, True):
        reference, drawn = io.BytesIO(), figure(outside)
        drawn.savefig(reference, format="png", dpi=present.FIGURE_DPI, bbox_inches="tight")
        plt.close(drawn)
        expected = Image.open(reference)
        name = "dehors" if outside else "dedans"
        present.show_figure(figure(outside), tmp_path, name)
        saved = Image.open(tmp_path / f"{name}.png")
        assert saved.mode == "RGB"  # opaque: no alpha channel to carry
        assert abs(saved.width - expected.width) <= 1 and abs(saved.height - expected.height) <= 1
        pixels = np.asarray(saved)
        red = (pixels[..., 0] > 200) & (pixels[..., 1] < 80) & (pixels[..., 2] < 80)
        assert red.sum() > 50, outside  # the red text is in the file
        assert (saved.width > 5 * present.FIGURE_DPI) == outside  # 4 inches wide, and the text
