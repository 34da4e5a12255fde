"""Generated Chinese service transcripts for the demo and the scan benchmark: calls, chats, video sessions
and 双录, clean and violating, in varied wording. Deterministic for a given random.Random."""

from __future__ import annotations

import random

GREETINGS = [
    "您好，这里是{company}客服中心，工号{code}，很高兴为您服务。",
    "您好，{company}客服，请问有什么可以帮您？",
    "您好，欢迎致电{company}，我是客服专员，请问怎么称呼您？",
    "您好，{company}在线客服为您服务，请问您要办理什么业务？",
]
VERIFY = [
    "为了保障您的账户安全，请提供一下保单号后四位。",
    "请您核对一下投保人姓名和预留手机号后四位。",
    "麻烦您报一下身份证号后六位，我这边核实身份。",
]
CUSTOMER_ASK = {
    "service": [
        "我想查一下我的保单现在是什么状态。",
        "我上个月交的保费怎么还没有扣款记录？",
        "我想改一下保单上的联系电话。",
        "请问我的保单什么时候到期？",
        "我想问一下怎么申请电子发票。",
    ],
    "claim": [
        "我住院了，想问一下理赔需要准备什么材料。",
        "我的理赔申请提交一周了，还没有结果。",
        "理赔款什么时候能到账？",
    ],
    "sales": [
        "这个产品收益怎么样？",
        "我想给孩子买一份教育金，有什么推荐吗？",
        "这款年金险和存款比哪个好？",
        "听说你们有一款新的增额终身寿，能介绍一下吗？",
    ],
    "policy_service": [
        "我想办理一下保单贷款。",
        "我要变更受益人，需要什么手续？",
        "我想部分领取一下保单的现金价值。",
    ],
}
AGENT_ANSWER = {
    "service": [
        "好的，我帮您查询一下，请稍等。您的保单目前有效，下次缴费日是下个月十五号。",
        "您的保费已经在昨天扣款成功，可能银行到账有延迟，请您明天再看一下。",
        "联系电话可以在官方微信或APP上自助修改，我也可以现在帮您登记变更。",
        "电子发票可以在官方APP的保单服务里申请，一般三个工作日内发送到您的邮箱。",
    ],
    "claim": [
        "理赔需要提供病历、费用清单、发票和身份证明，可以通过APP上传。",
        "我帮您查询了一下，您的案件已经在审核中，预计三个工作日内有结果。",
        "审核通过后一般五个工作日内到账，到账后会有短信通知您。",
    ],
    "sales": [
        "这款产品是分红型年金保险，分红水平不确定，以公司实际经营情况为准。",
        "教育金产品可以在孩子上大学时按约定领取，具体领取金额以合同约定为准。",
        "保险产品和银行存款性质不同，不能简单比较，主要看您的保障需求。",
    ],
    "policy_service": [
        "保单贷款可以在APP上申请，额度不超过现金价值的百分之八十。",
        "变更受益人需要投保人和被保险人签字确认，我把材料清单发给您。",
        "部分领取会减少保单的现金价值和保额，请您确认后再办理。",
    ],
}
DISCLOSURE = [
    "另外提醒您，合同生效后有十五天犹豫期，犹豫期后退保会有损失，只退还现金价值。",
    "请注意，本产品有15天的犹豫期，犹豫期内可以全额退保，之后退保可能会损失部分本金，只退还现金价值。",
]
DUAL_RISK = [
    "风险提示：本产品的分红水平具有不确定性，过往业绩不代表未来表现。",
    "接下来进行风险提示，投资风险由您自行承担，收益具有不确定性。",
]
DUAL_FIXED = [
    "请您确认已阅读保险条款，特别是责任免除条款。",
    "本合同的犹豫期为十五日，请您在犹豫期内仔细阅读合同。",
]
CLOSING = [
    "请问还有其他可以帮您的吗？感谢您的来电，再见。",
    "稍后会有满意度评价短信，麻烦您给个评价，祝您生活愉快。",
    "好的，那就不打扰您了，祝您身体健康。",
]
HOLD = [
    "好的，请您稍等，我这边帮您调取一下保单信息，大概需要一两分钟时间，请不要挂机。",
    "感谢您的耐心等待，我已经查到您名下的保单信息了，下面为您说明一下具体情况。",
    "我把刚才说的内容整理一下，稍后通过短信发送到您预留的手机上，方便您查看。",
]
CUSTOMER_FILLER = ["好的，谢谢。", "明白了。", "嗯，我知道了。", "那好吧。", "行，麻烦你了。"]
# violations, by the rule they should trip (agent's words unless marked)
VIOLATIONS = {
    "SALES-GUARANTEE": [
        "您放心，这款产品保本保息，绝对稳赚不赔。",
        "这个是零风险的，本金和收益都有保障。",
        "买这个肯定不亏，收益有保障的。",
    ],
    "DEPOSIT-COMPARE": [
        "这款比存款划算多了，利息比定期还高。",
        "您就当是存钱，跟存款一样，随时能取。",
    ],
    "PROMISE-RETURN": [
        "我跟您保证每年分红都在百分之五以上。",
        "这个一定有收益的，年化至少四个点。",
        "我承诺回报比银行理财高。",
    ],
    "SENSITIVE-REQUEST": [
        "为了帮您操作，请把银行卡密码告诉我。",
        "麻烦您报一下手机上收到的验证码。",
        "请您念一下完整卡号，包括卡背面三位。",
    ],
    "ABUSIVE": [
        "我说了多少遍了，你听不懂吗？",
        "你烦不烦啊，爱办不办。",
        "跟你说不清，你自己看去吧。",
    ],
    "REBATE": [
        "您今天签单的话，我私下返您一部分保费。",
        "现在投保还有返现，额外返五百元。",
    ],
}
COMPLAINT_INTENT = [
    "你们再不处理，我要投诉！",
    "我要打12378投诉你们。",
    "这个服务太差了，我要找媒体曝光。",
]
NEGATED = [
    "这款产品不保本保息，收益以实际分红为准。",
    "我们不能承诺收益，过往业绩不代表未来。",
    "请不要告诉任何人您的密码和验证码。",
]
PII = [
    "我的手机号是{phone}。",
    "我的身份证号是{id_number}。",
    "扣款卡号是{card}。",
]
PRODUCTS = [
    ("P-NJ01", "鑫享年金保险（分红型）"),
    ("P-ZS02", "福满增额终身寿险"),
    ("P-JY03", "金色未来教育年金"),
    ("P-YL04", "安康医疗保险"),
    ("P-YW05", "全家福意外伤害保险"),
]
COMPANY = "XX人寿"


