"""The demo region's action plan against domestic violence, 2025–2027, as a logframe: one goal,
four purposes (coordination, help for victims, work with perpetrators and men, prevention and
information), their outputs and activities with the bodies responsible, indicators read from the
registry where it counts them, and hand-kept indicators with quarterly actuals and their sources.

It follows the region's earlier work with SIDA's "Gender equality and masculinity" project: the
inter-agency council reporting to the governor, crisis centres and short-term accommodation, the
programme for perpetrators with the internal-affairs psychologists, White Ribbon campaigns with
volunteer "ambassadors of non-violence", and the shared database. Loaded through the plan's own
spreadsheet import, so it is idempotent: running it again changes nothing. Deterministic for `today`.
"""

import io
from datetime import date

from openpyxl import Workbook

from safezone.programmes.models import Element, Level, Plan, Status
from safezone.programmes.services import plan_load
from safezone.programmes.xlsx import ACTUALS, COLUMNS, INDICATORS, LOGFRAME
from safezone.stats.periods import period_containing

TITLE_RU = "Региональный план мероприятий по профилактике домашнего насилия в Вологодской области на 2025–2027 годы"
TITLE_EN = "Vologda Oblast action plan against domestic violence, 2025–2027"
START, END = date(2025, 1, 1), date(2027, 12, 31)

DEPT = "Департамент социальной защиты населения области"
POLICE = "УМВД России по Вологодской области"
HEALTH = "Департамент здравоохранения области"
EDU = "Департамент образования области"
KDN = "Областная КДНиЗП"
CRISIS = "Кризисные центры (Вологда, Череповец)"
KCSON = "КЦСОН муниципальных районов"
NGO = "НКО «Белая лента»"
MEDIA = "Департамент внутренней политики области"

