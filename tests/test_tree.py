"""The tests mirror the source tree: tests/gans/<package>/ for gans/<package>/, tests/pages/ for pages/,
tests/checkpoints/ for the shipped checkpoints; app-wide tests (browser, concurrency, hardening) stay here."""

from tests.helpers import ROOT

TESTS = ROOT / "tests"


def test_every_test_folder_mirrors_a_source_folder():
    folders = [path for path in TESTS.rglob("*") if path.is_dir() and path.name != "__pycache__"]
    assert folders, "the tests are in folders"
    for folder in folders:
        source = ROOT / folder.relative_to(TESTS)
        assert source.is_dir(), f"tests/{folder.relative_to(TESTS)} mirrors nothing: {source} is not a folder"
        assert (folder / "__init__.py").is_file(), f"{folder} needs an __init__.py (test modules share names)"


def test_every_page_has_its_test_file():
    pages = {path.stem for path in (ROOT / "pages").glob("*.py")}
    tested = {path.stem.removeprefix("test_") for path in (TESTS / "pages").glob("test_*.py")}
    assert pages <= tested, f"pages without tests/pages/test_<page>.py: {sorted(pages - tested)}"
