"""The run-folder layout has one owner: ``gans.io.checkpoints`` (``RunDir``). No other module of the library or the
studio spells a run folder's file names; they ask ``RunDir`` for paths."""

import ast
from pathlib import Path

import pytest

from gans.io import checkpoints
from gans.io.checkpoints import RunDir
from tests.helpers import ROOT

NAMES = {checkpoints.CONFIG_FILE, checkpoints.WEIGHTS_FILE, checkpoints.STATE_FILE, checkpoints.EVENTS_FILE,
         checkpoints.SAMPLES_DIR, checkpoints.GIF_FILE, checkpoints.PREVIEW_FILE, checkpoints.BEST_DIR,
         checkpoints.METRIC_FILE}


def sources():
    files = [*(ROOT / "gans").rglob("*.py"), ROOT / "app.py"]
    for folder in ("pages", "studio"):
        files += (ROOT / folder).rglob("*.py")
    return [path for path in files if path.resolve() != Path(checkpoints.__file__).resolve()]


@pytest.mark.parametrize("path", sources(), ids=lambda p: str(p.relative_to(ROOT)))
def test_no_module_but_checkpoints_spells_a_run_folder_name(path):
    tree = ast.parse(path.read_text(encoding="utf-8"))
    spelled = [node.value for node in ast.walk(tree)
               if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in NAMES]
    assert not spelled, f"{path.name} spells {spelled}: ask RunDir for the path"


def test_the_scan_would_find_a_spelled_name(tmp_path):
    """The check above can fail: a module that joins "best" / "metric.json" itself is caught."""
    bad = 'from pathlib import Path\n\ndef best(run):\n    return Path(run) / "best" / "metric.json"\n'
    tree = ast.parse(bad)
    assert {n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and n.value in NAMES} == {"best",
                                                                                                   "metric.json"}


def test_rundir_paths_of_a_run_and_its_best_folder(tmp_path):
    run = RunDir(tmp_path / "run")
    assert run.config_path == tmp_path / "run" / "config.json"
    assert run.best.metric_path == tmp_path / "run" / "best" / "metric.json"
    assert run.best.weights_path == tmp_path / "run" / "best" / "model.safetensors"
    assert run.gif_path.parent == run.samples_dir and run.card_path.name == "README.md"
