"""DESIGN.md's import rules, as allowed edges: a breach fails ``make test``.

Every module of ``campaign``, ``audiences`` and ``scheduler`` is read with ``ast`` (imports inside
functions and under ``TYPE_CHECKING`` count too) and each first-party import is checked against
what its folder may use. Alembic's migration scripts are left out: Alembic runs them, not us.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("campaign", "audiences", "scheduler")

# The foundations every domain folder may stand on.
_BASE = ("campaign.kernel", "campaign.store", "campaign.events")
# Domain folders whose types (models, enums, errors) the edges may name.
_DOMAIN_TYPES = (
    "campaign.campaigns",
    "campaign.delivery",
    "campaign.measures",
    "campaign.message_templates",
    "campaign.accounts",
    "campaign.records",
    "audiences",
    "campaign.messages",
)

# Longest prefix wins. A module may import its own folder and whatever is listed here.
ALLOWED: dict[str, tuple[str, ...]] = {
    "campaign.kernel": (),
    "campaign.store": ("campaign.kernel",),
    "campaign.events": ("campaign.kernel", "campaign.store"),
    "audiences": _BASE,
    "scheduler": ("campaign.kernel",),
    "campaign.messages": ("campaign.kernel",),
    # Providers turn a rendered message into a call; they know no store, dispatch, tracking or web.
    "campaign.channels": ("campaign.kernel", "campaign.delivery.states"),
    "campaign.delivery": _BASE,
    "campaign.accounts": _BASE,
    "campaign.message_templates": (*_BASE, "campaign.messages"),
    "campaign.measures": (*_BASE, "campaign.messages", "audiences"),
    "campaign.records": (*_BASE, "campaign.messages", "audiences"),
    "campaign.campaigns": (
        *_BASE,
        "campaign.delivery",
        "campaign.messages",
        "campaign.message_templates",
        "campaign.measures",
        "audiences",
    ),
    # A report that fails a message for good queues its fallback (the campaign's policy).
    "campaign.tracking": (
        *_BASE,
        "campaign.delivery",
        "campaign.channels",
        "audiences",
        "campaign.campaigns.fallback",
    ),
    "campaign.dispatch": (*_BASE, *_DOMAIN_TYPES, "campaign.channels"),
    # Handlers call services: no SQL, no provider, no construction (checked below as well).
    "campaign.api": ("campaign.kernel", "campaign.services", *_DOMAIN_TYPES),
    "campaign.web": (
        "campaign.kernel",
        "campaign.services",
        "campaign.api",
        "campaign.channels",
        *_DOMAIN_TYPES,
    ),
    "campaign.demo": ("campaign.kernel", "campaign.services", "campaign.store", *_DOMAIN_TYPES),
    # The process shell: the root builds everything; the CLI and the roles start it.
    "campaign.services": ("*",),
    "campaign.bootstrap": ("*",),
    "campaign.settings": ("campaign.kernel",),
    "campaign.roles": ("campaign.kernel", "campaign.services", "campaign.web"),
    "campaign.cli": ("*",),
    "campaign.__main__": ("campaign.cli",),
}

# Handlers reach the database only through the services the root built.
HANDLERS = ("campaign.api", "campaign.web")
NOT_FOR_HANDLERS = (
    "campaign.store",
    "campaign.events",
    "campaign.tracking",
    "campaign.dispatch",
    "campaign.delivery.moves",
)

# Concrete adapters and settings: named only by the composition root (and the CLI that starts it).
ROOT_ONLY = ("campaign.channels.sandbox", "campaign.channels.twilio", "campaign.store.leader")
ROOT_FOLDERS = ("campaign.bootstrap", "campaign.services")  # the root, and what it hands out
READS_SETTINGS = ("campaign.bootstrap", "campaign.services", "campaign.cli", "campaign.settings")

_DRIVERS = ("sqlalchemy", "asyncpg", "aiosqlite")
_PROVIDERS = ("twilio", "aiosmtplib")
# Third-party packages a folder must not import.
FORBIDDEN: dict[str, tuple[str, ...]] = {
    "campaign.kernel": (*_DRIVERS, "aiohttp", *_PROVIDERS),
    "campaign.messages": (*_DRIVERS, "aiohttp", *_PROVIDERS, "socket", "smtplib", "urllib"),
    "campaign.channels": _DRIVERS,
    "audiences": ("aiohttp", *_PROVIDERS),
    "scheduler": (*_DRIVERS, *_PROVIDERS, "aiohttp"),
    "campaign.api": (*_DRIVERS, *_PROVIDERS),
    "campaign.web": (*_DRIVERS, *_PROVIDERS),
}
# Pure domain models: dataclasses, enums and transition tables.
MODEL_FILES = ("model", "states")
MODEL_FORBIDDEN = (*_DRIVERS, "aiohttp", *_PROVIDERS)


@dataclass(frozen=True, slots=True)
class Breach:
    where: str
    line: int
    target: str
    rule: str

    def __str__(self) -> str:
        return f"{self.where}:{self.line} imports {self.target}: {self.rule}"


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _is_module(name: str) -> bool:
    base = ROOT.joinpath(*name.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports_of(source: str, module: str = "") -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``source`` (the text of ``module``, against which
    relative imports resolve); ``from a import b`` is ``a.b`` when that is a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _absolute(node, module)
            for alias in node.names:
                candidate = f"{base}.{alias.name}" if base else alias.name
                yield node.lineno, candidate if _is_module(candidate) else base


def _absolute(node: ast.ImportFrom, module: str) -> str:
    if node.level == 0:
        return node.module or ""
    package = module.split(".")
    package = package[: len(package) - node.level]  # a module's own name counts as one level
    return ".".join([*package, *([node.module] if node.module else [])])


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _folder(name: str, table: dict[str, tuple[str, ...]]) -> str | None:
    matches = [prefix for prefix in table if _under(name, prefix)]
    return max(matches, key=len) if matches else None


def breaches(module: str, source: str) -> list[Breach]:
    """Every import in ``source`` (the text of ``module``) that the rules above refuse."""
    found: list[Breach] = []
    folder = _folder(module, ALLOWED)
    for line, target in imports_of(source, module):
        rule = _rule_broken(module, folder, target)
        if rule is not None:
            found.append(Breach(module, line, target, rule))
    return found


def _rule_broken(module: str, folder: str | None, target: str) -> str | None:
    first_party = target.split(".")[0] in PACKAGES
    if not first_party:
        return _third_party_rule(module, target)
    if folder is None:
        return "a module outside every folder of DESIGN.md's layout"
    if any(_under(target, p) for p in ROOT_ONLY) and folder not in ROOT_FOLDERS:
        if not _under(target, folder):
            return "only the composition root names concrete adapters"
    if _under(target, "campaign.settings") and folder not in READS_SETTINGS:
        return "only the composition root reads settings"
    if _under(target, "campaign.bootstrap") and folder not in ("campaign.cli",):
        return "only the CLI calls the composition root; others get Services"
    if folder in HANDLERS and (
        target.rsplit(".", 1)[-1] == "repository"
        or any(_under(target, p) for p in NOT_FOR_HANDLERS)
    ):
        return "handlers call services: no SQL, no repository, no provider"
    allowed = ALLOWED[folder]
    if "*" in allowed or _under(target, folder):
        return None
    if any(_under(target, prefix) for prefix in allowed):
        return None
    return f"{folder} may use {', '.join(allowed) or 'nothing first-party'}"


def _third_party_rule(module: str, target: str) -> str | None:
    top = target.split(".")[0]
    if module.rsplit(".", 1)[-1] in MODEL_FILES and top in MODEL_FORBIDDEN:
        return "domain models import no database, web or provider library"
    folder = _folder(module, FORBIDDEN)
    if folder is not None and top in FORBIDDEN[folder]:
        return f"{folder} must not use {top}"
    return None


def _sources() -> Iterator[tuple[str, str]]:
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            yield _module_name(path), path.read_text(encoding="utf-8")


def test_every_import_follows_the_layout() -> None:
    found = [str(b) for name, source in _sources() for b in breaches(name, source)]
    assert found == []


@pytest.mark.parametrize(
    ("module", "source", "rule"),
    [
        ("audiences.contacts.model", "from campaign.campaigns import service\n", "audiences may"),
        ("campaign.messages.render", "import sqlalchemy\n", "must not use sqlalchemy"),
        ("campaign.messages.render", "from campaign.store.engine import Database\n", "may use"),
        ("campaign.channels.sandbox", "from campaign.dispatch import worker\n", "may use"),
        ("campaign.api.measures", "from sqlalchemy import select\n", "must not use"),
        ("campaign.api.measures", "from campaign.store.tables import measures\n", "handlers"),
        ("campaign.web.app", "from campaign.channels.sandbox import sandbox_sms\n", "root names"),
        ("campaign.tracking.stats", "from campaign.settings import load_settings\n", "settings"),
        ("campaign.campaigns.model", "from sqlalchemy import Row\n", "domain models"),
        ("scheduler.clock", "from campaign.campaigns.service import X\n", "scheduler may"),
        ("campaign.demo.loader", "from campaign.bootstrap import build\n", "composition root"),
        ("campaign.kernel.clock", "def f():\n    from campaign.store import engine\n", "may use"),
        ("campaign.channels.sandbox", "from ..store import engine\n", "may use"),
        ("audiences.contacts.model", "from ...campaign.campaigns import service\n", "may"),
        ("campaign.api.measures", "from campaign.campaigns.repository import x\n", "handlers"),
        ("campaign.web.recipient", "from campaign.tracking.optout import x\n", "handlers"),
    ],
)
def test_a_forbidden_import_is_caught(module: str, source: str, rule: str) -> None:
    found = breaches(module, source)
    assert len(found) == 1, found
    assert rule in found[0].rule


# Where services are used, never made: they come from the Services the root built.
USERS_OF_SERVICES = (
    "campaign.api",
    "campaign.web",
    "campaign.demo",
    "campaign.cli",
    "campaign.roles",
)


def service_types() -> set[str]:
    """The class names of every field of ``Services`` (what only the root may construct)."""
    tree = ast.parse((ROOT / "campaign" / "services.py").read_text(encoding="utf-8"))
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.AnnAssign):
            names |= {n.id for n in ast.walk(node.annotation) if isinstance(n, ast.Name)}
            names |= {n.attr for n in ast.walk(node.annotation) if isinstance(n, ast.Attribute)}
    # Values and adapters the root hands out, not services: fixtures may make their own.
    values = {"Database", "Clock", "Settings", "Signer", "AddressKeys", "Environment", "Provider"}
    return (
        names
        - values
        - {"Mapping", "dict", "list", "str", "Channel", "Handler", "Services", "jinja2"}
    )


def _called(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    return node.func.attr if isinstance(node.func, ast.Attribute) else None


def constructions(source: str, types: set[str]) -> list[tuple[int, str]]:
    """(line, class) of every call in ``source`` that constructs one of ``types``."""
    return [
        (node.lineno, name)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and (name := _called(node)) in types
    ]


def reaches_around_services(source: str) -> list[tuple[int, str]]:
    """(line, attribute) where a handler takes the database or the settings off the services."""
    return [
        (node.lineno, node.attr)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Attribute) and node.attr in ("database", "settings")
    ]


def test_handlers_neither_query_nor_read_settings_through_the_services() -> None:
    found = [
        f"{name}:{line} uses .{attr}"
        for name, source in _sources()
        if any(_under(name, folder) for folder in HANDLERS)
        for line, attr in reaches_around_services(source)
    ]
    assert found == []
    assert reaches_around_services("x = services(request).database\n") == [(1, "database")]


def test_handlers_commands_and_the_demo_construct_no_service() -> None:
    types = service_types()
    assert {"CampaignService", "Accounts", "Catalogue", "DispatchWorker"} <= types
    found = [
        f"{name}:{line} constructs {cls}"
        for name, source in _sources()
        if any(_under(name, folder) for folder in USERS_OF_SERVICES)
        for line, cls in constructions(source, types)
    ]
    assert found == []
    assert constructions("x = Catalogue(db, clock)\n", types) == [(1, "Catalogue")]
    assert constructions("x = m.Accounts(db, clock)\n", types) == [(1, "Accounts")]


def _test_sources() -> Iterator[tuple[str, str]]:
    for folder in ("tests/integration", "tests/e2e", "bench"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            yield str(path.relative_to(ROOT)), path.read_text(encoding="utf-8")


def test_integration_tests_and_benchmarks_get_services_from_the_root() -> None:
    # They test the graph the product runs, not one wired by hand. The clock's own tests give it
    # stand-in work through its port (ClockWork), as a port's in-memory adapter.
    types = service_types() - {"CampaignClock"}
    found = [
        f"{name}:{line} constructs {cls}"
        for name, source in _test_sources()
        for line, cls in constructions(source, types)
    ]
    assert found == []


def test_allowed_imports_pass() -> None:
    assert breaches("campaign.dispatch.worker", "from campaign.channels import Provider\n") == []
    assert breaches("audiences.segments.preview", "from campaign.store.tables import x\n") == []
    assert breaches("campaign.bootstrap", "from campaign.channels.sandbox import s\n") == []
