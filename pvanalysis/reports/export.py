"""HTML export of an executed notebook: no code, nothing fetched from a network.

The page uses the ``pvreport`` template of ``pvanalysis/templates`` (the lab template
without require.js, MathJax, Mermaid or widget scripts); papermill banners and stderr are
dropped, tracebacks replaced by their French message.
"""

from __future__ import annotations

import functools
import html
import json
from importlib import resources
from pathlib import Path

from .. import i18n
from ..i18n import _
from ..present import FIGURE_DPI
from .execute import _FRENCH_ERRORS

#: Name of the HTML copy in each report folder.
HTML_NAME = "rapport.html"

#: An HTML report heavier than this is flagged in the manifest (bytes).
HTML_MAX_BYTES = 5 * 1024 * 1024



def _templates_dir() -> Path:
    return Path(str(resources.files("pvanalysis") / "templates"))


@functools.lru_cache(maxsize=2)
def _exporter(lang: str = "fr"):
    """The HTML exporter of reports in ``lang``, made once per process: its templates
    compile once (a third of a second), not at every report."""
    from nbconvert import HTMLExporter

    return HTMLExporter(template_name="pvreport", extra_template_basedirs=[str(_templates_dir())],
                        exclude_input=True, exclude_input_prompt=True, exclude_output_prompt=True,
                        embed_images=True, sanitize_html=False, language_code=lang)


def _presentable(nb):
    """Copy of an executed notebook fit for readers: no papermill banners, no stderr,
    tracebacks replaced by their French message."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells
                if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type == "markdown":
            cell.source = i18n.translate_markdown(cell.source)
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                continue
            if out.output_type == "error":
                word = _("Erreur")
                text = out.evalue if out.ename in _FRENCH_ERRORS else f"{out.ename} : {out.evalue}"
                out = nbformat.v4.new_output(
                    "display_data", data={"text/html": '<div class="pv-error"><strong>'
                                          f"{html.escape(word)}"
                                          f"</strong> : {html.escape(text)}</div>"})
            outputs.append(out)
        cell.outputs = outputs
    title = _page_title(nb) or _(nb.metadata.get("title", ""))
    if title:
        nb.metadata["title"] = title
    return nb


def _page_title(nb) -> str | None:
    """The title a report's opening cell gives (``pv_title`` of its HTML output), if any."""
    for cell in nb.cells:
        for out in cell.get("outputs", []) if cell.cell_type == "code" else []:
            title = out.get("metadata", {}).get("text/html", {}).get("pv_title")
            if title:
                return str(title)
    return None


def notebook_lang(nb) -> str:
    """The edition of an executed notebook: its ``lang`` parameter (``fr`` by default)."""
    params = nb.get("metadata", {}).get("papermill", {}).get("parameters", {}) or {}
    lang = params.get("lang", "fr")
    return lang if lang in i18n.LANGS else "fr"


def export_html(notebook: str | Path, html_path: str | Path, *, kind_label: str = "",
                footer: str = "", index_href: str | None = None,
                switch: tuple[str, str] | None = None,
                editions: tuple[str, ...] = ("html",)) -> Path:
    """Write the HTML copy of an executed notebook: no code, nothing fetched from a network.

    Uses nbconvert's ``HTMLExporter`` with the ``pvreport`` template (the lab template
    without require.js, MathJax, Mermaid or widget scripts), inputs and prompts excluded,
    images embedded. HTML outputs are kept as they are (folium maps carry their own inlined
    assets in an ``iframe srcdoc``): the page does not depend on the notebook being trusted.

    The notebook's ``lang`` parameter chooses the edition: in Arabic the page is
    ``<html lang="ar" dir="rtl">``, its markdown translated from the catalogue and the
    shipped Arabic font embedded. ``switch`` is ``(href, lang)`` of the other edition (the
    FR | ع switch at the top). The page carries the print stylesheet (``print.css``,
    :mod:`.editions`), links to the report's other editions (``editions``, and the workbook
    when the notebook wrote it) and to each figure's PNG and SVG files.

    Returns
    -------
    Path
        ``html_path``.
    """
    import nbformat

    from . import editions as ed

    nb = nbformat.read(str(notebook), as_version=4)
    lang = notebook_lang(nb)
    with i18n.using(lang):
        nb = _presentable(nb)
        exporter = _exporter(lang)
        page_label = _("page")  # the "page N / M" footer of print
        extra = {"pv_kind_label": _(kind_label), "pv_footer": footer,
                 "pv_index_href": index_href, "pv_ministry": _(ed.MINISTRY),
                 "pv_print_css": ed.print_css().replace('"page "', f'"{page_label} "'),
                 "pv_editions": ed.links(Path(html_path).parent, editions),
                 "pv_figure_dpi": FIGURE_DPI, "pv_svg": "svg" in editions,
                 "pv_download_label": _("Télécharger :"),
                 "pv_image_alt": _("Graphique ou carte du rapport")}
        if switch is not None:
            extra.update(pv_switch_href=switch[0], pv_switch_html=switch_html(lang, switch))
        if lang != "fr":
            extra.update(pv_rtl=True, pv_font_css=_FONT_MARK,
                         pv_index_label="&rarr; " + html.escape(_("Tous les rapports")))
        body, _resources = exporter.from_notebook_node(nb, resources=extra)
    if lang != "fr":
        body = body.replace(f'<html lang="{lang}">', f'<html lang="{lang}" dir="rtl">', 1)
        body = body.replace(_FONT_MARK, i18n.font_face(body), 1)
    Path(html_path).write_text(body, encoding="utf-8")
    return Path(html_path)


#: Where the embedded font goes once the page's characters are known.
_FONT_MARK = "/* pv-font-face */"
#: How each edition is named on the language switch.
LANG_NAMES = {"fr": "FR", "ar": "ع"}


def switch_html(lang: str, switch: tuple[str, str]) -> str:
    """The FR | ع switch: the current edition in bold, the other one a link."""
    href, other = switch
    items = []
    for code in i18n.LANGS:
        name = html.escape(LANG_NAMES[code])
        if code == lang:
            items.append(f'<strong lang="{code}">{name}</strong>')
        elif code == other:
            items.append(f'<a lang="{code}" href="{html.escape(href)}">{name}</a>')
    return " | ".join(items)
