"""Deploy edge cases: fractional ISO 8601 timers, call activities that call themselves, identical re-deploys."""

from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import translation
from rest_framework.test import APIClient

from tests.workflow.test_deploy import HEAD, NS, ROLE, model, refusal
from xiaobao.workflow import bpmn, services
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.models import ProcessDefinition

SHANGHAI = ZoneInfo("Asia/Shanghai")


def timer(expression: str, kind: str = "timeDuration") -> bytes:
    return model(
        '<bpmn:startEvent id="s"/><bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition>'
        f"<bpmn:{kind}>{expression}</bpmn:{kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>"
        '<bpmn:endEvent id="e"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="wait"/>'
        '<bpmn:sequenceFlow id="f2" sourceRef="wait" targetRef="e"/>'
    )


@pytest.mark.parametrize("expression", ["PT1.5S", "PT0,5S", "PT0.25H", "P0.5D", "PT1M30.5S", "P1DT0.5H"])
def test_a_fractional_duration_is_accepted(cast, expression):
    definition = services.deploy(content=timer(expression))
    assert definition.meta["timers"]["wait"]["expr"] == expression


@pytest.mark.parametrize("expression", ["PT1.5H30M", "P0.5DT1H", "PT.5S", "PT1.S", "PT15D", "P", "PT"])
def test_a_fraction_anywhere_but_the_last_part_or_a_malformed_duration_is_refused(cast, expression):
    error = refusal(timer(expression))
    assert error.error_code == codes.BAD_TIMER
    assert error.fields == {"element_id": ["wait"]}


@pytest.mark.parametrize(
    "moment", ["2030-01-02T03:04:05.5+08:00", "2030-01-02T03:04:05.123456Z", "2030-01-02T03:04:05,25+08:00"]
)
def test_a_time_date_with_fractional_seconds_is_accepted(cast, moment):
    definition = services.deploy(content=timer(moment, kind="timeDate"))
    assert definition.meta["timers"]["wait"]["kind"] == "date"


def test_fractional_durations_are_wall_clock_time():
    start = datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    assert bpmn.duration_end(bpmn.parse_duration("PT1.5S"), start) == datetime(2026, 3, 2, 9, 0, 1, 500000, SHANGHAI)
    assert bpmn.duration_end(bpmn.parse_duration("PT0,25H"), start) == datetime(2026, 3, 2, 9, 15, tzinfo=SHANGHAI)
    assert bpmn.duration_end(bpmn.parse_duration("P0.5D"), start) == datetime(2026, 3, 2, 21, 0, tzinfo=SHANGHAI)


def test_whole_days_count_on_the_calendar_and_anything_else_on_the_clock():
    assert bpmn.whole_days(bpmn.parse_duration("P15D")) == 15
    assert bpmn.whole_days(bpmn.parse_duration("P2W")) == 14
    assert bpmn.whole_days(bpmn.parse_duration("P1.5D")) is None
    assert bpmn.whole_days(bpmn.parse_duration("P1DT2H")) is None
    assert bpmn.whole_days(bpmn.parse_duration("P1M")) is None
    assert bpmn.parse_duration("P1,5D") == {"days": Decimal("1.5")}


def test_a_month_from_the_31st_ends_on_the_last_day_of_the_next_month():
    start = datetime(2026, 1, 31, 10, 0, tzinfo=SHANGHAI)
    assert bpmn.duration_end(bpmn.parse_duration("P1M"), start) == datetime(2026, 2, 28, 10, 0, tzinfo=SHANGHAI)
    assert bpmn.duration_end(bpmn.parse_duration("P1Y"), start) == datetime(2027, 1, 31, 10, 0, tzinfo=SHANGHAI)


