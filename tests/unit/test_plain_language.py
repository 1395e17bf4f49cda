"""The checker flags dense administrative prose and passes short plain texts, per language."""

from __future__ import annotations

import pytest

from campaign.messages.checks import blocking_messages, check_message
from campaign.messages.plain import check_plain_language

PLAIN = {
    "nl": "Bent u tijdelijk werkloos? Dan krijgt u extra geld voor water en energie. "
    "U hoeft niets te doen. Vragen? Bel gratis 1700.",
    "fr": "Vous avez perdu votre travail pour un temps ? Vous recevez plus d'argent pour "
    "l'eau et l'énergie. Vous ne devez rien faire. Des questions ? Appelez le 1700.",
    "de": "Sind Sie gerade ohne Arbeit? Dann bekommen Sie mehr Geld für Wasser und Strom. "
    "Sie müssen nichts tun. Fragen? Rufen Sie 1700 an.",
    "en": "Are you out of work for now? Then you get extra money for water and energy. "
    "You do not have to do anything. Questions? Call 1700 for free.",
}
DENSE = {
    "nl": "In het kader van de toepassing van de maatregelen inzake tijdelijke werkloosheid "
    "wegens overmacht ten gevolge van de coronacrisis wordt door de uitbetalingsinstelling "
    "een aanvullende vergoeding toegekend aan de gerechtigde, onverminderd de bepalingen "
    "inzake cumulatie met het leefloon dat door het OCMW wordt uitbetaald.",
    "fr": "Dans le cadre de l'application des mesures relatives au chômage temporaire pour "
    "cause de force majeure consécutive à la crise sanitaire, une indemnité complémentaire "
    "est octroyée au bénéficiaire par l'organisme de paiement, sans préjudice des "
    "dispositions relatives au cumul avec le revenu d'intégration versé par le CPAS.",
    "de": "Im Rahmen der Anwendung der Maßnahmen bezüglich der vorübergehenden "
    "Arbeitslosigkeit aufgrund höherer Gewalt infolge der Gesundheitskrise wird dem "
    "Anspruchsberechtigten durch die Zahlstelle eine ergänzende Entschädigung gewährt, "
    "unbeschadet der Bestimmungen über die Kumulierung mit dem Eingliederungseinkommen.",
    "en": "Within the framework of the implementation of the measures concerning temporary "
    "unemployment on grounds of force majeure consequent upon the sanitary crisis, a "
    "supplementary indemnity is allocated to the beneficiary by the payment institution, "
    "notwithstanding the provisions concerning cumulation with the integration income.",
}


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_short_plain_text_passes(language: str) -> None:
    report = check_plain_language(PLAIN[language], language)
    assert report.blocking == [], report.findings
    assert report.score is not None and report.score >= 60


@pytest.mark.parametrize("language", ["nl", "fr", "de", "en"])
def test_dense_administrative_prose_is_flagged(language: str) -> None:
    report = check_plain_language(DENSE[language], language)
    rules = {f.rule for f in report.blocking}
    assert {"sentence_length", "readability", "jargon"} <= rules, report.findings
    assert report.score is not None and report.score < 50
    assert "difficult" in report.grade


def test_jargon_with_an_explanation_in_brackets_passes() -> None:
    bare = check_plain_language("Ga naar het OCMW.", "nl")
    explained = check_plain_language("Ga naar het OCMW (de sociale dienst).", "nl")
    assert [f.rule for f in bare.blocking] == ["jargon"]
    assert bare.findings[0].span == (12, 16)
    assert explained.blocking == []


def test_findings_point_at_their_text() -> None:
    text = "Het geld wordt door de dienst aan u uitbetaald."
    finding = next(f for f in check_plain_language(text, "nl").findings)
    assert finding.rule == "passive_voice" and finding.span is not None
    assert text[finding.span[0] : finding.span[1]].startswith("wordt")


def test_an_sms_that_is_only_a_link_does_not_stand_on_its_own() -> None:
    result = check_message("sms", "nl", "Nieuw! https://example.org/hulp")
    rules = {f["rule"] for f in result["sms"]["findings"]}
    assert {"only_link", "no_phone_number", "no_stop"} <= rules
    assert blocking_messages(result)


def test_a_plain_sms_with_a_number_and_stop_passes_and_names_costly_letters() -> None:
    text = "Dag Zoë. Extra geld voor energie. Bel gratis 1700. Geen sms meer? Stuur STOP."
    result = check_message("sms", "nl", text)
    assert blocking_messages(result) == []
    assert result["sms"]["encoding"] == "UCS-2"
    ucs2 = next(f for f in result["sms"]["findings"] if f["rule"] == "ucs2")
    assert "ë" in ucs2["message"]
