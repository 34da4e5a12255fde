"""The actions on a business object's detail page, one shape for every app whose objects run a process
(work orders, complaints, reviews).

An action is one service call; `ObjectPage.action` makes it the POST view (or a view parses its own form and
hands the call to `act`, or to `submit`, which checks the form first). Done: a message and a redirect to the detail page. Refused: the detail page again, the message on
the form's fields when the refusal names them (else at the top), with the refusal's own status — 400 a rule,
409 the object moved on; "you may not" (403) is Django's PermissionDenied, as the API answers 403. Nothing here
decides a rule: the services decide, and the page only shows what they said.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.ui.messages import put_on_form, refusal_message


def forbid(refusal: BusinessRuleError) -> None:
    """Raise Django's PermissionDenied for a 403 refusal ("you may not"); any other refusal is the page's to show."""
    if refusal.status_code == 403:
        raise PermissionDenied(refusal_message(refusal)) from refusal


def version_of(form) -> int | None:
    """The task version the form carried (a hidden input), when the form is valid; the service refuses a stale one."""
    return form.cleaned_data.get("version") if form.is_valid() else None


@dataclass(frozen=True)
class ObjectPage:
    """One app's detail page and its actions.

    get_object(user, pk): the object in the user's scope (404 outside it, as the selectors do).
    context(request, obj, **forms): the page's context; a form passed by name replaces the page's fresh one.
    template: the template's name, or a function (request, context) -> name.
    url_name: the detail page's URL name (it takes the pk).
    field_names: for `put_on_form`, the form fields a field named by a service may be.
    """

    get_object: Callable
    context: Callable
    template: str | Callable
    url_name: str
    field_names: Callable | None = None

    def render(self, request, pk: int, *, status: int, error: str | None = None, forms: dict | None = None):
        """The detail page as it is now, with the forms given and the error at the top (if any)."""
        obj = self.get_object(request.user, pk)
        context = self.context(request, obj, **(forms or {}))
        context["error"] = error
        template = self.template if isinstance(self.template, str) else self.template(request, context)
        return render(request, template, context, status=status)

    def refused(self, request, pk: int, refusal: BusinessRuleError, *, form_name="", form=None, extra=None):
        """The page again with the refusal: on the form's fields if it names them, else at the top."""
        forbid(refusal)
        placed = False
        if form is not None:
            placed = put_on_form(form, refusal, fallback=False, field_names=self.field_names)
        forms = {**({form_name: form} if form is not None else {}), **(extra or {})}
        # The object may have moved on (another tab, another person): the form may be gone, the message must not be.
        error = None if placed else refusal_message(refusal)
        return self.render(request, pk, status=refusal.status_code, error=error, forms=forms)

    def act(self, request, pk: int, action, *, notice: str, form_name="", form=None, anchor="", extra=None):
        """Run `action(obj)` (one service call); a refusal re-renders the page (400/409), "may not" is a 403.

        `extra` goes to the page's context with the form (e.g. which opinion's edit form it is).
        """
        obj = self.get_object(request.user, pk)
        try:
            action(obj)
        except BusinessRuleError as refusal:  # WorkflowError is one
            return self.refused(request, pk, refusal, form_name=form_name, form=form, extra=extra)
        messages.success(request, notice)
        return redirect(reverse(self.url_name, args=[pk]) + (f"#{anchor}" if anchor else ""))

    def invalid(self, request, pk: int, form_name: str, form, extra=None):
        """The page again with the form's own errors (400)."""
        return self.render(request, pk, status=400, forms={form_name: form, **(extra or {})})

    def submit(self, request, pk: int, form, form_name: str, action, *, notice: str, anchor="", extra=None):
        """Check `form` (invalid: the page again, 400), then `act` with `action(obj, form.cleaned_data)`."""
        if not form.is_valid():
            return self.invalid(request, pk, form_name, form, extra=extra)
        return self.act(
            request,
            pk,
            lambda obj: action(obj, form.cleaned_data),
            notice=notice,
            form_name=form_name,
            form=form,
            anchor=anchor,
            extra=extra,
        )

    def action(self, form=None, form_name: str = "", *, notice, anchor: str = "", strict: bool = True, allowed=None):
        """Decorator: `service(request, obj, data)`, one service call, becomes the action's POST view
        (signed-in users only; `data` is the form's cleaned data).

        form: the form class (bound to the POST and its files), or a function (request, obj) -> bound form when
            it needs choices; None when there is nothing to fill in.
        form_name: the form's name in the page's context: a refusal naming its fields goes on them. Empty: the
            refusal is shown at the top.
        strict: an invalid form is the page again (400). Not strict: the service is called with what was valid
            (it refuses what is missing, such as an empty reason) and `data["version"]` only from a valid form.
        notice: the message on success (lazy: it is shown in the user's language); anchor: where the redirect lands.
        allowed: (user, obj) -> bool, whether the user ever takes this action on the object; False is a 403
            before the form or the object's state is looked at (permission before state, as the API).
        """

        def decorate(service):
            @require_POST
            @login_required
            @functools.wraps(service)
            def view(request, pk: int):
                if allowed is not None and not allowed(request.user, self.get_object(request.user, pk)):
                    raise PermissionDenied
                bound = self._bind(form, request, pk)
                if bound is not None and strict and not bound.is_valid():
                    return self.invalid(request, pk, form_name, bound)
                data = {}
                if bound is not None and strict:
                    data = bound.cleaned_data
                elif bound is not None:
                    valid = bound.is_valid()
                    data = {**bound.cleaned_data, "version": bound.cleaned_data.get("version") if valid else None}
                return self.act(
                    request,
                    pk,
                    lambda obj: service(request, obj, data),
                    notice=str(notice),
                    form_name=form_name,
                    form=bound if form_name else None,
                    anchor=anchor,
                )

            return view

        return decorate

    def _bind(self, form, request, pk: int):
        if form is None:
            return None
        if isinstance(form, type):
            return form(request.POST, request.FILES)
        return form(request, self.get_object(request.user, pk))
