"""The question bank (题库): add and revise questions (every edit a new version), retire them, and move the
bank in and out of Excel with one template (the export reads back in unchanged).

A question's content is checked by `check_content` whatever the way in (page, API, Excel). Grading is
`grade`: a pure function of the version and a response, so the submitted paper and a re-grade agree.
"""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import datetime

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from xiaobao.core import audit
from xiaobao.core.api_errors import BusinessRuleError
from xiaobao.core.models import OrgUnit, User
from xiaobao.core.scope import scope_for
from xiaobao.training import error_codes as codes
from xiaobao.training.models import Question, QuestionVersion
from xiaobao.training.models.exams import ConsumerRight, Difficulty
from xiaobao.training.sheets import Column, ImportResult, chinese_labels, choice_lookup, read_upload, refusal, text

ADD_PERMISSION = "training.add_question"
CHANGE_PERMISSION = "training.change_question"
OPTION_KEYS = "ABCDEFGH"
TRUE_FALSE_OPTIONS = [{"key": "T", "text": "正确"}, {"key": "F", "text": "错误"}]
MAX_STEM = 2000


def normalise_text(value) -> str:
    """A fill-in answer as compared: full-width to half-width, case and all spaces ignored."""
    return "".join(unicodedata.normalize("NFKC", str(value or "")).casefold().split())


def grade(version: QuestionVersion, response) -> bool:
    """Whether `response` answers `version` right. Single and true/false: one key; multiple: exactly the
    right set of keys (no credit for part of it); fill-in: every blank one of its accepted texts."""
    kind = version.question.kind if hasattr(version, "question") else None
    return grade_values(kind, version.answer, response)


def grade_values(kind: str | None, answer, response) -> bool:
    if response in (None, "", []):
        return False
    if kind == Question.Kind.FILL:
        if not isinstance(response, list) or len(response) != len(answer):
            return False
        return all(
            normalise_text(r) in {normalise_text(a) for a in accepted}
            for r, accepted in zip(response, answer, strict=True)
        )
    given = response if isinstance(response, list) else [response]
    return sorted(str(k) for k in given) == sorted(answer)


def check_content(kind: str, stem: str, options, answer, explanation: str = "") -> tuple[list, list]:
    """(options, answer) cleaned, or INVALID naming the field. See QuestionVersion for the shapes."""

    def bad(field: str, message: str):
        return refusal(codes.INVALID, message, field=field)

    if kind not in Question.Kind.values:
        raise bad("kind", _("题型无效。"))
    if not (stem or "").strip() or len(stem) > MAX_STEM:
        raise bad("stem", _("题干必填，且不超过 %(n)s 字。") % {"n": MAX_STEM})
    if kind == Question.Kind.TRUE_FALSE:
        options = TRUE_FALSE_OPTIONS
    elif kind == Question.Kind.FILL:
        options = []
    else:
        options = [{"key": str(o["key"]).strip().upper(), "text": str(o["text"]).strip()} for o in options or []]
        options = [o for o in options if o["text"]]
        keys = [o["key"] for o in options]
        if len(options) < 2 or len(set(keys)) != len(keys) or any(k not in OPTION_KEYS for k in keys):
            raise bad("options", _("选择题至少两个选项，选项标号为 A–H 且不重复。"))
    if kind == Question.Kind.FILL:
        blanks = [[str(a).strip() for a in accepted if str(a).strip()] for accepted in (answer or [])]
        if not blanks or any(not accepted for accepted in blanks):
            raise bad("answer", _("填空题每个空至少一个标准答案。"))
        return options, blanks
    keys = sorted({str(k).strip().upper() for k in (answer or []) if str(k).strip()})
    valid = {o["key"] for o in options}
    if not keys or any(k not in valid for k in keys):
        raise bad("answer", _("答案必须是题目中的选项。"))
    if kind in (Question.Kind.SINGLE, Question.Kind.TRUE_FALSE) and len(keys) != 1:
        raise bad("answer", _("单选题和判断题只有一个正确答案。"))
    if kind == Question.Kind.MULTIPLE and len(keys) < 2:
        raise bad("answer", _("多选题至少两个正确答案。"))
    return options, keys


def _check_tags(topic: str, right: str, difficulty: str) -> str:
    topic = (topic or "").strip()
    if not topic or len(topic) > 50:
        raise refusal(codes.INVALID, _("知识点必填，且不超过50字。"), field="topic")
    if right and right not in ConsumerRight.values:
        raise refusal(codes.INVALID, _("消费者权益类别无效。"), field="right")
    if difficulty not in Difficulty.values:
        raise refusal(codes.INVALID, _("难度无效。"), field="difficulty")
    return topic


