"""Demo data for the knowledge centre (知识中心): the search dictionary and a corpus an agent can work with.

- the Term dictionary: insurance and consumer-protection words for the segmenter, and synonym groups that
  let a customer's words (退掉保单, 冷静期) find the documents' words (解除合同, 犹豫期);
- real public laws and regulatory documents under their real titles, each with our own short summary, and
  three laws in full text (保险法, 消费者权益保护法, 个人信息保护法: `corpus/laws/`, sources in regulations.json);
- the 51 internal policies of the fictional 津冀人寿 (numbers, issuing departments, dates; a few repealed,
  a few not yet in force), their bodies built from each policy's purpose, basis and provisions;
- 200+ FAQ, 话术 scripts, training material and cases.

Everything is owned by head office (visible to all) except a few records owned by a branch, visible there
only. Documents are written through `knowledge.services.document_create`, which publishes and indexes them;
the dictionary is loaded first, so the index is segmented with it. Idempotent: a document is recognised by
its kind and title, a term by its kind and text, a category by its name and parent.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from xiaobao.core.models import OrgUnit, User
from xiaobao.demo.core import OnItsOwnClock
from xiaobao.demo.knowledge_corpus import HERE, read, terms
from xiaobao.knowledge import services as knowledge_services
from xiaobao.knowledge.models import Category, Document, Term

# each call on the demo clock at its own `now`: what the services stamp themselves carries the event's time
services = OnItsOwnClock(knowledge_services)
AUTHOR = "xiaobao"  # 李晓梅, 总公司消费者权益保护部
HEAD_OFFICE = "HQ"
REGULATION_FILES = ["regulations.json"]
POLICY_FILES = ["policies_a.json", "policies_b.json"]
FAQ_FILES = ["faq_policy.json", "faq_claims.json", "faq_complaints.json", "faq_service.json"]
MATERIAL_FILES = ["materials.json"]
# the top of the category tree, in display order
TOP_CATEGORIES = ["法律法规", "监管文件", "内部制度", "业务规则与话术", "常见问题", "培训资料", "案例"]
POLICY_SUFFIXES = ("实施细则", "细则", "办法", "规定", "规则", "预案", "指引", "规范")


def load_terms() -> int:
    """The dictionary; returns how many terms were added."""
    added = 0
    for text in terms.WORDS:
        _, created = Term.objects.get_or_create(kind=Term.Kind.WORD, text=text)
        added += created
    for text, synonyms in terms.SYNONYMS:
        _, created = Term.objects.get_or_create(kind=Term.Kind.SYNONYM, text=text, defaults={"synonyms": synonyms})
        added += created
    return added


class Categories:
    """Categories by path ("常见问题/理赔"), created on first use."""

    def __init__(self):
        self.known: dict[str, Category] = {}
        for sort, name in enumerate(TOP_CATEGORIES):
            self.known[name] = Category.objects.get_or_create(name=name, parent=None, defaults={"sort": sort})[0]

    def __call__(self, path: str) -> Category:
        if path not in self.known:
            parent_path, _, name = path.rpartition("/")
            parent = self(parent_path) if parent_path else None
            sort = Category.objects.filter(parent=parent).count()
            self.known[path] = Category.objects.get_or_create(name=name, parent=parent, defaults={"sort": sort})[0]
        return self.known[path]


def effective_date(policy: dict, today: date) -> date:
    """A policy's effective date; one not yet in force (no date in the data) starts on the first day of the
    month after next, so it is pending whenever the demo is loaded."""
    if policy["effective_from"]:
        return date.fromisoformat(policy["effective_from"])
    month = today.month + 2
    return date(today.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)


def chinese_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def policy_body(policy: dict, unit: OrgUnit, effective: date) -> str:
    """An internal policy's text: purpose and basis, scope, its provisions, interpretation and effect."""
    suffix = next((s for s in POLICY_SUFFIXES if s in policy["title"]), "办法")
    this = f"本{suffix}"
    scope = "公司总公司及各级分支机构" if unit.code == HEAD_OFFICE else f"{unit.name}及其辖内各级机构"
    clauses = [
        f"为{policy['purpose']}，根据{policy['basis']}等有关规定，结合公司实际，制定{this}。",
        f"{this}适用于{scope}。",
        *policy["points"],
        f"{this}由{policy['department']}负责解释和修订。",
        f"{this}自{chinese_date(effective)}起施行。",
    ]
    if policy.get("repealed_on"):
        clauses.append(f"（{this}已于{chinese_date(date.fromisoformat(policy['repealed_on']))}废止。）")
    numerals = "一二三四五六七八九十"
    lines = []
    for i, clause in enumerate(clauses, start=1):
        number = numerals[i - 1] if i <= 10 else "十" + numerals[i - 11]
        lines.append(f"第{number}条 {clause}")
    return "\n".join(lines)


