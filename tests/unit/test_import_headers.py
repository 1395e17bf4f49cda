"""A contact file's header: columns headed with a field's label in nl, fr, de or en read as it."""

from __future__ import annotations

import pytest

from audiences.contacts.field_labels import header_words
from audiences.contacts.model import BUILT_IN_FIELDS, FieldInfo, FieldType
from audiences.importing.headers import check_header, read_columns

BIRTH = FieldInfo(
    "geboortedatum",
    FieldType.DATE,
    built_in=False,
    labels={"nl": "Geboortedatum", "fr": "Date de naissance"},
)


@pytest.mark.parametrize(
    ("header", "columns"),
    [
        (
            ["Taal", "Voornaam", "GSM", "Gemeente", "Postcode", "E-mail"],
            ["language", "first_name", "phone", "municipality", "postcode", "email"],
        ),
        (
            ["Langue", "Prénom", "Portable", "Commune", "Code postal", "Courriel"],
            ["language", "first_name", "phone", "municipality", "postcode", "email"],
        ),
        (
            ["Sprache", "Vorname", "Handy", "Gemeinde", "Postleitzahl", "E-Mail-Adresse"],
            ["language", "first_name", "phone", "municipality", "postcode", "email"],
        ),
        (
            ["Language", "First name", "Mobile", "Municipality", "Postcode", "Email"],
            ["language", "first_name", "phone", "municipality", "postcode", "email"],
        ),
        (
            [" TAAL ", "prenom", "téléphone", "code  postal", "PHONE NUMBER", "e mail"],
            ["language", "first_name", "phone", "postcode", "phone", "email"],
        ),
    ],
)
def test_a_column_headed_with_a_label_reads_as_its_field(
    header: list[str], columns: list[str]
) -> None:
    assert read_columns(header, {}, []) == columns


def test_every_label_and_header_word_of_a_built_in_field_reads_as_it() -> None:
    for field in BUILT_IN_FIELDS:
        for word in header_words(field):
            assert read_columns([word], {}, []) == [field], word


def test_a_registered_field_is_read_by_its_labels_too() -> None:
    header = ["GSM", "Taal", "Date de naissance", "geboortedatum", "Lievelingskleur"]
    assert read_columns(header, {}, [BIRTH]) == [
        "phone",
        "language",
        "geboortedatum",
        "geboortedatum",
        "lievelingskleur",  # unknown: a new attribute, as before
    ]


def test_a_map_comes_first_and_a_built_in_label_before_an_attribute_named_so() -> None:
    gemeente = FieldInfo("gemeente", FieldType.TEXT, built_in=False, labels={})
    assert read_columns(["Gemeente"], {}, [gemeente]) == ["municipality"]
    assert read_columns(["Gemeente"], {"Gemeente": "gemeente"}, [gemeente]) == ["gemeente"]
    assert read_columns(["Tel", "GSM"], {"tel": "landline"}, []) == ["landline", "phone"]


def test_a_missing_column_names_the_columns_found_and_the_map_that_would_fix_it() -> None:
    header = ["Naam", "Moedertaal", "GSM"]
    problems = check_header(header, read_columns(header, {}, []))
    assert [(p.line, p.column) for p in problems] == [(1, "language")]
    reason = problems[0].reason
    assert "the file has no language column" in reason
    assert "'Naam', 'Moedertaal', 'GSM'" in reason
    assert '--map "Naam=language"' in reason and "?map=Naam:language" in reason


def test_a_header_that_cannot_name_a_field_says_how_to_map_it() -> None:
    header = ["Taal", "GSM", "N° registre"]
    problems = check_header(header, read_columns(header, {}, []))
    assert [(p.line, p.column) for p in problems] == [(1, "n°_registre")]
    assert "'N° registre' is not one of our fields" in problems[0].reason
    assert '--map "N° registre=n_registre"' in problems[0].reason


def test_two_columns_read_as_one_field_are_named_as_the_file_writes_them() -> None:
    header = ["Taal", "GSM", "Téléphone"]
    problems = check_header(header, read_columns(header, {}, []))
    assert [(p.column, p.reason) for p in problems] == [
        ("phone", "'GSM' and 'Téléphone' are both read as phone: keep one, or rename one with map")
    ]
