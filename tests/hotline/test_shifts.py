"""Shifts on the helpline: an operator starts a shift and ends it with a note the next shift reads;
one shift at a time; the coverage of the line per day is the union of the shifts (overlaps once,
a shift across midnight on both days) against 24 hours, with the gaps; outsiders get a 404 and
leave a recorded refusal."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone, translation

from safezone.accounts.models import Membership, Role, User
from safezone.accounts.services import totp_activate, totp_secret_for
from safezone.audit.models import AuditEvent
from safezone.hotline.models import Shift
from safezone.hotline.selectors import coverage, latest_handovers, open_shift_of, shifts_for
from safezone.hotline.services import shift_end, shift_start

pytestmark = pytest.mark.django_db

DAY = dt.date(2025, 3, 10)  # a past Monday: coverage of past days is whole


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    """An instant in the region's local time."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _shift(world, began, ended, operator=None, note="") -> Shift:
    return Shift.objects.create(
        agency=world.crisis, operator=operator or world.hanna, started_at=began, ended_at=ended, handover_note=note
    )


def _operator(world, username="ira") -> User:
    """A second operator on the crisis centre's helpline."""
    user = User.objects.create(username=username, first_name=username.title(), last_name="Тестова")
    Membership.objects.create(
        user=user,
        agency=world.crisis,
        role=Role.HELPLINE_OPERATOR,
        dp_training_on=timezone.localdate() - dt.timedelta(days=30),
    )
    totp_activate(user=user, secret=totp_secret_for(username, "world"))  # past the second-factor set-up
    return user


def test_an_operator_starts_and_ends_a_shift_and_the_next_operator_reads_the_handover(world, client_for):
    client = client_for(world.hanna)
    assert client.post("/hotline/shifts/start/").status_code == 302
    shift = open_shift_of(world.hanna)
    assert shift is not None and shift.agency == world.crisis and shift.ended_at is None
    page = client.get("/hotline/shifts/").content.decode()
    assert 'id="shift-end"' in page and 'id="shift-start"' not in page

    note = "Звонила Маша из Сокола, обещала перезвонить вечером"
    assert client.post("/hotline/shifts/end/", {"handover_note": note}).status_code == 302
    shift.refresh_from_db()
    assert shift.ended_at is not None and shift.handover_note == note
    assert open_shift_of(world.hanna) is None
    assert AuditEvent.objects.filter(action="shift.ended", object_id=str(shift.pk)).exists()

    ira = _operator(world)
    assert [s.handover_note for s in latest_handovers(ira)] == [note]
    page = client_for(ira).get("/hotline/shifts/").content.decode()
    assert note in page and 'id="shift-start"' in page
    # What the next operator read is recorded: the note may speak of a caller.
    read = AuditEvent.objects.filter(actor=ira, object_type="shift").last()
    assert read is not None and shift.pk in read.extra["ids"]


def test_a_second_open_shift_is_refused_with_a_clear_message(world, client_for):
    shift_start(actor=world.hanna)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        shift_start(actor=world.hanna)
    assert "end it" in refused.value.messages[0]
    client_for(world.hanna).post("/hotline/shifts/start/")  # from the page: a message, nothing new
    assert Shift.objects.filter(operator=world.hanna, ended_at__isnull=True).count() == 1


def test_a_shift_ends_only_with_a_handover_note(world, client_for):
    shift_start(actor=world.hanna)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        shift_end(actor=world.hanna, handover_note="   ")
    assert "handover_note" in refused.value.message_dict
    client_for(world.hanna).post("/hotline/shifts/end/", {"handover_note": ""})
    assert open_shift_of(world.hanna) is not None  # still on: nothing changed


def test_ending_a_shift_that_is_not_on_is_refused(world):
    with pytest.raises(ValidationError):
        shift_end(actor=world.hanna, handover_note="всё спокойно")


def test_coverage_counts_overlapping_shifts_once_and_lists_the_gaps(world):
    ira = _operator(world)
    _shift(world, _at(DAY, 8), _at(DAY, 16))
    _shift(world, _at(DAY, 12), _at(DAY, 20), operator=ira)  # four hours together with Hanna: counted once
    day = coverage(world.sveta, since=DAY, until=DAY).days[0]
    assert day.hours == 12 and day.percent == 50.0
    assert [(g.start.strftime("%H:%M"), g.end.strftime("%H:%M"), g.to_midnight) for g in day.gaps] == [
        ("00:00", "08:00", False),
        ("20:00", "00:00", True),
    ]


