"""The house follows the data flow: module sizes, one-way imports, a light ``import pvanalysis``."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "pvanalysis"

#: Tiers, top to bottom: a module may import from its own tier's lower neighbours and below,
#: never from above (docs/architecture.md draws the same map).
TIERS = [
    {"cli", "demo"},
    {"reports", "present", "sections", "story", "history", "evaluation"},
    {"build", "indicators", "maps", "charts", "sample", "template"},
    {"link", "convert", "quarantine", "ingest", "contract", "schemas", "territories",
     "matching", "boundaries", "rules"},
    {"store", "text", "config", "errors", "fmt", "lean", "i18n"},
]
MAX_LINES = 800


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(PACKAGE).with_suffix("").parts): p
            for p in PACKAGE.rglob("*.py")}


def _top(name: str) -> str:
    return name.split(".")[0]


def _tier(name: str) -> int | None:
    return next((i for i, tier in enumerate(TIERS) if _top(name) in tier), None)


def _imports(module: str, path: Path) -> set[str]:
    """Package modules imported by ``module`` (relative and absolute imports)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module.split(".")[:-1] if path.name != "__init__.py" else module.split(".")
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
                names = [target] if node.module else [".".join([*base, a.name])
                                                      for a in node.names]
                found.update(n for n in names if n)
            elif node.module and node.module.startswith("pvanalysis."):
                found.add(node.module.removeprefix("pvanalysis."))
        elif isinstance(node, ast.Import):
            found.update(a.name.removeprefix("pvanalysis.") for a in node.names
                         if a.name.startswith("pvanalysis."))
    return found


def test_no_module_is_too_long_to_hold_in_mind():
    long = {m: n for m, p in _modules().items()
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES}
    assert not long


def test_every_module_has_a_tier():
    assert not [m for m in _modules() if m != "__init__" and _tier(m) is None]


def test_imports_point_one_way():
    upward = []
    for module, path in _modules().items():
        mine = _tier(module)
        if mine is None:
            continue
        for target in _imports(module, path):
            theirs = _tier(target)
            if theirs is not None and theirs < mine:
                upward.append(f"{module} → {target}")
    assert not upward


def test_import_pvanalysis_is_silent_and_light():
    code = ("import sys, pvanalysis; heavy = {'pandas', 'geopandas', 'matplotlib', 'papermill'}"
            " & set(sys.modules); print(sorted(heavy))")
    result = subprocess.run([sys.executable, "-W", "error", "-c", code], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == "[]" and result.stderr == ""
