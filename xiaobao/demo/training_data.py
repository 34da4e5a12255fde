"""The training demo's figures and names: the published year's training as the model institution reported it
(issue 19): 13 programmes; 14 courses for all staff, 48 for operations specialists, 2 compulsory and 9
elective for each sales channel; 5,010 person-times trained and examined; the sales channels' 57 sessions
with 1,936 person-times; the first 消保之星 contest with 571 staff, 3 winning teams and 30 individual winners.

The account gives totals only; how they split over units, courses and sessions is invented here, and the
loader (`demo.py`) makes the records add up to the totals exactly.
"""

from __future__ import annotations

from xiaobao.demo.core import COMPLETE_YEAR

YEAR = COMPLETE_YEAR  # the published year the whole demo re-enacts (plans, reviews and indicators use the same)

TOTALS = {
    "programmes": 13,
    "courses_all_staff": 14,
    "courses_operations": 48,
    "sales_compulsory_per_channel": 2,
    "sales_elective_per_channel": 9,
    "person_times": 5010,
    "sales_sessions": 57,
    "sales_person_times": 1936,
    "contest_participants": 571,
    "winning_teams": 3,
    "individual_winners": 30,
}

# the roster: active people per audience group (sales by channel) and where they work
ROSTER = {"management": 40, "operations": 120, "all_staff": 174}
SALES = {"agency": 120, "bancassurance": 70, "group": 40, "brokerage": 35, "tele": 35}
NEW_JOINERS = 6  # hired in December, after the year's sessions: not yet covered
LEAVERS = 12  # left in March: kept for history, out of coverage
HQ_SHARE = {"management": 12, "operations": 40, "all_staff": 58}  # the rest work in the branches
# branch units and their weights for the people not at head office
BRANCH_UNITS = {
    "BJ": 3,
    "BJ-CY": 2,
    "BJ-HD": 2,
    "TJ": 3,
    "TJ-BH": 2,
    "TJ-BH-TG": 1,
    "TJ-HP": 1,
    "HB": 3,
    "HB-SJZ": 2,
    "HB-SJZ-ZD": 1,
    "HB-TS": 1,
    "HB-TS-QA": 1,
    "HB-BD": 1,
    "HB-LF": 1,
}
# the demo's users on the roster: (username, group, channel, department, position)
USERS = [
    ("admin", "all_staff", "", "信息技术部", "系统管理员"),
    ("xiaobao", "management", "", "消费者权益保护部", "消保部负责人"),
    ("bj_officer", "management", "", "综合管理部", "消保专员"),
    ("tj_officer", "management", "", "综合管理部", "消保专员"),
    ("hb_officer", "management", "", "综合管理部", "消保专员"),
    ("product_clerk", "all_staff", "", "个人业务部", "产品经理"),
    ("reviewer", "all_staff", "", "消费者权益保护部", "审查岗"),
    ("committee", "management", "", "消费者权益保护委员会", "委员"),
    ("agent", "operations", "", "客户服务中心", "客服坐席"),
    ("inspector", "operations", "", "运营管理部", "质检岗"),
    ("manager", "management", "", "总经理室", "副总经理"),
]

SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华玉兰萍红鹏辉建华晓东海燕雪梅志强春梅文博子涵浩然"

ALL_STAFF_COMPULSORY = [
    "《银行保险机构消费者权益保护管理办法》解读",
    "《银行业保险业消费投诉处理管理办法》与投诉处理时限",
    "金融消费者八项基本权利与员工行为规范",
    "个人信息保护与客户信息安全",
]
ALL_STAFF_ELECTIVE = [
    "适老化服务与老年客户沟通",
    "防范非法集资与反诈骗知识",
    "警惕“代理退保”等金融黑产",
    "保险消费风险提示典型案例",
    "消保审查工作机制概览",
    "金融知识普及与教育宣传实务",
    "服务礼仪与投诉预防",
    "重大消费投诉应急处置",
    "金融机构消费者权益保护监管评价解读",
    "信息披露与营销宣传合规",
]
OPERATIONS_TOPICS = [
    "投保受理",
    "保全变更",
    "理赔受理",
    "理赔调查",
    "电话回访",
    "客户身份识别",
    "电话中心服务",
    "柜面服务",
    "双录质检",
    "犹豫期退保",
    "投诉登记与转办",
    "续期收费",
]
OPERATIONS_ASPECTS = ["操作规范", "消保要点", "常见问题与案例", "风险提示"]
OPERATIONS_COMPULSORY = 8
SALES_COMPULSORY = ["销售行为规范", "适当性管理与如实告知"]
SALES_ELECTIVE = [
    "产品说明与犹豫期告知",
    "销售误导典型案例",
    "客户回访与双录要求",
    "营销宣传材料合规",
    "老年客户销售风险防控",
    "退保纠纷预防",
    "费用与收益演示披露",
    "客户信息保护",
    "投诉处理与溯源整改",
]
CHANNEL_NAMES = {
    "agency": "个人营销",
    "bancassurance": "银行保险",
    "group": "团体保险",
    "brokerage": "中介经代",
    "tele": "电话网络销售",
}