def _check_document(actor, document_id):
    """A cited knowledge document must exist and be readable by the author."""
    if not document_id:
        return None
    from xiaobao.knowledge import selectors as knowledge_selectors

    if not knowledge_selectors.documents_for(actor).filter(pk=document_id).exists():
        raise refusal(codes.INVALID, _("引用的知识文档不存在或您无权查看。"), field="knowledge_document_id")
    return int(document_id)


def _next_code(now: datetime) -> str:
    prefix = f"Q{timezone.localtime(now):%Y}"
    last = Question.objects.filter(code__startswith=prefix).aggregate(m=Max("code"))["m"]
    number = int(last[len(prefix) :]) + 1 if last and last[len(prefix) :].isdigit() else 1
    return f"{prefix}{number:05d}"


def _may_write(actor, unit: OrgUnit | None, permission: str) -> OrgUnit:
    unit = unit or getattr(actor, "org_unit", None)
    if not (actor and actor.is_authenticated and actor.has_perm(permission) and unit is not None):
        raise refusal(codes.NOT_ALLOWED, _("您没有维护题库的权限。"), status=403)
    if not scope_for(actor, "change").covers(unit.path):
        raise refusal(codes.UNIT_OUT_OF_SCOPE, _("您不能为该机构维护题库。"), status=403)
    return unit


@transaction.atomic
def question_create(
    *,
    actor: User,
    kind: str,
    stem: str,
    options=(),
    answer=(),
    explanation: str = "",
    topic: str,
    right: str = "",
    difficulty: str = Difficulty.MEDIUM,
    knowledge_document_id=None,
    org_unit: OrgUnit | None = None,
    code: str = "",
    now: datetime | None = None,
) -> Question:
    """A new question with its first version. Refuses NOT_ALLOWED / UNIT_OUT_OF_SCOPE (403), INVALID."""
    now = now or timezone.now()
    unit = _may_write(actor, org_unit, ADD_PERMISSION)
    options, answer = check_content(kind, stem, options, answer, explanation)
    topic = _check_tags(topic, right, difficulty)
    question = Question.objects.create(
        org_unit=unit,
        code=code or _next_code(now),
        kind=kind,
        topic=topic,
        right=right,
        difficulty=difficulty,
        knowledge_document_id=_check_document(actor, knowledge_document_id),
        created_by=actor,
        created_at=now,
    )
    question.current = QuestionVersion.objects.create(
        question=question,
        number=1,
        stem=stem.strip(),
        options=options,
        answer=answer,
        explanation=(explanation or "").strip(),
        created_by=actor,
        created_at=now,
    )
    question.save(update_fields=["current"])
    audit.record(actor=actor, action="training.question_create", obj=question, changes={"kind": kind}, at=now)
    return question


@transaction.atomic
def question_revise(
    *, actor: User, question: Question, data: dict, now: datetime | None = None
) -> tuple[Question, bool]:
    """Edit a question: its content (stem, options, answer, explanation) becomes a new version, so papers
    already drawn keep the version they showed; tags change in place. Returns (question, changed).

    Refuses NOT_ALLOWED / UNIT_OUT_OF_SCOPE (403), INVALID. The kind cannot change (a new question instead).
    """
    now = now or timezone.now()
    question = (
        Question.objects.select_for_update(of=("self",)).select_related("current", "org_unit").get(pk=question.pk)
    )
    _may_write(actor, question.org_unit, CHANGE_PERMISSION)
    if data.get("kind", question.kind) != question.kind:
        raise refusal(codes.INVALID, _("题型不能修改，请新建试题。"), field="kind")
    current = question.current
    stem = data.get("stem", current.stem)
    explanation = (data.get("explanation", current.explanation) or "").strip()
    options, answer = check_content(
        question.kind, stem, data.get("options", current.options), data.get("answer", current.answer), explanation
    )
    changes = {}
    tags = {
        "topic": data.get("topic", question.topic),
        "right": data.get("right", question.right),
        "difficulty": data.get("difficulty", question.difficulty),
    }
    tags["topic"] = _check_tags(**tags)
    if "knowledge_document_id" in data:
        tags["knowledge_document_id"] = _check_document(actor, data["knowledge_document_id"])
    for name, value in tags.items():
        if getattr(question, name) != value:
            changes[name] = {"before": getattr(question, name), "after": value}
            setattr(question, name, value)
    content_changed = (stem.strip(), options, answer, explanation) != (
        current.stem,
        current.options,
        current.answer,
        current.explanation,
    )
    if content_changed:
        question.current = QuestionVersion.objects.create(
            question=question,
            number=current.number + 1,
            stem=stem.strip(),
            options=options,
            answer=answer,
            explanation=explanation,
            created_by=actor,
            created_at=now,
        )
        changes["version"] = question.current.number
    if changes:
        question.save()
        audit.record(actor=actor, action="training.question_revise", obj=question, changes=changes, at=now)
    return question, bool(changes)


