"""Declines one optional import that costs seconds and serves nothing in pvanalysis.

jsonschema, which nbformat imports, compiles about forty grammars at import when the
optional ``rfc3987_syntax`` is installed (JupyterLab's ``jupyter-events`` asks for it), to
check the "iri" string format. No notebook schema uses a format and nbformat validates
without a format checker, so declining it changes no validation; it takes 1,5 to 4 s off
the start of every process that imports nbformat (measured with ``python -X importtime``).

Only the processes pvanalysis owns import this module first: the command line and the
fork server of the reports. A notebook kernel or a user's own process is left as it is.
"""

from __future__ import annotations

import sys


def decline(name: str, unless_loaded: str | None = None) -> None:
    """Make ``import name`` raise ImportError in this process, unless ``name`` (or
    ``unless_loaded``, the module that would import it) is already loaded."""
    if name not in sys.modules and (unless_loaded is None or unless_loaded not in sys.modules):
        sys.modules[name] = None


decline("rfc3987_syntax", unless_loaded="jsonschema")
