"""Error pages: a signed-in user meets 403, 404 and 500 inside the application's frame (navigation, the
language chosen, a way back); anonymous visitors get the stand-alone page; a 500 never raises, even when the
frame itself cannot be drawn."""

from __future__ import annotations

import pytest
from django.test import Client, RequestFactory
from django.urls import reverse
from django.utils import translation

from xiaobao.core import api_errors


def client_for(user, **headers) -> Client:
    client = Client(**headers)
    client.force_login(user)
    return client


def in_shell(html: str) -> bool:
    return 'data-shell="app"' in html and 'class="sidenav"' in html


def test_a_refusal_is_shown_in_the_shell_with_its_reason_and_a_way_back(cast):
    # a user with no role may not see the review statistics (the view raises PermissionDenied)
    client = client_for(cast.outsider)
    response = client.get(reverse("reviews:statistics"), HTTP_REFERER="http://testserver/workflow/")
    html = response.content.decode()
    assert response.status_code == 403
    assert in_shell(html)
    assert "无权访问（403）" in html
    assert 'data-testid="error-reason"' in html and "审查统计" in html
    assert 'href="http://testserver/workflow/" data-testid="error-back"' in html
    assert f'href="{reverse("web:home")}" data-testid="error-home"' in html


def test_a_foreign_referer_is_not_offered_as_the_way_back(cast):
    response = client_for(cast.outsider).get(reverse("reviews:statistics"), HTTP_REFERER="https://evil.example/x")
    assert response.status_code == 403
    assert "evil.example" not in response.content.decode()


def test_a_missing_page_is_shown_in_the_shell_for_a_signed_in_user(cast):
    response = client_for(cast.officer_a).get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert in_shell(html) and "页面不存在（404）" in html


def test_the_error_page_speaks_english_when_the_user_does(cast):
    client = client_for(cast.officer_a)
    client.post(reverse("core:language"), {"language": "en"})
    html = client.get("/no-such-page/").content.decode()
    assert in_shell(html)
    with translation.override("en"):
        assert translation.gettext("页面不存在（404）") in html
    assert "页面不存在（404）" not in html


def test_anonymous_visitors_get_the_stand_alone_page(db):
    response = Client().get("/no-such-page/")
    html = response.content.decode()
    assert response.status_code == 404
    assert 'data-testid="error-page"' in html and not in_shell(html)


def test_the_api_keeps_its_json_errors(cast):
    response = client_for(cast.officer_a).get("/api/no-such-endpoint/")
    assert response.status_code == 404 and response.json()["error"] == "not_found"


def _server_error_request(user):
    request = RequestFactory().get("/somewhere/")
    request.user = user
    return request


def test_a_server_error_is_shown_in_the_shell_when_it_can_be(cast):
    response = api_errors.server_error(_server_error_request(cast.officer_a))
    html = response.content.decode()
    assert response.status_code == 500
    assert in_shell(html) and "系统错误（500）" in html


def test_a_server_error_falls_back_to_the_stand_alone_page_when_the_shell_fails(cast, monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("the navigation cannot be read")

    monkeypatch.setattr("xiaobao.web.context_processors.items_for", broken)
    response = api_errors.server_error(_server_error_request(cast.officer_a))
    html = response.content.decode()
    assert response.status_code == 500
    assert 'data-testid="error-page"' in html and not in_shell(html)


@pytest.mark.parametrize("status", [403, 404])
def test_a_failing_shell_never_turns_a_refusal_into_a_server_error(cast, monkeypatch, status):
    def broken(*args, **kwargs):
        raise RuntimeError("the navigation cannot be read")

    monkeypatch.setattr("xiaobao.web.context_processors.items_for", broken)
    handler = api_errors.permission_denied if status == 403 else api_errors.page_not_found
    response = handler(_server_error_request(cast.officer_a), Exception())
    assert response.status_code == status
    assert 'data-testid="error-page"' in response.content.decode()
