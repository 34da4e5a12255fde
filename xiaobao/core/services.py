"""Core write use cases. Every service writes its audit row in the same transaction."""

from __future__ import annotations

from typing import Any

from django.db import models, transaction

from xiaobao.core import audit, crypto
from xiaobao.core.models import User


def model_update(*, instance: models.Model, fields: list[str], data: dict[str, Any]) -> tuple[models.Model, bool, dict]:
    """Set only the listed fields present in `data`, validate, save those columns.

    Returns (instance, changed, diff) so callers can skip audit rows for edits that change nothing.
    """
    before = {f: getattr(instance, f) for f in fields if f in data}
    changed_fields = [f for f in before if before[f] != data[f]]
    for field in changed_fields:
        setattr(instance, field, data[field])
    if not changed_fields:
        return instance, False, {}
    instance.full_clean()
    instance.save(update_fields=changed_fields)
    return instance, True, {f: {"before": before[f], "after": data[f]} for f in changed_fields}


@transaction.atomic
def user_set_preferences(
    *, user: User, actor: User, care_mode: bool | None = None, language: str | None = None
) -> User:
    """Remember a user's care mode and interface language. Refuses a language not offered."""
    from django.conf import settings
    from django.core.exceptions import ValidationError

    data: dict[str, Any] = {}
    if care_mode is not None:
        data["care_mode"] = bool(care_mode)
    if language is not None:
        if language not in dict(settings.LANGUAGES):
            raise ValidationError({"language": "unsupported"}, code="unsupported_language")
        data["language"] = language
    user, changed, changes = model_update(instance=user, fields=["care_mode", "language"], data=data)
    if changed:
        audit.record(actor=actor, action="user.preferences", obj=user, changes=changes, org_unit=user.org_unit)
    return user


@transaction.atomic
def user_set_mobile(*, user: User, actor: User, mobile: str) -> User:
    """Store a user's mobile number encrypted with its blind index; the audit row holds it masked."""
    from xiaobao.core.masking import mask_phone

    user.mobile = mobile
    user.mobile_index = crypto.blind_index(mobile) if mobile else ""
    user.save(update_fields=["mobile", "mobile_index"])
    audit.record(
        actor=actor, action="user.mobile", obj=user, changes={"mobile": mask_phone(mobile)}, org_unit=user.org_unit
    )
    return user


@transaction.atomic
def personal_data_reveal(
    *, actor: User, obj: models.Model, field: str, reason: str, ip_address: str | None = None
) -> str:
    """Return the plaintext of one encrypted personal-data field and log the reveal (PIPL).

    Writes an audit row "personal_data.reveal" with the reason, the field name and the masked
    value, in the same transaction as the read. Refuses (BusinessRuleError, code from
    core.error_codes): a field that is not an encrypted personal-data field of the object
    (REVEAL_FIELD_NOT_PERSONAL); an object outside the actor's view scope, unless it is the
    actor's own record (REVEAL_NOT_ALLOWED, 403); a blank reason (REVEAL_REASON_REQUIRED) or one
    longer than 500 characters (REVEAL_REASON_TOO_LONG).
    """
    from xiaobao.core import error_codes as codes
    from xiaobao.core.api_errors import BusinessRuleError
    from xiaobao.core.fields import encrypted_fields
    from xiaobao.core.masking import mask_field_value
    from xiaobao.core.scope import scope_for

    if field not in {f.name for f in encrypted_fields(type(obj))}:
        raise BusinessRuleError(codes.REVEAL_FIELD_NOT_PERSONAL, f"{field} is not a personal-data field")
    is_self = isinstance(obj, User) and obj.pk == getattr(actor, "pk", None)
    org_unit = getattr(obj, "org_unit", None)
    scope = scope_for(actor, "view")
    in_scope = scope.everything or (org_unit is not None and scope.covers(org_unit.path))
    if not (is_self or in_scope):
        raise BusinessRuleError(codes.REVEAL_NOT_ALLOWED, "outside your data scope", status_code=403)
    reason = (reason or "").strip()
    if not reason:
        raise BusinessRuleError(codes.REVEAL_REASON_REQUIRED, "a reason is required to reveal personal data")
    if len(reason) > 500:
        raise BusinessRuleError(codes.REVEAL_REASON_TOO_LONG, "the reason is limited to 500 characters")
    # Reveal what is stored, not whatever the caller's instance holds in memory.
    value = type(obj)._base_manager.filter(pk=obj.pk).values_list(field, flat=True).first() or ""
    audit.record(
        actor=actor,
        action="personal_data.reveal",
        obj=obj,
        reason=reason,
        changes={"field": field, "value": mask_field_value(field, value)},
        ip_address=ip_address,
    )
    return value


