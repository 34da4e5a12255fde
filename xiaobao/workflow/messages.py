"""User-facing sentences for the workflow's own refusals. `WorkflowError.user_message()` reads them, so a page
shows them through `ui.messages.refusal_message` without the page layer knowing the workflow's codes."""

from __future__ import annotations

from django.utils.translation import gettext as _

from xiaobao.workflow import error_codes as codes
from xiaobao.workflow.exceptions import WorkflowConflict, WorkflowError


def conflict_message() -> str:
    return _("该任务已被他人处理或已变更，请刷新后重试")


def sentence(error: WorkflowError) -> str:
    """A user-facing sentence for a workflow refusal (its own detail is for developers).

    Conflicts (closed task, stale version, already claimed, process ended) share one sentence; every
    other code in error_codes.py has its own. A model refused at deploy also shows the technical
    detail, which names the BPMN element and attribute the modeller must fix.
    """
    if isinstance(error, WorkflowConflict):
        return conflict_message()
    known = {
        codes.NOT_CANDIDATE: _("您不在该任务的候选处理人范围内。"),
        codes.NOT_ASSIGNEE: _("该任务由他人处理，您不能执行此操作。"),
        codes.NOT_SUPERVISOR: _("您没有改派该机构任务的权限。"),
        codes.TARGET_NOT_ELIGIBLE: _("该用户无权处理此任务，请选择该机构有处理权限的人员。"),
        codes.INVALID_DATA: _("提交的内容有误，请检查后重试。"),
        codes.COMPLETE_ON_OBJECT: _("该任务请在业务页面上办理。"),
        codes.FILE_TOO_LARGE: _("文件过大。"),
        codes.UNKNOWN_PROCESS: _("该流程尚未部署。"),
        codes.NO_ORG_UNIT: _("业务对象没有所属机构，无法发起流程。"),
    }
    deploy = {
        codes.BPMN_MALFORMED: _("文件不是有效的 BPMN 流程：XML 格式有误或没有可执行的流程。"),
        codes.BPMN_FORBIDDEN_XML: _("出于安全原因，BPMN 文件不得包含 DTD、实体或外部引用。"),
        codes.BPMN_UNSUPPORTED: _("流程中含有本系统暂不支持的元素。"),
        codes.BPMN_INVALID: _("流程模型有误，流程引擎无法加载。"),
        codes.TASK_UNASSIGNED: _("有用户任务没有指定处理角色或处理人规则。"),
        codes.UNKNOWN_ROLE: _("流程引用了不存在的角色。"),
        codes.BAD_ORG_RULE: _("流程中的机构规则无效。"),
        codes.BAD_TIMER: _("流程中的定时器设置无效。"),
        codes.BAD_SCRIPT: _("脚本任务只能用 Python 编写。"),
        codes.UNKNOWN_SERVICE: _("服务任务引用的处理程序未注册。"),
        codes.CALL_CYCLE: _("流程中的调用活动形成了循环调用。"),
    }
    message = known.get(error.error_code)
    if message is None and error.error_code in deploy:
        message = deploy[error.error_code] + " " + _("详情：%(detail)s") % {"detail": error.detail}
    if message is None:
        message = _("操作未能完成：%(detail)s") % {"detail": error.detail}
    element = (error.fields or {}).get("element_id")
    if element and f"[{element[0]}]" not in message:
        message += " " + _("（节点：%(element)s）") % {"element": element[0]}
    return message
