"""HTML export of an executed notebook: no code, nothing fetched from a network.

The page uses the ``pvreport`` template of ``pvanalysis/templates`` (the lab template
without require.js, MathJax, Mermaid or widget scripts); papermill banners and stderr are
dropped, tracebacks replaced by their French message.
"""

from __future__ import annotations

import html
import json
from importlib import resources
from pathlib import Path

from ..present import FIGURE_DPI
from .execute import _FRENCH_ERRORS

#: Name of the HTML copy in each report folder.
HTML_NAME = "rapport.html"

#: An HTML report heavier than this is flagged in the manifest (bytes).
HTML_MAX_BYTES = 5 * 1024 * 1024



def _templates_dir() -> Path:
    return Path(str(resources.files("pvanalysis") / "templates"))


def _presentable(nb):
    """Copy of an executed notebook fit for readers: no papermill banners, no stderr,
    tracebacks replaced by their French message."""
    import nbformat

    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    nb.cells = [c for c in nb.cells
                if "papermill-error-cell-tag" not in c.get("metadata", {}).get("tags", [])]
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        outputs = []
        for out in cell.get("outputs", []):
            if out.output_type == "stream" and out.name == "stderr":
                continue
            if out.output_type == "error":
                text = out.evalue if out.ename in _FRENCH_ERRORS else f"{out.ename} : {out.evalue}"
                out = nbformat.v4.new_output(
                    "display_data", data={"text/html": '<div class="pv-error"><strong>Erreur'
                                          f"</strong> : {html.escape(text)}</div>"})
            outputs.append(out)
        cell.outputs = outputs
    title = _page_title(nb)
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


def export_html(notebook: str | Path, html_path: str | Path, *, kind_label: str = "",
                footer: str = "", index_href: str | None = None,
                editions: tuple[str, ...] = ("html",)) -> Path:
    """Write the HTML copy of an executed notebook: no code, nothing fetched from a network.

    Uses nbconvert's ``HTMLExporter`` with the ``pvreport`` template (the lab template
    without require.js, MathJax, Mermaid or widget scripts), inputs and prompts excluded,
    images embedded. HTML outputs are kept as they are (folium maps carry their own inlined
    assets in an ``iframe srcdoc``): the page does not depend on the notebook being trusted.

    The page carries the print stylesheet (``print.css``, :mod:`.editions`), links to the
    report's other editions (``editions``, and the workbook when the notebook wrote it) and
    to each figure's PNG and SVG files.

    Returns
    -------
    Path
        ``html_path``.
    """
    import nbformat
    from nbconvert import HTMLExporter

    from . import editions as ed

    nb = _presentable(nbformat.read(str(notebook), as_version=4))
    exporter = HTMLExporter(template_name="pvreport",
                            extra_template_basedirs=[str(_templates_dir())],
                            exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True, embed_images=True, sanitize_html=False,
                            language_code="fr")
    extra = {"pv_kind_label": kind_label, "pv_footer": footer, "pv_index_href": index_href,
             "pv_ministry": ed.MINISTRY, "pv_print_css": ed.print_css(),
             "pv_editions": ed.links(Path(html_path).parent, editions),
             "pv_figure_dpi": FIGURE_DPI}
    body, _ = exporter.from_notebook_node(nb, resources=extra)
    Path(html_path).write_text(body, encoding="utf-8")
    return Path(html_path)