def _with_calls(*processes: tuple[str, str]) -> bytes:
    """A file of processes, each (id, the process its call activity calls or "" for a plain user task)."""
    body = ""
    for key, calls in processes:
        step = (
            f'<bpmn:callActivity id="call_{key}" calledElement="{calls}"/>'
            if calls
            else f'<bpmn:userTask id="t_{key}">{ROLE.format(role="branch_officer")}</bpmn:userTask>'
        )
        inner = "call_" + key if calls else "t_" + key
        body += (
            f'<bpmn:process id="{key}" isExecutable="true"><bpmn:startEvent id="s_{key}"/>{step}'
            f'<bpmn:endEvent id="e_{key}"/><bpmn:sequenceFlow id="a_{key}" sourceRef="s_{key}" targetRef="{inner}"/>'
            f'<bpmn:sequenceFlow id="b_{key}" sourceRef="{inner}" targetRef="e_{key}"/></bpmn:process>'
        )
    return f'{HEAD}<bpmn:definitions {NS} id="d" targetNamespace="t">{body}</bpmn:definitions>'.encode()


def test_a_call_activity_calling_its_own_process_is_refused(cast):
    error = refusal(_with_calls(("main", "main")))
    assert error.error_code == codes.CALL_CYCLE
    assert error.fields == {"element_id": ["call_main"]}
    assert not ProcessDefinition.objects.filter(key="main").exists()


def test_a_call_cycle_through_other_processes_is_refused(cast):
    error = refusal(_with_calls(("main", "second"), ("second", "third"), ("third", "second")))
    assert error.error_code == codes.CALL_CYCLE
    assert "second" in str(error.detail) and "third" in str(error.detail)


def test_a_call_to_a_process_not_in_the_file_is_refused(cast):
    error = refusal(_with_calls(("main", "elsewhere")))
    assert error.error_code == codes.BPMN_INVALID
    assert error.fields == {"element_id": ["call_main"]}


def test_a_chain_of_calls_without_a_cycle_deploys(cast):
    definition = services.deploy(content=_with_calls(("main", "second"), ("second", "leaf"), ("leaf", "")))
    assert definition.key == "main"


def test_deploy_refusals_are_in_the_users_language_without_python_reprs(cast):
    unknown_role = model(f'<bpmn:userTask id="t1">{ROLE.format(role="wizard")}</bpmn:userTask>')
    with translation.override("zh-hans"):
        detail = str(refusal(unknown_role).detail)
    assert "“wizard”" in detail and "'wizard'" not in detail
    assert any("\u4e00" <= ch <= "\u9fff" for ch in detail)
    with translation.override("en"):
        detail = str(refusal(unknown_role).detail)
    assert detail == "The role “wizard” does not exist. [t1]"


# --- identical re-deploys ----------------------------------------------------------------------------

VALID = model(
    '<bpmn:startEvent id="s"/><bpmn:userTask id="t" name="办理">'
    f'{ROLE.format(role="branch_officer")}</bpmn:userTask><bpmn:endEvent id="e"/>'
    '<bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/>'
)
CHANGED = VALID.replace(b'name="\xe5\x8a\x9e\xe7\x90\x86"', 'name="复核"'.encode())


@pytest.fixture
def as_user():
    def make(user):
        client = APIClient()
        client.force_authenticate(user)
        return client

    return make


def _upload(client, content: bytes):
    return client.post(
        "/api/v1/workflow/definitions/", {"file": SimpleUploadedFile("p.bpmn", content, "text/xml")}, format="multipart"
    )


def test_an_identical_redeploy_is_a_no_op_answered_200(cast, as_user):
    client = as_user(cast.hq_admin)
    first = _upload(client, VALID)
    assert first.status_code == 201 and first.json()["outcome"] == "deployed"
    again = _upload(client, VALID)
    assert again.status_code == 200, again.content
    assert again.json()["outcome"] == "unchanged"
    assert again.json()["id"] == first.json()["id"]
    assert ProcessDefinition.objects.filter(key="p").count() == 1


def test_redeploying_an_older_version_makes_it_current_again_without_a_copy(cast, as_user):
    client = as_user(cast.hq_admin)
    first = _upload(client, VALID).json()
    assert CHANGED != VALID
    assert _upload(client, CHANGED).status_code == 201
    back = _upload(client, VALID)
    assert back.status_code == 200
    assert back.json()["outcome"] == "made_current" and back.json()["id"] == first["id"]
    assert ProcessDefinition.objects.get(key="p", is_current=True).pk == first["id"]
    assert ProcessDefinition.objects.filter(key="p").count() == 2
