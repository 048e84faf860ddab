"""Presentation primitives the report notebooks call: escaped French tables, notes, key
figures, figures and maps saved beside the report, ``figures.json``.

Everything a notebook shows is an :class:`Html` piece built from escaped parts, so a data
string never becomes markup. This module knows nothing of how reports are run: it imports
no kernel, papermill or nbconvert code and nothing of :mod:`pvanalysis.reports` (the runner
imports :data:`FIGURES_NAME` and :func:`slugify` from here). pandas, matplotlib and IPython
load on first use.
"""

from __future__ import annotations

import html
import io
import json
import math
import os
import re
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from . import fmt, i18n, schemas, store
from .config import SCALES
from .i18n import _
from .text import fold

#: Name of the key-figures file in each report folder (the runner reads it back).
FIGURES_NAME = "figures.json"

#: Texts drawn on each PNG of a report folder (name → list of strings): what a reader sees
#: on the images, kept for checks and for text alternatives.
FIGURE_TEXTS_NAME = "textes_figures.json"

#: Resolution of the PNG files of a report's figures, for slides and print (dots per inch).
FIGURE_DPI = 200

#: Resolution of the lighter copy embedded in the HTML page (dots per inch): the page stays
#: under ``HTML_MAX_BYTES`` while the files beside it (and the PDF) use ``FIGURE_DPI``. It
#: divides ``FIGURE_DPI``: the copy averages blocks of pixels of the saved PNG.
DISPLAY_DPI = 100

#: Environment variable naming the files each figure is saved as (empty, ``png`` or
#: ``png,svg``: an SVG is written beside its PNG only); the report runner sets it from the
#: report's editions, and it is ``png,svg`` when unset.
FIGURE_FORMATS_ENV = "PVANALYSIS_FIGURES"

#: Workbook of the tables a report shows, one sheet per table, in each report folder.
TABLES_NAME = "tableaux.xlsx"
#: Excel number format of amounts: integer dirhams shown in MDH at the reports' one
#: precision (each trailing comma divides by 1 000 on screen only): ``1 684,000``.
MDH_NUM_FORMAT = "#,##0." + "0" * fmt.PRECISION["mdh"] + ",,"

#: Characters of table text a printed line holds (A4 portrait, 7,5 pt table font of
#: print.css; wide tables, in 6,5 pt, hold proportionally more).
_PRINT_LINE_CHARS = 120

#: A table with at least this many columns is marked wide (``pv-wide``): in print it
#: shrinks and wraps its headers rather than losing columns past the margin.
WIDE_COLUMNS = 7



