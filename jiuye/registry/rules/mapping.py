"""How each exchange-format column maps onto the register's models, both ways."""

import hashlib

from jiuye.registry import models as m
from jiuye.registry.rules.schema import TABLES

# table -> (model, [(column, model field)]) for the plain columns; references
# (社区代码, 家庭编号, 身份证号 of another table) are resolved by the importer.
YES_NO_TO_BOOL = {"是": True, "否": False, "": None}
BOOL_TO_YES_NO = {True: "是", False: "否", None: ""}

PLAIN_FIELDS = {
    "家庭": [("住址", "address"), ("户口性质", "hukou")],
    "人员": [
        ("姓名", "name"),
        ("性别", "sex"),
        ("出生日期", "birth_date"),
        ("与户主关系", "relation"),
        ("文化程度", "education"),
        ("居住起始日期", "residence_start"),
        ("居住终止日期", "residence_end"),
        ("人员类别", "categories"),
        ("退休年龄类别", "retirement_category"),
        ("联系电话", "phone"),
        ("技能", "skills"),
    ],
    "就业状态": [
        ("状态", "status"),
        ("开始日期", "start"),
        ("结束日期", "end"),
        ("就业形式", "employment_form"),
        ("单位名称", "employer_name"),
        ("失业原因", "unemployment_reason"),
    ],
    "失业登记": [("登记日期", "registered_on"), ("注销日期", "cancelled_on"), ("注销原因", "cancel_reason")],
    "低保": [("开始日期", "start"), ("结束日期", "end")],
    "服务记录": [("服务日期", "date"), ("服务类型", "service_type"), ("经办人", "handler"), ("备注", "note")],
    "投诉": [("投诉日期", "date"), ("是否有效", "valid"), ("内容", "content")],
    "目标任务": [("年度", "year"), ("指标", "indicator"), ("目标值", "target"), ("实际值", "actual")],
    "组织建设": [
        ("年度", "year"),
        ("服务站", "service_station"),
        ("专职人员数", "staff_count"),
        ("人员经费", "staff_funds"),
        ("工作经费", "work_funds"),
        ("固定场所", "premises"),
        ("办公服务设施", "facilities"),
    ],
}

MODELS = {
    "家庭": m.Household,
    "人员": m.Person,
    "就业状态": m.StatusEpisode,
    "失业登记": m.UnemploymentRegistration,
    "低保": m.DibaoEpisode,
    "服务记录": m.ServiceRecord,
    "投诉": m.Complaint,
    "目标任务": m.Target,
    "组织建设": m.OrganizationRecord,
}

# Date and integer columns keep None for a blank cell; text columns store "".
NULLABLE_COLUMNS = frozenset(c.name for t in TABLES for c in t.columns if c.kind in ("date", "int"))

BOOL_COLUMNS = {"是否有效", "服务站", "人员经费", "工作经费", "固定场所", "办公服务设施"}


def to_model(column: str, value):
    """An exchange value (as parsed) to the model field's value."""
    if column in BOOL_COLUMNS:
        return YES_NO_TO_BOOL[value or ""]
    if column == "人员类别":
        return ";".join(value or ())
    if value is None and column not in NULLABLE_COLUMNS:
        return ""
    return value


def _blank_text(value):
    return "" if value is None else value


def to_model_column(column: str, values: list) -> list:
    """``to_model`` of a whole column: one converter chosen once (most columns keep their values)."""
    if column in BOOL_COLUMNS:
        convert = YES_NO_TO_BOOL.__getitem__
        return [convert(v or "") for v in values]
    if column == "人员类别":
        return [";".join(v or ()) for v in values]
    if column in NULLABLE_COLUMNS or None not in values:
        return values
    return list(map(_blank_text, values))


def from_model(column: str, value):
    """A model field's value to the exchange value (as the parser produces it)."""
    if column in BOOL_COLUMNS:
        return BOOL_TO_YES_NO[value]
    if column == "人员类别":
        return tuple(c for c in (value or "").split(";") if c)
    return value


def row_hash(values: list) -> str:
    """The key of a whole-row table (服务记录, 投诉)."""
    text = "\x1f".join("" if v is None else str(v) for v in values)
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def row_hash_column(columns: list[list]) -> list[str]:
    """``row_hash`` of each row of a table given a column at a time (an import): each column made
    text once, the rows joined in C."""
    texts = [column if set(map(type, column)) <= {str} else ["" if v is None else str(v) for v in column]
             for column in columns]
    sha1 = hashlib.sha1
    return [sha1(text.encode("utf-8")).hexdigest() for text in map("\x1f".join, zip(*texts, strict=True))]
