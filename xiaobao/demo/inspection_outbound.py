"""Demo data: outbound 回访 by the robot (issue 20, points 7 and 8), driven through `outbound` and
`outbound_policies` as a branch officer would, on the demo clock.

Each branch's officer enters the new policies due for 新契约回访 as the policy system sends them (four
deliveries over the last three weeks), lists them for the robot in the morning and imports the robot's
results file in the evening, three times, so the lists hold every state a real week has: 回访成功, 客户拒绝, a
retry waiting for its time, one handed to a person after its last attempt or at once for a number that does
not exist, and the policies of the last delivery still waiting for their first call. The complaints waiting
at their 回访 step are listed too; the robot reached none of them yet (a reached call would close the
complaint's 回访 step, which the complaint demo's stories leave open on purpose), so they wait for a retry.

Deterministic: names, numbers, products and results come from a seeded generator; only the call ids, fresh
random tokens by design (outbound.py), differ between loads.
"""

from __future__ import annotations

import csv
import io
import random
from datetime import date, datetime, time, timedelta

from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import User
from xiaobao.inspection import error_codes as codes
from xiaobao.inspection import outbound
from xiaobao.inspection.models import CallTask

SEED = 2026
#: (officer, unit code, policy-number prefix)
BRANCHES = [("tj_officer", "TJ", "TJ"), ("bj_officer", "BJ", "BJ"), ("hb_officer", "HB", "HB")]
#: days before the reference moment on which the policy system delivered new policies, and how many per branch
DELIVERIES = [(20, 9), (9, 7), (4, 6), (1, 5)]
#: mornings (days before the reference moment) on which each branch lists its calls; results come back at 18:00
ROUNDS = [8, 5, 2]
PRODUCTS = ["津冀福满堂年金保险（分红型）", "津冀安康重大疾病保险", "津冀e生保医疗保险", "津冀金账户终身寿险（万能型）"]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = [*"伟芳娜敏静丽强磊军洋勇艳杰娟涛明超", "秀英", "桂兰", "志强"]
#: the robot's result words as its file writes them, with their weights for a first and a later attempt
FIRST_RESULTS = [("接通", 62), ("无人接听", 18), ("忙线", 6), ("关机", 5), ("空号", 3), ("拒绝回访", 6)]
LATER_RESULTS = [("接通", 55), ("无人接听", 25), ("关机", 12), ("拒绝回访", 8)]
NOTES = {
    "接通": [
        "客户确认本人投保，已知悉犹豫期及退保损失。",
        "客户确认已收到保单，对保障责任无异议。",
        "客户确认投保信息真实，了解现金价值说明。",
    ],
    "拒绝回访": ["客户表示工作繁忙，不愿接受回访。"],
}
#: complaint 回访 calls: not reached yet, so the complaint's 回访 step stays as its story left it
COMPLAINT_RESULTS = ["无人接听", "忙线", "关机"]


def _at(reference: datetime, days_before: int, hour: int) -> datetime:
    day = timezone.localtime(reference).date() - timedelta(days=days_before)
    return timezone.make_aware(datetime.combine(day, time(hour, 0)))


def _policies(r: random.Random, prefix: str, unit: str, delivered: date, count: int, serial: int) -> list[dict]:
    records = []
    for number in range(serial, serial + count):
        issued = delivered - timedelta(days=r.randint(1, 4))
        records.append(
            {
                "policy_number": f"P{prefix}{issued:%Y%m%d}{number:04d}",
                "customer_name": r.choice(SURNAMES) + r.choice(GIVEN),
                "phone": "1" + r.choice("3589") + "".join(r.choice("0123456789") for _ in range(9)),
                "org_unit": unit,
                "product_name": r.choice(PRODUCTS),
                # 新契约回访 within the 犹豫期 (15 days from receipt of the policy)
                "due_on": issued + timedelta(days=15),
            }
        )
    return records


def _list_ids(officer: User, purpose: str, moment: datetime) -> list[str]:
    try:
        _batch, _name, content = outbound.call_list_build(actor=officer, purpose=purpose, fmt="csv", now=moment)
    except BusinessRuleError as refusal:
        if refusal.error_code == codes.NOTHING_TO_CALL:
            return []
        raise
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
    return [row[0] for row in rows[1:] if row]


def _results_file(
    r: random.Random, ids: list[str], moment: datetime, weights, *, complaint: bool
) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["外呼编号", "外呼结果", "回访记录", "外呼时间"])
    for index, call_id in enumerate(ids):
        if complaint:
            result = COMPLAINT_RESULTS[index % len(COMPLAINT_RESULTS)]
        else:
            words, odds = zip(*weights, strict=True)
            result = r.choices(words, odds)[0]
        note = r.choice(NOTES[result]) if result in NOTES else ""
        # the robot dials through the working day after the morning's list; the file comes back at its end
        called = timezone.localtime(moment) - timedelta(hours=8) + timedelta(minutes=4 * (index + 1))
        writer.writerow([call_id, result, note, f"{called:%Y-%m-%d %H:%M}"])
    name = f"robot-results-{timezone.localtime(moment):%Y%m%d}.csv"
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), content_type="text/csv")


def load(*, now: datetime | None = None) -> dict:
    reference = now or timezone.now()
    if CallTask.objects.filter(purpose=CallTask.Purpose.POLICY_REVISIT).exists():
        return {"outbound": "already loaded"}
    r = random.Random(SEED)  # noqa: S311 - demo data, not security
    officers = {u.username: u for u in User.objects.filter(username__in=[b[0] for b in BRANCHES])}
    added = listed = results = 0
    serial = 1
    events: list[tuple[datetime, int, str, object]] = []  # (moment, order, what, argument) in time order
    for days, count in DELIVERIES:
        events.append((_at(reference, days, 8), 0, "deliver", count))
    for days in ROUNDS:
        events.append((_at(reference, days, 9), 1, "list", days))
        events.append((_at(reference, days, 18), 2, "results", days))
    pending: dict[tuple[str, str], list[str]] = {}
    for moment, _order, what, argument in sorted(events, key=lambda e: (e[0], e[1])):
        for username, unit, prefix in BRANCHES:
            officer = officers.get(username)
            if officer is None:
                continue
            if what == "deliver":
                records = _policies(r, prefix, unit, timezone.localtime(moment).date(), argument, serial)
                serial += len(records)
                added += outbound.policy_revisits_add(actor=officer, records=records, now=moment)
            elif what == "list":
                for purpose in (CallTask.Purpose.POLICY_REVISIT, CallTask.Purpose.COMPLAINT_REVISIT):
                    ids = _list_ids(officer, purpose, moment)
                    pending[(username, purpose)] = ids
                    listed += len(ids)
            else:
                for purpose in (CallTask.Purpose.POLICY_REVISIT, CallTask.Purpose.COMPLAINT_REVISIT):
                    ids = pending.pop((username, purpose), [])
                    if not ids:
                        continue
                    upload = _results_file(
                        r,
                        ids,
                        moment,
                        FIRST_RESULTS if argument == ROUNDS[0] else LATER_RESULTS,
                        complaint=purpose == CallTask.Purpose.COMPLAINT_REVISIT,
                    )
                    batch = outbound.call_results_import(actor=officer, upload=upload, now=moment)
                    results += batch.applied
    return {"policies": added, "calls_listed": listed, "results_applied": results}
