"""The demo's case work on the newest cases of each front-line worker: risk assessments, plans with
actions (done, not possible, not done, open, overdue) and closures approved or waiting.

Bounded (a few cases per worker), so a region of a million cases seeds as fast as one of two
thousand; deterministic for the seed and the demo's today.
"""

import datetime as dt
import random

from django.utils import timezone

from safezone.accounts.models import Role, User
from safezone.assessments.instruments import NOT_KNOWN, YES, instrument, instruments_for
from safezone.assessments.models import Assessment
from safezone.assessments.services import assessments_bulk_create
from safezone.cases.models import Case, Closure, Goal, Participant, PlanAction
from safezone.cases.selectors import recent_cases_of_worker
from safezone.cases.services import casework_bulk_create

CASES_PER_WORKER = 6
_SUBJECT_ROLES = (Participant.Role.VICTIM, Participant.Role.CHILD)
_GOALS = [
    "Безопасное жильё для пострадавшей и детей",
    "Регулярное посещение школы",
    "Юридическая помощь: защитное предписание",
    "Психологическая поддержка семьи",
    "Трудоустройство и финансовая независимость",
]
_ACTIONS = [
    "Консультация юриста по защитному предписанию",
    "Место в приюте на время кризиса",
    "Встреча с психологом кризисного центра",
    "Проверка условий проживания ребёнка",
    "Сопровождение на приём к врачу",
    "Беседа с классным руководителем",
    "Направление в программу для авторов насилия",
]
_NOT_DONE = {
    "not_possible": "Семья переехала к родственникам, обстоятельства изменились",
    "not_done": "Не успели: специалист был в отпуске",
}


def _answers(rng: random.Random, inst, risk: float) -> dict:
    """Answers to every question: yes with probability `risk`, some "not known"."""
    answers = {}
    for item in inst.items:
        options = item.answers
        r = rng.random()
        if NOT_KNOWN in options and r < 0.08:
            answers[item.code] = NOT_KNOWN
        elif YES in options:
            answers[item.code] = YES if r < risk else next(a for a in options if a not in (YES, NOT_KNOWN))
        else:
            answers[item.code] = rng.choice([a for a in options if a != NOT_KNOWN] or list(options))
    return answers


def _at(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11, 0)))


def demo_casework(users: dict[str, User], today: dt.date, seed: int) -> int:
    """Assess, plan and close some of the newest cases of each caseworker; returns how many cases."""
    rng = random.Random(f"casework-{seed}")
    approvers = _approvers(users)
    assessments, goals, actions, closures = [], [], [], []
    done = 0
    for username in sorted(users):
        user = users[username]
        roles = {m.role for m in user.memberships.all()}
        if not roles & {Role.CASEWORKER, Role.POLICE_OFFICER, Role.SCHOOL_PEDAGOGUE}:
            continue
        for n, case in enumerate(recent_cases_of_worker(user.pk, limit=CASES_PER_WORKER)):
            subject = next((p for p in case.participants.all() if p.role in _SUBJECT_ROLES), None)
            if subject is None:
                continue
            done += 1
            assessments += _assess(rng, case, subject, user, today)
            case_goals, case_actions = _plan(rng, case, user, today, first=n == 0)
            goals += case_goals
            actions += case_actions
            closure = _closure(rng, case, user, approvers.get(case.owner_agency_id), today, pending=n == 1)
            if closure is not None:
                closures.append(closure)
    assessments_bulk_create(assessments=assessments)
    casework_bulk_create(goals=goals, actions=actions, closures=closures)
    return done


def _approvers(users: dict[str, User]) -> dict[int, User]:
    """One supervisor or head of unit per agency, to approve closures."""
    found = {}
    for username in sorted(users):
        for m in users[username].memberships.all():
            if m.role in (Role.SUPERVISOR, Role.TEAM_LEAD):
                found.setdefault(m.agency_id, users[username])
    return found


def _assess(rng, case: Case, subject: Participant, user: User, today: dt.date) -> list[Assessment]:
    rows = []
    for inst in instruments_for(case.kind)[:1]:
        latest = instrument(inst.code)
        # Some cases carry high risk, most do not; a high DV checklist calls for the meeting.
        risk = rng.choice([0.2, 0.35, 0.5, 0.7])
        # Within ten days of opening, but not after the demo's today (a case opened yesterday).
        answered = min(case.opened_on + dt.timedelta(days=rng.randrange(0, 10)), max(today, case.opened_on))
        rows.append(
            Assessment(
                case=case,
                person_id=subject.person_id,
                instrument_code=latest.code,
                instrument_version=latest.version,
                answers=_answers(rng, latest, risk),
                notes="Со слов пострадавшей; часть ответов уточнить при следующей встрече",
                answered_by=user,
                answered_at=_at(min(answered, case.closed_on or answered)),
            )
        )
    return rows


def _plan(rng, case: Case, user: User, today: dt.date, *, first: bool) -> tuple[list, list]:
    goal = Goal(case=case, text=rng.choice(_GOALS), created_by=user, created_at=_at(case.opened_on))
    actions = []
    for i in range(rng.randrange(2, 5)):
        due = case.opened_on + dt.timedelta(days=rng.randrange(7, 90))
        if case.status == Case.Status.CLOSED:
            status = rng.choice(["done", "done", "not_possible"])
        elif first and i == 0:
            status, due = "open", today - dt.timedelta(days=rng.randrange(2, 20))  # overdue on "my work"
        elif due < today:
            status = rng.choice(["done", "done", "not_possible", "not_done", "open"])
        else:
            status = "open"
        closed_on = None if status == "open" else min(due, case.closed_on or today, today)
        actions.append(
            PlanAction(
                case=case,
                goal=goal if i < 2 else None,
                text=rng.choice(_ACTIONS),
                agency_id=case.owner_agency_id,
                worker=user,
                due_on=due,
                status=status,
                status_note=_NOT_DONE.get(status, ""),
                closed_on=max(closed_on, case.opened_on) if closed_on else None,
                created_by=user,
                created_at=_at(case.opened_on),
            )
        )
    return [goal], actions


def _closure(rng, case: Case, user: User, approver: User | None, today: dt.date, *, pending: bool):
    if case.status == Case.Status.CLOSED and approver is not None:
        return Closure(
            case=case,
            reason=rng.choice(["goals_met", "safe", "moved", "declined"]),
            note="Цели плана достигнуты, угрозы нет",
            status=Closure.Status.APPROVED,
            requested_by=user,
            requested_at=_at(case.closed_on),
            decided_by=approver,
            decided_at=_at(case.closed_on),
        )
    if pending and case.status != Case.Status.CLOSED and approver is not None and approver != user:
        return Closure(
            case=case,
            reason="goals_met",
            note="Пострадавшая живёт отдельно, работает; повторных обращений нет",
            requested_by=user,
            requested_at=_at(today),
        )
    return None
