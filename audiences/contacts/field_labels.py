"""What staff call the built-in contact fields, in the languages staff work in.

Attributes get their labels from whoever registers them (``PATCH /api/v1/fields/{name}``);
the built-in fields are the service's own, so it labels them itself. An import reads a column
headed with a field's label, or with one of the other words files use for it (``GSM``,
``Courriel``, ``PLZ``), as that field (audiences/importing/headers.py).
"""

from __future__ import annotations

from collections.abc import Mapping

# field -> (nl, fr, de, en)
_LABELS: Mapping[str, tuple[str, str, str, str]] = {
    "external_id": ("Eigen nummer", "Numéro propre", "Eigene Nummer", "Own reference"),
    "phone": ("Gsm-nummer", "Numéro de GSM", "Handynummer", "Mobile number"),
    "email": ("E-mailadres", "Adresse e-mail", "E-Mail-Adresse", "Email address"),
    "language": ("Taal", "Langue", "Sprache", "Language"),
    "first_name": ("Voornaam", "Prénom", "Vorname", "First name"),
    "preferred_channel": ("Liefst via", "Canal préféré", "Bevorzugter Kanal", "Preferred channel"),
    "time_zone": ("Tijdzone", "Fuseau horaire", "Zeitzone", "Time zone"),
    "postcode": ("Postcode", "Code postal", "Postleitzahl", "Postcode"),
    "municipality": ("Gemeente", "Commune", "Gemeinde", "Municipality"),
    "province": ("Provincie", "Province", "Provinz", "Province"),
    "region": ("Gewest", "Région", "Region", "Region"),
    "consent_sms": (
        "Akkoord met sms",
        "Accord pour les SMS",
        "Einverstanden mit SMS",
        "SMS consent",
    ),
    "consent_email": (
        "Akkoord met e-mail",
        "Accord pour les e-mails",
        "Einverstanden mit E-Mail",
        "Email consent",
    ),
    "opted_out_sms": ("Wil geen sms", "Ne veut plus de SMS", "Will keine SMS", "Opted out of SMS"),
    "opted_out_email": (
        "Wil geen e-mail",
        "Ne veut plus d'e-mails",
        "Will keine E-Mails",
        "Opted out of email",
    ),
    "partner": ("Partnerorganisatie", "Organisation partenaire", "Partnerorganisation", "Partner"),
}
_LANGUAGES = ("nl", "fr", "de", "en")

# Other words contact files head these fields' columns with, in any of the four languages.
_HEADER_WORDS: Mapping[str, tuple[str, ...]] = {
    "external_id": ("ID", "Referentie", "Référence", "Referenz", "Reference"),
    "phone": (
        "GSM",
        "Gsm-nummer",
        "Mobiel",
        "Mobiel nummer",
        "Telefoon",
        "Telefoonnummer",
        "Tel",
        "Portable",
        "Numéro de portable",
        "Téléphone",
        "Numéro de téléphone",
        "Handy",
        "Mobilnummer",
        "Telefon",
        "Telefonnummer",
        "Mobile",
        "Mobile phone",
        "Phone",
        "Phone number",
        "Telephone",
    ),
    "email": ("E-mail", "Mail", "Mailadres", "Courriel", "Adresse mail"),
    "first_name": ("Firstname", "Given name"),
    "time_zone": ("Timezone",),
    "postcode": ("Postnummer", "CP", "PLZ", "Postal code", "Zip", "Zip code"),
    "municipality": (
        "Woonplaats",
        "Plaats",
        "Stad",
        "Ville",
        "Localité",
        "Wohnort",
        "Ort",
        "Stadt",
        "City",
        "Town",
    ),
    "region": ("Regio",),
}


def built_in_labels(name: str) -> dict[str, str]:
    """The labels of a built-in field by language; empty for any other name."""
    return dict(zip(_LANGUAGES, _LABELS.get(name, ()), strict=False))


def header_words(name: str) -> tuple[str, ...]:
    """What a file may head a built-in field's column with: its name, labels and other words."""
    return (name, *_LABELS.get(name, ()), *_HEADER_WORDS.get(name, ()))
