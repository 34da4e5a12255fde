"""Core reads, each already filtered by the caller's data scope."""

from __future__ import annotations

from django.db.models import QuerySet

from xiaobao.core.models import AuditEntry, OrgUnit, User
from xiaobao.core.scope import scope_for


def org_units_visible_to(user, *, action: str = "view") -> QuerySet[OrgUnit]:
    """Org units inside the user's scope (the tree the user works in)."""
    scope = scope_for(user, action)
    if scope.is_empty:
        return OrgUnit.objects.none()
    if scope.everything:
        return OrgUnit.objects.all()
    return OrgUnit.objects.filter(scope.q(field=None))


def users_visible_to(user, *, filters: dict | None = None) -> QuerySet[User]:
    """Users whose org unit is in the caller's scope."""
    scope = scope_for(user, "view")
    if scope.is_empty:
        return User.objects.none()
    qs = User.objects.select_related("org_unit")
    if not scope.everything:
        qs = qs.filter(scope.q("org_unit"))
    filters = filters or {}
    if "org_unit" in filters:
        qs = qs.filter(org_unit=filters["org_unit"])
    return qs.order_by("org_unit__path", "username")


def audit_entries_visible_to(user, *, filters: dict | None = None) -> QuerySet[AuditEntry]:
    """Audit rows: only for users allowed to view the audit log, within their scope."""
    if not user.has_perm("core.view_auditentry"):
        return AuditEntry.objects.none()
    scope = scope_for(user, "view")
    if scope.is_empty:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.all()
    if not scope.everything:
        qs = qs.filter(scope.q("org_unit"))
    filters = filters or {}
    if filters.get("object_type"):
        qs = qs.filter(object_type=filters["object_type"], object_id=str(filters.get("object_id", "")))
    return qs


def users_by_mobile(user, mobile: str) -> QuerySet[User]:
    """Users in the caller's scope whose mobile is exactly `mobile` (via the blind index, never plaintext)."""
    from xiaobao.core.crypto import blind_index

    if not mobile:
        return User.objects.none()
    return users_visible_to(user).filter(mobile_index=blind_index(mobile))


def notifications_for(user, *, filters: dict | None = None) -> QuerySet:
    """The caller's own notifications, newest first, as the list shows them (digests, not the notices folded
    into them). Filters: `unread=True` keeps the unread; `kind` keeps one module's (`complaints`) or one kind
    (`workflow.overdue`); `digest=<id>` lists the notices folded into that digest of the caller's."""
    from django.db.models import Q

    from xiaobao.core.models import Notification

    if user is None or not user.is_authenticated:
        return Notification.objects.none()
    filters = filters or {}
    qs = Notification.objects.filter(recipient=user)
    # a digest's page lists what it holds; everywhere else the folded notices stay under their digest
    digest = filters.get("digest")
    qs = qs.filter(digest_id=digest) if digest else qs.filter(digest__isnull=True)
    if filters.get("unread"):
        qs = qs.filter(read_at__isnull=True)
    if kind := filters.get("kind"):
        qs = qs.filter(Q(kind=kind) | Q(kind__startswith=f"{kind}."))
    return qs


def unread_notification_count(user) -> int:
    return notifications_for(user, filters={"unread": True}).count()


def notification_group_label(module: str) -> str:
    """A notice's group is the module its kind starts with (`complaints.assigned` -> 投诉管理's app); its name is
    that app's own; kinds of no app (calendar alerts) are 系统."""
    from django.apps import apps
    from django.utils.translation import gettext as _

    # workflow notices are about people's tasks, not the engine; the calendar alert is the working-day calendar's
    named = {"workflow": _("待办任务"), "calendar": _("工作日历")}
    if module in named:
        return named[module]
    try:
        return str(apps.get_app_config(module).verbose_name)
    except LookupError:
        return _("系统")


def notification_groups(user, *, unread: bool = False) -> list[dict]:
    """The caller's notifications grouped by module: key, label, how many and how many unread, the most urgent
    unread level first and then the biggest; one aggregate query."""
    from django.db.models import Count, Q

    qs = notifications_for(user, filters={"unread": unread})
    groups: dict[str, dict] = {}
    for row in qs.values("kind").annotate(
        total=Count("id"),
        unread=Count("id", filter=Q(read_at__isnull=True)),
        urgent=Count("id", filter=Q(read_at__isnull=True, level="urgent")),
    ):
        module = row["kind"].split(".", 1)[0]
        group = groups.setdefault(
            module, {"key": module, "label": notification_group_label(module), "total": 0, "unread": 0, "urgent": 0}
        )
        for field in ("total", "unread", "urgent"):
            group[field] += row[field]
    return sorted(groups.values(), key=lambda g: (-g["urgent"], -g["unread"], -g["total"], g["key"]))


def calendar_days_of_year(year: int) -> dict:
    """The stored holidays and 调休 working days of `year` (date -> kind); the calendar is not
    scoped data: every user's deadlines count on the same one."""
    from xiaobao.core.models import CalendarDay

    return dict(CalendarDay.objects.filter(date__year=year).values_list("date", "kind"))
