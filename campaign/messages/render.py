"""Rendering templates in Jinja2's sandbox, with every variable required.

Authors of templates are not trusted with code: the sandbox refuses Python internals and
``StrictUndefined`` turns a misspelt variable into an error. Nor with the machine: a source is
at most ``limits.TEMPLATE_SOURCE_MAX`` characters, and the bounded sandbox
(``campaign.messages.sandbox``) keeps each filling-in within a message's size and a number of
steps. Templates are compiled once per key (template version, language, channel) and filled
in per message.

The context a template sees (the contract with ``campaign.dispatch.composer``):
``first_name``, ``municipality``, ``measure`` (``title``, ``summary``, ``how_to``,
``amount``, ``contact_point``, ``link``), ``measures`` (for digests: the campaign's
measures the person may be entitled to, each with the same fields), ``stop`` (how to stop,
in the person's language), ``web_url`` (the web copy) and ``unsubscribe_url``.

Email HTML comes from the same source as the text: blank lines separate paragraphs, lines
starting with ``- `` make a list, ``# `` a heading, and bare ``https://`` addresses become
links. The whole text is escaped, so a contact's values can never inject markup.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from html import escape
from typing import Any

from jinja2 import Template, TemplateError, TemplateSyntaxError
from jinja2.exceptions import SecurityError

from campaign.kernel import limits
from campaign.kernel.channel import Channel
from campaign.messages.language import direction, unsubscribe_label
from campaign.messages.library import VariantSource
from campaign.messages.sandbox import BoundedSandbox, TooMuchWork, render_bounded

SAMPLE_CONTEXT: Mapping[str, Any] = {
    "first_name": "Sam",
    "municipality": "Gent",
    "measure": {
        "title": "Help with your energy bill",
        "summary": "You get extra money for gas and electricity.",
        "how_to": "Call us. We fill in the form with you.",
        "amount": "€ 100",
        "contact_point": "1700",
        "link": "https://example.org/help",
    },
    "measures": [
        {
            "title": "Help with your energy bill",
            "summary": "You get extra money for gas and electricity.",
            "how_to": "Call us. We fill in the form with you.",
            "amount": "€ 100",
            "contact_point": "1700",
            "link": "https://example.org/help",
        }
    ],
    "stop": "Reply STOP to stop these messages.",
    "web_url": "https://example.org/m/sample",
    "unsubscribe_url": "https://example.org/u/sample",
}


class TemplateProblem(Exception):
    """A template that cannot be compiled or rendered: where (a line, if known) and why."""

    def __init__(self, reason: str, line: int | None = None, part: str = "body") -> None:
        self.reason = reason
        self.line = line
        self.part = part
        where = f"{part}, line {line}" if line else part
        super().__init__(f"{where}: {reason}")


@dataclass(frozen=True, slots=True)
class CompiledVariant:
    language: str
    channel: str
    subject: Template | None
    body: Template


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str | None
    text: str
    html: str | None


class Renderer:
    def __init__(self) -> None:
        self._env = BoundedSandbox()
        self._compiled: dict[Hashable, CompiledVariant] = {}

    def compile(self, variant: VariantSource, key: Hashable | None = None) -> CompiledVariant:
        """Compile once per ``key``; raise ``TemplateProblem`` if a part does not parse."""
        if key is not None and key in self._compiled:
            return self._compiled[key]
        subject = self._template(variant.subject, "subject") if variant.subject else None
        compiled = CompiledVariant(
            variant.language, variant.channel, subject, self._template(variant.body, "body")
        )
        if key is not None:
            self._compiled[key] = compiled
        return compiled

    def render(self, compiled: CompiledVariant, context: Mapping[str, Any]) -> Rendered:
        subject = _fill(compiled.subject, context, "subject") if compiled.subject else None
        text = _tidy(_fill(compiled.body, context, "body"))
        html = None
        if compiled.channel == Channel.EMAIL:
            html = to_html(text, compiled.language, subject or "", context)
        return Rendered(subject=subject, text=text, html=html)

    def problems(self, variant: VariantSource) -> list[TemplateProblem]:
        """What is wrong with a variant, checked against the sample context (at save time)."""
        try:
            self.render(self.compile(variant), SAMPLE_CONTEXT)
        except TemplateProblem as problem:
            return [problem]
        return []

    def _template(self, source: str, part: str) -> Template:
        longest = limits.TEMPLATE_SUBJECT_MAX if part == "subject" else limits.TEMPLATE_SOURCE_MAX
        if len(source) > longest:
            raise TemplateProblem(
                f"is {len(source):,} characters long: at most {longest:,}", None, part
            )
        try:
            code = self._env.compile(
                self._env.parse_counted(source, part), name=part, filename=f"<{part}>"
            )
        except TemplateSyntaxError as exc:
            raise TemplateProblem(exc.message or "cannot be read", exc.lineno, part) from exc
        except RecursionError as exc:  # Jinja's parser recurses once per nested block
            raise TemplateProblem("blocks are nested too deeply to be read", None, part) from exc
        return self._env.template_class.from_code(self._env, code, self._env.make_globals(None))


def _fill(template: Template, context: Mapping[str, Any], part: str) -> str:
    try:
        return render_bounded(template.generate(context))
    except TooMuchWork as exc:
        raise TemplateProblem(str(exc), _line(exc, part), part) from exc
    except SecurityError as exc:
        raise TemplateProblem(f"not allowed in a template: {exc}", _line(exc, part), part) from exc
    except TemplateError as exc:
        raise TemplateProblem(_plain(str(exc)), _line(exc, part), part) from exc
    except Exception as exc:  # arithmetic on text, a bad filter argument…
        raise TemplateProblem(f"cannot be filled in: {exc}", _line(exc, part), part) from exc


def _plain(message: str) -> str:
    if "unsafe" in message:
        return f"not allowed in a template: {message}"
    return message.replace("is undefined", "is not a variable templates can use")


def _line(exc: BaseException, part: str) -> int | None:
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == f"<{part}>"]
    return frames[-1].lineno if frames else None


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines))


_URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)]")


def _inline(text: str) -> str:
    out, last = [], 0
    for match in _URL.finditer(text):
        out.append(escape(text[last : match.start()]))
        url = escape(match.group(0))
        out.append(f'<a href="{url}">{url}</a>')
        last = match.end()
    out.append(escape(text[last:]))
    return "".join(out)


def _block(paragraph: str) -> str:
    lines = paragraph.splitlines()
    if all(line.startswith("- ") for line in lines):
        items = "".join(f"<li>{_inline(line[2:])}</li>" for line in lines)
        return f"<ul>{items}</ul>"
    if len(lines) == 1 and lines[0].startswith("# "):
        return f"<h2>{_inline(lines[0][2:])}</h2>"
    return "<p>" + "<br>\n".join(_inline(line) for line in lines) + "</p>"


def to_html(text: str, language: str, subject: str, context: Mapping[str, Any]) -> str:
    """The accessible HTML part: the text's blocks in a simple, readable layout."""
    body = "\n".join(_block(p) for p in text.split("\n\n") if p.strip())
    footer = ""
    web_url, unsubscribe_url = context.get("web_url"), context.get("unsubscribe_url")
    if web_url or unsubscribe_url:
        links = []
        if web_url:
            links.append(f'<a href="{escape(str(web_url))}">{escape(str(web_url))}</a>')
        if unsubscribe_url:
            label = escape(unsubscribe_label(language))
            links.append(f'<a href="{escape(str(unsubscribe_url))}">{label}</a>')
        footer = f"<footer><p>{' · '.join(links)}</p></footer>"
    return _LAYOUT.format(
        lang=escape(language),
        dir=direction(language),
        title=escape(subject),
        body=body,
        footer=footer,
    )


_LAYOUT = """<!doctype html>
<html lang="{lang}" dir="{dir}">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title></head>
<body style="margin:0;padding:16px;background:#ffffff;color:#1a1a1a;\
font:18px/1.5 Arial,Helvetica,sans-serif">
<main style="max-width:36em;margin:0 auto">
<h1 style="font-size:24px">{title}</h1>
{body}
{footer}
</main>
</body>
</html>
"""
