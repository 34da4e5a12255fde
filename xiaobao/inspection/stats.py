"""Inspection statistics (质检统计) for the caller's scope: coverage, finding rate by rule, agent, unit,
channel and product, confirmation rate and time to close; and their Excel workbook.

Definitions (the page prints them):
  coverage 质检覆盖率 = interactions scanned ÷ interactions received (started in the period);
  finding rate 违规率 = interactions with a finding that stands (not dismissed as false, not withdrawn)
      ÷ interactions scanned — undecided findings count, so leaving them unreviewed cannot lower it;
  confirmation rate 确认率 = findings confirmed (incl. rectified) ÷ findings decided (confirmed + dismissed);
  time to close = mean days from a finding to its closure (rectified or dismissed).
Each table is one grouped query, whatever the data size.
"""

from __future__ import annotations

from django.db.models import Avg, Count, DurationField, ExpressionWrapper, F, Q
from django.utils.translation import gettext as _

from xiaobao.inspection import selectors
from xiaobao.inspection.models import Finding, Interaction

DIMENSIONS = {
    "rule": ("rule__code", "rule__name"),
    "agent": ("agent__username", "agent__full_name"),
    "unit": ("org_unit__code", "org_unit__name"),
    "channel": ("interaction__channel", None),
    "product": ("interaction__product_code", "interaction__product_name"),
}


def _rate(numerator, denominator) -> float | None:
    return round(100 * numerator / denominator, 2) if denominator else None


def statistics(user, filters: dict | None = None) -> dict:
    filters = {k: v for k, v in (filters or {}).items() if k in ("date_from", "date_to", "org_unit", "channel")}
    interactions = selectors.interactions_visible_to(user, filters).order_by()
    totals = interactions.aggregate(
        received=Count("pk"),
        scanned=Count("pk", filter=Q(scanned_at__isnull=False)),
    )
    standing = Finding.objects.filter(interaction__in=interactions.values("pk"), status__in=selectors.STANDING)
    totals["violating"] = standing.values("interaction").distinct().count()
    findings = selectors.findings_visible_to(user, filters).order_by()
    decided = findings.aggregate(
        findings=Count("pk", filter=~Q(status=Finding.Status.WITHDRAWN)),
        confirmed=Count("pk", filter=Q(status__in=selectors.CONFIRMED)),
        dismissed=Count("pk", filter=Q(status=Finding.Status.DISMISSED)),
        undecided=Count("pk", filter=Q(status__in=Finding.UNDECIDED)),
        close_time=Avg(
            ExpressionWrapper(F("closed_at") - F("created_at"), output_field=DurationField()),
            filter=Q(status__in=(Finding.Status.RECTIFIED, Finding.Status.DISMISSED)),
        ),
    )
    totals.update(decided)
    totals["coverage"] = _rate(totals["scanned"], totals["received"])
    totals["finding_rate"] = _rate(totals["violating"], totals["scanned"])
    totals["confirmation_rate"] = _rate(totals["confirmed"], totals["confirmed"] + totals["dismissed"])
    totals["close_days"] = round(decided["close_time"].total_seconds() / 86400, 1) if decided["close_time"] else None
    tables = {key: _table(findings, interactions, key, totals["scanned"]) for key in DIMENSIONS}
    return {"totals": totals, "tables": tables}


def _table(findings, interactions, key: str, scanned: int) -> list[dict]:
    code_field, label_field = DIMENSIONS[key]
    values = [code_field] + ([label_field] if label_field else [])
    rows = (
        findings.exclude(status=Finding.Status.WITHDRAWN)
        .values(*values)
        .annotate(
            findings=Count("pk"),
            interactions=Count("interaction", filter=~Q(status=Finding.Status.DISMISSED), distinct=True),
            confirmed=Count("pk", filter=Q(status__in=selectors.CONFIRMED)),
            dismissed=Count("pk", filter=Q(status=Finding.Status.DISMISSED)),
        )
        .order_by("-findings")[:50]
    )
    # the denominator of a rule's rate is every scanned interaction; of the others, that group's own
    base = {}
    group_field = code_field.replace("interaction__", "") if key in ("channel", "product") else None
    if key in ("agent", "unit", "channel", "product"):
        field = {"agent": "agent__username", "unit": "org_unit__code"}.get(key, group_field)
        base = dict(
            interactions.filter(scanned_at__isnull=False).values(field).annotate(n=Count("pk")).values_list(field, "n")
        )
    channel_names = dict(Interaction.Channel.choices)
    table = []
    for row in rows:
        code = row[code_field]
        label = row.get(label_field) if label_field else channel_names.get(code, code)
        denominator = scanned if key == "rule" else base.get(code, 0)
        table.append(
            {
                "code": code or "—",
                "label": str(label or code or _("未知")),
                "findings": row["findings"],
                "interactions": row["interactions"],
                "scanned": denominator,
                "rate": _rate(row["interactions"], denominator),
                "confirmed": row["confirmed"],
                "dismissed": row["dismissed"],
                "confirmation_rate": _rate(row["confirmed"], row["confirmed"] + row["dismissed"]),
            }
        )
    return table


def workbook(user, filters: dict | None = None) -> bytes:
    """The statistics as an Excel workbook: a summary sheet and one sheet per dimension (no personal data)."""
    import io

    from openpyxl import Workbook

    from xiaobao.core import xlsx

    data = statistics(user, filters)
    book = Workbook()
    sheet = book.active
    sheet.title = _("汇总")
    period = f"{(filters or {}).get('date_from') or '—'} ~ {(filters or {}).get('date_to') or '—'}"
    xlsx.head(sheet, title=_("质检统计"), subtitle=_("期间：%(p)s") % {"p": period}, header=[_("指标"), _("数值")])
    t = data["totals"]
    for label, value in (
        (_("接入交互数"), t["received"]),
        (_("已质检交互数"), t["scanned"]),
        (_("质检覆盖率（%）"), t["coverage"]),
        (_("有效发现涉及交互数"), t["violating"]),
        (_("违规率（%）"), t["finding_rate"]),
        (_("发现数"), t["findings"]),
        (_("已确认"), t["confirmed"]),
        (_("误报"), t["dismissed"]),
        (_("确认率（%）"), t["confirmation_rate"]),
        (_("平均关闭天数"), t["close_days"]),
    ):
        sheet.append([label, value])
    names = {
        "rule": _("按规则"),
        "agent": _("按坐席"),
        "unit": _("按机构"),
        "channel": _("按渠道"),
        "product": _("按产品"),
    }
    header = [
        _("代码"),
        _("名称"),
        _("发现数"),
        _("涉及交互"),
        _("已质检交互"),
        _("违规率（%）"),
        _("已确认"),
        _("误报"),
        _("确认率（%）"),
    ]
    for key, rows in data["tables"].items():
        page = book.create_sheet(str(names[key]))
        xlsx.head(page, title=str(names[key]), subtitle=_("期间：%(p)s") % {"p": period}, header=header)
        for row in rows:
            page.append(
                [
                    row["code"],
                    row["label"],
                    row["findings"],
                    row["interactions"],
                    row["scanned"],
                    row["rate"],
                    row["confirmed"],
                    row["dismissed"],
                    row["confirmation_rate"],
                ]
            )
            for cell in page[page.max_row]:
                xlsx.as_text(cell)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
