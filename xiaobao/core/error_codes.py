"""Refusals a user can cause in core. Tests assert these codes, not the wording."""

# personal data reveal (PIPL: every reveal has a reason and leaves an audit row)
REVEAL_REASON_REQUIRED = "reveal_reason_required"  # blank or whitespace-only reason
REVEAL_REASON_TOO_LONG = "reveal_reason_too_long"  # longer than the audit row's reason column (500)
REVEAL_NOT_ALLOWED = "reveal_not_allowed"  # the object's org unit is outside the actor's data scope
REVEAL_FIELD_NOT_PERSONAL = "reveal_field_not_personal"  # not an encrypted personal-data field of the object
