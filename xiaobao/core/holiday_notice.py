"""Read the State Council's yearly holiday notice (国务院办公厅关于X年部分节假日安排的通知) into holidays and 调休
working days, refusing anything it cannot read with certainty.

The notice has a fixed form, one numbered item per festival:

    一、元旦：1月1日（周四）至3日（周六）放假调休，共3天。1月4日（周日）上班。
    五、端午节：6月10日与周末连休。

Copies differ in punctuation (full- or half-width brackets, colons and commas, stray spaces) and in how a
weekday is written (周四 / 星期四), and some items carry lunar dates (农历除夕、周二). Every date the text
states is checked against what the text says about it — the weekday in brackets, the 共N天 count, a 上班
day falling on a weekend, the year — so a typo is refused on its line instead of becoming a wrong
calendar. Lines that are not numbered items (title, salutation, closing paragraph, signature) are read
only to refuse a stray 放假/上班 date outside an item.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, timedelta

from django.utils.formats import date_format
from django.utils.translation import gettext as _

HOLIDAY, WORKDAY = "holiday", "workday"
MAX_CHARS = 20000

_WIDTH = str.maketrans({"（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "　": " "})
_ITEM = re.compile(r"^([一二三四五六七八九十]+)、\s*([^:]{1,12}):(.*)$")
_DATE = re.compile(r"(?:(\d{1,2})月)?(\d{1,2})日(?:\(([^)]*)\))?")
_WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6}
_WEEKDAY_IN = re.compile(r"(?:周|星期)([一二三四五六日天])")
_TOTAL = re.compile(r"共(\d{1,2})天")
_YEAR_TITLE = re.compile(r"(\d{4})年(?:部分)?节假日安排")


@dataclass
class Problem:
    line: int  # 1-based line of the pasted text
    text: str
    message: str


@dataclass
class Notice:
    year: int
    days: dict[date, tuple[str, str]] = field(default_factory=dict)  # date -> (kind, festival)
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.days)


def _normalise(line: str) -> str:
    return re.sub(r"\s+", "", line.translate(_WIDTH))


def _dates(sentence: str, year: int, month_hint: int | None) -> list[tuple[date, str | None, str]]:
    """Each M月D日 (D日 inherits the last month) with the bracket text after it; ValueError on a date
    that does not exist."""
    found, month = [], month_hint
    for match in _DATE.finditer(sentence):
        month = int(match.group(1)) if match.group(1) else month
        if month is None:
            raise ValueError(_("“%(text)s”缺少月份") % {"text": match.group(0)})
        try:
            day = date(year, month, int(match.group(2)))
        except ValueError:
            raise ValueError(_("%(text)s 不是有效日期") % {"text": match.group(0)}) from None
        found.append((day, match.group(3), match.group(0)))
    return found


def _check_weekday(day: date, bracket: str | None, text: str) -> str | None:
    if not bracket:
        return None
    stated = _WEEKDAY_IN.findall(bracket)
    if not stated:
        return None
    if _WEEKDAYS[stated[-1]] != day.weekday():
        return _("%(text)s：%(date)s 实为%(real)s，与通知所写不符") % {
            "text": text,
            "date": day.isoformat(),
            "real": date_format(day, "l"),
        }
    return None


def _read_item(body: str, year: int) -> tuple[dict[date, str], list[str]]:
    """One numbered item: its holidays and working days, or the reasons it cannot be read."""
    found: dict[date, str] = {}
    problems: list[str] = []
    understood = False
    month = None
    for sentence in filter(None, re.split(r"[。;]", body)):
        try:
            dates = _dates(sentence, year, month)
        except ValueError as error:
            problems.append(str(error))
            continue
        if dates:
            month = dates[-1][0].month
        for day, bracket, text in dates:
            wrong = _check_weekday(day, bracket, text)
            if wrong:
                problems.append(wrong)
        if "上班" in sentence:
            understood = True
            if not dates:
                problems.append(_("写明上班却没有日期：%(text)s") % {"text": sentence})
            for day, _bracket, text in dates:
                if day.weekday() < 5:
                    problems.append(_("%(text)s 是工作日，不需要调休上班") % {"text": text})
                found[day] = WORKDAY
            continue
        if "放假" in sentence or "连休" in sentence:
            understood = True
            if not dates:
                problems.append(_("写明放假却没有日期：%(text)s") % {"text": sentence})
                continue
            if "至" in sentence:
                if len(dates) != 2:
                    problems.append(_("放假区间须写明起止两个日期：%(text)s") % {"text": sentence})
                    continue
                start, end = dates[0][0], dates[1][0]
                if end < start:
                    problems.append(_("放假区间的结束日早于开始日：%(text)s") % {"text": sentence})
                    continue
                span = [start + timedelta(days=n) for n in range((end - start).days + 1)]
            else:
                span = [day for day, _bracket, _text in dates]
            total = _TOTAL.search(sentence)
            if total and int(total.group(1)) != len(span):
                problems.append(
                    _("写明共%(stated)s天，但所列日期为%(counted)s天：%(text)s")
                    % {"stated": total.group(1), "counted": len(span), "text": sentence}
                )
            for day in span:
                found[day] = HOLIDAY
            continue
        if dates:
            # a date in a sentence that neither gives days off nor a working day (e.g. 除夕 休息 advice)
            continue
    if not understood and not problems:
        problems.append(_("未找到放假或上班安排"))
    return found, problems


def parse(text: str, year: int) -> Notice:
    """The notice for `year`: every holiday and 调休 working day with its festival, or the problems line
    by line (then nothing may be saved)."""
    notice = Notice(year=year)
    if len(text or "") > MAX_CHARS:
        notice.problems.append(Problem(0, "", _("通知全文过长（超过 %(n)s 字）") % {"n": MAX_CHARS}))
        return notice
    seen_festivals: set[str] = set()
    for number, raw in enumerate((text or "").splitlines(), 1):
        line = _normalise(raw)
        if not line:
            continue
        title_year = _YEAR_TITLE.search(line)
        if title_year and int(title_year.group(1)) != year:
            notice.problems.append(
                Problem(
                    number,
                    raw.strip(),
                    _("通知所写年份为 %(found)s 年，与所选 %(year)s 年不符")
                    % {"found": title_year.group(1), "year": year},
                )
            )
            continue
        item = _ITEM.match(line)
        if not item:
            if _DATE.search(line) and ("放假" in line or "上班" in line):
                notice.problems.append(
                    Problem(number, raw.strip(), _("不是通知的编号条目（如“一、元旦：”），无法确认"))
                )
            continue
        festival = item.group(2)
        if festival in seen_festivals:
            notice.problems.append(Problem(number, raw.strip(), _("节日“%(name)s”重复出现") % {"name": festival}))
            continue
        seen_festivals.add(festival)
        found, problems = _read_item(item.group(3), year)
        for message in problems:
            notice.problems.append(Problem(number, raw.strip(), message))
        for day, kind in found.items():
            if day in notice.days and notice.days[day][0] != kind:
                notice.problems.append(
                    Problem(number, raw.strip(), _("%(date)s 同时被写为放假和上班") % {"date": day.isoformat()})
                )
                continue
            notice.days[day] = (kind, festival)
    if not notice.problems and not notice.days:
        notice.problems.append(Problem(0, "", _("没有读到任何编号条目（如“一、元旦：1月1日放假”）")))
    return notice


def month_grid(year: int, proposed: dict[date, tuple[str, str]], stored: dict[date, str]) -> list[dict]:
    """The year as twelve month grids (weeks from Monday) marking each day off or on and how it changes
    against what is stored: added, removed or changed."""
    months = []
    for month in range(1, 13):
        first = date(year, month, 1)
        last = (first.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)
        day = first - timedelta(days=first.weekday())
        weeks = []
        while day <= last:
            week = []
            for _n in range(7):
                inside = day.month == month
                kind, festival = proposed.get(day, (None, "")) if inside else (None, "")
                before = stored.get(day) if inside else None
                if kind == before:
                    change = ""
                elif before is None:
                    change = "added"
                elif kind is None:
                    change = "removed"
                else:
                    change = "changed"
                week.append(
                    {
                        "date": day,
                        "in_month": inside,
                        "kind": kind,
                        "festival": festival,
                        "weekend": day.weekday() >= 5,
                        "change": change,
                    }
                )
                day += timedelta(days=1)
            weeks.append(week)
        months.append({"month": month, "weeks": weeks})
    return months
