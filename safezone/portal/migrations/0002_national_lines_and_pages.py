"""The portal's first content: the national numbers every region shares, and the pages on rights and
on what happens after a call. Administrators add the region's own lines and edit the pages."""

from django.db import migrations

LINES = [
    {
        "name_ru": "Единый номер экстренных служб", "name_en": "Emergency services",
        "phone": "112", "hours_ru": "круглосуточно", "hours_en": "24 hours a day",
        "around_the_clock": True, "free": True, "anonymous": False, "audience": "everyone", "emergency": True,
        "about_ru": "Угроза жизни или здоровью: полиция, скорая помощь. Звонок возможен без SIM-карты.",
        "about_en": "A threat to life or health: police, ambulance. Works without a SIM card.",
        "order": 1,
    },
    {
        "name_ru": "Полиция", "name_en": "Police",
        "phone": "102", "hours_ru": "круглосуточно", "hours_en": "24 hours a day",
        "around_the_clock": True, "free": True, "anonymous": False, "audience": "everyone", "emergency": True,
        "about_ru": "Побои, угрозы, преследование. Заявление обязаны принять и выдать талон-уведомление.",
        "about_en": "Beatings, threats, stalking. The police must take your report and give you a receipt for it.",
        "order": 2,
    },
    {
        "name_ru": "Детский телефон доверия", "name_en": "Children's helpline",
        "phone": "8-800-2000-122", "hours_ru": "круглосуточно", "hours_en": "24 hours a day",
        "around_the_clock": True, "free": True, "anonymous": True, "audience": "children", "emergency": False,
        "about_ru": "Для детей, подростков и их родителей: выслушают и помогут, можно не называть себя.",
        "about_en": "For children, teenagers and their parents: someone listens and helps; you need not give your name.",
        "order": 10,
    },
]

PAGES = [
    {
        "slug": "rights", "kind": "rights", "order": 1,
        "title_ru": "Ваши права", "title_en": "Your rights",
        "body_ru": (
            "Насилие в семье — не «личное дело». Побои, угрозы, преследование, принуждение — это "
            "нарушение закона, и вы вправе просить защиты.\n\n"
            "Вы можете обратиться в полицию (102 или 112). Заявление обязаны принять и "
            "зарегистрировать; попросите талон-уведомление — он подтверждает, что заявление принято.\n\n"
            "Обратитесь в травмпункт или к врачу: запись о повреждениях поможет потом доказать, что "
            "произошло.\n\n"
            "Центр социального обслуживания и кризисный центр помогут бесплатно: психолог, юрист, "
            "временное проживание в безопасном месте для вас и детей.\n\n"
            "Ребёнок может сам обратиться за защитой в органы опеки и попечительства, а с 14 лет — в суд "
            "(статья 56 Семейного кодекса).\n\n"
            "Сведения о вас защищены законом. Специалисты не передают их другим без вашего согласия, "
            "кроме случаев, когда закон обязывает сообщить об угрозе жизни или здоровью ребёнка."
        ),
        "body_en": (
            "Violence at home is not a private matter. Beatings, threats, stalking and coercion break the "
            "law, and you have the right to ask for protection.\n\n"
            "You can go to the police (102 or 112). They must take and register your report; ask for the "
            "receipt that shows it was taken.\n\n"
            "See a doctor or an emergency room: a record of your injuries helps to prove later what "
            "happened.\n\n"
            "Social-service and crisis centres help free of charge: a psychologist, a lawyer, a safe "
            "place to stay for you and your children.\n\n"
            "A child may turn to the guardianship authority on their own, and from 14 to a court "
            "(article 56 of the Family Code).\n\n"
            "Information about you is protected by law. Professionals do not pass it on without your "
            "consent, except where the law obliges them to report a threat to a child's life or health."
        ),
    },
    {
        "slug": "after-you-call", "kind": "after_call", "order": 2,
        "title_ru": "Что будет после звонка", "title_en": "What happens after you call",
        "body_ru": (
            "Вас выслушают. Можно не называть своё имя и не объяснять всё сразу.\n\n"
            "Сначала консультант спросит, в безопасности ли вы сейчас. Если есть угроза жизни, "
            "он может вызвать полицию или скорую помощь.\n\n"
            "Вместе вы решите, что делать дальше: совет, встреча со специалистом, безопасное место.\n\n"
            "Только с вашего согласия консультант передаст обращение специалистам центра, которые "
            "свяжутся с вами так, как безопасно для вас. Вы можете позвонить снова в любое время."
        ),
        "body_en": (
            "Someone listens to you. You need not give your name or explain everything at once.\n\n"
            "First the counsellor asks whether you are safe now. If your life is in danger, they can call "
            "the police or an ambulance.\n\n"
            "Together you decide what comes next: advice, a meeting with a specialist, a safe place.\n\n"
            "Only with your consent does the counsellor pass your request to the centre's specialists, "
            "who contact you in a way that is safe for you. You can call again at any time."
        ),
    },
]


def add(apps, schema_editor):
    HelpLine = apps.get_model("portal", "HelpLine")
    PortalPage = apps.get_model("portal", "PortalPage")
    for line in LINES:
        HelpLine.objects.get_or_create(phone=line["phone"], defaults=line)
    for page in PAGES:
        PortalPage.objects.get_or_create(slug=page["slug"], defaults={**page, "published": True})


def remove(apps, schema_editor):
    apps.get_model("portal", "HelpLine").objects.filter(phone__in=[line["phone"] for line in LINES]).delete()
    apps.get_model("portal", "PortalPage").objects.filter(slug__in=[page["slug"] for page in PAGES]).delete()


class Migration(migrations.Migration):
    dependencies = [("portal", "0001_initial")]
    operations = [migrations.RunPython(add, remove)]
