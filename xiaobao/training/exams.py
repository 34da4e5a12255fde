"""Exams (考试): set a paper (fixed, or rules drawn per person), publish it, and let people sit it.

Sitting an exam: `attempt_start` draws and shuffles the person's paper and fixes the deadline on the
server's clock (the browser's is never asked); `attempt_save` keeps their answers as they go, so a reload
or a dropped connection loses nothing; `attempt_submit` grades and freezes the answers. After the
deadline (plus a short grace for the last request in flight) nothing more is accepted: the answers saved
in time are graded as they stand, by the submit that came too late (which is refused) or by the sweep
`attempts_expire`. One attempt may be open per person and exam (a constraint, not a hope); each new
attempt after the first is a resit (`Attempt.number > 1`).
"""

from __future__ import annotations

import hashlib
import json
import random
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training import selectors
from xiaobao.training.bank import grade_values
from xiaobao.training.models import Attempt, AttemptAnswer, Exam, ExamItem, ExamRule, QuestionVersion, StaffMember
from xiaobao.training.sheets import Column, ImportResult, as_date, read_upload, refusal, text

ADD_PERMISSION = "training.add_exam"
CHANGE_PERMISSION = "training.change_exam"
# A submit sent just before the deadline may arrive just after it; this much lateness is forgiven.
GRACE = timedelta(seconds=15)
MAX_RESPONSE_CHARS = 500


def _manager(actor, unit: OrgUnit | None, permission: str) -> OrgUnit:
    unit = unit or getattr(actor, "org_unit", None)
    if not (actor and actor.is_authenticated and actor.has_perm(permission) and unit is not None):
        raise refusal(codes.NOT_ALLOWED, _("您没有组织考试的权限。"), status=403)
    if not scope_for(actor, "change").covers(unit.path):
        raise refusal(codes.UNIT_OUT_OF_SCOPE, _("您不能为该机构组织考试。"), status=403)
    return unit


def _clean_exam(data: dict) -> dict:
    problems = {}
    title = (data.get("title") or "").strip()
    if not title or len(title) > 200:
        problems["title"] = _("考试名称必填，且不超过200字。")
    try:
        limit = int(data.get("time_limit_minutes") or 0)
    except (TypeError, ValueError):
        limit = 0
    if not 1 <= limit <= 600:
        problems["time_limit_minutes"] = _("考试时长须在 1 到 600 分钟之间。")
    try:
        attempts = int(data.get("attempts_allowed") or 1)
    except (TypeError, ValueError):
        attempts = 0
    if not 1 <= attempts <= 20:
        problems["attempts_allowed"] = _("允许作答次数须在 1 到 20 之间。")
    opens, closes = data.get("opens_at"), data.get("closes_at")
    if not opens or not closes or closes <= opens:
        problems["closes_at"] = _("结束时间须晚于开始时间。")
    if data.get("results", Exam.Results.AFTER_WINDOW) not in Exam.Results.values:
        problems["results"] = _("成绩公布方式无效。")
    if problems:
        field, message = next(iter(problems.items()))
        raise refusal(codes.INVALID, message, field=field)
    return {
        "title": title,
        "time_limit_minutes": limit,
        "attempts_allowed": attempts,
        "opens_at": opens,
        "closes_at": closes,
        "results": data.get("results", Exam.Results.AFTER_WINDOW),
        "shuffle": bool(data.get("shuffle", True)),
        "audience_group": data.get("audience_group") or "",
        "audience_channel": data.get("audience_channel") or "",
    }


