"""The package's rooms follow the data flow, and imports only go down it.

surfaces → (quizzes | evaluation) → answering → retrieval → indexing → sources → the base (config, errors,
checksums). Every import in every module is read from its syntax tree, function-level (lazy) ones included,
so an upward import fails here however it is written.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "qa"
RANKS = {"base": 0, "sources": 1, "indexing": 2, "retrieval": 3, "answering": 4, "quizzes": 5, "evaluation": 5,
         "surfaces": 6}
BASE_MODULES = {"qa", "qa.config", "qa.errors", "qa.checksums"}
TOP_LEVEL_SURFACES = {"qa.__main__", "qa.langchain_adapters"}  # the `python -m qa` entry and a documented import path
MAX_LINES = 400


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def room(module: str) -> str:
    if module in BASE_MODULES:
        return "base"
    if module in TOP_LEVEL_SURFACES:
        return "surfaces"
    parts = module.split(".")
    if len(parts) < 2 or parts[1] not in RANKS:
        raise AssertionError(f"{module} is in no room; put it in one of {sorted(RANKS)}")
    return parts[1]


def imports(path: Path, source: str | None = None) -> list[tuple[str, list[str], int]]:
    """(imported qa module, names taken from it, line) for every import of the package in `path`."""
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    out = []
    for node in ast.walk(ast.parse(source if source is not None else path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            out += [(a.name, [], node.lineno) for a in node.names if a.name.split(".")[0] == "qa"]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            if target.split(".")[0] != "qa":
                continue
            names = [a.name for a in node.names]
            # `from qa.rooms import module`: each name may itself be a module
            submodules = [f"{target}.{n}" for n in names
                          if (PACKAGE.parent / f"{target}.{n}".replace(".", "/")).with_suffix(".py").exists()]
            if submodules:
                out += [(s, [], node.lineno) for s in submodules]
            else:
                out.append((target, names, node.lineno))
    return out


MODULES = sorted(PACKAGE.rglob("*.py"))


def test_every_module_is_in_a_room_and_short():
    too_long = [f"{module_name(p)}: {n} lines" for p in MODULES
                if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_LINES]
    assert not too_long, f"modules over {MAX_LINES} lines: {too_long}"
    for path in MODULES:
        room(module_name(path))


@pytest.mark.parametrize("path", MODULES, ids=module_name)
def test_imports_only_go_down(path: Path):
    me = module_name(path)
    mine = room(me)
    for target, names, line in imports(path):
        theirs = room(target)
        where = f"{path.relative_to(PACKAGE.parent)}:{line} imports {target}"
        if theirs == mine:
            continue
        assert RANKS[theirs] < RANKS[mine], f"{where}: {mine} may not import from {theirs} (a higher or sibling room)"
        private = [n for n in names if n.startswith("_") and n != "__version__"]
        assert not private, f"{where}: private names {private} taken from another room"


def test_the_check_catches_an_upward_import():
    """The rule above is not vacuous: a lazy import of the CLI from inside a parser is found and ranked."""
    chunks = PACKAGE / "sources" / "chunks.py"
    source = chunks.read_text(encoding="utf-8") + "\n\ndef _late():\n    from ..surfaces.cli import main\n"
    found = {(target, room(target)) for target, _, _ in imports(chunks, source)}
    assert ("qa.surfaces.cli", "surfaces") in found
    assert RANKS["surfaces"] > RANKS[room(module_name(chunks))]
