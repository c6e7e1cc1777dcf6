"""The architecture stays what the README draws.

The import contracts in pyproject.toml are checked by ``bash .ci/lint`` (before the tests,
in ``.ci/run``). These tests keep the README's picture and the contracts the same, and
check the one contract the project wrote itself (``.ci/architecture.py``, no module cycles)
on small packages made for the purpose.
"""

from __future__ import annotations

import re
import sys
import textwrap
import tomllib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / ".ci"))
from architecture import AcyclicModulesContract  # noqa: E402


def contracts() -> dict[str, dict]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def picture() -> str:
    """The fenced block under the README's "Architecture" heading."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Architecture\n", 1)[1].split("\n## ", 1)[0]
    return section.split("```text\n", 1)[1].split("```", 1)[0]


def drawn(prefix: str) -> list[set[str]]:
    """The README's layers of one kind, top first: lines like ``tier  app · cli · models``."""
    rows = [line[len(prefix) :] for line in picture().splitlines() if line.startswith(prefix)]
    return [{name.strip() for name in re.split(r"[·|]", row.split("#")[0]) if name.strip()} for row in rows]


def declared(contract: dict) -> list[set[str]]:
    return [
        {name.strip(" ()") for name in re.split(r"[:|]", layer) if name.strip(" ()")} for layer in contract["layers"]
    ]


def test_the_readme_draws_the_tiers_the_contract_checks():
    assert drawn("tier ") == declared(contracts()["tiers"])


def test_the_readme_draws_the_slice_every_domain_is_checked_against():
    assert drawn("slice ") == declared(contracts()["slices"])


def test_every_package_and_module_of_the_app_is_in_a_drawn_tier():
    """A new domain must be placed in the picture (the contract is exhaustive too)."""
    here = {path.stem for path in (ROOT / "recognition").glob("*.py") if path.stem != "__init__"}
    here |= {path.parent.name for path in (ROOT / "recognition").glob("*/__init__.py")}
    assert here == set().union(*drawn("tier "))


# The no-cycles contract, on packages written for the purpose --------------------------


def package(tmp_path: Path, name: str, modules: dict[str, str]) -> grimp.ImportGraph:
    root = tmp_path / name
    for module, source in modules.items():
        path = root.joinpath(*module.split(".")).with_suffix(".py")
        path.parent.mkdir(parents=True, exist_ok=True)
        for folder in [path.parent, *path.parent.parents]:
            if folder == tmp_path:
                break
            (folder / "__init__.py").touch()
        path.write_text(textwrap.dedent(source), encoding="utf-8")
    sys.path.insert(0, str(tmp_path))
    try:
        return grimp.build_graph(name, cache_dir=None)
    finally:
        sys.path.remove(str(tmp_path))


def check(graph: grimp.ImportGraph, name: str, ignore: list[str] | None = None):
    options = {"modules": [name]} | ({"ignore_modules": ignore} if ignore else {})
    contract = AcyclicModulesContract(name="no cycles", session_options={}, contract_options=options)
    return contract.check(graph, verbose=False)


def test_a_circle_through_a_late_import_in_another_package_is_found_with_its_lines(tmp_path):
    graph = package(
        tmp_path,
        "circles",
        {
            "awards.cycles": "from ..credits import service\n",
            "credits.service": "from . import render\n",
            "credits.render": "def draw():\n    from ..awards import cycles\n    return cycles\n",
            "people.models": "X = 1\n",
        },
    )
    result = check(graph, "circles")
    assert not result.kept
    [cycle] = result.metadata["cycles"]
    assert [(a, b) for a, b, _ in cycle] == [
        ("circles.awards.cycles", "circles.credits.service"),
        ("circles.credits.service", "circles.credits.render"),
        ("circles.credits.render", "circles.awards.cycles"),
    ]
    assert cycle[-1][2] == "2"  # the line of the import inside draw()


def test_imports_that_only_go_down_keep_the_contract(tmp_path):
    graph = package(
        tmp_path,
        "straight",
        {
            "app": "from .awards import views\n",
            "awards.views": "from . import service\n",
            "awards.service": "from .rules import decide\nfrom ..people import models\n",
            "awards.rules": "def decide():\n    return 1\n",
            "people.models": "X = 1\n",
        },
    )
    assert check(graph, "straight").kept


@pytest.mark.parametrize("ignored", [["tangled.migrations.**"], None])
def test_ignored_modules_leave_the_graph(tmp_path, ignored):
    graph = package(
        tmp_path,
        "tangled",
        {
            "migrations.env": "from ..models import X\n",
            "models": "X = 1\n\ndef load():\n    from .migrations import env\n    return env\n",
        },
    )
    assert check(graph, "tangled", ignored).kept is (ignored is not None)
