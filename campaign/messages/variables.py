"""Which values a template uses: ``first_name``, ``measure.title``, … read from its syntax tree.

A value a template uses but that is empty for everyone (a measure with no contact point) makes
the same hole in every message ("Bel ."), so the checks must know which ones the words need.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.sandbox import SandboxedEnvironment

from campaign.messages.library import VariantSource

_ENV = SandboxedEnvironment()


def used_values(variant: VariantSource) -> set[str]:
    """``name`` or ``name.attribute`` for each value the variant's subject and body read.

    ``measure.title`` and ``measure["title"]`` both count as ``measure.title``; a loop over
    ``measures`` counts as ``measures``. A source that does not parse uses nothing (saving it
    was refused already).
    """
    found: set[str] = set()
    for source in (variant.subject, variant.body):
        if source:
            found |= _used(source)
    return found


def _used(source: str) -> set[str]:
    try:
        tree = _ENV.parse(source)
    except Exception:  # noqa: BLE001 - any parse failure means nothing to report here
        return set()
    found: set[str] = set()
    attributes: set[int] = set()
    for node in tree.find_all((nodes.Getattr, nodes.Getitem)):
        if not isinstance(node, (nodes.Getattr, nodes.Getitem)):
            continue
        if isinstance(node.node, nodes.Name) and node.node.ctx == "load":
            key = _key(node)
            if key is not None:
                found.add(f"{node.node.name}.{key}")
                attributes.add(id(node.node))
    for name in tree.find_all(nodes.Name):
        if name.ctx == "load" and id(name) not in attributes:
            found.add(name.name)
    return found


def _key(node: nodes.Getattr | nodes.Getitem) -> str | None:
    if isinstance(node, nodes.Getattr):
        return node.attr
    if isinstance(node.arg, nodes.Const) and isinstance(node.arg.value, str):
        return node.arg.value
    return None