# the 13 programmes: (key, name); the courses and sessions say which programme they belong to
PROGRAMMES = [
    ("all_compulsory", "全员消保法规必修培训"),
    ("all_elective_a", "全员消保知识选修课堂"),
    ("all_elective_b", "消保宣教与服务能力提升"),
    ("ops_compulsory", "运营专员岗位必修培训"),
    ("ops_a", "运营服务消保实务（投保与保全）"),
    ("ops_b", "运营服务消保实务（理赔与回访）"),
    ("ops_c", "运营服务消保实务（柜面与电话中心）"),
    *((f"sales_{code}", f"{name}渠道消保合规培训") for code, name in CHANNEL_NAMES.items()),
    ("contest", "“消保之星”消保知识竞赛"),
]

# sessions: how many of each kind, and the person-times they add up to
SESSIONS = {
    # all-staff compulsory: per unit of this list, everyone of its subtree once
    "all_compulsory_units": ["HQ", "BJ", "BJ", "TJ", "TJ", "HB", "HB", "HB"],
    "ops_compulsory_units": ["HQ", "BJ", "TJ", "HB"],
    "all_elective": 30,
    "ops_elective": 25,
    "sales_elective_min_per_channel": 8,
}
PASS_MARK = 60
FAIL_RATE = 0.014  # failed at the first sitting; each resat a week later and passed

CONTEST = {
    "title": f"{YEAR}年“消保之星”消费者权益保护知识竞赛",
    "questions": 20,
    "points": 5,
    "teams": ["HQ", "BJ", "TJ", "HB", "TJ-BH", "HB-SJZ", "HB-TS"],
    "finalists": 4,
    "team_awards": ["团体一等奖", "团体二等奖", "团体三等奖"],
    # (title, how many): 30 individual winners
    "individual_awards": [("个人一等奖", 3), ("个人二等奖", 9), ("个人三等奖", 18)],
}

