"""Add the checklist items a reviewer of an insurer or a bank expects and version 1 lacked, each tagged
with the consumer right it protects. A used version is never edited: each changed form type gets a new
current version (its previous items kept, new ones appended with fresh ids), and reviews keep theirs.

Where the items come from (the requirement, not a quotation):
- 核保/理赔规则: underwriting and claims standards are the contract's, kept under version control, and not
  applied more strictly at claim time than at sale (公平交易权, 依法求偿权) — a recurring finding in the
  regulator's insurance-complaint reports (理赔纠纷) and 《保险法》's rules on 说明义务 and 不利解释.
- Paid services activated only with the consumer's express consent: no default ticks, no unilateral
  activation or automatic renewal (自主选择权) — 《银行保险机构消费者权益保护管理办法》 on choice and fees.
- Loans: no interest deducted from the principal up front (《民法典》第六百七十条: 借款的利息不得预先在本金中
  扣除), the annualised rate shown (人民银行公告〔2021〕第3号: 贷款产品明示年化利率).
- Fees: none disguised as a third party's charge, nothing the institution itself must bear passed on,
  third-party charges disclosed in the total cost (公平交易权, 知情权).
"""

from django.db import migrations
from django.utils import timezone

P, INF, C, F, R, D = "property_safety", "information", "choice", "fair_dealing", "redress", "data_security"

NEW_ITEMS = {
    "product": [
        ("核保规则、理赔标准纳入版本管理，与上线条款一一对应；理赔时适用承保时的规则，不作更严格或差异化的解释", F),
        ("理赔材料清单、时效和拒赔理由说明的要求明确，不设置与条款无关的理赔条件", R),
        ("健康告知、投保询问事项具体明确，不使用兜底式、概括式询问", INF),
        ("等待期、免赔额、续保条件（保证续保与否）和费率调整条件清楚说明", INF),
        ("贷款类产品不从本金中预先扣除利息，以年化利率明示全部借款成本", F),
        ("收费或增值服务须消费者明示同意后开通，不默认开通、不单方开通或自动续费", C),
    ],
    "service": [
        ("不经消费者明示同意单方开通收费服务、升级服务或自动续费", C),
        ("不以第三方收费名义变相收取本机构费用，第三方收费的项目、标准和收费主体向消费者列明", F),
        ("理赔、退保、销户、提前还款等服务不设置不合理障碍或额外材料", R),
    ],
    "marketing": [
        ("贷款、分期类营销以年化利率明示借款成本，不以日利率、月利率或“低息”“免息”误导", INF),
        ("保险营销不以“停售”“涨价”等话术制造紧迫感，不混淆保险与存款、理财", INF),
    ],
    "contract": [
        ("条款约定的核保、理赔标准与内部核保、理赔规则一致，规则变更不溯及已承保的合同", F),
        ("不约定从借款本金中预先扣除利息、保证金或其他费用", F),
        ("不约定由消费者承担依法应由机构承担的费用（如抵押登记费、评估费等）", F),
        ("自动续费、续保、自动扣款条款须单独确认，扣款前提醒并可随时取消", C),
    ],
    "pricing": [
        ("贷款不在本金中预先扣除利息，实际利率与合同利率一致并以年化口径明示", F),
        ("不以第三方（担保、保险、评估、咨询等）名义变相收费，第三方费用计入综合融资成本并告知", F),
        ("收费服务不单方开通，不以“默认勾选”“免费试用到期自动转收费”等方式收费", C),
        ("减费让利等政策性降费要求已落实，未以其他名义恢复收取", F),
    ],
    "policy": [
        ("核保、理赔规则的制定和变更纳入版本管理与消保审查，变更留痕并可追溯", F),
        ("投诉处理时限按《银行业保险业消费投诉处理管理办法》第十八条自然日计算，内部时限不宽于法定期限", R),
    ],
    "campaign": [
        ("活动不以开通收费服务、办理贷款或信用卡为领取奖励的隐性条件", C),
    ],
    "third_party": [
        ("合作机构收费不属于本机构应收费用的转嫁，不以合作机构名义变相收费", F),
        ("助贷、增信合作中的担保费、保险费等计入借款综合成本并在借款前告知", INF),
        ("合作机构不得以本机构名义从事营销，催收行为合法并尊重消费者", R),
    ],
}
PREFIX = {
    "product": "PRD",
    "service": "SRV",
    "marketing": "MKT",
    "contract": "CTR",
    "pricing": "PRC",
    "policy": "POL",
    "campaign": "CMP",
    "third_party": "TPC",
}


def _next_ids(prefix: str, items: list[dict]):
    used = [int(item["id"][len(prefix) :]) for item in items if item["id"].startswith(prefix)]
    n = max(used, default=0)
    while True:
        n += 1
        yield f"{prefix}{n:02d}"


def forward(apps, schema_editor):
    FormVersion = apps.get_model("reviews", "FormVersion")
    now = timezone.now()
    for code, rows in NEW_ITEMS.items():
        current = FormVersion.objects.filter(form_type__code=code, is_current=True).first()
        if current is None:
            continue
        texts = {item["text"] for item in current.checklist}
        fresh = [(text, right) for text, right in rows if text not in texts]
        if not fresh:
            continue
        ids = _next_ids(PREFIX[code], current.checklist)
        checklist = [*current.checklist, *({"id": next(ids), "text": t, "right": r} for t, r in fresh)]
        FormVersion.objects.filter(pk=current.pk).update(is_current=False)
        FormVersion.objects.create(
            form_type_id=current.form_type_id,
            number=current.number + 1,
            fields=current.fields,
            checklist=checklist,
            is_current=True,
            created_at=now,
        )


def backward(apps, schema_editor):
    FormVersion = apps.get_model("reviews", "FormVersion")
    for code, rows in NEW_ITEMS.items():
        texts = {text for text, _right in rows}
        current = FormVersion.objects.filter(form_type__code=code, is_current=True).first()
        if current is None or current.reviews.exists() or not texts & {i["text"] for i in current.checklist}:
            continue
        previous = FormVersion.objects.filter(form_type_id=current.form_type_id, number=current.number - 1).first()
        if previous is None:
            continue
        current.delete()
        FormVersion.objects.filter(pk=previous.pk).update(is_current=True)


class Migration(migrations.Migration):
    dependencies = [("reviews", "0002_seed_form_types")]

    operations = [migrations.RunPython(forward, backward)]
