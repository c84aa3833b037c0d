"""The package's layers: imports point down only. Each module of ``gans`` belongs to the layer its folder names,
and a module never imports one of a layer above its own (at module level or inside a function), so a folder name
tells a reader what a module may depend on:

    views → tasks → training → metrics → models → data → ops / io → (the root: errors, registry)
"""

import ast
from pathlib import Path

import pytest

from tests.helpers import ROOT

GANS = ROOT / "gans"
# Layer → the layers it must never import (everything above it).
ORDER = ["views", "tasks", "training", "metrics", "models", "data", "ops", "io"]
ABOVE = {layer: set(ORDER[:index]) for index, layer in enumerate(ORDER)}
ABOVE["io"] = ABOVE["ops"]  # ops and io sit side by side: either may use the other
ROOT_MODULES = {"__init__", "__main__", "cli", "errors", "registry"}


def layer_of(module: str) -> str | None:
    """"gans.tasks.colorize" → "tasks"; a root module (the public API, the CLI) has no layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 2 or (len(parts) == 2 and parts[1] in ORDER) else None


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path, source: str | None = None) -> set[str]:
    """Every ``gans`` module ``path`` (or ``source`` as if it were that file) imports, relative imports resolved,
    ``from x import name`` counted as ``x.name`` when that is a module."""
    package = module_name(path) if path.name == "__init__.py" else module_name(path).rsplit(".", 1)[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text() if source is None else source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == "gans"}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")[: len(package.split(".")) - node.level + 1] if node.level else []
            target = ".".join(base + ([node.module] if node.module else []))
            if target.split(".")[0] != "gans":
                continue
            found.add(target)
            for alias in node.names:
                candidate = f"{target}.{alias.name}"
                if (ROOT / Path(*candidate.split("."))).with_suffix(".py").exists() or \
                        (ROOT / Path(*candidate.split("."))).is_dir():
                    found.add(candidate)
    return found


SOURCES = sorted(p for p in GANS.rglob("*.py") if "__pycache__" not in p.parts)


@pytest.mark.parametrize("path", SOURCES, ids=[str(p.relative_to(GANS)) for p in SOURCES])
def test_no_module_imports_a_layer_above_its_own(path):
    own = layer_of(module_name(path))
    if own is None:
        return  # the root: the public API and the CLI may use every layer
    upward = sorted(module for module in imports_of(path) if layer_of(module) in ABOVE[own])
    assert not upward, f"{path.relative_to(ROOT)} ({own}) imports {upward}, a layer above it"


def test_the_root_holds_at_most_eight_modules_and_every_other_module_sits_in_a_layer():
    root = sorted(p.stem for p in GANS.glob("*.py"))
    assert len(root) <= 8 and set(root) <= ROOT_MODULES, root
    folders = sorted(p.name for p in GANS.iterdir() if p.is_dir() and p.name != "__pycache__")
    assert set(folders) == set(ORDER), folders


@pytest.mark.parametrize("source", ["from ..tasks import colorize", "    from ..views.catalog import runs_dir",
                                    "import gans.training.trainer", "from gans.tasks.colorize import TASK"])
def test_the_checker_sees_an_upward_import_however_it_is_written(source):
    """The checker itself: a models module importing from a layer above is caught (so the test above can fail)."""
    fake = GANS / "models" / "dcgan.py"
    upward = [m for m in imports_of(fake, "def f():\n" + source.strip().rjust(len(source.strip()) + 4) + "\n")
              if layer_of(m) in ABOVE["models"]]
    assert upward, source
