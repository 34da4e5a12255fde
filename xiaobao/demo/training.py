"""Demo data for training (培训考试): the published year as the model institution reported it (demo_data.TOTALS).

Everything goes through `training.services` with an injected `now` in date order: the roster is imported
from an HR sheet built here; programmes, courses, sessions (the branches' sessions tracked by the plans
demo's training-plan work orders where they exist), attendance, the question bank, exams with their
results, and the 消保之星 contest (its online preliminary sat through the real start/submit services,
team scores, awards). The figures are not stored anywhere: the pages and the indicators count the rows.
"""

from __future__ import annotations

import io
import random
from collections import defaultdict
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo import training_data as D
from xiaobao.demo.core import OnItsOwnClock
from xiaobao.training import contest_selectors
from xiaobao.training import services as training_services
from xiaobao.training.models import AudienceGroup, ContestRound, Exam, Programme, Question, StaffMember
from xiaobao.training.roster import COLUMNS, SHEET_NAME

# each call on the demo clock at its own `now`: what the services stamp themselves carries the event's time
services = OnItsOwnClock(training_services)
ADMIN = "xiaobao"  # 李晓梅, head office's 消保部: runs the year's training


def _at(day: date, hour: int = 10, minute: int = 0) -> datetime:
    return timezone.make_aware(datetime(day.year, day.month, day.day, hour, minute))


def _day(rng: random.Random, start: tuple[int, int], end: tuple[int, int]) -> date:
    first, last = date(D.YEAR, *start), date(D.YEAR, *end)
    day = first + timedelta(days=rng.randrange((last - first).days + 1))
    while day.weekday() >= 5:  # sessions are held on working days
        day -= timedelta(days=1)
    return max(day, first)


def split(total: int, parts: int, *, cap: int | None = None) -> list[int]:
    """`total` in `parts` near-equal whole parts (each at most `cap`); they add up to `total` exactly."""
    base, extra = divmod(total, parts)
    found = [base + (1 if i < extra else 0) for i in range(parts)]
    if cap is not None and max(found) > cap:
        raise ValueError(f"{total} in {parts} parts exceeds {cap}")
    return found


# --- the roster ----------------------------------------------------------------------------------------


def _roster_rows(rng: random.Random, users: dict[str, User]) -> list[list]:
    """HR's sheet: the demo's users, the generated staff by group and unit, December joiners, leavers."""
    weights = list(D.BRANCH_UNITS.values())
    branch_codes = list(D.BRANCH_UNITS)
    people: list[tuple[str, str, str]] = []  # (group, channel, unit code)
    for group, count in D.ROSTER.items():
        at_hq = D.HQ_SHARE[group]
        people += [(group, "", "HQ")] * at_hq
        people += [(group, "", code) for code in rng.choices(branch_codes, weights, k=count - at_hq)]
    for channel, count in D.SALES.items():
        people += [("sales", channel, code) for code in rng.choices(branch_codes, weights, k=count)]
    labels = dict(AudienceGroup.choices)
    channel_names = D.CHANNEL_NAMES
    rows, number = [], 0

    def row(group, channel, unit, *, username="", department="", position="", hired=None, left=None):
        nonlocal number
        number += 1
        name = users[username].full_name if username else rng.choice(D.SURNAMES) + "".join(rng.sample(D.GIVEN, 2))
        hired = hired or date(rng.randrange(2008, D.YEAR), rng.randrange(1, 13), 1)
        department = department or (
            "销售管理部"
            if group == "sales"
            else "综合管理部"
            if group == "management"
            else "运营管理部"
            if group == "operations"
            else "客户服务部"
        )
        position = position or (f"{channel_names[channel]}业务员" if group == "sales" else str(labels[group]))
        return [
            f"JJ{number:05d}",
            name,
            unit,
            department,
            position,
            str(labels[group]),
            channel_names.get(channel, ""),
            username,
            hired.isoformat(),
            left.isoformat() if left else "",
        ]

    for username, group, channel, department, position in D.USERS:
        rows.append(
            row(
                group,
                channel,
                users[username].org_unit.code,
                username=username,
                department=department,
                position=position,
            )
        )
    rows += [row(group, channel, unit) for group, channel, unit in people]
    december = date(D.YEAR, 12, 2)
    rows += [row("all_staff", "", rng.choice(branch_codes), hired=december) for _ in range(D.NEW_JOINERS)]
    rows += [row("operations", "", rng.choice(branch_codes), left=date(D.YEAR, 3, 29)) for _ in range(D.LEAVERS)]
    return rows