@transaction.atomic
def exam_create(
    *,
    actor: User,
    data: dict,
    items: list[tuple[QuestionVersion, Decimal]] = (),
    rules: list[dict] = (),
    pass_mark,
    course=None,
    org_unit: OrgUnit | None = None,
    publish: bool = False,
    now: datetime | None = None,
) -> Exam:
    """An exam owned by the actor: a fixed paper (`items`: (question version, points)) or rules
    (`rules`: {topic, difficulty, kind, count, points}); the pass mark is in points of the paper.

    Refuses NOT_ALLOWED / UNIT_OUT_OF_SCOPE (403), INVALID (fields; no questions; both items and rules;
    a pass mark above the paper's total), NOT_ENOUGH_QUESTIONS (a rule wants more than the bank holds).
    """
    now = now or timezone.now()
    unit = _manager(actor, org_unit, ADD_PERMISSION)
    cleaned = _clean_exam(data)
    if bool(items) == bool(rules):
        raise refusal(codes.INVALID, _("请选择固定试题或设置抽题规则（二选一）。"), field="items")
    total = Decimal(0)
    for rule in rules:
        count, points = int(rule.get("count") or 0), Decimal(str(rule.get("points") or 0))
        if count < 1 or points <= 0:
            raise refusal(codes.INVALID, _("抽题规则的题数和分值须大于0。"), field="rules")
        have = selectors.drawable(
            topic=rule.get("topic", ""), difficulty=rule.get("difficulty", ""), kind=rule.get("kind", "")
        ).count()
        if have < count:
            raise refusal(
                codes.NOT_ENOUGH_QUESTIONS,
                _("规则“%(topic)s”需要 %(n)s 题，题库中只有 %(have)s 题。")
                % {"topic": rule.get("topic") or _("全部"), "n": count, "have": have},
                field="rules",
            )
        total += count * points
    for _version, points in items:
        if Decimal(str(points)) <= 0:
            raise refusal(codes.INVALID, _("每题分值须大于0。"), field="items")
        total += Decimal(str(points))
    pass_mark = Decimal(str(pass_mark))
    if not 0 < pass_mark <= total:
        raise refusal(
            codes.INVALID, _("及格分须大于0且不超过试卷总分 %(total)s。") % {"total": total}, field="pass_mark"
        )
    exam = Exam.objects.create(
        org_unit=unit,
        owner=actor,
        course=course,
        pass_mark=pass_mark,
        paper_mode=Exam.PaperMode.RULES if rules else Exam.PaperMode.FIXED,
        status=Exam.Status.PUBLISHED if publish else Exam.Status.DRAFT,
        created_at=now,
        **cleaned,
    )
    ExamItem.objects.bulk_create(
        [ExamItem(exam=exam, version=v, position=i, points=Decimal(str(p))) for i, (v, p) in enumerate(items, 1)]
    )
    ExamRule.objects.bulk_create(
        [
            ExamRule(
                exam=exam,
                topic=r.get("topic", ""),
                difficulty=r.get("difficulty", ""),
                kind=r.get("kind", ""),
                count=int(r["count"]),
                points=Decimal(str(r["points"])),
            )
            for r in rules
        ]
    )
    audit.record(
        actor=actor, action="training.exam_create", obj=exam, changes={"total": str(total), "publish": publish}, at=now
    )
    return exam


@transaction.atomic
def exam_publish(*, actor: User, exam: Exam, now: datetime | None = None) -> Exam:
    """Open a draft exam to its audience. Refuses NOT_ALLOWED (403: not the owner), WRONG_STATUS (409)."""
    exam = Exam.objects.select_for_update().get(pk=exam.pk)
    if actor.pk != exam.owner_id:
        raise refusal(codes.NOT_ALLOWED, _("只有出题人可以发布考试。"), status=403)
    if exam.status != Exam.Status.DRAFT:
        raise refusal(codes.WRONG_STATUS, _("考试已发布或已结束。"), status=409)
    exam.status = Exam.Status.PUBLISHED
    exam.save(update_fields=["status"])
    audit.record(actor=actor, action="training.exam_publish", obj=exam, at=now)
    return exam


# --- sitting the exam ----------------------------------------------------------------------------------


