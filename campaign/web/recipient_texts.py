"""What the recipient pages say, in each language the service supports."""

from __future__ import annotations

from collections.abc import Mapping

# keys: confirm_title, confirm_body, confirm_button, done_title, done_sms, done_email,
# invalid_title, invalid_body, copy_title
TEXTS: Mapping[str, Mapping[str, str]] = {
    "nl": {
        "confirm_title": "Geen berichten meer?",
        "confirm_body": "Klik op de knop. Dan krijgt u deze berichten niet meer.",
        "confirm_button": "Stop de berichten",
        "done_title": "U krijgt geen berichten meer",
        "done_sms": "U krijgt van ons geen sms meer op dit nummer.",
        "done_email": "U krijgt van ons geen e-mail meer op dit adres.",
        "invalid_title": "Deze link werkt niet",
        "invalid_body": "De link is niet juist of te oud. Bel 1700 als u hulp nodig hebt.",
        "copy_title": "Uw bericht",
    },
    "fr": {
        "confirm_title": "Plus de messages ?",
        "confirm_body": "Cliquez sur le bouton. Vous ne recevrez plus ces messages.",
        "confirm_button": "Arrêter les messages",
        "done_title": "Vous ne recevrez plus de messages",
        "done_sms": "Nous ne vous enverrons plus de SMS à ce numéro.",
        "done_email": "Nous ne vous enverrons plus d'e-mail à cette adresse.",
        "invalid_title": "Ce lien ne fonctionne pas",
        "invalid_body": "Le lien n'est pas correct ou est trop ancien.",
        "copy_title": "Votre message",
    },
    "de": {
        "confirm_title": "Keine Nachrichten mehr?",
        "confirm_body": "Klicken Sie auf den Knopf. Dann bekommen Sie diese Nachrichten "
        "nicht mehr.",
        "confirm_button": "Nachrichten stoppen",
        "done_title": "Sie bekommen keine Nachrichten mehr",
        "done_sms": "Wir schicken Ihnen keine SMS mehr an diese Nummer.",
        "done_email": "Wir schicken Ihnen keine E-Mail mehr an diese Adresse.",
        "invalid_title": "Dieser Link funktioniert nicht",
        "invalid_body": "Der Link ist nicht richtig oder zu alt.",
        "copy_title": "Ihre Nachricht",
    },
    "en": {
        "confirm_title": "No more messages?",
        "confirm_body": "Press the button. Then you will not get these messages any more.",
        "confirm_button": "Stop the messages",
        "done_title": "You will not get messages any more",
        "done_sms": "We will not send text messages to this number any more.",
        "done_email": "We will not send emails to this address any more.",
        "invalid_title": "This link does not work",
        "invalid_body": "The link is not right or it is too old.",
        "copy_title": "Your message",
    },
    "ar": {
        "confirm_title": "لا تريد رسائل بعد الآن؟",
        "confirm_body": "اضغط على الزر. لن تصلك هذه الرسائل بعد ذلك.",
        "confirm_button": "أوقف الرسائل",
        "done_title": "لن تصلك رسائل بعد الآن",
        "done_sms": "لن نرسل رسائل نصية إلى هذا الرقم بعد الآن.",
        "done_email": "لن نرسل رسائل بريد إلكتروني إلى هذا العنوان بعد الآن.",
        "invalid_title": "هذا الرابط لا يعمل",
        "invalid_body": "الرابط غير صحيح أو قديم جدا.",
        "copy_title": "رسالتك",
    },
    "tr": {
        "confirm_title": "Artık mesaj istemiyor musunuz?",
        "confirm_body": "Düğmeye basın. Bu mesajları artık almazsınız.",
        "confirm_button": "Mesajları durdur",
        "done_title": "Artık mesaj almayacaksınız",
        "done_sms": "Bu numaraya artık SMS göndermeyeceğiz.",
        "done_email": "Bu adrese artık e-posta göndermeyeceğiz.",
        "invalid_title": "Bu bağlantı çalışmıyor",
        "invalid_body": "Bağlantı doğru değil veya çok eski.",
        "copy_title": "Mesajınız",
    },
    "uk": {
        "confirm_title": "Більше не хочете повідомлень?",
        "confirm_body": "Натисніть кнопку. Ви більше не отримуватимете цих повідомлень.",
        "confirm_button": "Зупинити повідомлення",
        "done_title": "Ви більше не отримуватимете повідомлень",
        "done_sms": "Ми більше не надсилатимемо SMS на цей номер.",
        "done_email": "Ми більше не надсилатимемо листи на цю адресу.",
        "invalid_title": "Це посилання не працює",
        "invalid_body": "Посилання неправильне або застаріле.",
        "copy_title": "Ваше повідомлення",
    },
}


def texts(language: str) -> Mapping[str, str]:
    return TEXTS.get(language, TEXTS["en"])