# --- notifications -------------------------------------------------------------------------


def notify(
    *,
    recipients,
    kind: str,
    title: str,
    body: str = "",
    url: str = "",
    obj: models.Model | None = None,
    dedupe_key: str = "",
    level: str = "info",
    email: bool = False,
    now=None,
) -> int:
    """Write one in-app notification per recipient; returns how many were new.

    Runs in the caller's transaction (plain `atomic`, so other services may call it). With a
    `dedupe_key`, a recipient who already has that key gets nothing new: sweeps that run twice
    notify once. Text is masked: a notification never carries personal data in clear. With
    `email`, recipients who have an address also get it by mail — the row is marked pending and
    the worker's periodic job sends it, so a slow mail server never holds up a request.
    `now` is the time of the event reported (default: this moment); the notice carries it.

    The digest rule (settings.NOTIFICATION_DIGEST_AFTER, NOTIFICATION_DIGEST_WINDOW_MINUTES): a recipient who
    already has that many notices of this kind from the window before `now` gets this one folded into a digest
    notice instead of a separate one; the folded notice is kept (and deduplicated) but not mailed on its own.
    """
    from django.utils import timezone

    from xiaobao.core.masking import mask_text
    from xiaobao.core.models import Notification

    users = {u.pk: u for u in recipients if u is not None and getattr(u, "is_active", True)}
    if not users:
        return 0
    now = now or timezone.now()
    if dedupe_key:
        already = set(
            Notification.objects.filter(recipient__in=users, dedupe_key=dedupe_key).values_list(
                "recipient_id", flat=True
            )
        )
        users = {pk: u for pk, u in users.items() if pk not in already}
    if not users:
        return 0
    crowded = _recipients_over_digest_threshold(users, kind=kind, now=now)
    digests = _open_digests(crowded, kind=kind, now=now, email=email, users=users, level=level) if crowded else {}
    rows = [
        Notification(
            recipient_id=pk,
            kind=kind,
            level=level,
            title=mask_text(str(title))[:200],
            body=mask_text(str(body)),
            url=url[:300],
            object_type=obj._meta.label_lower if obj is not None else "",
            object_id=str(obj.pk) if obj is not None else "",
            dedupe_key=dedupe_key[:200],
            created_at=now,
            email_state=(
                Notification.EmailState.PENDING
                if email and user.email and pk not in digests
                else Notification.EmailState.NONE
            ),
            digest=digests.get(pk),
        )
        for pk, user in users.items()
    ]
    with transaction.atomic():
        # ignore_conflicts: a concurrent sweep may have inserted the same key since the read above.
        Notification.objects.bulk_create(rows, ignore_conflicts=bool(dedupe_key))
        for digest in digests.values():
            _refresh_digest(digest)
    return len(rows)


def _digest_window():
    from datetime import timedelta

    from django.conf import settings

    return settings.NOTIFICATION_DIGEST_AFTER, timedelta(minutes=settings.NOTIFICATION_DIGEST_WINDOW_MINUTES)


def _recipients_over_digest_threshold(users: dict, *, kind: str, now) -> set[int]:
    """The recipients who already have the threshold's worth of notices of `kind` from the window before `now`
    (separate ones and ones already folded; digest rows themselves do not count)."""
    from django.db.models import Count

    from xiaobao.core.models import Notification

    after, window = _digest_window()
    if after <= 0:
        return set()
    counts = (
        Notification.objects.filter(
            recipient__in=users, kind=kind, is_digest=False, created_at__gt=now - window, created_at__lte=now
        )
        .values("recipient_id")
        .annotate(n=Count("id"))
    )
    return {c["recipient_id"] for c in counts if c["n"] >= after}


