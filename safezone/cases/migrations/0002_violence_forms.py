"""The reference list of forms of violence and exploitation."""

from django.db import migrations

FORMS = [
    ("physical", "физическое насилие", "physical violence"),
    ("psychological", "психологическое насилие", "psychological violence"),
    ("sexual", "сексуальное насилие", "sexual violence"),
    ("economic", "экономическое насилие", "economic violence"),
    ("neglect", "пренебрежение нуждами ребёнка", "neglect of a child"),
    ("stalking", "преследование", "stalking"),
    ("child_labour", "эксплуатация детского труда", "child labour"),
    ("sexual_exploitation", "сексуальная эксплуатация", "sexual exploitation"),
    ("trafficking", "торговля людьми", "trafficking in human beings"),
    ("online", "насилие в интернете", "online abuse"),
]


def load(apps, schema_editor):
    ViolenceForm = apps.get_model("cases", "ViolenceForm")
    for i, (code, ru, en) in enumerate(FORMS, start=1):
        ViolenceForm.objects.update_or_create(code=code, defaults={"name_ru": ru, "name_en": en, "ordering": i})


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
