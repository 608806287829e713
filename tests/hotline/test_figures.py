"""The helpline's contact figures: counts by channel, type, issue (a contact under each of its
issues), district, age band and local hour, answered against missed (calls nobody took count too,
though they carry no helpline yet); contacts outside the period or of another agency are not counted."""

import datetime as dt

import pytest
from django.utils import timezone

from safezone.audit.models import AuditEvent
from safezone.hotline.models import Contact
from safezone.hotline.selectors import contact_figures

pytestmark = pytest.mark.django_db

SINCE, UNTIL = dt.date(2025, 3, 1), dt.date(2025, 3, 31)


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


@pytest.fixture
def contacts(world):
    """Four answered contacts, two missed calls, one still ringing, and three that do not count."""

    def logged(when, **fields):
        return Contact.objects.create(
            status=Contact.Status.DONE,
            agency=world.crisis,
            operator=world.hanna,
            started_at=when,
            ended_at=when + dt.timedelta(minutes=10),
            **fields,
        )

    def announced(when, ended=True, agency=None):
        return Contact.objects.create(
            status=Contact.Status.WAITING,
            agency=agency,
            channel=Contact.Channel.CALL,
            started_at=when,
            ended_at=when + dt.timedelta(seconds=40) if ended else None,
        )

    day = dt.date(2025, 3, 10)
    logged(
        _at(day, 9, 15),
        channel="call",
        type="self",
        categories=["domestic_violence", "violence_physical"],
        district=world.vologda,
        age_band="25-44",
    )
    logged(
        _at(day, 9, 40),
        channel="chat",
        type="child",
        categories=["violence_physical", "neglect"],
        district=world.vologda,
        age_band="12-14",
    )
    logged(_at(day, 23, 30), channel="call", type="silent")
    logged(
        _at(UNTIL, 23, 59),  # the last minute of the period: inside
        channel="sms",
        type="adult",
        categories=["child_labour"],
        district=world.sokolsky,
        age_band="25-44",
    )
    announced(_at(day, 3, 5))  # missed, at night
    announced(_at(day, 9, 50))  # missed
    announced(_at(day, 10, 0), ended=False)  # still ringing
    # Not counted: before and after the period, and another agency's contact.
    logged(_at(SINCE - dt.timedelta(days=1), 23, 59), channel="call", type="self", categories=["neglect"])
    logged(_at(UNTIL + dt.timedelta(days=1), 0, 0), channel="call", type="self", categories=["neglect"])
    Contact.objects.create(
        status=Contact.Status.DONE, agency=world.police, channel="call", type="self", started_at=_at(day, 12)
    )


def _counts(rows) -> dict:
    return {row.code: row.count for row in rows if row.count}


def test_answered_and_missed_calls_are_counted_apart(world, contacts):
    figures = contact_figures(world.sveta, since=SINCE, until=UNTIL)
    assert (figures.total, figures.answered, figures.missed, figures.ringing) == (7, 4, 2, 1)
    assert figures.unassigned == 3  # calls nobody took belong to no helpline yet, and are counted
    assert figures.missed_percent == round(100 * 2 / 6, 1)


def test_contacts_are_counted_by_channel_and_by_local_hour(world, contacts):
    figures = contact_figures(world.hanna, since=SINCE, until=UNTIL)
    assert _counts(figures.channels) == {"call": 5, "chat": 1, "sms": 1}  # missed calls too
    assert [row.code for row in figures.hours] == list(range(24))
    assert _counts(figures.hours) == {3: 1, 9: 3, 10: 1, 23: 2}


def test_answered_contacts_are_counted_by_type_issue_district_and_age_band(world, contacts):
    figures = contact_figures(world.sveta, since=SINCE, until=UNTIL)
    assert _counts(figures.types) == {"self": 1, "child": 1, "adult": 1, "silent": 1}
    # A contact with two issues counts under each; the silent call had none.
    assert _counts(figures.categories) == {
        "domestic_violence": 1,
        "violence_physical": 2,
        "neglect": 1,
        "child_labour": 1,
        "": 1,
    }
    assert _counts(figures.districts) == {world.vologda.pk: 2, world.sokolsky.pk: 1, None: 1}
    assert figures.districts[0].label == str(world.vologda)  # the busiest first
    assert _counts(figures.age_bands) == {"25-44": 2, "12-14": 1, "": 1}
    # Every choice has its row, zeros too, so that two periods compare line by line.
    assert len([row for row in figures.types if row.code]) == len(Contact.Type.choices)


def test_users_without_helpline_rights_count_nothing(world, contacts):
    figures = contact_figures(world.anna, since=SINCE, until=UNTIL)
    assert figures.total == 0 and figures.missed == 0 and not _counts(figures.categories)


def test_the_figures_page_shows_the_tables_for_the_period(world, contacts, client_for):
    response = client_for(world.sveta).get("/hotline/figures/", {"from": SINCE.isoformat(), "to": UNTIL.isoformat()})
    assert response.status_code == 200
    page = response.content.decode()
    for key in ("answered", "channel", "type", "category", "district", "age", "hour"):
        assert f'id="figures-{key}"' in page
    assert response.context["figures"].total == 7
    event = AuditEvent.objects.filter(actor=world.sveta, action="contact.view").last()
    assert event.decision == "allow" and event.extra == {"page": "figures"}


def test_the_figures_page_reads_the_current_month_by_default(world, client_for):
    response = client_for(world.hanna).get("/hotline/figures/")
    assert response.status_code == 200
    figures = response.context["figures"]
    today = timezone.localdate()
    assert figures.since == today.replace(day=1) and figures.until.month == today.month
    assert (figures.until + dt.timedelta(days=1)).day == 1


def test_users_without_helpline_rights_get_404_and_a_recorded_refusal(world, client_for):
    for user in (world.anna, world.alex):
        assert client_for(user).get("/hotline/figures/").status_code == 404
        denial = AuditEvent.objects.filter(actor=user, action="contact.view").last()
        assert denial.decision == "deny" and denial.rule == "no-role-allows-this"
