"""Parameter checks, called by ``run_report`` before any kernel starts and by each
notebook's validation cell (``pv.reports.check_…``), and the thin data reads they and the
batch expansion use.

Every check raises a French message naming what is wrong and, when it can, the closest
valid values.
"""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from pathlib import Path

from .. import store
from ..config import PROCESSED_DIR, SCALES
from ..errors import ParameterError
from ..sections import TERRITORY_LEVELS
from ..text import suggestion
from .kinds import NOTEBOOKS_DIR, RESERVED, notebook_parameters, notebook_path


def check_processed(processed_dir: str | Path = PROCESSED_DIR) -> None:
    """Check that the processed tables exist.

    Raises
    ------
    PvInputError
        If ``processed_dir`` holds no processed table (French message naming the command
        that builds them).
    """
    store.current(processed_dir).table_path("projects")


def check_period(period_start: int, period_end: int) -> None:
    """Check a contracting period (years, both included).

    Raises
    ------
    ParameterError
        If the period is empty (start after end) or a year is implausible.
    """
    for name, year in (("period_start", period_start), ("period_end", period_end)):
        if not isinstance(year, int) or isinstance(year, bool) or not 1990 <= year <= 2100:
            raise ParameterError(f"année invalide pour « {name} » : « {year} » "
                                 "(une année entre 1990 et 2100 est attendue)")
    if period_start > period_end:
        raise ParameterError(f"période vide : début {period_start} après fin {period_end}. "
                             f"Suggestion : period_start={period_end}, period_end={period_start}")


def check_bilan(period_start: int = 2017, period_end: int = 2021,
                scales: list[str] | None = None, published: str = "",
                processed_dir: str | Path = PROCESSED_DIR, **_ignored) -> None:
    """Check the national bilan's parameters.

    Parameters
    ----------
    period_start, period_end : int
        Contracting years, both included.
    scales : list of str, optional
        Intervention scales (keys of ``config.SCALES``); all when empty.
    published : str
        Path of the published figures (YAML), or ``""`` for none.
    processed_dir : path
        Processed tables.

    Raises
    ------
    ParameterError
        Empty period, unknown scale (with suggestions), missing published file, no project
        contracted in the period, or no processed tables.
    """
    check_processed(processed_dir)
    check_period(period_start, period_end)
    for scale in scales or []:
        if scale not in SCALES:
            raise ParameterError(f"échelle d'intervention inconnue : « {scale} »"
                                 + suggestion(scale, SCALES))
    if published and not Path(published).is_file():
        raise ParameterError(f"fichier des chiffres publiés introuvable : « {published} ». "
                             "Suggestion : published=\"\" pour ne pas comparer")
    years = contracting_years(processed_dir)
    if years and not any(period_start <= y <= period_end for y in years):
        raise ParameterError(f"période vide : aucun projet contractualisé entre {period_start} "
                             f"et {period_end} (années présentes : {min(years)}–{max(years)})")


def check_territoire(level: str = "region", code: str = "", period_start: int = 2017,
                     period_end: int = 2021, processed_dir: str | Path = PROCESSED_DIR,
                     **_ignored):
    """Check a territory sheet's parameters; return the territory's reference row.

    Raises
    ------
    ParameterError
        Unknown level or empty period.
    UnknownTerritoryError
        Unknown code or name (the message suggests the closest units).
    """
    from .. import territories

    check_processed(processed_dir)
    if level not in TERRITORY_LEVELS:
        raise ParameterError(f"niveau territorial inconnu : « {level} »"
                             + suggestion(level, TERRITORY_LEVELS))
    check_period(period_start, period_end)
    return territories.lookup(level, str(code), processed_dir)


def check_convention(convention_id: str = "", processed_dir: str | Path = PROCESSED_DIR,
                     **_ignored) -> str:
    """Check a convention (or project) identifier; return the framework convention's id.

    A project id is accepted too: its (earliest) framework convention is used.

    Raises
    ------
    ParameterError
        Unknown convention or project (the message suggests the closest identifiers).
    """
    check_processed(processed_dir)
    conventions = _read_table(processed_dir, "conventions",
                              ["convention_id", "project_id", "kind", "signed_on"])
    asked = str(convention_id).strip()
    hit = conventions[conventions["convention_id"] == asked]
    if hit.empty:
        hit = conventions[(conventions["project_id"] == asked)
                          & (conventions["kind"] == "cadre")].sort_values("signed_on")
    if hit.empty:
        ids = list(conventions["convention_id"]) + list(conventions["project_id"].unique())
        raise ParameterError(f"convention ou projet inconnu : « {asked} »" + suggestion(asked, ids))
    return str(hit["convention_id"].iloc[0])