DIGEST_LISTED = 20  # titles a digest's body lists; the rest are counted ("…and 12 more") and shown on its page


def _open_digests(crowded: set[int], *, kind: str, now, email: bool, users: dict, level: str) -> dict:
    """recipient id -> the digest of `kind` this notice goes into: the recipient's open one (unread, last fed
    within the window before `now`), else a new one, mailed once if the notices would have been."""
    from xiaobao.core.models import Notification

    _after, window = _digest_window()
    digests = {
        d.recipient_id: d
        for d in Notification.objects.filter(
            recipient_id__in=crowded, kind=kind, is_digest=True, read_at__isnull=True, created_at__gt=now - window
        ).order_by("created_at")
    }
    for pk in crowded - set(digests):
        digests[pk] = Notification.objects.create(
            recipient_id=pk,
            kind=kind,
            level=level,
            title=kind,  # rewritten by _refresh_digest once the notices are in
            created_at=now,
            is_digest=True,
            email_state=(
                Notification.EmailState.PENDING if email and users[pk].email else Notification.EmailState.NONE
            ),
        )
    return digests


LEVEL_ORDER = ["info", "warning", "urgent"]


def _refresh_digest(digest) -> None:
    """Rewrite a digest's count, title, body, level and time from the notices it holds (the newest first)."""
    from django.urls import reverse
    from django.utils.translation import gettext as _

    from xiaobao.core.models import Notification

    folded = list(digest.folded.order_by("-created_at", "-id").values("title", "level", "created_at"))
    if not folded:  # every notice meant for it was a duplicate a concurrent sweep had already written
        if not digest.digest_size:
            digest.delete()
        return
    size = len(folded)
    lines = [f"· {f['title']}" for f in folded[:DIGEST_LISTED]]
    if size > DIGEST_LISTED:
        lines.append(_("……另有 %(n)d 条") % {"n": size - DIGEST_LISTED})
    Notification.objects.filter(pk=digest.pk).update(
        digest_size=size,
        title=(_("%(n)d 条同类通知：%(latest)s 等") % {"n": size, "latest": folded[0]["title"]})[:200],
        body="\n".join(lines),
        level=max((f["level"] for f in folded), key=lambda lv: LEVEL_ORDER.index(lv) if lv in LEVEL_ORDER else 0),
        url=f"{reverse('core:notifications')}?digest={digest.pk}",
        created_at=max(f["created_at"] for f in folded),
    )


def notify_about(
    obj: models.Model,
    people,
    *,
    kind: str,
    title: str,
    body: str = "",
    level: str = "info",
    key: str = "",
    now=None,
) -> int:
    """One notification per person about one business object, in the app and by e-mail: the kind is named by the
    object's app (`complaints.assigned`), the link is the object's page, the body defaults to its summary (its
    `title`, else its `subject`); with `key`, at most once per person, event and object. `now` is the event's
    time (default: this moment)."""
    prefix = obj._meta.app_label
    summary = getattr(obj, "title", None) or getattr(obj, "subject", None) or str(obj)
    return notify(
        recipients=people,
        kind=f"{prefix}.{kind}",
        level=level,
        title=title,
        body=body or summary,
        url=obj.get_absolute_url(),
        obj=obj,
        dedupe_key=f"{prefix}.{kind}.{obj.pk}.{key}" if key else "",
        email=True,
        now=now,
    )


