"""Measure texts in languages many newcomers read: Arabic, Turkish and Ukrainian.

Kept apart from ``content.py`` so translators can work on one file; merged into the
catalogue there. Same plain-language rules: short sentences, everyday words, a number to call.
"""

from __future__ import annotations

# slug -> language -> (title, summary, how_to)
NEWCOMER_TEXTS: dict[str, dict[str, tuple[str, str, str]]] = {
    "water-energy-temporary-unemployed": {
        "ar": (
            "مساعدة في فاتورة الماء والطاقة",
            "هل أنت بلا عمل مؤقتا؟ ستحصل على مال إضافي للماء والطاقة.",
            "لا تحتاج إلى فعل أي شيء. يأتي المال على فاتورتك. هل هناك مشكلة؟ اتصل بنا.",
        ),
        "tr": (
            "Su ve enerji faturanız için yardım",
            "Geçici olarak işsiz misiniz? Su ve enerji için ek para alırsınız.",
            "Bir şey yapmanız gerekmez. Para faturanıza gelir. Sorun mu var? Bizi arayın.",
        ),
        "uk": (
            "Допомога з рахунком за воду та енергію",
            "Ви тимчасово без роботи? Ви отримаєте додаткові гроші на воду та енергію.",
            "Вам нічого не треба робити. Гроші прийдуть на ваш рахунок. Проблема? "
            "Зателефонуйте нам.",
        ),
    },
    "no-energy-cut-offs-evictions": {
        "ar": (
            "لا قطع ولا طرد",
            "لا تستطيع دفع الفاتورة أو الإيجار؟ يبقى الغاز والكهرباء والماء. تبقى في بيتك.",
            "وصلتك رسالة عن قطع أو طرد؟ اتصل بنا فورا.",
        ),
        "tr": (
            "Kesinti yok, tahliye yok",
            "Faturayı veya kirayı ödeyemiyor musunuz? Gaz, elektrik ve su kesilmez. "
            "Evinizde kalırsınız.",
            "Kesinti veya tahliye mektubu mu aldınız? Hemen bizi arayın.",
        ),
        "uk": (
            "Без відключень і без виселень",
            "Не можете сплатити рахунок чи оренду? Газ, світло і вода залишаються. "
            "Ви залишаєтесь у своєму домі.",
            "Отримали лист про відключення чи виселення? Одразу зателефонуйте нам.",
        ),
    },
    "childcare-vulnerable-families": {
        "ar": (
            "رعاية لأطفالك",
            "هل الحياة صعبة عليك الآن؟ يمكن لأطفالك الذهاب إلى الحضانة.",
            "اتصل بنا. نبحث معك عن مكان قريب من بيتك.",
        ),
        "tr": (
            "Çocuklarınız için bakım",
            "Hayat şu an zor mu? Çocuklarınız kreşe gidebilir.",
            "Bizi arayın. Evinize yakın bir yer birlikte buluruz.",
        ),
        "uk": (
            "Догляд за вашими дітьми",
            "Вам зараз важко? Ваші діти можуть ходити в дитячий садок.",
            "Зателефонуйте нам. Ми разом знайдемо місце біля вашого дому.",
        ),
    },
    "free-easter-childcare": {
        "ar": (
            "رعاية مجانية في عطلة الفصح",
            "في عطلة الفصح رعاية أطفالك مجانية.",
            "اطلب مكانا في بلديتك. تحتاج مساعدة؟ اتصل بنا.",
        ),
        "tr": (
            "Paskalya tatilinde ücretsiz bakım",
            "Paskalya tatilinde çocuklarınızın bakımı ücretsizdir.",
            "Belediyenizden bir yer isteyin. Yardım mı lazım? Bizi arayın.",
        ),
        "uk": (
            "Безкоштовний догляд на Великодні канікули",
            "На Великодні канікули догляд за дітьми безкоштовний.",
            "Попросіть місце у своїй громаді. Потрібна допомога? Зателефонуйте нам.",
        ),
    },
    "help-lines": {
        "ar": (
            "شخص تتحدث معه",
            "هل تشعر بالوحدة أو بعدم الأمان؟ اتصل أو اكتب. مجاني وبدون اسم.",
            "اتصل بالرقم 106 ليلا ونهارا.",
        ),
        "tr": (
            "Konuşabileceğiniz biri",
            "Yalnız mı hissediyorsunuz veya güvende değil misiniz? Arayın veya yazın. "
            "Ücretsiz ve isimsiz.",
            "Gece gündüz 106'yı arayın.",
        ),
        "uk": (
            "Є з ким поговорити",
            "Вам самотньо чи небезпечно? Телефонуйте або пишіть. Це безкоштовно й анонімно.",
            "Телефонуйте 106 вдень і вночі.",
        ),
    },
    "extra-allowance-temporary-unemployed": {
        "ar": (
            "مال إضافي إذا كنت بلا عمل مؤقتا",
            "تحصل على 5.63 يورو إضافية كل يوم مع إعانتك.",
            "لا تحتاج إلى فعل أي شيء. نقابتك أو HVW تدفع لك المال.",
        ),
        "tr": (
            "Geçici işsizseniz ek para",
            "Ödeneğinize ek olarak günde 5,63 € alırsınız.",
            "Bir şey yapmanız gerekmez. Sendikanız veya HVW ödemeyi yapar.",
        ),
        "uk": (
            "Додаткові гроші, якщо ви тимчасово без роботи",
            "Ви отримуєте на 5,63 € більше щодня разом із допомогою.",
            "Вам нічого не треба робити. Ваша профспілка або HVW виплатить гроші.",
        ),
    },
    "digital-divide": {
        "ar": (
            "مساعدة في الكمبيوتر والإنترنت",
            "ليس عندك كمبيوتر أو إنترنت؟ يمكنك استعارة جهاز والحصول على مساعدة مجانية.",
            "اتصل بنا. نقول لك أين تذهب قرب بيتك.",
        ),
        "tr": (
            "Bilgisayar ve internet için yardım",
            "Evde bilgisayar veya internet yok mu? Ödünç alabilir ve ücretsiz yardım "
            "alabilirsiniz.",
            "Bizi arayın. Evinize yakın nereye gideceğinizi söyleriz.",
        ),
        "uk": (
            "Допомога з комп'ютером та інтернетом",
            "Немає комп'ютера чи інтернету? Ви можете позичити пристрій і отримати "
            "безкоштовну допомогу.",
            "Зателефонуйте нам. Ми скажемо, куди звернутися біля дому.",
        ),
    },
    "vaccination": {
        "ar": (
            "لقاح مجاني",
            "اللقاح مجاني للجميع. يحميك ويحمي عائلتك.",
            "تصلك رسالة فيها موعد. لم تصلك رسالة أو تحتاج مساعدة للوصول؟ اتصل بنا.",
        ),
        "tr": (
            "Ücretsiz aşı",
            "Aşı herkes için ücretsizdir. Sizi ve ailenizi korur.",
            "Randevulu bir mektup alırsınız. Mektup gelmedi mi veya gitmek için yardım mı "
            "lazım? Bizi arayın.",
        ),
        "uk": (
            "Безкоштовне щеплення",
            "Щеплення безкоштовне для всіх. Воно захищає вас і вашу родину.",
            "Ви отримаєте лист із записом. Не отримали листа чи потрібна допомога, щоб "
            "дістатися? Зателефонуйте нам.",
        ),
    },
}
