"""Who may reach each route that names an object (issue 14): route name -> the world's objects that fill its
parameters, the method a caller uses, and the principals the app's rule lets through. Everyone else must
be refused: 401/403/404 (API), a redirect to sign in or 403/404 (pages). A route missing from this table
fails the matrix, so a new route cannot be forgotten.

Reads are GETs; writes and actions are POSTs with an empty body: a caller the rule lets through may get
any answer but a refusal (a 400 for the missing fields, a 409 for the wrong step, a redirect back); a
caller it does not let through must be refused before any of that (permission before state).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    fill: tuple[str, ...]  # world attribute per parameter; "=text" is a literal
    may: frozenset[str]  # principals not refused
    method: str = "GET"


def R(fill: str, *may: str) -> Case:
    return Case(tuple(fill.split()), frozenset(may))


def W(fill: str, *may: str) -> Case:
    return Case(tuple(fill.split()), frozenset(may), "POST")


OWN = ("officer_a", "hq_admin")  # the object's unit and head office
HQ = ("hq_admin",)
DEPT = ("clerk_own", "hq_admin")  # a review: its department, and 消保部 at head office
NOBODY = ()

# Parameters that name no object (a code of a code table, a page of the help): not in the matrix, and why.
NOT_OBJECTS = {
    "reviews:submit": "a form type's code (the filing form for that type), not an object",
    "indicators:detail": "an indicator definition's code; definitions are company-wide code tables",
    "web:coming": "the name of a module still to come",
}

TABLE: dict[str, list[Case]] = {
    # --- the interface: a saved list view, its owner only
    "web:saved-view-delete": [W("saved_view", "officer_a")],
    # --- complaints: complaint permission + the org scope of the complaint's unit
    "complaints:detail": [R("complaint", *OWN)],
    "complaints:reveal": [W("complaint", *OWN)],
    "complaints:accept": [W("complaint", *OWN)],
    "complaints:assign": [W("complaint", *OWN)],
    "complaints:classify": [W("complaint", *OWN)],
    "complaints:extend": [W("complaint", *OWN)],
    "complaints:decide": [W("complaint", *OWN)],
    "complaints:respond": [W("complaint", *OWN)],
    "complaints:reexamine": [W("complaint", *OWN)],
    "complaints:revisit": [W("complaint", *OWN)],
    "complaints:close": [W("complaint", *OWN)],
    "complaints:withdraw": [W("complaint", *OWN)],
    "complaints:download": [R("complaint complaint_file", *OWN)],
    "complaints:clock-stop": [W("complaint", *OWN)],
    "complaints:clock-resume": [W("complaint", *OWN)],
    "complaints:new-facts": [W("complaint", *OWN)],
    "complaints:decline": [W("complaint", *OWN)],
    "complaints:designate-major": [W("complaint", *OWN)],
    "complaints:import-status": [R("complaint_import", *OWN)],
    "complaints:import-report": [R("complaint_import", *OWN)],
    "api-complaints-detail": [R("complaint", *OWN)],
    "api-complaints-reveal": [W("complaint", *OWN)],
    "api-complaints-accept": [W("complaint", *OWN)],
    "api-complaints-assign": [W("complaint", *OWN)],
    "api-complaints-classify": [W("complaint", *OWN)],
    "api-complaints-extend": [W("complaint", *OWN)],
    "api-complaints-decide": [W("complaint", *OWN)],
    "api-complaints-response": [W("complaint", *OWN)],
    "api-complaints-reexamine": [W("complaint", *OWN)],
    "api-complaints-revisit": [W("complaint", *OWN)],
    "api-complaints-close": [W("complaint", *OWN)],
    "api-complaints-withdraw": [W("complaint", *OWN)],
    "api-complaints-clock-stop": [W("complaint", *OWN)],
    "api-complaints-clock-resume": [W("complaint", *OWN)],
    "api-complaints-new-facts": [W("complaint", *OWN)],
    "api-complaints-decline": [W("complaint", *OWN)],
    "api-complaints-designate-major": [W("complaint", *OWN)],
    # --- reviews: the submitting department within the unit's subtree; 消保部 and reviewers everywhere
    "reviews:detail": [R("review", *DEPT)],
    "reviews:assign": [W("review", *HQ)],
    "reviews:return": [W("review", *HQ)],
    "reviews:resubmit": [W("review", "clerk_own")],
    "reviews:withdraw": [W("review", *DEPT)],
    "reviews:checklist": [W("review", "reviewer")],
    "reviews:opinion-add": [W("review", "reviewer")],
    "reviews:opinion-update": [W("review opinion", "reviewer")],
    "reviews:opinion-delete": [W("review opinion", "reviewer")],
    "reviews:issue": [W("review", "reviewer")],
    "reviews:respond": [W("review", "clerk_own")],
    "reviews:refresh-verification": [W("review", *DEPT)],
    "reviews:rereview": [W("review objection", *HQ)],
    "reviews:committee": [W("review objection", "member")],
    "reviews:download": [R("review review_file", *DEPT)],
    "reviews:preview": [R("review review_file", *DEPT)],
    "reviews:preview-page": [R("review review_file =1", *DEPT)],
    "api-reviews-detail": [R("review", *DEPT)],
    "api-reviews-assign": [W("review", *HQ)],
    "api-reviews-return": [W("review", *HQ)],
    "api-reviews-resubmit": [W("review", "clerk_own")],
    "api-reviews-withdraw": [W("review", *DEPT)],
    "api-reviews-checklist": [W("review", "reviewer")],
    "api-reviews-opinions": [W("review", "reviewer")],
    "api-reviews-opinion": [W("review opinion", "reviewer")],
    "api-reviews-opinion-delete": [W("review opinion", "reviewer")],
    "api-reviews-issue": [W("review", "reviewer")],
    "api-reviews-respond": [W("review", "clerk_own")],
    "api-reviews-verification": [W("review", *DEPT)],
    "api-reviews-rereview": [W("review objection", *HQ)],
    "api-reviews-committee": [W("review objection", "member")],
    "api-reviews-download": [R("review review_file", *DEPT)],
    # --- work orders: the issuer and the recipients (units and their people)
    # the orders other modules open follow the work order's rule too (a training session's, a finding's)
    "workorders:detail": [R("workorder", *OWN), R("session_order", *OWN), R("finding_order", *OWN)],
    "workorders:accept": [W("workorder", *OWN)],
    "workorders:refuse": [W("workorder", *OWN)],
    "workorders:resolve-refusal": [W("workorder", *OWN)],
    "workorders:feedback": [W("workorder", *OWN)],
    "workorders:review": [W("workorder", *OWN)],
    "workorders:cancel": [W("workorder", *HQ)],
    "workorders:download": [R("workorder workorder_file", *OWN)],
    "api-workorders-detail": [R("workorder", *OWN), R("session_order", *OWN), R("finding_order", *OWN)],
    "api-workorders-accept": [W("workorder", *OWN)],
    "api-workorders-refuse": [W("workorder", *OWN)],
    "api-workorders-refusal": [W("workorder", *OWN)],
    "api-workorders-feedback": [W("workorder", *OWN)],
    "api-workorders-review": [W("workorder", *OWN)],
    "api-workorders-cancel": [W("workorder", *HQ)],
    "api-workorders-download": [R("workorder workorder_file", *OWN)],
    # --- plans: the owning unit, the participating units, and the units above them
    "plans:detail": [R("plan", *OWN)],
    "plans:edit": [R("plan", *OWN)],
    "plans:submit": [W("plan", *OWN)],
    "plans:approve": [W("plan", *HQ)],
    "plans:reject": [W("plan", *HQ)],
    "plans:issue": [W("plan", *OWN)],
    "plans:summarize": [W("plan", *OWN)],
    "plans:close": [W("plan", *OWN)],
    "plans:goal-add": [W("plan", *OWN)],
    "plans:goal-remove": [W("plan goal", *OWN)],
    "plans:task-add": [W("plan", *OWN)],
    "plans:task-edit": [R("plan plan_item", *OWN)],
    "plans:task-remove": [W("plan plan_item", *OWN)],
    "plans:download": [R("plan plan_file", *OWN)],
    "plans:board": [R("plan", *OWN)],
    "plans:timeline": [R("plan", *OWN)],
    "plans:activity": [R("activity", *OWN)],
    "plans:activity-edit": [R("activity", *OWN)],
    "plans:activity-delete": [W("activity", "officer_a")],
    "plans:activity-photo": [R("activity activity_photo", *OWN)],
    "api-plans-detail": [R("plan", *OWN)],
    "api-plans-progress": [R("plan", *OWN)],
    "api-plans-submit": [W("plan", *OWN)],
    "api-plans-approve": [W("plan", *HQ)],
    "api-plans-reject": [W("plan", *HQ)],
    "api-plans-issue": [W("plan", *OWN)],
    "api-plans-summarize": [W("plan", *OWN)],
    "api-plans-close": [W("plan", *OWN)],
    "api-plans-activity": [R("activity", *OWN)],
    # --- knowledge: a branch's document is its subtree's (and head office's)
    "knowledge:document": [R("document", *OWN)],
    "knowledge:edit": [R("document", *HQ)],
    "knowledge:archive": [W("document", *HQ)],
    "knowledge:versions": [R("document", *OWN)],
    "knowledge:version": [R("document version", *OWN)],
    "knowledge:diff": [R("document", *OWN)],
    "knowledge:approve": [W("document", *HQ)],
    "knowledge:import-status": [R("knowledge_import", *OWN)],
    "knowledge:import-source": [R("knowledge_import", *OWN)],
    "knowledge:version-source": [R("document version", *OWN)],
    "api-knowledge-document": [R("document", *OWN)],
    "api-knowledge-versions": [R("document", *OWN)],
    "api-knowledge-version": [R("document version", *OWN)],
    "api-knowledge-diff": [R("document", *OWN)],
    "api-knowledge-approval": [W("document", *HQ)],
    "api-knowledge-archive": [W("document", *HQ)],
    "api-knowledge-import": [R("knowledge_import", *OWN)],
    # --- indicators: a report job is its unit's
    "indicators:report-status": [R("report", *OWN)],
    "indicators:report-download": [R("report", *OWN)],
    "api-indicators-report": [R("report", *OWN)],
    "api-indicators-report-download": [R("report", *OWN)],
    # --- training: the organising unit's subtree; an attempt is its taker's
    "training:exam": [R("exam", *OWN)],
    "training:exam-publish": [W("exam", *OWN)],
    "training:results-import": [W("exam", *OWN)],
    "training:course": [R("course", *OWN)],
    "training:session": [R("session", *OWN)],
    "training:session-import": [W("session", *OWN)],
    "training:session-action": [W("session =close", *OWN)],
    "training:contest": [R("contest", *OWN)],
    "training:contest-setup": [W("contest =team", *OWN)],
    "training:leaderboard": [R("contest round", *OWN)],
    "training:take": [R("exam", "officer_a")],
    "training:attempt": [R("attempt", "officer_a")],
    "training:attempt-save": [W("attempt", "officer_a")],
    "training:attempt-submit": [W("attempt", "officer_a")],
    "training:result": [R("attempt", "officer_a")],
    "api-training-course": [R("course", *OWN)],
    "api-training-session": [R("session", *OWN)],
    "api-training-attendance-add": [W("session", *OWN)],
    "api-training-exam": [R("exam", *OWN)],
    "api-training-exam-results": [R("exam", *OWN)],
    "api-training-exam-publish": [W("exam", "officer_a")],  # the page's rule: its owner publishes
    "api-training-start": [W("exam", "officer_a")],  # the employee's own side: invited people on the roster
    "api-training-attempt": [R("attempt", "officer_a")],
    "api-training-attempt-save": [W("attempt", "officer_a")],
    "api-training-attempt-submit": [W("attempt", "officer_a")],
    # --- inspection: findings of the agent's unit; rules, batches, jobs and samples are the inspectors'
    "inspection:finding": [R("finding", *OWN)],
    "inspection:confirm": [W("finding", "inspector")],
    "inspection:dismiss": [W("finding", "inspector")],
    "inspection:escalate": [W("finding", "inspector")],
    "inspection:contest": [W("finding", "agent_a")],
    "inspection:interaction": [R("interaction", *OWN)],
    "inspection:batch": [R("inspection_batch", *HQ)],
    "inspection:rule": [R("rule", *OWN, "officer_b")],  # a company-wide code table: whoever sees findings
    "inspection:rule-publish": [W("rule =1", *HQ)],
    "inspection:job": [R("scan_job", *HQ)],
    "inspection:sample": [R("sample", *HQ)],
    "inspection:interaction-reveal": [W("interaction", *NOBODY)],  # inspection.review_finding: the inspectors'
    "inspection:outbound-batch": [R("outbound_batch", *HQ)],
    "api-inspection-finding": [R("finding", *OWN)],
    "api-inspection-confirm": [W("finding", "inspector")],
    "api-inspection-dismiss": [W("finding", "inspector")],
    "api-inspection-escalate": [W("finding", "inspector")],
    "api-inspection-contest": [W("finding", "agent_a")],
}

# The workflow's own routes: each object's instance (page, history, diagram) follows that object's rule
# (issue 14, point 1); a task is read by those the object's rule lets see it *and* whose scope reaches the
# task's unit (a branch's plan waits for approval at head office: the branch sees the plan, not HQ's task).
_PROCESS_READERS = {
    "complaint": OWN,
    "review": (*DEPT, "reviewer"),
    "workorder": OWN,
    "plan": OWN,
    "document": OWN,
    "session_order": OWN,  # a training session's work order: the work order's rule
    "finding_order": OWN,  # an inspection finding's rectification order: the same
}
_TASK_READERS = {**_PROCESS_READERS, "review": ("hq_admin", "reviewer"), "plan": HQ, "document": HQ}
# head office's administrator supervises every task (claims, reassigns on others' behalf)
_TASK_ACTORS = {"complaint": OWN, "review": ("reviewer", *HQ), "workorder": OWN, "plan": HQ, "document": HQ}
_TASK_ACTORS |= {"session_order": OWN, "finding_order": OWN}
# releasing a task is its holder's: the complaint's handler holds hers; the others wait in a pool
_RELEASERS = {"complaint": OWN, "review": ("reviewer", *HQ)}
for _obj, _readers in _PROCESS_READERS.items():
    TABLE.setdefault("workflow:task", []).append(R(f"{_obj}_task", *_TASK_READERS[_obj]))
    TABLE.setdefault("api-workflow-task", []).append(R(f"{_obj}_task", *_TASK_READERS[_obj]))
    TABLE.setdefault("workflow:instance", []).append(R(f"{_obj}_instance", *_readers))
    TABLE.setdefault("workflow:instance-diagram", []).append(R(f"{_obj}_instance", *_readers))
    TABLE.setdefault("api-workflow-history", []).append(R(f"{_obj}_instance", *_readers))
    TABLE.setdefault("api-workflow-diagram", []).append(R(f"{_obj}_instance", *_readers))
# Acting on a task is the workflow's one rule (holder, candidates, supervisor); three kinds of task show it.
for _obj in ("complaint", "review", "workorder"):
    for _action in ("claim", "complete", "reassign", "delegate"):
        TABLE.setdefault(f"workflow:{_action}", []).append(W(f"{_obj}_task", *_TASK_ACTORS[_obj]))
        TABLE.setdefault(f"api-workflow-{_action}", []).append(W(f"{_obj}_task", *_TASK_ACTORS[_obj]))
    TABLE.setdefault("workflow:release", []).append(W(f"{_obj}_task", *_RELEASERS.get(_obj, ())))
    TABLE.setdefault("api-workflow-release", []).append(W(f"{_obj}_task", *_RELEASERS.get(_obj, ())))

# Answers that break the rule today, each a defect to fix (the test fails once it is fixed: then drop it here).
KNOWN_GAPS: dict[str, str] = {}
