"""Refusals a user can cause in plans and activities. Tests assert these codes, not the wording."""

NOT_ALLOWED = "plans.not_allowed"  # the actor may not do this to this plan or activity (403)
WRONG_STATUS = "plans.wrong_status"  # the plan is not in the status this action belongs to (409)
INVALID = "plans.invalid"  # a field failed validation (name, kind, period, budget, counts, …)
UNIT_OUT_OF_SCOPE = "plans.unit_out_of_scope"  # a participating/task unit outside the owner unit's subtree
NO_TASKS = "plans.no_tasks"  # submitting or issuing a plan without tasks
TASK_INCOMPLETE = "plans.task_incomplete"  # a task without units or due date cannot be issued
DUE_OUT_OF_PERIOD = "plans.due_out_of_period"  # a task's due date outside the plan's period
SUMMARY_REQUIRED = "plans.summary_required"
REASON_REQUIRED = "plans.reason_required"  # rejecting a plan needs a reason
NOT_OWN_UNIT = "plans.not_own_unit"  # a unit records activities only for itself (403)
TASK_NOT_ASSIGNED = "plans.task_not_assigned"  # the task is not assigned to the organising unit
PLAN_NOT_RUNNING = "plans.plan_not_running"  # activities only on tasks of an issued, unclosed plan (409)
TARGET_REQUIRED = "plans.target_required"  # an offline activity names its 五进入 target
TARGET_ONLINE = "plans.target_online"  # an online activity has no 五进入 target
OUT_OF_PERIOD = "plans.out_of_period"  # an activity dated outside its plan's period
DATE_IN_FUTURE = "plans.date_in_future"  # activities are records of what was held
IMPORT_EMPTY = "plans.import_empty"  # the workbook has no data rows
IMPORT_TOO_MANY = "plans.import_too_many"
IMPORT_UNREADABLE = "plans.import_unreadable"  # not a workbook openpyxl can read, or no header row
