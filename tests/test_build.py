"""Build: tiny hand-made dataset (values worked out by hand), the committed sample (published
figures, exact quarantine), messy-but-equal inputs, determinism, atomic publish, load, CLI."""

from __future__ import annotations

import datetime as dt
import shutil
import unicodedata
from decimal import Decimal
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
import xlsxwriter
from click.testing import CliRunner
from tiny import reference_dir, snapshot, write_tiny

from pvanalysis import load
from pvanalysis.build import TABLES, build_processed
from pvanalysis.cli import cli
from pvanalysis.errors import ParameterError, PvInputError
from pvanalysis.store import current

SAMPLE_RAW = Path(__file__).resolve().parents[1] / "data" / "raw"


@pytest.fixture(scope="module")
def ref(tmp_path_factory):
    return reference_dir(tmp_path_factory)


@pytest.fixture(scope="module")
def tiny(tmp_path_factory, ref):
    raw = write_tiny(tmp_path_factory.mktemp("tiny") / "raw")
    out = raw.parent / "processed"
    summary = build_processed(raw, out, reference_dir=ref)
    return raw, out, summary


@pytest.fixture(scope="session")
def sample(tmp_path_factory):
    """The committed sample built once per session."""
    sample_mod = pytest.importorskip("pvanalysis.sample")
    if not (SAMPLE_RAW / "conventions.xlsx").exists():
        pytest.skip("sample not generated")
    out = tmp_path_factory.mktemp("sample") / "processed"
    summary = build_processed(SAMPLE_RAW, out, reference_dir=reference_dir(tmp_path_factory))
    return out, summary, sample_mod


# ---------------------------------------------------------------- tiny, by hand


def test_tiny_tables_by_hand(tiny):
    _, out, summary = tiny
    t = load(out)
    assert summary.tables["quarantine"] == 0
    conv = t["conventions"].set_index("convention_id")
    assert conv["amount_dh"].to_dict() == {"C1": 100_000_000, "C1F": 40_000_000,
                                           "C2": 50_000_000, "C3": 10_000_000}
    assert conv["signed_on"].dt.strftime("%Y-%m-%d").to_dict() == {
        "C1": "2019-03-15", "C1F": "2019-06-01", "C2": "2020-03-01", "C3": "2019-03-15"}
    assert conv.loc["C1F", "parent_id"] == "C1" and conv["parent_id"].notna().sum() == 1
    assert t["commitments"]["committed_dh"].sum() == 160_000_000
    d = t["disbursements"].set_index("disbursement_id")
    assert d["amount_dh"].to_dict() == {"D1": 20_000_000, "D2": 15_000_000, "D3": 5_000_000,
                                        "D4": 12_000_000}
    # MIN on P1: 20 + 15 ≤ 60 committed; MIN on P3: 12 > 10 committed
    assert d["over_commitment"].to_dict() == {"D1": False, "D2": False, "D3": False, "D4": True}
    p = t["projects"].set_index("project_id")
    assert p[["region_code", "province_code"]].to_numpy().tolist() == [["01", "01.511"]] * 3
    assert p.loc["P1", "commune_code"] == "01.511.01.0" and pd.isna(p.loc["P3", "commune_code"])
    assert p["scale"].tolist() == ["royal", "medina", "quartiers"]
    assert p.loc["P2", "step"] == "tableaux_de_bord"
    assert t["actions"]["progress_rate"].tolist() == [0.4, 1.0, 0.0]
    targets = t["project_targets"]
    assert targets.loc[targets["target_type"] == "commune", "target_id"].tolist() == ["01.511.01.0"]
    assert t["centres"]["commune_code"].tolist() == ["01.511.05.07"]
    assert t["quartiers"].crs == "EPSG:4326" and not t["quartiers"]["commune_mismatch"].any()
    assert list(t["projects"].index) == [4, 5, 6]  # Excel rows under the title and header


