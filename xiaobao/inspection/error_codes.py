"""Refusals a user can cause in quality inspection. Tests assert these codes, not the wording."""

INVALID = "inspection.invalid"  # a field failed validation (kind, channel, turns, dates, …)
NOT_ALLOWED = "inspection.not_allowed"  # no permission, or the object is outside the actor's scope (403)
BAD_DEFINITION = "inspection.bad_definition"  # a rule definition that cannot be compiled
NOT_DRAFT = "inspection.not_draft"  # a published or retired version is never edited (409)
NOT_OPEN = "inspection.not_open"  # the finding was already decided (409)
REASON_REQUIRED = "inspection.reason_required"  # dismissing, escalating and contesting keep a reason
NOT_OWN_FINDING = "inspection.not_own_finding"  # an agent contests only findings about their own work
BAD_FILE = "inspection.bad_file"  # not JSONL, CSV or Excel, unreadable, or over the limits
TOO_MANY = "inspection.too_many"  # more records than one batch may carry
NO_UNIT = "inspection.no_unit"  # no org unit for the interaction (agent unknown and no unit code)
JOB_RUNNING = "inspection.job_running"  # a re-scan of that period is already queued or running
NO_SAMPLE = "inspection.no_sample"  # nothing to draw for that agent and period
BAD_SCORES = "inspection.bad_scores"  # scores that do not answer every item of the sheet
NOTHING_TO_CALL = "inspection.nothing_to_call"  # no 回访 waits for a call in the actor's scope
BAD_RESULTS = "inspection.bad_results"  # a results file without the call-id and result columns
