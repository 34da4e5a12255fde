"""The State Council's holiday notice, read line by line: the real 2024, 2025 and 2026 notices (in the
punctuation variants their copies use) give exactly the days off and 调休 working days that the
independent `chinese-calendar` package holds; a typo anywhere is refused on its line."""

from __future__ import annotations

from datetime import date, timedelta

import chinese_calendar
import pytest

from xiaobao.core import holiday_notice

# 国办发明电〔2023〕7号 (2024), as published
NOTICE_2024 = """国务院办公厅关于2024年部分节假日安排的通知
各省、自治区、直辖市人民政府，国务院各部委、各直属机构：
经国务院批准，现将2024年元旦、春节、清明节、劳动节、端午节、中秋节和国庆节放假调休日期的具体安排通知如下。
一、元旦：1月1日放假，与周末连休。
二、春节：2月10日至17日放假调休，共8天。2月4日（星期日）、2月18日（星期日）上班。鼓励各单位结合带薪年休假等制度落实，安排职工在除夕（2月9日）休息。
三、清明节：4月4日至6日放假调休，共3天。4月7日（星期日）上班。
四、劳动节：5月1日至5日放假调休，共5天。4月28日（星期日）、5月11日（星期六）上班。
五、端午节：6月10日放假，与周末连休。
六、中秋节：9月15日至17日放假调休，共3天。9月14日（星期六）上班。
七、国庆节：10月1日至7日放假调休，共7天。9月29日（星期日）、10月12日（星期六）上班。
节假日期间，各地区、各部门要妥善安排好值班和安全、保卫、疫情防控等工作。
国务院办公厅
2023年10月25日
"""

# 国办发明电〔2024〕12号 (2025), half-width punctuation as some copies have it
NOTICE_2025 = """国务院办公厅关于2025年部分节假日安排的通知
一、元旦:1月1日(周三)放假1天,不调休。
二、春节:1月28日(农历除夕、周二)至2月4日(农历正月初七、周二)放假调休,共8天。1月26日(周日)、2月8日(周六)上班。
三、清明节:4月4日(周五)至6日(周日)放假,共3天。
四、劳动节:5月1日(周四)至5日(周一)放假调休,共5天。4月27日(周日)上班。
五、端午节:5月31日(周六)至6月2日(周一)放假,共3天。
六、国庆节、中秋节:10月1日(周三)至8日(周三)放假调休,共8天。9月28日(周日)、10月11日(周六)上班。
"""

# 2026 (published 2025-11-04), with the stray spaces some reprints carry
NOTICE_2026 = """国务院办公厅关于2026年部分节假日安排的通知
一、元旦：1月1日（周四）至3日（周六）放假调休，共3天 。1月4日（周日）上班。
二 、春节：2月15日（农历腊月二十八、周日）至23日（农历正月初七、周一）放假调休 ，共9天。2月14日（周六）、2月28日（周六）上班 。
三 、清明节：4月4日（周六）至6日（周一）放假，共3天。
四、劳动节：5月1日（周五）至5日（周二）放假调休，共5天。5月9日（周六）上班 。
五、端午节：6月19日（周五）至21日（周日）放假 ，共3天。
六 、中秋节：9月25日（周五）至27日（周日）放假，共3天。
七、国庆节：10月1日（周四）至7日（周三）放假调休，共7天 。9月20日（周日）、10月10日（周六）上班。
国务院办公厅
2025年11月4日
"""


def _working(notice, day: date) -> bool:
    kind = notice.days.get(day, (None,))[0]
    if kind == holiday_notice.WORKDAY:
        return True
    if kind == holiday_notice.HOLIDAY:
        return False
    return day.weekday() < 5


@pytest.mark.parametrize(("year", "text"), [(2024, NOTICE_2024), (2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_a_real_notice_gives_the_same_working_days_as_the_independent_package(year, text):
    notice = holiday_notice.parse(text, year)
    assert notice.ok, [(p.line, p.message) for p in notice.problems]
    day, different = date(year, 1, 1), []
    while day.year == year:
        if _working(notice, day) != chinese_calendar.is_workday(day):
            different.append(day)
        day += timedelta(days=1)
    assert different == []


def test_each_day_keeps_its_festival():
    notice = holiday_notice.parse(NOTICE_2025, 2025)
    assert notice.days[date(2025, 10, 8)] == (holiday_notice.HOLIDAY, "国庆节、中秋节")
    assert notice.days[date(2025, 1, 26)] == (holiday_notice.WORKDAY, "春节")


@pytest.mark.parametrize(
    ("original", "typo"),
    [
        ("10月1日（周四）至7日（周三）放假调休，共7天", "10月1日（周四）至7日（周三）放假调休，共8天"),  # count
        ("5月9日（周六）上班", "5月9日（周日）上班"),  # weekday
        ("4月4日（周六）至6日（周一）", "4月4日（周六）至3日（周一）"),  # end before start
        ("2月14日（周六）", "2月30日（周六）"),  # no such date
        ("1月4日（周日）上班", "1月5日上班"),  # a Monday needs no 调休
        ("中秋节：9月25日（周五）至", "中秋节：9月25日（周五）、9月26日至"),  # two dates where one range is meant
    ],
)
def test_a_notice_with_a_typo_is_refused_on_its_line(original, typo):
    text = NOTICE_2026.replace(original, typo)
    assert text != NOTICE_2026
    notice = holiday_notice.parse(text, 2026)
    assert not notice.ok
    lines = text.splitlines()
    assert notice.problems and all(typo in lines[p.line - 1] for p in notice.problems)


def test_the_wrong_year_is_refused():
    notice = holiday_notice.parse(NOTICE_2026, 2027)
    assert not notice.ok
    assert notice.problems[0].line == 1


def test_a_day_off_and_a_working_day_on_the_same_date_is_refused():
    text = "一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。\n二、春节：1月3日（周六）上班。"
    assert not holiday_notice.parse(text, 2026).ok


def test_text_without_items_or_with_stray_dates_is_refused():
    assert not holiday_notice.parse("今年元旦放假三天。", 2026).ok
    stray = NOTICE_2026 + "另：3月2日放假。\n"
    notice = holiday_notice.parse(stray, 2026)
    assert not notice.ok and notice.problems[-1].line == len(stray.splitlines())


def test_the_month_grid_shows_changes_against_what_is_stored():
    notice = holiday_notice.parse(NOTICE_2026, 2026)
    stored = {date(2026, 1, 1): "holiday", date(2026, 1, 4): "holiday", date(2026, 3, 2): "holiday"}
    months = holiday_notice.month_grid(2026, notice.days, stored)
    days = {cell["date"]: cell for month in months for week in month["weeks"] for cell in week if cell["in_month"]}
    assert len(days) == 365 and len(months) == 12
    assert days[date(2026, 1, 1)]["change"] == ""
    assert days[date(2026, 1, 2)]["change"] == "added"
    assert days[date(2026, 1, 4)]["change"] == "changed"
    assert days[date(2026, 3, 2)]["change"] == "removed"
