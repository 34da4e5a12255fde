"""Training coverage (培训覆盖): for a year and a unit, who has done what their audience group requires.

A person is covered when every compulsory course of the year for their groups (全体员工 plus their own
group, and their channel for sales) is done: attended at a session of that year that taught it, and —
where the course has exams — an exam of the course passed. A person with no compulsory course is NOT
covered (nothing was required of them, so nothing shows they were trained); leavers are out of the count
from their leaving date, new joiners in from their hiring date. The rate is covered ÷ people, summed
over units, never an average of units' rates. Reads are a fixed number of queries whatever the size.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Q

from xiaobao.training.models import Attempt, Attendance, AudienceGroup, CourseAudience, Exam, StaffMember


@dataclass
class Person:
    staff_id: int
    employee_no: str
    name: str
    unit_id: int
    unit_name: str
    group: str
    channel: str
    required: list[int] = field(default_factory=list)
    missing_attendance: list[int] = field(default_factory=list)
    missing_pass: list[int] = field(default_factory=list)

    @property
    def covered(self) -> bool:
        return bool(self.required) and not self.missing_attendance and not self.missing_pass


@dataclass
class Coverage:
    year: int
    people: list[Person]
    course_titles: dict[int, str]

    def rows_by(self, key) -> list[dict]:
        groups: dict = defaultdict(lambda: {"people": 0, "covered": 0})
        for person in self.people:
            row = groups[key(person)]
            row["people"] += 1
            row["covered"] += int(person.covered)
        return [
            {"key": k, **v, "rate": round(100 * v["covered"] / v["people"], 1) if v["people"] else None}
            for k, v in sorted(groups.items(), key=lambda kv: str(kv[0]))
        ]

    @property
    def totals(self) -> dict:
        people = len(self.people)
        covered = sum(p.covered for p in self.people)
        return {"people": people, "covered": covered, "rate": round(100 * covered / people, 1) if people else None}


def _in_year(staff_rows, year: int, until: date | None = None):
    start, end = date(year, 1, 1), min(date(year, 12, 31), until or date(year, 12, 31))
    return staff_rows.filter(Q(left_on__isnull=True) | Q(left_on__gt=end)).filter(
        Q(hired_on__isnull=True) | Q(hired_on__lte=end)
    ), (start, end)


def coverage(staff_rows, year: int, *, until: date | None = None) -> Coverage:
    """Coverage of the people in `staff_rows` (a scoped StaffMember queryset) for `year`, counting what was
    done by `until` (default: the year's end), so a past quarter's figure does not move later."""
    staff_rows, (start, end) = _in_year(staff_rows, year, until)
    audiences = list(
        CourseAudience.objects.filter(course__year=year, compulsory=True).values(
            "course_id", "group", "channel", "course__title"
        )
    )
    titles = {a["course_id"]: a["course__title"] for a in audiences}
    examined_courses = set(
        Exam.objects.filter(course_id__in=titles).exclude(status=Exam.Status.DRAFT).values_list("course_id", flat=True)
    )
    people = [
        Person(
            s["pk"],
            s["employee_no"],
            s["name"],
            s["org_unit_id"],
            s["org_unit__name"],
            s["group"],
            s["channel"],
        )
        for s in staff_rows.values(
            "pk", "employee_no", "name", "org_unit_id", "org_unit__name", "group", "channel"
        ).order_by("org_unit__path", "employee_no")
    ]
    attended = set(
        Attendance.objects.filter(
            staff_id__in=staff_rows.values("pk"),
            session__held_on__range=(start, end),
            session__courses__in=list(titles),
        ).values_list("staff_id", "session__courses")
    )
    passed = set(
        Attempt.objects.filter(
            staff_id__in=staff_rows.values("pk"),
            passed=True,
            exam__course_id__in=list(examined_courses),
            submitted_at__date__lte=end,
        ).values_list("staff_id", "exam__course_id")
    )
    for person in people:
        for audience in audiences:
            if audience["group"] not in (AudienceGroup.ALL_STAFF, person.group):
                continue
            if audience["channel"] and audience["channel"] != person.channel:
                continue
            course = audience["course_id"]
            if course in person.required:
                continue
            person.required.append(course)
            if (person.staff_id, course) not in attended:
                person.missing_attendance.append(course)
            if course in examined_courses and (person.staff_id, course) not in passed:
                person.missing_pass.append(course)
    return Coverage(year=year, people=people, course_titles=titles)


def figures_by_unit(date_from: date, date_to: date) -> dict[int, dict]:
    """Unscoped figures per org unit for the indicators (one GROUP BY each): person-times trained (by the
    attendee's unit), exam sittings, people examined and passed (per exam), resits, and for the year of
    `date_to` the coverage numerator and denominator."""
    from django.db.models import Count

    found: dict[int, dict] = defaultdict(
        lambda: {"person_times": 0, "sittings": 0, "examined": 0, "passed": 0, "resits": 0, "covered": 0, "staff": 0}
    )
    for row in (
        Attendance.objects.filter(session__held_on__range=(date_from, date_to))
        .values("staff__org_unit_id")
        .annotate(n=Count("pk"))
    ):
        found[row["staff__org_unit_id"]]["person_times"] += row["n"]
    done = Attempt.objects.exclude(status=Attempt.Status.IN_PROGRESS).filter(
        submitted_at__date__range=(date_from, date_to)
    )
    for row in done.values("staff__org_unit_id").annotate(n=Count("pk"), resits=Count("pk", filter=Q(number__gt=1))):
        found[row["staff__org_unit_id"]]["sittings"] += row["n"]
        found[row["staff__org_unit_id"]]["resits"] += row["resits"]
    pairs = done.order_by().values("staff__org_unit_id", "exam_id", "staff_id").distinct()
    passed_pairs = set(done.filter(passed=True).values_list("exam_id", "staff_id"))
    for row in pairs:
        unit = found[row["staff__org_unit_id"]]
        unit["examined"] += 1
        unit["passed"] += int((row["exam_id"], row["staff_id"]) in passed_pairs)
    result = coverage(StaffMember.objects.all(), date_to.year, until=date_to)
    for person in result.people:
        found[person.unit_id]["staff"] += 1
        found[person.unit_id]["covered"] += int(person.covered)
    return dict(found)


def figures_watermark() -> tuple:
    from django.db.models import Count, Max

    attendance = Attendance.objects.aggregate(n=Count("pk"), last=Max("pk"))
    attempts = Attempt.objects.exclude(status=Attempt.Status.IN_PROGRESS).aggregate(
        n=Count("pk"), last=Max("submitted_at")
    )
    staff = StaffMember.objects.aggregate(n=Count("pk"), last=Max("updated_at"))
    # strings: the indicators sweep joins the parts into one stored watermark
    return tuple(
        str(v)
        for v in (attendance["n"], attendance["last"], attempts["n"], attempts["last"], staff["n"], staff["last"])
    )
