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
    "campaign.tracking": (*_BASE, "campaign.delivery", "campaign.channels", "audiences"),
    "campaign.dispatch": (*_BASE, *_DOMAIN_TYPES, "campaign.channels"),
    # Handlers call services: no SQL, no provider, no construction (checked below as well).
    "campaign.api": ("campaign.kernel", "campaign.services", "campaign.tracking", *_DOMAIN_TYPES),
    "campaign.web": (
        "campaign.kernel",
        "campaign.services",
        "campaign.api",
        "campaign.channels",
        "campaign.tracking",
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


def imports_of(source: str) -> Iterator[tuple[int, str]]:
    """(line, module) of every import in ``source``; ``from a import b`` is ``a.b`` if a module."""
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                yield node.lineno, candidate if _is_module(candidate) else node.module


def _under(name: str, prefix: str) -> bool:
    return name == prefix or name.startswith(prefix + ".")


def _folder(name: str, table: dict[str, tuple[str, ...]]) -> str | None:
    matches = [prefix for prefix in table if _under(name, prefix)]
    return max(matches, key=len) if matches else None


def breaches(module: str, source: str) -> list[Breach]:
    """Every import in ``source`` (the text of ``module``) that the rules above refuse."""
    found: list[Breach] = []
    folder = _folder(module, ALLOWED)
    for line, target in imports_of(source):
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
        ("campaign.api.measures", "from campaign.store.tables import measures\n", "may use"),
        ("campaign.web.app", "from campaign.channels.sandbox import sandbox_sms\n", "root names"),
        ("campaign.tracking.stats", "from campaign.settings import load_settings\n", "settings"),
        ("campaign.campaigns.model", "from sqlalchemy import Row\n", "domain models"),
        ("scheduler.clock", "from campaign.campaigns.service import X\n", "scheduler may"),
        ("campaign.demo.loader", "from campaign.bootstrap import build\n", "composition root"),
        ("campaign.kernel.clock", "def f():\n    from campaign.store import engine\n", "may use"),
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
    return names - {"Mapping", "dict", "list", "str", "Channel", "Handler", "Services"}


def constructions(source: str, types: set[str]) -> list[tuple[int, str]]:
    """(line, class) of every call in ``source`` that constructs one of ``types``."""
    return [
        (node.lineno, node.func.id)
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in types
    ]


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


def test_allowed_imports_pass() -> None:
    assert breaches("campaign.dispatch.worker", "from campaign.channels import Provider\n") == []
    assert breaches("audiences.segments.preview", "from campaign.store.tables import x\n") == []
    assert breaches("campaign.bootstrap", "from campaign.channels.sandbox import s\n") == []
