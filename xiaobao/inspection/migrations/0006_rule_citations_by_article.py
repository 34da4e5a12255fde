"""The shipped rules cite their regulatory basis article by article, read against the texts (issue 20).

Version 1 named some texts only as "关于…的规定". Each citation is now an article (and item) read in the text as
published: 保险法 (2015 修正) 第一百一十六条 and 第一百三十一条; 保险销售行为管理办法 (国家金融监督管理总局令2023年第2号,
国务院公报2023年第32号) 第七、十七、二十二、二十五、三十一条; 保险销售行为可回溯管理暂行办法 (保监发〔2017〕54号, 国务院公报
2017年第35号) 第七条; 银行业保险业消费投诉处理管理办法 (国务院公报2020年第14号) 第二、二十八条; 个人信息保护法 第六、二十八条;
消费者权益保护法 第十四条. New installs take the wording from fixtures/rules.json (migration 0002); an existing
database is changed only where a rule still carries the shipped wording, so a basis a rule owner rewrote is kept.
"""

from django.db import migrations

# the wording shipped as version 1, by rule code
SHIPPED_BEFORE = {
    "SALES-GUARANTEE": "《中华人民共和国保险法》第一百一十六条（不得欺骗投保人、隐瞒与保险合同有关的重要情况）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）关于不得夸大保险产品收益、误导性陈述的规定；《银行保险机构消费者权益保护管理办法》关于营销宣传的规定",
    "DEPOSIT-COMPARE": "《保险销售行为管理办法》关于不得将保险产品与储蓄存款、银行理财等产品进行片面比较的规定；《中华人民共和国保险法》第一百一十六条",
    "PROMISE-RETURN": "《中华人民共和国保险法》第一百一十六条；《保险销售行为管理办法》关于不得承诺收益、夸大收益的规定",
    "COOLING-OFF": "《中华人民共和国保险法》第一百一十六条（不得隐瞒与保险合同有关的重要情况）；《保险销售行为管理办法》关于说明犹豫期、退保损失等重要事项的规定",
    "DUAL-RISK": "《保险销售行为可回溯管理暂行办法》（保监发〔2017〕54号）关于录音录像须完整记录风险提示、犹豫期等内容的规定",
    "SENSITIVE-REQUEST": "《中华人民共和国个人信息保护法》第六条（最小必要）、第二十八条（敏感个人信息）；《银行保险机构消费者权益保护管理办法》关于个人信息保护的规定",
    "ABUSIVE": "《银行保险机构消费者权益保护管理办法》关于尊重消费者、服务规范的规定；本公司服务用语规范",
    "REBATE": "《中华人民共和国保险法》第一百一十六条（不得给予或者承诺给予保险合同约定以外的保险费回扣或者其他利益）",
    "COMPLAINT-UNLOGGED": "《银行业保险业消费投诉处理管理办法》（原银保监会令2020年第3号）第二条（消费投诉定义）及关于登记、处理消费投诉的规定",
}


# the wording by article (as fixtures/rules.json has it now), frozen here so this migration never changes
BY_ARTICLE = {
    "SALES-GUARANTEE": "《中华人民共和国保险法》第一百一十六条第（一）项（不得欺骗投保人、被保险人或者受益人）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第十七条第（三）项（不得进行虚假或者夸大表述）、第二十二条（销售人身保险新型产品应当提示保单利益的不确定性）",
    "DEPOSIT-COMPARE": "《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第十七条第（三）项（不得使用偷换概念、不当类比、隐去假设等不当宣传手段）；《中华人民共和国保险法》第一百一十六条第（一）项（不得欺骗投保人）",
    "PROMISE-RETURN": "《中华人民共和国保险法》第一百一十六条第（一）项（不得欺骗投保人）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第十七条第（三）项（不得进行虚假或者夸大表述）、第二十二条（提示保单利益的不确定性）",
    "COOLING-OFF": "《中华人民共和国保险法》第一百一十六条第（二）项（不得对投保人隐瞒与保险合同有关的重要情况）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第二十五条第（二）项（就退保及其他费用扣除、人身保险的现金价值、犹豫期等作出明确提示）",
    "DUAL-RISK": "《保险销售行为可回溯管理暂行办法》（保监发〔2017〕54号）第七条第一款第（三）项（告知犹豫期后退保损失风险；新型产品说明保单利益的不确定性）、第七条第二款（新型产品投保人抄录风险提示语句）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第三十一条（销售行为可回溯管理）",
    "SENSITIVE-REQUEST": "《中华人民共和国个人信息保护法》第六条（与处理目的直接相关，限于实现处理目的的最小范围）、第二十八条（金融账户信息属敏感个人信息）；《保险销售行为管理办法》（国家金融监督管理总局令2023年第2号）第七条（按照合法、正当、必要、诚信的原则收集处理个人信息）",
    "ABUSIVE": "《中华人民共和国消费者权益保护法》第十四条（消费者享有人格尊严得到尊重的权利）；《银行保险机构消费者权益保护管理办法》（原银保监会令2022年第9号）第三条（公平、公正、诚信地对待消费者）；本公司服务用语规范",
    "REBATE": "《中华人民共和国保险法》第一百一十六条第（四）项（不得给予或者承诺给予保险合同约定以外的保险费回扣或者其他利益）、第一百三十一条第（四）项（保险代理人及其从业人员同）",
    "COMPLAINT-UNLOGGED": "《银行业保险业消费投诉处理管理办法》（原银保监会令2020年第3号）第二条（消费投诉的定义）、第二十八条（消费投诉处理登记制度）",
}


def forwards(apps, schema_editor):
    Rule = apps.get_model("inspection", "Rule")
    for code, basis in BY_ARTICLE.items():
        if code in SHIPPED_BEFORE:
            Rule.objects.filter(code=code, regulatory_basis=SHIPPED_BEFORE[code]).update(regulatory_basis=basis)


def backwards(apps, schema_editor):
    Rule = apps.get_model("inspection", "Rule")
    for code, basis in BY_ARTICLE.items():
        if code in SHIPPED_BEFORE:
            Rule.objects.filter(code=code, regulatory_basis=basis).update(regulatory_basis=SHIPPED_BEFORE[code])


class Migration(migrations.Migration):
    dependencies = [("inspection", "0005_outbound_batch_policies")]

    operations = [migrations.RunPython(forwards, backwards)]
