"""Each rule kind of the shipped rule set, on texts that must hit and texts that must not.

The rule set is the one migration 0002 loads, compiled as the scanner compiles it; the pure-Python
automaton is checked against the same cases so a node without the C extension decides alike.
"""

from __future__ import annotations

import pytest

from xiaobao.inspection import scanner, scanning


@pytest.fixture
def ruleset(db):
    return scanning.current_ruleset()


def hits(ruleset, turns, **context):
    found = ruleset.scan([{"speaker": s, "text": t, "start": i * 3.0} for i, (s, t) in enumerate(turns)], **context)
    return [(h.rule.code, h.turn, h.detail or turns[h.turn][1][h.start : h.end]) for h in found]


def codes(ruleset, turns, **context):
    return {code for code, _turn, _text in hits(ruleset, turns, **context)}


FORBIDDEN = [
    ("agent", "这款产品保本保息，您放心买。", {"SALES-GUARANTEE"}),
    ("agent", "这个比存款划算多了。", {"DEPOSIT-COMPARE"}),
    ("agent", "这款产品不保本保息，收益以实际为准。", set()),  # the disclosure, not the promise
    ("customer", "你们是不是说保本保息？", set()),  # the customer asking is not the agent promising
    ("agent", "我们保证年化收益有百分之五。", {"PROMISE-RETURN"}),
    ("agent", "我们不保证收益，过往业绩不代表未来。", set()),
    ("agent", "保证金需要另行缴纳，收益另算。", set()),  # 保证金 is an exception of PROMISE-RETURN
    ("agent", "我一定尽快回复。收益方面请看合同。", set()),  # two sentences
    ("agent", "为了核实身份，请您告诉我银行卡密码。", {"SENSITIVE-REQUEST"}),
    ("agent", "请不要告诉任何人您的密码和验证码。", set()),
    ("agent", "你听不懂人话吗？我说了多少遍了。", {"ABUSIVE"}),
    ("agent", "不好意思，我再为您解释一遍。", set()),
    ("agent", "您今天投保，我私下返现五百元。", {"REBATE"}),
]


@pytest.mark.parametrize(("speaker", "text", "expected"), FORBIDDEN)
def test_phrase_and_proximity_rules_hit_only_what_they_should(ruleset, speaker, text, expected):
    assert codes(ruleset, [(speaker, text)], kind="call", purpose="service") == expected


def test_the_hit_span_is_the_phrase_itself(ruleset):
    found = hits(ruleset, [("customer", "你好"), ("agent", "放心，稳赚不赔的。")], kind="call", purpose="service")
    assert found == [("SALES-GUARANTEE", 1, "稳赚不赔")]


def test_proximity_needs_both_words_within_the_window(ruleset):
    near = [("agent", "我承诺这个分红每年都有。")]
    far = [("agent", "我承诺会尽快给您回电，关于您问的那款产品的具体条款和历年的分红情况。")]
    assert codes(ruleset, near, kind="call", purpose="service") == {"PROMISE-RETURN"}
    assert codes(ruleset, far, kind="call", purpose="service") == set()


def test_a_sales_call_must_mention_the_cooling_off_period_and_the_surrender_loss(ruleset):
    silent = [("agent", "这款产品保障全面，今天就可以投保。"), ("customer", "好的。")]
    told = [
        ("agent", "合同有15天犹豫期，犹豫期后退保会有损失，只退还现金价值。"),
        ("customer", "明白了。"),
    ]
    half = [("agent", "您有15天犹豫期。")]
    assert hits(ruleset, silent, kind="call", purpose="sales") == [("COOLING-OFF", -1, "犹豫期、退保损失")]
    assert codes(ruleset, told, kind="call", purpose="sales") == set()
    assert hits(ruleset, half, kind="call", purpose="sales") == [("COOLING-OFF", -1, "退保损失")]
    # a service call is not a sale: nothing required
    assert codes(ruleset, silent, kind="call", purpose="service") == set()


def test_disclosure_said_by_the_customer_does_not_count(ruleset):
    turns = [("customer", "犹豫期有多久？退保损失大吗？"), ("agent", "您放心。")]
    assert codes(ruleset, turns, kind="call", purpose="sales") == {"COOLING-OFF"}


def test_dual_recording_needs_the_risk_statement(ruleset):
    complete = [("agent", "风险提示：本产品收益具有不确定性。犹豫期为十五日。请阅读责任免除条款。")]
    missing = [("agent", "犹豫期为十五日。请阅读责任免除条款。")]
    assert codes(ruleset, complete, kind="dual_recording", purpose="sales") == set()
    assert hits(ruleset, missing, kind="dual_recording", purpose="sales") == [("DUAL-RISK", -1, "风险提示")]


def test_complaint_intent_counts_only_the_customer_and_only_when_unlogged(ruleset):
    turns = [("customer", "你们再不处理我要投诉，我要打12378。"), ("agent", "我理解您的心情。")]
    assert hits(ruleset, turns, kind="call", purpose="service") == [("COMPLAINT-UNLOGGED", 0, "我要投诉")]
    assert codes(ruleset, turns, kind="call", purpose="service", has_complaint=True) == set()
    agent_says = [("agent", "如果您不满意，可以拨打12378投诉。")]
    assert codes(ruleset, agent_says, kind="call", purpose="service") == set()
    assert codes(ruleset, [("customer", "算了，我不投诉了。")], kind="call", purpose="service") == set()


def test_a_phrase_across_two_turns_is_not_a_hit(ruleset):
    assert codes(ruleset, [("agent", "保本"), ("agent", "保息")], kind="call", purpose="service") == set()


def test_the_pure_python_automaton_finds_what_pyahocorasick_finds():
    words = ["保本", "保本保息", "本保", "息", "稳赚不赔", "a", "ab", "bab"]
    automaton = scanner.PurePythonAutomaton()
    for w in words:
        automaton.add_word(w, w)
    automaton.make_automaton()
    text = "这是保本保息和稳赚不赔，babab"
    found = sorted((end, value) for end, value in automaton.iter(text))
    expected = sorted((i + len(w) - 1, w) for w in words for i in range(len(text)) if text.startswith(w, i))
    assert found == expected