@transaction.atomic
def question_set_active(*, actor: User, question: Question, active: bool, now: datetime | None = None) -> Question:
    """Retire a question from drawing (or bring it back); papers that used it are unaffected."""
    question = Question.objects.select_for_update().get(pk=question.pk)
    _may_write(actor, question.org_unit, CHANGE_PERMISSION)
    if question.is_active != active:
        question.is_active = active
        question.save(update_fields=["is_active"])
        audit.record(actor=actor, action="training.question_active", obj=question, changes={"active": active}, at=now)
    return question


# --- Excel ---------------------------------------------------------------------------------------------

SHEET_NAME = "题库"
KIND_NOTE = "可选：" + "、".join(chinese_labels(Question.Kind.choices))
COLUMNS = [
    Column("code", "题号", 12, "", False, "留空为新题；填写已有题号则修改该题（生成新版本）"),
    Column("kind", "题型", 8, "单选题", True, KIND_NOTE),
    Column("topic", "知识点", 14, "投诉处理", True),
    Column("right", "涉及权益", 12, "依法求偿权", False, "可选：" + "、".join(chinese_labels(ConsumerRight.choices))),
    Column("difficulty", "难度", 8, "中等", True, "可选：" + "、".join(chinese_labels(Difficulty.choices))),
    Column("stem", "题干", 50, "银行保险机构收到消费投诉后，一般应在多少日内作出处理决定？", True),
    *[
        Column(f"option_{k}", f"选项{k}", 20, {"A": "7日", "B": "15日", "C": "30日", "D": "60日"}.get(k, ""))
        for k in OPTION_KEYS[:6]
    ],
    Column(
        "answer",
        "答案",
        12,
        "B",
        True,
        "单选填一个字母，多选填多个字母（如 ABD），判断填“正确”或“错误”；填空题各空用“；”分隔，同一空的多个标准答案用“|”分隔",
    ),
    Column("explanation", "解析", 40, "《银行业保险业消费投诉处理管理办法》第十八条：15日内作出处理决定。"),
    Column("knowledge_document_id", "知识文档编号", 12, "", False, "答案出处的知识中心文档编号（可选）"),
]
TITLES = {c.name: c.title for c in COLUMNS}


def _answer_cell(kind: str, answer) -> str:
    if kind == Question.Kind.TRUE_FALSE:
        return "正确" if answer == ["T"] else "错误"
    if kind == Question.Kind.FILL:
        return "；".join("|".join(accepted) for accepted in answer)
    return "".join(answer)


def _parse_answer(kind: str, raw: str):
    raw = text(raw)
    if kind == Question.Kind.TRUE_FALSE:
        value = {"正确": "T", "对": "T", "√": "T", "T": "T", "TRUE": "T", "错误": "F", "错": "F", "×": "F", "F": "F"}
        return [value.get(raw.upper(), raw)]
    if kind == Question.Kind.FILL:
        return [part.split("|") for part in raw.replace(";", "；").split("；")]
    return [c for c in raw.upper() if not c.isspace() and c not in ",，、"]


def questions_workbook(questions) -> bytes:
    """The bank (or part of it) in the import template's format, answers included (managers only)."""
    from xiaobao.training.sheets import template

    rows = []
    for question in questions:
        version = question.current
        options = {o["key"]: o["text"] for o in version.options} if question.kind != Question.Kind.TRUE_FALSE else {}
        rows.append(
            [
                question.code,
                question.get_kind_display(),
                question.topic,
                question.get_right_display() if question.right else "",
                question.get_difficulty_display(),
                version.stem,
                *[options.get(k, "") for k in OPTION_KEYS[:6]],
                _answer_cell(question.kind, version.answer),
                version.explanation,
                question.knowledge_document_id or "",
            ]
        )
    return template(COLUMNS, sheet_name=SHEET_NAME, rows=rows, notes=_notes())


