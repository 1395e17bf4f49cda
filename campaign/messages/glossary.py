"""Terms that need explaining, per language, with a plain wording to suggest.

A term followed by an explanation in brackets ("het OCMW (de sociale dienst …)") passes.
"""

from __future__ import annotations

from collections.abc import Mapping

GLOSSARY: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "rva": "de RVA (de dienst die uw werkloosheidsgeld betaalt)",
        "ocmw": "het OCMW (de sociale dienst van uw gemeente)",
        "leefloon": "leefloon (geld van het OCMW om van te leven)",
        "uitbetalingsinstelling": "de organisatie die uw uitkering betaalt (vakbond of HVW)",
        "tijdelijke werkloosheid": "tijdelijk geen werk door de crisis",
        "verhoogde tegemoetkoming": "korting op dokterskosten als u weinig verdient",
    },
    "fr": {
        "onem": "l'ONEM (le service qui paie votre chômage)",
        "cpas": "le CPAS (le service social de votre commune)",
        "revenu d'intégration": "revenu d'intégration (argent du CPAS pour vivre)",
        "organisme de paiement": "l'organisation qui paie votre allocation (syndicat ou CAPAC)",
        "intervention majorée": "réduction sur les frais de médecin si vous gagnez peu",
    },
    "de": {
        "lfa": "das LfA (der Dienst, der Ihr Arbeitslosengeld zahlt)",
        "öshz": "das ÖSHZ (der Sozialdienst Ihrer Gemeinde)",
        "eingliederungseinkommen": "Eingliederungseinkommen (Geld vom ÖSHZ zum Leben)",
        "zahlstelle": "die Stelle, die Ihr Arbeitslosengeld zahlt",
    },
    "en": {
        "nea": "the NEA (the office that pays unemployment benefit)",
        "pcsw": "the PCSW (the social welfare office of your town)",
        "integration income": "integration income (money from the PCSW to live on)",
        "payment institution": "the organisation that pays your benefit",
    },
}
