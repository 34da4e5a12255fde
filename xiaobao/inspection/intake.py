"""Intake of interactions (接入): from the contact-centre system's API in batches, or from a file.

One record is one interaction with its turns, as speech-to-text systems export them:
  {"source_system": "cc", "source_id": "C20250301-0001", "kind": "call", "channel": "hotline",
   "purpose": "sales", "agent": "<login>", "agent_code": "A1001", "org_unit": "<unit code>",
   "product_code": "…", "product_name": "…", "customer_name": "…", "customer_ref": "…",
   "complaint_number": "…", "policy_number": "…", "started_at": "2025-03-01T09:30:00+08:00",
   "duration_seconds": 312, "turns": [{"speaker": "agent", "start": 0.0, "end": 4.2, "text": "…"}]}
Files: JSONL (one record a line); CSV or Excel with one row per turn (columns as the record's keys plus
speaker/start/end/text), rows of one interaction sharing its source_id.

Everything is parsed and checked here, before any transaction: the write (services.interactions_ingest)
takes already-clean records. The source's own id makes a record idempotent: sent twice, it is stored once
and reported as a duplicate. Each record's report line says created, duplicate or error, with the reason.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass, field
from datetime import datetime

from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _

from xiaobao.core.masking import mask_text_keep_length
from xiaobao.inspection.models import Interaction

MAX_RECORDS = 5000
MAX_TURNS = 2000
MAX_TURN_CHARS = 5000
MAX_FILE_BYTES = 30 * 1024 * 1024
SPEAKERS = {
    "agent": "agent",
    "坐席": "agent",
    "客服": "agent",
    "销售": "agent",
    "业务员": "agent",
    "a": "agent",
    "customer": "customer",
    "客户": "customer",
    "投保人": "customer",
    "c": "customer",
    "system": "system",
    "系统": "system",
    "robot": "system",
    "机器人": "system",
}
TURN_COLUMNS = ("speaker", "start", "end", "text")
RECORD_KEYS = (
    "source_system",
    "source_id",
    "kind",
    "channel",
    "purpose",
    "agent",
    "agent_code",
    "org_unit",
    "product_code",
    "product_name",
    "customer_name",
    "customer_ref",
    "complaint_number",
    "policy_number",
    "started_at",
    "duration_seconds",
)


class FileError(ValueError):
    """A file that cannot be read at all (the message says why)."""


@dataclass
class Parsed:
    """One record after checking: `clean` for the write, or `error` for the report."""

    row: int
    source_id: str = ""
    clean: dict = field(default_factory=dict)
    error: str = ""


def _text(value, limit: int) -> str:
    return ("" if value is None else str(value)).strip()[:limit]


def _number(value, name: str) -> float | None:
    if value in (None, ""):
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(_("%(name)s 不是数字。") % {"name": name}) from None
    if number < 0 or number != number:
        raise ValueError(_("%(name)s 不能为负数。") % {"name": name})
    return number


def _moment(value) -> datetime:
    moment = value if isinstance(value, datetime) else (parse_datetime(_text(value, 40)) if value else None)
    if moment is None:
        raise ValueError(_("开始时间缺失或格式不对（应为 ISO 8601，如 2025-03-01T09:30:00+08:00）。"))
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    return moment


def clean_turns(raw) -> list[dict]:
    if not isinstance(raw, list) or not raw:
        raise ValueError(_("没有转写内容（turns）。"))
    if len(raw) > MAX_TURNS:
        raise ValueError(_("一次交互最多 %(n)d 轮对话。") % {"n": MAX_TURNS})
    turns = []
    for number, turn in enumerate(raw, start=1):
        if not isinstance(turn, dict):
            raise ValueError(_("第 %(n)d 轮格式不对。") % {"n": number})
        speaker = SPEAKERS.get(_text(turn.get("speaker"), 20).lower())
        if speaker is None:
            raise ValueError(_("第 %(n)d 轮的说话人无法识别（坐席/客户/系统）。") % {"n": number})
        text = _text(turn.get("text"), MAX_TURN_CHARS + 1).replace("\x00", "")
        if len(text) > MAX_TURN_CHARS:
            raise ValueError(_("第 %(n)d 轮超过 %(max)d 字。") % {"n": number, "max": MAX_TURN_CHARS})
        start = _number(turn.get("start"), "start")
        end = _number(turn.get("end"), "end")
        if start is not None and end is not None and end < start:
            raise ValueError(_("第 %(n)d 轮的结束时间早于开始时间。") % {"n": number})
        turns.append({"speaker": speaker, "start": start, "end": end, "text": text})
    return turns


def check_record(raw, *, row: int, lookups: Lookups) -> Parsed:
    """One record checked against the code tables, the people and the units; never raises."""
    parsed = Parsed(row=row, source_id=_text(raw.get("source_id") if isinstance(raw, dict) else "", 100))
    try:
        if not isinstance(raw, dict):
            raise ValueError(_("记录应为 JSON 对象。"))
        if "__error__" in raw:
            raise ValueError(raw["__error__"])
        if not parsed.source_id:
            raise ValueError(_("缺少来源编号（source_id）。"))
        kind = _text(raw.get("kind"), 20)
        if kind not in Interaction.Kind.values:
            raise ValueError(_("交互类型无效：%(v)s。") % {"v": kind or "—"})
        channel = _text(raw.get("channel"), 20)
        if channel not in Interaction.Channel.values:
            raise ValueError(_("渠道无效：%(v)s。") % {"v": channel or "—"})
        purpose = _text(raw.get("purpose"), 20) or Interaction.Purpose.SERVICE
        if purpose not in Interaction.Purpose.values:
            raise ValueError(_("业务类型无效：%(v)s。") % {"v": purpose})
        agent = lookups.agent(_text(raw.get("agent"), 150))
        unit = lookups.unit(_text(raw.get("org_unit"), 32)) or (agent.org_unit if agent else None)
        if unit is None:
            raise ValueError(_("无法确定所属机构：坐席未知且未给出机构代码。"))
        if not lookups.may_write(unit):
            raise ValueError(_("机构 %(u)s 不在您的数据范围内。") % {"u": unit.code})
        turns = clean_turns(raw.get("turns"))
        duration = _number(raw.get("duration_seconds"), "duration_seconds") or max([t["end"] or 0 for t in turns] + [0])
        masked, counts = [], {}
        for turn in turns:
            text, spans = mask_text_keep_length(turn["text"])
            masked.append({**turn, "text": text})
            for _start, _end, pii in spans:
                counts[pii] = counts.get(pii, 0) + 1
        parsed.clean = {
            "source_system": _text(raw.get("source_system"), 40) or lookups.default_system,
            "source_id": parsed.source_id,
            "kind": kind,
            "channel": channel,
            "purpose": purpose,
            "agent": agent,
            "agent_code": _text(raw.get("agent_code"), 50),
            "org_unit": unit,
            "product_code": _text(raw.get("product_code"), 50),
            "product_name": _text(raw.get("product_name"), 100),
            "customer_name": _text(raw.get("customer_name"), 50),
            "customer_ref": _text(raw.get("customer_ref"), 64),
            "complaint_number": _text(raw.get("complaint_number"), 40),
            "policy_number": _text(raw.get("policy_number"), 50),
            "started_at": _moment(raw.get("started_at")),
            "duration_seconds": int(duration),
            "turns": json.dumps(turns, ensure_ascii=False),
            "masked_turns": masked,
            "personal_data": counts,
        }
    except ValueError as exc:
        parsed.error = str(exc)
    return parsed


class Lookups:
    """People and units by login and code, read once per batch (not once per record)."""

    def __init__(self, actor, *, default_system: str = "cc"):
        from xiaobao.core.models import OrgUnit, User
        from xiaobao.core.scope import scope_for

        self.default_system = default_system
        self._scope = scope_for(actor, "add")
        self._users = User
        self._units = OrgUnit
        self._agents: dict[str, object] = {}
        self._unit_cache: dict[str, object] = {}

    def agent(self, login: str):
        if not login:
            return None
        if login not in self._agents:
            self._agents[login] = (
                self._users.objects.filter(username=login, is_active=True).select_related("org_unit").first()
            )
        return self._agents[login]

    def unit(self, code: str):
        if not code:
            return None
        if code not in self._unit_cache:
            self._unit_cache[code] = self._units.objects.filter(code=code, is_active=True).first()
        found = self._unit_cache[code]
        if found is None:
            raise ValueError(_("机构代码不存在：%(c)s。") % {"c": code})
        return found

    def may_write(self, unit) -> bool:
        return self._scope.covers(unit.path)


# --- files ----------------------------------------------------------------------------------------


def read_file(name: str, content: bytes) -> list[tuple[int, dict]]:
    """(line or first row number, raw record) from a JSONL, CSV or Excel file; FileError if unreadable."""
    lowered = name.lower()
    if lowered.endswith(".xlsx"):
        rows = _excel_rows(content)
    elif lowered.endswith((".jsonl", ".json", ".ndjson")):
        return _jsonl(content)
    elif lowered.endswith(".csv"):
        rows = _csv_rows(content)
    else:
        raise FileError(_("只接受 JSONL、CSV 或 Excel（.xlsx）文件。"))
    return _group_turn_rows(rows)


def _decode(content: bytes) -> str:
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileError(_("文件编码无法识别（请使用 UTF-8）。"))


def _jsonl(content: bytes) -> list[tuple[int, dict]]:
    records = []
    for number, line in enumerate(_decode(content).splitlines(), start=1):
        if not line.strip():
            continue
        if len(records) >= MAX_RECORDS:
            raise FileError(_("一个文件最多 %(n)d 条交互，请拆分。") % {"n": MAX_RECORDS})
        try:
            records.append((number, json.loads(line)))
        except ValueError:
            records.append((number, {"__error__": _("第 %(n)d 行不是有效的 JSON。") % {"n": number}}))
    if not records:
        raise FileError(_("文件中没有记录。"))
    return records


def _csv_rows(content: bytes) -> list[tuple[int, dict]]:
    reader = csv.DictReader(io.StringIO(_decode(content)))
    return [(n, dict(row)) for n, row in enumerate(reader, start=2)]


def _excel_rows(content: bytes) -> list[tuple[int, dict]]:
    from openpyxl import load_workbook

    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise FileError(_("无法读取该 Excel 文件。")) from exc
    try:
        lines = book.worksheets[0].iter_rows(values_only=True)
        header = [("" if v is None else str(v)).strip() for v in (next(lines, None) or ())]
        rows = []
        for number, values in enumerate(lines, start=2):
            if all(v in (None, "") for v in values):
                continue
            if len(rows) > MAX_RECORDS * 50:
                raise FileError(_("文件行数过多，请拆分。"))
            rows.append((number, dict(zip(header, values, strict=False))))
    finally:
        book.close()
    return rows


def _group_turn_rows(rows: list[tuple[int, dict]]) -> list[tuple[int, dict]]:
    """Rows of one interaction (same source_id, in file order) become one record with its turns."""
    if not rows:
        raise FileError(_("文件中没有数据行。"))
    missing = [c for c in ("source_id", "kind", "channel", "started_at", "speaker", "text") if c not in rows[0][1]]
    if missing:
        raise FileError(_("缺少列：%(c)s。") % {"c": "、".join(missing)})
    records: dict[str, tuple[int, dict]] = {}
    for number, row in rows:
        source_id = _text(row.get("source_id"), 100)
        if source_id not in records:
            if len(records) >= MAX_RECORDS:
                raise FileError(_("一个文件最多 %(n)d 条交互，请拆分。") % {"n": MAX_RECORDS})
            records[source_id] = (number, {k: row.get(k) for k in RECORD_KEYS if k in row} | {"turns": []})
        records[source_id][1]["turns"].append({k: row.get(k) for k in TURN_COLUMNS})
    return list(records.values())