# level, code, parent, text_ru, text_en, responsible, start, end, assumptions
LOGFRAME_ROWS = [
    ("goal", "1", "",
     "Снижение домашнего насилия в Вологодской области и защита пострадавших, прежде всего женщин и детей",
     "Less domestic violence in Vologda Oblast and protection of those who suffer it, women and children first",
     "Правительство Вологодской области", START, END,
     "Законодательство о профилактике правонарушений не меняется к худшему; финансирование плана сохраняется"),
    ("purpose", "1.1", "1",
     "Органы и службы области действуют согласованно: случаи высокого риска рассматриваются межведомственно",
     "The region's bodies and services act together: high-risk cases go to the multi-agency meeting",
     f"{DEPT}, {KDN}", START, END, "Руководители ведомств направляют специалистов на встречи"),
    ("output", "1.1.1", "1.1",
     "Межведомственный совет по профилактике домашнего насилия работает и отчитывается перед губернатором",
     "The inter-agency council against domestic violence works and reports to the governor",
     DEPT, START, END, ""),
    ("activity", "1.1.1.1", "1.1.1",
     "Утвердить положение и состав межведомственного совета, план заседаний на год",
     "Adopt the council's statute, membership and yearly schedule",
     DEPT, date(2025, 1, 15), date(2025, 3, 31), ""),
    ("activity", "1.1.1.2", "1.1.1",
     "Ежеквартальный доклад губернатору о ходе плана с данными регистра",
     "A quarterly report to the governor on the plan with the register's figures",
     DEPT, date(2025, 4, 1), END, "Данные регистра обновляются вовремя"),
    ("output", "1.1.2", "1.1",
     "Межведомственные встречи по случаям высокого риска проводятся во всех городских округах и крупных районах",
     "Multi-agency risk meetings run in every city and the larger districts",
     f"{KDN}, {POLICE}, {CRISIS}", date(2025, 3, 1), END, ""),
    ("activity", "1.1.2.1", "1.1.2",
     "Обучить председателей и секретарей встреч (Вологда, Череповец, Сокол, Великий Устюг)",
     "Train the chairs and secretaries of the meetings (Vologda, Cherepovets, Sokol, Veliky Ustyug)",
     f"{DEPT}, {KDN}", date(2025, 3, 1), date(2025, 9, 30), ""),
    ("activity", "1.1.2.2", "1.1.2",
     "Ввести единую анкету оценки риска во всех ведомствах-участниках",
     "Bring the common risk questionnaire into every member agency",
     f"{DEPT}, {POLICE}, {HEALTH}", date(2025, 4, 1), date(2025, 12, 31), ""),
    ("activity", "1.1.2.3", "1.1.2",
     "Подключить к встречам районы Шекснинский, Тотемский и Вытегорский",
     "Bring the Sheksna, Totma and Vytegra districts into the meetings",
     f"{KDN}, {KCSON}", date(2026, 1, 1), date(2026, 6, 30), "Районы выделяют координатора"),
    ("purpose", "1.2", "1",
     "Пострадавшие получают своевременную помощь и безопасное жильё",
     "Those who suffer violence get timely help and a safe place to stay",
     f"{DEPT}, {CRISIS}", START, END, ""),
    ("output", "1.2.1", "1.2",
     "Мест во временном жилье для пострадавших достаточно по стандарту Совета Европы",
     "Enough places of short-term accommodation, by the Council of Europe standard",
     f"{DEPT}, {CRISIS}", START, END, ""),
    ("activity", "1.2.1.1", "1.2.1",
     "Открыть отделение временного проживания на 12 мест в Череповце",
     "Open a 12-place short-term accommodation unit in Cherepovets",
     f"{DEPT}, КЦСОН г. Череповца", date(2025, 6, 1), date(2026, 3, 31), "Помещение передано городом"),
    ("activity", "1.2.1.2", "1.2.1",
     "Оборудовать «кризисные квартиры» в Великом Устюге и Соколе",
     "Equip crisis flats in Veliky Ustyug and Sokol",
     KCSON, date(2026, 1, 1), date(2026, 12, 31), ""),
    ("output", "1.2.2", "1.2",
     "Направления между службами принимаются быстро, пострадавшая не остаётся без ответа",
     "Referrals between services are accepted quickly; no one is left without an answer",
     f"{CRISIS}, {KCSON}", START, END, ""),
    ("activity", "1.2.2.1", "1.2.2",
     "Перевести направления между ведомствами в общую систему с контролем срока ответа",
     "Move referrals between agencies into the shared system with a deadline for the answer",
     DEPT, date(2025, 2, 1), date(2025, 12, 31), ""),
    ("activity", "1.2.2.2", "1.2.2",
     "Круглосуточный телефон доверия с «тёплым» переводом в кризисный центр",
     "A 24-hour helpline with warm transfer to the crisis centre",
     CRISIS, date(2025, 1, 1), END, ""),
    ("purpose", "1.3", "1",
     "Снижается повторное насилие: с теми, кто его применяет, работают",
     "Less repeat violence: those who use it are worked with",
     f"{POLICE}, {DEPT}", START, END, ""),
    ("output", "1.3.1", "1.3",
     "Программа работы с лицами, применяющими насилие, доступна в городах области",
     "A programme for perpetrators is available in the region's cities",
     f"{POLICE}, {CRISIS}", START, END, "Суды и полиция направляют в программу"),
    ("activity", "1.3.1.1", "1.3.1",
     "Подготовить психологов УМВД и кризисных центров к ведению групп (по опыту проекта SIDA)",
     "Train the police and crisis-centre psychologists to run the groups (as in the SIDA project)",
     f"{POLICE}, {CRISIS}", date(2025, 2, 1), date(2025, 10, 31), ""),
    ("activity", "1.3.1.2", "1.3.1",
     "Запустить группы в Вологде и Череповце, затем в Соколе",
     "Start groups in Vologda and Cherepovets, then in Sokol",
     f"{POLICE}, {CRISIS}", date(2025, 9, 1), date(2026, 9, 30), ""),
    ("activity", "1.3.1.3", "1.3.1",
     "Оценить результаты программы по повторным обращениям за 12 месяцев",
     "Evaluate the programme by repeat referrals over 12 months",
     DEPT, date(2027, 1, 1), date(2027, 9, 30), ""),
    ("purpose", "1.4", "1",
     "Жители знают, что насилие недопустимо и куда обращаться за помощью",
     "People know that violence is not acceptable and where to turn for help",
     f"{MEDIA}, {EDU}, {NGO}", START, END, ""),
    ("output", "1.4.1", "1.4",
     "Кампании «Белая лента» проходят ежегодно во всех районах",
     "White Ribbon campaigns run every year in every district",
     f"{NGO}, {MEDIA}", START, END, ""),
    ("activity", "1.4.1.1", "1.4.1",
     "Ежегодная кампания «Белая лента» (25 ноября – 10 декабря) с волонтёрами «Послы ненасилия»",
     "A yearly White Ribbon campaign (25 November – 10 December) with the 'ambassadors of non-violence' volunteers",
     f"{NGO}, {MEDIA}", date(2025, 9, 1), END, ""),
    ("activity", "1.4.1.2", "1.4.1",
     "Выпустить памятки и книжки «Я против насилия» для школ и поликлиник",
     "Publish leaflets and 'I am against violence' booklets for schools and clinics",
     f"{MEDIA}, {HEALTH}", date(2025, 3, 1), date(2025, 8, 31), ""),
    ("output", "1.4.2", "1.4",
     "Специалисты и педагоги обучены распознавать насилие и направлять за помощью",
     "Professionals and teachers are trained to recognise violence and refer for help",
     f"{DEPT}, {EDU}", START, END, ""),
    ("activity", "1.4.2.1", "1.4.2",
     "Обучение специалистов социальной защиты, здравоохранения и полиции (72 часа)",
     "Training of social, health and police staff (72 hours)",
     f"{DEPT}, {HEALTH}, {POLICE}", date(2025, 2, 1), date(2027, 11, 30), ""),
    ("activity", "1.4.2.2", "1.4.2",
     "Классные часы о безопасных отношениях в 5–9 классах",
     "Lessons on safe relationships in grades 5–9",
     EDU, date(2025, 9, 1), date(2027, 5, 31), "Школы включают занятия в план воспитательной работы"),
]  # fmt: skip

