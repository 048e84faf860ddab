"""The pandera contracts as the one vocabulary: labels, units, the data dictionary."""

from __future__ import annotations

from pathlib import Path

from pvanalysis import schemas

DOCS = Path(__file__).resolve().parents[1] / "docs"


def test_every_column_has_one_label_and_one_unit_whatever_its_table():
    table = schemas.columns()
    assert table["label"].notna().all()
    spread = table.groupby("column")[["label", "unit"]].nunique(dropna=False)
    assert spread[(spread > 1).any(axis=1)].empty


def test_units_follow_the_column_names():
    units = schemas.units()
    assert all(units[c] == "DH" for c in units if c.endswith("_dh")
               and not c.endswith("_per_capita_dh"))
    assert units["cost_per_capita_dh"] == "DH par habitant"
    assert units["release_rate"] == units["illiteracy_rate"] == "fraction 0–1"
    assert units["population_2024"] == "habitants"
    assert schemas.labels()["ministry_share"] == "Part du Ministère"


def test_no_unitless_measure_names():
    names = set(schemas.columns()["column"])
    assert not names & {"progress", "leverage", "weighted_progress", "partner_leverage"}



def test_the_data_dictionary_is_generated_from_the_contracts():
    assert (DOCS / "dictionnaire.md").read_text(encoding="utf-8") == schemas.data_dictionary()
