"""The fourth relevance set (issue 18, held out): written on 2026-12-08 (stop 29) before that stop's ranking
work, from the demo corpus's FAQ titles, the policies' titles and the text of the three laws indexed by
article — without running search on any of these questions. Like the third set it is never used to choose
a weight, a threshold or a synonym; it is a second honest measure beside the third. Never edit it to make a
figure better.

Same form as the second and third sets: an answer is a document title, or `(law title, article)` when the
answer is one article of a law indexed by its articles (each article checked against the text in
xiaobao/demo/knowledge_corpus/laws/). `NO_ANSWER`: questions nothing in the demo corpus answers, several
sharing an everyday domain word (索赔, 起诉, 利息) with it.
"""

INSURANCE_LAW = "中华人民共和国保险法"
CONSUMER_LAW = "中华人民共和国消费者权益保护法"
PIPL = "中华人民共和国个人信息保护法"

QUESTIONS: list[tuple[str, tuple]] = [
    # FAQ questions as agents type them: typos, traditional characters, everyday words
    ("保单贷款最多能借几年", ("保单贷款最长能借多久？",)),
    ("借了保单的钱能不能提前还上", ("保单贷款可以提前还吗？",)),
    ("分红是不是每年一定有", ("分红险的分红是保证的吗？",)),
    ("增额终身寿想用钱能随时拿出来吗", ("增额终身寿险能随时取钱吗？",)),
    ("免陪额是啥意思", ("什么是免赔额？",)),
    ("電子保單去哪下載", ("电子保单在哪下载？",)),
    ("一次出事买了好几份保险都能赔吗", ("一个事故多张保单怎么理赔？",)),
    ("申请理赔要不要交手续费", ("理赔需要交钱吗？",)),
    ("保单能过户给孩子吗", ("保单可以转给别人吗？",)),
    ("被拒保了还有别的办法吗", ("投保被拒保了怎么办？",)),
    ("为啥今年续期比去年贵", ("为什么今年保费比去年高？",)),
    ("缴费交满了以后还要不要再交钱", ("缴费期满后还用交钱吗？",)),
    ("现场投诉公司会录音录象吗", ("现场投诉要录音录像吗？",)),
    ("调解没谈拢下一步怎么办", ("调解不成怎么办？",)),
    ("小金额的纠纷能不能快点处理", ("小额纠纷有快速处理吗？",)),
    ("业务员说保本保息能信吗", ("业务员说这个保险保本保息是真的吗？", "案例：销售人员承诺“保本保息”引发的投诉")),
    ("怀疑资料被泄漏了怎么办", ("怀疑个人信息被泄露怎么办？",)),
    ("有人拿客户的保单去抵押借钱", ("保单被别人拿去抵押借钱了怎么办？",)),
    ("怎么分辨是不是非法集资", ("非法集资怎么识别？",)),
    # rule questions: the governing policy
    ("公司对保单送达有什么规定", ("津冀人寿保单送达与回执管理办法",)),
    ("适老化服务公司有什么制度", ("津冀人寿适老化服务管理办法", "津冀人寿北京分公司适老化服务实施细则")),
    ("客服热线公司是怎么管理的", ("津冀人寿客户服务热线管理办法",)),
    # articles of long laws
    ("保险合同里必须写明哪些东西", ((INSURANCE_LAW, "第十八条"),)),
    ("出了事没及时告诉保险公司会怎样", ((INSURANCE_LAW, "第二十一条"), "出险后多久内要报案？")),
    ("保费可以一次交清也能分期交吗", ((INSURANCE_LAW, "第三十五条"), "能不能改成年交或月交？")),
    ("受益人有好几个没写比例怎么分", ((INSURANCE_LAW, "第四十条"), "多个受益人怎么分？")),
    ("投保人故意害死被保险人保险公司还赔吗", ((INSURANCE_LAW, "第四十三条"),)),
    ("单位给员工买人身险受益人能随便指定吗", ((INSURANCE_LAW, "第三十九条"),)),
    ("交了保费以后从什么时候开始保", ((INSURANCE_LAW, "第十四条"), "保单生效时间是什么时候？")),
    ("买东西被强制搭售消法怎么说", ((CONSUMER_LAW, "第十条"),)),
    ("商家宣传夸大其词误导消费者违法吗", ((CONSUMER_LAW, "第二十条"), (CONSUMER_LAW, "第四十五条"))),
    ("消费者的个人信息受法律保护吗消法怎么规定", ((CONSUMER_LAW, "第十四条"), (CONSUMER_LAW, "第二十九条"))),
    ("东西用着用着把人弄伤了消费者能要赔偿吗", ((CONSUMER_LAW, "第十一条"),)),
    ("客户不同意授权就不给办业务行不行", ((PIPL, "第十六条"),)),
    ("客户信息公司能一直存着不删吗", ((PIPL, "第十九条"), (PIPL, "第四十七条"))),
    ("把客户资料交给外包公司处理要约定什么", ((PIPL, "第二十一条"),)),
    ("客户去世了家属能查他的个人信息吗", ((PIPL, "第四十九条"),)),
    ("公司要不要设个人信息保护负责人", ((PIPL, "第五十二条"),)),
    ("个人信息泄露造成损失公司说自己没过错就不用赔吗", ((PIPL, "第六十九条"),)),
    ("客户要查自己的信息被公司拒绝了要说明理由吗", ((PIPL, "第五十条"),)),
]

NO_ANSWER: list[str] = [
    "银行卡被盗刷了怎么挂失",
    "结婚登记要带什么证件",
    "汽车年检过期了罚多少钱",
    "定期存款提前支取利息怎么算",
    "失业金怎么申请领取",
    "快递丢件了怎么索赔",
    "出租房子要交什么税",
    "网贷逾期会被起诉吗",
    "考驾照科目二挂了几次还能考",
    "公积金贷款额度怎么算",
]
