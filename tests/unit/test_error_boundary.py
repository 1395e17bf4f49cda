"""The error boundary's pure parts: reading JSON strictly, writing it strictly, the problem
kinds and their documentation."""

from __future__ import annotations

import ast
import json
import math
from pathlib import Path

import pytest

from campaign.api.answers import json_response, strict_dumps
from campaign.api.bodies import check_json, parse_json
from campaign.api.problems import KINDS, PROBLEM_BASE
from campaign.kernel import limits
from campaign.kernel.errors import InvalidInput

ROOT = Path(__file__).resolve().parents[2]


def _refusal(text: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        check_json(parse_json(text))
    return refused.value


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ('{"spend_cap": Infinity}', "spend_cap"),
        ('{"spend_cap": -Infinity}', "spend_cap"),
        ('{"spend_cap": NaN}', "spend_cap"),
        ('{"a": [1, 1e400]}', "a.1"),
        ('{"ids": [1, 9223372036854775808]}', "ids.1"),
        ('{"ids": [-9223372036854775809]}', "ids.0"),
        ('{"n": 1' + "0" * 5000 + "}", "n"),
        ('{"name": "Gent\\u0000"}', "name"),
        ('{"Gent\\u0000": 1}', "Gent\x00"),
        (
            '{"a": ' * (limits.JSON_DEPTH_MAX + 1) + "1" + "}" * (limits.JSON_DEPTH_MAX + 1),
            "a" + ".a" * 32,
        ),
        ("[" * 100_000 + "]" * 100_000, "body"),
        ("\ufeff[1]x", "body"),
    ],
)
def test_json_that_no_field_takes_is_refused_where_it_is(text: str, where: str) -> None:
    assert _refusal(text).where == where


def test_json_within_every_bound_reads_as_it_was() -> None:
    text = json.dumps({"ids": [2**63 - 1, -(2**63)], "cap": 1e300, "name": "Liège", "a": [[{}]]})
    data = parse_json(text)
    check_json(data)
    assert data == json.loads(text)


def test_answers_are_strict_json() -> None:
    assert json.loads(json_response({"cap": 1.5}).text or "") == {"cap": 1.5}
    for number in (math.inf, -math.inf, math.nan):
        with pytest.raises(ValueError):
            strict_dumps({"cap": number})


def test_every_json_answer_is_written_strictly() -> None:
    """Only campaign/api/answers.py calls aiohttp's json_response (which writes NaN)."""
    callers = []
    for path in (ROOT / "campaign").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Attribute) and node.attr == "json_response":
                if isinstance(node.value, ast.Name) and node.value.id == "web":
                    callers.append(str(path.relative_to(ROOT)))
    assert sorted(set(callers)) == ["campaign/api/answers.py"]


def test_every_problem_type_is_a_stable_uri_documented_for_clients() -> None:
    errors = (ROOT / "docs" / "api.md").read_text().split("## Errors", 1)[1].split("\n## ", 1)[0]
    for kind in KINDS:
        assert kind.type == PROBLEM_BASE + kind.slug
        assert f"`{kind.slug}`" in errors, kind.slug


def test_the_openapi_document_gives_the_boundary_answers_of_every_operation() -> None:
    from campaign.api.openapi import document

    doc = document()
    problem = doc["components"]["schemas"]["Problem"]
    assert problem["properties"]["type"]["format"] == "uri"
    assert {"where", "request_id"} <= set(problem["properties"])
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method == "parameters":
                continue
            answers = set(operation["responses"])
            body = operation.get("requestBody", {}).get("content", {})
            expected = {"500"} | ({"413"} if body else set())
            expected |= {"415"} if "application/json" in body else set()
            assert expected <= answers, (method, path)
