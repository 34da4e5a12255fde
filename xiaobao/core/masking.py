"""Masking of personal data for display, logs and error pages (PIPL: mask by default).

`mask_*` helpers shape one known value; `mask_text` finds ID numbers, bank cards and
mobile numbers inside free text, so a log line or an error page cannot carry them whole.
"""

from __future__ import annotations

import logging
import re

from django.views.debug import ExceptionReporter, SafeExceptionReporterFilter

# Boundaries: a match may not sit inside a longer digit run or a decimal ("0.1234…"), so dates,
# amounts and timestamps stay readable; letters around it do not protect it ("ID110101…").
_B = r"(?<!\d)(?<!\d\.)"
_E = r"(?!\d)(?!\.\d)"
# 18-digit resident ID, last character may be X.
_ID_RE = re.compile(_B + r"[1-9]\d{16}[0-9Xx]" + _E)
# Bank cards: 16-19 digits, bare or in groups of four separated by spaces or dashes.
_CARD_RE = re.compile(_B + r"(?:\d{16,19}|\d{4}(?:[ -]\d{4}){3}(?:[ -]?\d{1,3})?)" + _E)
# Mainland mobiles, with an optional +86/0086/86 prefix and 3-4-4 separators ("138-1234-5678").
_MOBILE_RE = re.compile(_B + r"((?:(?:\+|00)?86[ -]?)?)(1[3-9]\d[ -]?\d{4}[ -]?\d{4})" + _E)


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
    # Lazy proxies (settings, translations) pass isinstance(str) but the re module refuses them.
    text = str(text)
    # IDs first: an 18-digit ID is also 18 digits of "card"; masked digits cannot match again.
    text = _ID_RE.sub(lambda m: mask_id_number(m.group(0)), text)
    text = _CARD_RE.sub(lambda m: mask_bank_account(_digits(m.group(0))), text)
    return _MOBILE_RE.sub(lambda m: m.group(1) + mask_phone(_digits(m.group(2))), text)


def personal_data_spans(text: str) -> list[tuple[int, int, str]]:
    """Where ID numbers, bank cards and mobile numbers sit in `text`: (start, end, kind) sorted, not
    overlapping (an 18-digit ID is not counted again as a card). kind: id_number | bank_card | phone."""
    if not text:
        return []
    found: list[tuple[int, int, str]] = []

    def free(start: int, end: int) -> bool:
        return all(end <= s or start >= e for s, e, _k in found)

    for pattern, kind in ((_ID_RE, "id_number"), (_CARD_RE, "bank_card"), (_MOBILE_RE, "phone")):
        for match in pattern.finditer(text):
            start = match.start(2) if kind == "phone" else match.start()
            if free(start, match.end()):
                found.append((start, match.end(), kind))
    return sorted(found)


def mask_text_keep_length(text: str) -> tuple[str, list[tuple[int, int, str]]]:
    """`text` with every ID number, bank card and mobile masked digit by digit, so offsets into the text
    still point at the same characters (a highlighted hit stays in place); also returns the spans found.
    Keeps the first 3 and last 4 digits of IDs and mobiles, the first 4 and last 4 of cards."""
    spans = personal_data_spans(text)
    if not spans:
        return text, spans
    chars = list(text)
    for start, end, kind in spans:
        positions = [i for i in range(start, end) if chars[i].isdigit() or chars[i] in "Xx"]
        head, tail = (4, 4) if kind == "bank_card" else (3, 4)
        for i in positions[head : len(positions) - tail]:
            chars[i] = "*"
    return "".join(chars), spans


def _digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


# Which helper masks a personal-data field, guessed from its name (audit rows of reveals).
_FIELD_MASKS = (
    (("mobile", "phone", "tel"), mask_phone),
    (("id_number", "id_no", "idcard", "id_card", "certificate"), mask_id_number),
    (("bank", "account", "card"), mask_bank_account),
    (("name",), mask_name),
)


def mask_field_value(field_name: str, value: str) -> str:
    """Mask `value` the way its field calls for; unknown fields keep only first and last character."""
    if not value:
        return value
    lowered = field_name.lower()
    for words, mask in _FIELD_MASKS:
        if any(word in lowered for word in words):
            return mask(value)
    masked = mask_text(value)
    if masked != value:
        return masked
    return value[0] + _stars(len(value) - 2) + value[-1] if len(value) > 2 else _stars(len(value))


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
        if record.stack_info:
            record.stack_info = mask_text(record.stack_info)
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


class MaskingExceptionReporter(ExceptionReporter):
    """DEBUG error pages and error mails, masked as a whole.

    The filter above masks the values it is shown, but the page also carries the exception
    message, GET parameters, cookies, the raw URL, source lines and the repr of non-string
    locals (a dict holding an ID number); masking the rendered output covers them all.
    """

    def get_traceback_html(self):
        return mask_text(super().get_traceback_html())

    def get_traceback_text(self):
        return mask_text(super().get_traceback_text())
