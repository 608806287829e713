"""The registry's definitions as the code knows them: data elements (each produced by one builder of
`stats.projection`) and the standard indicators. `services.definitions_sync` writes them into the
database after every migrate; a changed definition becomes a new version, the old one is kept.

Indicators defined later by analysts live only in the database (`services.indicator_define`).
"""

from django.utils.translation import gettext_lazy as _

from .models import Aggregation as A
from .models import Domain as D

_CASE_PEOPLE = ["district", "sex", "age_band", "agency_kind"]
_VIOLENCE = ["district", "sex", "age_band", "perpetrator_sex", "perpetrator_age_band", "relationship"]

# code: (domain, aggregation, disaggregations, protect_agency, name_ru, name_en, description_ru, description_en)
ELEMENTS = {
    "cases_opened": (
        D.CASES,
        A.SUM,
        [*_CASE_PEOPLE, "category"],
        True,
        "Открыто случаев",
        "Cases opened",
        "Случаи, открытые в периоде, по дате открытия; пол и возраст — пострадавшего (или ребёнка) на дату "
        "открытия; категория — вид случая.",
        "Cases opened in the period, by opening date; sex and age are those of the victim (or child) on "
        "that date; the category is the kind of case.",
    ),
    "cases_closed": (
        D.CASES,
        A.SUM,
        [*_CASE_PEOPLE, "category"],
        True,
        "Закрыто случаев",
        "Cases closed",
        "Случаи, закрытые в периоде, по дате закрытия; категория — вид случая.",
        "Cases closed in the period, by closing date; the category is the kind of case.",
    ),
    "incidents": (
        D.CASES,
        A.SUM,
        [*_VIOLENCE, "category"],
        True,
        "Инциденты",
        "Incidents",
        "Инциденты насилия или эксплуатации по дате события; пол и возраст пострадавшего и предполагаемого "
        "обидчика на эту дату, их родство; категория — сообщено ли в полицию (police / not_reported).",
        "Incidents of violence or exploitation by the day they happened; sex and age of the victim and the "
        "alleged perpetrator on that day and how they are related; the category says whether the police "
        "were told (police / not_reported).",
    ),
    "incident_forms": (
        D.CASES,
        A.SUM,
        [*_VIOLENCE, "form"],
        True,
        "Инциденты по формам насилия",
        "Incidents by form of violence",
        "Каждая форма насилия каждого инцидента (инцидент с двумя формами учитывается в каждой).",
        "Each form of violence of each incident (an incident with two forms counts under each).",
    ),
    "assessments": (
        D.CASES,
        A.SUM,
        ["district", "sex", "age_band", "category", "form"],
        True,
        "Оценки риска",
        "Risk assessments",
        "Заполненные опросники по дате; категория — уровень (standard, medium, high…), форма — опросник.",
        "Questionnaires completed, by date; the category is the level (standard, medium, high...), the form "
        "is the questionnaire.",
    ),
    "meeting_referrals": (
        D.CASES,
        A.SUM,
        ["district", "sex", "age_band", "category"],
        False,
        "Направления на межведомственную встречу",
        "Referrals to the multi-agency meeting",
        "Направления случаев на межведомственную встречу по оценке риска по дате; категория — основание "
        "(high_risk, police_incidents, repeat, judgement).",
        "Cases referred to the multi-agency risk meeting, by date; the category is the ground (high_risk, "
        "police_incidents, repeat, judgement).",
    ),
    "referrals": (
        D.CASES,
        A.SUM,
        ["district", "agency_kind", "category"],
        False,
        "Направления в ведомства",
        "Referrals to agencies",
        "Направления случаев в другие ведомства по дате отправки; тип ведомства — получателя; категория — "
        "итог (pending, accepted, declined, revoked, completed).",
        "Referrals of cases to other agencies by the day they were sent; the agency type is the receiver's; "
        "the category is what became of it (pending, accepted, declined, revoked, completed).",
    ),
    "referrals_accepted_5d": (
        D.CASES,
        A.SUM,
        ["district", "agency_kind"],
        False,
        "Направления, принятые в течение 5 дней",
        "Referrals accepted within 5 days",
        "Направления, принятые получателем не позднее 5 дней после отправки, по дате отправки.",
        "Referrals the receiving agency accepted within 5 days of sending, by the day they were sent.",
    ),
    "shelter_nights": (
        D.SERVICES,
        A.SUM,
        ["district", "sex", "age_band"],
        True,
        "Койко-ночи в убежищах",
        "Shelter nights",
        "Ночи проживания в убежищах в каждом месяце периода (заезд считается, выезд — нет).",
        "Nights spent in shelters in each month of the period (the day of arrival counts, the day of leaving "
        "does not).",
    ),
    "shelter_place_nights": (
        D.SERVICES,
        A.SUM,
        ["district"],
        False,
        "Места-ночи в убежищах",
        "Shelter place-nights",
        "Число мест действующих убежищ, умноженное на число дней месяца; знаменатель заполняемости.",
        "Places of the active shelters times the days of each month: the denominator of occupancy.",
    ),
    "contacts": (
        D.HELPLINE,
        A.SUM,
        ["district", "sex", "age_band", "category"],
        False,
        "Обращения на телефон доверия",
        "Helpline contacts",
        "Принятые обращения (звонки, чаты, сообщения) по дате; категория — тип обращения; пол и возраст — "
        "обратившегося, если он их назвал.",
        "Helpline contacts taken (calls, chats, messages) by date; the category is the contact type; sex and "
        "age band are the caller's when given.",
    ),
    "contact_issues": (
        D.HELPLINE,
        A.SUM,
        ["district", "sex", "age_band", "category"],
        False,
        "Обращения по темам",
        "Helpline contacts by issue",
        "Каждая тема каждого обращения (обращение с двумя темами учитывается в каждой).",
        "Each issue of each contact (a contact with two issues counts under each).",
    ),
    "flagged_pupils": (
        D.SCHOOLS,
        A.DISTINCT,
        ["district", "sex", "age_band", "category"],
        True,
        "Ученики в группе риска (раннее предупреждение)",
        "Pupils flagged by early warning",
        "Ученики, у которых в учебной четверти был сигнал уровня «в группе риска» или «высокий»; каждый "
        "ученик учитывается один раз за период; категория — высший уровень.",
        "Pupils with an at-risk or high flag in a school quarter; each pupil once in the period; the "
        "category is the highest tier.",
    ),
    "support_plans": (
        D.SCHOOLS,
        A.SUM,
        ["district", "sex", "age_band"],
        True,
        "Планы поддержки учеников",
        "Pupil support plans opened",
        "Планы поддержки, открытые школами в периоде.",
        "Support plans the schools opened in the period.",
    ),
    "children_in_chain": (
        D.LABOUR,
        A.STOCK,
        ["district", "sex", "age_band", "category", "form"],
        False,
        "Дети в цепочке мониторинга детского труда",
        "Children in the child-labour monitoring chain",
        "Дети на каждом шаге цепочки на конец периода (категория — шаг: identified, referred, protected, "
        "verified, tracking, closed, back_at_work); форма — наихудшая форма труда по Конвенции МОТ 182.",
        "Children at each step of the chain at the end of the period (the category is the step: identified, "
        "referred, protected, verified, tracking, closed, back_at_work); the form is the ILO C182 worst form.",
    ),
    "population": (
        D.POPULATION,
        A.STOCK,
        ["district", "sex", "age_band"],
        False,
        "Население",
        "Population",
        "Численность населения района по полу и возрасту на год периода (официальная статистика).",
        "The district's population by sex and age band in the period's year (official statistics).",
    ),
}