def _draw(exam: Exam, rng: random.Random) -> list[dict]:
    """The person's paper: fixed items or drawn rules, in shuffled order with shuffled options if asked."""
    if exam.paper_mode == Exam.PaperMode.FIXED:
        chosen = [
            (item.version_id, item.points, item.version.options)
            for item in exam.items.select_related("version").order_by("position")
        ]
    else:
        chosen, taken = [], set()
        for rule in exam.rules.all():
            pool = list(
                selectors.drawable(topic=rule.topic, difficulty=rule.difficulty, kind=rule.kind)
                .exclude(pk__in=taken)
                .values_list("pk", "current_id")
            )
            if len(pool) < rule.count:
                raise refusal(codes.NOT_ENOUGH_QUESTIONS, _("题库中可抽取的试题不足，请联系出题人。"), status=409)
            picked = rng.sample(pool, rule.count)
            taken.update(pk for pk, _v in picked)
            chosen += [(version_id, rule.points, None) for _pk, version_id in picked]
        options = dict(QuestionVersion.objects.filter(pk__in=[c[0] for c in chosen]).values_list("pk", "options"))
        chosen = [(v, p, options[v]) for v, p, _o in chosen]
    if exam.shuffle:
        rng.shuffle(chosen)
    paper = []
    for version_id, points, options in chosen:
        order = [o["key"] for o in options or []]
        if exam.shuffle and len(order) > 2:  # true/false keeps 正确 before 错误
            rng.shuffle(order)
        paper.append({"v": version_id, "points": str(points), "order": order})
    return paper


def _check_can_start(exam: Exam, staff: StaffMember, now: datetime) -> int:
    if exam.status != Exam.Status.PUBLISHED or not exam.opens_at <= now < exam.closes_at:
        raise refusal(codes.EXAM_NOT_OPEN, _("考试不在开放时间内。"), status=409)
    if not selectors.invited(exam, staff):
        raise refusal(codes.NOT_INVITED, _("您不在本场考试的参考范围内。"), status=403)
    done = list(Attempt.objects.filter(exam=exam, staff=staff).values_list("number", "passed"))
    if any(passed for _n, passed in done):
        raise refusal(codes.ALREADY_PASSED, _("您已通过本场考试。"), status=409)
    if len(done) >= exam.attempts_allowed:
        raise refusal(codes.NO_ATTEMPTS_LEFT, _("您的作答次数已用完。"), status=409)
    return max((n for n, _p in done), default=0) + 1


def attempt_start(*, staff: StaffMember, exam: Exam, now: datetime | None = None, seed=None) -> Attempt:
    """Start (or resume) the person's attempt: an open attempt is returned as it is, never a second one.

    Refuses EXAM_NOT_OPEN (409), NOT_INVITED (403), ALREADY_PASSED (409), NO_ATTEMPTS_LEFT (409),
    NOT_ENOUGH_QUESTIONS (409). The deadline is the time limit from now, and never after the window.
    """
    now = now or timezone.now()
    attempts_expire(exam=exam, staff=staff, now=now)  # a lapsed attempt is graded first, then counted
    current = selectors.active_attempt(exam, staff)
    if current is not None:
        return current
    number = _check_can_start(exam, staff, now)
    # not for secrecy: a reproducible shuffle per person and attempt (the paper is stored anyway)
    rng = random.Random(  # noqa: S311
        seed if seed is not None else f"{exam.pk}:{staff.pk}:{number}:{now.timestamp()}"
    )
    paper = _draw(exam, rng)
    deadline = min(now + timedelta(minutes=exam.time_limit_minutes), exam.closes_at)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                exam=exam,
                staff=staff,
                number=number,
                paper=paper,
                started_at=now,
                deadline_at=deadline,
                max_score=sum((Decimal(p["points"]) for p in paper), Decimal(0)),
            )
    except IntegrityError:  # the same person started in another tab at the same moment: that attempt wins
        current = selectors.active_attempt(exam, staff)
        if current is None:
            raise
        return current
    return attempt


def _clean_response(response):
    """A response as stored: a key, a list of keys or of blanks' texts; bounded so a crafted post is harmless."""
    if isinstance(response, list):
        return [str(r)[:MAX_RESPONSE_CHARS] for r in response[:20]]
    if response is None:
        return None
    return str(response)[:MAX_RESPONSE_CHARS]


