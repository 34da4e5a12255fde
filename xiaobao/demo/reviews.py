"""Demo data for 消保审查: the seed year's reviews (DOMAIN.md: 153 reviews, 50 substantive opinions, all
adopted; review forms grown from six types to eight, with the new objection procedure).

Every review goes through `reviews.services` (and its verification orders through `workorders.services`)
with an injected `now`, replayed in date order by `workflow.demo.Timeline` with the periodic sweep in
between, so each review has its real process, tasks, history, audit rows and notifications:

- 153 reviews filed in 2025 (the last complete year) by the head office's business departments across the eight form types (业务活动
  方案类 and 第三方合作类 only from July, when the two new forms came in), assigned by 消保部 (李晓梅) to 赵磊;
- 50 substantive opinions, all finally adopted; most of them require a change, verified before launch by a
  整改 work order that the department reports back on and 消保部 accepts;
- a few reviews returned for missing material and resubmitted, one withdrawn by its department;
- five objections: four settled by re-review (the review lead withdrew the general opinion), one referred to
  the 消保委员会, which upheld the substantive opinion (recorded decision and attendees).

The business departments' clerks beyond 陈静 (product_clerk) are demo users of this module (`CLERKS`), so
the statistics by department have more than one row.
"""

from __future__ import annotations

import random
from datetime import date, datetime

from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.core.roles import role_group
from xiaobao.core.workdays import Calendar
from xiaobao.demo.core import demo_password_hash
from xiaobao.demo.reviews_data import (
    ATTENDEES,
    CLERKS,
    COMMITTEE,
    CONCLUSIONS,
    DOCUMENTS,
    GENERAL_TEXTS,
    LEAD,
    REVIEWER,
    SUBSTANTIVE_TEXTS,
    YEAR,
    Plan,
    form_data,
    plan_year,
)
from xiaobao.demo.workflow import Clock, Timeline, docx_file, moment
from xiaobao.reviews import services
from xiaobao.reviews.models import FormType, Objection, Opinion, Review
from xiaobao.workorders import services as workorders


