"""The demo's risk meetings in Vologda and Cherepovets: a past meeting with research, decisions,
actions and issued minutes, and the next one planned with its agenda. All through the real services
(decided, audited); bounded, so a region of a million cases seeds as fast as one of two thousand."""

import datetime as dt

from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.accounts.models import User
from safezone.cases.selectors import recent_cases_of_worker
from safezone.directory.models import Agency, Territory
from safezone.meetings.services import (
    agenda_build,
    decision_record,
    meeting_action_add,
    meeting_action_set_status,
    meeting_hold,
    meeting_plan,
    meeting_referral_make,
    minutes_issue,
    research_record,
)

# (chair, area, member agencies, workers who refer their cases and research, cases each refers)
AREAS = [
    (
        "kdn.vologda",
        "vologda",
        ["crisis-vologda", "police-vologda", "kcson-vologda"],
        ["crisis.worker1", "social.worker1", "police1"],
        3,
    ),
    (
        "kdn.cher",
        "cherepovets",
        ["crisis-cherepovets", "police-cherepovets", "kcson-cherepovets"],
        ["crisis.cher.worker", "social.cher.worker1", "police.cher1"],
        2,
    ),
]
_REASON = "Угрозы убийством и удушение со слов пострадавшей; нужен совместный план безопасности"
_RESEARCH = {
    "crisis_centre": "Пострадавшая на связи, в кризисном центре консультации раз в неделю",
    "police": "Два вызова за последние три месяца, выдано предостережение",
    "social_protection": "Семья на учёте, двое детей посещают школу нерегулярно",
}
_ACTIONS = {
    "police": "Проверить исполнение защитного предписания",
    "crisis_centre": "Место в приюте и план безопасности",
    "social_protection": "Сопровождение семьи, контакт со школой",
}


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def _refer(users, workers, per_worker: int, district) -> int:
    made = 0
    for username in workers:
        user = users.get(username)
        if user is None:
            continue
        cases = [
            c for c in recent_cases_of_worker(user.pk, limit=20) if c.kind == "dv" and c.district_id == district.pk
        ]
        for case in cases[:per_worker]:
            try:
                meeting_referral_make(actor=user, case=case, rule="judgement", purpose="case_work", reason=_REASON)
            except ValidationError:
                continue  # already waiting for a meeting
            made += 1
    return made


def demo_meetings(users: dict[str, User], today: dt.date, seed: int) -> int:
    """Hold one past meeting per area and plan the next; returns how many meetings."""
    made = 0
    for chair_name, area, member_codes, workers, per_worker in AREAS:
        chair = users.get(chair_name)
        district = Territory.objects.filter(code=area).first()
        members = list(Agency.objects.filter(code__in=member_codes))
        if chair is None or district is None or len(members) != len(member_codes):
            continue
        _refer(users, workers, per_worker, district)
        past = meeting_plan(
            actor=chair, district=district, scheduled_at=_at(today - dt.timedelta(days=28)), members=members
        )
        agenda_build(actor=chair, meeting=past)
        researchers = [users[w] for w in workers if w in users]
        for n, item in enumerate(past.agenda.select_related("case")):
            for user in researchers:
                agency = next(m.agency for m in user.memberships.all() if m.agency_id in {a.pk for a in members})
                research_record(actor=user, item=item, text=_RESEARCH.get(agency.kind, "Сведений нет"))
            decision_record(
                actor=chair, item=item, decision="Совместный план безопасности; повторное рассмотрение через месяц"
            )
            for agency in members:
                action = meeting_action_add(
                    actor=chair,
                    item=item,
                    owner_agency=agency,
                    text=_ACTIONS.get(agency.kind, "Сопровождение"),
                    due_on=today - dt.timedelta(days=28 - 14 - n),
                )
                owner = next(
                    (u for u in researchers if any(m.agency_id == agency.pk for m in u.memberships.all())), None
                )
                if owner is not None and (n + agency.pk) % 3:
                    status, note = (
                        ("done", "")
                        if (n + agency.pk) % 3 == 1
                        else ("not_possible", "Семья переехала к родственникам")
                    )
                    meeting_action_set_status(
                        actor=owner, action_id=action.pk, expected_version=1, status=status, note=note
                    )
        meeting_hold(actor=chair, meeting=past)
        minutes_issue(actor=chair, meeting=past)
        _refer(users, workers, 1, district)
        upcoming = meeting_plan(
            actor=chair, district=district, scheduled_at=_at(today + dt.timedelta(days=5)), members=members
        )
        agenda_build(actor=chair, meeting=upcoming)
        made += 2
    return made
