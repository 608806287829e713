"""The feeds API for school information systems: a school's registers as JSON rows or a file, with a
token; a dry run; the same report as the import page; only the schools the caller may send for;
each attempt and each school's decision in the audit log."""

import datetime as dt

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile

from safezone.accounts.services import api_token_issue
from safezone.audit.models import AuditEvent
from safezone.schools.models import AttendanceDay, Pupil

pytestmark = pytest.mark.django_db

ROLL = [
    {
        "school": "school-1",
        "pupil": "101",
        "surname": "Соколова",
        "first_name": "Мария",
        "sex": "ж",
        "birth_date": "2013-02-14",
        "class_name": "7Б",
        "school_year": "2025/26",
        "enrolled_on": "01.09.2019",
    },
    {
        "school": "school-1",
        "pupil": "102",
        "surname": "Орлов",
        "first_name": "Денис",
        "sex": "м",
        "birth_date": "03.07.2012",
        "class_name": "7Б",
        "enrolled_on": "2019-09-01",
        "left_on": "2025-12-20",
        "leaving_reason": "moved",
    },
]
DAYS = [
    {"school": "school-1", "pupil": "101", "date": "2025-09-01", "status": "p"},
    {"school": "school-1", "pupil": "101", "date": "02.09.2025", "status": "н"},
    {"school": "school-1", "pupil": 102, "date": "2025-09-01", "status": "б"},
]


@pytest.fixture
def api(client):
    """api(user).post(path, data): the API client with that user's token."""

    def for_user(user):
        _token, key = api_token_issue(user=user, name="school information system")
        client.defaults["HTTP_AUTHORIZATION"] = f"Token {key}"
        client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"  # the interface's language (Russian by default)
        return client

    return for_user


def _post(client, feed: str, rows, query: str = ""):
    return client.post(f"/api/schools/feeds/{feed}/{query}", rows, content_type="application/json")


@pytest.fixture
def roll(world, api):
    response = _post(api(world.pavel), "pupils", ROLL)
    assert response.status_code == 200, response.json()
    return response


def _last_events(since: int):
    return list(AuditEvent.objects.filter(seq__gt=since).order_by("seq"))


def _seq() -> int:
    return AuditEvent.objects.order_by("-seq").values_list("seq", flat=True).first() or 0


def test_a_school_sends_its_roll_and_register_as_json_and_the_same_rows_again_change_nothing(roll, world, api):
    body = roll.json()
    assert (body["status"], body["rows"], body["created"], body["problem_count"]) == ("done", 2, 2, 0)
    assert set(Pupil.objects.values_list("local_id", "school__code")) == {("101", "school-1"), ("102", "school-1")}
    client = api(world.pavel)
    response = _post(client, "attendance", DAYS)
    assert response.status_code == 200
    body = response.json()
    assert (body["type"], body["status"], body["created"], body["updated"], body["unchanged"]) == (
        "attendance",
        "done",
        3,
        0,
        0,
    )
    assert AttendanceDay.objects.get(pupil__local_id="101", day=dt.date(2025, 9, 2)).status == "u"
    again = _post(client, "attendance", DAYS).json()
    assert (again["created"], again["updated"], again["unchanged"]) == (0, 0, 3)


def test_a_dry_run_reports_what_would_change_and_changes_nothing(roll, world, api):
    before = _seq()
    response = _post(api(world.pavel), "attendance", DAYS, "?dry_run=1")
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["dry_run"], body["created"]) == ("checked", True, 3)
    assert not AttendanceDay.objects.exists()
    imports = [e for e in _last_events(before) if e.object_type == "import"]
    assert [(e.action, e.actor_id) for e in imports] == [("import.dry_run", world.pavel.pk)]


def test_a_refused_request_answers_400_with_the_report_by_item_and_column_and_changes_nothing(roll, world, api):
    rows = [*DAYS, {"school": "school-1", "pupil": "102", "date": "2025-12-21", "status": "p"}]
    rows.append({"school": "school-1", "pupil": "999", "date": "2025-09-01", "status": "?"})
    response = _post(api(world.pavel), "attendance", rows)
    assert response.status_code == 400
    body = response.json()
    assert body["status"] == "refused" and body["created"] == 0
    assert [(p["row"], p["field"]) for p in body["problems"]] == [(4, "date"), (5, "status")]
    assert "was not enrolled at the school on 21.12.2025" in body["problems"][0]["message"]
    assert not AttendanceDay.objects.exists()
    missing = _post(api(world.pavel), "attendance", [{"school": "school-1", "pupil": "101", "status": "p"}]).json()
    assert missing["problems"][0]["row"] is None and "required column" in missing["problems"][0]["message"]


