"""The exchange format's tables and columns (exchange.md), in their export order."""

from dataclasses import dataclass

from jiuye.registry import vocab


@dataclass(frozen=True)
class Column:
    name: str
    kind: str  # text, date, int, enum, multi, community_code, id_number, yesno
    required: bool = False
    values: tuple[str, ...] | None = None


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] | None  # None: the whole row is the key

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


def _yes_no(name: str) -> Column:
    return Column(name, "enum", values=vocab.YES_NO)


TABLES: tuple[Table, ...] = (
    Table(
        "社区",
        (
            Column("社区代码", "community_code", True),
            Column("社区名称", "text", True),
            Column("街道名称", "text", True),
        ),
        ("社区代码",),
    ),
    Table(
        "家庭",
        (
            Column("家庭编号", "text", True),
            Column("社区代码", "community_code", True),
            Column("住址", "text"),
            Column("户口性质", "enum", True, vocab.HUKOU),
        ),
        ("家庭编号",),
    ),
    Table(
        "人员",
        (
            Column("身份证号", "id_number", True),
            Column("姓名", "text", True),
            Column("性别", "enum", True, vocab.SEX),
            Column("出生日期", "date", True),
            Column("家庭编号", "text", True),
            Column("与户主关系", "enum", values=vocab.RELATION),
            Column("文化程度", "enum", values=vocab.EDUCATION),
            Column("居住起始日期", "date", True),
            Column("居住终止日期", "date"),
            Column("人员类别", "multi", values=vocab.CATEGORY),
            Column("退休年龄类别", "enum", values=vocab.RETIREMENT_CATEGORY),
            Column("联系电话", "text"),
            Column("技能", "text"),
        ),
        ("身份证号",),
    ),
    Table(
        "就业状态",
        (
            Column("身份证号", "id_number", True),
            Column("状态", "enum", True, vocab.STATUS),
            Column("开始日期", "date", True),
            Column("结束日期", "date"),
            Column("就业形式", "enum", values=vocab.EMPLOYMENT_FORM),
            Column("单位名称", "text"),
            Column("失业原因", "enum", values=vocab.UNEMPLOYMENT_REASON),
        ),
        ("身份证号", "开始日期"),
    ),
    Table(
        "失业登记",
        (
            Column("身份证号", "id_number", True),
            Column("登记日期", "date", True),
            Column("注销日期", "date"),
            Column("注销原因", "enum", values=vocab.CANCEL_REASON),
        ),
        ("身份证号", "登记日期"),
    ),
    Table(
        "低保",
        (
            Column("家庭编号", "text", True),
            Column("开始日期", "date", True),
            Column("结束日期", "date"),
        ),
        ("家庭编号", "开始日期"),
    ),
    Table(
        "服务记录",
        (
            Column("身份证号", "id_number", True),
            Column("服务日期", "date", True),
            Column("服务类型", "enum", True, vocab.SERVICE_TYPE),
            Column("经办人", "text"),
            Column("备注", "text"),
        ),
        None,
    ),
    Table(
        "投诉",
        (
            Column("社区代码", "community_code", True),
            Column("投诉日期", "date", True),
            Column("是否有效", "enum", True, vocab.YES_NO),
            Column("内容", "text"),
        ),
        None,
    ),
    Table(
        "目标任务",
        (
            Column("社区代码", "community_code", True),
            Column("年度", "int", True),
            Column("指标", "text", True),
            Column("目标值", "int", True),
            Column("实际值", "int"),
        ),
        ("社区代码", "年度", "指标"),
    ),
    Table(
        "组织建设",
        (
            Column("社区代码", "community_code", True),
            Column("年度", "int", True),
            _yes_no("服务站"),
            Column("专职人员数", "int"),
            _yes_no("人员经费"),
            _yes_no("工作经费"),
            _yes_no("固定场所"),
            _yes_no("办公服务设施"),
        ),
        ("社区代码", "年度"),
    ),
)

TABLE_BY_NAME = {t.name: t for t in TABLES}
COMPUTED_INDICATORS = ("再就业人数", "就业困难人员再就业人数")

# exchange.md "Values": the columns in which full-width forms (U+FF01–U+FF5E, U+3000) are
# read as ASCII; every date and integer column besides these.
FULL_WIDTH_COLUMNS = frozenset(
    {"社区代码", "家庭编号", "身份证号", "联系电话"}
    | {c.name for t in TABLES for c in t.columns if c.kind in ("date", "int")}
)
# A number cell of a workbook in these columns has lost digits ("refuse"), or is accepted
# only as a mobile number ("mobile"); a 社区代码 (12 digits) is exact.
NUMBER_CELL_RULES = {"身份证号": "refuse", "家庭编号": "refuse", "联系电话": "mobile"}
# A 姓名 longer than this (after trimming) is rejected.
NAME_MAX_LENGTH = 50

# The references of each table: (column, the table whose key it names).
REFERENCES = {
    "家庭": (("社区代码", "社区"),),
    "人员": (("家庭编号", "家庭"),),
    "就业状态": (("身份证号", "人员"),),
    "失业登记": (("身份证号", "人员"),),
    "低保": (("家庭编号", "家庭"),),
    "服务记录": (("身份证号", "人员"),),
    "投诉": (("社区代码", "社区"),),
    "目标任务": (("社区代码", "社区"),),
    "组织建设": (("社区代码", "社区"),),
}

# Dates of facts that have happened (a birth, a residence, a status or 低保 start, a
# registration, a service): a form or API write may not date one after today. An import
# only warns about any date after the day of the import (it may carry planned ends), and
# follow-up visits and plans (casework) may lie in the future.
HAPPENED_DATES = {
    "人员": ("出生日期", "居住起始日期"),
    "就业状态": ("开始日期",),
    "失业登记": ("登记日期",),
    "低保": ("开始日期",),
    "服务记录": ("服务日期",),
}