def _import_roster(admin: User, rows: list[list], now: datetime) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    sheet.title = SHEET_NAME
    sheet.append([c.title for c in COLUMNS])
    for values in rows:
        sheet.append(values)
    buffer = io.BytesIO()
    book.save(buffer)
    upload = SimpleUploadedFile(f"{D.YEAR}年员工花名册.xlsx", buffer.getvalue())
    result = services.staff_import(actor=admin, upload=upload, now=now)
    if not result.ok:
        raise ValueError(f"demo roster refused: {result.errors[:3]}")


# --- courses, programmes, the question bank ------------------------------------------------------------


class Year:
    """The year's courses by audience, the question bank, and one exam per taught course."""

    def __init__(self, admin: User, units: dict[str, OrgUnit], rng: random.Random):
        self.admin, self.units, self.rng = admin, units, rng
        self.programmes: dict[str, Programme] = {}
        self.courses: dict[str, list] = {}
        self.exams: dict[int, Exam] = {}
        self.versions: list = []

    def build(self) -> None:
        now = _at(date(D.YEAR, 1, 8), 9)
        for key, name in D.PROGRAMMES:
            self.programmes[key] = services.programme_create(actor=self.admin, year=D.YEAR, name=name, now=now)
        self.programme_key = {p.pk: key for key, p in self.programmes.items()}

        def course(title, programme, audiences, hours="2"):
            return services.course_create(
                actor=self.admin,
                title=title,
                year=D.YEAR,
                audiences=audiences,
                hours=hours,
                programme=self.programmes[programme],
                now=now,
            )

        self.courses["all_compulsory"] = [
            course(t, "all_compulsory", [("all_staff", "", True)], "3") for t in D.ALL_STAFF_COMPULSORY
        ]
        self.courses["all_elective"] = [
            course(t, "all_elective_a" if i < 5 else "all_elective_b", [("all_staff", "", False)])
            for i, t in enumerate(D.ALL_STAFF_ELECTIVE)
        ]
        titles = [f"{topic}{aspect}" for topic in D.OPERATIONS_TOPICS for aspect in D.OPERATIONS_ASPECTS]
        ops = []
        for i, title in enumerate(titles):
            compulsory = i % 6 == 0  # spread over the topics, 8 in all
            programme = "ops_compulsory" if compulsory else ("ops_a", "ops_b", "ops_c")[i * 3 // len(titles)]
            ops.append((compulsory, course(title, programme, [("operations", "", compulsory)])))
        self.courses["ops_compulsory"] = [c for m, c in ops if m]
        self.courses["ops_elective"] = [c for m, c in ops if not m]
        assert len(self.courses["ops_compulsory"]) == D.OPERATIONS_COMPULSORY
        for channel, name in D.CHANNEL_NAMES.items():
            self.courses[f"sales_compulsory_{channel}"] = [
                course(f"{name}渠道{t}", f"sales_{channel}", [("sales", channel, True)]) for t in D.SALES_COMPULSORY
            ]
            self.courses[f"sales_elective_{channel}"] = [
                course(f"{name}渠道{t}", f"sales_{channel}", [("sales", channel, False)]) for t in D.SALES_ELECTIVE
            ]
        for kind, topic, right, stem, options, answer, explanation in D.QUESTIONS:
            question = services.question_create(
                actor=self.admin,
                kind=kind,
                stem=stem,
                options=[{"key": "ABCDEFGH"[i], "text": t} for i, t in enumerate(options)],
                answer=answer,
                explanation=explanation,
                topic=topic,
                right=right,
                difficulty=self.rng.choice(["easy", "medium", "medium", "hard"]),
                now=now,
            )
            self.versions.append(question.current)

    def exam_for(self, course, *, created: datetime) -> Exam:
        """The course's exam (one per course, open all year, two sittings allowed), made on first use."""
        if course.pk not in self.exams:
            paper = self.rng.sample(self.versions, 10)
            self.exams[course.pk] = services.exam_create(
                actor=self.admin,
                data={
                    "title": f"{course.title}考试",
                    "time_limit_minutes": 30,
                    "attempts_allowed": 2,
                    "opens_at": _at(date(D.YEAR, 1, 2), 0),
                    "closes_at": _at(date(D.YEAR, 12, 31), 23, 59),
                    "results": Exam.Results.AFTER_WINDOW,
                },
                items=[(v, Decimal(10)) for v in paper],
                pass_mark=D.PASS_MARK,
                course=course,
                publish=True,
                now=created,
            )
        return self.exams[course.pk]


# --- sessions, attendance and results ------------------------------------------------------------------


class Sessions:
    """Plans the year's sessions (who attends each) so the person-times add up to the published totals,
    then records them through the services in date order."""

    def __init__(self, year: Year, staff: list[StaffMember], orders: dict[str, int]):
        self.year, self.rng, self.orders = year, year.rng, orders
        self.staff = [s for s in staff if s.left_on is None and s.hired_on and s.hired_on.year < D.YEAR]
        self.planned: list[dict] = []
        self.taken: dict[int, set[int]] = defaultdict(set)  # course -> people who attended it

    def _plan(self, *, title, unit, group, channel, courses, programme, held_on, people, mode="offline"):
        for person in people:
            self.taken[courses[0].pk].add(person.pk)
        self.planned.append(
            {
                "title": title,
                "unit": unit,
                "group": group,
                "channel": channel,
                "courses": courses,
                "programme": programme,
                "held_on": held_on,
                "people": people,
                "mode": mode,
            }
        )

    def _sample(self, pool, course, count):
        free = [p for p in pool if p.pk not in self.taken[course.pk]]
        return self.rng.sample(free, count)

    def plan(self) -> None:
        rng, units, courses = self.rng, self.year.units, self.year.courses
        by_branch = defaultdict(list)
        for person in self.staff:
            by_branch[person.org_unit.path[:10] if person.org_unit.code != "HQ" else "HQ"].append(person)
        top = {
            u.path[:10] if u.code != "HQ" else "HQ": u.code
            for u in units.values()
            if u.code in ("HQ", "BJ", "TJ", "HB")
        }
        # compulsory sessions: everyone of the branch once (all staff), operations, each sales channel
        for code in sorted(set(D.SESSIONS["all_compulsory_units"])):
            key = next(k for k, v in top.items() if v == code)
            rounds = D.SESSIONS["all_compulsory_units"].count(code)
            people = sorted(by_branch[key], key=lambda p: p.employee_no)
            for i in range(rounds):
                self._plan(
                    title=f"{D.YEAR}年消保法规全员必修培训（{units[code].name}第{i + 1}期）",
                    unit=units[code],
                    group="all_staff",
                    channel="",
                    courses=courses["all_compulsory"],
                    programme="all_compulsory",
                    held_on=_day(rng, (4, 8 + 7 * i), (4, 12 + 7 * i)),
                    people=people[i::rounds],
                    mode="online" if code == "HQ" else "offline",
                )
        for code in D.SESSIONS["ops_compulsory_units"]:
            key = next(k for k, v in top.items() if v == code)
            self._plan(
                title=f"运营专员岗位必修培训（{units[code].name}）",
                unit=units[code],
                group="operations",
                channel="",
                courses=courses["ops_compulsory"],
                programme="ops_compulsory",
                held_on=_day(rng, (5, 6), (5, 24)),
                people=[p for p in by_branch[key] if p.group == "operations"],
            )
        sales = [p for p in self.staff if p.group == "sales"]
        for channel, name in D.CHANNEL_NAMES.items():
            for code in ("BJ", "TJ", "HB"):
                key = next(k for k, v in top.items() if v == code)
                self._plan(
                    title=f"{name}渠道销售行为规范必修培训（{units[code].name}）",
                    unit=units[code],
                    group="sales",
                    channel=channel,
                    courses=courses[f"sales_compulsory_{channel}"],
                    programme=f"sales_{channel}",
                    held_on=_day(rng, (6, 3), (6, 28)),
                    people=[p for p in by_branch[key] if p.channel == channel],
                )
        # electives: the rest of the published person-times, sales apart
        compulsory_sales = sum(len(s["people"]) for s in self.planned if s["group"] == "sales")
        sales_sessions = D.TOTALS["sales_sessions"] - len([s for s in self.planned if s["group"] == "sales"])
        sizes = {c: len([p for p in sales if p.channel == c]) for c in D.CHANNEL_NAMES}
        per_channel = _shares(sales_sessions, sizes, floor=D.SESSIONS["sales_elective_min_per_channel"])
        person_times = _shares(D.TOTALS["sales_person_times"] - compulsory_sales, sizes)
        for channel, name in D.CHANNEL_NAMES.items():
            pool = [p for p in sales if p.channel == channel]
            electives = courses[f"sales_elective_{channel}"]
            counts = split(person_times[channel], per_channel[channel], cap=len(pool))
            for i, count in enumerate(counts):
                course = electives[i % len(electives)]
                self._plan(
                    title=f"{name}渠道选修：{course.title.removeprefix(name + '渠道')}",
                    unit=units["HQ"],
                    group="sales",
                    channel=channel,
                    courses=[course],
                    programme=f"sales_{channel}",
                    held_on=_day(rng, (7, 1), (11, 29)),
                    people=self._sample(pool, course, count),
                    mode="online",
                )
        rest = D.TOTALS["person_times"] - D.TOTALS["sales_person_times"]
        rest -= sum(len(s["people"]) for s in self.planned if s["group"] != "sales")
        ops_share = rest * 26 // 100
        operations = [p for p in self.staff if p.group == "operations"]
        for i, count in enumerate(split(ops_share, D.SESSIONS["ops_elective"], cap=len(operations))):
            course = courses["ops_elective"][i % len(courses["ops_elective"])]
            self._plan(
                title=f"运营服务消保实务：{course.title}",
                unit=units[("HQ", "BJ", "TJ", "HB")[i % 4]],
                group="operations",
                channel="",
                courses=[course],
                programme=self.year.programme_key[course.programme_id],
                held_on=_day(rng, (7, 1), (11, 29)),
                people=self._sample(operations, course, count),
            )
        for i, count in enumerate(split(rest - ops_share, D.SESSIONS["all_elective"])):
            course = courses["all_elective"][i % len(courses["all_elective"])]
            code = ("HQ", "BJ", "TJ", "HB")[i % 4]
            self._plan(
                title=f"消保知识选修课堂：{course.title}",
                unit=units[code],
                group="all_staff",
                channel="",
                courses=[course],
                programme="all_elective_a" if course in courses["all_elective"][:5] else "all_elective_b",
                held_on=_day(rng, (7, 1), (11, 29)),
                people=self._sample(self.staff, course, count),
                mode="online",
            )

    def record(self, admin: User) -> None:
        """Each session through the services on its day: created, tracked by the plan's work order of its
        unit (when the plans demo issued one), attendance, and the exam sittings (a week later a resit for
        those who failed)."""
        sittings: dict[int, list[dict]] = defaultdict(list)
        for row in sorted(self.planned, key=lambda r: r["held_on"]):
            created = _at(row["held_on"] - timedelta(days=7), 10)
            session = services.session_create(
                actor=admin,
                title=row["title"],
                held_on=row["held_on"],
                courses=row["courses"],
                audience_group=row["group"],
                audience_channel=row["channel"],
                mode=row["mode"],
                trainer="总公司消保部讲师团" if row["unit"].code == "HQ" else f"{row['unit'].name}内训师",
                place="官方APP直播间" if row["mode"] == "online" else f"{row['unit'].name}培训教室",
                programme=self.year.programmes[row["programme"]],
                org_unit=row["unit"],
                now=created,
            )
            order = self.orders.get(row["unit"].code)
            if order:
                services.session_link_workorder(actor=admin, session=session, order_pk=order, now=created)
            services.attendance_add(
                actor=admin, session=session, staff_members=row["people"], now=_at(row["held_on"], 9, 30)
            )
            exam = self.year.exam_for(row["courses"][0], created=created)
            for person in row["people"]:
                failed = self.rng.random() < D.FAIL_RATE
                score = self.rng.randrange(30, 60, 10) if failed else self.rng.choice([70, 80, 80, 90, 90, 100])
                base = {"employee_no": person.employee_no, "name": person.name}
                sittings[exam.pk].append({**base, "score": score, "sat_on": row["held_on"]})
                if failed:
                    resit = min(row["held_on"] + timedelta(days=7), date(D.YEAR, 12, 31))
                    sittings[exam.pk].append({**base, "score": self.rng.choice([60, 70, 80]), "sat_on": resit})
        exams = {e.pk: e for e in self.year.exams.values()}
        for exam_id, rows in sittings.items():
            result = services.results_record(
                actor=admin, exam=exams[exam_id], rows=rows, now=_at(max(r["sat_on"] for r in rows), 17)
            )
            if not result.ok:
                raise ValueError(f"demo results refused: {result.errors[:3]}")


def _shares(total: int, weights: dict[str, int], *, floor: int = 0) -> dict[str, int]:
    """`total` split by `weights` (largest remainder), each at least `floor`; adds up to `total`."""
    spare = total - floor * len(weights)
    whole = sum(weights.values())
    exact = {k: spare * w / whole for k, w in weights.items()}
    parts = {k: int(v) for k, v in exact.items()}
    for key in sorted(exact, key=lambda k: exact[k] - parts[k], reverse=True)[: spare - sum(parts.values())]:
        parts[key] += 1
    return {k: floor + v for k, v in parts.items()}


# --- the contest ---------------------------------------------------------------------------------------


def _contest(admin: User, year: Year, staff: list[StaffMember]) -> None:
    """The 消保之星 contest: an online preliminary sat by 571 people (through start/submit, each with their
    own time), a team round of seven units' teams, a final of four, and the awards."""
    rng, units, spec = year.rng, year.units, D.CONTEST
    opened = _at(date(D.YEAR, 6, 17), 9)
    contest = services.contest_create(actor=admin, year=D.YEAR, title=spec["title"], now=opened - timedelta(days=10))
    exam = services.exam_create(
        actor=admin,
        data={
            "title": f"{spec['title']}初赛",
            "time_limit_minutes": 30,
            "attempts_allowed": 1,
            "opens_at": opened,
            "closes_at": opened + timedelta(days=4, hours=9),
            "results": Exam.Results.ON_SUBMIT,
        },
        items=[(v, Decimal(spec["points"])) for v in rng.sample(year.versions, spec["questions"])],
        pass_mark=60,
        publish=True,
        now=opened - timedelta(days=10),
    )
    services.round_add(
        actor=admin, contest=contest, kind=ContestRound.Kind.PRELIMINARY, name="初赛（线上个人赛）", exam=exam
    )
    keys = {v.pk: (v.question.kind, v.answer, [o["key"] for o in v.options]) for v in year.versions}
    eligible = [s for s in staff if s.left_on is None and s.hired_on and s.hired_on.year < D.YEAR]
    players = rng.sample(eligible, D.TOTALS["contest_participants"])
    # the demo's own users sat it on the exam page (their papers and answers can be opened); the other
    # papers came from the answer-sheet export of the same round (score and time used per person)
    online = [p for p in players if p.user_id]
    for person in sorted(online, key=lambda p: p.employee_no):
        started = opened + timedelta(minutes=rng.randrange(0, 4 * 24 * 60))
        attempt = services.attempt_start(staff=person, exam=exam, now=started, seed=person.pk)
        skill, answers = rng.uniform(0.55, 0.98), {}
        for entry in attempt.paper:
            kind, answer, options = keys[entry["v"]]
            if rng.random() < skill:
                answers[str(entry["v"])] = answer if kind in ("multiple", "fill") else answer[0]
            elif kind == "fill":
                answers[str(entry["v"])] = ["?"]
            else:
                answers[str(entry["v"])] = next(k for k in options if k not in answer)
        used = timedelta(seconds=rng.randrange(300, 1750))
        services.attempt_submit(attempt=attempt, answers=answers, now=started + used)
    rows = []
    for person in players:
        if person.user_id:
            continue
        right = sum(rng.random() < rng.uniform(0.55, 0.98) for _ in range(spec["questions"]))
        rows.append(
            {
                "employee_no": person.employee_no,
                "name": person.name,
                "score": right * spec["points"],
                "sat_on": (opened + timedelta(days=rng.randrange(0, 5))).date(),
                "seconds_used": rng.randrange(300, 1750),
            }
        )
    result = services.results_record(actor=admin, exam=exam, rows=rows, now=opened + timedelta(days=5))
    if not result.ok:
        raise ValueError(f"demo contest results refused: {result.errors[:3]}")
    ranking = contest_selectors.individual_ranking(contest)
    closed = opened + timedelta(days=7)
    team_round = services.round_add(
        actor=admin, contest=contest, kind=ContestRound.Kind.TEAM, name="团体赛（机构代表队）"
    )
    final = services.round_add(actor=admin, contest=contest, kind=ContestRound.Kind.FINAL, name="决赛")
    chosen: set[int] = set()
    teams = []
    for code in sorted(spec["teams"], key=lambda c: -len(units[c].path)):  # deeper units pick first
        unit = units[code]
        members = [
            r["staff"]
            for r in ranking
            if r["staff"].pk not in chosen and r["staff"].org_unit.path.startswith(unit.path)
        ][:3]
        chosen.update(m.pk for m in members)
        teams.append(
            services.team_create(
                actor=admin, contest=contest, org_unit=unit, name=f"{unit.name}代表队", members=members, now=closed
            )
        )
    for team in teams:
        services.team_score_set(
            actor=admin,
            stage=team_round,
            team=team,
            score=rng.randrange(120, 200),
            seconds_used=rng.randrange(900, 1500),
            now=closed,
        )
    for row in contest_selectors.team_ranking(contest)[: spec["finalists"]]:
        services.team_score_set(
            actor=admin,
            stage=final,
            team=row["team"],
            score=rng.randrange(60, 100),
            seconds_used=rng.randrange(600, 900),
            now=closed,
        )
    awarded = closed + timedelta(days=3)
    for title, row in zip(spec["team_awards"], contest_selectors.team_ranking(contest), strict=False):
        services.award_give(actor=admin, contest=contest, title=title, rank=row["rank"], team=row["team"], now=awarded)
    titles = [title for title, count in spec["individual_awards"] for _ in range(count)]
    for title, row in zip(titles, ranking, strict=False):
        services.award_give(
            actor=admin, contest=contest, title=title, rank=row["rank"], staff=row["staff"], now=awarded
        )


def _plan_orders(admin: User) -> dict[str, int]:
    """The plans demo's training-plan orders to each branch (the yearly training plan is a 方案; its task
    reached the branches as work orders), found by their title through workorders' selectors."""
    from xiaobao.workorders import selectors as workorder_selectors

    rows = workorder_selectors.work_orders_visible_to(admin, {"box": "all"}).filter(
        title__startswith=f"{D.YEAR}年", title__endswith="：组织开展年度消保培训及考试", parent__isnull=False
    )
    return dict(rows.values_list("org_unit__code", "pk"))


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """Build the year once (nothing is added when the roster has anyone)."""
    if StaffMember.objects.exists():
        return {"staff": 0}
    rng = random.Random(D.YEAR)  # noqa: S311 - a fixed demo sequence, not a secret
    users = {
        u.username: u for u in User.objects.select_related("org_unit").filter(username__in=[u[0] for u in D.USERS])
    }
    admin = users[ADMIN]
    units = {u.code: u for u in OrgUnit.objects.all()}
    _import_roster(admin, _roster_rows(rng, users), _at(date(D.YEAR, 1, 5), 9))
    staff = list(StaffMember.objects.select_related("org_unit").order_by("employee_no"))
    year = Year(admin, units, rng)
    year.build()
    sessions = Sessions(year, staff, _plan_orders(admin))
    sessions.plan()
    sessions.record(admin)
    _contest(admin, year, staff)
    return {"staff": len(staff), "questions": Question.objects.count()}
