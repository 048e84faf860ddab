"""Value conversion and validation: amounts, dates, percents, choices, the pandera check."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

from pvanalysis import schemas
from pvanalysis.contract import SHEETS
from pvanalysis.convert import parse_amounts, parse_choices, parse_dates, parse_percents
from pvanalysis.ingest import RawTable
from pvanalysis.quarantine import validate


@pytest.mark.parametrize("cell, factor, expected", [
    ("424,565", 1_000_000, 424_565_000),
    (424.565, 1_000_000, 424_565_000),        # Excel float, no drift
    (0.1 + 0.2, 1_000_000, 300_000),
    ("1 684,00", 1_000_000, 1_684_000_000),
    ("1\u00a0684,00", 1, 1_684),
    ("1\u202f684,00", 1, 1_684),
    ("250 000", 1_000, 250_000_000),
    (1684, 1, 1_684),
    ("1684.5", 1, 1_685),                     # rounded half up to the dirham
    ("-250 000,00", 1, -250_000),
])
def test_amounts(cell, factor, expected):
    values, reasons = parse_amounts(pd.Series([cell], dtype=object), factor)
    assert values.iloc[0] == expected and pd.isna(reasons.iloc[0])
    assert values.dtype == "Int64"


def test_amount_unreadable_and_blank():
    values, reasons = parse_amounts(pd.Series(["1.684,OO", None, ""], dtype=object))
    assert reasons.tolist()[0] == "montant illisible"
    assert reasons.isna().tolist()[1:] == [True, True]
    assert values.isna().all()


@pytest.mark.parametrize("cell, expected", [
    ("15/03/2019", "2019-03-15"), (43539, "2019-03-15"), ("43539", "2019-03-15"),
    ("2019-03-15", "2019-03-15"), ("mars 2019", "2019-03-01"), ("Août 2020", "2020-08-01"),
    (dt.datetime(2019, 3, 15), "2019-03-15"), ("15.03.2019", "2019-03-15"),
])
def test_dates(cell, expected):
    values, reasons = parse_dates(pd.Series([cell], dtype=object))
    assert values.iloc[0] == pd.Timestamp(expected) and pd.isna(reasons.iloc[0])


def test_dates_rejected():
    _, reasons = parse_dates(pd.Series(["31/02/2019", "bientôt", "13/13/2019"], dtype=object))
    assert reasons.tolist() == ["date impossible", "date illisible", "date impossible"]


def test_choices_codes_or_labels():
    codes, reasons = parse_choices(pd.Series(["MEDINAS", "Projets présentés à Sa Majesté",
                                              "centre", "régional"], dtype=object), "scale")
    assert codes.tolist()[:3] == ["medina", "royal", "centre"]
    assert reasons.tolist()[3] == "valeur non reconnue"


def test_percents_cell_by_cell():
    values, reasons = parse_percents(pd.Series(["45 %", 50, 100, 0.45, "0,5", 0, "100%"]))
    assert values.tolist() == [0.45, 0.5, 1.0, 0.45, 0.5, 0.0, 1.0]
    assert reasons.isna().all()


def test_percent_one_is_ambiguous():
    values, reasons = parse_percents(pd.Series([1, "1", 1.0, "1 %"]))
    assert values.isna().tolist() == [True, True, True, False]
    assert reasons.tolist()[:3] == ["avancement ambigu : 1 (1 % ou 100 % ?)"] * 3


def test_validate_maps_failures_to_french_quarantine():
    _, columns = SHEETS["Partenaires"]
    frame = pd.DataFrame({"partner_id": ["MIN", "X"], "name": ["Ministère", "Autre"],
                          "category": ["ministry", "bogus"]}, index=pd.Index([4, 5], name="row"))
    raw = RawTable("conventions.xlsx", "Partenaires", "partners", columns,
                   frame.astype(object), {"category": "Catégorie"}, {})
    result = validate(frame.astype({"partner_id": "str", "name": "str", "category": "str"}),
                      schemas.Partners, raw)
    assert list(result.frame.index) == [4]
    assert result.rejects[["sheet", "row", "column", "value", "reason"]].values.tolist() == [
        ["Partenaires", 5, "Catégorie", "bogus", "valeur non reconnue"]]