class Script:
    """Turns plans into timeline steps through the services."""

    def __init__(self, people: dict[str, User], calendar: Calendar):
        self.people, self.calendar = people, calendar
        self.reviews: dict[int, Review] = {}
        self.types = {t.name: t for t in FormType.objects.all()}
        self._documents: dict[str, bytes] = {}

    def document(self, name: str, kind: str) -> ContentFile:
        """A real .docx named for the review; the few bodies are built once (python-docx is slow: ~40 ms each)."""
        if kind not in self._documents:
            title, text = DOCUMENTS[kind]
            self._documents[kind] = docx_file(f"{kind}.docx", title, [text]).read()
        return ContentFile(self._documents[kind], name=name)

    def after(self, day: date, working_days: int) -> date:
        return self.calendar.add_working_days(day, working_days).date

    def add(self, timeline: Timeline, index: int, plan: Plan, rng: random.Random) -> None:
        clerk = self.people[plan.department]
        lead, reviewer = self.people[LEAD], self.people[REVIEWER]
        at = moment

        def submit(now: datetime) -> None:
            form_type = self.types[plan.type_name]
            version = form_type.versions.get(is_current=True)
            name = f"{plan.title}（报审稿）.docx"
            self.reviews[index] = services.review_submit(
                actor=clerk,
                form_type=form_type,
                title=plan.title,
                product_name=plan.product,
                planned_launch=date.fromordinal(plan.day.toordinal() + 45),
                data=form_data(version, plan),
                files=[self.document(name, "material")],
                urgency=Review.Urgency.URGENT if plan.urgent else Review.Urgency.NORMAL,
                now=now,
            )

        day = plan.day
        timeline.at(at(day, 9, 30), submit)
        if plan.returned:
            timeline.at(
                at(day, 15, 0),
                lambda now: services.review_return(
                    review=self.reviews[index],
                    actor=lead,
                    reason="报审材料不全：缺少产品说明书（或方案）终稿及相关部门会签意见，请补充后重新提交。",
                    now=now,
                ),
            )
            day = self.after(day, 2)
            timeline.at(
                at(day, 10, 0),
                lambda now: services.review_resubmit(
                    review=self.reviews[index],
                    actor=clerk,
                    files=[self.document("补充材料.docx", "supplement")],
                    now=now,
                ),
            )
        if plan.withdrawn:
            timeline.at(
                at(self.after(day, 1), 9, 0),
                lambda now: services.review_withdraw(
                    review=self.reviews[index],
                    actor=clerk,
                    reason="业务方案调整，该事项暂缓推出，撤回审查申请。",
                    now=now,
                ),
            )
            return
        due_days = 3 if plan.urgent else 5
        timeline.at(
            at(day, 16, 0) if plan.urgent else at(self.after(day, 1), 9, 15),
            lambda now: services.review_assign(
                review=self.reviews[index],
                actor=lead,
                reviewer=reviewer,
                urgency=Review.Urgency.URGENT if plan.urgent else Review.Urgency.NORMAL,
                due_days=due_days,
                now=now,
            ),
        )
        day = self.after(day, rng.randint(1, due_days - 1) + (0 if plan.urgent else 1))
        opinions: list[tuple[str, tuple, bool]] = []
        for n in range(plan.substantive):
            opinions.append(("substantive", SUBSTANTIVE_TEXTS[(index + n) % len(SUBSTANTIVE_TEXTS)], plan.verify[n]))
        for n in range(plan.general):
            opinions.append(("general", GENERAL_TEXTS[(index * 3 + n) % len(GENERAL_TEXTS)], False))

        def review(now: datetime) -> None:
            item = self.reviews[index]
            checklist = item.form_version.checklist
            results = {entry["id"]: {"result": "pass", "note": ""} for entry in checklist}
            if opinions and checklist:
                results[checklist[index % len(checklist)]["id"]] = {"result": "issue", "note": "见审查意见。"}
            services.review_record_checklist(review=item, actor=reviewer, results=results, now=now)
            for kind, (location, risk, suggestion, right), verify in opinions:
                services.opinion_add(
                    review=item,
                    actor=reviewer,
                    kind=kind,
                    location=location,
                    risk=risk,
                    suggestion=suggestion,
                    right=right,
                    requires_change=verify,
                    now=now,
                )
            key = "substantive" if plan.substantive else "general" if plan.general else "none"
            services.review_issue_opinions(review=item, actor=reviewer, conclusion=CONCLUSIONS[key], now=now)

        timeline.at(at(day, 16, 30), review)
        if not opinions:
            return
        day = self.after(day, rng.randint(2, 6))
        disputed = {"rereview": plan.substantive, "committee": 0}.get(plan.objection)

        def respond(now: datetime) -> None:
            item = self.reviews[index]
            responses = {}
            for position, opinion in enumerate(item.opinions.order_by("seq")):
                if position == disputed and plan.objection == "committee":
                    responses[opinion.pk] = {
                        "response": Opinion.Response.REJECTED,
                        "reason": "该条款沿用已备案的行业示范条款，调整需重新报备，影响产品按期上线，建议维持原条款。",
                    }
                elif position == disputed and plan.objection == "rereview":
                    partial = index % 2 == 0
                    responses[opinion.pk] = {
                        "response": Opinion.Response.PARTIAL if partial else Opinion.Response.REJECTED,
                        "reason": "已在正文补充提示，附件版式受印刷模板限制不再调整。"
                        if partial
                        else "该信息已在官方APP及官网公示，材料篇幅有限，不再重复列示。",
                    }
                else:
                    responses[opinion.pk] = {"response": Opinion.Response.ADOPTED, "reason": "已按意见修改。"}
            name = f"{plan.title}（修改稿）.docx"
            services.review_respond(
                review=item,
                actor=clerk,
                responses=responses,
                files=[self.document(name, "revised")],
                now=now,
            )

        timeline.at(at(day, 14, 0), respond)
        if plan.objection:
            day = self.after(day, 2)
            upheld = plan.objection == "committee"
            timeline.at(
                at(day, 10, 30),
                lambda now: services.objection_rereview(
                    objection=Objection.objects.get(opinion__review=self.reviews[index]),
                    actor=lead,
                    upheld=upheld,
                    note="经复核，该意见涉及消费者知情权和公平交易权，维持审查意见，提交消保委员会审议。"
                    if upheld
                    else "经复核，业务部门已通过其他渠道履行告知义务，撤回该条一般性意见。",
                    now=now,
                ),
            )
            if upheld:
                day = self.after(day, 8)
                timeline.at(
                    at(day, 15, 0),
                    lambda now: services.objection_committee_decide(
                        objection=Objection.objects.get(opinion__review=self.reviews[index]),
                        actor=self.people[COMMITTEE],
                        outcome=Objection.Outcome.OPINION_UPHELD,
                        decision="经消保委员会审议：免责条款提示不充分直接影响消费者知情权和公平交易权，维持审查意见，"
                        "业务部门须按意见修改，经消保部验证后方可上线。",
                        attendees=ATTENDEES,
                        now=now,
                    ),
                )
        if not any(plan.verify):
            return
        accept_day = self.after(day, 1)
        report_day = self.after(accept_day, rng.randint(2, 6))

        def orders() -> list[int]:
            return list(
                self.reviews[index]
                .opinions.filter(verification_order_id__isnull=False)
                .order_by("seq")
                .values_list("verification_order_id", flat=True)
            )

        def accept(now: datetime) -> None:
            for order in orders():
                workorders.workorder_accept(order=order, actor=clerk, now=now)

        def report(now: datetime) -> None:
            for order in orders():
                workorders.workorder_submit_feedback(
                    order=order,
                    actor=clerk,
                    text="已按审查意见完成修改，修改后的条款（材料）已定稿，见附件，请验证。",
                    files=[self.document(f"{plan.title}（定稿）.docx", "final")],
                    now=now,
                )

        def verified(now: datetime) -> None:
            for order in orders():
                workorders.workorder_review(
                    order=order, actor=lead, approved=True, comment="经核对，已按意见修改，验证通过。", now=now
                )
            services.review_refresh_verification(review=self.reviews[index], now=now)

        timeline.at(at(accept_day, 9, 40), accept)
        timeline.at(at(report_day, 16, 10), report)
        timeline.at(at(self.after(report_day, 1), 10, 20), verified)


