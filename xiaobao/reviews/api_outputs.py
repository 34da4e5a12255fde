"""Review API output shapes, the detail answer and the refusals the endpoints document, and the few read
helpers the pages and the API share (what the caller may do now, the form types on offer, a review's file, the
reviewers to choose from), so the two cannot disagree.
"""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from drf_spectacular.utils import OpenApiResponse, extend_schema_field
from rest_framework import serializers, status
from rest_framework.response import Response

from xiaobao.core import selectors as core_selectors
from xiaobao.core.directory import users_with_role
from xiaobao.reviews import selectors, services
from xiaobao.reviews.models import ConsumerRight, FormType, FormVersion, Review
from xiaobao.reviews.rules import REVIEWER_ROLE, is_lead
from xiaobao.workflow import selectors as workflow_selectors
from xiaobao.workflow.api import TransitionOutput

# Which actions belong to which step of processes/review.bpmn (the services decide again when called).
STEP_ACTIONS = {
    "assign": ["assign", "return"],
    "review": ["checklist", "opinions", "issue", "return"],
    "resubmit": ["resubmit"],
    "respond": ["respond"],
    "rereview": ["rereview"],
    "committee": ["committee"],
}
ACTIONS = [
    "assign",
    "return",
    "resubmit",
    "withdraw",
    "checklist",
    "opinions",
    "issue",
    "respond",
    "rereview",
    "committee",
    "refresh",
]
# Kinds a browser shows by itself, running nothing of the file's: images, and PDFs in its own viewer.
PREVIEW_KINDS = frozenset({"pdf", "docx", "png", "jpeg", "gif"})


# --- shared reads ---------------------------------------------------------------------------------


def actions_for(user, review: Review, task) -> list[str]:
    """The actions the user may take on the review now. Hides useless buttons; the services decide again."""
    found = []
    if task is not None and workflow_selectors.may_act(user, task):
        found += STEP_ACTIONS.get(task.element_id, [])
    if review.status in services.WITHDRAWABLE and (review.submitter_id == user.pk or is_lead(user)):
        found.append("withdraw")
    if review.status == Review.Status.VERIFYING and (
        user.pk in (review.submitter_id, review.reviewer_id) or is_lead(user)
    ):
        found.append("refresh")
    return found


def may_submit(user) -> bool:
    return bool(user.is_authenticated and user.has_perm(services.SUBMIT_PERMISSION) and user.org_unit_id)


def form_types() -> QuerySet[FormType]:
    """The active form types (a code table, the same for everyone), in their display order."""
    return FormType.objects.filter(is_active=True).order_by("sort", "code")


def form_types_with_versions() -> list[tuple[FormType, FormVersion | None]]:
    versions = {v.form_type_id: v for v in FormVersion.objects.filter(is_current=True, form_type__is_active=True)}
    return [(form_type, versions.get(form_type.pk)) for form_type in form_types()]


def current_version(code: str) -> FormVersion | None:
    """The current version of an active form type, or None."""
    return (
        FormVersion.objects.filter(form_type__code=code, form_type__is_active=True, is_current=True)
        .select_related("form_type")
        .first()
    )


def attachment_for_user(user, review_pk: int, attachment_pk: int):
    """One of a review's files, if the user may see the review (else 404, like the review itself)."""
    review = selectors.get_review_for_user(user, review_pk)
    found = selectors.attachments(review).filter(pk=attachment_pk).first()
    if found is None:
        raise Http404
    return found


def reviewers_for(user):
    """Active reviewers (审查员) the assigning user may see, to choose from."""
    holders = users_with_role(REVIEWER_ROLE).values("pk")
    return core_selectors.users_visible_to(user).filter(is_active=True, pk__in=holders)


def verification_orders(user, opinions) -> dict[int, object]:
    """{work order id: order} for the opinions' verification orders the user may see (others: no link)."""
    ids = [o.verification_order_id for o in opinions if o.verification_order_id]
    if not ids:
        return {}
    from xiaobao.workorders import selectors as workorder_selectors

    rows = workorder_selectors.work_orders_visible_to(user, {"box": "all"}).filter(pk__in=ids)
    return {order.pk: order for order in rows}


def files_by_purpose(review: Review) -> tuple[list, list]:
    """The submitter's material, and the evidence of changes given with the answers."""
    material, evidence = [], []
    for item in selectors.attachments(review):
        (evidence if item.purpose.startswith("evidence") else material).append(item)
    return material, evidence


# --- output shapes --------------------------------------------------------------------------------


class ReviewPersonOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="__str__")


class ReviewUnitOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class ReviewFormFieldOutput(serializers.Serializer):
    id = serializers.CharField()
    label = serializers.CharField()
    type = serializers.CharField(help_text="text | textarea | date | number | choice | boolean")
    required = serializers.BooleanField(default=False)
    choices = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class ReviewChecklistItemOutput(serializers.Serializer):
    id = serializers.CharField()
    text = serializers.CharField()
    right = serializers.CharField(help_text="The consumer right the item protects (ConsumerRight value)")
    right_display = serializers.SerializerMethodField()

    def get_right_display(self, item) -> str:
        return str(dict(ConsumerRight.choices).get(item.get("right", ""), ""))


class ReviewFormVersionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    is_current = serializers.BooleanField()
    fields = ReviewFormFieldOutput(many=True, help_text="What the submitter fills in: `data` keys are the field ids")
    checklist = ReviewChecklistItemOutput(many=True, help_text="审查要点, each tagged with the right it protects")


class ReviewFormTypeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()
    description = serializers.CharField()
    current_version = serializers.SerializerMethodField()

    @extend_schema_field(ReviewFormVersionOutput(allow_null=True))
    def get_current_version(self, form_type):
        version = self.context.get("versions", {}).get(form_type.pk)
        return ReviewFormVersionOutput(version).data if version else None


class ReviewOutput(serializers.Serializer):
    """One review as a list row. Every field comes from the list selector's joins (no query per row)."""

    id = serializers.IntegerField()
    number = serializers.CharField(allow_null=True)
    title = serializers.CharField()
    product_name = serializers.CharField()
    form_type = serializers.CharField(source="form_version.form_type.code")
    form_type_name = serializers.CharField(source="form_version.form_type.name")
    form_version = serializers.IntegerField(source="form_version.number")
    org_unit = ReviewUnitOutput()
    department = serializers.CharField()
    submitter = ReviewPersonOutput()
    submitted_at = serializers.DateTimeField()
    planned_launch = serializers.DateField(allow_null=True)
    urgency = serializers.CharField(help_text="normal | urgent")
    urgency_display = serializers.CharField(source="get_urgency_display")
    status = serializers.CharField(help_text=" | ".join(Review.Status.values))
    status_display = serializers.CharField(source="get_status_display")
    reviewer = ReviewPersonOutput(allow_null=True)
    due_days = serializers.IntegerField(allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)
    overdue = serializers.SerializerMethodField()
    reviewed_at = serializers.DateTimeField(allow_null=True)
    closed_at = serializers.DateTimeField(allow_null=True)

    def get_overdue(self, review) -> bool:
        """Past the review period while still being reviewed."""
        now = self.context.get("now") or timezone.now()
        return bool(review.status == Review.Status.REVIEWING and review.due_at and review.due_at < now)


class ReviewObjectionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    opinion = serializers.IntegerField(source="opinion_id")
    stage = serializers.CharField(help_text="rereview | committee | decided")
    stage_display = serializers.CharField(source="get_stage_display")
    raised_at = serializers.DateTimeField()
    reason = serializers.CharField()
    rereview_by = ReviewPersonOutput(allow_null=True)
    rereview_at = serializers.DateTimeField(allow_null=True)
    rereview_note = serializers.CharField()
    committee_decision = serializers.CharField()
    committee_decided_at = serializers.DateTimeField(allow_null=True)
    attendees = serializers.ListField(child=serializers.CharField())
    recorded_by = ReviewPersonOutput(allow_null=True)
    outcome = serializers.CharField(help_text="upheld | withdrawn | modified, empty until decided")
    outcome_display = serializers.CharField(source="get_outcome_display")
    decided_at = serializers.DateTimeField(allow_null=True)


class ReviewObjectionListOutput(ReviewObjectionOutput):
    review = serializers.IntegerField(source="opinion.review_id")
    review_number = serializers.CharField(source="opinion.review.number", allow_null=True)
    review_title = serializers.CharField(source="opinion.review.title")
    opinion_seq = serializers.IntegerField(source="opinion.seq")


class ReviewOpinionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    seq = serializers.IntegerField()
    kind = serializers.CharField(help_text="general | substantive")
    kind_display = serializers.CharField(source="get_kind_display")
    checklist_item = serializers.CharField()
    right = serializers.CharField(help_text="ConsumerRight value, or empty")
    right_display = serializers.CharField(source="get_right_display")
    location = serializers.CharField()
    risk = serializers.CharField()
    suggestion = serializers.CharField()
    requires_change = serializers.BooleanField(help_text="An adopted change is verified before launch")
    created_by = ReviewPersonOutput()
    created_at = serializers.DateTimeField()
    response = serializers.CharField(help_text="adopted | partial | rejected, empty until answered")
    response_display = serializers.CharField(source="get_response_display")
    response_reason = serializers.CharField()
    responded_by = ReviewPersonOutput(allow_null=True)
    responded_at = serializers.DateTimeField(allow_null=True)
    final_adopted = serializers.BooleanField(allow_null=True, help_text="The binding result after any objection")
    verification_order = serializers.IntegerField(source="verification_order_id", allow_null=True)
    verified_at = serializers.DateTimeField(allow_null=True)
    objection = serializers.SerializerMethodField()

    @extend_schema_field(ReviewObjectionOutput(allow_null=True))
    def get_objection(self, opinion):
        found = getattr(opinion, "objection", None)  # a missing one-to-one raises an AttributeError subclass
        return ReviewObjectionOutput(found).data if found else None


class ReviewAttachmentOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField(help_text="What the bytes are (pdf, png, docx…), detected at upload")
    mime = serializers.CharField()
    size = serializers.IntegerField()
    sha256 = serializers.CharField()
    purpose = serializers.CharField(help_text="material (the submitter's) or evidence (of changes)")
    uploaded_by = ReviewPersonOutput(allow_null=True)
    uploaded_at = serializers.DateTimeField()
    download_url = serializers.SerializerMethodField()

    def get_download_url(self, attachment) -> str:
        url = reverse("api-reviews-download", args=[self.context["review"].pk, attachment.pk])
        request = self.context.get("request")
        return request.build_absolute_uri(url) if request else url


class ReviewChecklistResultOutput(ReviewChecklistItemOutput):
    result = serializers.SerializerMethodField(help_text="pass | issue | na, empty until checked")
    note = serializers.SerializerMethodField()

    def get_result(self, item) -> str:
        return (self.context.get("results", {}).get(item.get("id")) or {}).get("result", "")

    def get_note(self, item) -> str:
        return (self.context.get("results", {}).get(item.get("id")) or {}).get("note", "")


class ReviewStepOutput(serializers.Serializer):
    """The workflow task the review waits at. Send its `version` with assign/issue/respond to guard against
    a stale page (a 409 when someone acted first)."""

    task = serializers.IntegerField(source="pk")
    element_id = serializers.CharField(help_text=" | ".join(STEP_ACTIONS))
    name = serializers.CharField()
    version = serializers.IntegerField()
    assignee = ReviewPersonOutput(allow_null=True)
    candidate_role = serializers.CharField(source="candidate_role.code", default=None, allow_null=True)
    due_at = serializers.DateTimeField(allow_null=True)


class ReviewDetailOutput(ReviewOutput):
    """One review with everything its pages show."""

    data = serializers.DictField(help_text="The form data, keyed by the form version's field ids")
    form_fields = ReviewFormFieldOutput(many=True, source="form_version.fields")
    conclusion = serializers.CharField()
    return_reason = serializers.CharField()
    return_count = serializers.IntegerField()
    assigned_at = serializers.DateTimeField(allow_null=True)
    withdrawn_at = serializers.DateTimeField(allow_null=True)
    withdraw_reason = serializers.CharField()
    step = serializers.SerializerMethodField()
    actions = serializers.SerializerMethodField()
    checklist = serializers.SerializerMethodField()
    opinions = serializers.SerializerMethodField()
    attachments = serializers.SerializerMethodField()
    timeline = serializers.SerializerMethodField()

    @extend_schema_field(ReviewStepOutput(allow_null=True))
    def get_step(self, review):
        task = self.context.get("task")
        return ReviewStepOutput(task).data if task else None

    @extend_schema_field(serializers.ListField(child=serializers.CharField(help_text=" | ".join(ACTIONS))))
    def get_actions(self, review):
        """The action endpoints the caller may use now (the services decide again when called)."""
        return self.context.get("actions", [])

    @extend_schema_field(ReviewChecklistResultOutput(many=True))
    def get_checklist(self, review):
        """The review's own checklist (the version it was filed on) with the reviewer's results."""
        return ReviewChecklistResultOutput(
            review.form_version.checklist or [], many=True, context={"results": review.checklist_results or {}}
        ).data

    @extend_schema_field(ReviewOpinionOutput(many=True))
    def get_opinions(self, review):
        return ReviewOpinionOutput(self.context.get("opinions", []), many=True).data

    @extend_schema_field(ReviewAttachmentOutput(many=True))
    def get_attachments(self, review):
        return ReviewAttachmentOutput(self.context.get("attachments", []), many=True, context=self.context).data

    @extend_schema_field(TransitionOutput(many=True))
    def get_timeline(self, review):
        return TransitionOutput(self.context.get("timeline", []), many=True).data


# --- the API's answers ----------------------------------------------------------------------------

REFUSALS = {
    400: OpenApiResponse(
        description="A refusal: {error, detail, fields}; `error` is a reviews.* or core.upload_* code"
    ),
    403: OpenApiResponse(
        description="permission_denied (no model permission), reviews.not_allowed (not who holds this step), "
        "or a workflow refusal"
    ),
    404: OpenApiResponse(description="No such review (or opinion, objection, file) in the caller's scope"),
    409: OpenApiResponse(
        description="reviews.wrong_step (the review is not at this step), workflow.stale_version (`version` is "
        "not the task's current one), workflow.task_closed"
    ),
}


def detail_response(request, review: Review, *, status_code: int = status.HTTP_200_OK) -> Response:
    """The review as its detail, with what the caller may do now (the list and detail endpoints and the actions)."""
    task = selectors.open_task(review)
    context = {
        "request": request,
        "now": timezone.now(),
        "review": review,
        "task": task,
        "actions": actions_for(request.user, review, task),
        "opinions": list(selectors.opinions(review)),
        "attachments": selectors.attachments(review),
        "timeline": workflow_selectors.timeline_for_object(request.user, review),
    }
    return Response(ReviewDetailOutput(review, context=context).data, status=status_code)
