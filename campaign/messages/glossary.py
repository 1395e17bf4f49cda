"""Terms that need explaining, per language, with a plain wording to suggest.

A term followed by an explanation in brackets ("het OCMW (de sociale dienst …)") passes.
A suggestion is plain language itself: no other term of the glossary, no long or rare word,
and readable on its own (tests/unit/test_findings_glossary.py checks every one).
"""

from __future__ import annotations

from collections.abc import Mapping

GLOSSARY: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "rva": "de RVA (de dienst die uw uitkering betaalt als u geen werk hebt)",
        "ocmw": "het OCMW (de sociale dienst van uw gemeente)",
        "leefloon": "leefloon (geld van de sociale dienst om van te leven)",
        "uitbetalingsinstelling": "de organisatie die uw uitkering betaalt (vakbond of HVW)",
        "tijdelijke werkloosheid": "tijdelijk geen werk door de crisis",
        "verhoogde tegemoetkoming": "korting op de kosten voor de dokter als u weinig verdient",
    },
    "fr": {
        "onem": "l'ONEM (le service qui paie votre chômage)",
        "cpas": "le CPAS (le service social de votre commune)",
        "revenu d'intégration": "revenu d'intégration (argent du service social pour vivre)",
        "organisme de paiement": "le service qui paie votre allocation (syndicat ou CAPAC)",
        "intervention majorée": "réduction sur les frais de médecin si vous gagnez peu",
    },
    "de": {
        "lfa": "das LfA (der Dienst, der Ihr Arbeitslosengeld zahlt)",
        "öshz": "das ÖSHZ (der Sozialdienst Ihrer Gemeinde)",
        "eingliederungseinkommen": "Geld zum Leben vom Sozialdienst der Gemeinde",
        "zahlstelle": "die Stelle, die Ihr Arbeitslosengeld zahlt",
    },
    "en": {
        "nea": "the NEA (the office that pays unemployment benefit)",
        "pcsw": "the PCSW (the social welfare office of your town)",
        "integration income": "integration income (money to live on from the welfare office)",
        "payment institution": "the office that pays your benefit",
    },
}
