"""Applies each signed-in user's remembered language; care mode is read by the templates.

A signed-in user without a choice sees the default language (zh-Hans), whatever their browser asks
for: bank desktops often run an English browser for people who work in Chinese. The sign-in page
still follows the browser, since nobody is known there yet.
"""

from django.conf import settings
from django.utils import translation


class UserPreferencesMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            translation.activate(user.language or settings.LANGUAGE_CODE)
            request.LANGUAGE_CODE = translation.get_language()
        return self.get_response(request)
