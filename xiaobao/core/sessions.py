"""The idle timeout without a database write per page view.

Saving the session on every request (SESSION_SAVE_EVERY_REQUEST) made every GET a write: on SQLite one
stuck writer then blocked all browsing, and at scale the session table took a write per click. Here a
signed-in session is saved (its expiry pushed SESSION_COOKIE_AGE ahead) at most once per
SESSION_TOUCH_INTERVAL_SECONDS; the requests in between only read it. The idle timeout therefore holds to
within that interval: a session expires between (age - interval) and age after its last request.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver

#: the session key holding when the session was last saved to extend its expiry (seconds since the epoch)
TOUCHED = "_idle_touched"


class IdleSessionMiddleware:
    """Extend a non-empty session's expiry when it was last extended over the touch interval ago.

    Listed after SessionMiddleware, so it runs before that one saves what was modified.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is None or session.modified or session.is_empty():
            return response  # nothing to keep alive, or it is being saved anyway
        now = int(time.time())
        touched = session.get(TOUCHED)
        if not isinstance(touched, int) or now - touched >= settings.SESSION_TOUCH_INTERVAL_SECONDS:
            session[TOUCHED] = now  # marks the session modified: SessionMiddleware saves it with a new expiry
        return response


@receiver(user_logged_in, dispatch_uid="xiaobao.core.sessions.signed_in")
def _signed_in(sender, request, user, **kwargs):
    """Signing in saves the session anyway: count it as the first extension, so the next page is only a read."""
    if request is not None and hasattr(request, "session"):
        request.session[TOUCHED] = int(time.time())