# code: (numerator, numerator filter, denominator, denominator filter, factor, per day,
#        name_ru, name_en, description_ru, description_en, unit_ru, unit_en)
INDICATORS = {
    "meeting_cases_per_10k_women": (
        "meeting_referrals",
        {},
        "population",
        {"sex": ["F"], "age_band": ["18-29", "30-44", "45-59", "60+"]},
        10000,
        False,
        "Случаи на межведомственной встрече на 10 000 взрослых женщин",
        "Meeting cases per 10,000 adult women",
        "Направления на межведомственную встречу за период на 10 000 женщин 18 лет и старше "
        "(ожидаемый уровень — около 40 в год).",
        "Referrals to the multi-agency risk meeting in the period per 10,000 women aged 18 and over "
        "(about 40 a year is expected).",
        "на 10 000 женщин",
        "per 10,000 women",
    ),
    "meeting_repeat_share": (
        "meeting_referrals",
        {"category": ["repeat"]},
        "meeting_referrals",
        {},
        100,
        False,
        "Доля повторных направлений на встречу",
        "Repeat referrals to the meeting",
        "Повторные направления (новый инцидент в течение 12 месяцев после прошлого направления) среди всех "
        "направлений на встречу, %.",
        "Repeat referrals (a new incident within 12 months of the last referral) among all referrals to the "
        "meeting, %.",
        "%",
        "%",
    ),
    "shelter_places_per_10k": (
        "shelter_place_nights",
        {},
        "population",
        {},
        10000,
        True,
        "Места в убежищах на 10 000 жителей",
        "Shelter places per 10,000 inhabitants",
        "Среднее число мест в убежищах за период на 10 000 жителей (стандарт Совета Европы — 1 семейное "
        "место на 10 000).",
        "Average shelter places in the period per 10,000 inhabitants (the Council of Europe standard is one "
        "family place per 10,000).",
        "на 10 000 жителей",
        "per 10,000 inhabitants",
    ),
    "shelter_occupancy": (
        "shelter_nights",
        {},
        "shelter_place_nights",
        {},
        100,
        False,
        "Заполняемость убежищ",
        "Shelter occupancy",
        "Койко-ночи проживания среди мест-ночей, %.",
        "Nights spent in shelters among the place-nights available, %.",
        "%",
        "%",
    ),
    "referrals_accepted_5d_share": (
        "referrals_accepted_5d",
        {},
        "referrals",
        {},
        100,
        False,
        "Доля направлений, принятых в течение 5 дней",
        "Referrals accepted within 5 days",
        "Направления, принятые не позднее 5 дней после отправки, среди всех отправленных в периоде, %.",
        "Referrals accepted within 5 days of sending among all sent in the period, %.",
        "%",
        "%",
    ),
    "high_risk_share": (
        "assessments",
        {"category": ["high"], "form": ["dv_risk"]},
        "assessments",
        {"form": ["dv_risk"]},
        100,
        False,
        "Доля оценок высокого риска",
        "High-risk assessments",
        "Оценки риска домашнего насилия с высоким уровнем среди всех таких оценок, %.",
        "Domestic-violence risk assessments scored high among all such assessments, %.",
        "%",
        "%",
    ),
    "incidents_per_10k": (
        "incidents",
        {},
        "population",
        {},
        10000,
        False,
        "Инциденты на 10 000 жителей",
        "Incidents per 10,000 inhabitants",
        "Зарегистрированные инциденты за период на 10 000 жителей.",
        "Incidents recorded in the period per 10,000 inhabitants.",
        "на 10 000 жителей",
        "per 10,000 inhabitants",
    ),
    "cases_opened": (
        "cases_opened",
        {},
        "",
        {},
        1,
        False,
        "Открыто случаев",
        "Cases opened",
        "Число случаев, открытых в периоде.",
        "Cases opened in the period.",
        "",
        "",
    ),
}

# For the documentation page: what each aggregation means.
AGGREGATION_HELP = {
    A.SUM: _("the values of the period's facts added up"),
    A.DISTINCT: _("each person counted once in the period"),
    A.STOCK: _("the value at the end of the period"),
}
