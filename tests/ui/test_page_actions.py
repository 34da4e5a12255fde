"""ui.page_actions: the detail page's action machinery the work order, complaint and review pages share.

Rendering is replaced by a recorder (the apps' own page tests render the real templates); everything else —
messages, redirects, refusals on the form, 403, the action decorator — runs as it does for the apps.
"""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from django import forms
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.backends.signed_cookies import SessionStore
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.ui import page_actions
from xiaobao.ui.page_actions import ObjectPage, forbid, version_of
from xiaobao.workflow.exceptions import WorkflowConflict
from xiaobao.workflow.messages import conflict_message

URL_NAME = "workorders:detail"  # any detail route taking the pk will do


class NoteForm(forms.Form):
    reason = forms.CharField(required=False, max_length=5)
    due_days = forms.IntegerField(required=False)
    version = forms.IntegerField(required=False, min_value=1)


class Thing:
    def __init__(self, pk: int):
        self.pk = pk


@pytest.fixture
def rendered(monkeypatch):
    """What the page machinery asked to render: (template, context, status)."""
    calls = []

    def fake_render(request, template, context, status=200):
        calls.append(SimpleNamespace(template=template, context=context, status=status))
        return HttpResponse(status=status)

    monkeypatch.setattr(page_actions, "render", fake_render)
    return calls


def _context(request, obj, **forms):
    return {"obj": obj, **forms}


def _page(**overrides) -> ObjectPage:
    def get_object(user, pk):
        if pk == 404:
            raise Http404
        return Thing(pk)

    options = {"get_object": get_object, "context": _context, "template": "things/detail.html", "url_name": URL_NAME}
    return ObjectPage(**{**options, **overrides})


def _post(data=None, *, user=None):
    request = RequestFactory().post("/things/7/act/", data or {})
    request.user = user or SimpleNamespace(is_authenticated=True, pk=1)
    request.session = SessionStore()
    request._messages = FallbackStorage(request)
    return request


def _refusal(status=400, fields=None, code="things.bad"):
    return BusinessRuleError(code, "不行。", fields=fields, status_code=status)


def _raise(error):
    def action(obj):
        raise error

    return action


# --- act -------------------------------------------------------------------------------------------


def test_a_done_action_says_so_and_goes_back_to_the_detail_page(rendered):
    done = []
    request = _post()
    response = _page().act(request, 7, done.append, notice="好了。", anchor="opinions")
    assert response.status_code == 302
    assert response["Location"] == reverse(URL_NAME, args=[7]) + "#opinions"
    assert [obj.pk for obj in done] == [7]
    assert [str(m) for m in get_messages(request)] == ["好了。"]
    assert rendered == []


def test_a_refusal_naming_a_field_goes_on_the_form_and_keeps_the_refusals_status(rendered):
    form = NoteForm({"reason": "ok"})
    form.is_valid()
    refusal = _refusal(409, fields={"reason": ["things.bad"]})
    response = _page().act(_post(), 7, _raise(refusal), notice="-", form_name="note_form", form=form, extra={"x": 1})
    assert response.status_code == 409
    (page,) = rendered
    assert page.status == 409 and page.template == "things/detail.html"
    assert page.context["note_form"] is form and page.context["x"] == 1
    assert form.errors["reason"] == ["不行。"]
    assert page.context["error"] is None  # on the field, not repeated at the top


def test_a_refusal_naming_no_field_of_the_form_is_shown_at_the_top(rendered):
    form = NoteForm({})
    form.is_valid()
    _page().act(_post(), 7, _raise(WorkflowConflict("workflow.stale_version")), notice="-", form_name="f", form=form)
    (page,) = rendered
    assert page.status == 409
    assert page.context["error"] == conflict_message()
    assert not form.errors


def test_field_names_map_what_the_service_names_to_the_form(rendered):
    form = NoteForm({})
    form.is_valid()
    page = _page(field_names=lambda field: [{"due": "due_days"}.get(field, field)])
    page.act(_post(), 7, _raise(_refusal(fields={"due": ["x"]})), notice="-", form_name="f", form=form)
    assert form.errors["due_days"] == ["不行。"]


def test_without_a_form_the_refusal_is_shown_at_the_top(rendered):
    _page().act(_post(), 7, _raise(_refusal(fields={"reason": ["x"]})), notice="-")
    (page,) = rendered
    assert page.status == 400 and page.context["error"] == "不行。"


def test_may_not_is_a_403_and_renders_nothing(rendered):
    request = _post()
    with pytest.raises(PermissionDenied):
        _page().act(request, 7, _raise(_refusal(403)), notice="-")
    assert rendered == []
    assert list(get_messages(request)) == []


def test_an_object_outside_scope_is_404_before_anything_runs(rendered):
    ran = []
    with pytest.raises(Http404):
        _page().act(_post(), 404, ran.append, notice="-")
    assert ran == []


def test_the_template_may_be_chosen_from_the_context(rendered):
    page = _page(template=lambda request, context: f"things/{context['obj'].pk}.html")
    page.invalid(_post(), 7, "note_form", NoteForm({}))
    assert rendered[0].template == "things/7.html" and rendered[0].status == 400


# --- the action decorator ---------------------------------------------------------------------------


def _recording_view(calls, **options):
    @_page().action(NoteForm, "note_form", notice="已记录。", **options)
    def note(request, obj, data):
        calls.append((obj.pk, dict(data)))

    return note


def test_an_action_view_calls_its_service_with_the_cleaned_data():
    calls = []
    response = _recording_view(calls)(_post({"reason": "ab", "version": "3"}), pk=7)
    assert response.status_code == 302
    assert calls == [(7, {"reason": "ab", "due_days": None, "version": 3})]


def test_an_invalid_form_is_the_page_again_and_calls_nothing(rendered):
    calls = []
    response = _recording_view(calls)(_post({"reason": "too long"}), pk=7)
    assert response.status_code == 400 and calls == []
    assert rendered[0].context["note_form"].errors["reason"]


def test_a_lenient_action_runs_with_what_was_valid_and_no_version():
    calls = []
    _recording_view(calls, strict=False)(_post({"reason": "too long", "version": "3"}), pk=7)
    assert calls == [(7, {"due_days": None, "version": None})]


def test_an_action_view_takes_only_post_from_signed_in_users():
    calls = []
    view = _recording_view(calls)
    assert view(RequestFactory().get("/things/7/act/"), pk=7).status_code == 405
    anonymous = RequestFactory().post("/things/7/act/")
    anonymous.user = AnonymousUser()
    assert view(anonymous, pk=7).status_code == 302
    assert calls == []


def test_an_action_with_nothing_to_fill_in_gets_no_data():
    calls = []

    @_page().action(notice="-")
    def bare(request, obj, data):
        calls.append((obj.pk, data))

    assert bare(_post({"anything": "1"}), pk=7).status_code == 302
    assert calls == [(7, {})]


def test_a_form_factory_gets_the_object():
    seen = []

    @_page().action(lambda request, obj: seen.append(obj.pk) or NoteForm(request.POST), "f", notice="-")
    def note(request, obj, data):
        seen.append("service")

    note(_post({}), pk=7)
    assert seen == [7, "service"]


# --- helpers ---------------------------------------------------------------------------------------


def test_forbid_raises_only_for_403():
    forbid(_refusal(400))
    forbid(_refusal(409))
    with pytest.raises(PermissionDenied):
        forbid(_refusal(403))


def test_version_of_reads_only_a_valid_form():
    assert version_of(NoteForm({"version": "2"})) == 2
    assert version_of(NoteForm({"version": "2", "reason": "too long"})) is None