def test_a_shift_across_midnight_counts_on_both_days(world):
    _shift(world, _at(DAY, 20), _at(DAY + dt.timedelta(days=1), 8))
    found = coverage(world.hanna, since=DAY, until=DAY + dt.timedelta(days=1))
    first, second = found.days
    assert (first.hours, second.hours) == (4, 8)
    assert [(g.start.hour, g.end.hour) for g in first.gaps] == [(0, 20)]
    assert [(g.start.hour, g.to_midnight) for g in second.gaps] == [(8, True)]
    assert found.hours == 12 and found.percent == 25.0  # 12 of 48 hours
    assert found.gap_count == 2


def test_a_day_covered_round_the_clock_has_no_gap(world):
    ira = _operator(world)
    _shift(world, _at(DAY - dt.timedelta(days=1), 20), _at(DAY, 9))
    _shift(world, _at(DAY, 9), _at(DAY, 21), operator=ira)  # hands over at 9:00 sharp
    _shift(world, _at(DAY, 20, 30), _at(DAY + dt.timedelta(days=1), 9))
    day = coverage(world.hanna, since=DAY, until=DAY).days[0]
    assert day.hours == 24 and day.gaps == [] and day.share == 1


def test_a_shift_still_on_counts_up_to_now_and_the_rest_of_today_is_no_gap(world):
    now = timezone.now()
    began = now - dt.timedelta(hours=2)
    _shift(world, began, None)
    today = timezone.localdate()
    day = coverage(world.hanna, since=today, until=today).days[0]
    midnight = _at(today, 0)
    expected = (timezone.now() - max(began, midnight)).total_seconds()
    assert abs(day.seconds - expected) < 60
    assert all(g.end <= timezone.now() for g in day.gaps) and not any(g.to_midnight for g in day.gaps)
    tomorrow = coverage(world.hanna, since=today + dt.timedelta(days=1), until=today + dt.timedelta(days=1)).days[0]
    assert tomorrow.future and tomorrow.gaps == [] and tomorrow.hours == 0


def test_the_shifts_list_keeps_to_the_period_and_the_operator(world):
    ira = _operator(world)
    inside = _shift(world, _at(DAY, 8), _at(DAY, 16))
    across = _shift(world, _at(DAY - dt.timedelta(days=1), 22), _at(DAY, 6), operator=ira)
    _shift(world, _at(DAY - dt.timedelta(days=3), 8), _at(DAY - dt.timedelta(days=3), 16))  # before the period
    assert list(shifts_for(world.sveta, since=DAY, until=DAY)) == [inside, across]
    assert list(shifts_for(world.sveta, since=DAY, until=DAY, operator=ira)) == [across]


def test_the_shifts_page_shows_the_coverage_and_the_gaps(world, client_for):
    _shift(world, _at(DAY, 8), _at(DAY, 20), note="передала смену")
    response = client_for(world.sveta).get("/hotline/shifts/", {"from": DAY.isoformat(), "to": DAY.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    assert "00:00–08:00" in page and "20:00–24:00" in page and "передала смену" in page
    assert 'id="shift-start"' not in page  # a supervisor reads shifts, she does not work them


def test_a_bad_period_is_refused_with_a_message_and_the_default_is_shown(world, client_for):
    with translation.override("en"):
        response = client_for(world.sveta).get("/hotline/shifts/", {"from": "2025-03-10", "to": "2025-03-01"})
    assert response.status_code == 200
    assert response.context["form"].errors["to"]
    assert response.context["coverage"].until == timezone.localdate()


@pytest.mark.parametrize("who", ["anna", "alex"])
@pytest.mark.parametrize("path", ["/hotline/shifts/", "/hotline/figures/"])
def test_users_without_helpline_rights_get_404_and_a_recorded_refusal(world, client_for, who, path):
    user = getattr(world, who)
    response = client_for(user).get(path)
    assert response.status_code == 404
    denial = AuditEvent.objects.filter(actor=user, decision="deny").last()
    assert denial is not None and denial.action == "contact.view" and denial.purpose == "helpline"


@pytest.mark.parametrize("path", ["/hotline/shifts/start/", "/hotline/shifts/end/"])
def test_users_without_helpline_rights_cannot_start_or_end_a_shift(world, client_for, path):
    response = client_for(world.anna).post(path, {"handover_note": "x"})
    assert response.status_code == 404
    assert not Shift.objects.filter(operator=world.anna).exists()
    denial = AuditEvent.objects.filter(actor=world.anna, decision="deny").last()
    assert denial is not None and denial.action == "contact.log"


def test_a_supervisor_cannot_start_a_shift(world, client_for):
    assert client_for(world.sveta).post("/hotline/shifts/start/").status_code == 404
    assert not Shift.objects.filter(operator=world.sveta).exists()
