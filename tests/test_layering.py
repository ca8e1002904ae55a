"""The layering rules of the architecture, executable: every import of the project's own code is
read (with `ast`, nothing is imported) and checked against the rules below. A newcomer who puts
SQL in a service, or makes the core import a framework, gets a failing test naming the line.

The rules:
- the core imports nothing of the project and no framework;
- only `cardsvc.storage` imports SQLAlchemy, alembic or a database driver (the agent's own
  local outbox database is the one exception, in its two modules);
- only `cardsvc.storage` knows the schema and the engine helpers;
- storage never imports services, api, vouchers, web, backoffice, commands or the wiring;
- services never import the API or the back office's pages;
- the reader agent reaches the ledger only through `cardsvc.protocol`;
- terminals reach the agent only through its contract module; `terminals.common` (what every
  front-end shares) imports no front-end and nothing of the agent;
- keys import neither the ledger, the agent nor the terminals;
- card drivers never import emulated cards;
- packages form no cycle.
"""

from __future__ import annotations

import ast
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("cardsvc", "reader_agent", "terminals", "keys")
DATABASE_LIBRARIES = ("sqlalchemy", "alembic", "psycopg", "psycopg2", "sqlite3")
FRAMEWORKS = ("fastapi", "starlette", "pydantic", "pydantic_settings", *DATABASE_LIBRARIES)
AGENT_LOCAL_DATABASE = ("reader_agent.agent.localdb", "reader_agent.agent.outbox")
AGENT_CONTRACT = "reader_agent.contract"


@dataclass(frozen=True)
class Import:
    module: str  # the importing module
    target: str  # what it imports (a module, or module.name)
    line: int

    def __str__(self) -> str:
        return f"{self.module}:{self.line} imports {self.target}"


def module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, root: Path) -> Iterator[Import]:
    module = module_name(path, root)
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield Import(module, alias.name, node.lineno)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                yield Import(module, f"{node.module}.{alias.name}", node.lineno)


def project_files(root: Path, packages: Iterable[str] = PACKAGES) -> list[Path]:
    return [
        path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
        # alembic revisions are frozen history: they speak SQLAlchemy
        if not ("migrations" in path.parts and "versions" in path.parts)
    ]


def project_modules(root: Path) -> set[str]:
    return {module_name(path, root) for path in project_files(root)}


def project_imports(root: Path) -> list[Import]:
    return [imp for path in project_files(root) for imp in imports_of(path, root)]


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def violations(imports: Iterable[Import]) -> list[str]:
    """Every import that breaks a rule, with the rule it breaks."""
    out: list[str] = []
    for imp in imports:
        m, t = imp.module, imp.target
        rule = _broken_rule(m, t)
        if rule:
            out.append(f"{imp}: {rule}")
    return out


def _broken_rule(m: str, t: str) -> str | None:
    if within(m, "cardsvc.core"):
        if within(t, *PACKAGES) and not within(t, "cardsvc.core"):
            return "the core imports nothing of the project"
        if within(t, *FRAMEWORKS):
            return "the core imports no framework"
    if within(t, *DATABASE_LIBRARIES) and not within(m, "cardsvc.storage", *AGENT_LOCAL_DATABASE):
        return "only cardsvc.storage talks to the database"
    if within(t, "cardsvc.storage.schema", "cardsvc.storage.db") and not within(
        m, "cardsvc.storage"
    ):
        return "only cardsvc.storage knows the schema and the engine"
    if within(m, "cardsvc.storage") and within(
        t, "cardsvc.services", "cardsvc.api", "cardsvc.vouchers", "cardsvc.web",
        "cardsvc.commands", "cardsvc.wiring", "cardsvc.backoffice", "cardsvc.customers",
    ):  # fmt: skip
        return "storage serves the services; it never imports them"
    if within(m, "cardsvc.services") and within(t, "cardsvc.backoffice", "cardsvc.api"):
        return "services serve the pages and the API; they never import them"
    if within(m, "reader_agent") and within(t, "cardsvc") and not within(t, "cardsvc.protocol"):
        return "the reader agent reaches the ledger only through cardsvc.protocol"
    if within(m, "terminals") and within(t, "reader_agent") and not within(t, AGENT_CONTRACT):
        return f"terminals reach the agent only through {AGENT_CONTRACT}"
    if within(m, "terminals.common") and within(t, "reader_agent", "terminals") and not within(
        t, "terminals.common"
    ):  # fmt: skip
        return "terminals.common is every front-end's: it imports no front-end and no agent"
    if within(m, "keys") and within(t, "cardsvc", "reader_agent", "terminals"):
        return "keys depend on nothing of the ledger, the agent or the terminals"
    if within(m, "reader_agent.drivers") and within(t, "reader_agent.emulate"):
        return "drivers never import emulated cards"
    return None


