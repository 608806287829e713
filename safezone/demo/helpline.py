"""The demo helpline: two years of the Vologda crisis centre's line, with its shifts (a night now
and then left uncovered), calls answered and missed, repeat callers, notes for the next operator
and callbacks. The last two months are busy, as the line is now; before them the line was less
known and took a few calls a day (and the demo seeds fast). Deterministic for (seed, today)."""

import datetime as dt
import random

from django.utils import timezone

from safezone.accounts.models import User
from safezone.directory.models import Agency, Territory
from safezone.hotline.models import Callback, Contact, Shift
from safezone.hotline.services import caller_hash, helpline_bulk_create

DAYS = 60  # at today's volume
HISTORY_DAYS = 730  # in all
# Calls a day before the last DAYS (today: about fourteen).
EARLIER_A_DAY = (2, 7)
AGENCY = "crisis-vologda"
DAY_OPERATOR, NIGHT_OPERATOR = "helpline1", "helpline2"
LINE = "8-800-2000-122"
# Calls per hour of the day, relative (evenings and late nights are busiest on a crisis line).
HOURLY = [3, 2, 2, 1, 1, 1, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 5, 6, 7, 8, 9, 9, 7, 5]
TYPES = {
    "self": 22, "child": 14, "adult": 8, "silent": 14, "hang_up": 12, "wrong_number": 6,
    "abusive": 4, "thanks": 6, "question": 10, "complaint": 4,
}  # fmt: skip
ISSUES = {
    "self": ["domestic_violence", "violence_emotional", "violence_physical", "mental_health", "suicidal", "legal",
             "relationships"],
    "child": ["neglect", "violence_physical", "violence_emotional", "child_labour", "online_abuse", "missing_child",
              "education_work", "violence_sexual"],
    "adult": ["domestic_violence", "violence_physical", "trafficking", "mental_health", "physical_health"],
}  # fmt: skip
AGES = {
    "self": ["15-17", "18-24", "25-44", "25-44", "25-44", "45-64", "65+"],
    "child": ["12-14", "15-17", "25-44", "25-44", "45-64"],
    "adult": ["18-24", "25-44", "45-64", "65+"],
}
NOTES = {
    "self": "Звонит из дома, муж рядом; говорили шёпотом. Рассказали о кризисном центре и убежище.",
    "child": "Соседи сообщают: ребёнок часто один дома, плачет. Подсказали, куда обратиться.",
    "adult": "Беспокоится за сестру: муж не выпускает из дома, отбирает деньги и телефон.",
}
CALLER_NOTES = [
    "Звонит поздно вечером, спрашивает Марину. Говорить спокойно, не торопить.",
    "Просила не перезванивать на домашний: муж может взять трубку.",
    "Подросток, звонит после школы. Боится, что узнают родители.",
]


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour % 24, minute)))


def _pick(rng: random.Random, weights: dict) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


