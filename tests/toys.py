"""A toy report site for runner tests: a ``qualite_donnees`` notebook made of given cells
beside a one-table store, so that a test decides what the report does."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pandas as pd

from pvanalysis import store


def toy_site(folder: Path, params: str, body: str) -> Path:
    """Write ``folder/nb/qualite_donnees.ipynb`` (a heading, the ``parameters`` cell
    ``params``, the cell ``body``) and a store of one ``projects`` table in
    ``folder/processed``; returns ``folder``."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    cell = nbformat.v4.new_code_cell(params)
    cell.metadata["tags"] = ["parameters"]
    nb.cells = [nbformat.v4.new_markdown_cell("# Essai"), cell, nbformat.v4.new_code_cell(body)]
    (folder / "nb").mkdir()
    nbformat.write(nb, folder / "nb" / "qualite_donnees.ipynb")
    with store.publish(folder / "processed") as draft:
        pd.DataFrame({"project_id": ["P1"]}).to_parquet(draft.path / "projects.parquet")
    return folder
