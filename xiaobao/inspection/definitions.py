"""The shape of a rule version's definition (JSON), checked before it is saved or published.

Every kind shares:
  speaker      "agent" | "customer" | "any" — whose turns count (a promise is the agent's, a complaint
               intent the customer's)
  kinds        interaction kinds the rule applies to ([] = all): call, chat, video, dual_recording
  purposes     interaction purposes ([] = all): sales, service, claim, …
  negation     true: a hit right after a negator (不/没有/并非…) in the same turn does not count
               ("这款产品不保本保息" is the disclosure, not the promise)
  exceptions   phrases that, where they cover a hit, void it ("保本型" wording the rule owner allows)
By kind:
  forbidden_phrase, abusive_language, complaint_intent:  phrases [..]
  sensitive_request:  phrases [..] or first/second/window as proximity (a request word near "密码")
  proximity:  first [..], second [..], window (characters between the two, either order, same turn)
  required_disclosure:  required [{"label": "犹豫期", "any": ["犹豫期", "冷静期"]}, …] — each item must
               be said at least once by the speaker; a missing item is one finding for the interaction
"""

from __future__ import annotations

from django.utils.translation import gettext as _

SPEAKERS = ("agent", "customer", "any")
DEFAULT_SPEAKER = {
    "complaint_intent": "customer",
}
# A negator counts only right before the hit ("不保本保息", "并非稳赚", "不要告诉…密码"): one further back
# ("再不处理我要投诉") negates something else.
DEFAULT_NEGATORS = ("不", "没", "无", "非", "未", "别", "勿", "不要", "不用", "不必", "不得", "并非", "绝非")
MAX_PHRASES = 500
MAX_PHRASE_LENGTH = 50
MAX_WINDOW = 200


class DefinitionError(ValueError):
    """A definition that cannot be compiled; `fields` maps a key to its message."""

    def __init__(self, fields: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in fields.items()))
        self.fields = fields


def _phrases(value, key: str, errors: dict, *, required: bool = True) -> list[str]:
    if value in (None, "") and not required:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        errors[key] = _("应为词语列表。")
        return []
    cleaned = []
    for phrase in value:
        phrase = phrase.strip()
        if not phrase:
            continue
        if len(phrase) > MAX_PHRASE_LENGTH:
            errors[key] = _("词语过长（最多 %(n)d 个字）：%(p)s") % {"n": MAX_PHRASE_LENGTH, "p": phrase[:20]}
            return []
        if phrase not in cleaned:
            cleaned.append(phrase)
    if required and not cleaned:
        errors[key] = _("至少填写一个词语。")
    if len(cleaned) > MAX_PHRASES:
        errors[key] = _("词语过多（最多 %(n)d 个）。") % {"n": MAX_PHRASES}
    return cleaned


def clean_definition(kind: str, raw) -> dict:
    """The definition normalised (phrases stripped and de-duplicated, defaults filled), or DefinitionError."""
    from xiaobao.inspection.models import Interaction, Rule

    if not isinstance(raw, dict):
        raise DefinitionError({"definition": _("规则定义应为 JSON 对象。")})
    if kind not in Rule.Kind.values:
        raise DefinitionError({"kind": _("未知的规则类型。")})
    errors: dict[str, str] = {}
    speaker = raw.get("speaker") or DEFAULT_SPEAKER.get(kind, "agent")
    if speaker not in SPEAKERS:
        errors["speaker"] = _("说话人应为 agent、customer 或 any。")
    kinds = raw.get("kinds") or []
    if not isinstance(kinds, list) or any(k not in Interaction.Kind.values for k in kinds):
        errors["kinds"] = _("适用交互类型无效。")
    purposes = raw.get("purposes") or []
    if not isinstance(purposes, list) or any(p not in Interaction.Purpose.values for p in purposes):
        errors["purposes"] = _("适用业务类型无效。")
    negation = raw.get("negation", kind != "required_disclosure")
    if not isinstance(negation, bool):
        errors["negation"] = _("否定词处理应为 true 或 false。")
    clean = {
        "speaker": speaker,
        "kinds": kinds,
        "purposes": purposes,
        "negation": negation,
        "exceptions": _phrases(raw.get("exceptions"), "exceptions", errors, required=False),
    }
    shape = "proximity" if kind == "proximity" or (kind == "sensitive_request" and "first" in raw) else "phrases"
    if kind == "required_disclosure":
        shape = "required"
    if shape == "proximity":
        clean["first"] = _phrases(raw.get("first"), "first", errors)
        clean["second"] = _phrases(raw.get("second"), "second", errors)
        window = raw.get("window", 10)
        if not isinstance(window, int) or isinstance(window, bool) or not 0 <= window <= MAX_WINDOW:
            errors["window"] = _("间隔字数应为 0 到 %(n)d 的整数。") % {"n": MAX_WINDOW}
        clean["window"] = window
    elif shape == "required":
        items = raw.get("required")
        if not isinstance(items, list) or not items:
            errors["required"] = _("至少填写一项必读内容。")
            items = []
        clean_items = []
        for i, item in enumerate(items):
            if not isinstance(item, dict) or not str(item.get("label", "")).strip():
                errors["required"] = _("第 %(n)d 项缺少名称。") % {"n": i + 1}
                break
            alternatives = _phrases(item.get("any"), "required", errors)
            clean_items.append({"label": str(item["label"]).strip()[:50], "any": alternatives})
        clean["required"] = clean_items
    else:
        clean["phrases"] = _phrases(raw.get("phrases"), "phrases", errors)
    if errors:
        raise DefinitionError(errors)
    return clean
