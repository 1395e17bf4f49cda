"""The template library on disk: ``templates/messages/<slug>/``.

Each message folder holds ``message.json`` (``name``, ``description``) and one file per
language and channel: ``nl.sms.j2``, ``nl.email.j2``. An email file starts with a
``Subject:`` line and a blank line; the rest is the body, from which text and HTML are made.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

from campaign.kernel.channel import Channel

CHANNELS = tuple(channel.value for channel in Channel)


class LibraryError(ValueError):
    """A file of the library is malformed; the message names the file."""


@dataclass(frozen=True, slots=True)
class VariantSource:
    language: str
    channel: str
    subject: str | None
    body: str


@dataclass(frozen=True, slots=True)
class TemplateSource:
    slug: str
    name: str
    description: str
    variants: tuple[VariantSource, ...]


def library_root() -> Traversable:
    return files("templates") / "messages"


def load_library(root: Path | Traversable | None = None) -> list[TemplateSource]:
    """Every message of the library, sorted by slug."""
    folder = root if root is not None else library_root()
    return [
        _load_message(entry)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.is_dir() and not entry.name.startswith(("_", "."))
    ]


def _load_message(folder: Traversable) -> TemplateSource:
    meta_file = folder / "message.json"
    try:
        meta = json.loads(meta_file.read_text(encoding="utf-8"))
        name, description = str(meta["name"]), str(meta.get("description", ""))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise LibraryError(f"{folder.name}/message.json: {exc}") from exc
    variants = tuple(
        _load_variant(folder.name, entry)
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".j2")
    )
    if not variants:
        raise LibraryError(f"{folder.name}: no <language>.<channel>.j2 files")
    return TemplateSource(folder.name, name, description, variants)


def _load_variant(slug: str, entry: Traversable) -> VariantSource:
    where = f"{slug}/{entry.name}"
    parts = entry.name.split(".")
    if len(parts) != 3 or parts[1] not in CHANNELS:
        raise LibraryError(f"{where}: name it <language>.sms.j2 or <language>.email.j2")
    language, channel = parts[0], parts[1]
    try:
        text = entry.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise LibraryError(f"{where}: cannot be read as UTF-8 text: {exc}") from exc
    if channel == Channel.SMS:
        return VariantSource(language, channel, None, text.strip())
    subject, body = split_subject(text, where)
    return VariantSource(language, channel, subject, body)


def split_subject(text: str, where: str) -> tuple[str, str]:
    """An email source's ``Subject:`` line and its body."""
    first, _, rest = text.partition("\n")
    if not first.lower().startswith("subject:"):
        raise LibraryError(f"{where}: line 1 must be 'Subject: …'")
    subject = first.split(":", 1)[1].strip()
    if not subject:
        raise LibraryError(f"{where}: line 1: the subject is empty")
    return subject, rest.strip("\n").strip()