def test_another_schools_rows_are_refused_and_each_school_is_decided_once_in_the_audit_log(roll, world, api):
    before = _seq()
    rows = [*DAYS, *({"school": "school-sokol", "pupil": "7", "date": f"2025-09-0{d}", "status": "p"} for d in (1, 2))]
    response = _post(api(world.pavel), "attendance", rows)
    assert response.status_code == 400
    problems = response.json()["problems"]
    assert [(p["row"], p["field"]) for p in problems] == [(4, "school"), (5, "school")]
    assert "you may not send the registers of the school “school-sokol”" in problems[0]["message"]
    events = _last_events(before)
    decisions = sorted((e.decision, e.object_id) for e in events if e.action == "school.import")
    assert decisions == [("allow", str(world.school.pk)), ("deny", str(world.school_sokol.pk))]
    assert all(e.actor_id == world.pavel.pk and e.purpose == "school_support" for e in events if e.decision)
    assert [e.action for e in events if e.object_type == "import"] == ["import.refused"]
    assert not AttendanceDay.objects.exists()


def test_a_user_who_sends_for_no_school_is_refused_and_the_refusal_is_audited(world, api):
    before = _seq()
    response = _post(api(world.anna), "attendance", DAYS)
    assert response.status_code == 403
    event = _last_events(before)[-1]
    assert (event.action, event.decision, event.actor_id) == ("school.import", "deny", world.anna.pk)
    assert not AttendanceDay.objects.exists()


def test_signing_in_takes_a_valid_token(world, client):
    assert client.post("/api/schools/feeds/attendance/", DAYS, content_type="application/json").status_code == 401
    response = client.post(
        "/api/schools/feeds/attendance/", DAYS, content_type="application/json", HTTP_AUTHORIZATION="Token nope"
    )
    assert response.status_code == 401
    assert not AttendanceDay.objects.exists()


def test_only_the_school_feeds_are_served(world, api):
    client = api(world.root)
    assert _post(client, "agencies", [{"code": "x"}]).status_code == 404
    assert _post(client, "nothing", []).status_code == 404


def test_a_file_upload_is_imported_like_json_rows(roll, world, api):
    content = "Школа;Номер ученика;Дата;Отметка\r\nschool-1;101;01.09.2025;п\r\nschool-1;101;02.09.2025;у\r\n"
    upload = SimpleUploadedFile("register.csv", content.encode("cp1251"), content_type="text/csv")
    response = api(world.pavel).post("/api/schools/feeds/attendance/", {"file": upload})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["file"], body["rows"], body["created"]) == ("register.csv", 2, 2)
    assert AuditEvent.objects.filter(action="import.done", extra__file="register.csv").count() == 1
    bad = SimpleUploadedFile("bad.csv", content.replace(";п", ";=1+1").encode(), content_type="text/csv")
    response = api(world.pavel).post("/api/schools/feeds/attendance/", {"file": bad})
    assert response.status_code == 400 and response.json()["problems"][0]["row"] == 2  # the file's own rows


def test_a_body_that_is_not_a_list_of_rows_is_a_clear_400(world, api):
    client = api(world.pavel)
    response = _post(client, "attendance", {"school": "school-1"})
    assert response.status_code == 400 and "JSON list of rows" in str(response.json())
    response = _post(client, "attendance", [{"school": ["school-1"], "pupil": "1", "date": "x", "status": "p"}])
    assert response.status_code == 400 and "item 1" in str(response.json())


def test_the_feeds_are_in_the_openapi_schema(client):
    schema = client.get("/api/schema/?format=json").json()
    operation = schema["paths"]["/api/schools/feeds/{type_name}/"]["post"]
    enum = next(p for p in operation["parameters"] if p["name"] == "type_name")["schema"]["enum"]
    assert enum == ["attendance", "attendance_totals", "discipline", "marks", "pupils"]
    assert {"application/json", "multipart/form-data"} <= set(operation["requestBody"]["content"])