def _phone(r: random.Random) -> str:
    return "1" + r.choice("3589") + "".join(r.choice("0123456789") for _ in range(9))


def _id_number(r: random.Random) -> str:
    return (
        "1201"
        + "".join(r.choice("0123456789") for _ in range(2))
        + "19"
        + f"{r.randint(50, 99)}"
        + (f"{r.randint(1, 12):02d}{r.randint(1, 28):02d}")
        + "".join(r.choice("0123456789") for _ in range(3))
        + r.choice("0123456789X")
    )


def _card(r: random.Random) -> str:
    return "6222" + "".join(r.choice("0123456789") for _ in range(15))


def transcript(
    r: random.Random,
    *,
    kind: str,
    purpose: str,
    violation: str | None = None,
    complaint: bool = False,
    pii: bool = False,
    disclose: bool = True,
) -> list[dict]:
    """One interaction's turns ({speaker, start, end, text}), ~250–400 characters."""
    lines: list[tuple[str, str]] = []
    if kind == "dual_recording":
        lines.append(("agent", "现在开始录音录像，我是销售人员，工号" + str(r.randint(10000, 99999)) + "。"))
        lines.append(("customer", "好的。"))
        if violation != "DUAL-RISK":
            lines.append(("agent", r.choice(DUAL_RISK)))
            lines.append(("customer", "我已了解。"))
        lines.append(("agent", DUAL_FIXED[0]))
        lines.append(("agent", DUAL_FIXED[1]))
        lines.append(("customer", "确认。"))
    else:
        lines.append(("agent", r.choice(GREETINGS).format(company=COMPANY, code=r.randint(1000, 9999))))
        topic = purpose if purpose in CUSTOMER_ASK else "service"
        lines.append(("customer", r.choice(CUSTOMER_ASK[topic])))
        if r.random() < 0.6:
            lines.append(("agent", r.choice(VERIFY)))
            lines.append(
                (
                    "customer",
                    "好的，"
                    + (
                        r.choice(PII).format(phone=_phone(r), id_number=_id_number(r), card=_card(r))
                        if pii
                        else "尾号是" + str(r.randint(1000, 9999)) + "。"
                    ),
                )
            )
        lines.append(("agent", r.choice(HOLD)))
        lines.append(("agent", r.choice(AGENT_ANSWER[topic])))
        lines.append(("customer", r.choice(CUSTOMER_FILLER)))
        # a second question, as most calls have one
        follow = r.choice([t for t in CUSTOMER_ASK if t != topic])
        lines.append(("customer", "另外，" + r.choice(CUSTOMER_ASK[follow])))
        lines.append(("agent", r.choice(AGENT_ANSWER[follow])))
        lines.append(("customer", r.choice(CUSTOMER_FILLER)))
        lines.append(("agent", r.choice(HOLD)))
        if r.random() < 0.2:
            lines.append(("agent", r.choice(NEGATED)))
        if purpose == "sales" and disclose and violation != "COOLING-OFF":
            lines.append(("agent", r.choice(DISCLOSURE)))
            lines.append(("customer", r.choice(CUSTOMER_FILLER)))
    if violation in VIOLATIONS:
        lines.insert(min(len(lines), 4 + r.randint(0, 1)), ("agent", r.choice(VIOLATIONS[violation])))
    if complaint:
        lines.insert(min(len(lines), 3), ("customer", r.choice(COMPLAINT_INTENT)))
        lines.insert(min(len(lines), 4), ("agent", "非常抱歉给您带来不便，我理解您的心情。"))
    if kind != "dual_recording":
        lines.append(("agent", r.choice(CLOSING)))
    turns, clock = [], 0.0
    for speaker, text in lines:
        length = round(len(text) * r.uniform(0.22, 0.3), 1)
        turns.append({"speaker": speaker, "start": round(clock, 1), "end": round(clock + length, 1), "text": text})
        clock += length + r.uniform(0.3, 2.0)
    return turns


def scenario(r: random.Random) -> dict:
    """A random interaction's kind, channel, purpose and what is wrong with it (mostly nothing)."""
    kind = r.choices(["call", "chat", "video", "dual_recording"], weights=[55, 30, 7, 8])[0]
    channel = {
        "call": r.choice(["hotline", "hotline", "outbound"]),
        "chat": r.choice(["online", "wechat", "app"]),
        "video": "video",
        "dual_recording": r.choice(["agency", "counter"]),
    }[kind]
    purpose = (
        "sales"
        if kind == "dual_recording"
        else r.choices(["service", "claim", "sales", "policy_service"], weights=[45, 20, 20, 15])[0]
    )
    roll = r.random()
    violation = None
    if roll < 0.12:
        violation = r.choice(list(VIOLATIONS))
    elif roll < 0.15 and purpose == "sales":
        violation = "DUAL-RISK" if kind == "dual_recording" else "COOLING-OFF"
    return {
        "kind": kind,
        "channel": channel,
        "purpose": purpose,
        "violation": violation,
        "complaint": r.random() < 0.04,
        "pii": r.random() < 0.1,
        "product": r.choice(PRODUCTS) if purpose in ("sales", "policy_service", "claim") else ("", ""),
    }
