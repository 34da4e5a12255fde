"""Refusals a user can cause in core. Tests assert these codes, not the wording."""

# personal data reveal (PIPL: every reveal has a reason and leaves an audit row)
REVEAL_REASON_REQUIRED = "reveal_reason_required"  # blank or whitespace-only reason
REVEAL_REASON_TOO_LONG = "reveal_reason_too_long"  # longer than the audit row's reason column (500)
REVEAL_NOT_ALLOWED = "reveal_not_allowed"  # the object's org unit is outside the actor's data scope
REVEAL_FIELD_NOT_PERSONAL = "reveal_field_not_personal"  # not an encrypted personal-data field of the object

# uploads (checked by content, not by name)
UPLOAD_EMPTY = "core.upload_empty"  # a file with no bytes
UPLOAD_TOO_LARGE = "core.upload_too_large"  # over UPLOAD_MAX_BYTES (or the app's own limit)
UPLOAD_TYPE_REFUSED = "core.upload_type_refused"  # content is not one of the kinds allowed here
UPLOAD_TOO_MANY = "core.upload_too_many"  # more files in one submission than allowed

# the State Council's holiday notice, pasted into the calendar page
NOTICE_UNREADABLE = "core.notice_unreadable"  # a line is bad or ambiguous: nothing saved, problems by line
NOTICE_NOT_ALLOWED = "core.notice_not_allowed"  # only a head-office admin who may edit the calendar (403)
NOTICE_BAD_YEAR = "core.notice_bad_year"  # the year is not a plausible schedule year