def demo_helpline(users: dict[str, User], today: dt.date, seed: int) -> int:
    """Write the helpline's two years; returns how many contacts."""
    agency = Agency.objects.filter(code=AGENCY).first()
    day_op, night_op = users.get(DAY_OPERATOR), users.get(NIGHT_OPERATOR)
    if agency is None or day_op is None or night_op is None:
        return 0
    rng = random.Random(f"helpline-{seed}")
    districts = list(Territory.objects.filter(level=Territory.Level.DISTRICT).order_by("code"))
    home = [d for d in districts if d.code in ("vologda", "cherepovets")] or districts[:1]
    # Repeat callers: a few call often (rank ** -1), most once.
    regulars = [f"+7 9{rng.randrange(10**9):09d}" for _ in range(300)]
    regular_weights = [1 / (rank + 1) for rank in range(len(regulars))]
    # The demo's own end: the clock only when the demo is seeded for today (a shift is still open).
    now = timezone.now() if today == timezone.localdate() else _at(today + dt.timedelta(days=1), 0)

    shifts, contacts, callbacks = [], [], []
    first_day = today - dt.timedelta(days=HISTORY_DAYS - 1)
    busy_from = today - dt.timedelta(days=DAYS - 1)
    for offset in range(HISTORY_DAYS):
        day = first_day + dt.timedelta(days=offset)
        # Day shift 08–20; the night shift 20–08, but one night in ten starts late (a gap).
        late = 2 if rng.random() < 0.1 else 0
        pairs = [
            (day_op, _at(day, 8), _at(day, 20)),
            (night_op, _at(day, 20 + late), _at(day + dt.timedelta(days=1), 8)),
        ]
        for operator, start, end in pairs:
            if start >= now:
                continue
            shifts.append(
                Shift(
                    agency=agency,
                    operator=operator,
                    started_at=start,
                    ended_at=end if end <= now else None,  # the shift on now is still open
                    handover_note="Без происшествий; один обратный звонок на завтра." if end <= now else "",
                )
            )
        if day >= busy_from:
            hours = [
                hour
                for hour, weight in enumerate(HOURLY)
                for _ in range(rng.choices([0, 1, 2], weights=[10 - weight, weight, weight // 3 + 1])[0])
            ]
        else:
            hours = sorted(rng.choices(range(24), weights=HOURLY, k=rng.randint(*EARLIER_A_DAY)))
        for hour in hours:
            started = _at(day, hour, rng.randrange(60))
            if started >= now:
                continue
            covered = 8 <= hour < 20 or hour >= 20 + late or hour < 8
            operator = day_op if 8 <= hour < 20 else night_op
            number = rng.choices(regulars, weights=regular_weights)[0] if rng.random() < 0.5 else (
                "" if rng.random() < 0.1 else f"+7 9{rng.randrange(10**9):09d}"
            )  # fmt: skip
            if not covered or rng.random() < 0.06:  # nobody on the line, or every operator busy
                contacts.append(
                    Contact(
                        status=Contact.Status.WAITING,
                        started_at=started,
                        ended_at=started + dt.timedelta(seconds=rng.randrange(10, 90)),
                        line=LINE,
                        caller_hash=caller_hash(number),
                    )
                )
                continue
            kind = _pick(rng, TYPES)
            contact = Contact(
                status=Contact.Status.DONE,
                agency=agency,
                operator=operator,
                started_at=started,
                taken_at=started + dt.timedelta(seconds=rng.randrange(3, 40)),
                line=LINE,
                caller_hash=caller_hash(number),
                type=kind,
                language="ru",
            )
            if kind in ISSUES:
                contact.categories = sorted(set(rng.sample(ISSUES[kind], rng.choice([1, 1, 2]))))
                contact.age_band = rng.choice(AGES[kind])
                contact.sex = "F" if rng.random() < 0.72 else "M"
                contact.district = rng.choice(home) if rng.random() < 0.6 else rng.choice(districts)
                contact.safe_to_talk = rng.choice(["yes", "yes", "yes", "no"])
                contact.in_danger = rng.choice(["no", "no", "no", "yes"])
                contact.urgency = rng.choices(["routine", "urgent", "emergency"], weights=[70, 25, 5])[0]
                contact.outcome = rng.choices(
                    ["information", "referred", "emergency_called", "callback"], weights=[55, 25, 5, 15]
                )[0]
                contact.notes = NOTES[kind]
                if not number:
                    contact.outcome = "information" if contact.outcome == "callback" else contact.outcome
                minutes = rng.randrange(4, 30)
            else:
                minutes = rng.randrange(0, 3)
            contact.ended_at = min(started + dt.timedelta(minutes=minutes, seconds=rng.randrange(60)), now)
            contacts.append(contact)
            if contact.outcome == "callback":
                due = contact.ended_at + dt.timedelta(hours=rng.randrange(2, 26))
                callbacks.append(
                    Callback(
                        contact=contact,
                        agency=agency,
                        due_at=due,
                        phone=number,
                        note="Представиться как «подруга Лена», если ответит не она.",
                        status=Callback.Status.PENDING if due > now else Callback.Status.DONE,
                        attempts=0 if due > now else 1,
                        created_by=operator,
                        done_by=None if due > now else operator,
                        done_at=None if due > now else due,
                    )
                )
    top = [caller_hash(number) for number in regulars[: len(CALLER_NOTES)]]
    notes = [(hash_, text, day_op) for hash_, text in zip(top, CALLER_NOTES, strict=True)]
    helpline_bulk_create(contacts=contacts, shifts=shifts, callbacks=callbacks, notes=notes)
    return len(contacts)
