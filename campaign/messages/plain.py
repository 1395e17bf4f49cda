"""Plain-language checks per language: sentences, long and rare words, jargon, passive voice,
and a readability score suited to the language, with its grade in words.

Scores (higher is easier): Flesch-Douma for Dutch, Kandel-Moles for French, Amstad for
German, Flesch for English; all on the familiar 0–100 scale. Findings carry the rule (a
stable code), the details their sentence is made of, and the span of text they are about;
the sentence itself is written in the staff member's language (``campaign.messages.wording``).
A finding is ``blocking`` when approval should wait for a fix or a written override.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

from wordfreq import zipf_frequency

from campaign.messages.glossary import GLOSSARY
from campaign.messages.wording import (
    DEFAULT_STAFF_LANGUAGE,
    Details,
    finding_message,
    grade_words,
)

_URL = re.compile(r"https?://\S+|www\.\S+")
_WORD = re.compile(r"[^\W\d_]+(?:[-'’][^\W\d_]+)*", re.UNICODE)
_SENTENCE_END = re.compile(r"[.!?]+(?=\s|$)|\n\s*\n")
_VOWELS = "aeiouyàáâäãåèéêëìíîïòóôöõùúûüýÿæœ"

LONG_WORD = {"nl": 15, "de": 16, "fr": 13, "en": 13}
RARE_BELOW = 2.5  # Zipf frequency: about once per 3 million words
SENTENCE_WARN, SENTENCE_BLOCK = 20, 30
SCORE_BLOCK = 50.0  # "difficult" and worse


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    span: tuple[int, int] | None
    blocking: bool = False
    details: Details = field(default_factory=dict)

    @property
    def message(self) -> str:
        return self.message_in(DEFAULT_STAFF_LANGUAGE)

    def message_in(self, staff_language: str) -> str:
        return finding_message(self.rule, self.details, staff_language)

    def as_json(self, staff_language: str = DEFAULT_STAFF_LANGUAGE) -> dict[str, object]:
        return {
            "rule": self.rule,
            "message": self.message_in(staff_language),
            "span": list(self.span) if self.span else None,
            "blocking": self.blocking,
            "details": dict(self.details),
        }


@dataclass(frozen=True, slots=True)
class PlainReport:
    score: float | None
    level: str  # the grade's code: "easy", "difficult", …
    findings: list[Finding]

    @property
    def grade(self) -> str:
        return grade_words(self.level)

    @property
    def blocking(self) -> list[Finding]:
        return [f for f in self.findings if f.blocking]


@dataclass(frozen=True, slots=True)
class Sentence:
    start: int
    end: int
    words: list[re.Match[str]]


def _syllables(word: str, language: str) -> int:
    groups = re.findall(f"[{_VOWELS}]+", word.lower())
    count = len(groups)
    if language == "fr" and word.lower().endswith(("e", "es", "ent")) and count > 1:
        count -= 1  # the French mute final e
    if language == "en" and word.lower().endswith("e") and count > 1:
        count -= 1
    return max(count, 1)


def _sentences(text: str) -> Iterator[Sentence]:
    clean = _URL.sub(lambda m: " " * len(m.group(0)), text)
    start = 0
    for boundary in [*_SENTENCE_END.finditer(clean), None]:
        end = boundary.end() if boundary else len(clean)
        words = list(_WORD.finditer(clean, start, end))
        if words:
            yield Sentence(start, end, words)
        start = end


_FORMULAS: dict[str, Callable[[float, float], float]] = {
    "nl": lambda wps, spw: 206.835 - 0.93 * wps - 77.0 * spw,
    "fr": lambda wps, spw: 207.0 - 1.015 * wps - 73.6 * spw,
    "de": lambda wps, spw: 180.0 - wps - 58.5 * spw,
    "en": lambda wps, spw: 206.835 - 1.015 * wps - 84.6 * spw,
}
_GRADES = [
    (80.0, "very_easy"),
    (60.0, "easy"),
    (50.0, "fairly_difficult"),
    (30.0, "difficult"),
    (float("-inf"), "very_difficult"),
]


def readability(sentences: list[Sentence], language: str) -> float | None:
    words = [w.group(0) for s in sentences for w in s.words]
    formula = _FORMULAS.get(language)
    if not words or formula is None:
        return None
    syllables = sum(_syllables(w, language) for w in words)
    score = formula(len(words) / len(sentences), syllables / len(words))
    return round(max(0.0, min(100.0, score)), 1)


def grade(score: float | None) -> str:
    """The grade's code for ``score``; ``wording.grade_words`` says it in words."""
    if score is None:
        return "not_scored"
    return next(code for floor, code in _GRADES if score >= floor)


