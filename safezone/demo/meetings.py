"""The demo's risk meetings in Vologda and Cherepovets: a past meeting with research, decisions,
actions and issued minutes, and the next one planned with its agenda. All through the real services
(decided, audited); bounded, so a region of a million cases seeds as fast as one of two thousand.

Before them, two years of referrals already discussed, written in bulk: about a fifth of the
domestic-violence cases of each month referred on one of the four grounds, and a new incident
within a year of a referral referred again as a repeat.
"""

import datetime as dt
import random

from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.accounts.models import User
from safezone.cases.selectors import recent_cases_of_worker
from safezone.common.bulk import insert_with_history
from safezone.directory.models import Agency, Territory
from safezone.meetings.models import MeetingReferral
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

from .history import CasePool, SeenCase, quarters

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


def _refer(users, workers, per_worker: int, district) -> list[MeetingReferral]:
    made = []
    for username in workers:
        user = users.get(username)
        if user is None:
            continue
        cases = [
            c for c in recent_cases_of_worker(user.pk, limit=20) if c.kind == "dv" and c.district_id == district.pk
        ]
        for case in cases[:per_worker]:
            try:
                referral = meeting_referral_make(
                    actor=user, case=case, rule="judgement", purpose="case_work", reason=_REASON
                )
            except ValidationError:
                continue  # already waiting for a meeting
            made.append(referral)
    return made


def _redate(referrals: list[MeetingReferral], today: dt.date, days_before: tuple[int, int], rng) -> None:
    """Date referrals by the demo's today: the service dates them by the clock, and a demo seeded
    for another day would have them after its own end."""
    for referral in referrals:
        day = today - dt.timedelta(days=rng.randrange(*days_before))
        MeetingReferral.objects.filter(pk=referral.pk).update(referred_on=day)
        referral.history.update(referred_on=day)


def demo_meetings(users: dict[str, User], today: dt.date, seed: int, pool: CasePool | None = None) -> int:
    """Two years of referrals discussed, then one past meeting per area held and the next planned;
    returns how many meetings."""
    rng = random.Random(f"meetings-{seed}")
    if pool is not None:
        referrals_history(pool, today, rng)
    made = 0
    for chair_name, area, member_codes, workers, per_worker in AREAS:
        chair = users.get(chair_name)
        district = Territory.objects.filter(code=area).first()
        members = list(Agency.objects.filter(code__in=member_codes))
        if chair is None or district is None or len(members) != len(member_codes):
            continue
        _redate(_refer(users, workers, per_worker, district), today, (30, 40), rng)
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
        _redate(_refer(users, workers, 1, district), today, (0, 10), rng)
        upcoming = meeting_plan(
            actor=chair, district=district, scheduled_at=_at(today + dt.timedelta(days=5)), members=members
        )
        agenda_build(actor=chair, meeting=upcoming)
        made += 2
    return made


# The grounds of a first referral (a repeat is its own ground) and the words each leaves.
_GROUNDS = {"high_risk": 50, "police_incidents": 20, "judgement": 30}
_GROUND_REASONS = {
    "high_risk": "Чек-лист оценки риска: высокий риск",
    "police_incidents": "Три и более обращения в полицию за 12 месяцев",
    "judgement": _REASON,
    "repeat": "Повторный инцидент в течение 12 месяцев после прошлого рассмотрения",
}
P_REFERRED = 0.2
P_REPEAT = 0.6
# The newest month is the meetings' own (made through the services above).
QUIET_DAYS = 42


def referrals_history(pool: CasePool, today: dt.date, rng: random.Random) -> int:
    """Write the meeting referrals of the last two years in bulk; returns how many."""
    rows = referral_rows(pool, today, rng)
    insert_with_history(MeetingReferral, rows)
    return len(rows)


def referral_rows(pool: CasePool, today: dt.date, rng: random.Random) -> list[MeetingReferral]:
    """Meeting referrals of the last two years (unsaved), already discussed; every quarter gets at
    least one when some case is open in it."""
    last = today - dt.timedelta(days=QUIET_DAYS)
    rows: list[MeetingReferral] = []
    referred: dict[tuple, dt.date] = {}  # (victim, perpetrator) -> last referral

    def refer(case: SeenCase, day: dt.date, rule: str) -> None:
        rows.append(
            MeetingReferral(
                case_id=case.pk,
                rule=rule,
                reason=_GROUND_REASONS[rule],
                victim_id=case.victim,
                alleged_perpetrator_id=case.perpetrator,
                status=MeetingReferral.Status.DISCUSSED,
                referred_by_id=case.worker,
                referred_on=day,
            )
        )
        referred[(case.victim, case.perpetrator)] = day

    cases = [c for c in pool.of_kinds("dv") if c.victim]
    for case in cases:
        day = case.opened_on + dt.timedelta(days=rng.randrange(0, 15))
        if not (pool.start <= day <= last) or not case.open_on(day):
            continue
        before = referred.get((case.victim, case.perpetrator))
        if before is not None and 0 < (day - before).days <= 365:
            refer(case, day, "repeat")  # the same pair again, in a new case
        elif rng.random() < P_REFERRED:
            refer(case, day, _pick(rng, _GROUNDS))
        else:
            continue
        # A new incident between the two within a year: back to the meeting.
        for occurred, _police in case.incidents:
            again = occurred + dt.timedelta(days=rng.randrange(0, 6))
            if day < occurred and (occurred - day).days <= 365 and again <= last and case.open_on(again):
                if rng.random() < P_REPEAT:
                    refer(case, again, "repeat")
                break
    # A small demo has quiet quarters: refer a case open then on professional judgement.
    for first, end in quarters(pool.start, last):
        if any(first <= r.referred_on <= end for r in rows):
            continue
        for case in [c for c in cases if c.open_on(first) or first <= c.opened_on <= end]:
            day = max(first, case.opened_on, pool.start) + dt.timedelta(days=rng.randrange(0, 20))
            if day <= min(end, last) and case.open_on(day):
                refer(case, day, "judgement")
                break
    return rows


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]
