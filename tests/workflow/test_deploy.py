import pytest

from tests.workflow.conftest import bpmn_bytes
from xiaobao.workflow import error_codes as codes
from xiaobao.workflow import services
from xiaobao.workflow.exceptions import WorkflowError
from xiaobao.workflow.models import ProcessDefinition

HEAD = '<?xml version="1.0" encoding="UTF-8"?>'
NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:xiaobao="urn:xiaobao:bpmn:1.0"'
ROLE = '<bpmn:extensionElements><xiaobao:properties><xiaobao:property name="role" value="{role}"/></xiaobao:properties></bpmn:extensionElements>'


def model(body: str) -> bytes:
    return f'{HEAD}<bpmn:definitions {NS} id="d" targetNamespace="t"><bpmn:process id="p" isExecutable="true">{body}</bpmn:process></bpmn:definitions>'.encode()


def refusal(content: bytes) -> WorkflowError:
    with pytest.raises(WorkflowError) as caught:
        services.deploy(content=content)
    return caught.value


def test_version_is_the_content_hash_and_identical_content_deploys_once(cast, deploy):
    first = deploy("approval_xiaobao.bpmn")
    again = deploy("approval_xiaobao.bpmn")
    assert first.pk == again.pk
    assert len(first.version) == 64
    assert ProcessDefinition.objects.filter(key="test_approval").count() == 1


def test_changed_content_becomes_the_current_version(cast, deploy):
    old = deploy("approval_xiaobao.bpmn")
    changed = bpmn_bytes("approval_xiaobao.bpmn").replace("测试审批".encode(), "测试审批二".encode())
    new = services.deploy(content=changed)
    old.refresh_from_db()
    assert new.version != old.version
    assert new.is_current and not old.is_current


def test_app_processes_are_deployed_at_migrate(db):
    assert ProcessDefinition.objects.filter(key="generic_approval", is_current=True).exists()


def test_malformed_xml_is_refused(cast):
    assert refusal(b"<bpmn:definitions").error_code == codes.BPMN_MALFORMED


def test_a_dtd_with_entities_is_refused(cast):
    content = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY x "boom">]><d>&x;</d>'
    assert refusal(content).error_code == codes.BPMN_FORBIDDEN_XML


def test_an_unsupported_element_is_refused_naming_it(cast):
    error = refusal(model('<bpmn:startEvent id="s"/><bpmn:complexGateway id="cg1"/>'))
    assert error.error_code == codes.BPMN_UNSUPPORTED
    assert error.fields == {"element_id": ["cg1"]}
    assert "complexGateway" in str(error.detail)


def test_a_user_task_without_assignment_is_refused(cast):
    error = refusal(model('<bpmn:startEvent id="s"/><bpmn:userTask id="nobody" name="无人"/>'))
    assert error.error_code == codes.TASK_UNASSIGNED
    assert error.fields == {"element_id": ["nobody"]}


def test_an_unknown_role_is_refused(cast):
    error = refusal(model(f'<bpmn:userTask id="t1">{ROLE.format(role="wizard")}</bpmn:userTask>'))
    assert error.error_code == codes.UNKNOWN_ROLE


def test_a_time_duration_is_written_P15D_not_PT15D(cast):
    body = '<bpmn:intermediateCatchEvent id="wait"><bpmn:timerEventDefinition><bpmn:timeDuration>PT15D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>'
    error = refusal(model(body))
    assert error.error_code == codes.BAD_TIMER
    assert error.fields == {"element_id": ["wait"]}


def test_scripts_must_be_python(cast):
    error = refusal(
        model('<bpmn:scriptTask id="js" scriptFormat="javascript"><bpmn:script>1</bpmn:script></bpmn:scriptTask>')
    )
    assert error.error_code == codes.BAD_SCRIPT


def test_an_unregistered_service_handler_is_refused(cast):
    body = '<bpmn:serviceTask id="svc"><bpmn:extensionElements><xiaobao:properties><xiaobao:property name="handler" value="nope"/></xiaobao:properties></bpmn:extensionElements></bpmn:serviceTask>'
    assert refusal(model(body)).error_code == codes.UNKNOWN_SERVICE


def test_a_model_the_engine_cannot_load_is_refused(cast):
    # a sequence flow to an element that does not exist
    body = '<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="ghost"/>'
    assert refusal(model(body)).error_code == codes.BPMN_INVALID


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("camunda_modeler.bpmn", "camunda_review"),
        ("bpmn_io_lanes.bpmn", "bpmnio_complaint"),
        ("spiffarena.bpmn", "spiff_refund"),
    ],
)
def test_files_from_common_modelers_deploy(cast, deploy, name, key):
    assert deploy(name).key == key


def test_lane_names_become_role_codes(cast, deploy):
    meta = deploy("bpmn_io_lanes.bpmn").meta
    assert meta["user_tasks"]["Task_handle"]["role"] == "branch_officer"
    assert meta["user_tasks"]["Task_check"]["role"] == "hq_admin"