def _sentence_findings(sentences: list[Sentence]) -> Iterator[Finding]:
    for s in sentences:
        count = len(s.words)
        if count > SENTENCE_WARN:
            yield Finding(
                "sentence_length",
                (s.start, s.end),
                blocking=count > SENTENCE_BLOCK,
                details={"words": count, "limit": SENTENCE_WARN},
            )


def _word_findings(sentences: list[Sentence], language: str) -> Iterator[Finding]:
    limit = LONG_WORD.get(language, 13)
    seen: set[str] = set()
    for s in sentences:
        for position, match in enumerate(s.words):
            word = match.group(0)
            key = word.lower()
            if key in seen or key in GLOSSARY.get(language, {}):
                continue
            seen.add(key)
            letters = len(_without_elision(word, language))
            if letters > limit:
                yield Finding("long_word", match.span(), details={"word": word, "letters": letters})
            elif _is_rare(word, language, first_in_sentence=position == 0):
                yield Finding("rare_word", match.span(), details={"word": word})


# French writes an elided article or pronoun onto the next word ("l'organisation"); the
# reader sees a short word and a long one, so only the long one counts.
_ELISION = {"fr": re.compile(r"^(?:[cdjlmnst]|qu|jusqu|lorsqu|puisqu)['’]", re.IGNORECASE)}


def _without_elision(word: str, language: str) -> str:
    pattern = _ELISION.get(language)
    return pattern.sub("", word) if pattern else word


def _is_rare(word: str, language: str, *, first_in_sentence: bool) -> bool:
    if len(word) < 5 or (word[0].isupper() and not first_in_sentence) or word.isupper():
        return False  # names and abbreviations are the glossary's business
    return zipf_frequency(word, language) < RARE_BELOW


def _glossary_findings(text: str, language: str) -> Iterator[Finding]:
    for term, plain in GLOSSARY.get(language, {}).items():
        for match in re.finditer(rf"(?<!\w){re.escape(term)}(?!\w)", text, re.IGNORECASE):
            explained = text[match.end() : match.end() + 3].lstrip().startswith("(")
            if not explained:
                yield Finding(
                    "jargon",
                    match.span(),
                    blocking=True,
                    details={"term": match.group(0), "suggestion": plain},
                )
            break


_PASSIVE = {
    "nl": r"\b(wordt|worden|werd|werden)\b[^.!?]{0,80}?\b\w*(ge|be|ver|ont|her)\w+(d|t)\b",
    "de": r"\b(wird|werden|wurde|wurden)\b[^.!?]{0,80}?\bge\w+(t|en)\b",
    "fr": r"\b(est|sont|été|était|étaient|sera|seront)\s+(\w+\s+)?\w+(é|ée|és|ées)\b",
    "en": r"\b(is|are|was|were|be|been|being)\s+(\w+ly\s+)?\w+ed\b",
}


def _passive_findings(text: str, language: str) -> Iterator[Finding]:
    pattern = _PASSIVE.get(language)
    if pattern is None:
        return
    for match in re.finditer(pattern, text, re.IGNORECASE):
        yield Finding("passive_voice", match.span())


def check_plain_language(text: str, language: str) -> PlainReport:
    """Every finding for ``text`` in ``language``, and its readability score and grade."""
    sentences = list(_sentences(text))
    score = readability(sentences, language)
    findings = [
        *_sentence_findings(sentences),
        *_word_findings(sentences, language),
        *_glossary_findings(text, language),
        *_passive_findings(text, language),
    ]
    if score is not None and score < SCORE_BLOCK:
        details: Details = {"score": score, "grade": grade(score)}
        findings.append(Finding("readability", None, blocking=True, details=details))
    return PlainReport(score, grade(score), sorted(findings, key=_order))


def _order(finding: Finding) -> tuple[int, str]:
    return (finding.span[0] if finding.span else -1, finding.rule)
