"""A real Chromium against the live test server: sign in, open a case, run the intake flow."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from safezone.cases.models import Case
from tests.world import PASSWORD, totp_code

pytestmark = pytest.mark.browser


def shoot(page, output_path, name):
    """Save a screenshot under the test's output folder."""
    folder = Path(output_path)
    folder.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(folder / f"{name}.png"), full_page=True)


def sign_in(page, base, username):
    """Password, then the code from the authenticator app."""
    page.goto(f"{base}/account/login/")
    page.locator("#id_login").fill(username)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name=re.compile("Войти|Sign in")).click()
    page.wait_for_url(re.compile("/account/2fa/authenticate/"))
    page.locator("#id_code").fill(totp_code(username))
    page.locator("#id_code").press("Enter")


def test_a_caseworker_signs_in_opens_a_case_and_runs_intake(live_server, live_world, page, output_path):
    w = live_world
    base = live_server.url
    sign_in(page, base, "anna")
    expect(page.get_by_role("heading", name="Мои открытые дела")).to_be_visible()
    shoot(page, output_path, "1-my-work")

    page.get_by_role("link", name=w.case_a.reference).click()
    expect(page.get_by_role("heading", name=re.compile(f"Дело {w.case_a.reference}"))).to_be_visible()
    expect(page.get_by_role("link", name="Кузнецова Мария Сергеевна")).to_be_visible()
    shoot(page, output_path, "2-case")

    page.get_by_role("link", name="Новое обращение").first.click()
    page.get_by_label("Фамилия").fill("Кузнецова")
    # Live search: Maria is already in the register and visible to Anna.
    expect(page.get_by_label(re.compile("Кузнецова Мария Сергеевна"))).to_be_visible()
    expect(page.get_by_label(re.compile("Никто из них"))).to_be_checked()
    # Ticked while the live search is still: an answer swapped in under the click moves the form.
    page.get_by_label("пренебрежение нуждами ребёнка").check()
    page.get_by_label("Вид дела").select_option("child")
    page.get_by_label("Этот человек —").select_option("child")
    page.get_by_label("Имя", exact=True).fill("Анна")
    page.get_by_label("Дата рождения").fill("2011")
    expect(page.get_by_label("пренебрежение нуждами ребёнка")).to_be_checked()
    shoot(page, output_path, "3-intake")
    page.get_by_role("button", name="Открыть дело").click()

    expect(page.get_by_role("alert").filter(has_text="открыто")).to_be_visible()
    case = Case.objects.get(participants__person__first_name="Анна", participants__person__surname="Кузнецова")
    expect(page).to_have_url(f"{base}/cases/{case.pk}/")
    assert case.kind == "child" and case.owner_worker == w.anna
    shoot(page, output_path, "4-new-case")


def test_intake_can_pick_the_person_found_by_the_live_search(live_server, live_world, page, output_path):
    w = live_world
    sign_in(page, live_server.url, "anna")
    page.goto(f"{live_server.url}/cases/intake/")
    page.get_by_label("Фамилия").fill("Кузнецова")
    page.get_by_label("Имя", exact=True).fill("Мария")
    page.get_by_label(re.compile("Кузнецова Мария Сергеевна")).check()
    page.get_by_label("Дата происшествия").fill("2026-01-15")
    page.get_by_label("физическое насилие").check()
    page.get_by_role("button", name="Открыть дело").click()
    expect(page.get_by_role("alert").filter(has_text="открыто")).to_be_visible()
    assert Case.objects.filter(participants__person=w.maria).count() == 3
    shoot(page, output_path, "intake-existing-person")


def test_intake_finds_a_latin_short_form_as_the_girl_already_registered(live_server, live_world, page, output_path):
    """The clinic writes "Kuznecova Anja"; the register knows "Кузнецова Анна": intake offers her
    record, and picking her opens the case without a second person."""
    from safezone.cases.models import Participant
    from safezone.people.models import Person
    from safezone.people.services import person_keys_refresh

    w = live_world
    anja = Person.objects.create(
        surname="Кузнецова", first_name="Анна", patronymic="Сергеевна", sex="F", birth_year=2011
    )
    person_keys_refresh(anja)
    Participant.objects.create(case=w.case_a, person=anja, role="child")
    persons_before = Person.objects.count()
    sign_in(page, live_server.url, "anna")
    page.goto(f"{live_server.url}/cases/intake/")
    page.get_by_label("Фамилия").fill("Kuznecova")
    page.get_by_label("Имя", exact=True).fill("Anja")
    candidate = page.get_by_label(re.compile("Кузнецова Анна Сергеевна"))
    expect(candidate).to_be_visible()
    shoot(page, output_path, "intake-transliterated-name")
    with page.expect_popup() as popup:
        page.locator(".candidate", has=candidate).get_by_role("link", name="открыть запись").click()
    expect(popup.value.get_by_role("heading", name=re.compile("Кузнецова Анна"))).to_be_visible()
    candidate.check()
    page.get_by_label("Дата происшествия").fill("2026-01-15")
    page.get_by_label("физическое насилие").check()
    page.get_by_role("button", name="Открыть дело").click()
    expect(page.get_by_role("alert").filter(has_text="открыто")).to_be_visible()
    assert Person.objects.count() == persons_before
    assert Case.objects.filter(participants__person=anja).count() == 2


def test_a_user_outside_the_scope_sees_not_found(live_server, live_world, page):
    sign_in(page, live_server.url, "olga")
    page.goto(f"{live_server.url}/cases/{live_world.case_a.pk}/")
    expect(page.get_by_role("heading", name="Не найдено")).to_be_visible()
    expect(page.get_by_text("Кузнецова")).to_have_count(0)