def notifications_send_emails(*, batch: int = 200) -> dict[str, int]:
    """Mail the pending notifications (the worker runs this every sweep); each row is sent at most once.

    A row is claimed (pending -> sending state by a conditional UPDATE) before it is mailed, so two
    workers never send the same one; a failure marks it failed and is logged, not retried forever.
    """
    import logging

    from django.conf import settings
    from django.core.mail import send_mail
    from django.utils import timezone

    from xiaobao.core.models import Notification

    log = logging.getLogger(__name__)
    result = {"sent": 0, "failed": 0}
    pending = Notification.objects.filter(email_state=Notification.EmailState.PENDING).values_list("pk", flat=True)
    for pk in list(pending[:batch]):
        claimed = Notification.objects.filter(pk=pk, email_state=Notification.EmailState.PENDING).update(
            email_state=Notification.EmailState.SENT, emailed_at=timezone.now()
        )
        if not claimed:
            continue
        note = Notification.objects.select_related("recipient").get(pk=pk)
        link = f"{settings.SITE_URL.rstrip('/')}{note.url}" if note.url else ""
        try:
            send_mail(
                subject=f"[XiaoBao] {note.title}",
                message="\n\n".join(part for part in (note.body, link) if part),
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=[note.recipient.email],
            )
            result["sent"] += 1
        except Exception:  # one bad address or a mail outage must not stop the rest
            log.exception("notification %s: mail failed", pk)
            Notification.objects.filter(pk=pk).update(email_state=Notification.EmailState.FAILED)
            result["failed"] += 1
    return result


@transaction.atomic
def notifications_mark_read(*, user: User, ids: list[int] | None = None, kind: str = "", now=None) -> int:
    """Mark the user's own notifications read: the listed `ids`, else all unread ones (of `kind` when given: a
    module such as `complaints` or a full kind such as `workflow.overdue`). A digest read is read with every
    notice it holds. Others' notifications are never touched, whatever ids are sent. Returns how many rows
    became read (a digest and the notices folded into it each count)."""
    from django.db.models import Q
    from django.utils import timezone

    from xiaobao.core.models import Notification

    qs = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if ids is not None:
        qs = qs.filter(Q(pk__in=ids) | Q(digest_id__in=ids))
    if kind:
        qs = qs.filter(Q(kind=kind) | Q(kind__startswith=f"{kind}."))
    return qs.update(read_at=now or timezone.now())


# --- attachments ---------------------------------------------------------------------------


def attachments_add(*, owner: models.Model, files, actor: User | None, purpose: str = "", max_files: int = 20):
    """Check every file by content first, then store them all against `owner`; returns the rows.

    Runs in the caller's transaction. Nothing is stored unless every file passes (see
    `uploads.check_upload` for the refusals; UPLOAD_TOO_MANY beyond `max_files`). The owner's org
    unit scopes the attachments. One audit row per file, with its name, type, size and hash.
    """
    from django.utils.translation import gettext as _

    from xiaobao.core import error_codes as codes
    from xiaobao.core.api_errors import BusinessRuleError
    from xiaobao.core.uploads import check_upload

    files = [f for f in files or [] if f]
    if len(files) > max_files:
        raise BusinessRuleError(
            codes.UPLOAD_TOO_MANY,
            _("一次最多上传 %(n)s 个文件。") % {"n": max_files},
            fields={"files": [codes.UPLOAD_TOO_MANY]},
        )
    checked = [check_upload(f) for f in files]  # all refusals before any write
    with transaction.atomic():
        return [attachment_store(owner=owner, item=item, actor=actor, purpose=purpose) for item in checked]


def attachment_store(*, owner: models.Model, item, actor: User | None, purpose: str = "", org_unit_id=None):
    """Store one file already checked by `uploads.check_upload` (a CheckedUpload) against `owner`.

    For callers that check with their own list of kinds or limits (the knowledge import reads Word, PDF
    and zip files, which are not evidence kinds). The attachment is scoped to `org_unit_id`, by default
    the owner's unit. Runs in the caller's transaction; one audit row with the name, type, size and hash.
    """
    import hashlib

    from django.contrib.contenttypes.models import ContentType
    from django.core.files.base import ContentFile
    from django.utils import timezone

    from xiaobao.core.models import Attachment

    row = Attachment(
        org_unit_id=org_unit_id or owner.org_unit_id,
        content_type=ContentType.objects.get_for_model(owner),
        object_id=str(owner.pk),
        purpose=purpose,
        name=item.name,
        kind=item.kind.code,
        mime=item.kind.mime,
        extension=item.kind.extension,
        size=item.size,
        sha256=hashlib.sha256(item.content).hexdigest(),
        uploaded_by=actor if getattr(actor, "is_authenticated", False) else None,
        uploaded_at=timezone.now(),
    )
    row.file.save("upload", ContentFile(item.content), save=False)
    row.save()
    audit.record(
        actor=actor,
        action="attachment.add",
        obj=owner,
        changes={"file": item.name, "kind": item.kind.code, "size": item.size, "sha256": row.sha256},
    )
    return row