def test_tiny_manifest(tiny):
    raw, out, _ = tiny
    manifest = current(out).manifest
    by_file = {s["file"]: s for s in manifest["sources"]}
    assert set(by_file) == {"conventions.xlsx", "deblocages.csv", "quartiers.geojson",
                            "centres.geojson"}
    assert by_file["conventions.xlsx"]["rows_in"] == 3 + 5 + 4 + 3 + 5 + 5 + 3
    assert by_file["deblocages.csv"]["rows_kept"] == 4
    import hashlib

    assert by_file["deblocages.csv"]["sha256"] == hashlib.sha256(
        (raw / "deblocages.csv").read_bytes()).hexdigest()
    assert manifest["dependencies"]["pandas"] == pd.__version__
    assert manifest["duration_s"] > 0
    assert manifest["tables"]["disbursements"] == 4


def test_summary_text_is_french(tiny):
    text = tiny[2].as_text()
    assert "Construction terminée" in text and "déblocages.csv" not in text
    assert "deblocages.csv" in text and "4 = 4 + 0" in text


def test_same_inputs_same_outputs(tiny, ref, tmp_path):
    raw, out, _ = tiny
    again = tmp_path / "again"
    build_processed(raw, again, reference_dir=ref)
    first, second = snapshot(current(out).path), snapshot(current(again).path)
    first.pop("manifest.json"), second.pop("manifest.json")
    assert first == second


def test_raw_is_never_written(tiny, ref, tmp_path):
    raw, _, _ = tiny
    before = snapshot(raw)
    build_processed(raw, tmp_path / "o", reference_dir=ref)
    assert snapshot(raw) == before


# ---------------------------------------------------------------- load and CLI


def test_load_all_tables(tiny):
    tables = load(tiny[1])
    assert set(tables) == set(TABLES) | {"regions", "provinces", "communes"}
    assert isinstance(tables["quartiers"], gpd.GeoDataFrame)
    assert tables["disbursements"]["amount_dh"].dtype == "Int64"
    assert len(tables["communes"]) == 1503


def test_load_unbuilt_folder(tmp_path):
    with pytest.raises(PvInputError, match="lancer « pvanalysis build »"):
        load(tmp_path / "vide")


def test_load_unknown_table(tiny):
    with pytest.raises(ParameterError, match="table « projets » absente.*disponibles : .*projects"):
        load(tiny[1], ["projets"])


def test_cli_build_prints_summary(tiny, tmp_path):
    raw, out, _ = tiny
    target = tmp_path / "processed"
    shutil.copytree(out, target)
    result = CliRunner().invoke(cli, ["build", "--raw", str(raw), "--out", str(target)])
    assert result.exit_code == 0, result.output
    assert "Construction terminée" in result.output and "Quarantaine : 0" in result.output


