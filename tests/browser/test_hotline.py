"""The helpline operator's screen in a real Chromium, driven by the keyboard alone: a contact about a
child at risk logged and turned into a case with a referral; a hang-up logged in two keystrokes; a
tab closed mid-contact whose draft comes back when the contact is opened again."""

import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from safezone.cases.models import Referral
from safezone.hotline.models import Contact
from safezone.hotline.services import pbx_incoming
from tests.browser.test_browser import shoot, sign_in

pytestmark = pytest.mark.browser


def tab_to(page, selector: str, limit: int = 80) -> None:
    """Press Tab until the element matching `selector` has the focus (it must be reachable)."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement && document.activeElement.matches(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} is not reachable with Tab")


def choose(page, selector: str, value: str, limit: int = 60) -> None:
    """Move through a focused select's options with the arrow key until `value` is chosen."""
    tab_to(page, selector)
    for _ in range(limit):
        if page.evaluate("s => document.querySelector(s).value", selector) == value:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} is not an option of {selector}")


def wait_for_draft(page) -> None:
    expect(page.locator("#draft-status")).to_have_text(re.compile(r"\d\d:\d\d:\d\d"))


def _announce(call_id: str) -> Contact:
    now = timezone.now()
    return pbx_incoming(call_id=call_id, caller="+7 900 555-44-33", line="8-800-2000-122", started_at=now, signed=now)


def test_an_operator_logs_a_contact_about_a_child_by_keyboard_and_turns_it_into_a_case_with_a_referral(
    live_server, live_world, page, output_path
):
    w, base = live_world, live_server.url
    sign_in(page, base, "hanna")
    page.wait_for_url(re.compile(r"/$|/cases/"))
    call = _announce("kb-1")
    page.goto(f"{base}/hotline/")
    expect(page.locator("#waiting")).to_contain_text("8-800-2000-122")
    page.keyboard.press("1")  # take the first waiting call
    page.wait_for_url(re.compile(rf"/hotline/contacts/{call.pk}/$"))
    expect(page.locator("#timer")).to_have_text(re.compile(r"\d+:\d\d"))

    # Safety first, then the type by its key: the focus moves on to the issues.
    tab_to(page, "input[name=safe_to_talk]")  # a group of radio buttons: one Tab stop, arrows choose
    page.keyboard.press("ArrowRight")
    expect(page.locator("input[name=safe_to_talk][value=yes]")).to_be_checked()
    page.keyboard.press("c")  # about a child
    expect(page.locator("input[name=type][value=child]")).to_be_checked()
    tab_to(page, "input[name=categories][value=neglect]")
    page.keyboard.press("Space")
    choose(page, "#id_age_band", "6-11")
    choose(page, "#id_district", str(w.vologda.pk))
    expect(page.locator("#services")).to_contain_text("Кризисный центр")  # the district's services at hand
    tab_to(page, "#id_notes")
    page.keyboard.type("Соседка: девочка 8 лет третий день одна дома, мать не возвращается")
    wait_for_draft(page)
    shoot(page, output_path, "hotline-1-contact")

    # The warm referral: what the contact said is filled in; the person, the agency, the consent.
    tab_to(page, "#warm-referral")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/refer/$"))
    expect(page.locator("#id_summary")).to_have_value(re.compile("третий день одна"))
    tab_to(page, "#id_surname")
    page.keyboard.type("Волкова")
    tab_to(page, "#id_first_name")
    page.keyboard.type("Катя")
    tab_to(page, "#id_birth_date")
    page.keyboard.type("2018")
    choose(page, "#id_to_agency", str(w.police.pk))
    tab_to(page, "#id_consent")
    page.keyboard.press("Space")
    shoot(page, output_path, "hotline-2-referral")
    page.keyboard.press("Control+Enter")
    page.wait_for_url(re.compile(rf"/hotline/contacts/{call.pk}/$"))
    expect(page.get_by_role("alert").first).to_contain_text("Полиция Вологды")

    # Back on the contact, now "referred": log it.
    tab_to(page, "#finish")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hotline/$"))
    call.refresh_from_db()
    assert call.status == "done" and call.type == "child" and call.categories == ["neglect"]
    assert call.outcome == "referred" and call.district == w.vologda and call.age_band == "6-11"
    person = call.case.participants.get().person
    assert (person.surname, person.first_name) == ("Волкова", "Катя")
    assert call.case.kind == "child" and call.case.owner_agency == w.crisis
    assert Referral.objects.get(case=call.case).to_agency == w.police


def test_a_hang_up_is_logged_in_two_keystrokes(live_server, live_world, page):
    base = live_server.url
    sign_in(page, base, "hanna")
    page.wait_for_url(re.compile(r"/$|/cases/"))
    call = _announce("kb-2")
    page.goto(f"{base}/hotline/")
    page.keyboard.press("1")
    page.wait_for_url(re.compile(rf"/hotline/contacts/{call.pk}/$"))
    page.keyboard.press("h")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/hotline/$"))
    call.refresh_from_db()
    assert call.status == "done" and call.type == "hang_up"


def test_closing_the_tab_mid_contact_and_reopening_it_restores_the_draft(
    live_server, live_world, page, browser, browser_context_args
):
    base = live_server.url
    sign_in(page, base, "hanna")
    page.wait_for_url(re.compile(r"/$|/cases/"))
    page.goto(f"{base}/hotline/")
    page.keyboard.press("n")  # a new contact
    page.wait_for_url(re.compile(r"/hotline/contacts/\d+/$"))
    contact_id = int(page.url.rstrip("/").split("/")[-1])
    page.keyboard.press("s")  # about the caller herself
    page.keyboard.press("Space")  # the first issue: physical violence
    tab_to(page, "#id_notes")
    page.keyboard.type("Муж угрожает, звонит из ванной")
    wait_for_draft(page)
    context = page.context
    page.close()

    again = context.new_page()
    again.goto(f"{base}/hotline/")
    again.get_by_role("link", name=re.compile(str(contact_id))).click()
    expect(again.locator("#id_notes")).to_have_value("Муж угрожает, звонит из ванной")
    expect(again.locator("input[name=type][value=self]")).to_be_checked()
    expect(again.locator("input[name=categories][value=violence_physical]")).to_be_checked()