def _people() -> dict[str, User]:
    """The lead, reviewer and committee member of core's demo, and a clerk per business department."""
    head_office = OrgUnit.objects.filter(parent__isnull=True).order_by("path").first()
    people = {u.username: u for u in User.objects.filter(username__in=[LEAD, REVIEWER, COMMITTEE])}
    for username, full_name, department in CLERKS:
        user = User.objects.filter(username=username).first()
        if user is None:
            user = User(username=username, full_name=full_name, org_unit=head_office, department=department)
            user.password = demo_password_hash()
            user.save()
            user.groups.add(role_group("dept_clerk"))
        people[department] = user
    return people


def _current(script: Script, timeline: Timeline, now: datetime) -> None:
    """A few reviews of the last weeks still under way, so each role has work waiting: one to assign (李晓梅),
    one being reviewed (赵磊), one whose opinions wait for an answer (陈静), one before the committee (孙丽华),
    one whose change is being verified (a work order with 陈静)."""
    clock = Clock(now)
    p = script.people
    clerk, lead, reviewer = p["个人业务部"], p[LEAD], p[REVIEWER]
    made: dict[str, Review] = {}
    texts = {"s": SUBSTANTIVE_TEXTS, "g": GENERAL_TEXTS}

    def submit(key: str, type_name: str, title: str, product: str, who: User = clerk):
        def step(when: datetime) -> None:
            plan = Plan(type_name, who.department, title, product, timezone.localtime(when).date())
            form_type = script.types[type_name]
            made[key] = services.review_submit(
                actor=who,
                form_type=form_type,
                title=title,
                product_name=product,
                planned_launch=date.fromordinal(plan.day.toordinal() + 60),
                data=form_data(form_type.versions.get(is_current=True), plan),
                files=[script.document(f"{title}（报审稿）.docx", "material")],
                now=when,
            )

        return step

    def assign(key: str):
        return lambda when: services.review_assign(
            review=made[key], actor=lead, reviewer=reviewer, urgency=Review.Urgency.NORMAL, due_days=5, now=when
        )

    def opinions(key: str, specs: list[tuple[str, int, bool]], *, issue: bool):
        def step(when: datetime) -> None:
            review = made[key]
            checklist = review.form_version.checklist
            results = {
                item["id"]: {"result": "pass", "note": ""} for item in checklist[: len(checklist) if issue else 3]
            }
            services.review_record_checklist(review=review, actor=reviewer, results=results, now=when)
            for kind, number, verify in specs:
                location, risk, suggestion, right = texts[kind][number]
                services.opinion_add(
                    review=review,
                    actor=reviewer,
                    kind="substantive" if kind == "s" else "general",
                    location=location,
                    risk=risk,
                    suggestion=suggestion,
                    right=right,
                    requires_change=verify,
                    now=when,
                )
            if issue:
                services.review_issue_opinions(
                    review=review, actor=reviewer, conclusion=CONCLUSIONS["substantive"], now=when
                )

        return step

    def respond(key: str, rejected: bool = False):
        def step(when: datetime) -> None:
            answers = {}
            for opinion in made[key].opinions.order_by("seq"):
                answer = {"response": Opinion.Response.ADOPTED, "reason": "已按意见修改。"}
                if rejected and opinion.kind == Opinion.Kind.SUBSTANTIVE:
                    answer = {
                        "response": Opinion.Response.REJECTED,
                        "reason": "现金价值表系精算报备口径，调整需重新报备，建议以投保提示书补充说明代替。",
                    }
                answers[opinion.pk] = answer
            services.review_respond(review=made[key], actor=clerk, responses=answers, now=when)

        return step

    def accept_order(key: str):
        def step(when: datetime) -> None:
            for order in (
                made[key].opinions.exclude(verification_order_id=None).values_list("verification_order_id", flat=True)
            ):
                workorders.workorder_accept(order=order, actor=clerk, now=when)

        return step

    year = timezone.localtime(now).year
    timeline.at(
        clock.ago(0, 9, 20),
        submit("assign", "营销宣传类", f"{year}年“金融知识普及月”宣传海报", "金融知识普及月宣传海报"),
    )
    for when, step in [
        (
            clock.ago(3, 10, 0),
            submit("reviewing", "产品类", "乐享百万医疗保险（2025版）产品条款", "乐享百万医疗保险（2025版）"),
        ),
        (clock.ago(2, 9, 30), assign("reviewing")),
        (clock.ago(0, 9, 0), opinions("reviewing", [("g", 0, False)], issue=False)),
        (
            clock.ago(7, 10, 0),
            submit("responding", "合同与格式条款类", "鑫享年年年金保险投保单及保险合同格式条款", "鑫享年年年金保险"),
        ),
        (clock.ago(6, 9, 30), assign("responding")),
        (clock.ago(3, 16, 0), opinions("responding", [("s", 1, True), ("g", 1, False)], issue=True)),
        (
            clock.ago(16, 10, 0),
            submit("committee", "产品类", "银发安享养老年金保险产品条款及费率", "银发安享养老年金保险"),
        ),
        (clock.ago(15, 9, 30), assign("committee")),
        (clock.ago(12, 16, 0), opinions("committee", [("s", 3, True), ("g", 4, False)], issue=True)),
        (clock.ago(9, 14, 0), respond("committee", rejected=True)),
        (
            clock.ago(7, 10, 30),
            lambda when: services.objection_rereview(
                objection=Objection.objects.get(opinion__review=made["committee"]),
                actor=lead,
                upheld=True,
                note="经复核，前五个保单年度退保损失较大，仅以提示书说明不足以保障消费者知情权，维持审查意见，提交消保委员会审议。",
                now=when,
            ),
        ),
        (
            clock.ago(11, 10, 0),
            submit("verifying", "第三方合作类", "某互联网保险平台合作协议（续签）", "某互联网保险平台合作协议"),
        ),
        (clock.ago(10, 9, 30), assign("verifying")),
        (clock.ago(8, 16, 0), opinions("verifying", [("s", 5, True)], issue=True)),
        (clock.ago(5, 14, 0), respond("verifying")),
        (clock.ago(4, 9, 40), accept_order("verifying")),
    ]:
        timeline.at(when, step)


@transaction.atomic
def load(*, now: datetime | None = None) -> dict:
    """File and walk the year's reviews once (nothing is added when any review exists)."""
    if Review.objects.exists():
        return {"reviews": 0}
    now = now or timezone.now()
    calendar = Calendar.load()
    script = Script(_people(), calendar)
    rng = random.Random(YEAR + 1)  # noqa: S311 - demo data, not security
    timeline = Timeline()
    for index, plan in enumerate(plan_year(calendar)):
        script.add(timeline, index, plan, rng)
    _current(script, timeline, now)
    timeline.play(now)
    return {"reviews": Review.objects.count()}
