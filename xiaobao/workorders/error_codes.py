"""Refusals a user can cause in work orders. Tests assert these codes, not the wording."""

NO_RECIPIENTS = "workorders.no_recipients"  # neither units nor people to send it to
RECIPIENT_OUT_OF_SCOPE = "workorders.recipient_out_of_scope"  # a unit the issuer may not dispatch to
RECIPIENT_INACTIVE = "workorders.recipient_inactive"  # a closed unit or an inactive person
NO_DUE = "workorders.no_due"  # neither a due date nor a number of days
DUE_IN_PAST = "workorders.due_in_past"
BAD_DUE_DAYS = "workorders.bad_due_days"  # days must be 1..365
NOT_ALLOWED = "workorders.not_allowed"  # the actor may not do this to this order (403)
WRONG_STEP = "workorders.wrong_step"  # the order is not at the step this action belongs to (409)
REASON_REQUIRED = "workorders.reason_required"  # refusing or returning needs a reason
FEEDBACK_REQUIRED = "workorders.feedback_required"
INVALID = "workorders.invalid"  # a field failed validation (title, kind, …)
