"""Command line: ``pvanalysis sample | template | reference | build | report | batch | demo``.

Each command parses options, calls one library function and prints its summary. Known input
problems (``PvInputError``) become one French line and exit code 2; anything else is a bug
and keeps its traceback.
"""

from __future__ import annotations

import functools
from pathlib import Path

import click

from .config import PROCESSED_DIR, RAW_DIR, REPORTS_DIR
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


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="pvanalysis")
def cli() -> None:
    """pvanalysis : évaluation des projets de politique de la ville au Maroc."""


@cli.command()
@processed_option
@_friendly
def reference(processed: Path) -> None:
    """Construit le référentiel territorial (GeoParquet) et affiche le rapport d'appariement."""
    from .territories import build_reference

    summary = build_reference(processed)
    click.echo(summary.as_text())


@cli.command()
@raw_option
@_path(PROCESSED_DIR, "Dossier des tables traitées (remplacé en bloc, seulement si la "
       "construction aboutit).", "--out")
@_friendly
def build(raw: Path, out: Path) -> None:
    """Construit data/processed à partir de data/raw, sans jamais modifier data/raw."""
    from .build import build_processed

    summary = build_processed(raw, out)
    click.echo(summary.as_text())


@cli.command()
@raw_option
@processed_option
@reports_option
@_friendly
def demo(raw: Path, processed: Path, out: Path) -> None:
    """Tâche principale sur l'échantillon : référentiel, carte des régions."""
    from .maps import demo_region_map
    from .territories import build_reference

    summary = build_reference(processed)
    click.echo(summary.as_text())
    png = demo_region_map(processed, out)
    click.echo(f"Carte des régions : {png.resolve()}")


if __name__ == "__main__":
    cli()
