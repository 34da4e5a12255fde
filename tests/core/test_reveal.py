"""personal_data_reveal: plaintext only with a reason, inside scope, and always audited."""

import pytest

from xiaobao.core import error_codes as codes
from xiaobao.core import services
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import AuditEntry

pytestmark = pytest.mark.django_db

MOBILE = "13812345678"


@pytest.fixture
def cast_with_mobile(cast):
    services.user_set_mobile(user=cast.officer_a, actor=cast.hq_admin, mobile=MOBILE)
    return cast


def reveal(actor, obj, reason="核实投诉人身份", field="mobile"):
    return services.personal_data_reveal(actor=actor, obj=obj, field=field, reason=reason)


def refusal(actor, obj, **kwargs):
    before = AuditEntry.objects.filter(action="personal_data.reveal").count()
    with pytest.raises(BusinessRuleError) as excinfo:
        reveal(actor, obj, **kwargs)
    assert AuditEntry.objects.filter(action="personal_data.reveal").count() == before
    return excinfo.value


def test_it_returns_the_plaintext(cast_with_mobile):
    assert reveal(cast_with_mobile.hq_admin, cast_with_mobile.officer_a) == MOBILE


def test_it_writes_an_audit_row_with_reason_field_and_masked_value(cast_with_mobile):
    cast = cast_with_mobile
    reveal(cast.hq_admin, cast.officer_a, reason="  核实投诉人身份  ")
    row = AuditEntry.objects.filter(action="personal_data.reveal").get()
    assert (row.actor, row.reason, row.object_id) == (cast.hq_admin, "核实投诉人身份", str(cast.officer_a.pk))
    assert row.changes == {"field": "mobile", "value": "138****5678"}
    assert row.org_unit == cast.branch_a


def test_it_reveals_what_is_stored_not_the_callers_copy(cast_with_mobile):
    obj = cast_with_mobile.officer_a
    obj.mobile = "13900000000"  # unsaved
    assert reveal(cast_with_mobile.hq_admin, obj) == MOBILE


def test_an_officer_may_reveal_inside_own_subtree(cast_with_mobile):
    assert reveal(cast_with_mobile.officer_a, cast_with_mobile.officer_a) == MOBILE


def test_a_user_may_reveal_own_data_without_a_role(cast):
    services.user_set_mobile(user=cast.outsider, actor=cast.outsider, mobile=MOBILE)
    assert reveal(cast.outsider, cast.outsider) == MOBILE


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_it_refuses_without_a_reason(cast_with_mobile, reason):
    error = refusal(cast_with_mobile.hq_admin, cast_with_mobile.officer_a, reason=reason)
    assert error.error_code == codes.REVEAL_REASON_REQUIRED
    assert MOBILE not in str(error.detail)


def test_it_refuses_a_reason_longer_than_the_audit_column(cast_with_mobile):
    error = refusal(cast_with_mobile.hq_admin, cast_with_mobile.officer_a, reason="查" * 501)
    assert error.error_code == codes.REVEAL_REASON_TOO_LONG


def test_it_refuses_an_object_outside_the_actors_scope(cast_with_mobile):
    error = refusal(cast_with_mobile.officer_b, cast_with_mobile.officer_a)
    assert (error.error_code, error.status_code) == (codes.REVEAL_NOT_ALLOWED, 403)


def test_it_refuses_a_user_without_a_role(cast_with_mobile):
    error = refusal(cast_with_mobile.outsider, cast_with_mobile.officer_a)
    assert error.error_code == codes.REVEAL_NOT_ALLOWED


def test_it_refuses_a_field_that_is_not_encrypted_personal_data(cast_with_mobile):
    error = refusal(cast_with_mobile.hq_admin, cast_with_mobile.officer_a, field="username")
    assert error.error_code == codes.REVEAL_FIELD_NOT_PERSONAL
