"""Editions of a report: the HTML page, its PDF (WeasyPrint) and the files to reuse.

Every report writes its HTML page (``rapport.html``, each figure embedded at
``DISPLAY_DPI``) and the workbook of the tables it shows (``tableaux.xlsx``, written by the
notebook's last cell, :func:`pvanalysis.present.write_tables`). With the ``png`` edition each
figure is also a PNG file at ``FIGURE_DPI``, with ``svg`` also an SVG file, both linked under
the figure. With the ``pdf`` edition it also writes ``rapport.pdf`` from the same page (its
figures from the sharper PNG files, so ``pdf`` brings ``png``), printed with
``templates/pvreport/print.css``: A4, the Ministry's header, "page N / M", tables never cut
(wide ones shrink and wrap), headers repeated, static maps in place of the interactive ones,
chapters on a new page; PDF/A-3b.

The PDF is made inside the report's run, in its staging folder: a failed PDF fails the
report like any other output, and the last good report stays in place.
"""

from __future__ import annotations

import contextlib
import gc
import html
import io
import re
from collections.abc import Iterable
from pathlib import Path

from ..errors import ParameterError
from ..i18n import N_, _
from ..present import TABLES_NAME
from ..text import suggestion

#: Editions a report can be written in (``editions:`` of a batch, ``--pdf`` of a report):
#: the page, each figure as a PNG file at ``FIGURE_DPI`` (``png``: the figure drawn at twice
#: the page's resolution), also as SVG (``svg``: one more drawing per figure), the PDF.
EDITIONS = ("html", "png", "svg", "pdf")
#: The HTML page is always written: the PDF and the site are made from it. ``svg`` and
#: ``pdf`` bring ``png`` (an SVG is linked beside its PNG; the PDF prints the PNG). A batch
#: that lists its editions gets those only (the country batch keeps the page: ``pays.yml``).
DEFAULT_EDITIONS = ("html", "png", "svg")
#: Name of the PDF edition in each report folder.
PDF_NAME = "rapport.pdf"
#: PDF flavour: PDF/A-3b (archivable; WeasyPrint embeds the fonts and an sRGB profile).
PDF_VARIANT = "pdf/a-3b"
#: The Ministry's name, at the top of every printed page.
MINISTRY = N_("Royaume du Maroc — Ministère de l'Aménagement du territoire national, de "
              "l'Urbanisme, de l'Habitat et de la Politique de la ville")

#: An image tag of the page; one naming its sharper PNG file (``data-pv-file``).
_IMG = re.compile(r"<img\b[^>]*>")
_PV_FILE = re.compile(r'\sdata-pv-file="([^"/\\]+\.png)"')
_SRC = re.compile(r'\ssrc="[^"]*"')
#: An interactive map (its page inlined in ``srcdoc``): hidden in print, heavy to parse.
_IFRAME = re.compile(r"<iframe\b.*?</iframe>", re.S)
#: The sheet of the workbook holding a table of the page, and a sheet named by default.
_SHEET_MARK = re.compile(r'<table\b[^>]*\sdata-pv-sheet="([^"]*)"')
_UNTITLED = re.compile(r"Tableau \d+")
#: A style sheet of the page; the report's own carry ``data-pv``.
_STYLE = re.compile(r"<style\b([^>]*)>.*?</style>", re.S)
#: A chapter heading, and what makes a chapter more than a sentence.
_H2 = re.compile(r"(?=<h2\b)")
_BODY = re.compile(r"<(?:table|img)\b")


def check_editions(editions: Iterable[str] | str | None) -> tuple[str, ...]:
    """The editions asked for, validated, ``html`` first and always included.

    Parameters
    ----------
    editions : list of str, str or None
        ``["html", "pdf"]``, ``"pdf"``…; None means ``DEFAULT_EDITIONS``. Only the editions
        listed are written (HTML always).

    Raises
    ------
    ParameterError
        An unknown edition (French message naming the closest one).

    Examples
    --------
    >>> check_editions(["pdf"])
    ('html', 'png', 'pdf')
    """
    if editions is None:
        return DEFAULT_EDITIONS
    asked = [editions] if isinstance(editions, str) else list(editions)
    for edition in asked:
        if edition not in EDITIONS:
            raise ParameterError(f"édition inconnue : « {edition} » (éditions possibles : "
                                 f"{', '.join(EDITIONS)})" + suggestion(str(edition), EDITIONS))
    if {"svg", "pdf"} & set(asked):
        asked.append("png")
    return tuple(e for e in EDITIONS if e == "html" or e in asked)


