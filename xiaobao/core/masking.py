"""Masking of personal data for display, logs and error pages (PIPL: mask by default).

`mask_*` helpers shape one known value; `mask_text` finds ID numbers, bank cards and
mobile numbers inside free text, so a log line or an error page cannot carry them whole.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import SafeExceptionReporterFilter

# 18-digit resident ID (last may be X), bank cards (16-19 digits), mainland mobiles.
_ID_RE = re.compile(r"(?<![0-9A-Za-z])([1-9]\d{5})(\d{8})(\d{3}[0-9Xx])(?![0-9A-Za-z])")
_CARD_RE = re.compile(r"(?<!\d)(\d{4})(\d{8,11})(\d{4})(?!\d)")
_MOBILE_RE = re.compile(r"(?<!\d)(1[3-9]\d)(\d{4})(\d{4})(?!\d)")


def _stars(n: int) -> str:
    return "*" * n


def mask_id_number(value: str) -> str:
    """110101199003071234 -> 110***********1234 (first 3, last 4)."""
    if not value:
        return value
    if len(value) <= 7:
        return _stars(len(value))
    return value[:3] + _stars(len(value) - 7) + value[-4:]


def mask_phone(value: str) -> str:
    """13812345678 -> 138****5678; short numbers keep only the last 2."""
    if not value:
        return value
    if len(value) >= 11:
        return value[:3] + _stars(len(value) - 7) + value[-4:]
    return _stars(max(len(value) - 2, 0)) + value[-2:]


def mask_bank_account(value: str) -> str:
    """6222021234567890123 -> 6222***********0123."""
    if not value:
        return value
    if len(value) <= 8:
        return _stars(len(value))
    return value[:4] + _stars(len(value) - 8) + value[-4:]


def mask_name(value: str) -> str:
    """张三丰 -> 张**; a Latin name keeps its first letter."""
    if not value:
        return value
    return value[0] + _stars(len(value) - 1)


def mask_text(text: str) -> str:
    """Mask every ID number, bank card and mobile number found in free text."""
    if not text:
        return text
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _CARD_RE.sub(lambda m: mask_bank_account(m.group(0)), text)
    return _MOBILE_RE.sub(lambda m: mask_phone(m.group(0)), text)


class MaskPersonalDataFilter(logging.Filter):
    """Logging filter: renders the message, masks it, and drops the args so nothing leaks."""

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # a broken format string must not lose the log line
            message = str(record.msg)
        record.msg = mask_text(message)
        record.args = None
        if record.exc_info and record.exc_info[1] is not None and not record.exc_text:
            record.exc_text = mask_text(logging.Formatter().formatException(record.exc_info))
        elif record.exc_text:
            record.exc_text = mask_text(record.exc_text)
        return True


class MaskingExceptionReporterFilter(SafeExceptionReporterFilter):
    """Error pages and error mails: settings and local variables shown masked."""

    def cleanse_setting(self, key, value):
        value = super().cleanse_setting(key, value)
        return mask_text(value) if isinstance(value, str) else value

    def get_traceback_frame_variables(self, request, tb_frame):
        return [
            (name, mask_text(value) if isinstance(value, str) else value)
            for name, value in super().get_traceback_frame_variables(request, tb_frame)
        ]

    def get_post_parameters(self, request):
        params = super().get_post_parameters(request)
        if not params:
            return params
        params = params.copy()
        for key in params:
            params.setlist(key, [mask_text(v) if isinstance(v, str) else v for v in params.getlist(key)])
        return params
