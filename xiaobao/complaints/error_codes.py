"""Refusals a user can cause in complaints. Tests assert these codes, not the wording."""

INVALID = "complaints.invalid"  # a field failed validation (channel, subject, received_at, …)
NOT_ALLOWED = "complaints.not_allowed"  # no permission, or the complaint is outside the actor's scope (403)
OUT_OF_SCOPE = "complaints.out_of_scope"  # the responsible unit is outside the actor's scope (403)
CONSUMER_REQUIRED = "complaints.consumer_required"  # an agent, heir or guardian names the consumer (Art. 14)
WRONG_STEP = "complaints.wrong_step"  # the complaint is not at the step this action belongs to (409)
CLOSED = "complaints.closed"  # closed or withdrawn: nothing more can happen to it (409)
CONFLICT_OF_INTEREST = "complaints.conflict_of_interest"  # 回避: the handler is the person complained about
BAD_HANDLER = "complaints.bad_handler"  # the handler cannot handle complaints of that unit
BAD_CATEGORY = "complaints.bad_category"  # not an active code of the current taxonomy, or the wrong dimension
NOT_CLASSIFIED = "complaints.not_classified"  # closing needs business type, cause and demand
ROOT_CAUSE_REQUIRED = "complaints.root_cause_required"  # closing records the root cause (溯源)
REASON_REQUIRED = "complaints.reason_required"  # extending, withdrawing and revealing need a reason
EXTENSION_ORDER = "complaints.extension_order"  # level 2 only after level 1; the same level twice
EXTENSION_LIMIT = "complaints.extension_limit"  # no third extension (Art. 18: 60 days at most)
APPROVER_REQUIRED = "complaints.approver_required"  # every extension names who approved it
APPROVER_NOT_SUPERIOR = "complaints.approver_not_superior"  # level 2: higher-level unit or HQ senior management
NOTICE_REQUIRED = "complaints.notice_required"  # the complainant is told of an extension
REMEDIES_REQUIRED = "complaints.remedies_required"  # the decision tells the remedies (核查, mediation, …)
DECISION_REQUIRED = "complaints.decision_required"
RESULT_REQUIRED = "complaints.result_required"  # 核查 conclusion, 回访 result
IDEMPOTENCY_KEY_INVALID = "complaints.idempotency_key_invalid"  # empty, too long, or not visible ASCII
IDEMPOTENCY_KEY_REUSED = "complaints.idempotency_key_reused"  # the key was used with a different body (422)
IDEMPOTENCY_KEY_REQUIRED = "complaints.idempotency_key_required"  # a machine (token) client registered without one
RECORDING_REQUIRED = "complaints.recording_required"  # a 面谈 complaint names its audio/video recording (Art. 7)