# --- working-day calendar ------------------------------------------------------------------


@transaction.atomic
def calendar_seed_from_package(*, actor: User | None = None, years: set[int] | None = None) -> list[int]:
    """Enter the holiday and 调休 schedule of each year the `chinese-calendar` package covers.

    Only years with no `CalendarYear` row are entered: once a year exists (seeded or typed in by an
    admin), its days are the admins' to edit and a later seed never overwrites them. Returns the
    years entered; writes one audit row per year.
    """
    import chinese_calendar
    from chinese_calendar.constants import Holiday
    from chinese_calendar.constants import holidays as package_holidays
    from chinese_calendar.constants import workdays as package_workdays

    from xiaobao.core.models import CalendarDay, CalendarYear

    chinese = {h.value: h.chinese for h in Holiday}
    covered = {d.year for d in package_holidays} | {d.year for d in package_workdays}
    wanted = covered if years is None else covered & set(years)
    todo = sorted(wanted - set(CalendarYear.objects.values_list("year", flat=True)))
    source = f"chinese-calendar {getattr(chinese_calendar, '__version__', '')}".strip()
    for year in todo:
        days = [
            CalendarDay(date=d, kind=CalendarDay.Kind.HOLIDAY, name=chinese.get(name, name))
            for d, name in package_holidays.items()
            if d.year == year
        ] + [
            CalendarDay(date=d, kind=CalendarDay.Kind.WORKDAY, name=f"{chinese.get(name, name)}调休")
            for d, name in package_workdays.items()
            if d.year == year
        ]
        # A day an admin entered by hand before the year was marked complete stays as entered.
        existing = set(CalendarDay.objects.filter(date__year=year).values_list("date", flat=True))
        CalendarDay.objects.bulk_create([d for d in days if d.date not in existing])
        entry = CalendarYear.objects.create(year=year, complete=True, source=source)
        audit.record(actor=actor, action="calendar.seed", obj=entry, changes={"days": len(days), "source": source})
    return todo


def calendar_check_coverage(*, today=None) -> list[int]:
    """Alert system administrators when a year that deadlines now reach has no holiday schedule.

    The State Council publishes next year's schedule each November; from November 1 next year
    must be entered, and the current year always. Deadlines into a missing year count weekends
    only and are marked provisional until it is. One notification per admin per missing year.
    Returns the missing years.
    """
    from django.utils import timezone
    from django.utils.translation import gettext as _

    from xiaobao.core.directory import users_with_role
    from xiaobao.core.models import CalendarYear

    today = today or timezone.localdate()
    needed = {today.year} | ({today.year + 1} if today.month >= 11 else set())
    known = set(CalendarYear.objects.filter(complete=True, year__in=needed).values_list("year", flat=True))
    missing = sorted(needed - known)
    admins = list(users_with_role("sysadmin")) + list(User.objects.filter(is_superuser=True, is_active=True))
    for year in missing:
        notify(
            recipients=admins,
            kind="calendar.missing_year",
            level="warning",
            title=_("请录入 %(year)s 年节假日安排") % {"year": year},
            body=_(
                "%(year)s 年的法定节假日与调休安排尚未录入工作日历。在录入之前，落在该年的期限只按周末计算，"
                "并标记为“待确认”。国务院办公厅通常于每年 11 月公布次年安排。"
            )
            % {"year": year},
            url=f"/core/calendar/notice/?year={year}",
            dedupe_key=f"calendar.missing_year.{year}",
        )
    return missing


