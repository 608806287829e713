"""The public portal: no sign-in, no cookies but the language, nothing from other hosts, the quick
exit on every page, services by district from the directory, pages kept by administrators."""

import re

import pytest

from safezone.directory.models import Agency
from safezone.portal.models import HelpLine, PortalPage

PAGES = ["/help/", "/help/services/", "/help/services/?district=vologda", "/help/safety/", "/help/rights/"]


@pytest.mark.parametrize("path", PAGES)
def test_every_public_page_needs_no_sign_in_sets_no_cookie_and_has_the_quick_exit(world, client, path, settings):
    response = client.get(path)
    assert response.status_code == 200
    assert response.cookies == {} and not client.cookies  # no session, no CSRF cookie
    assert response["Cache-Control"] == "no-store" and response["Referrer-Policy"] == "no-referrer"
    body = response.content.decode()
    assert f'data-quick-exit="{settings.SAFEZONE_QUICK_EXIT_URL}"' in body and "portal.js" in body
    assert "data-quick-exit-button" in body and "Esc" in body
    # Nothing is loaded from another host: every src and stylesheet is our own.
    assert not re.findall(r'(?:src|href)="(?:https?:)?//[^"]*"', body.replace(settings.SAFEZONE_QUICK_EXIT_URL, ""))


def test_the_help_lines_show_numbers_hours_and_whether_free_and_anonymous(world, client):
    HelpLine.objects.create(
        name_ru="Телефон доверия кризисного центра", phone="8 (8172) 00-00-00", hours_ru="с 8 до 20",
        free=True, anonymous=True, order=20,
    )  # fmt: skip
    HelpLine.objects.create(name_ru="Закрытая линия", phone="000", hours_ru="—", is_active=False)
    body = client.get("/help/").content.decode()
    assert "112" in body and "8-800-2000-122" in body  # the national numbers come with the system
    assert "Телефон доверия кризисного центра" in body and 'href="tel:88172000000"' in body
    assert "анонимно" in body and "бесплатно" in body
    assert "Закрытая линия" not in body


def test_services_near_me_lists_the_agencies_that_help_in_the_district_and_no_school(world, client):
    school = Agency.objects.create(code="school1", kind="school", name_ru="Школа № 1", district=world.vologda)
    school.districts_served.set([world.vologda])
    Agency.objects.filter(pk=world.crisis.pk).update(phone="+7 8172 11-22-33")
    body = client.get("/help/services/?district=vologda").content.decode()
    assert "Кризисный центр" in body and 'href="tel:+781721122' in body
    assert "Полиция Вологды" in body and "КДНиЗП Вологды" in body
    assert "Школа № 1" not in body and "Департамент" not in body
    other = client.get("/help/services/?district=sokolsky").content.decode()
    assert "Кризисный центр" not in other


def test_an_unknown_district_is_said_so_and_shows_nothing(world, client):
    body = client.get("/help/services/?district=atlantis").content.decode()
    assert "Такого района нет в списке" in body and "Кризисный центр" not in body


def test_pages_show_published_text_as_text_and_hide_drafts(world, client):
    PortalPage.objects.create(
        slug="campaign", kind="campaign", title_ru="16 дней", body_ru="<script>x()</script>\n\nВторой", published=True
    )
    PortalPage.objects.create(slug="draft", kind="campaign", title_ru="Черновик", body_ru="…", published=False)
    body = client.get("/help/campaign/").content.decode()
    assert "&lt;script&gt;x()&lt;/script&gt;" in body and "<script>x()" not in body
    assert "<p>Второй</p>" in body
    assert client.get("/help/draft/").status_code == 404
    assert "16 дней" in client.get("/help/").content.decode()


def test_the_language_link_sets_the_one_cookie_and_stays_on_this_site(world, client, settings):
    response = client.get("/help/language/en/?next=/help/safety/")
    assert response.status_code == 302 and response["Location"] == "/help/safety/"
    assert set(response.cookies) == {settings.LANGUAGE_COOKIE_NAME}
    assert "How to leave no traces" in client.get("/help/safety/").content.decode()
    assert client.get("/help/language/en/?next=https://evil.example/").headers["Location"] == "/help/"
    assert client.get("/help/language/xx/").status_code == 404


def test_the_portal_takes_no_posts(world, client):
    assert client.post("/help/").status_code == 405
