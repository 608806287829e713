"""The list of teenagers at risk: kept by district by police juvenile inspectors and the social workers
of the agencies that keep it, nobody else; a teenager already known is found, not registered again;
one person is on the list once; every page and step is decided and audited."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from safezone.access.services import AccessDenied
from safezone.audit.models import AuditEvent
from safezone.people.models import Person
from safezone.schools.models import Outreach, Teen
from safezone.schools.teens import (
    AlreadyListed,
    TeenChangedMeanwhile,
    TeenFilters,
    outreach_log,
    teen_add,
    teen_remove,
    teen_update,
    teens_found,
)

TODAY = timezone.localdate()


def years_ago(years: int, days: int = 0) -> dt.date:
    return TODAY.replace(year=TODAY.year - years) - dt.timedelta(days=days)


def add(actor, district, *, surname="Волков", first_name="Денис", birth=None, reasons=("street_presence",), **kw):
    return teen_add(
        actor=actor,
        surname=surname,
        first_name=first_name,
        patronymic=kw.pop("patronymic", "Игоревич"),
        birth_date=birth or years_ago(14, 30),
        district=district,
        reasons=list(reasons),
        **kw,
    )


@pytest.fixture
def vologda_teen(world):
    return add(world.ilya, world.vologda, reasons=("runs_away", "offences"), note="Ночует у вокзала")


@pytest.fixture
def sokol_teen(world):
    return add(world.olga, world.sokolsky, surname="Зайцева", first_name="Ирина", patronymic="Олеговна")


# --- who keeps the list -----------------------------------------------------------------------------
def test_the_juvenile_inspector_adds_a_vologda_teen_and_sees_it_in_the_list(world, client_for):
    client = client_for(world.ilya)
    response = client.post(
        "/teens/new/",
        {
            "surname": "Волков",
            "first_name": "Денис",
            "patronymic": "Игоревич",
            "birth_date": years_ago(15).isoformat(),
            "sex": "M",
            "district": world.vologda.pk,
            "reasons": ["street_presence", "substance_use"],
            "note": "Видели у рынка",
            "added_on": TODAY.isoformat(),
        },
    )
    teen = Teen.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/teens/{teen.pk}/"
    assert teen.agency == world.police and teen.added_by == world.ilya
    assert teen.street_presence and teen.substance_use and not teen.offences
    assert Teen.objects.get().note == "Видели у рынка"
    event = AuditEvent.objects.filter(actor=world.ilya, action="teen.added").get()
    assert event.object_id == str(teen.pk)

    body = client.get("/teens/").content.decode()
    assert "Волков Денис Игоревич" in body
    shown = AuditEvent.objects.filter(actor=world.ilya, action="teen.view").last()
    assert shown.decision == "allow" and shown.extra["ids"] == [teen.pk]


def test_the_sokol_social_worker_sees_only_sokol_and_gets_a_recorded_404_for_vologda(
    world, client_for, vologda_teen, sokol_teen
):
    client = client_for(world.olga)
    body = client.get("/teens/").content.decode()
    assert "Зайцева Ирина" in body and "Волков" not in body
    assert AuditEvent.objects.filter(actor=world.olga, action="teen.view").last().extra["ids"] == [sokol_teen.pk]

    for path in ("", "edit/", "remove/", "outreach/new/"):
        response = client.get(f"/teens/{vologda_teen.pk}/{path}")
        assert response.status_code == 404 and "Волков" not in response.content.decode()
        refusal = AuditEvent.objects.filter(actor=world.olga).last()
        assert refusal.decision == "deny" and refusal.rule == "not-in-the-agency's-districts"
        assert refusal.object_type == "teen" and refusal.object_id == str(vologda_teen.pk)
    assert client.get(f"/teens/{sokol_teen.pk}/").status_code == 200


def test_the_crisis_centre_caseworker_keeps_no_list(world, client_for, vologda_teen):
    client = client_for(world.anna)
    assert client.get("/teens/").status_code == 404
    refusal = AuditEvent.objects.filter(actor=world.anna).last()
    assert refusal.decision == "deny" and refusal.rule == "agency-keeps-no-teen-list"
    assert client.get(f"/teens/{vologda_teen.pk}/").status_code == 404
    assert client.get("/teens/new/").status_code == 404
    with pytest.raises(AccessDenied):
        add(world.anna, world.vologda, surname="Орлов")
    assert not Person.objects.filter(surname="Орлов").exists()


@pytest.mark.parametrize("name", ["pavel", "alex", "kira"])
def test_school_staff_analysts_and_coordinators_see_nothing(world, client_for, vologda_teen, name):
    client = client_for(getattr(world, name))
    assert client.get("/teens/").status_code == 404
    assert client.get(f"/teens/{vologda_teen.pk}/").status_code == 404
    assert AuditEvent.objects.filter(actor=getattr(world, name)).last().decision == "deny"


def test_the_teen_page_shows_reasons_note_and_outreach_newest_first(world, client_for, vologda_teen):
    outreach_log(actor=world.ilya, teen_id=vologda_teen.pk, happened_on=TODAY - dt.timedelta(days=9),
                 kind="street", note="Разговор у вокзала")  # fmt: skip
    outreach_log(actor=world.ilya, teen_id=vologda_teen.pk, happened_on=TODAY - dt.timedelta(days=2),
                 kind="home", note="Мать дома")  # fmt: skip
    client = client_for(world.ilya)
    before = AuditEvent.objects.order_by("seq").last().seq
    response = client.get(f"/teens/{vologda_teen.pk}/")
    body = response.content.decode()
    assert "Ночует у вокзала" in body and len(response.context["reasons"]) == 2
    assert all(str(label) in body for label in response.context["reasons"])
    assert body.index("Мать дома") < body.index("Разговор у вокзала")
    events = list(AuditEvent.objects.filter(seq__gt=before))
    assert [(e.action, e.decision, e.object_id) for e in events] == [("teen.view", "allow", str(vologda_teen.pk))]


# --- one person, once on the list ---------------------------------------------------------------------
def test_adding_petya_finds_him_in_the_register_instead_of_registering_him_again(world):
    persons = Person.objects.count()
    teen = add(world.olga, world.sokolsky, surname="Елкин", first_name="Петр", patronymic="Андреевич",
               birth=dt.date(2012, 9, 1))  # fmt: skip
    assert teen.person == world.petya and Person.objects.count() == persons
    assert AuditEvent.objects.filter(action="teen.added").last().extra == {"person": world.petya.pk, "matched": True}


def test_someone_new_is_registered_in_the_register(world):
    persons = Person.objects.count()
    teen = add(world.ilya, world.vologda, surname="Совсем", first_name="Новый")
    assert Person.objects.count() == persons + 1
    assert teen.person.registered_by == world.police and teen.person.district == world.vologda


def test_a_teen_already_on_the_list_is_not_added_twice(world, vologda_teen):
    with pytest.raises(AlreadyListed) as exc:
        add(world.ilya, world.vologda, reasons=("offences",))
    assert exc.value.visible and exc.value.teen == vologda_teen
    assert "Волков Денис Игоревич" in exc.value.messages[0]
    assert Teen.objects.count() == 1


def test_a_teen_on_another_districts_list_is_named_but_not_opened(world, client_for):
    add(world.olga, world.sokolsky, surname="Ёлкин", first_name="Пётр", patronymic="Андреевич",
        birth=dt.date(2012, 9, 1))  # fmt: skip
    response = client_for(world.ilya).post(
        "/teens/new/",
        {
            "surname": "Ёлкин",
            "first_name": "Пётр",
            "patronymic": "Андреевич",
            "birth_date": "2012-09-01",
            "sex": "M",
            "district": world.vologda.pk,
            "reasons": ["runs_away"],
            "added_on": TODAY.isoformat(),
        },
    )
    body = response.content.decode()
    assert response.status_code == 200 and Teen.objects.count() == 1
    assert "Сокольский" in body and "/teens/" + str(Teen.objects.get().pk) + "/" not in body


def test_a_teen_taken_off_may_be_put_on_the_list_again(world, vologda_teen):
    teen_remove(actor=world.ilya, teen_id=vologda_teen.pk, expected_version=1, reason="Переехал")
    again = add(world.ilya, world.vologda)
    assert again.person == vologda_teen.person and again.pk != vologda_teen.pk


# --- the rules of the list --------------------------------------------------------------------------
@pytest.mark.parametrize("birth", [years_ago(9), years_ago(18), TODAY + dt.timedelta(days=1)])
def test_only_teenagers_of_ten_to_seventeen_are_listed(world, birth):
    with pytest.raises(ValidationError) as exc:
        add(world.ilya, world.vologda, birth=birth)
    assert list(exc.value.message_dict) == ["birth_date"]
    assert not Teen.objects.exists()


def test_ten_and_seventeen_years_are_both_in(world):
    assert add(world.ilya, world.vologda, birth=years_ago(10)).pk
    assert add(world.ilya, world.vologda, surname="Старший", birth=years_ago(18, -1)).pk


def test_the_district_must_be_one_of_the_users(world):
    with pytest.raises(ValidationError) as exc:
        add(world.ilya, world.sokolsky)
    assert list(exc.value.message_dict) == ["district"]


def test_bad_input_names_the_field_and_changes_nothing(world, client_for):
    persons = Person.objects.count()
    response = client_for(world.ilya).post(
        "/teens/new/",
        {"surname": "", "first_name": "Денис", "birth_date": "31.02.2012", "district": world.vologda.pk,
         "added_on": TODAY.isoformat(), "sex": "M"},
    )  # fmt: skip
    form = response.context["form"]
    assert set(form.errors) == {"surname", "birth_date", "reasons"}
    assert Person.objects.count() == persons and not Teen.objects.exists()
    with pytest.raises(ValidationError) as exc:
        add(world.ilya, world.vologda, reasons=())
    assert list(exc.value.message_dict) == ["reasons"]


def test_a_stale_change_is_refused_and_the_first_one_kept(world, vologda_teen, client_for):
    teen_update(actor=world.ilya, teen_id=vologda_teen.pk, expected_version=1, reasons=["offences"],
                note="Новое", district=world.vologda)  # fmt: skip
    with pytest.raises(TeenChangedMeanwhile):
        teen_update(actor=world.ilya, teen_id=vologda_teen.pk, expected_version=1, reasons=["runs_away"],
                    note="Старое", district=world.vologda)  # fmt: skip
    teen = Teen.objects.get()
    assert teen.note == "Новое" and teen.offences and not teen.runs_away and teen.version == 2
    response = client_for(world.ilya).post(
        f"/teens/{teen.pk}/edit/",
        {"district": world.vologda.pk, "reasons": ["runs_away"], "note": "Из старой вкладки", "version": 1},
    )
    assert response.status_code == 200 and response.context["form"].non_field_errors()
    assert Teen.objects.get().note == "Новое"


def test_taking_off_needs_a_reason_and_leaves_the_default_list(world, client_for, vologda_teen):
    client = client_for(world.ilya)
    assert client.get(f"/teens/{vologda_teen.pk}/remove/").status_code == 200  # the confirmation
    response = client.post(f"/teens/{vologda_teen.pk}/remove/", {"reason": "  ", "version": 1})
    assert "reason" in response.context["form"].errors and Teen.objects.get().removed_on is None
    client.post(f"/teens/{vologda_teen.pk}/remove/", {"reason": "Исполнилось 18", "version": 1})
    teen = Teen.objects.get()
    assert teen.removed_on == TODAY and teen.removed_reason == "Исполнилось 18"
    assert list(teens_found(world.ilya)) == []
    assert list(teens_found(world.ilya, TeenFilters(removed=True))) == [teen]
    assert list(client.get("/teens/").context["page"]) == []
    assert "Волков" in client.get("/teens/?removed=on").content.decode()
    with pytest.raises(ValidationError):
        outreach_log(actor=world.ilya, teen_id=teen.pk, happened_on=TODAY, kind="phone")


def test_the_list_filters_by_district_reason_and_days_without_contact(world, vologda_teen):
    quiet = add(world.ilya, world.vologda, surname="Тихий", reasons=("substance_use",),
                added_on=TODAY - dt.timedelta(days=60))  # fmt: skip
    outreach_log(actor=world.ilya, teen_id=vologda_teen.pk, happened_on=TODAY - dt.timedelta(days=3), kind="street")
    assert set(teens_found(world.ilya, TeenFilters(district=world.vologda))) == {vologda_teen, quiet}
    assert list(teens_found(world.ilya, TeenFilters(district=world.sokolsky))) == []
    assert list(teens_found(world.ilya, TeenFilters(reason="substance_use"))) == [quiet]
    assert list(teens_found(world.ilya, TeenFilters(quiet_days=30))) == [quiet]
    assert set(teens_found(world.ilya, TeenFilters(quiet_days=2))) == {vologda_teen, quiet}


def test_a_bad_filter_is_named_and_the_list_still_shows(world, client_for, vologda_teen):
    response = client_for(world.ilya).get("/teens/?quiet_days=abc&reason=nonsense")
    assert response.status_code == 200
    assert set(response.context["form"].errors) == {"quiet_days", "reason"}
    assert "Волков" in response.content.decode()


def test_logging_outreach_from_the_page(world, client_for, vologda_teen):
    client = client_for(world.ilya)
    page = client.get(f"/teens/{vologda_teen.pk}/outreach/new/").content.decode()
    assert "autofocus" in page
    response = client.post(
        f"/teens/{vologda_teen.pk}/outreach/new/",
        {"happened_on": (TODAY + dt.timedelta(days=1)).isoformat(), "kind": "home"},
    )
    assert "happened_on" in response.context["form"].errors and not Outreach.objects.exists()
    response = client.post(
        f"/teens/{vologda_teen.pk}/outreach/new/", {"happened_on": TODAY.isoformat(), "kind": "home", "note": "Дома"}
    )
    assert response.status_code == 302
    outreach = Outreach.objects.get()
    assert outreach.worker == world.ilya and outreach.agency == world.police and outreach.note == "Дома"


def test_the_social_worker_logs_outreach_for_her_agency(world, sokol_teen):
    outreach = outreach_log(actor=world.olga, teen_id=sokol_teen.pk, happened_on=TODAY, kind="school")
    assert outreach.agency == world.social_sokol
    with pytest.raises(AccessDenied):
        outreach_log(actor=world.ilya, teen_id=sokol_teen.pk, happened_on=TODAY, kind="phone")


def test_a_signed_out_visitor_is_sent_to_sign_in_from_every_page_of_the_list(world, client, vologda_teen):
    for path in ("", "new/", f"{vologda_teen.pk}/", f"{vologda_teen.pk}/edit/", f"{vologda_teen.pk}/remove/",
                 f"{vologda_teen.pk}/outreach/new/"):  # fmt: skip
        response = client.get(f"/teens/{path}")
        assert response.status_code == 302 and "/account/login/" in response["Location"]
        assert "Волков" not in response.content.decode()
