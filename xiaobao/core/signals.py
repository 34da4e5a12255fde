"""Signals core sends to the apps above it, which may not be imported from here (layering)."""

from django.dispatch import Signal

# Sent inside the transaction that stores a year's holiday schedule, with `year`, `calendar` (the
# calendar as it now stands) and `actor`. Each app recomputes the provisional deadlines it keeps in
# that year in the same transaction, so the calendar and the deadlines it moves commit together.
calendar_year_published = Signal()