def package_of(module: str, modules: set[str]) -> str:
    """The package a module belongs to, two levels deep (cardsvc.api, reader_agent.cards...)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if len(parts) > 1 and ".".join(parts[:2]) in modules else parts[0]


def package_cycles(imports: Iterable[Import], modules: set[str]) -> list[list[str]]:
    """Cycles among packages (two levels deep), each as the list of packages around it."""
    packages = {m for m in modules if m.count(".") <= 1}
    edges: dict[str, set[str]] = {}
    for imp in imports:
        target = _known_module(imp.target, modules)
        if target is None:
            continue
        a, b = package_of(imp.module, packages), package_of(target, packages)
        if a != b and not b.startswith(a + ".") and not a.startswith(b + "."):
            edges.setdefault(a, set()).add(b)
    return _cycles(edges)


def _known_module(target: str, modules: set[str]) -> str | None:
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def _cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one package (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(edges.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


# --- the project ----------------------------------------------------------------------------


def test_the_project_keeps_its_layers() -> None:
    broken = violations(project_imports(ROOT))
    assert not broken, "layering rules broken:\n" + "\n".join(broken)


def test_the_project_has_no_package_cycles() -> None:
    cycles = package_cycles(project_imports(ROOT), project_modules(ROOT))
    assert not cycles, f"package cycles: {cycles}"


def test_the_check_reads_every_package() -> None:
    """A rule that reads nothing passes vacuously: the project's imports are really seen."""
    imports = project_imports(ROOT)
    seen = {i.module.split(".")[0] for i in imports}
    assert seen == set(PACKAGES)
    storage = [i for i in imports if within(i.module, "cardsvc.storage")]
    assert any(within(i.target, "sqlalchemy") for i in storage)


# --- the check itself fails on violations ---------------------------------------------------


def _tree(tmp: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for package in PACKAGES:
        (tmp / package).mkdir(exist_ok=True)
        (tmp / package / "__init__.py").touch()
    return tmp


@pytest.mark.parametrize(
    ("path", "source", "rule"),
    [
        ("cardsvc/core/ops.py", "import sqlalchemy\n", "the core imports no framework"),
        ("cardsvc/core/ops.py", "from cardsvc.protocol import messages\n",
         "the core imports nothing of the project"),
        ("cardsvc/services/x.py", "from sqlalchemy import select\n",
         "only cardsvc.storage talks to the database"),
        ("cardsvc/api/x.py", "from cardsvc.storage.schema import users\n",
         "only cardsvc.storage knows the schema"),
        ("cardsvc/storage/x.py", "from cardsvc.services.people import Role\n",
         "storage serves the services"),
        ("cardsvc/services/x.py", "from cardsvc.backoffice.session import Viewer\n",
         "services serve the pages and the API"),
        ("reader_agent/agent/x.py", "from cardsvc.services import ingest\n",
         "only through cardsvc.protocol"),
        ("terminals/counter/x.py", "from reader_agent.agent.api import TapRequest\n",
         "terminals reach the agent only through"),
        ("keys/x.py", "from cardsvc.protocol.signing import InMemorySigner\n",
         "keys depend on nothing"),
        ("terminals/common/x.py", "from terminals.counter.text import t\n",
         "terminals.common is every front-end's"),
        ("terminals/common/x.py", f"from {AGENT_CONTRACT} import Health\n",
         "terminals.common is every front-end's"),
        ("reader_agent/drivers/x.py", "from reader_agent.emulate.card import EmulatedCard\n",
         "drivers never import emulated cards"),
        ("cardsvc/web/x.py", "def f() -> None:\n    import psycopg\n",
         "only cardsvc.storage talks to the database"),
    ],
)  # fmt: skip
def test_a_deliberate_violation_fails(tmp_path: Path, path: str, source: str, rule: str) -> None:
    root = _tree(tmp_path, {path: source})
    broken = violations(project_imports(root))
    assert len(broken) == 1 and rule in broken[0], broken
    assert broken[0].startswith(module_name(root / path, root) + ":")


def test_allowed_imports_pass(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "cardsvc/storage/x.py": "from sqlalchemy import select\nfrom cardsvc.core import Op\n",
        "cardsvc/services/x.py": "from cardsvc.storage.unit_of_work import UnitOfWork\n",
        "reader_agent/agent/x.py": "from cardsvc.protocol.messages import TransactionMsg\n",
        "reader_agent/agent/outbox.py": "import sqlite3\n",
        "terminals/counter/x.py": f"from {AGENT_CONTRACT} import Health\n",
        "cardsvc/core/ops.py": "from cardsvc.core.model import Op\nimport dataclasses\n",
    })  # fmt: skip
    assert violations(project_imports(root)) == []


def test_a_package_cycle_is_found(tmp_path: Path) -> None:
    root = _tree(tmp_path, {
        "cardsvc/services/__init__.py": "",
        "cardsvc/services/a.py": "from cardsvc.api import b\n",
        "cardsvc/api/__init__.py": "",
        "cardsvc/api/b.py": "from cardsvc.services import a\n",
        "cardsvc/storage/__init__.py": "",
        "cardsvc/storage/c.py": "import cardsvc.core\n",
    })  # fmt: skip
    cycles = package_cycles(project_imports(root), project_modules(root))
    assert cycles == [["cardsvc.api", "cardsvc.services"]]