# code, element, name_ru, name_en, baseline, baseline year, target, target year, unit, verification, registry
INDICATOR_ROWS = [
    ("1-a", "1", "Доля повторных направлений на межведомственную встречу", "Repeat referrals to the meeting",
     30, 2024, 20, 2027, "%", "Регистр SafeZone (обезличенная статистика)", "meeting_repeat_share"),
    ("1.1-a", "1.1", "Случаи на межведомственной встрече на 10 000 взрослых женщин за квартал",
     "Meeting cases per 10,000 adult women a quarter", 4, 2024, 10, 2027, "на 10 000 женщин",
     "Регистр SafeZone", "meeting_cases_per_10k_women"),
    ("1.1.1-a", "1.1.1", "Доклады губернатору, представленные в срок (нарастающим итогом)",
     "Reports to the governor delivered on time (cumulative)", 0, 2024, 11, 2027, "докладов",
     "Протоколы совета, письма в аппарат губернатора", ""),
    ("1.1.2-a", "1.1.2", "Муниципальные образования, где проводятся встречи", "Municipalities running meetings",
     2, 2024, 9, 2027, "МО", "Отчёт КДНиЗП", ""),
    ("1.2-a", "1.2", "Доля направлений, принятых в течение 5 дней", "Referrals accepted within 5 days",
     60, 2024, 90, 2027, "%", "Регистр SafeZone", "referrals_accepted_5d_share"),
    ("1.2.1-a", "1.2.1", "Места во временном жилье на 10 000 жителей", "Shelter places per 10,000 inhabitants",
     0.4, 2024, 1, 2027, "на 10 000 жителей", "Регистр SafeZone (места-ночи)", "shelter_places_per_10k"),
    ("1.2.1-b", "1.2.1", "Заполняемость мест временного проживания", "Shelter occupancy",
     55, 2024, 80, 2027, "%", "Регистр SafeZone", "shelter_occupancy"),
    ("1.3.1-a", "1.3.1", "Мужчины, завершившие программу (нарастающим итогом)",
     "Men who completed the programme (cumulative)", 0, 2024, 240, 2027, "человек",
     "Журналы групп, отчёт УМВД", ""),
    ("1.4-a", "1.4", "Жители, знающие номер телефона доверия (опрос)",
     "Residents who know the helpline number (survey)", 31, 2024, 60, 2027, "%",
     "Ежегодный опрос Вологодского государственного университета", ""),
    ("1.4.2-a", "1.4.2", "Обученные специалисты (нарастающим итогом)", "Professionals trained (cumulative)",
     0, 2024, 900, 2027, "человек", "Списки слушателей, удостоверения о повышении квалификации", ""),
    ("1.4.2-b", "1.4.2", "Школы, проводящие занятия о безопасных отношениях",
     "Schools running safe-relationship lessons", 40, 2024, 220, 2027, "школ", "Отчёт департамента образования", ""),
]  # fmt: skip