def name_sheets(notebook, workbook: str | Path) -> dict[str, str]:
    """Name the workbook's sheets of tables shown without caption (« Tableau N ») after the
    heading of the notebook section showing them.

    The notebook's headings are Markdown cells, out of reach of the cell that writes the
    workbook: the executed notebook says which heading each table (``data-pv-sheet``)
    comes under. Names stay 31 characters at most and unique (:func:`present.sheet_names`).

    Returns
    -------
    dict
        Old name → new name of each renamed sheet (empty when nothing changed).
    """
    from ..present import sheet_names

    workbook = Path(workbook)
    if not workbook.is_file():
        return {}
    under, heading = {}, None
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            titles = [ln.lstrip("#").strip() for ln in cell.source.splitlines()
                      if ln.startswith("#")]
            heading = titles[-1] if titles else heading
            continue
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            page = str(out.get("data", {}).get("text/html", ""))
            for name in _SHEET_MARK.findall(page):
                under.setdefault(html.unescape(name), heading)
    return _rename_sheets(workbook, under, sheet_names)


def _rename_sheets(workbook: Path, under: dict, sheet_names) -> dict[str, str]:
    import openpyxl

    book = openpyxl.load_workbook(workbook)
    old = book.sheetnames
    wanted = [under.get(n) or n if _UNTITLED.fullmatch(n) else n for n in old]
    new = sheet_names(wanted)
    renamed = {o: n for o, n in zip(old, new, strict=True) if o != n}
    if renamed:
        for sheet, name in zip(book.worksheets, new, strict=True):
            sheet.title = name
        book.save(workbook)
    return renamed


def print_css() -> str:
    """The print stylesheet of the report pages (``templates/pvreport/print.css``)."""
    from .export import _templates_dir

    return (_templates_dir() / "pvreport" / "print.css").read_text(encoding="utf-8")


def links(folder: Path, editions: Iterable[str]) -> list[tuple[str, str]]:
    """``(href, label)`` of a report's other editions, for the top of its page (labels in
    the active language): the PDF when asked for, the workbook when the notebook wrote it."""
    out = []
    if "pdf" in editions:
        out.append((PDF_NAME, _("Version PDF")))
    if (Path(folder) / TABLES_NAME).is_file():
        out.append((TABLES_NAME, _("Tableaux (Excel)")))
    return out


def outputs(folder: Path) -> dict[str, str]:
    """Edition files present in a report folder, by edition: ``{"html": "rapport.html",
    "pdf": "rapport.pdf", "xlsx": "tableaux.xlsx"}`` (what the manifest and index list)."""
    from .export import HTML_NAME

    folder = Path(folder)
    names = {"html": HTML_NAME, "pdf": PDF_NAME, "xlsx": TABLES_NAME}
    return {k: v for k, v in names.items() if (folder / v).is_file()}


def print_html(page: str) -> str:
    """The page's HTML for print: each figure saved beside the report points to its file
    (``FIGURE_DPI``) instead of the lighter copy the page embeds; the interactive maps are
    left out (their static PNG follows each of them; print hides them anyway, and their
    inlined pages are most of what the PDF step would otherwise parse); only the report's
    own style sheets are kept (``data-pv``: the screen one and ``print.css``), not the
    JupyterLab sheets (240 kB of rules for widgets the report has not: a third of the
    layout time)."""
    def sharper(match: re.Match) -> str:
        tag = match.group(0)
        name = _PV_FILE.search(tag)
        return _SRC.sub(f' src="{name.group(1)}"', tag, count=1) if name else tag

    page = _STYLE.sub(lambda m: m.group(0) if "data-pv" in m.group(1) else "", page)
    return _brief_chapters(_IFRAME.sub("", _IMG.sub(sharper, page)))


def _brief_chapters(page: str) -> str:
    """Mark ``data-pv-brief`` the chapters holding neither table nor figure (« aucun … »,
    « Première édition ») so that print does not give a sentence a page of its own."""
    first, *chapters = _H2.split(page)
    return first + "".join(
        chapter if _BODY.search(chapter) else chapter.replace("<h2", '<h2 data-pv-brief=""', 1)
        for chapter in chapters)