def moment(day: str | None, fallback: datetime) -> datetime:
    """When a record was published: its effective date if past (at 9:00), else the fallback."""
    if not day:
        return fallback
    at = timezone.make_aware(datetime.combine(date.fromisoformat(day), time(9)))
    return min(at, fallback)


class Loader:
    def __init__(self):
        self.author = User.objects.get(username=AUTHOR)
        self.units = {unit.code: unit for unit in OrgUnit.objects.all()}
        self.category = Categories()
        self.existing = set(Document.objects.values_list("kind", "title"))
        self.now = timezone.now()
        self.added = 0

    def create(self, *, kind: str, title: str, owner: str | None = None, category: str, when: datetime, **fields):
        if (kind, title) in self.existing:
            return None
        document = services.document_create(
            actor=self.author,
            kind=kind,
            title=title,
            org_unit=self.units[owner or HEAD_OFFICE],
            category=self.category(category),
            now=when,
            **fields,
        )
        self.existing.add((kind, title))
        self.added += 1
        return document

    def regulations(self) -> None:
        for name in REGULATION_FILES:
            for item in read(name):
                effective = date.fromisoformat(item["effective_from"]) if item.get("effective_from") else None
                # a law kept in full (corpus/laws/, with its source) rather than as our summary
                body = (HERE / item["body_file"]).read_text(encoding="utf-8") if item.get("body_file") else item["body"]
                self.create(
                    kind=item["kind"],
                    title=item["title"],
                    body=body,
                    issuer=item["issuer"],
                    effective_from=effective,
                    category=item["category"],
                    tags=item["tags"],
                    when=moment(item.get("effective_from"), self.now - timedelta(days=400)),
                )

    def policies(self) -> None:
        for name in POLICY_FILES:
            for item in read(name):
                owner = item.get("owner")
                effective = effective_date(item, timezone.localdate(self.now))
                document = self.create(
                    kind=Document.Kind.POLICY,
                    title=item["title"],
                    owner=owner,
                    body=policy_body(item, self.units[owner or HEAD_OFFICE], effective),
                    number=item["number"],
                    issuing_department=item["department"],
                    effective_from=effective,
                    policy_status=item["status"],
                    category=item["category"],
                    tags=item["tags"],
                    when=moment(effective.isoformat(), self.now - timedelta(days=20)) - timedelta(days=10),
                )
                if document is not None and item.get("repealed_on"):
                    # no service sets this yet (repealing comes with the approval flow); demo data only
                    Document.objects.filter(pk=document.pk).update(repealed_on=date.fromisoformat(item["repealed_on"]))

    def faq(self) -> None:
        when = self.now - timedelta(days=90)
        for name in FAQ_FILES:
            for group in read(name):
                for question, answer, alternatives in group["items"]:
                    self.create(
                        kind=Document.Kind.FAQ,
                        title=question,
                        owner=group.get("owner"),
                        question=question,
                        answer=answer,
                        alternatives=alternatives,
                        category=group["category"],
                        when=when,
                    )

    def materials(self) -> None:
        when = self.now - timedelta(days=60)
        for name in MATERIAL_FILES:
            for item in read(name):
                self.create(
                    kind=item["kind"],
                    title=item["title"],
                    owner=item.get("owner"),
                    body=item["body"],
                    category=item["category"],
                    tags=item["tags"],
                    when=when,
                )


@transaction.atomic
def load(*, history: bool = True) -> dict:
    """The dictionary and the corpus; with `history`, then the editing demo (versions, an approval waiting,
    a rejection, review reminders: `knowledge.demo_versions`). The relevance test measures the corpus alone."""
    added_terms = load_terms()
    loader = Loader()
    loader.regulations()
    loader.policies()
    loader.faq()
    loader.materials()
    result = {"terms": added_terms, "documents": loader.added}
    if history:
        from xiaobao.demo import knowledge_versions as demo_versions

        result.update(demo_versions.load())
    return result
