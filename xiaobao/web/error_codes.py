"""Refusals a user can cause in the interface app. Tests assert these codes, not the wording."""

SAVED_VIEW_NAME_REQUIRED = "web.saved_view_name_required"  # blank name
SAVED_VIEW_UNKNOWN_PAGE = "web.saved_view_unknown_page"  # not a list that offers saved views
SAVED_VIEW_TOO_LONG = "web.saved_view_too_long"  # name over 60 characters or filters over 1000
SAVED_VIEW_TOO_MANY = "web.saved_view_too_many"  # more than MAX_PER_PAGE views on one list