def _open_attempt(attempt: Attempt, now: datetime) -> Attempt:
    locked = Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt.pk)
    if locked.status != Attempt.Status.IN_PROGRESS:
        raise refusal(codes.ATTEMPT_CLOSED, _("本次作答已交卷。"), status=409)
    return locked


def attempt_save(*, attempt: Attempt, answers: dict, now: datetime | None = None) -> Attempt:
    """Keep answers (merged over those saved before): {version id: response}. Unknown questions are ignored.

    Refuses ATTEMPT_CLOSED (409) and TIME_UP (409, past the deadline and grace: the answers saved in time
    stand, and the attempt is graded on them).
    """
    now = now or timezone.now()
    late = False
    with transaction.atomic():
        attempt = _open_attempt(attempt, now)
        if now > attempt.deadline_at + GRACE:
            late = True
        else:
            _merge(attempt, answers, now)
            attempt.save(update_fields=["draft", "saved_at"])
    if late:
        _finish(attempt, now=attempt.deadline_at, status=Attempt.Status.TIMED_OUT)
        raise refusal(codes.TIME_UP, _("考试时间已到，已按截止前保存的答案交卷。"), status=409)
    return attempt


def _keys(version_ids) -> dict[int, tuple[str, list]]:
    """{version id: (kind, answer)} in one narrow query (no model instances: a hand-in reads fifty)."""
    return {
        pk: (kind, answer)
        for pk, kind, answer in QuestionVersion.objects.filter(pk__in=version_ids).values_list(
            "pk", "question__kind", "answer"
        )
    }


def _insert_answers(rows: list[tuple]) -> None:
    """Write graded answer rows with one executemany. A contest round ends with hundreds of hand-ins in the
    same minute; building and compiling fifty model instances per hand-in cost several times the insert
    itself (benchmarks/exam_submit.py). The columns are the model's own, so a renamed field fails loudly."""
    meta = AttemptAnswer._meta
    names = ["attempt", "version", "position", "response", "correct", "points"]
    columns = ", ".join(connection.ops.quote_name(meta.get_field(n).column) for n in names)
    json_cast = "::jsonb" if connection.vendor == "postgresql" else ""
    marks = f"%s, %s, %s, %s{json_cast}, %s, %s"
    with connection.cursor() as cursor:
        # identifiers come from the model's meta, every value is a parameter
        table = connection.ops.quote_name(meta.db_table)
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({marks})", rows)  # noqa: S608


def _grade(attempt: Attempt, *, now: datetime, status: str) -> Attempt:
    """Grade the locked, open attempt's saved answers and freeze them as answer rows (caller's transaction)."""
    keys = _keys([p["v"] for p in attempt.paper])
    rows, score = [], Decimal(0)
    for position, entry in enumerate(attempt.paper, 1):
        kind, answer = keys[entry["v"]]
        response = attempt.draft.get(str(entry["v"]))
        correct = grade_values(kind, answer, response)
        points = Decimal(entry["points"]) if correct else Decimal(0)
        score += points
        rows.append((attempt.pk, entry["v"], position, json.dumps(response, ensure_ascii=False), correct, str(points)))
    _insert_answers(rows)
    attempt.status = status
    attempt.submitted_at = min(now, attempt.deadline_at)
    attempt.score = score
    attempt.passed = score >= attempt.exam.pass_mark
    attempt.seconds_used = max(0, int((attempt.submitted_at - attempt.started_at).total_seconds()))
    attempt.save(update_fields=["draft", "saved_at", "status", "submitted_at", "score", "passed", "seconds_used"])
    return attempt


def _finish(attempt: Attempt, *, now: datetime, status: str) -> Attempt:
    """Grade an attempt in its own transaction; idempotent (a closed attempt is left as it is)."""
    with transaction.atomic():
        attempt = Attempt.objects.select_for_update(of=("self",)).select_related("exam").get(pk=attempt.pk)
        if attempt.status != Attempt.Status.IN_PROGRESS:
            return attempt
        return _grade(attempt, now=now, status=status)


def _merge(attempt: Attempt, answers: dict, now: datetime) -> None:
    allowed = {str(p["v"]) for p in attempt.paper}
    draft = dict(attempt.draft)
    draft.update({str(k): _clean_response(v) for k, v in answers.items() if str(k) in allowed})
    attempt.draft, attempt.saved_at = draft, now


