"""The layers stay apart: a pure core, storage under the use-cases, adapters and the
command layer above them, the composition roots on top, and no import cycles.

The graph is read from the source (every ``import``, also those inside functions and
under ``TYPE_CHECKING``), so a lazy import cannot smuggle a dependency past the test.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("bot", "handlers", "storage", "notifications")
# Third-party libraries the pure core may use: each does pure work (locale formatting,
# phone numbers, holidays, hashing and signing, identity numbers, QR codes).
CORE_ALLOWED = {"babel", "phonenumbers", "holidays", "cryptography", "stdnum", "segno"}

# Which layers each layer may import (its own included). Use-cases are transaction
# scripts over storage (docs/ARCHITECTURE.md says why); adapters call use-cases; the
# command layer is reached by adapters only through what the roots hand them.
ALLOWED: dict[str, set[str]] = {
    "core": {"core"},
    "storage": {"core", "storage"},
    "usecases": {"core", "storage", "usecases"},
    "notifications": {"core", "storage", "usecases", "notifications"},
    "handlers": {"core", "storage", "usecases", "notifications", "handlers"},
    "commands": {"core", "storage", "usecases", "commands"},
    "roots": {"core", "storage", "usecases", "notifications", "handlers", "commands", "roots"},
}


def layer(module: str) -> str:
    for prefix, name in (
        ("bot.core", "core"),
        ("bot.usecases", "usecases"),
        ("bot.commands", "commands"),
        ("bot.roots", "roots"),
    ):
        if module == prefix or module.startswith(prefix + "."):
            return name
    top = module.split(".")[0]
    if top == "bot":
        raise AssertionError(f"{module} is in bot/ but in none of its layers")
    return top


def _has_imports(path: Path) -> bool:
    tree = ast.parse(path.read_text())
    return any(isinstance(node, ast.Import | ast.ImportFrom) for node in ast.walk(tree))


@cache
def modules() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            relative = path.relative_to(ROOT).with_suffix("")
            if "versions" in relative.parts:  # released migrations import nothing of ours
                continue
            if relative.name == "__init__" and not _has_imports(path):
                continue  # a package that only holds a docstring links nothing
            parts = relative.parts[:-1] if relative.name == "__init__" else relative.parts
            found[".".join(parts)] = path
    return found


@cache
def imports(module: str) -> frozenset[str]:
    """What ``module`` imports: our modules by full name, others by top-level name."""
    ours = modules()
    names: set[str] = set()
    for node in ast.walk(ast.parse(ours[module].read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                names.add(candidate if candidate in ours else node.module)
    resolved = set()
    for name in names:
        if name.split(".")[0] not in PACKAGES:
            resolved.add(name.split(".")[0])
            continue
        while name not in ours and "." in name:
            name = name.rsplit(".", 1)[0]
        if name in ours:
            resolved.add(name)
    return frozenset(resolved - {module})


def reachable(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for name in imports(todo.pop()):
            if name not in seen:
                seen.add(name)
                if name in modules():
                    todo.append(name)
    return seen


CORE = sorted(m for m in modules() if layer(m) == "core")


def test_the_core_has_modules() -> None:
    assert len(CORE) > 15


@pytest.mark.parametrize("module", CORE)
def test_core_reaches_only_the_standard_library_and_the_allow_list(module: str) -> None:
    outside = {
        name
        for name in reachable(module)
        if (name in modules() and layer(name) != "core")
        or (
            name not in modules()
            and name not in sys.stdlib_module_names
            and name not in CORE_ALLOWED
        )
    }
    assert not outside, f"{module} reaches {sorted(outside)}"


def test_layers_import_only_downward() -> None:
    wrong = [
        f"{module} ({layer(module)}) imports {name} ({layer(name)})"
        for module in modules()
        for name in imports(module)
        if name in modules() and layer(name) not in ALLOWED[layer(module)]
    ]
    assert not wrong, "\n".join(sorted(wrong))


def test_no_import_cycles() -> None:
    graph = {m: {n for n in imports(m) if n in modules()} for m in modules()}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    assert not cycles, cycles


def test_the_shell_imports_no_document_or_provider_library() -> None:
    """``timesign admin`` is started once per command: fpdf2 and openpyxl load when a
    document is drawn, the provider clients only in ``serve`` and ``worker``."""
    program = (
        "import sys, bot.roots.cli, bot.roots.admin; "
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))"
    )
    loaded = subprocess.run(  # noqa: S603 - this interpreter, a fixed program
        [sys.executable, "-c", program], capture_output=True, text=True, check=True
    ).stdout.split()
    assert not {"fpdf", "openpyxl", "telegram", "twilio", "aiohttp"} & set(loaded)
