"""The demo's catalogue: measures from two Belgian announcements of 2020, in plain language.

Sources (summarised in DESIGN.md): the Flemish taskforce for vulnerable families and the
federal Task Force for Vulnerable Groups. Phone numbers are the real public lines where one
exists (1700 is the Flemish information line, 106 the listening line); the 0800 numbers are
made up. The texts are our own. A measure has one contact point for all languages, so a text
that needs another number in one language says so itself (107 for French, 108 for German).
Arabic, Turkish and Ukrainian texts come from ``newcomers.py``, unless a measure carries them.
French texts avoid letters outside GSM-7 where a plain word does as well (ê, ô, â, ç), so the
French SMS stays as cheap as the Dutch one.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from campaign.demo.newcomers import NEWCOMER_TEXTS


def _t(title: str, summary: str, how_to: str) -> dict[str, str]:
    return {"title": title, "summary": summary, "how_to": how_to}


def _measure(slug: str, level: str, theme: str, status: str, **fields: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "slug": slug,
        "level": level,
        "theme": theme,
        "status": status,
        "amount": None,
        "eligibility": None,
        "valid_from": datetime(2020, 4, 1, tzinfo=UTC),
        "valid_until": None,
        "contact_point": "1700",
        "link": None,
    }
    return base | fields


MEASURES: list[dict[str, Any]] = [
    _measure(
        "water-energy-temporary-unemployed",
        "regional",
        "energy",
        "new",
        amount="€ 202.68 once",
        eligibility="temporary_unemployed",
        link="https://www.vlaanderen.be/",
        translations={
            "nl": _t(
                "Hulp bij uw water- en energiefactuur",
                "Bent u tijdelijk werkloos? Dan krijgt u extra geld voor water en energie.",
                "U hoeft niets te doen. Het geld komt vanzelf op uw factuur. Lukt het niet? "
                "Bel ons, dan helpen wij u.",
            ),
            "fr": _t(
                "Aide pour votre facture d'eau et d'énergie",
                "Sans travail pour un temps ? Vous recevez plus d'argent pour l'eau et l'énergie.",
                "Vous ne devez rien faire. L'argent arrive sur votre facture. Un problème ? "
                "Appelez-nous, nous vous aidons.",
            ),
            "de": _t(
                "Hilfe bei Ihrer Wasser- und Energierechnung",
                "Sind Sie vorübergehend arbeitslos? Dann bekommen Sie mehr Geld für Wasser "
                "und Energie.",
                "Sie müssen nichts tun. Das Geld kommt auf Ihre Rechnung. Ein Problem? "
                "Rufen Sie uns an. Wir helfen Ihnen.",
            ),
            "en": _t(
                "Help with your water and energy bill",
                "Are you temporarily unemployed? Then you get extra money for water and energy.",
                "You do not have to do anything. The money comes on your bill. A problem? "
                "Call us and we will help you.",
            ),
        },
    ),
    _measure(
        "no-energy-cut-offs-evictions",
        "regional",
        "housing",
        "new",
        translations={
            "nl": _t(
                "Geen afsluiting en geen uithuiszetting",
                "Kunt u uw factuur of huur niet betalen? Uw gas, stroom en water blijven aan. "
                "U mag in uw huis blijven.",
                "Krijgt u toch een brief over afsluiten of uithuiszetten? Bel ons meteen.",
            ),
            "fr": _t(
                "Pas de coupure et pas d'expulsion",
                "Vous ne pouvez pas payer la facture ou le loyer ? Le gaz, l'électricité et "
                "l'eau restent. Vous restez chez vous.",
                "Vous recevez pourtant une lettre de coupure ou d'expulsion ? "
                "Appelez-nous tout de suite.",
            ),
            "de": _t(
                "Keine Sperre und keine Räumung",
                "Auch wenn Sie Rechnung oder Miete nicht zahlen können: Gas, Strom und "
                "Wasser bleiben an. Sie dürfen in Ihrer Wohnung bleiben.",
                "Bekommen Sie trotzdem einen Brief über eine Sperre oder Räumung? "
                "Rufen Sie uns sofort an.",
            ),
            "en": _t(
                "No cut-offs and no evictions",
                "You cannot pay your bill or rent? Your gas, electricity and water stay on. "
                "You can stay in your home.",
                "Did you still get a letter about a cut-off or eviction? Call us straight away.",
            ),
        },
    ),
    _measure(
        "childcare-vulnerable-families",
        "regional",
        "childcare",
        "new",
        eligibility="income_support",
        translations={
            "nl": _t(
                "Opvang voor uw kinderen",
                "Hebt u het moeilijk? Uw kinderen kunnen naar de kinderopvang, ook nu.",
                "Bel ons. Wij zoeken samen met u een plaats dicht bij huis.",
            ),
            "fr": _t(
                "Accueil pour vos enfants",
                "La vie est dure pour vous ? Vos enfants peuvent aller à la crèche.",
                "Appelez-nous. Nous cherchons avec vous une place près de chez vous.",
            ),
            "de": _t(
                "Betreuung für Ihre Kinder",
                "Haben Sie es schwer? Ihre Kinder können in die Kinderbetreuung, auch jetzt.",
                "Rufen Sie uns an. Wir suchen mit Ihnen einen Platz in Ihrer Nähe.",
            ),
            "en": _t(
                "Care for your children",
                "Is life hard for you right now? Your children can go to childcare, even now.",
                "Call us. We will find a place near your home with you.",
            ),
        },
    ),
    _measure(
        "free-easter-childcare",
        "regional",
        "childcare",
        "new",
        amount="free",
        valid_until=datetime(2020, 4, 19, tzinfo=UTC),
        translations={
            "nl": _t(
                "Gratis opvang in de paasvakantie",
                "In de paasvakantie is de opvang voor uw kinderen gratis.",
                "Vraag een plaats aan bij de opvang in uw gemeente. Hulp nodig? Bel ons.",
            ),
            "fr": _t(
                "Accueil gratuit pendant les vacances",
                "Pendant les vacances de printemps, l'accueil de vos enfants est gratuit.",
                "C'est pour les vacances de Pâques 2020. Demandez une place dans votre "
                "commune. Besoin d'aide ? Appelez-nous.",
            ),
            "de": _t(
                "Kostenlose Betreuung in den Osterferien",
                "In den Osterferien ist die Betreuung Ihrer Kinder kostenlos.",
                "Fragen Sie in Ihrer Gemeinde nach einem Platz. Hilfe nötig? Rufen Sie an.",
            ),
            "en": _t(
                "Free childcare in the Easter holiday",
                "In the Easter holiday, care for your children is free.",
                "Ask for a place in your town. Need help? Call us.",
            ),
        },
    ),
    _measure(
        "help-lines",
        "regional",
        "wellbeing",
        "existing",
        contact_point="106",
        translations={
            "nl": _t(
                "Iemand om mee te praten",
                "Voelt u zich alleen of onveilig? Bel, chat of mail. Het is gratis en anoniem.",
                "Bel 106, dag en nacht. U kunt ook chatten op tele-onthaal.be.",
            ),
            "fr": _t(
                "Quelqu'un à qui parler",
                "Vous vous sentez seul ou en danger ? Appelez ou écrivez. C'est "
                "gratuit et anonyme.",
                "En français, appelez le 107, jour et nuit. C'est gratuit.",
            ),
            "de": _t(
                "Jemand zum Reden",
                "Fühlen Sie sich allein oder nicht sicher? Rufen Sie an, chatten Sie oder "
                "schreiben Sie. Es ist kostenlos und anonym.",
                "Auf Deutsch: Rufen Sie 108 an, Tag und Nacht. Es ist kostenlos.",
            ),
            "en": _t(
                "Someone to talk to",
                "Do you feel alone or unsafe? Call, chat or write. It is free and anonymous.",
                "Call 106, day and night. You can also chat online.",
            ),
        },
    ),
    _measure(
        "extra-allowance-temporary-unemployed",
        "federal",
        "income",
        "new",
        amount="€ 5.63 a day",
        eligibility="temporary_unemployed",
        contact_point="0800 12 033",
        translations={
            "nl": _t(
                "Extra geld als u tijdelijk werkloos bent",
                "U krijgt € 5,63 extra per dag bovenop uw uitkering.",
                "U hoeft niets te doen. Uw vakbond of de HVW betaalt het uit.",
            ),
            "fr": _t(
                "5,63 € en plus par jour",
                "Sans travail pour un temps ? Vous recevez 5,63 € de plus par jour avec "
                "votre allocation.",
                "C'est pour les personnes en chômage temporaire. Vous ne devez rien faire. "
                "Votre syndicat ou la CAPAC vous verse l'argent.",
            ),
            "de": _t(
                "Mehr Geld bei vorübergehender Arbeitslosigkeit",
                "Sie bekommen 5,63 € mehr pro Tag zu Ihrem Arbeitslosengeld.",
                "Sie müssen nichts tun. Sie bekommen das Geld von Ihrer Gewerkschaft oder "
                "von der Stelle, die Ihr Arbeitslosengeld zahlt.",
            ),
            "en": _t(
                "Extra money if you are temporarily unemployed",
                "You get € 5.63 more a day on top of your benefit.",
                "You do not have to do anything. Your union or the public payment office "
                "(HVW) pays it to you.",
            ),
        },
    ),
    _measure(
        "psycho-social-support",
        "federal",
        "wellbeing",
        "new",
        amount="free or almost free",
        contact_point="0800 30 030",
        translations={
            "nl": _t(
                "Praten over uw zorgen",
                "Voelt u zich alleen, bang of niet veilig thuis? Praat erover met iemand. "
                "Het is gratis.",
                "Bel ons. Wij zoeken samen met u een psycholoog of een hulpverlener in uw "
                "buurt. U betaalt niets of heel weinig.",
            ),
            "fr": _t(
                "Parler de vos soucis",
                "Vous vous sentez seul, vous avez peur ou vous n'avez pas la paix à la maison ? "
                "Parlez-en avec quelqu'un. C'est gratuit.",
                "Appelez-nous. Nous cherchons avec vous un psychologue ou une aide près de "
                "chez vous. Vous ne payez rien ou très peu.",
            ),
            "de": _t(
                "Über Ihre Sorgen sprechen",
                "Fühlen Sie sich allein, haben Sie Angst oder sind Sie zu Hause nicht sicher? "
                "Sprechen Sie mit jemandem. Es ist kostenlos.",
                "Rufen Sie uns an. Wir suchen mit Ihnen einen Psychologen oder eine Beratung "
                "in Ihrer Nähe. Sie zahlen nichts oder nur wenig.",
            ),
            "en": _t(
                "Talk about your worries",
                "Do you feel alone, afraid or unsafe at home? Talk to someone about it. "
                "It is free.",
                "Call us. Together we find a psychologist or a helper near you. You pay "
                "nothing or very little.",
            ),
            "ar": _t(
                "تحدث عن همومك",
                "هل تشعر بالوحدة أو الخوف؟ تحدث مع شخص ما. هذا مجاني.",
                "اتصل بنا. نبحث معك عن طبيب نفسي أو مساعد قريب منك. لا تدفع شيئا أو تدفع "
                "القليل فقط.",
            ),
            "tr": _t(
                "Dertlerinizi konuşun",
                "Yalnız mısınız, korkuyor musunuz? Biriyle konuşun. Ücretsizdir.",
                "Bizi arayın. Size yakın bir psikolog ya da yardımcı birlikte buluruz. Hiçbir "
                "şey ödemezsiniz ya da çok az ödersiniz.",
            ),
            "uk": _t(
                "Поговоріть про свої турботи",
                "Вам самотньо чи страшно? Поговоріть із кимось. Це безкоштовно.",
                "Зателефонуйте нам. Ми разом знайдемо психолога або помічника поруч із вами. "
                "Ви не платите нічого або зовсім мало.",
            ),
        },
    ),
    _measure(
        "digital-divide",
        "federal",
        "digital",
        "new",
        contact_point="1700",
        translations={
            "nl": _t(
                "Hulp met computer en internet",
                "Hebt u geen computer of internet? U kunt er een lenen en gratis hulp krijgen.",
                "Bel ons. Wij zeggen waar u terechtkunt in uw buurt.",
            ),
            "fr": _t(
                "Aide pour l'ordinateur et internet",
                "Vous n'avez pas d'ordinateur ou d'internet ? Vous pouvez en emprunter un "
                "et recevoir de l'aide gratuite.",
                "Appelez-nous. Nous vous disons où aller près de chez vous.",
            ),
            "de": _t(
                "Hilfe mit Computer und Internet",
                "Haben Sie keinen Computer oder kein Internet? Sie können einen leihen "
                "und bekommen kostenlos Hilfe.",
                "Rufen Sie uns an. Wir sagen Ihnen, wohin Sie gehen können.",
            ),
            "en": _t(
                "Help with a computer and the internet",
                "No computer or internet at home? You can borrow one and get free help.",
                "Call us. We tell you where to go near your home.",
            ),
        },
    ),
    _measure(
        "vaccination",
        "federal",
        "vaccination",
        "new",
        amount="free",
        contact_point="0800 14 689",
        translations={
            "nl": _t(
                "Gratis vaccin",
                "Het vaccin is gratis voor iedereen. Het beschermt u en uw familie.",
                "U krijgt een brief met een afspraak. Geen brief gekregen of hulp nodig "
                "om er te geraken? Bel ons.",
            ),
            "fr": _t(
                "Vaccin gratuit",
                "Le vaccin est gratuit pour tous. Il vous protège, vous et votre famille.",
                "Vous recevez une lettre avec un rendez-vous. Pas de lettre ou besoin "
                "d'aide pour y aller ? Appelez-nous.",
            ),
            "de": _t(
                "Kostenlose Impfung",
                "Die Impfung ist für alle kostenlos. Sie schützt Sie und Ihre Familie.",
                "Sie bekommen einen Brief mit einem Termin. Kein Brief oder Hilfe nötig? "
                "Rufen Sie uns an.",
            ),
            "en": _t(
                "Free vaccine",
                "The vaccine is free for everyone. It protects you and your family.",
                "You get a letter with an appointment. No letter, or need help getting "
                "there? Call us.",
            ),
        },
    ),
]


def _with_newcomer_languages(catalogue: list[dict[str, Any]]) -> list[dict[str, Any]]:
    for measure in catalogue:
        for language, (title, summary, how_to) in NEWCOMER_TEXTS.get(measure["slug"], {}).items():
            measure["translations"][language] = _t(title, summary, how_to)
    return catalogue


MEASURES = _with_newcomer_languages(MEASURES)