def _notes() -> list[str]:
    return [
        "每行一道题；导入时任何一行有误则整批不导入，页面逐行列出错误。",
        "修改已有试题会生成新版本，已交卷的试卷仍按原版本显示与评分。",
    ]


def questions_template() -> bytes:
    from xiaobao.training.sheets import template

    return template(
        COLUMNS, sheet_name=SHEET_NAME, notes=["“题库”表第2行是示例：导入前请改成真实试题或删除。", *_notes()]
    )


def questions_import(
    *, actor: User, upload, org_unit: OrgUnit | None = None, now: datetime | None = None
) -> ImportResult:
    """Import a bank workbook: rows without 题号 add questions, rows with a known 题号 revise them (a new
    version only where the content changed). All or nothing; the file is read and every row checked
    (with the same rules as one question) before the write transaction opens.

    Refuses the whole file: NOT_ALLOWED / UNIT_OUT_OF_SCOPE (403) and the import refusals of `sheets`.
    """
    now = now or timezone.now()
    unit = _may_write(actor, org_unit, ADD_PERMISSION)
    checked, rows = read_upload(upload, COLUMNS, sheet_name=SHEET_NAME)
    kinds = choice_lookup(Question.Kind.choices)
    rights = choice_lookup(ConsumerRight.choices)
    levels = choice_lookup(Difficulty.choices)
    codes_in_file = {text(r.get("code")) for _n, r in rows if text(r.get("code"))}
    known = {q.code: q for q in Question.objects.select_related("current", "org_unit").filter(code__in=codes_in_file)}
    scope = scope_for(actor, "change")
    result = ImportResult(rows=len(rows))
    ready, seen = [], {}
    for number, row in rows:
        kind = kinds.get(text(row.get("kind")))
        code = text(row.get("code"))
        data = {
            "kind": kind,
            "topic": text(row.get("topic")),
            "right": rights.get(text(row.get("right")), "?") if text(row.get("right")) else "",
            "difficulty": levels.get(text(row.get("difficulty")), "?"),
            "stem": text(row.get("stem")),
            "options": [{"key": k, "text": text(row.get(f"option_{k}"))} for k in OPTION_KEYS[:6]],
            "answer": _parse_answer(kind, row.get("answer")) if kind else [],
            "explanation": text(row.get("explanation")),
            "knowledge_document_id": text(row.get("knowledge_document_id")) or None,
        }
        try:
            if kind is None:
                raise refusal(codes.INVALID, _("题型无效。"), field="kind")
            if code and code not in known:
                raise refusal(codes.INVALID, _("题号不存在：%(code)s") % {"code": code}, field="code")
            if code and code in seen:
                raise refusal(codes.INVALID, _("与第 %(row)s 行题号重复。") % {"row": seen[code]}, field="code")
            if code and not scope.covers(known[code].org_unit.path):
                raise refusal(codes.INVALID, _("该题属于您无权维护的机构。"), field="code")
            if code and known[code].kind != kind:
                raise refusal(codes.INVALID, _("题型不能修改，请新建试题。"), field="kind")
            data["options"], data["answer"] = check_content(kind, data["stem"], data["options"], data["answer"])
            data["topic"] = _check_tags(data["topic"], data["right"], data["difficulty"])
            if data["knowledge_document_id"]:
                if not data["knowledge_document_id"].isdigit():
                    raise refusal(codes.INVALID, _("知识文档编号应为数字。"), field="knowledge_document_id")
                data["knowledge_document_id"] = _check_document(actor, data["knowledge_document_id"])
        except BusinessRuleError as problem:  # one row's refusal becomes a line of the report
            fields = problem.fields or {"stem": []}
            result.errors.append((number, TITLES.get(next(iter(fields)), ""), str(problem.detail)))
            continue
        if code:
            seen[code] = number
        ready.append((code, data))
    if result.errors:
        return result
    with transaction.atomic():
        for code, data in ready:
            if code:
                _question, changed = question_revise(actor=actor, question=known[code], data=data, now=now)
                result.updated += int(changed)
            else:
                question_create(actor=actor, org_unit=unit, now=now, **data)
                result.created += 1
        audit.record(
            actor=actor,
            action="training.question_import",
            object_type="training.question",
            object_repr=checked.name,
            org_unit=unit,
            changes={
                "file": checked.name,
                "sha256": hashlib.sha256(checked.content).hexdigest(),
                "created": result.created,
                "updated": result.updated,
            },
            at=now,
        )
    return result