def due_recounted_body(before, after) -> str:
    """What a "deadline counted again on the published schedule" notice says (complaints, work orders and the
    workflow's own task deadlines send one): the old and the new date, local."""
    from django.utils import timezone
    from django.utils.translation import gettext as _

    return _("原期限 %(before)s，现为 %(after)s。") % {
        "before": timezone.localtime(before).strftime("%Y-%m-%d") if before else "—",
        "after": timezone.localtime(after).strftime("%Y-%m-%d"),
    }


def calendar_publish_notice(*, year: int, text: str, actor: User, now=None) -> dict:
    """Store a year's holidays and 调休 working days read from the State Council's notice, replacing what
    was stored for that year, mark the year complete, audit before and after, and let every app
    recompute the provisional deadlines falling in it (`signals.calendar_year_published`), all in one
    transaction. Returns {"holidays", "workdays", "added", "removed", "changed"}.

    Refuses: NOTICE_NOT_ALLOWED (403: not a head-office user who may change the calendar),
    NOTICE_BAD_YEAR, NOTICE_UNREADABLE (any bad or ambiguous line; `fields["lines"]` lists each
    problem; nothing is saved).
    """
    from django.utils.translation import gettext as _

    from xiaobao.core import error_codes as codes
    from xiaobao.core import holiday_notice
    from xiaobao.core.api_errors import BusinessRuleError
    from xiaobao.core.models import CalendarDay, CalendarYear
    from xiaobao.core.signals import calendar_year_published
    from xiaobao.core.workdays import Calendar

    if not may_publish_notice(actor):
        raise BusinessRuleError(codes.NOTICE_NOT_ALLOWED, _("仅总公司日历管理员可以录入节假日安排。"), status_code=403)
    if not isinstance(year, int) or not 2000 <= year <= 2100:
        raise BusinessRuleError(codes.NOTICE_BAD_YEAR, _("请填写有效年份。"), fields={"year": [codes.NOTICE_BAD_YEAR]})
    notice = holiday_notice.parse(text, year)
    if not notice.ok:
        lines = [f"{p.line}: {p.message}" if p.line else p.message for p in notice.problems]
        raise BusinessRuleError(
            codes.NOTICE_UNREADABLE, _("通知有无法确认的内容，未保存。"), fields={"text": lines, "lines": lines}
        )
    with transaction.atomic():
        before = dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
        after = {day: kind for day, (kind, _festival) in notice.days.items()}
        CalendarDay.objects.filter(date__year=year).delete()
        CalendarDay.objects.bulk_create(
            CalendarDay(
                date=day,
                kind=kind,
                name=(festival if kind == CalendarDay.Kind.HOLIDAY else f"{festival}调休")[:50],
            )
            for day, (kind, festival) in sorted(notice.days.items())
        )
        entry, _created = CalendarYear.objects.update_or_create(
            year=year, defaults={"complete": True, "source": _("国务院办公厅通知")[:100]}
        )
        summary = {
            "holidays": sum(1 for k in after.values() if k == CalendarDay.Kind.HOLIDAY),
            "workdays": sum(1 for k in after.values() if k == CalendarDay.Kind.WORKDAY),
            "added": sorted(d.isoformat() for d in after.keys() - before.keys()),
            "removed": sorted(d.isoformat() for d in before.keys() - after.keys()),
            "changed": sorted(d.isoformat() for d in after.keys() & before.keys() if after[d] != before[d]),
        }
        audit.record(actor=actor, action="calendar.publish_notice", obj=entry, changes=summary, at=now)
        # bulk writes send no post_save: drop the cached calendar by hand, and hand the apps a fresh one
        from xiaobao.core import calendar_cache

        calendar_cache.forget()
        calendar_year_published.send(sender=CalendarYear, year=year, calendar=Calendar.load(), actor=actor, now=now)
    return summary


def may_publish_notice(user) -> bool:
    """A head-office user who may change the calendar (the 总公司 administrators)."""
    unit = getattr(user, "org_unit", None)
    return bool(
        user and user.is_active and user.has_perm("core.change_calendarday") and unit and unit.parent_id is None
    )
