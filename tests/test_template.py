"""The empty input workbook follows the raw input contract (``contract``)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from pvanalysis import contract, ingest
from pvanalysis.cli import cli
from pvanalysis.template import (
    CHOICE_LABELS,
    INSTRUCTIONS_SHEET,
    LISTS_SHEET,
    contract_markdown,
    contract_table,
    write_template,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "entrees.md"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    return write_template(tmp_path_factory.mktemp("tpl") / "modele.xlsx")


@pytest.fixture(scope="module")
def book(template):
    return openpyxl.load_workbook(template)


def test_sheets_are_the_contract_plus_instructions_and_hidden_lists(book):
    assert book.sheetnames == [INSTRUCTIONS_SHEET, *contract.SHEETS, LISTS_SHEET]
    assert book[LISTS_SHEET].sheet_state == "hidden"


@pytest.mark.parametrize("sheet", list(contract.SHEETS))
def test_headers_equal_the_contract_and_row_is_frozen(book, sheet):
    ws = book[sheet]
    headers = [c.value for c in ws[1]]
    assert headers == [col.header for col in contract.SHEETS[sheet][1]]
    assert ws.freeze_panes == "A2"


@pytest.mark.parametrize("sheet", list(contract.SHEETS))
def test_every_choice_column_has_its_drop_down(book, sheet):
    ws = book[sheet]
    lists = book[LISTS_SHEET]
    by_letter = {}
    for dv in ws.data_validations.dataValidation:
        assert dv.type == "list"
        for rng in dv.sqref.ranges:
            by_letter[rng.coord.split(":")[0].rstrip("0123456789")] = dv.formula1
    cols = contract.SHEETS[sheet][1]
    for j, col in enumerate(cols):
        letter = openpyxl.utils.get_column_letter(j + 1)
        if col.kind != "choice":
            assert letter not in by_letter
            continue
        formula = by_letter[letter]  # e.g. =Listes!$C$2:$C$14
        cells = formula.split("!")[1].replace("$", "")
        values = [c.value for row in lists[cells] for c in row]
        assert values == list(CHOICE_LABELS[col.field].values())


def test_column_formats(book):
    ws = book["Engagements"]
    assert ws.column_dimensions["C"].number_format == "#,##0"  # Montant engagé, DH
    assert ws.column_dimensions["A"].number_format == "@"  # identifiers stay text
    conventions = book["Conventions"]
    assert conventions.column_dimensions["E"].number_format == "DD/MM/YYYY"  # signature


def test_instructions_explain_every_sheet_and_column(book):
    text = "\n".join(str(c.value) for row in book[INSTRUCTIONS_SHEET].iter_rows() for c in row
                     if c.value is not None)
    for sheet, (_, cols) in contract.SHEETS.items():
        assert f"{sheet} :" in text
        for col in cols:
            assert col.header in text
    assert "dirhams (DH)" in text and "(MDH)" in text


def test_the_reader_finds_every_column_of_a_filled_template(template, tmp_path):
    book = openpyxl.load_workbook(template)
    for sheet, (_, cols) in contract.SHEETS.items():
        book[sheet].append([f"x{j}" for j in range(len(cols))])  # one row under the header
    filled = tmp_path / "rempli.xlsx"
    book.save(filled)
    tables = ingest.read_workbook(filled)
    assert set(tables) == set(contract.SHEETS)
    for sheet, (_, cols) in contract.SHEETS.items():
        assert list(tables[sheet].frame.columns) == [c.field for c in cols]
        assert list(tables[sheet].frame.index) == [2]  # Excel row under the header
    assert tables["Engagements"].units == {"convention_id": 1, "partner_id": 1, "committed_dh": 1}


def test_contract_table_lists_every_input_column():
    table = contract_table()
    n = (sum(len(cols) for _, cols in contract.SHEETS.values())
         + len(contract.DISBURSEMENT_COLUMNS)
         + sum(len(cols) for cols in contract.GEOMETRY_COLUMNS.values()))
    assert len(table) == n
    assert (table.description != "").all()
    row = table[(table.sheet == "Projets") & (table.field == "scale")].iloc[0]
    assert row.allowed.startswith("Projets présentés à Sa Majesté (royal)")


def test_docs_page_is_generated_from_the_contract():
    assert DOCS.read_text(encoding="utf-8") == contract_markdown() + "\n"


def test_cli_template(tmp_path):
    out = tmp_path / "a" / "modele.xlsx"
    result = CliRunner().invoke(cli, ["template", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Modèle écrit" in result.output
    assert openpyxl.load_workbook(out).sheetnames[0] == INSTRUCTIONS_SHEET


def test_the_reader_accepts_the_empty_template(template):
    tables = ingest.read_workbook(template)
    assert {sheet: len(t.frame) for sheet, t in tables.items()} == dict.fromkeys(contract.SHEETS, 0)
