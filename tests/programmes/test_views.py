"""The action plan's pages: who may read and change them, the forms, concurrent edits, import."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from safezone.audit.models import AuditEvent
from safezone.programmes.models import Element, Status

from .conftest import TODAY

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", ["alex", "kira"])
def test_the_analyst_and_the_coordinator_read_the_plan(world, plan, client_for, name):
    user = getattr(world, name)
    response = client_for(user).get(reverse("programmes:plan", args=[plan["plan"].pk]))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Обучено специалистов" in body and "Открыто случаев" in body
    event = AuditEvent.objects.filter(actor=user).last()
    assert event.action == "plan.view" and event.decision == "allow" and event.purpose == "statistics"


def test_the_overview_marks_overdue_activities_and_progress(world, plan, client_for, monkeypatch):
    monkeypatch.setattr("safezone.programmes.views._today", lambda: TODAY)
    url = reverse("programmes:plan", args=[plan["plan"].pk])
    body = client_for(world.alex).get(url, {"period": "2026Q1"}).content.decode()
    # On 15 May 2026 "Открыть убежище" ended in March and is not done; "Обучить специалистов" runs to December.
    assert f'id="e{plan["late"].pk}" class="table-light overdue"' in body
    assert f'id="e{plan["later"].pk}" class="table-light"' in body
    assert "75 %" in body  # 0 → 200, 150 entered
    assert "standing-on_track" in body


@pytest.mark.parametrize(
    "name,args",
    [
        ("programmes:plans", []),
        ("programmes:plan", ["plan"]),
        ("programmes:activities", ["plan"]),
        ("programmes:export", ["plan"]),
        ("programmes:actuals", ["trained"]),
        ("programmes:plan_edit", ["plan"]),
        ("programmes:element_edit", ["late"]),
        ("programmes:indicator_edit", ["trained"]),
        ("programmes:activity_status", ["late"]),
        ("programmes:import", ["plan"]),
        ("programmes:plan_new", []),
    ],
)
def test_a_caseworker_is_refused_and_the_refusal_is_recorded(world, plan, client_for, name, args):
    url = reverse(name, args=[plan[a].pk for a in args])
    response = client_for(world.anna).get(url)
    assert response.status_code == 403
    event = AuditEvent.objects.filter(actor=world.anna).last()
    assert event.decision == "deny" and event.action in ("plan.view", "plan.edit")


def test_a_refused_post_changes_nothing(world, plan, client_for):
    url = reverse("programmes:activity_status", args=[plan["late"].pk])
    response = client_for(world.anna).post(url, {"version": 1, "status": "done"})
    assert response.status_code == 403
    assert Element.objects.get(pk=plan["late"].pk).status == Status.PLANNED


def test_a_signed_out_visitor_is_sent_to_sign_in(plan, client):
    response = client.get(reverse("programmes:plan", args=[plan["plan"].pk]))
    assert response.status_code == 302 and "/account/login/" in response["Location"]


def test_the_coordinator_updates_an_activity_status(world, plan, client_for):
    url = reverse("programmes:activity_status", args=[plan["late"].pk])
    client = client_for(world.kira)
    assert client.get(url).status_code == 200
    response = client.post(url, {"version": 1, "status": "delayed", "status_note": "Нет помещения"})
    assert response.status_code == 302
    late = Element.objects.get(pk=plan["late"].pk)
    assert late.status == Status.DELAYED and late.status_changed_by == world.kira and late.version == 2


def test_a_second_save_from_a_stale_form_is_refused_with_a_clear_message(world, plan, client_for):
    url = reverse("programmes:element_edit", args=[plan["later"].pk])
    form = {
        "version": 1, "parent": plan["output"].pk, "code": "1.1.1.2", "text_ru": "Обучить 200 специалистов",
        "text_en": "", "responsible": "Кризисный центр", "starts_on": "", "ends_on": "2026-12-31", "assumptions": "",
    }  # fmt: skip
    assert client_for(world.kira).post(url, form).status_code == 302
    stale = client_for(world.alex).post(url, {**form, "text_ru": "Обучить 100 специалистов"})
    assert stale.status_code == 409
    assert 'id="form-errors"' in stale.content.decode()
    assert Element.objects.get(pk=plan["later"].pk).text_ru == "Обучить 200 специалистов"


def test_an_actual_is_entered_with_period_value_and_source(world, plan, client_for):
    url = reverse("programmes:actuals", args=[plan["trained"].pk])
    client = client_for(world.alex)
    assert client.get(url).status_code == 200
    response = client.post(
        url, {"version": plan["trained"].version, "period": "2026q2", "value": "180", "source": "Отчёт"}
    )
    assert response.status_code == 302
    assert plan["trained"].actuals.get(period="2026Q2").value == 180
    missing = client.post(url, {"version": plan["trained"].version + 1, "period": "2026Q3", "value": "1", "source": ""})
    assert missing.status_code == 200 and not plan["trained"].actuals.filter(period="2026Q3").exists()


def test_the_activities_list_filters_overdue_ones(world, plan, client_for):
    url = reverse("programmes:activities", args=[plan["plan"].pk])
    body = client_for(world.kira).get(url, {"status": "planned", "responsible": "Кризисный"}).content.decode()
    assert "Обучить специалистов" in body and "Открыть убежище" not in body


def test_the_export_downloads_and_a_bad_import_shows_each_error_and_changes_nothing(world, plan, client_for):
    client = client_for(world.alex)
    export = client.get(reverse("programmes:export", args=[plan["plan"].pk]))
    assert export.status_code == 200
    book = load_workbook(io.BytesIO(export.content))
    book["Indicators"]["G2"] = "много"
    upload = io.BytesIO()
    book.save(upload)
    upload.seek(0)
    upload.name = "plan.xlsx"
    response = client.post(reverse("programmes:import", args=[plan["plan"].pk]), {"file": upload})
    assert response.status_code == 400
    assert "Indicators" in response.content.decode() and "target" in response.content.decode()
    assert plan["cases"].__class__.objects.get(pk=plan["cases"].pk).target == 100


def test_the_same_file_imported_through_the_page_changes_nothing(world, plan, client_for):
    client = client_for(world.kira)
    export = client.get(reverse("programmes:export", args=[plan["plan"].pk]))
    upload = io.BytesIO(export.content)
    upload.name = "plan.xlsx"
    response = client.post(reverse("programmes:import", args=[plan["plan"].pk]), {"file": upload}, follow=True)
    assert response.status_code == 200
    plan["plan"].refresh_from_db()
    assert plan["plan"].version == 1