# Hand-kept indicators: (source, value in each quarter from 2025Q1 on). Cumulative series grow
# unevenly; the programme for men starts slowly (behind), the trainings run ahead.
QUARTERLY = {
    "1.1.1-a": ("Протоколы межведомственного совета", [0, 1, 2, 3, 4, 5, 5, 6, 7, 8, 9, 10]),
    "1.1.2-a": ("Отчёт областной КДНиЗП", [2, 3, 4, 4, 5, 5, 6, 6, 7, 8, 8, 9]),
    "1.3.1-a": ("Отчёт УМВД: журналы групп", [0, 0, 0, 6, 11, 17, 22, 30, 41, 55, 70, 88]),
    "1.4.2-a": ("Списки слушателей курсов", [35, 110, 160, 240, 300, 380, 430, 520, 590, 660, 720, 800]),
    "1.4.2-b": ("Отчёт департамента образования", [40, 40, 75, 96, 110, 118, 150, 171, 180, 186, 205, 214]),
}
YEARLY = {"1.4-a": ("Опрос ВоГУ (n = 1 200)", {2025: 38, 2026: 46, 2027: 55})}
# Activities' standing as the plan's keepers would say it (the rest follow the dates).
STATUS_NOTES = {
    "1.1.2.3": (Status.DELAYED, "Тотемский район не назначил координатора; вопрос вынесен на совет."),
    "1.2.1.2": (Status.DELAYED, "Конкурс на ремонт в Соколе не состоялся, объявлен повторно."),
    "1.4.1.2": (Status.DONE, "Издано 15 000 памяток и 3 000 книжек."),
}


def _workbook(today: date) -> io.BytesIO:
    book = Workbook()
    book.remove(book.active)
    sheets = {title: book.create_sheet(title) for title in (LOGFRAME, INDICATORS, ACTUALS)}
    for title, sheet in sheets.items():
        sheet.append(COLUMNS[title])
    for row in LOGFRAME_ROWS:
        sheets[LOGFRAME].append(list(row))
    for row in INDICATOR_ROWS:
        sheets[INDICATORS].append(list(row))
    # Actuals reach the last quarter that ended before today.
    last = period_containing(today, "quarter").previous()
    quarter = period_containing(START, "quarter")
    i = 0
    while quarter.start <= last.start and i < 12:
        for code, (source, values) in QUARTERLY.items():
            sheets[ACTUALS].append([code, quarter.code, values[i], source])
        quarter, i = period_containing(quarter.end, "quarter"), i + 1
    for code, (source, values) in YEARLY.items():
        for year, value in values.items():
            if date(year, 12, 1) <= today:  # the survey reports in December
                sheets[ACTUALS].append([code, str(year), value, source])
    out = io.BytesIO()
    book.save(out)
    out.seek(0)
    return out


def _status_for(element: Element, today: date) -> tuple[str, str]:
    if element.code in STATUS_NOTES and (element.starts_on is None or element.starts_on <= today):
        return STATUS_NOTES[element.code]
    if element.starts_on and element.starts_on > today:
        return Status.PLANNED, ""
    if element.ends_on and element.ends_on < today:
        return Status.DONE, ""
    return Status.IN_PROGRESS, ""


def action_plan_seed(*, today: date) -> Plan:
    """Load (or bring up to date) the demo region's action plan; returns it."""
    plan, _created = Plan.objects.get_or_create(
        title_ru=TITLE_RU, defaults={"title_en": TITLE_EN, "starts_on": START, "ends_on": END}
    )
    plan_load(plan=plan, upload=_workbook(today))
    for element in Element.objects.filter(plan=plan, level=Level.ACTIVITY):
        status, note = _status_for(element, today)
        if (element.status, element.status_note) != (status, note):
            element.status, element.status_note = status, note
            element.save(update_fields=["status", "status_note"])
    return plan
