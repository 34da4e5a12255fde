"""API authentication. Its own module: DRF resolves DEFAULT_AUTHENTICATION_CLASSES while importing its views,
so this must not import anything that imports DRF's views (core.api does)."""

from __future__ import annotations

from django.utils import translation
from rest_framework import authentication


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, answering in the token owner's chosen language.

    Pages get the signed-in user's language from UserPreferencesMiddleware, but a token is only read inside
    the view, after the middleware ran: without this an integration account set to English would get
    refusals in the language its HTTP library happens to ask for. Without a choice, Accept-Language decides.
    """

    def authenticate_credentials(self, key):
        user, token = super().authenticate_credentials(key)
        if user.language:
            translation.activate(user.language)
        return user, token
