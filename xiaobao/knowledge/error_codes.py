"""Refusals a user can cause in the knowledge centre. Tests assert these codes, not the wording."""

INVALID = "knowledge.invalid"  # a field failed validation (kind, title, policy status, …)
FAQ_NEEDS_QUESTION = "knowledge.faq_needs_question"  # an FAQ without its question or answer
