"""pvanalysis — évaluation des projets de politique de la ville au Maroc.

Load the processed tables and compute indicators::

    import pvanalysis as pv
    tables = pv.load()              # the current version of data/processed (pvanalysis.store)
    communes = pv.territories.load_layer("commune")

Imports are light: heavy modules load on first use.
"""

from importlib import import_module

__version__ = "0.1.0"

_LAZY = {"store", "contract", "ingest", "convert", "quarantine", "link", "schemas", "territories",
         "matching", "boundaries", "rules", "build", "indicators", "charts", "maps", "present",
         "sections", "story", "history", "evaluation", "reports", "sample", "template", "text",
         "fmt", "config", "errors", "i18n"}


def __getattr__(name):
    if name in _LAZY:
        return import_module(f".{name}", __name__)
    if name == "load":
        return import_module(".store", __name__).load
    raise AttributeError(f"module 'pvanalysis' has no attribute {name!r}")
