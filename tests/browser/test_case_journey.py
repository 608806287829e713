"""One domestic-violence case across three agencies, in a real browser: intake with the safety
questions, a risk checklist that scores high, the proposed meeting referral, a shelter stay, a
referral to the police accepted and completed, and closure approved by a supervisor. Screenshots
kept, the risk meeting with its research, decision, actions and minutes included."""

import re

import pytest
from playwright.sync_api import expect

from safezone.cases.models import Case, Closure, Referral, ServiceDelivery
from safezone.directory.models import Facility
from safezone.meetings.models import Meeting, MeetingAction, MeetingReferral
from tests.browser.test_browser import shoot, sign_in

pytestmark = pytest.mark.browser


def test_a_domestic_violence_case_from_intake_to_closure(
    live_server, live_world, page, browser, browser_context_args, output_path
):
    w, base = live_world, live_server.url

    def desk(username):
        """A browser of its own for another worker (each signs in once: a code is good only once)."""
        other = browser.new_context(**browser_context_args).new_page()
        sign_in(other, base, username)
        expect(other.get_by_role("heading", name="Мои открытые дела")).to_be_visible()
        return other

    # 1. The crisis centre's caseworker takes the call: safety first, then the person and the incident.
    sign_in(page, base, "anna")
    expect(page.get_by_role("heading", name="Мои открытые дела")).to_be_visible()
    page.goto(f"{base}/cases/intake/")
    page.locator("input[name=safe_to_talk][value=yes]").check()
    page.locator("input[name=agrees_to_referrals][value=yes]").check()
    page.get_by_label("Безопасный телефон").fill("+7 900 111-22-33, после 18:00")
    page.get_by_label("Кодовое слово").fill("ромашка")
    page.get_by_label("Фамилия").fill("Орлова")
    page.get_by_label("Имя", exact=True).fill("Ирина")
    page.get_by_label("Дата рождения").fill("1990")
    page.get_by_label("Вид дела").select_option("dv")
    page.get_by_label("Этот человек —").select_option("victim")
    page.get_by_label("Дата происшествия").fill("2026-11-20")
    page.get_by_label("физическое насилие").check()
    page.get_by_label("Сообщено в полицию").check()
    shoot(page, output_path, "journey-1-intake")
    page.get_by_role("button", name="Открыть дело").click()
    expect(page.get_by_role("alert").filter(has_text="открыто")).to_be_visible()
    case = Case.objects.get(participants__person__surname="Орлова")
    expect(page.get_by_text("ромашка")).to_be_visible()  # safe-contact instructions come first

    # 2. The risk checklist: every answer "yes" scores high and calls for the meeting.
    page.goto(f"{base}/assessments/cases/{case.pk}/new/?instrument=dv_risk")
    for radio in page.locator("input[type=radio][value=yes]").all():
        radio.check()
    shoot(page, output_path, "journey-2-checklist")
    page.get_by_role("button", name="Сохранить оценку").click()
    expect(page.get_by_text("высокий", exact=False).first).to_be_visible()
    assert case.assessments.get().band == "high"
    page.goto(f"{base}/cases/{case.pk}/")
    expect(page.get_by_text("ромашка")).to_be_visible()  # the checklist kept what was known
    trigger = page.locator("form:has(input[name=rule][value=high_risk])")
    expect(trigger).to_be_visible()
    shoot(page, output_path, "journey-3-meeting-proposed")
    trigger.get_by_role("button", name="Направить на совещание").click()
    expect(page.get_by_role("alert").filter(has_text="совещани")).to_be_visible()
    assert MeetingReferral.objects.get(case=case).rule == "high_risk"

    # 3. A referral to the police, on a legal ground (threat to life), without consent.
    page.goto(f"{base}/cases/{case.pk}/refer/")
    page.get_by_label("В учреждение").select_option(label="Полиция Вологды")
    page.get_by_label("Чем вы делитесь").fill("Угрозы убийством, нужна проверка и защитное предписание")
    page.get_by_label(re.compile("Правовое основание")).select_option(index=1)
    page.get_by_role("button", name="Отправить направление").click()
    referral = Referral.objects.get(case=case)

    # 3b. A place in the crisis centre's shelter, checked against its places.
    shelter = Facility.objects.create(
        agency=w.crisis, kind="shelter", district=w.vologda, places=4, name_ru="Приют «Надежда»", name_en="Nadezhda"
    )
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_text("Записать услугу").first.click()
    page.get_by_label("Услуга").select_option("shelter_stay")
    page.get_by_label("Приют или программа").select_option(str(shelter.pk))
    page.get_by_label("Кому").select_option(str(case.participants.get().person_id))
    shoot(page, output_path, "journey-3b-shelter-stay")
    page.get_by_role("button", name="Записать услугу").click()
    expect(page.get_by_role("alert").filter(has_text="Услуга записана")).to_be_visible()
    assert ServiceDelivery.objects.get(case=case).facility == shelter

    # 4. The youth commission's coordinator plans the risk meeting with the police and the crisis centre;
    # the agenda comes from the pending referral; the police say what they know; the chair decides and
    # gives actions to the police and the crisis centre; the minutes are issued.
    chair = desk("kira")
    chair.goto(f"{base}/meetings/new/")
    chair.get_by_label("Территория").select_option(str(w.vologda.pk))
    chair.get_by_label("Кризисный центр").check()
    chair.get_by_label("Полиция Вологды").check()
    chair.get_by_role("button", name="Запланировать совещание").click()
    chair.get_by_role("button", name="Внести ожидающие направления в повестку").click()
    expect(chair.get_by_role("link", name=case.reference)).to_be_visible()
    meeting = Meeting.objects.get()
    police = desk("petr")
    police.goto(f"{base}/meetings/{meeting.pk}/")
    police.get_by_label(re.compile("Что известно вашему ведомству")).fill("Два вызова за месяц, выдано предостережение")
    police.get_by_role("button", name="Сохранить").first.click()
    expect(police.get_by_text("Два вызова за месяц")).to_be_visible()
    chair.reload()
    chair.get_by_label("Итоги и решение").fill("Защитное предписание; место в приюте; повтор через месяц")
    chair.get_by_role("button", name="Сохранить решение").click()
    for agency, text in ((w.police, "Проверить исполнение предписания"), (w.crisis, "План безопасности")):
        form = chair.locator("form[action$='/actions/']")
        form.locator("select[name=owner_agency]").select_option(str(agency.pk))
        form.locator("input[name=text]").fill(text)
        form.get_by_role("button", name="Добавить действие").click()
    shoot(chair, output_path, "journey-4-meeting")
    chair.get_by_role("button", name="Отметить совещание проведённым").click()
    chair.get_by_role("button", name="Выпустить протокол").click()
    expect(chair.get_by_role("alert").filter(has_text="Протокол выпущен")).to_be_visible()
    meeting.refresh_from_db()
    assert meeting.status == "minutes" and MeetingAction.objects.filter(item__meeting=meeting).count() == 2

    # 5. The police officer accepts the referral from the inbox and later completes it.
    police.goto(f"{base}/cases/referrals/")
    expect(police.get_by_text("Угрозы убийством")).to_be_visible()
    shoot(police, output_path, "journey-5-police-inbox")
    police.get_by_role("button", name="Принять").first.click()
    expect(police).to_have_url(re.compile(f"/cases/{case.pk}/"))
    referral.refresh_from_db()
    assert referral.status == "accepted"
    police.get_by_role("button", name="Отметить выполненным").first.click()
    expect(police.get_by_role("alert").first).to_be_visible()
    referral.refresh_from_db()
    assert referral.status == "completed"

    # 6. The caseworker asks to close; the supervisor approves from "my work".
    page.goto(f"{base}/cases/{case.pk}/")
    page.get_by_label("Причина закрытия").select_option("goals_met")
    page.get_by_role("button", name="Запросить закрытие").click()
    expect(page.get_by_role("button", name="Отозвать запрос")).to_be_visible()
    supervisor = desk("sveta")
    supervisor.get_by_role("link", name=case.reference).first.click()
    supervisor.get_by_label("Решение").select_option("approve")
    shoot(supervisor, output_path, "journey-6-approve-closure")
    supervisor.get_by_role("button", name="Записать решение").click()
    expect(supervisor.get_by_role("alert").filter(has_text="Решение записано")).to_be_visible()
    case.refresh_from_db()
    assert case.status == "closed" and Closure.objects.get(case=case).decided_by == w.sveta
    shoot(supervisor, output_path, "journey-7-closed")
