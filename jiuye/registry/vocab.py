"""The closed vocabularies of the register, exactly as exchange.md lists them.

Values are stored as the Chinese words themselves: they are the codes of the
exchange format, so an import, the database and an export agree letter for letter.
"""

HUKOU = ("城镇", "农村")
SEX = ("男", "女")
RELATION = ("户主", "配偶", "子女", "父母", "其他")
EDUCATION = ("研究生", "大学本科", "大专", "中专", "技工学校", "高中", "初中", "小学", "其他")
CATEGORY = ("高校毕业生", "复转军人", "农民工", "残疾人", "下岗职工")
RETIREMENT_CATEGORY = ("50",)
STATUS = ("就业", "失业", "无就业意愿", "丧失劳动能力", "在校学生", "退休", "其他")
EMPLOYMENT_FORM = ("单位就业", "灵活就业", "自主创业", "公益性岗位")
UNEMPLOYMENT_REASON = ("单位解除合同", "下岗", "毕业未就业", "辞职", "其他")
CANCEL_REASON = ("已就业", "迁出", "退休", "其他")
SERVICE_TYPE = (
    "职业指导",
    "职业介绍",
    "政策宣传",
    "政策咨询",
    "培训推荐",
    "技能培训",
    "创业服务",
    "公益性岗位安置",
    "上门走访",
    "其他",
)
YES_NO = ("是", "否")

EMPLOYED = "就业"
UNEMPLOYED = "失业"
NOT_WILLING = "无就业意愿"
LABOUR_FORCE = (EMPLOYED, UNEMPLOYED)


def choices(values):
    return [(v, v) for v in values]