def attempt_submit(*, attempt: Attempt, answers: dict | None = None, now: datetime | None = None) -> Attempt:
    """Hand the paper in with its last answers (merged over those saved): graded at once, answers frozen,
    all in one transaction.

    Refuses ATTEMPT_CLOSED (409) and TIME_UP (409: after the deadline and grace, the answers in this
    request are not taken; the attempt is graded on those saved in time).
    """
    now = now or timezone.now()
    with transaction.atomic():
        attempt = _open_attempt(attempt, now)
        late = now > attempt.deadline_at + GRACE
        if not late:
            if answers:
                _merge(attempt, answers, now)
            return _grade(attempt, now=now, status=Attempt.Status.SUBMITTED)
    _finish(attempt, now=attempt.deadline_at, status=Attempt.Status.TIMED_OUT)
    raise refusal(codes.TIME_UP, _("考试时间已到，已按截止前保存的答案交卷。"), status=409)


def attempts_expire(*, now: datetime | None = None, exam: Exam | None = None, staff: StaffMember | None = None) -> int:
    """Grade every open attempt whose time ran out (the periodic sweep; also run before a new start).
    Idempotent: safe to run twice or alongside a late submit."""
    now = now or timezone.now()
    lapsed = Attempt.objects.filter(status=Attempt.Status.IN_PROGRESS, deadline_at__lt=now - GRACE)
    if exam is not None:
        lapsed = lapsed.filter(exam=exam)
    if staff is not None:
        lapsed = lapsed.filter(staff=staff)
    count = 0
    for attempt in lapsed.only("pk"):
        _finish(attempt, now=now, status=Attempt.Status.TIMED_OUT)
        count += 1
    return count


def remaining_seconds(attempt: Attempt, *, now: datetime | None = None) -> int:
    """What the page's countdown starts from: the server's deadline minus the server's now."""
    now = now or timezone.now()
    return max(0, int((attempt.deadline_at - now).total_seconds()))


RESULT_COLUMNS = [
    Column("employee_no", "工号", 12, "TJ10023", True),
    Column("name", "姓名", 10, "王晓燕", True, "与名册姓名核对"),
    Column("score", "成绩", 8, 86, True, "不超过试卷总分"),
    Column("sat_on", "考试日期", 12, "2025-06-15", True, "须在考试开放期间内"),
    Column("seconds_used", "用时（秒）", 10, "", False, "选填；知识竞赛同分按用时排名，不超过考试时长"),
]


def results_import(*, actor: User, exam: Exam, upload, now: datetime | None = None) -> ImportResult:
    """Import the results of a paper exam held offline: one row per sitting (a person twice is a resit,
    numbered after their earlier attempts). All or nothing; the file is read and checked first.

    Refuses NOT_ALLOWED (403: not in the actor's writable scope) and the import refusals. Row problems: an
    unknown 工号 or one outside the actor's roster, a name that does not match, a score outside 0..the
    paper's total, a date outside the exam's window, more sittings than the exam allows, a sitting after
    a pass.
    """
    now = now or timezone.now()
    _may_record(actor, exam)
    checked, rows = read_upload(upload, RESULT_COLUMNS, sheet_name="考试成绩")
    return _record_results(
        actor,
        exam,
        rows,
        now=now,
        source={"file": checked.name, "sha256": hashlib.sha256(checked.content).hexdigest()},
    )


def results_record(*, actor: User, exam: Exam, rows: list[dict], now: datetime | None = None) -> ImportResult:
    """The same as `results_import` for rows already parsed ({employee_no, name, score, sat_on}), e.g. by
    the API or a marking system: same checks, same all-or-nothing, the row numbers are 1, 2, …"""
    now = now or timezone.now()
    _may_record(actor, exam)
    if not rows:
        raise refusal(codes.IMPORT_EMPTY, _("没有成绩行。"), field="rows")
    return _record_results(actor, exam, list(enumerate(rows, 1)), now=now, source={"rows": len(rows)})


