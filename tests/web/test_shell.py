"""The page shell: local assets only, the navigation, the "coming" pages, care mode and language."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.utils.translation import gettext as _

from xiaobao.web.navigation import NAV_ITEMS

# Any attribute or CSS url() that points off this server: http(s)://… or protocol-relative //…
EXTERNAL = re.compile(r"""(?:src|href|action|data-[\w-]+)\s*=\s*["'](?:https?:)?//|url\(\s*["']?(?:https?:)?//""", re.I)


@pytest.fixture
def as_user():
    def make(user):
        client = Client()
        client.force_login(user)
        return client

    return make


def pages_for_admin():
    return ["/", "/workflow/", "/workflow/definitions/", "/core/notifications/", "/api/docs/"]


def test_the_login_page_references_nothing_external(db):
    html = Client().get("/accounts/login/").content.decode()
    assert not EXTERNAL.search(html), EXTERNAL.search(html)


def test_signed_in_pages_reference_nothing_external(cast, as_user):
    client = as_user(cast.hq_admin)
    for url in pages_for_admin() + [item.url() for item in NAV_ITEMS]:
        response = client.get(url)
        assert response.status_code == 200, url
        html = response.content.decode()
        assert not EXTERNAL.search(html), (url, EXTERNAL.search(html))


def test_the_stylesheets_reference_nothing_external():
    from pathlib import Path

    for css in Path(__file__).resolve().parents[2].joinpath("static").rglob("*.css"):
        if "vendor" in css.parts:
            continue
        assert not EXTERNAL.search(css.read_text(encoding="utf-8")), css


def test_the_pattern_catches_what_it_should():
    assert EXTERNAL.search('<script src="https://cdn.example.com/x.js">')
    assert EXTERNAL.search("<link href='//fonts.example.com/a.css'>")
    assert EXTERNAL.search("background: url(https://example.com/a.png)")
    assert not EXTERNAL.search('<a href="/workflow/">')


def test_unbuilt_modules_say_coming_and_built_ones_do_not(cast, as_user):
    client = as_user(cast.hq_admin)
    for item in NAV_ITEMS:
        response = client.get(f"/coming/{item.key}/")
        assert response.status_code == (404 if item.built else 200), item.key


def test_the_navigation_lists_every_built_module_for_head_office_and_no_placeholder(cast, as_user):
    html = as_user(cast.hq_admin).get("/").content.decode()
    for item in NAV_ITEMS:
        if not item.built:  # issue 21: a module not built is not offered
            assert str(item.label) not in html and f"/coming/{item.key}/" not in html
        elif not item.permission or cast.hq_admin.has_perm(item.permission):
            assert str(item.label) in html


def test_care_mode_is_remembered_and_simplifies_the_navigation(cast, as_user):
    client = as_user(cast.officer_a)
    assert client.post("/core/preferences/care-mode/", {"care_mode": "on"}).status_code == 302
    cast.officer_a.refresh_from_db()
    assert cast.officer_a.care_mode
    html = as_user(cast.officer_a).get("/").content.decode()  # a new session remembers it
    assert 'class="care-mode"' in html
    hidden = [str(i.label) for i in NAV_ITEMS if not i.care]
    assert hidden and not any(f"</span> {label}</a>" in html for label in hidden)


def test_care_mode_and_language_refuse_get(cast, as_user):
    client = as_user(cast.officer_a)
    assert client.get("/core/preferences/care-mode/").status_code == 405
    assert client.get("/core/preferences/language/").status_code == 405


def test_an_unknown_language_is_refused_and_nothing_changes(cast, as_user):
    client = as_user(cast.officer_a)
    client.post("/core/preferences/language/", {"language": "xx"})
    cast.officer_a.refresh_from_db()
    assert cast.officer_a.language == ""


def test_every_page_has_the_read_aloud_button(cast, as_user):
    client = as_user(cast.officer_a)
    for url in ["/", "/workflow/", "/core/notifications/"]:
        assert 'data-testid="read-aloud"' in client.get(url).content.decode(), url


def test_a_user_without_a_choice_sees_chinese_whatever_the_browser_asks(cast, as_user):
    client = as_user(cast.officer_a)
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9").content.decode()
    assert 'lang="zh-hans"' in html
    cast.officer_a.language = "en"
    cast.officer_a.save(update_fields=["language"])
    html = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-CN").content.decode()
    assert 'lang="en"' in html


def test_modules_a_role_cannot_read_are_not_offered(cast, as_user):
    """A person without a module's view permission is not shown its entry; a branch officer sees these three."""
    html = as_user(cast.outsider).get("/").content.decode()
    hidden = [item for item in NAV_ITEMS if item.permission and not cast.outsider.has_perm(item.permission)]
    assert {"workorders", "complaints", "reviews", "plans", "indicators", "knowledge"} <= {item.key for item in hidden}
    for item in hidden:
        assert str(item.label) not in html, item.key
    officer = as_user(cast.officer_a).get("/").content.decode()
    for label in (_("方案管理"), _("指标管理"), _("知识中心")):
        assert str(label) in officer
