"""A plan's goals show their indicator by name, not by its code (issue 21 point 4)."""

from __future__ import annotations

from django.urls import reverse

from xiaobao.core import names
from xiaobao.plans import services


def test_the_plan_page_names_the_goals_indicator_and_keeps_an_unknown_code(client, cast, new_plan):
    known = dict(names.names(names.INDICATOR, ["education_events"]))
    assert known.get("education_events")  # the seeded definition (indicators registers the resolver)
    plan = new_plan()
    services.goal_add(
        actor=cast.hq_admin, plan=plan, data={"description": "开展宣教活动", "indicator_code": "education_events"}
    )
    services.goal_add(actor=cast.hq_admin, plan=plan, data={"description": "自定目标", "indicator_code": "MY-OWN"})
    client.force_login(cast.hq_admin)
    html = client.get(reverse("plans:detail", args=[plan.pk])).content.decode()
    goals = html.split('id="plan-goals"', 1)[1].split("</table>", 1)[0]
    assert f">{known['education_events']}</span>" in goals
    assert ">education_events<" not in goals  # the code only as a tooltip and data attribute
    assert ">MY-OWN</span>" in goals