QUESTIONS = [
    # (kind, topic, right, stem, options, answer, explanation)
    (
        "single",
        "投诉处理",
        "redress",
        "银行保险机构应当在收到消费投诉之日起多少日内作出处理决定并告知投诉人？",
        ["7日", "15日", "30日", "60日"],
        ["B"],
        "《银行业保险业消费投诉处理管理办法》第十八条：15日内。",
    ),
    (
        "single",
        "投诉处理",
        "redress",
        "情况复杂的投诉，经批准处理期限最长可延长至多少日？",
        ["15日", "30日", "45日", "60日"],
        ["D"],
        "第十八条：可延长至30日，特别复杂的可再延长30日。",
    ),
    (
        "true_false",
        "投诉处理",
        "redress",
        "调解期间计入投诉处理期限。",
        [],
        ["F"],
        "第二十三条：调解期间不计入处理期限。",
    ),
    (
        "single",
        "投诉处理",
        "redress",
        "下列哪类投诉属于重大消费投诉？",
        ["单个客户重复投诉", "20名以上投诉人现场集体投诉", "涉及金额超过10万元的投诉", "媒体转来的投诉"],
        ["B"],
        "第二十九条：因重大自然灾害等引发的，20名以上投诉人现场集体投诉等。",
    ),
    (
        "multiple",
        "消费者权利",
        "information",
        "以下属于金融消费者基本权利的有？",
        ["知情权", "自主选择权", "优先受偿权", "信息安全权"],
        ["A", "B", "D"],
        "八项权利不含优先受偿权。",
    ),
    (
        "single",
        "消费者权利",
        "choice",
        "强制搭售保险产品主要侵犯了消费者的哪项权利？",
        ["受教育权", "自主选择权", "受尊重权", "依法求偿权"],
        ["B"],
        "搭售限制了消费者自主选择。",
    ),
    ("true_false", "消费者权利", "respect", "员工可以因客户年龄拒绝为其办理业务。", [], ["F"], "侵犯受尊重权。"),
    (
        "multiple",
        "销售行为",
        "information",
        "销售人身保险产品时，必须向客户明确说明的内容包括？",
        ["犹豫期及其权利", "保险责任与责任免除", "销售人员个人收入", "退保损失"],
        ["A", "B", "D"],
        "如实告知义务。",
    ),
    (
        "true_false",
        "销售行为",
        "fair_dealing",
        "可以用“保本保息”描述分红险的收益。",
        [],
        ["F"],
        "属于夸大收益的误导行为。",
    ),
    (
        "single",
        "销售行为",
        "information",
        "人身保险犹豫期内退保，保险公司应当如何处理？",
        ["不予退费", "扣除手续费后退还现金价值", "退还全部保费（可扣除不超过10元工本费）", "退还一半保费"],
        ["C"],
        "犹豫期内解除合同，退还全部保费。",
    ),
    (
        "single",
        "销售行为",
        "fair_dealing",
        "对65周岁以上客户销售复杂产品时，应特别做到？",
        ["缩短说明时间", "加强适当性评估并充分提示风险", "要求子女代签", "只推荐最高保额"],
        ["B"],
        "适当性管理。",
    ),
    (
        "multiple",
        "个人信息保护",
        "data_security",
        "以下属于敏感个人信息的有？",
        ["身份证号码", "银行账户", "健康信息", "公开的职业信息"],
        ["A", "B", "C"],
        "《个人信息保护法》第二十八条。",
    ),
    (
        "true_false",
        "个人信息保护",
        "data_security",
        "可以把客户名单交给合作机构用于营销，无需客户同意。",
        [],
        ["F"],
        "向第三方提供个人信息须取得单独同意。",
    ),
    (
        "single",
        "个人信息保护",
        "data_security",
        "客户身份证号码在页面上默认应当如何显示？",
        ["完整显示", "去标识化/掩码显示", "不显示姓名", "只显示后两位"],
        ["B"],
        "最小必要、默认掩码。",
    ),
    (
        "single",
        "消保审查",
        "information",
        "消保审查应覆盖产品和服务的哪些环节？",
        ["仅上线前", "设计、定价、合同、营销等全流程", "仅营销宣传", "仅出现投诉后"],
        ["B"],
        "管理办法第九条。",
    ),
    ("true_false", "消保审查", "information", "营销宣传材料上线前应经过消保审查。", [], ["T"], "营销宣传属审查范围。"),
    (
        "single",
        "适老化服务",
        "respect",
        "适老化服务中，营业网点应当？",
        ["取消现金业务", "保留人工服务和传统服务方式", "要求老年人使用APP", "仅在工作日服务"],
        ["B"],
        "保留传统服务方式。",
    ),
    ("true_false", "适老化服务", "respect", "关怀版APP应提供大字体和语音读屏功能。", [], ["T"], "适老化改造要求。"),
    (
        "single",
        "教育宣传",
        "education",
        "每年9月开展的集中性金融宣传活动是？",
        ["3·15宣传周", "7·8保险公众宣传日", "金融知识普及月", "防范非法集资宣传月"],
        ["C"],
        "金融知识普及月。",
    ),
    ("true_false", "教育宣传", "education", "可以借消保宣传活动之机推销保险产品。", [], ["F"], "严禁借宣传之名营销。"),
    (
        "single",
        "反诈与金融黑产",
        "property_safety",
        "“代理退保”黑产通常以什么名义诱导客户？",
        ["全额退保维权", "免费体检", "积分兑换", "理赔加速"],
        ["A"],
        "以“全额退保”为名收取高额费用。",
    ),
    (
        "multiple",
        "反诈与金融黑产",
        "property_safety",
        "识别非法集资的常见特征有？",
        ["承诺高额回报", "公开宣传", "面向社会不特定对象", "有金融牌照"],
        ["A", "B", "C"],
        "非法集资的特征。",
    ),
    (
        "fill",
        "投诉处理",
        "redress",
        "监管机构转办的投诉，处理时限中“____个工作日”是办法中唯一以工作日计算的期限。",
        [],
        [["7", "七"]],
        "第三十三条、第四十三条。",
    ),
    (
        "fill",
        "销售行为",
        "information",
        "人身保险产品的犹豫期一般不少于____日。",
        [],
        [["15", "十五"]],
        "犹豫期不少于15日。",
    ),
    (
        "single",
        "运营服务",
        "redress",
        "理赔资料齐全后，对属于保险责任的，应在达成协议后多少日内赔付？",
        ["5日", "10日", "30日", "60日"],
        ["B"],
        "《保险法》第二十三条：达成协议后十日内履行。",
    ),
    ("true_false", "运营服务", "information", "保全变更办理完成后应及时告知客户办理结果。", [], ["T"], "保障知情权。"),
    (
        "single",
        "运营服务",
        "data_security",
        "电话回访中核实客户身份时，应当？",
        ["要求客户报完整银行卡密码", "按规定核对必要信息", "不核实身份", "要求客户提供验证码给坐席"],
        ["B"],
        "最小必要。",
    ),
    (
        "multiple",
        "运营服务",
        "fair_dealing",
        "双录质检重点关注的问题有？",
        ["承诺收益", "未提示犹豫期", "客户签名代签", "客户着装"],
        ["A", "B", "C"],
        "双录质检要点。",
    ),
    (
        "single",
        "监管评价",
        "education",
        "2025年起施行的消保监管评价办法中权重不低于25%的要素是？",
        ["金融教育", "营销行为管理", "个人信息保护", "消费者服务"],
        ["B"],
        "营销行为管理与纠纷化解不低于25%。",
    ),
    ("true_false", "监管评价", "education", "消费者权益保护工作纳入内部审计和考核。", [], ["T"], "管理办法要求。"),
]
