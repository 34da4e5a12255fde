"""Hooks between modules that the layering keeps apart (DESIGN.md "Layering").

Two domain apps on the same layer never import each other. When one needs the other to act — quality
inspection asking the training app for targeted training, or the complaints app for a complaint draft —
it sends one of these signals and records what the receivers answered. The receiving app connects in
its `AppConfig.ready()`; with no receiver the sender keeps the request as pending, visible on its page, so
nothing is lost while the other module is not installed yet.

Receivers run inside the sender's transaction: they must write only their own rows, raise only for a real
error (which rolls the whole action back), and return a small dict describing what they created
(e.g. {"id": 12, "label": "…", "url": "…"}) or None when they decline.
"""

from __future__ import annotations

from django.dispatch import Signal

#: kwargs: agent (User), reason (str), rule_code (str), finding_id (int), source (the finding), due_date (date | None),
#: actor (User). A receiver (training.services.assign_targeted_training) assigns a course and exam.
targeted_training_requested = Signal()

#: kwargs: draft (dict: channel, org_unit, agent, received_at, summary, customer_name, customer_phone,
#: source_label, source_url), source (the finding), actor (User). A receiver (complaints) opens a complaint
#: draft for the handler to confirm.
complaint_draft_requested = Signal()


def first_answer(responses) -> dict | None:
    """The first receiver's non-empty answer from `Signal.send(...)`, or None if nobody took the request."""
    for _receiver, answer in responses:
        if answer:
            return answer
    return None


#: kwargs: actor (User), now (datetime). Outbound 回访 call lists (quality inspection's outbound robot) ask
#: the modules that own a 回访 step which of their records wait for a call. A receiver (complaints) answers
#: {"purpose": "complaint_revisit", "calls": [{"ref", "org_unit" (OrgUnit), "customer_name", "phone",
#: "label", "due_on" (date | None)}]} for the records in the actor's scope.
revisit_calls_requested = Signal()

#: kwargs: purpose (str), ref (str), outcome (str), note (str), called_at (datetime), actor (User). The
#: robot's result for one 回访 call that reached the customer; the owner of the record writes it there
#: (complaints: the 回访 step) and answers {"label": …} or None when the record no longer waits for it.
revisit_call_answered = Signal()