def test_cli_missing_raw_dir(tmp_path):
    result = CliRunner().invoke(cli, ["build", "--raw", str(tmp_path / "absent"),
                                      "--out", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert "Erreur : dossier des fichiers bruts absent" in result.output
    assert not (tmp_path / "out").exists()


# ---------------------------------------------------------------- the committed sample


def _period_projects(t, scale, start=2017, end=2021):
    conv = t["conventions"]
    cadres = conv[conv["kind"] == "cadre"]
    year = cadres.groupby("project_id")["signed_on"].min().dt.year
    projects = t["projects"][t["projects"]["scale"] == scale]
    in_period = year[(year >= start) & (year <= end)].index
    return projects[projects["project_id"].isin(in_period)]["project_id"]


def _figures(t, scale):
    ids = _period_projects(t, scale)
    conv = t["conventions"][t["conventions"]["project_id"].isin(ids)]
    cadre_ids = conv.loc[conv["kind"] == "cadre", "convention_id"]
    com = t["commitments"][t["commitments"]["convention_id"].isin(cadre_ids)]
    ministry = t["partners"].loc[t["partners"]["category"] == "ministry", "partner_id"]
    rel = t["disbursements"][t["disbursements"]["convention_id"].isin(conv["convention_id"])
                             & t["disbursements"]["partner_id"].isin(ministry)]
    targets = t["project_targets"][t["project_targets"]["project_id"].isin(ids)]
    return {"projects": len(ids), "T": int(com["committed_dh"].sum()),
            "M": int(com.loc[com["partner_id"].isin(ministry), "committed_dh"].sum()),
            "D": int(rel["amount_dh"].sum()), "targets": targets}


def test_sample_counts_add_up(sample):
    out, summary, _ = sample
    manifest = current(out).manifest
    for source in manifest["sources"]:
        assert source["rows_in"] == source["rows_kept"] + source["rows_quarantined"]
        for sheet in source["sheets"].values():
            assert sheet["rows_in"] == sheet["rows_kept"] + sheet["rows_quarantined"]
    assert len(manifest["sources"]) == 4


def test_sample_published_figures(sample):
    t = load(sample[0])
    royal = _figures(t, "royal")
    assert (royal["projects"], royal["T"], royal["M"], royal["D"]) == (
        12, 1_684_000_000, 1_202_000_000, 424_565_000)
    medina = _figures(t, "medina")
    assert (medina["projects"], medina["T"], medina["M"]) == (6, 4_287_000_000, 657_000_000)
    medinas = medina["targets"]
    assert medinas.loc[medinas["target_type"] == "medina", "target_id"].nunique() == 5
    quartiers = _figures(t, "quartiers")["targets"]
    assert quartiers.loc[quartiers["target_type"] == "quartier", "target_id"].nunique() > 800
    centres = _figures(t, "centre")["targets"]
    assert centres.loc[centres["target_type"] == "centre", "target_id"].nunique() > 700


def test_sample_quarantine_is_exactly_the_documented_rows(sample):
    out, _, sample_mod = sample
    q = pd.read_parquet(current(out).path / "quarantine.parquet")
    got = sorted((r.source_file, r.sheet if isinstance(r.sheet, str) else None, int(r.row),
                  r.column, r.value, r.reason.split(" — ")[0]) for r in q.itertuples())
    expected = [(d["file"], d["sheet"], d["row"], d["column"], d["value"], d["reason"])
                for d in sample_mod.QUARANTINE_ROWS]
    # the totals row at the foot of Engagements is counted too (NON_DATA_ROWS)
    from python_calamine import CalamineWorkbook

    sheet = CalamineWorkbook.from_path(str(SAMPLE_RAW / "conventions.xlsx")) \
        .get_sheet_by_name("Engagements").to_python(skip_empty_area=False)
    expected.append(("conventions.xlsx", "Engagements", len(sheet), "Identifiant convention",
                     "Total", "ligne de total (non importée)"))
    assert got == sorted(expected)


def test_sample_invalid_quartiers_repaired(sample):
    out, summary, sample_mod = sample
    repaired = summary.flags["géométries réparées (quartiers)"]
    assert set(sample_mod.INVALID_QUARTIERS) <= set(repaired)
    assert load(out, ["quartiers"])["quartiers"].geometry.is_valid.all()


# ---------------------------------------------------------------- messy but equal


def _shout(header: str) -> str:
    text = unicodedata.normalize("NFKD", header)
    return "".join(c for c in text if not unicodedata.combining(c)).upper()


def _messy_workbook(src: Path, dst: Path) -> None:
    """Same cells, headers in capitals without accents, MDH/KDH numbers as French DH text,
    dates as text."""
    from pvanalysis.convert import _decimal
    from pvanalysis.ingest import header_unit

    book = pd.read_excel(src, engine="calamine", header=None, dtype=object, sheet_name=None)
    out = xlsxwriter.Workbook(dst)
    for name, grid in book.items():
        ws = out.add_worksheet(name)
        header_row = next(i for i in range(len(grid)) if grid.iloc[i].notna().sum() >= 2)
        factors = {}
        for j, cell in grid.iloc[header_row].items():
            if isinstance(cell, str):
                factor = header_unit(cell)[1]
                if "DH" in cell.upper() and factor > 1:
                    factors[j] = factor
                    cell = cell.upper().replace("(KDH)", "(DH)").replace("(MDH)", "(DH)")
                grid.iloc[header_row, j] = _shout(cell)
        for i in range(len(grid)):
            for j, cell in grid.iloc[i].items():
                if cell is None or (isinstance(cell, float) and pd.isna(cell)):
                    continue
                if i > header_row and j in factors and _decimal(cell) is not None:
                    dh = int(_decimal(cell) * Decimal(factors[j]))
                    cell = f"{dh:,}".replace(",", "\u00a0") + ",00"
                elif isinstance(cell, (dt.datetime, pd.Timestamp)):
                    cell = cell.strftime("%d/%m/%Y")
                ws.write(i, j, cell)
    out.close()


@pytest.fixture(scope="module")
def messy_raw(tmp_path_factory):
    if not (SAMPLE_RAW / "conventions.xlsx").exists():
        pytest.skip("sample not generated")
    raw = tmp_path_factory.mktemp("messy") / "raw"
    raw.mkdir()
    _messy_workbook(SAMPLE_RAW / "conventions.xlsx", raw / "conventions.xlsx")
    data = (SAMPLE_RAW / "deblocages.csv").read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    (raw / "deblocages.csv").write_bytes(text.encode("cp1252"))
    for stem in ("quartiers", "centres"):
        src = next(SAMPLE_RAW.glob(f"{stem}.*[gn]"))
        gpd.read_file(src).to_crs("EPSG:26191").to_file(raw / f"{stem}.gpkg")
    return raw


def test_messy_inputs_build_the_same_tables(sample, messy_raw, tmp_path_factory):
    clean_out = sample[0]
    out = messy_raw.parent / "processed"
    build_processed(messy_raw, out, reference_dir=reference_dir(tmp_path_factory))
    a, b = load(clean_out), load(out)
    for name in TABLES:
        if name == "quarantine":
            keys = ["sheet", "row", "reason"]
            pd.testing.assert_frame_equal(a[name][keys].sort_values(keys, ignore_index=True),
                                          b[name][keys].sort_values(keys, ignore_index=True))
        elif name in ("quartiers", "centres"):
            pd.testing.assert_frame_equal(a[name].drop(columns="geometry"),
                                          b[name].drop(columns="geometry"))
            assert a[name].geometry.geom_equals_exact(b[name].geometry, tolerance=1e-6).all()
        else:
            pd.testing.assert_frame_equal(a[name], b[name])


def test_a_ministry_declares_a_scale_without_touching_code(tmp_path, tmp_path_factory):
    """PVANALYSIS_ECHELLES names a copy of the scales file with « ville » added: the build
    accepts it and records the scales it was built with."""
    import os
    import subprocess
    import sys

    import yaml
    from tiny import with_cell

    from pvanalysis import config

    scales = config.read_scales()
    scales.append({"code": "ville", "label": "Villes", "published": None,
                   "aliases": ["programme ville"]})
    path = tmp_path / "echelles.yaml"
    path.write_text(yaml.safe_dump(scales, allow_unicode=True), encoding="utf-8")
    raw = write_tiny(tmp_path / "raw",
                     sheets=with_cell("Projets", "P3", "Échelle d'intervention",
                                      "Programme ville"))
    out = tmp_path / "processed"
    env = dict(os.environ, PVANALYSIS_ECHELLES=str(path))
    code = ("import sys; from pvanalysis.build import build_processed; "
            f"build_processed({str(raw)!r}, {str(out)!r}, "
            f"reference_dir={str(reference_dir(tmp_path_factory))!r})")
    subprocess.run([sys.executable, "-c", code], env=env, check=True)
    version = current(out)
    projects = version.read("projects").set_index("project_id")
    assert projects.at["P3", "scale"] == "ville"
    assert [s["code"] for s in version.manifest["scales"]][-1] == "ville"
    assert version.read("quarantine").empty