def _check_impact(processed_dir: str | Path = PROCESSED_DIR, census_date: str = "2024-09-01",
                  neighbours: int = 3, bands: int = 3, indicators: list | None = None,
                  **_ignored) -> None:
    from ..evaluation import check_impact

    check_processed(processed_dir)
    check_impact(census_date, neighbours, bands, indicators)


_CHECKS = {"bilan": check_bilan, "territoire": check_territoire,
           "convention": check_convention, "impact": _check_impact}


def validate_params(kind: str, params: Mapping, processed_dir: str | Path = PROCESSED_DIR,
                    notebooks_dir: str | Path = NOTEBOOKS_DIR) -> None:
    """Run the check of a report kind on its parameters (notebook defaults filled in).

    Raises
    ------
    ParameterError, UnknownTerritoryError
        With a French message, as the notebook's validation cell would.
    """
    import ast

    declared = notebook_parameters(notebook_path(kind, notebooks_dir))
    values = {}
    for name, spec in declared.items():
        if name in RESERVED:
            continue
        with contextlib.suppress(ValueError, SyntaxError):
            values[name] = ast.literal_eval(spec["default"])
    values.update(params)
    check = _CHECKS.get(kind, lambda processed_dir, **_: check_processed(processed_dir))
    # Relative paths in parameters are relative to the notebooks' folder, as in the kernel.
    processed_dir = Path(processed_dir).resolve()
    with contextlib.chdir(Path(notebooks_dir)):
        check(processed_dir=processed_dir, **values)
        if values.get("since"):
            from ..history import check_since

            check_since(values["since"], processed_dir)
        if values.get("ref_date"):
            from ..sections import check_ref_date

            check_ref_date(values["ref_date"])


# --------------------------------------------------------------------------------------------
# Data adapters (thin reads used by the checks and the batch expansion)
# --------------------------------------------------------------------------------------------

def _read_table(processed_dir: str | Path, name: str, columns: list[str] | None = None):
    """One processed table, only the columns asked (cheap enough for a parameter check)."""
    return store.current(processed_dir).read(name, columns)


def contracting_years(processed_dir: str | Path = PROCESSED_DIR) -> list[int]:
    """Distinct contracting years (signature year of framework conventions), sorted."""
    conv = _read_table(processed_dir, "conventions", ["kind", "signed_on"])
    years = conv.loc[conv["kind"] == "cadre", "signed_on"].dt.year.dropna().astype(int)
    return sorted(set(years.tolist()))


def framework_conventions(processed_dir: str | Path = PROCESSED_DIR, scale: str | None = None,
                          period_start: int | None = None,
                          period_end: int | None = None) -> list[str]:
    """Framework conventions of the projects of a scale contracted in a period, sorted.

    A project's contracting year is the signature year of its earliest framework convention.
    """
    conv = _read_table(processed_dir, "conventions",
                       ["convention_id", "project_id", "kind", "signed_on"])
    cadre = conv[conv["kind"] == "cadre"]
    year = cadre.groupby("project_id")["signed_on"].transform("min").dt.year
    keep = year.notna()
    if period_start is not None:
        keep &= year >= period_start
    if period_end is not None:
        keep &= year <= period_end
    if scale is not None:
        projects = _read_table(processed_dir, "projects", ["project_id", "scale"])
        wanted = set(projects.loc[projects["scale"] == scale, "project_id"])
        keep &= cadre["project_id"].isin(wanted)
    return sorted(cadre.loc[keep, "convention_id"].astype(str).tolist())


def _territory_codes(level: str, processed_dir: str | Path) -> list[str]:
    from .. import territories

    return sorted(territories.load_layer(level, processed_dir)["code"].astype(str).tolist())
