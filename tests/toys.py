"""Toy report sites: for runner tests, a ``qualite_donnees`` notebook made of given cells
beside a one-table store, so that a test decides what the report does; for site tests, a
territorial batch of made results with or without Arabic editions."""

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


#: HCP names of the toy territorial batch: a region, a province, two of its communes.
TOY_NAMES = {"03": {"name_fr": "Fès-Meknès", "name_ar": "فاس - مكناس"},
             "03.231": {"name_fr": "Fès", "name_ar": "فاس"},
             "03.231.01.01": {"name_fr": "Fès", "name_ar": "فاس"},
             "03.231.03.01": {"name_fr": "Méchouar-Fès-El Jadid", "name_ar": "مشور فاس الجديد"}}


def toy_territory_batch(folder: Path, with_editions: bool):
    """A batch over region 03 (results made here, no notebook run, pages in place): the
    region's sheet, its province's sheet, a commune sheet, a failed commune sheet and a
    convention; with the Arabic editions of the region sheet, the first commune and the
    convention when ``with_editions``. Write its site with ``TOY_NAMES``."""
    from pvanalysis.reports import BatchResult, ReportResult

    fsi, pdi = "\u2068", "\u2069"

    def result(kind, params, rid, figures=None, ok=True):
        return ReportResult(kind, params, rid, "ok" if ok else "error", 0 if ok else 1,
                            None if ok else "erreur dans la cellule [3] : essai", 2.5,
                            figures=figures)

    region, commune = {"level": "region", "code": "03"}, {"level": "commune",
                                                         "code": "03.231.01.01"}
    convention = {"convention_id": "CC-R00001"}
    runs = [result("territoire", region, "territoire/territoire-region-03",
                   {"title": "Région Fès-Meknès — fiche territoriale 2017–2021",
                    "summary": {"Projets": "12"}}),
            result("territoire", {"level": "province", "code": "03.231"},
                   "territoire/territoire-province-03.231"),
            result("territoire", commune, "territoire/territoire-commune-03.231.01.01",
                   {"title": "Commune Fès — fiche territoriale 2017–2021",
                    "summary": {"Montant": "153,54\u00a0MDH"}}),
            result("territoire", {"level": "commune", "code": "03.231.03.01"},
                   "territoire/territoire-commune-03.231.03.01", ok=False),
            result("convention", convention, "convention/convention-cc-r00001",
                   {"title": "Convention CC-R00001 — Programme de Taza", "region_code": "03",
                    "region_name": "Fès-Meknès"})]
    if with_editions:
        runs += [
            result("territoire", {**region, "lang": "ar"}, "territoire/territoire-region-03-ar",
                   {"title": f"جهة فاس - مكناس — البطاقة الترابية {fsi}2017–2021{pdi}",
                    "summary": {"المشاريع": f"{fsi}12{pdi}"}}),
            result("territoire", {**commune, "lang": "ar"},
                   "territoire/territoire-commune-03.231.01.01-ar",
                   {"title": f"جماعة فاس — البطاقة الترابية {fsi}2017–2021{pdi}",
                    "summary": {"المبلغ": f"{fsi}153,54{pdi}\u00a0مليون درهم"}}),
            result("convention", {**convention, "lang": "ar"},
                   "convention/convention-cc-r00001-ar",
                   {"title": f"الاتفاقية {fsi}CC-R00001{pdi}", "region_code": "03",
                    "region_name": "فاس - مكناس"})]
    for r in runs:
        if r.ok:
            (folder / r.report_id).mkdir(parents=True)
            (folder / r.report_id / "rapport.html").write_text("x")
    return BatchResult(runs, folder, folder / "index.html", folder / "manifest.json", 30.0,
                       "sha", "v-1")
