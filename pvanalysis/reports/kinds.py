"""Report kinds and their parameters: the notebook of each kind and its French labels,
parameter inspection and conversion, safe folder names, notebooks saved without outputs.

Nothing here starts a kernel: papermill's inspector and nbformat load on first use.
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
from collections.abc import Mapping
from pathlib import Path

from ..errors import ParameterError
from ..i18n import N_, check_lang
from ..present import slugify
from ..text import suggestion

#: Folder holding the report notebooks, relative to the working directory.
NOTEBOOKS_DIR = Path("notebooks")


@dataclasses.dataclass(frozen=True)
class ReportKind:
    """One kind of report: its notebook and how people call it."""

    notebook: str
    label: str
    plural: str


#: Report kinds, key → notebook stem and French labels (the CLI's ``report KIND``).
KINDS = {
    "bilan": ReportKind("bilan_national", N_("Bilan national"), N_("Bilan national")),
    "territoire": ReportKind("fiche_territoire", N_("Fiche territoriale"),
                             N_("Fiches territoriales")),
    "convention": ReportKind("suivi_convention", N_("Suivi de convention"),
                             N_("Tableaux de bord des conventions")),
    "qualite": ReportKind("qualite_donnees", N_("Qualité des données"),
                          N_("Qualité des données")),
    "exploration": ReportKind("exploration", N_("Exploration"), N_("Exploration")),
    "impact": ReportKind("impact", N_("Impact 2014 → 2024"), N_("Impact 2014 → 2024")),
}

#: Parameters every report notebook has, set by the runner (never by the user).
RESERVED = ("processed_dir", "output_dir")

#: Status → French label shown in the index.
STATUS_LABELS = {
    "ok": N_("réussi"),
    "error": N_("échec"),
    "timeout": N_("délai dépassé"),
    "dead_kernel": N_("processus arrêté"),
}


# --------------------------------------------------------------------------------------------
# Parameters: inspection, conversion, safe folder names
# --------------------------------------------------------------------------------------------

def notebook_path(kind: str, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> Path:
    """Path of the notebook of a report kind.

    Raises
    ------
    ParameterError
        If ``kind`` is not a key of ``KINDS`` (French message with the closest kinds).
    """
    if kind not in KINDS:
        raise ParameterError(f"type de rapport inconnu : « {kind} »" + suggestion(kind, KINDS))
    return Path(notebooks_dir) / f"{KINDS[kind].notebook}.ipynb"


def notebook_parameters(path: str | Path) -> dict[str, dict]:
    """Parameters declared in a notebook's ``parameters`` cell.

    Returns
    -------
    dict
        name → ``{"type": "int", "default": "2017", "help": "…"}`` (papermill's inspector).
    """
    stat = Path(path).stat()
    return {name: dict(spec) for name, spec in
            _inspected(str(path), stat.st_mtime_ns, stat.st_size).items()}


@functools.lru_cache(maxsize=32)
def _inspected(path: str, mtime_ns: int, size: int) -> dict:
    """papermill's inspection of one notebook file, kept while the file is unchanged."""
    import papermill

    inspected = papermill.inspect_notebook(path)
    return {name: {"type": p["inferred_type_name"], "default": p["default"], "help": p["help"]}
            for name, p in inspected.items()}


def _convert(name: str, value, type_name: str):
    """Convert one parameter value to the type the notebook declares."""
    base = type_name.replace(" ", "").lower()
    try:
        if base == "int":
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError(value)
            return int(value)
        if base == "float":
            return float(value)
        if base == "bool":
            if isinstance(value, bool):
                return value
            text = str(value).strip().lower()
            if text in {"true", "vrai", "oui", "1"}:
                return True
            if text in {"false", "faux", "non", "0"}:
                return False
            raise ValueError(value)
        if base.startswith("list"):
            items = value if isinstance(value, list | tuple) else str(value).split(",")
            return [str(v).strip() for v in items if str(v).strip()]
        return value if value is None else str(value)
    except (TypeError, ValueError) as exc:
        raise ParameterError(f"paramètre « {name} » : valeur de type {type_name} attendue "
                             f"(valeur lue : « {value} »)") from exc


def coerce_params(kind: str, params: Mapping, notebooks_dir: str | Path = NOTEBOOKS_DIR) -> dict:
    """Check parameter names against the notebook and convert values to the declared types.

    Parameters
    ----------
    kind : str
        Report kind (key of ``KINDS``).
    params : mapping
        Name → value; values may be strings (command line) or typed (YAML).

    Returns
    -------
    dict
        Converted parameters, in the notebook's order.

    Raises
    ------
    ParameterError
        Unknown or reserved parameter name, or a value of the wrong type.
    """
    declared = notebook_parameters(notebook_path(kind, notebooks_dir))
    allowed = [n for n in declared if n not in RESERVED]
    if "lang" in params:
        check_lang(str(params["lang"]))
        if params["lang"] == "fr":  # the source edition: the report as it always was
            params = {k: v for k, v in params.items() if k != "lang"}
        elif "lang" not in declared:
            raise ParameterError(f"le rapport « {kind} » n'a pas encore d'édition en arabe "
                                 "(son carnet n'a pas de paramètre « lang »)")
    for name in params:
        if name in RESERVED:
            raise ParameterError(f"le paramètre « {name} » est fixé par l'exécution du rapport")
        if name not in declared:
            raise ParameterError(f"paramètre inconnu pour le rapport « {kind} » : « {name} »"
                                 + suggestion(name, allowed))
    return {n: _convert(n, params[n], declared[n]["type"]) for n in declared if n in params}


def report_id(kind: str, params: Mapping) -> str:
    """Folder of a report relative to the output directory: ``"<kind>/<kind>-<values>"``.

    Values are slugified; when that loses information (``/``, accents, length) a short hash of
    the parameters keeps two different reports in two folders.
    """
    lang = params.get("lang", "fr")
    values = [str(v if not isinstance(v, list) else ",".join(map(str, v)))
              for k, v in params.items() if k not in RESERVED and k != "lang"]
    parts = [slugify(v, 40) for v in values]
    slug = "-".join([kind, *parts])
    lossless = all(p == v.lower() for p, v in zip(parts, values, strict=True))
    if not lossless or len(slug) > 80:
        french = {k: v for k, v in params.items() if k != "lang"}
        digest = hashlib.sha256(json.dumps(french, sort_keys=True, default=str).encode())
        slug = f"{slug[:70]}-{digest.hexdigest()[:8]}"
    if lang != "fr":  # an edition sits beside the French report: <slug>-ar
        slug = f"{slug}-{slugify(str(lang))}"
    return f"{slugify(kind)}/{slug}"


def edition_href(rid: str, lang: str) -> str:
    """Link from the page of report ``rid`` to its edition in ``lang`` (sibling folder)."""
    french = rid.split("/")[-1]
    for other in ("ar",):
        french = french.removesuffix(f"-{other}")
    return f"../{french if lang == 'fr' else f'{french}-{lang}'}/rapport.html"


def index_page(lang: str = "fr") -> str:
    """File name of the site index in ``lang``: ``index.html``, ``index.ar.html``."""
    return "index.html" if lang == "fr" else f"index.{lang}.html"


def edition_index_href(index_href: str | None, lang: str = "fr") -> str | None:
    """The back link of an edition's page: the index page in its language."""
    if not index_href or lang == "fr" or not index_href.endswith(index_page()):
        return index_href
    return index_href.removesuffix(index_page()) + index_page(lang)


def _report_folder(out_dir: Path, rid: str) -> Path:
    folder = (out_dir / rid).resolve()
    if not folder.is_relative_to(out_dir.resolve()) or folder == out_dir.resolve():
        raise ValueError(f"report folder {folder} would leave {out_dir}")
    return folder


# --------------------------------------------------------------------------------------------
# Notebooks committed without outputs
# --------------------------------------------------------------------------------------------

def notebooks_with_outputs(folder: str | Path = NOTEBOOKS_DIR) -> list[str]:
    """Notebooks of ``folder`` that carry outputs or execution counts (French reasons).

    Returns
    -------
    list of str
        One line per offending notebook; empty when all are clean.
    """
    import nbformat

    problems = []
    for path in sorted(Path(folder).glob("*.ipynb")):
        nb = nbformat.read(str(path), as_version=4)
        dirty = [i for i, c in enumerate(nb.cells, 1) if c.cell_type == "code"
                 and (c.get("outputs") or c.get("execution_count") is not None)]
        if dirty:
            problems.append(f"{path} : sorties ou compteurs d'exécution dans les cellules "
                            f"{', '.join(map(str, dirty))}")
    return problems
