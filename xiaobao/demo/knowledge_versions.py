"""Demo history for the knowledge centre, on top of the corpus `knowledge.demo.load` writes (it calls `load()`
at its end): versions, approvals and review reminders people can click through.

- one internal policy with three versions: v1 superseded, v2 approved and current, v3 waiting for approval
  (it is in 李晓梅's inbox, and its approval page shows the diff);
- one internal policy whose new version was rejected (the reason shows in its history);
- an FAQ edited twice (published at once: FAQ needs no approval);
- three current policies whose periodic review is due within the reminder window (the review-reminder
  sweep turns them into work orders; it runs here once, as the daily beat would).

Idempotent: a policy that already has a second version is left as it is.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import User
from xiaobao.demo.core import OnItsOwnClock
from xiaobao.knowledge import reminders
from xiaobao.knowledge import services as knowledge_services
from xiaobao.knowledge.models import Document

# each call on the demo clock at its own `now`: what the services stamp themselves carries the event's time
services = OnItsOwnClock(knowledge_services)
AUTHOR = "xiaobao"  # 李晓梅, 总公司消费者权益保护部 (hq_admin: edits and approves)


def _current_policies():
    return Document.objects.filter(
        kind=Document.Kind.POLICY,
        is_archived=False,
        current_version__isnull=False,
        policy_status=Document.PolicyStatus.CURRENT,
    ).order_by("number", "pk")


def _edit(document: Document, author: User, *, body: str, note: str, when: datetime):
    current = document.current_version
    return services.document_edit(
        document=document,
        actor=author,
        title=current.title,
        body=body,
        question=current.question,
        answer=current.answer,
        alternatives=current.alternatives,
        change_note=note,
        now=when,
    )


def _policy_history(policy: Document, author: User, now: datetime) -> None:
    body = policy.current_version.body
    v2 = _edit(
        policy,
        author,
        body=body + "\n第二十条 各分支机构应当每季度向总公司消费者权益保护部报送本办法执行情况。",
        note="增加季度报送要求",
        when=now - timedelta(days=40),
    )
    services.version_approve(version=v2, actor=author, comment="同意发布", now=now - timedelta(days=38))
    policy.refresh_from_db()
    _edit(
        policy,
        author,
        body=policy.current_version.body.replace("每季度", "每半年", 1)
        + "\n第二十一条 本办法由总公司消费者权益保护部负责解释。",
        note="报送频率调整为每半年；明确解释部门",
        when=now - timedelta(days=2),
    )


def _rejected(policy: Document, author: User, now: datetime) -> None:
    version = _edit(
        policy,
        author,
        body=policy.current_version.body + "\n第十九条 投诉处理时限可视情况延长至九十日。",
        note="延长处理时限",
        when=now - timedelta(days=20),
    )
    services.version_reject(
        version=version,
        actor=author,
        reason="与《银行业保险业消费投诉处理管理办法》规定的时限不符，请修改。",
        now=now - timedelta(days=19),
    )


def _faq_history(author: User, now: datetime) -> bool:
    faq = Document.objects.filter(kind=Document.Kind.FAQ, is_archived=False).order_by("pk").first()
    if faq is None or faq.versions.count() > 1:
        return False
    current = faq.current_version
    services.document_edit(
        document=faq,
        actor=author,
        title=current.title,
        question=current.question,
        answer=current.answer + "如有疑问，可拨打客服热线咨询。",
        alternatives=[*current.alternatives, current.question.rstrip("？?") + "怎么办"],
        change_note="补充咨询渠道和相似问法",
        now=now - timedelta(days=10),
    )
    return True


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    now = now or timezone.now()
    author = User.objects.filter(username=AUTHOR).first()
    policies = list(_current_policies()[:5])
    if author is None or len(policies) < 5:
        return {"versions": 0, "reminders": 0}
    added = 0
    if policies[0].versions.count() == 1:
        _policy_history(policies[0], author, now)
        added += 1
    if policies[1].versions.count() == 1:
        _rejected(policies[1], author, now)
        added += 1
    added += _faq_history(author, now)
    today = timezone.localdate(now)
    scheduled = now - timedelta(days=30) + timedelta(hours=10)  # the review dates were set a month ago
    for days, policy in zip((12, 25, 60), policies[2:5], strict=True):
        if policy.review_due_on is None:
            services.document_update(
                document=policy, actor=author, review_due_on=today + timedelta(days=days), now=scheduled
            )
    # today's run of the reminder job (the worker's, at the reference moment) opens the reminders now due
    return {"versions": added, "reminders": reminders.review_reminders_sweep(now=now)}
