"""Refusals a user can cause in the workflow runtime. Tests assert these codes, not the wording."""

# deploy
BPMN_MALFORMED = "workflow.bpmn_malformed"  # not well-formed XML, or no executable process
BPMN_FORBIDDEN_XML = "workflow.bpmn_forbidden_xml"  # DTD, entities or external references
BPMN_UNSUPPORTED = "workflow.bpmn_unsupported"  # an element the runtime does not run
BPMN_INVALID = "workflow.bpmn_invalid"  # the engine's parser refused the model
TASK_UNASSIGNED = "workflow.task_unassigned"  # a user task with no role and no assignee rule
UNKNOWN_ROLE = "workflow.unknown_role"
BAD_ORG_RULE = "workflow.bad_org_rule"
BAD_TIMER = "workflow.bad_timer"  # a timer expression the runtime cannot schedule
BAD_SCRIPT = "workflow.bad_script"  # a script in a language other than Python
UNKNOWN_SERVICE = "workflow.unknown_service"  # a service task whose handler is not registered
CALL_CYCLE = "workflow.call_cycle"  # a call activity calls its own process, directly or through others
FILE_TOO_LARGE = "workflow.file_too_large"

# start
UNKNOWN_PROCESS = "workflow.unknown_process"
NO_ORG_UNIT = "workflow.no_org_unit"  # the business object has no org unit to scope the instance

# task actions
TASK_CLOSED = "workflow.task_closed"  # completed or cancelled already
STALE_VERSION = "workflow.stale_version"  # someone acted on the task since it was loaded
NOT_CANDIDATE = "workflow.not_candidate"
ALREADY_CLAIMED = "workflow.already_claimed"
NOT_ASSIGNEE = "workflow.not_assignee"
NOT_SUPERVISOR = "workflow.not_supervisor"  # reassign/cancel need workflow.change_processinstance in scope
TARGET_NOT_ELIGIBLE = "workflow.target_not_eligible"
INVALID_DATA = "workflow.invalid_data"
COMPLETE_ON_OBJECT = "workflow.complete_on_object"  # the process says: do this on the business object's page
INSTANCE_CLOSED = "workflow.instance_closed"
