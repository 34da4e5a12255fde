"""Refusals a user can cause in reviews (消保审查). Tests assert these codes, not the wording."""

NOT_ALLOWED = "reviews.not_allowed"  # the actor may not do this to this review (403)
WRONG_STEP = "reviews.wrong_step"  # the review is not at the step this action belongs to (409)
INVALID = "reviews.invalid"  # a field failed validation (title, form data, opinion fields, …)
FORM_TYPE_UNKNOWN = "reviews.form_type_unknown"  # no such active form type, or it has no current version
REASON_REQUIRED = "reviews.reason_required"  # returning, withdrawing, disputing an opinion needs a reason
BAD_DUE_DAYS = "reviews.bad_due_days"  # review period must be 1..MAX_DUE_DAYS working days
REVIEWER_INVALID = "reviews.reviewer_invalid"  # inactive, or may not review (no reviewer role)
CHECKLIST_INCOMPLETE = "reviews.checklist_incomplete"  # opinions issued before every checklist item has a result
CONCLUSION_REQUIRED = "reviews.conclusion_required"
RESPONSES_INCOMPLETE = "reviews.responses_incomplete"  # every opinion must be answered, and only this review's
ATTENDEES_REQUIRED = "reviews.attendees_required"  # a committee decision names the members present
DECISION_REQUIRED = "reviews.decision_required"
OWN_OPINION = "reviews.own_opinion"  # who wrote or issued an opinion may not re-review it in the objection step (403)