def write_pdf(html_path: str | Path, pdf_path: str | Path | None = None, *,
              variant: str | None = PDF_VARIANT) -> Path:
    """Write the PDF edition of a report page with WeasyPrint (media ``print``).

    Parameters
    ----------
    html_path : path
        The report's HTML page (``rapport.html``); relative links (figure files) are
        resolved from its folder. Nothing is fetched from a network.
    pdf_path : path, optional
        Target, ``rapport.pdf`` beside the page by default.
    variant : str or None
        WeasyPrint's ``pdf_variant`` (``"pdf/a-3b"``); None for a plain PDF.

    Returns
    -------
    Path
        The PDF written.

    Notes
    -----
    Only ``file:`` and ``data:`` addresses are fetched: a report never needs the network.
    The page carries its print stylesheet (``<style media="print">``, also used by a
    browser's print); figures are printed from their ``FIGURE_DPI`` PNG files.
    """
    from weasyprint import HTML
    from weasyprint.urls import URLFetcher

    html_path = Path(html_path)
    pdf_path = Path(pdf_path) if pdf_path else html_path.with_name(PDF_NAME)
    page = print_html(html_path.read_text(encoding="utf-8"))
    document = HTML(string=page, base_url=str(html_path.parent.resolve()) + "/",
                    url_fetcher=URLFetcher(allowed_protocols={"file", "data"}),
                    media_type="print")
    tmp = pdf_path.with_name(f".{pdf_path.name}.tmp")
    with _pngs_as_they_are(), _without_cycle_collection():
        document.write_pdf(str(tmp), pdf_variant=variant, uncompressed_pdf=False)
    tmp.replace(pdf_path)
    return pdf_path


@contextlib.contextmanager
def _without_cycle_collection():
    """Hold Python's cyclic garbage collector while WeasyPrint lays out and writes a PDF.

    A render allocates a box tree of some 10⁵ objects that all stay alive until the PDF is
    written: each collection scans them again to free nothing, a quarter of the render's
    time on a region sheet. Its cyclic garbage is collected once the render is over (the
    peak memory of a render is the same within 1 MiB).
    """
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


#: PNG signature, and what the PDF can take as it is: 8 bits, grey (0) or RGB (2), not
#: interlaced (IHDR's bit depth, colour type and interlace bytes).
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_PNG_AS_IS = {"bit_depth": 8, "colour_types": (0, 2), "interlace": 0}


def png_idat(data: bytes) -> bytes | None:
    """The compressed pixels (IDAT chunks, joined) of a PNG a PDF can embed as it is, or
    None when it cannot (palette, alpha, 16 bits, interlaced, not a PNG).

    A PDF image with ``/FlateDecode`` and a PNG predictor reads a PNG's IDAT unchanged.
    """
    if data[:8] != _PNG_SIGNATURE or data[12:16] != b"IHDR" or len(data) < 33:
        return None
    depth, colour, compression, filtering, interlace = data[24:29]
    if (depth != _PNG_AS_IS["bit_depth"] or colour not in _PNG_AS_IS["colour_types"]
            or compression or filtering or interlace != _PNG_AS_IS["interlace"]):
        return None
    chunks, at = [], 8
    while at + 8 <= len(data):
        length = int.from_bytes(data[at:at + 4], "big")
        if data[at + 4:at + 8] == b"IDAT":
            chunks.append(data[at + 8:at + 8 + length])
        at += 12 + length
    return b"".join(chunks) or None


@contextlib.contextmanager
def _pngs_as_they_are():
    """While WeasyPrint writes a PDF, embed the pixels of an RGB or grey PNG as they are.

    WeasyPrint 70 decodes every PNG and encodes it again with Pillow only to take the IDAT
    chunks of the result (its pull request 1481 leaves passing them through for later): a
    tenth of a report's PDF time, for the same bytes when Pillow wrote the PNG with its
    defaults, as the figures are. Other images (alpha, palette…) go WeasyPrint's way. A
    WeasyPrint without that step is left as it is.
    """
    from weasyprint.images import RasterImage

    own = RasterImage.__dict__.get("_get_png_data")
    if not isinstance(own, staticmethod):
        yield
        return

    def as_is(pillow_image):
        source = getattr(pillow_image, "fp", None)
        data = png_idat(source.getvalue()) if isinstance(source, io.BytesIO) else None
        return own.__func__(pillow_image) if data is None else data

    RasterImage._get_png_data = staticmethod(as_is)
    try:
        yield
    finally:
        RasterImage._get_png_data = own