class Html:
    """A piece of HTML a notebook displays (``_repr_html_``); built from escaped parts."""

    def __init__(self, text: str):
        self.text = text

    def _repr_html_(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def esc(text) -> str:
    """HTML-escaped text; in Arabic its isolated numbers become ``<bdi>`` elements."""
    return i18n.bdi(html.escape(str(text)))


def _is_missing(value) -> bool:
    import pandas as pd

    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


def _code_label(column: str, value) -> str | None:
    """French label of a coded value (scale, phase, step, partner category, axis)."""
    from .config import AXES, PARTNER_CATEGORIES, PHASES

    steps = {k: v for _, (_, st) in PHASES.items() for k, v in st.items()}
    from .config import TARGET_TYPES

    labels = {"scale": SCALES, "phase": {k: v[0] for k, v in PHASES.items()}, "step": steps,
              "category": PARTNER_CATEGORIES, "axis": AXES,
              "target_type": TARGET_TYPES}.get(column)
    label = labels.get(str(value)) if labels else None
    return _(label) if label is not None else None


#: A text cell that is a formatted number (right-aligned like numbers).
_NUMBER_TEXT = re.compile(
    r"^(plus de |<[ \u00a0]?|\u2212|-|\+)?[\d\u00a0 ,]+(\u00a0\S+)*( \(.*\))?$")
#: The same in the Arabic edition: an isolated number (``1.684``), then its unit.
_NUMBER_TEXT_AR = re.compile("^\u2068[^\u2069]*\\d[^\u2069]*\u2069[^\u2068]{0,20}$")

#: Columns with their own display (one precision per quantity, ``fmt.PRECISION``).
_PRECISE = {"p_value": fmt.p_value,
            "rho": lambda v: fmt.number(v, fmt.PRECISION["rho"]),
            "deprivation": lambda v: fmt.number(v, fmt.PRECISION["deprivation"]),
            "herfindahl": lambda v: fmt.number(v, fmt.PRECISION["rho"])}


def format_value(column: str, value) -> str:
    """French text of one cell, chosen from the column's unit suffix.

    ``_dh`` → MDH (``fmt.mdh``), ``_rate``/``_share`` → %, ``_pts`` → points, dates →
    ``jj/mm/aaaa``, other numbers in French at the precision of ``fmt.PRECISION``; missing →
    ``–`` (not applicable; an unknown column is shown « non renseigné » by :func:`table`).
    """
    import numbers

    import pandas as pd

    if _is_missing(value):
        return "–"
    label = _code_label(column, value)
    if label is not None:
        return label
    if column.endswith("_per_capita_dh"):
        return fmt.per_capita(value)
    if column.endswith("_dh"):
        return fmt.mdh(value)
    if column.endswith(("_rate", "_share", "_coverage", "_adherence")):
        return fmt.percent(value)
    if column.endswith("_pts"):
        return fmt.points(value)
    if column.endswith("_ratio"):
        return fmt.ratio(value)
    if isinstance(value, pd.Timestamp | datetime):
        return i18n.isolate(value.strftime("%d/%m/%Y"))
    if isinstance(value, bool):
        return _("oui") if value else _("non")
    if isinstance(value, numbers.Integral) or column in {"year"}:
        return i18n.isolate(str(int(value))) if column == "year" else fmt.number(value)
    if column.endswith("_months") and isinstance(value, numbers.Real):
        return fmt.number(value, fmt.PRECISION["months"])
    if column.endswith("_days") and isinstance(value, numbers.Real):
        return fmt.number(value, fmt.PRECISION["days"])
    if column in _PRECISE and isinstance(value, numbers.Real):
        return _PRECISE[column](value)
    if isinstance(value, numbers.Real):
        return fmt.number(value, 0 if float(value).is_integer() else 2)
    if column.endswith(("_id", "code")):
        return str(value)  # a code or identifier is never translated
    return _(str(value))  # a label the data carries (status, scale) reads translated


def table(frame, labels: Mapping[str, str] | None = None, caption: str | None = None,
          max_rows: int = 300, columns: list[str] | None = None, unknown=None,
          empty: str | None = None) -> Html:
    """An indicator table as escaped HTML with French headers and numbers.

    Parameters
    ----------
    frame : DataFrame
        Tidy table (amounts in integer DH ``_dh``, rates as fractions). Its index is shown
        only if named.
    labels : mapping, optional
        Column → French header, over the contracts' labels (``schemas.labels``).
    caption : str, optional
        Caption above the table.
    max_rows : int
        Rows shown at most; a note says how many were left out.
    columns : list of str, optional
        Columns to show, in that order (those absent from ``frame`` are skipped).
    unknown : set of str, optional
        Columns whose source is absent: every cell reads « non renseigné »
        (``sections.unknown``); a table whose shown columns are all unknown becomes a note.
    empty : str, optional
        French sentence shown instead of an empty table (default: « aucune ligne »).

    Returns
    -------
    Html
        Every data string is HTML-escaped: a title ``<script>…`` shows as text.
    """
    import numbers

    named = [n for n in frame.index.names if n is not None]
    frame = frame.reset_index(drop=named == ["row"]) if named else frame
    if columns is not None:
        frame = frame[[c for c in columns if c in frame.columns]]
    if len(frame.columns) and frame.columns[0] == "scale":
        order = {s: i for i, s in enumerate(SCALES)}
        frame = frame.sort_values("scale", key=lambda s: s.map(order), kind="stable")
    names = {**schemas.labels(), **(labels or {})}
    unknown = set(unknown or ()) & set(map(str, frame.columns))
    sheet = _record_table(frame, names, caption, unknown) if not frame.empty else None
    e = esc
    number_text = _NUMBER_TEXT_AR if i18n.rtl() else _NUMBER_TEXT
    rows = []
    numeric_columns = set()
    lengths = {col: [] for col in frame.columns}
    for values in frame.head(max_rows).itertuples(index=False, name=None):
        cells = []
        for col, val in zip(frame.columns, values, strict=True):
            raw = (fmt.UNKNOWN if str(col) in unknown
                   else format_value(str(col), val))
            lengths[col].append((len(raw), max(map(len, raw.split()), default=0)))
            if str(col).endswith(("_id", "code")) and not _is_missing(val):
                raw = i18n.isolate(raw)  # an identifier reads left to right in Arabic
            text = e(raw)
            numeric = (isinstance(val, numbers.Number) and not isinstance(val, bool)
                       and not _is_missing(val)) or str(col) in unknown or (
                isinstance(val, str) and number_text.match(val) is not None)
            attrs = ' class="pv-num"' if numeric else (
                ' dir="rtl" lang="ar"' if str(col).endswith("_ar") else
                ' class="pv-id"' if str(col).endswith(("_id", "code")) else "")
            cells.append(f"<td{attrs}>{text}</td>")
            if attrs == ' class="pv-num"':
                numeric_columns.add(col)
        rows.append("<tr>" + "".join(cells) + "</tr>")
    num = ' class="pv-num"'
    headers = [_(str(names.get(c, str(c).replace("_", " ")))) for c in frame.columns]
    head = "".join(f"<th{num if c in numeric_columns else ''}>{e(h)}</th>"
                   for c, h in zip(frame.columns, headers, strict=True))
    more = ('<p class="pv-note">' + e(_("{n} lignes de plus non affichées.").format(
        n=fmt.number(len(frame) - max_rows))) + "</p>") if len(frame) > max_rows else ""
    cap = f"<caption>{e(_(caption))}</caption>" if caption else ""
    if frame.empty:
        title = f"<strong>{e(_(caption))}</strong> : " if caption else ""
        nothing = _(empty) if empty else _("aucune ligne.")
        return Html(f'<p class="pv-note">{title}{e(nothing)}</p>')
    wide = " pv-wide" if len(frame.columns) >= WIDE_COLUMNS else ""
    sheet = f' data-pv-sheet="{e(sheet)}"' if sheet else ""
    cols = _colgroup(headers, [lengths[c] for c in frame.columns],
                     [c in numeric_columns for c in frame.columns],
                     _PRINT_LINE_CHARS * (7.5 / 6.5 if wide else 1))
    return Html(f'<table class="pv-table pv-cols{wide}"{sheet}>{cap}{cols}<thead><tr>{head}'
                f"</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}")


def _colgroup(headers: list[str], lengths: list[list[tuple]], numeric: list[bool],
              line: float = 120) -> str:
    """Relative column widths from the texts shown, for print: there the table's layout is
    fixed (``print.css``), so the PDF step need not measure every cell (a third of its
    layout time); a screen keeps the automatic layout.

    ``lengths`` holds, per column, ``(length, longest word)`` of each cell. Every column
    first gets what cannot wrap: its longest word (a code, a date), the longest word of its
    header (bold), its longest value if it holds numbers; what is left of a printed line
    (``line`` characters: more in the smaller font of wide tables) goes to the text
    columns, up to their usual length (they wrap)."""
    need, want = [], []
    for header, cells, is_number in zip(headers, lengths, numeric, strict=True):
        ordered = sorted(n for n, _ in cells) or [1]
        # digits and codes are wider than running text, bold headers too; +2: padding
        fixed = max(3, 1.25 * max((w for _, w in cells), default=1),
                    1.2 * max((len(w) for w in header.split()), default=1),
                    1.25 * ordered[-1] if is_number else 0) + 2
        need.append(fixed)
        want.append(max(fixed, min(ordered[int(0.9 * (len(ordered) - 1))], 40) + 2))
    room, extra = line - sum(need), sum(want) - sum(need)
    share = 1.0 if extra <= max(room, 0) else max(room, 0) / extra
    widths = [n + (w - n) * share for n, w in zip(need, want, strict=True)]
    total = sum(widths)
    return "<colgroup>" + "".join(f'<col style="width:{100 * w / total:.1f}%">'
                                  for w in widths) + "</colgroup>"


# --------------------------------------------------------------------------------------------
# Tables to reuse (tableaux.xlsx)
# --------------------------------------------------------------------------------------------

#: Tables shown by this process's report, in order: (caption, full frame, labels, unknown).
#: A report runs in a process of its own, so this is one report's tables; showing a table
#: again (a cell re-run in JupyterLab) replaces its entry.
_SHOWN_TABLES: dict[tuple, tuple] = {}

#: Characters Excel refuses in a sheet name.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")


def _record_table(frame, names: Mapping[str, str], caption: str | None, unknown) -> str:
    """Keep the full frame of a shown table (not its truncated display) for the workbook;
    returns its sheet name there (the page marks the table with it, ``data-pv-sheet``)."""
    key = (caption, tuple(map(str, frame.columns)))
    _SHOWN_TABLES[key] = (caption, frame.copy(), dict(names), set(unknown))
    keys = list(_SHOWN_TABLES)
    return sheet_names([k[0] for k in keys])[keys.index(key)]


def clear_tables() -> None:
    """Forget the tables shown so far (a new report in the same process)."""
    _SHOWN_TABLES.clear()


def shown_tables() -> list[tuple]:
    """Tables shown so far by this report: ``(caption, frame, labels, unknown)``, in order."""
    return list(_SHOWN_TABLES.values())


def sheet_names(captions: list[str | None]) -> list[str]:
    """Excel sheet names from table captions: 31 characters at most, no ``[]:*?/\\``,
    unique (a repeat gets `` (2)``); a table without caption is « Tableau N ».

    Examples
    --------
    >>> sheet_names(["Bilan par échelle d'intervention", None, "Bilan par échelle d'intervention"])
    ["Bilan par échelle d'intervention", 'Tableau 2', "Bilan par échelle d'interven (2)"]
    """
    out: list[str] = []
    for i, caption in enumerate(captions, start=1):
        base = " ".join(_SHEET_FORBIDDEN.sub(" ", caption or f"Tableau {i}").split())[:31]
        name, n = base.strip("' ") or f"Tableau {i}", 1
        while name.casefold() in {o.casefold() for o in out}:
            n += 1
            name = f"{base[:31 - len(f' ({n})')].rstrip()} ({n})"
        out.append(name)
    return out


def _header(column: str, names: Mapping[str, str]) -> str:
    """Header of a workbook column in the report's language; amounts say their unit (cells
    carry none)."""
    label = _(str(names.get(column, column.replace("_", " "))))
    if column.endswith("_per_capita_dh"):
        return f"{label} ({_('DH par habitant')})"
    if column.endswith("_dh"):
        return f"{label} ({_('MDH')})"
    if column.endswith(("_rate", "_share", "_coverage", "_adherence")):
        return f"{label} (%)"
    return label


def _cell(column: str, value):
    """What a workbook cell holds: numbers as numbers, coded values as their label."""
    import numbers

    import pandas as pd

    if _is_missing(value):
        return None
    label = _code_label(column, value)
    if label is not None:
        return label
    if isinstance(value, bool):
        return "oui" if value else "non"
    if isinstance(value, numbers.Integral):
        return int(value)
    if isinstance(value, numbers.Real):
        return float(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.to_pydatetime() if isinstance(value, pd.Timestamp) else value
    return str(value)


def write_tables(output_dir: str | Path | None, name: str = TABLES_NAME) -> Html:
    """Write the tables this report showed to ``output_dir/tableaux.xlsx``, one sheet each.

    Every table is written whole (a display cut at ``max_rows`` is not), with its French
    headers, its caption as sheet name (:func:`sheet_names`), frozen header row and filters.
    Amounts (``_dh``) stay integer dirhams, shown in MDH at ``fmt.PRECISION["mdh"]``
    decimals by the number format :data:`MDH_NUM_FORMAT` (``#,##0.000,,``), so the cells sum
    exactly and ``pandas.read_excel`` gives back the integers of the processed tables; rates
    are fractions shown as %, dates are dates, unknown sources read « non renseigné ».

    Returns
    -------
    Html
        A French line linking the workbook (what the notebook's last cell shows); empty when
        no table was shown or no ``output_dir`` was given (nothing is written).
    """
    import xlsxwriter

    tables = shown_tables()
    if not output_dir or not tables:
        return Html("")
    path = Path(output_dir) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    book = xlsxwriter.Workbook(str(path), {"remove_timezone": True})
    formats = {"head": book.add_format({"bold": True, "text_wrap": True, "valign": "top",
                                        "bg_color": "#EEF5F1", "bottom": 2}),
               "mdh": book.add_format({"num_format": MDH_NUM_FORMAT}),
               "int": book.add_format({"num_format": "#,##0"}),
               "pct": book.add_format({"num_format": "0.0%"}),
               "date": book.add_format({"num_format": "dd/mm/yyyy"}),
               "num": book.add_format({"num_format": "#,##0.##"})}
    for sheet_name, (_caption, frame, names, unknown) in zip(
            sheet_names([_(t[0]) if t[0] else None for t in tables]), tables, strict=True):
        _write_sheet(book.add_worksheet(sheet_name), frame, names, unknown, formats)
    book.close()
    count = i18n.ngettext("{n} feuille", "{n} feuilles", len(tables)).format(
        n=fmt.number(len(tables)))
    text = _("Tableaux du rapport pour Excel ({count}, montants en dirhams affichés en MDH) :")
    return Html(f'<p class="pv-note pv-downloads-tables">{esc(text.format(count=count))} '
                f'<a href="{html.escape(path.name)}">{html.escape(path.name)}</a></p>')


def _column_format(column: str, formats: Mapping):
    if column.endswith("_per_capita_dh"):
        return formats["int"]
    if column.endswith("_dh"):
        return formats["mdh"]
    if column.endswith(("_rate", "_share", "_coverage", "_adherence")):
        return formats["pct"]
    return None


def _write_sheet(sheet, frame, names: Mapping, unknown: set, formats: Mapping) -> None:
    columns = [str(c) for c in frame.columns]
    for j, column in enumerate(columns):
        sheet.write_string(0, j, _header(column, names), formats["head"])
        width = max(10, min(45, len(_header(column, names)) + 2))
        sheet.set_column(j, j, width, _column_format(column, formats))
    for i, values in enumerate(frame.itertuples(index=False, name=None), start=1):
        for j, (column, value) in enumerate(zip(columns, values, strict=True)):
            if column in unknown:
                sheet.write_string(i, j, fmt.UNKNOWN)
                continue
            cell = _cell(column, value)
            if cell is None:
                sheet.write_blank(i, j, None)
            elif isinstance(cell, datetime):
                sheet.write_datetime(i, j, cell, formats["date"])
            elif isinstance(cell, str):
                sheet.write_string(i, j, cell)
            else:
                sheet.write_number(i, j, cell, _column_format(column, formats) or (
                    None if "year" in column else
                    formats["int"] if isinstance(cell, int) else formats["num"]))
    sheet.freeze_panes(1, 0)
    if len(frame):
        sheet.autofilter(0, 0, len(frame), max(0, len(columns) - 1))


def note(text: str) -> Html:
    """A short French remark, escaped."""
    return Html(f'<p class="pv-note">{esc(_(str(text)))}</p>')


def key_figures(figures: Mapping[str, str], caption: str | None = None) -> Html:
    """Label → already formatted value, shown as a two-column table (escaped)."""
    e = esc
    rows = "".join(f"<tr><th>{e(_(str(k)))}</th><td>{e(str(v))}</td></tr>"
                   for k, v in figures.items())
    cap = f"<caption>{e(_(caption))}</caption>" if caption else ""
    cols = _colgroup(["", ""], [[(len(t), max(map(len, t.split()), default=0))
                                 for t in map(str, texts)]
                                for texts in (figures.keys(), figures.values())],
                     [False, False])
    return Html(f'<table class="pv-table pv-cols">{cap}{cols}<tbody>{rows}</tbody></table>')


# --------------------------------------------------------------------------------------------
# File names
# --------------------------------------------------------------------------------------------

def slugify(text: str, max_len: int = 60) -> str:
    """A safe file-name fragment: ASCII lower case, digits, ``.``, ``_`` and ``-`` only,
    never ``..`` nor a leading dot.

    Examples
    --------
    >>> slugify("Fès-Meknès / 2017")
    'fes-meknes-2017'
    >>> slugify("../../etc")
    'etc'
    """
    slug = re.sub(r"[^a-z0-9._]+", "-", fold(text))
    slug = re.sub(r"\.{2,}", ".", slug).strip("-_.")
    return slug[:max_len].strip("-_.") or "x"


# --------------------------------------------------------------------------------------------
# Figures and maps
# --------------------------------------------------------------------------------------------

def show_figure(fig, output_dir: str | Path | None = None, name: str | None = None) -> None:
    """Display a matplotlib figure once and, when ``output_dir`` is given, save it as PNG
    (``FIGURE_DPI``) and as SVG as far as :data:`FIGURE_FORMATS_ENV` asks.

    With a PNG file the page shows a lighter copy (``DISPLAY_DPI``, reduced from the saved
    one: the figure is drawn once for both) carrying the name of its files (``pv_file``
    metadata): the page links them and the PDF edition prints the sharper PNG. Without one
    the figure is drawn at ``DISPLAY_DPI`` only. The texts drawn are recorded in
    ``FIGURE_TEXTS_NAME`` whenever ``output_dir`` is given. The figure is closed afterwards,
    so the inline backend does not draw it a second time.
    """
    import matplotlib as mpl
    import matplotlib.pyplot as plt
    from IPython.display import Image, display

    alt = _figure_title(fig) or (name or "").replace("_", " ")
    metadata = {"alt": alt}
    folder = Path(output_dir) if output_dir and name else None
    formats = os.environ.get(FIGURE_FORMATS_ENV, "png,svg").split(",")
    if folder is not None:
        folder.mkdir(parents=True, exist_ok=True)
        stem = slugify(name)
    if folder is not None and "png" in formats:
        image, bbox = _drawn(fig, FIGURE_DPI)
        (folder / f"{stem}.png").write_bytes(_png(image, FIGURE_DPI))
        if "svg" in formats:
            # The same figure, the same file: no date, element ids salted by the name.
            with mpl.rc_context({"svg.hashsalt": stem}):
                fig.savefig(folder / f"{stem}.svg", format="svg", bbox_inches=bbox,
                            metadata={"Date": None})
        metadata["pv_file"] = stem
        display_png = _png(image.reduce(FIGURE_DPI // DISPLAY_DPI), DISPLAY_DPI)
    else:
        display_png = _png(_drawn(fig, DISPLAY_DPI)[0], DISPLAY_DPI)
    if folder is not None:
        _record_texts(folder, stem, fig)
    plt.close(fig)
    display(Image(data=display_png, format="png", metadata=metadata))


def _drawn(fig, dpi: float):
    """Draw ``fig`` once at ``dpi`` and return its image cropped as ``bbox_inches="tight"``
    would (a Pillow image, ``savefig.pad_inches`` around the drawn artists) and that box
    (inches).

    ``savefig(bbox_inches="tight")`` draws a figure twice per file (a dry run to lay it out
    and find the box, then the real drawing): here the one drawing lays the figure out and
    gives the pixels, and the box is cut from them. A figure drawing outside its own area
    (the box is then larger than the figure) is drawn again by ``savefig`` with the box.
    The layout engine is unset afterwards, so the SVG is drawn once with the same layout.
    The image is RGB when the figure is opaque (its usual white background).
    """
    import matplotlib as mpl
    import numpy as np
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from PIL import Image as PILImage

    fig.set_dpi(dpi)
    canvas = fig.canvas if isinstance(fig.canvas, FigureCanvasAgg) else FigureCanvasAgg(fig)
    canvas.draw()
    tight = fig.get_tightbbox(canvas.get_renderer())
    bbox = tight.padded(mpl.rcParams["savefig.pad_inches"])
    fig.set_layout_engine(None)
    width, height = fig.get_size_inches()
    if tight.x0 < 0 or tight.y0 < 0 or tight.x1 > width or tight.y1 > height:
        buffer = io.BytesIO()
        fig.savefig(buffer, format="png", dpi=dpi, bbox_inches=bbox)
        buffer.seek(0)
        image = PILImage.open(buffer)
        image.load()
    else:
        pixels = np.asarray(canvas.buffer_rgba())
        rows, cols = pixels.shape[:2]
        left, right = round(bbox.x0 * dpi), round(bbox.x1 * dpi)
        top, bottom = rows - round(bbox.y1 * dpi), rows - round(bbox.y0 * dpi)
        # the padding may pass the figure's edge: there, the figure's background
        image = PILImage.new("RGBA", (right - left, bottom - top),
                             tuple(round(255 * c) for c in mpl.colors.to_rgba(
                                 fig.get_facecolor())))
        inside = pixels[max(top, 0):min(bottom, rows), max(left, 0):min(right, cols)]
        image.paste(PILImage.fromarray(inside, "RGBA"), (max(-left, 0), max(-top, 0)))
    if image.mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        image = image.convert("RGB")
    return image, bbox


def _png(image, dpi: int) -> bytes:
    """``image`` (Pillow) as PNG bytes stating ``dpi``."""
    out = io.BytesIO()
    image.save(out, format="PNG", dpi=(dpi, dpi))
    return out.getvalue()


def _record_texts(folder: Path, name: str, fig) -> None:
    """Add the texts drawn on ``fig`` (titles, labels, ticks, legends) to ``FIGURE_TEXTS_NAME``."""
    from matplotlib.text import Text

    path = folder / FIGURE_TEXTS_NAME
    texts = json.loads(path.read_text(encoding="utf-8")) if path.is_file() else {}
    texts[name] = [t.get_text() for t in fig.findobj(Text) if t.get_text().strip()]
    path.write_text(json.dumps(texts, ensure_ascii=False, indent=1), encoding="utf-8")


def _figure_title(fig) -> str:
    """The title written on a figure (its suptitle or first axes title), for image alt text."""
    if getattr(fig, "_suptitle", None) is not None and fig._suptitle.get_text():
        return fig._suptitle.get_text()
    return next((ax.get_title() for ax in fig.axes if ax.get_title()), "")


def show_chart(make, data, output_dir: str | Path | None = None, name: str | None = None,
               *args, missing: str | None = None, **kwargs) -> None:
    """Draw ``make(data, *args, **kwargs)`` with :func:`show_figure`, or say in French that
    there is nothing to draw when ``data`` has no row (an empty slice is not an error), or
    show ``missing`` (why the chart's source is absent, ``sections.missing_note``)."""
    from IPython.display import display

    if missing:
        display(note(missing))
        return
    if data is None or len(data) == 0:
        display(note(_("Aucune donnée à représenter pour ce territoire ou cette période.")))
        return
    show_figure(make(data, *args, **kwargs), output_dir, name)


def _map_html(interactive) -> str:
    """Full HTML page of an interactive map (folium object or HTML text), offline: a folium
    map goes through ``maps.offline_html`` (Leaflet inlined, nothing fetched from a CDN)."""
    if isinstance(interactive, str):
        return interactive
    from . import maps

    return maps.offline_html(interactive)


def map_frame(interactive, height_px: int = 480) -> Html:
    """An interactive map as an ``iframe srcdoc`` (its page escaped once for the attribute)."""
    page = _map_html(interactive)
    label = _("Carte interactive")
    return Html(f'<iframe class="pv-map" srcdoc="{html.escape(page, quote=True)}" '
                f'style="width:100%;height:{int(height_px)}px;border:1px solid #ccc" '
                f'title="{html.escape(label)}"></iframe>')


def show_map(static=None, interactive=None, output_dir: str | Path | None = None,
             name: str = "carte", height_px: int = 480) -> None:
    """Display a map: the interactive one (if any) then the static PNG; save both.

    Parameters
    ----------
    static : matplotlib Figure, optional
        Static map; saved as ``<name>.png`` in ``output_dir``.
    interactive : folium Map or str, optional
        Interactive map; saved as ``<name>.html`` (self-contained) in ``output_dir``.
    """
    from IPython.display import display

    if interactive is not None:
        page = _map_html(interactive)
        if output_dir:
            Path(output_dir).mkdir(parents=True, exist_ok=True)
            (Path(output_dir) / f"{slugify(name)}.html").write_text(page, encoding="utf-8")
        display(map_frame(page, height_px))
    if static is not None:
        show_figure(static, output_dir, name)


def interactive_map(gdf, column: str, title: str, unit: str = "", scheme: str = "quantiles",
                    zero_label: str | None = None):
    """Interactive map of one indicator: ``maps.interactive_map`` (offline HTML, escaped).

    Returns
    -------
    str
        Self-contained HTML page (Leaflet inlined), shown by :func:`show_map`.
    """
    from . import maps

    return maps.interactive_map(gdf, column, title=title, unit=unit, scheme=scheme,
                                zero_label=zero_label)


# --------------------------------------------------------------------------------------------
# Key figures (figures.json)
# --------------------------------------------------------------------------------------------

def _json_default(value):
    import numpy as np
    import pandas as pd

    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if math.isnan(value) else float(value)
    if isinstance(value, pd.Timestamp | datetime):
        return value.isoformat()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, np.ndarray | pd.Series):
        return value.tolist()
    if isinstance(value, Path):
        return str(value)
    raise TypeError(f"not JSON serialisable: {type(value).__name__}")


def _finite(value):
    """Replace NaN and infinities (also numpy floats) by None, recursively: strict JSON."""
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def write_figures(figures: Mapping, output_dir: str | Path, processed_dir: str | Path) -> Html:
    """Write a report's key figures to ``output_dir/figures.json`` (UTF-8, indented).

    ``data_version`` records the id of the processed-data version ``processed_dir`` holds,
    the one the report read.

    Returns
    -------
    Html
        A short French note naming the file (what the notebook's last cell shows).
    """
    folder = Path(output_dir)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / FIGURES_NAME
    figures = {**figures, "data_version": store.current(processed_dir).id}
    text = json.dumps(_finite(figures), ensure_ascii=False, indent=1,
                      default=_json_default)
    path.write_text(text, encoding="utf-8")
    return note(_("Chiffres clés enregistrés dans {name}.").format(name=path.name))
