"""The field registry through the HTTP API: what staff see, what they may register and label,
and that a registered type is what imports and queries then use."""

from __future__ import annotations

from tests.api_client import Api

_CSV = "external_id;phone;language;file_number;age\nx1;0470 12 34 56;nl;0471;70\n"


async def _import(api: Api, csv: str = _CSV) -> dict[str, object]:
    status, body, _ = await api.call("POST", "/api/v1/contacts/import", data=csv.encode())
    assert status == 200, body
    return dict(body)


async def test_every_field_is_listed_with_type_and_labels(api: Api) -> None:
    await _import(api)
    status, body, _ = await api.call("GET", "/api/v1/fields", key="viewer")
    assert status == 200, body
    by_name = {f["name"]: f for f in body["items"]}
    assert by_name["municipality"] == {
        "name": "municipality",
        "type": "text",
        "built_in": True,
        "labels": {"nl": "Gemeente", "fr": "Commune", "de": "Gemeinde", "en": "Municipality"},
    }
    assert by_name["partner"]["built_in"] and by_name["consent_sms"]["type"] == "boolean"
    # Imported columns are registered with the type their values showed.
    assert (by_name["age"]["type"], by_name["age"]["built_in"]) == ("number", False)
    assert by_name["file_number"]["type"] == "number" and by_name["file_number"]["labels"] == {}
    names = [f["name"] for f in body["items"]]
    assert names.index("partner") < names.index("age") < names.index("file_number")


async def test_a_field_registered_first_keeps_its_type_through_the_import(api: Api) -> None:
    body = {"name": "file_number", "type": "text", "labels": {"nl": "Dossiernummer"}}
    status, created, _ = await api.call("POST", "/api/v1/fields", json=body)
    assert status == 201, created
    assert created == {
        "name": "file_number",
        "type": "text",
        "built_in": False,
        "labels": {"nl": "Dossiernummer"},
    }
    report = await _import(api)
    assert report["detected"]["attributes"]["file_number"] == "text"  # type: ignore[index]
    # Stored as the text "0471", so a text query finds it and keeps the leading zero.
    status, preview, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": 'file_number = "0471"'}
    )
    assert (status, preview["matched"]) == (200, 1), preview
    status, problem, _ = await api.call(
        "POST", "/api/v1/segments/preview", json={"query": "file_number > 400"}
    )
    assert status == 422 and "file_number" in problem["detail"], problem


async def test_a_value_that_does_not_fit_the_registered_type_is_a_rejected_row(api: Api) -> None:
    body = {"name": "income", "type": "number"}
    assert (await api.call("POST", "/api/v1/fields", json=body))[0] == 201
    csv = "phone;language;income\n0470 11 11 11;nl;1200\n0470 22 22 22;nl;veel\n"
    report = await _import(api, csv)
    assert report["created"] == 1
    reason = "income is a number field: expected a number, got 'veel'"
    assert report["rejected"] == [{"line": 3, "column": "income", "reason": reason}], report


async def test_labels_change_but_a_type_does_not(api: Api) -> None:
    await _import(api)
    labels = {"nl": "Leeftijd", "fr": "Âge", "en": "  Age   in years "}
    status, changed, _ = await api.call("PATCH", "/api/v1/fields/age", json={"labels": labels})
    assert status == 200, changed
    assert changed["labels"] == {"en": "Age in years", "fr": "Âge", "nl": "Leeftijd"}
    status, got, _ = await api.call("GET", "/api/v1/fields/age", key="viewer")
    assert (status, got["labels"]["fr"]) == (200, "Âge")
    status, _, _ = await api.call("GET", "/api/v1/fields/agee", key="viewer")
    assert status == 404
    status, problem, content_type = await api.call(
        "PATCH", "/api/v1/fields/age", json={"labels": {}, "type": "text"}
    )
    assert (status, content_type) == (409, "application/problem+json")
    assert "a number field" in problem["detail"]
    status, same, _ = await api.call(
        "PATCH", "/api/v1/fields/age", json={"labels": {"de": "Alter"}, "type": "number"}
    )
    assert (status, same["labels"]) == (200, {"de": "Alter"})


async def test_bad_requests_say_what_is_wrong(api: Api) -> None:
    await _import(api)
    cases = [
        ("POST", "/api/v1/fields", {"name": "municipality", "type": "text"}, 409, "built-in"),
        ("POST", "/api/v1/fields", {"name": "age", "type": "text"}, 409, "already (as number)"),
        ("POST", "/api/v1/fields", {"name": "Leeftijd 2", "type": "text"}, 422, "a letter"),
        ("POST", "/api/v1/fields", {"name": "or", "type": "text"}, 422, "segment language"),
        ("POST", "/api/v1/fields", {"name": "x", "type": "colour"}, 422, "type"),
        ("PATCH", "/api/v1/fields/age", {"labels": {"xx": "Age"}}, 422, "labels.xx"),
        ("PATCH", "/api/v1/fields/age", {"labels": {"nl": "   "}}, 422, "empty"),
        ("PATCH", "/api/v1/fields/age", {"labels": {"nl": "Leef\x00tijd"}}, 422, "NUL"),
        ("POST", "/api/v1/fields", {"name": "consent_source", "type": "text"}, 409, "built-in"),
        ("PATCH", "/api/v1/fields/language", {"labels": {"nl": "Taal"}}, 409, "built-in"),
        ("PATCH", "/api/v1/fields/nothing", {"labels": {"nl": "Niets"}}, 404, "nothing"),
    ]
    for method, path, body, expected, words in cases:
        status, problem, content_type = await api.call(method, path, json=body)
        assert (status, content_type) == (expected, "application/problem+json"), (body, problem)
        assert words in problem["detail"], (body, problem)


async def test_only_staff_who_manage_contacts_change_the_registry(api: Api) -> None:
    body = {"name": "income", "type": "number"}
    for key in ("viewer", "approver", "partner"):
        status, problem, _ = await api.call("POST", "/api/v1/fields", json=body, key=key)
        assert status == 403, (key, problem)
        status, listed, _ = await api.call("GET", "/api/v1/fields", key=key)
        assert status == 200 and "income" not in [f["name"] for f in listed["items"]]
    status, _, _ = await api.call("GET", "/api/v1/fields", key=None)
    assert status == 401
