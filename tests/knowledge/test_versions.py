"""The side-by-side diff of two versions: rows, character marks inside changed lines, escaping."""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone

from xiaobao.knowledge.models import DocumentVersion
from xiaobao.knowledge.versions import diff, lines_of, summary


def version(number=1, *, title="投诉处理办法", body="", question="", answer="", alternatives=()) -> DocumentVersion:
    # unsaved rows: the diff is pure text work
    return DocumentVersion(
        number=number,
        title=title,
        body=body,
        question=question,
        answer=answer,
        alternatives=list(alternatives),
        created_at=timezone.make_aware(datetime(2025, 1, 1)),
    )


def test_identical_versions_give_only_equal_rows():
    a = version(body="第一条\n第二条")
    rows = diff(a, version(2, body="第一条\n第二条"))
    assert [r.kind for r in rows] == ["equal"] * 3
    assert summary(rows).identical


def test_a_changed_line_marks_only_the_changed_characters():
    rows = diff(version(body="投诉应当在十五日内办结。"), version(2, body="投诉应当在十日内办结。"))
    changed = [r for r in rows if r.kind == "change"]
    assert len(changed) == 1
    assert changed[0].left == "投诉应当在十<del>五</del>日内办结。"
    assert changed[0].right == "投诉应当在十日内办结。"
    assert (changed[0].left_no, changed[0].right_no) == (2, 2)


def test_added_and_removed_lines_stand_alone_with_their_line_numbers():
    rows = diff(version(body="甲\n乙\n丙"), version(2, body="甲\n丙\n丁"))
    assert [(r.kind, r.left_no, r.right_no) for r in rows] == [
        ("equal", 1, 1),
        ("equal", 2, 2),
        ("delete", 3, None),
        ("equal", 4, 3),
        ("insert", None, 4),
    ]
    assert rows[2].left == "<del>乙</del>" and rows[4].right == "<ins>丁</ins>"
    assert summary(rows).deleted == 1 and summary(rows).inserted == 1


def test_text_is_escaped_so_a_version_cannot_inject_markup():
    rows = diff(version(body="<b>旧</b>"), version(2, body="<script>alert(1)</script>旧"))
    html = "".join(r.left + r.right for r in rows)
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html.replace("<ins>", "").replace("</ins>", "")
    for mark in ("<del>", "</del>", "<ins>", "</ins>"):
        html = html.replace(mark, "")
    assert "<" not in html and ">" not in html


def test_long_paragraphs_are_compared_sentence_by_sentence():
    same = "保险公司应当建立健全投诉处理工作机制，明确投诉处理的责任部门和人员。"
    old = same + "投诉处理应当在十五日内办结。" + same
    new = same + "投诉处理应当在十日内办结。" + same
    assert len(lines_of(version(body=old))) == 4  # title + three sentences
    rows = diff(version(body=old), version(2, body=new))
    assert [r.kind for r in rows] == ["equal", "equal", "change", "equal"]


def test_faq_question_answer_and_alternatives_are_compared():
    old = version(question="犹豫期多久？", answer="十五天。", alternatives=["冷静期多久"])
    new = version(2, question="犹豫期多久？", answer="二十天。", alternatives=["冷静期多久", "犹豫期几天"])
    rows = diff(old, new)
    assert [r.kind for r in rows] == ["equal", "equal", "change", "equal", "insert"]
    assert "<ins>" in rows[2].right and "犹豫期几天" in rows[4].right