def _may_record(actor, exam: Exam) -> None:
    if not (actor and actor.is_authenticated and Exam.objects.visible_to(actor, "change").filter(pk=exam.pk).exists()):
        raise refusal(codes.NOT_ALLOWED, _("您不能导入这场考试的成绩。"), status=403)


def _record_results(actor, exam: Exam, rows, *, now: datetime, source: dict) -> ImportResult:
    total = _paper_total(exam)
    roster = {
        s.employee_no: s
        for s in StaffMember.objects.visible_to(actor).filter(
            employee_no__in={text(r.get("employee_no")) for _n, r in rows}
        )
    }
    earlier: dict[int, list] = {}
    for staff_id, number, passed in Attempt.objects.filter(exam=exam, staff__in=roster.values()).values_list(
        "staff_id", "number", "passed"
    ):
        earlier.setdefault(staff_id, []).append((number, passed))
    result = ImportResult(rows=len(rows))
    window = (timezone.localdate(exam.opens_at), timezone.localdate(exam.closes_at))
    ready = []
    for number, row in sorted(rows, key=lambda r: (text(r[1].get("employee_no")), str(r[1].get("sat_on")))):
        staff = roster.get(text(row.get("employee_no")))
        try:
            score = Decimal(text(row.get("score")))
        except InvalidOperation:
            score = None
        try:
            sat_on = as_date(row.get("sat_on"))
        except ValueError:
            sat_on = None
        seconds = text(row.get("seconds_used"))
        seconds = int(seconds) if seconds.isdigit() else (None if not seconds else -1)
        history = earlier.setdefault(staff.pk, []) if staff else []
        if staff is None:
            result.errors.append((number, "工号", _("名册中没有该工号：%(no)s") % {"no": text(row.get("employee_no"))}))
        elif staff.name != text(row.get("name")):
            result.errors.append((number, "姓名", _("姓名与名册不符（名册：%(name)s）。") % {"name": staff.name}))
        elif score is None or not 0 <= score <= total:
            result.errors.append((number, "成绩", _("成绩须在 0 到 %(total)s 之间。") % {"total": total}))
        elif sat_on is None or not window[0] <= sat_on <= window[1]:
            result.errors.append((number, "考试日期", _("考试日期须在考试开放期间内。")))
        elif seconds is not None and not 0 <= seconds <= exam.time_limit_minutes * 60:
            result.errors.append(
                (number, "用时（秒）", _("用时须为 0 到 %(n)s 秒的整数。") % {"n": exam.time_limit_minutes * 60})
            )
        elif any(passed for _n, passed in history):
            result.errors.append((number, "工号", _("该员工已通过本场考试。")))
        elif len(history) >= exam.attempts_allowed:
            result.errors.append((number, "工号", _("该员工的作答次数已用完。")))
        else:
            attempt_no = max((n for n, _p in history), default=0) + 1
            history.append((attempt_no, score >= exam.pass_mark))
            moment = timezone.make_aware(datetime.combine(sat_on, datetime.min.time()))
            ready.append(
                Attempt(
                    exam=exam,
                    staff=staff,
                    number=attempt_no,
                    status=Attempt.Status.IMPORTED,
                    started_at=moment,
                    deadline_at=moment,
                    submitted_at=moment,
                    score=score,
                    max_score=total,
                    passed=score >= exam.pass_mark,
                    seconds_used=seconds,
                )
            )
    if result.errors:
        result.errors.sort()
        return result
    with transaction.atomic():
        Attempt.objects.bulk_create(ready, batch_size=500)
        result.created = len(ready)
        audit.record(
            actor=actor,
            action="training.results_import",
            obj=exam,
            changes={**source, "rows": len(ready)},
            at=now,
        )
    return result


def _paper_total(exam: Exam) -> Decimal:
    if exam.paper_mode == Exam.PaperMode.FIXED:
        return sum((i.points for i in exam.items.all()), Decimal(0))
    return sum((r.points * r.count for r in exam.rules.all()), Decimal(0))
