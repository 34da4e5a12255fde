"""Masking helpers, and personal data kept out of logs and error pages (PIPL)."""

import io
import logging
import sys

import pytest
from django.test import RequestFactory, override_settings
from django.views.debug import technical_500_response

from xiaobao.core import masking
from xiaobao.core.masking import (
    MaskPersonalDataFilter,
    mask_bank_account,
    mask_field_value,
    mask_id_number,
    mask_name,
    mask_phone,
    mask_text,
)

ID_NUMBER = "110101199003071234"
ID_MASKED = "110***********1234"
CARD = "6222021234567890123"
CARD_MASKED = "6222***********0123"
MOBILE = "13812345678"
MOBILE_MASKED = "138****5678"


def test_id_number_keeps_first_three_and_last_four():
    assert mask_id_number(ID_NUMBER) == ID_MASKED


def test_id_number_ending_in_x_keeps_the_x():
    assert mask_id_number("11010119900307123X") == "110***********123X"


def test_phone_keeps_first_three_and_last_four():
    assert mask_phone(MOBILE) == MOBILE_MASKED


def test_short_phone_keeps_only_last_two():
    assert mask_phone("88886666") == "******66"


@pytest.mark.parametrize(
    ("card", "masked"),
    [("6222021234567890", "6222********7890"), (CARD, CARD_MASKED)],
)
def test_bank_account_keeps_first_and_last_four(card, masked):
    assert mask_bank_account(card) == masked


def test_name_keeps_the_family_name():
    assert mask_name("张三丰") == "张**"


def test_empty_values_stay_empty():
    assert (mask_id_number(""), mask_phone(""), mask_bank_account(""), mask_name(""), mask_text("")) == ("",) * 5


@pytest.mark.parametrize(
    ("text", "masked"),
    [
        (f"身份证号{ID_NUMBER}。", f"身份证号{ID_MASKED}。"),
        ("证件 11010119900307123X 已核验", "证件 110***********123X 已核验"),
        ("证件 11010119900307123x", "证件 110***********123x"),
        (f"ID{ID_NUMBER}", f"ID{ID_MASKED}"),
        ("卡号6222021234567890,", "卡号6222********7890,"),
        (f"卡号{CARD}", f"卡号{CARD_MASKED}"),
        ("卡号 6222 0212 3456 7890 123", f"卡号 {CARD_MASKED}"),
        (f"手机{MOBILE}", f"手机{MOBILE_MASKED}"),
        ("手机 138-1234-5678", f"手机 {MOBILE_MASKED}"),
        ("手机 138 1234 5678", f"手机 {MOBILE_MASKED}"),
        ("tel=+8613812345678", f"tel=+86{MOBILE_MASKED}"),
        (f"{MOBILE}/{ID_NUMBER}", f"{MOBILE_MASKED}/{ID_MASKED}"),
    ],
)
def test_mask_text_finds_personal_data_in_free_text(text, masked):
    assert mask_text(text) == masked


@pytest.mark.parametrize(
    "text",
    [
        "2024年3月15日",
        "金额12345.67元",
        "金额1,234,567.89元",
        "2024-03-15 10:30:00.123456",
        "20240315",
        "时间戳1710480000123",
        "比例0.12345678901234567",
        "流水号12345678901234567890123",
        "投诉编号TS-2024-000123",
    ],
)
def test_mask_text_leaves_dates_amounts_and_other_numbers_alone(text):
    assert mask_text(text) == text


@pytest.mark.parametrize(
    ("field", "value", "masked"),
    [
        ("mobile", MOBILE, MOBILE_MASKED),
        ("id_number", ID_NUMBER, ID_MASKED),
        ("bank_account", CARD, CARD_MASKED),
        ("customer_name", "张三丰", "张**"),
        ("note", "abcdef", "a****f"),
    ],
)
def test_mask_field_value_picks_the_helper_by_field_name(field, value, masked):
    assert mask_field_value(field, value) == masked


# --- logs ------------------------------------------------------------------------------


def _masking_console_handler():
    handlers = [
        h for h in logging.getLogger().handlers if any(isinstance(f, MaskPersonalDataFilter) for f in h.filters)
    ]
    assert handlers, "LOGGING must put the mask_personal_data filter on the root console handler"
    return handlers[0]


def _capture(handlers):
    """Point each stream handler at a buffer; returns (buffers, restore)."""
    buffers, old = [], []
    for handler in handlers:
        buffer = io.StringIO()
        old.append((handler, handler.setStream(buffer)))
        buffers.append(buffer)

    def restore():
        for handler, stream in old:
            handler.setStream(stream)

    return buffers, restore


def test_configured_console_handler_logs_only_masked_personal_data():
    (buffer,), restore = _capture([_masking_console_handler()])
    try:
        logging.getLogger("xiaobao.tests").warning("客户证件%s 银行卡%s 手机%s", ID_NUMBER, CARD, MOBILE)
        try:
            raise ValueError(f"bad id {ID_NUMBER}")
        except ValueError:
            logging.getLogger("xiaobao.tests").exception("failed for %s", MOBILE)
    finally:
        restore()
    output = buffer.getvalue()
    assert ID_MASKED in output and CARD_MASKED in output and MOBILE_MASKED in output
    for plain in (ID_NUMBER, CARD, MOBILE):
        assert plain not in output


@override_settings(DEBUG=True)
def test_every_handler_django_request_reaches_masks(settings):
    # Django's default LOGGING hangs an unmasked DEBUG console handler on "django"; ours must replace it.
    handlers, logger = [], logging.getLogger("django.request")
    while logger:
        handlers += [
            h for h in logger.handlers if hasattr(h, "setStream") and not type(h).__module__.startswith("_pytest")
        ]
        logger = logger.parent if logger.propagate else None
    buffers, restore = _capture(handlers)
    try:
        logging.getLogger("django.request").error("Internal Server Error: /customers/%s/", ID_NUMBER)
        logging.getLogger("django.server").info('"GET /search?mobile=%s HTTP/1.1" 200 12', MOBILE)
    finally:
        restore()
    output = "".join(b.getvalue() for b in buffers)
    assert ID_MASKED in output
    assert ID_NUMBER not in output and MOBILE not in output


# --- error pages -------------------------------------------------------------------------


def _raise_with_personal_data_in_locals():
    id_number = masking.mask_text.__name__ and ID_NUMBER  # a string local
    customer = {"name": "张三", "id_number": ID_NUMBER, "card": CARD}  # a non-string local
    raise ValueError(f"customer {customer['name']} mobile {MOBILE} id {id_number}")


@pytest.mark.parametrize("accept", ["text/html", "text/plain"])
@override_settings(DEBUG=True)
def test_technical_500_page_shows_personal_data_only_masked(accept):
    request = RequestFactory().post(
        f"/customers/?id_number={ID_NUMBER}",
        data={"id_number": ID_NUMBER, "mobile": MOBILE},
        HTTP_ACCEPT=accept,
    )
    try:
        _raise_with_personal_data_in_locals()
    except ValueError:
        response = technical_500_response(request, *sys.exc_info())
    page = response.content.decode()
    assert response.status_code == 500
    assert "_raise_with_personal_data_in_locals" in page  # it is the real technical page
    assert ID_MASKED in page and MOBILE_MASKED in page
    for plain in (ID_NUMBER, CARD, MOBILE):
        assert plain not in page
