"""What is already stored that an import would now refuse (``jiuye check_stored``).

Rows stored before the rules of exchange.md were revised (or written around them) may
hold a 姓名 longer than 50 characters or with a control character, or a NUL in a text:
their export would not import again. ``stored_refusals`` finds them, naming each row by
its table and database id (a person also by the masked ID number), so that staff can
mend them in the register's own pages.

NUL cannot be stored by PostgreSQL at all; it is looked for on SQLite only.
"""

from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.db.models.functions import Length

from jiuye.divisions.models import Division
from jiuye.registry import models as m
from jiuye.registry.rules import idnumber
from jiuye.registry.rules.parse import CellError, check_name
from jiuye.registry.rules.schema import NAME_MAX_LENGTH
from jiuye.registry.rules.widths import trim

# A control character (C0 or C1), as a regular expression for the database (PostgreSQL takes
# no NUL, not even in a pattern; it cannot store one either).
CONTROL = {"postgresql": "[\x01-\x1f\x7f-\x9f]"}
CONTROL_DEFAULT = "[\x00-\x1f\x7f-\x9f]"
NUL_MESSAGE = "含有空字符（NUL），导出后无法再导入：请删去它 / holds a NUL character, so its export would not import again: remove it"

# table, model, the text fields (column, field) to look for a NUL in, how a row is named.
TEXT_FIELDS = (
    ("社区", Division, (("社区名称", "name"),), "division"),
    ("家庭", m.Household, (("家庭编号", "code"), ("住址", "address")), "household"),
    ("人员", m.Person, (("姓名", "name"), ("技能", "skills")), "person"),
    ("就业状态", m.StatusEpisode, (("单位名称", "employer_name"),), "of_person"),
    ("服务记录", m.ServiceRecord, (("经办人", "handler"), ("备注", "note")), "of_person"),
    ("投诉", m.Complaint, (("内容", "content"),), "of_community"),
    ("目标任务", m.Target, (("指标", "indicator"),), "of_community"),
)


@dataclass
class Refusal:
    table: str
    pk: int
    who: str  # how the row is named: "#12 500103********0119", "#3 家庭 A1" …
    column: str
    message: str

    def line(self) -> str:
        return "\t".join((self.table, self.who, self.column, self.message))


def _person_name(person: m.Person) -> str:
    return f"人员 #{person.pk} {idnumber.mask(person.id_number)}"


def _who(naming: str, obj) -> str:
    if naming == "person":
        return _person_name(obj)
    if naming == "of_person":
        return f"#{obj.pk}（{_person_name(obj.person)}）"
    if naming == "household":
        return f"#{obj.pk} 家庭 {obj.code}"
    if naming == "of_community":
        return f"#{obj.pk}（社区 {obj.community.code}）"
    return f"#{obj.pk} {obj.code}"


def stored_refusals() -> list[Refusal]:
    """Every stored row an import of its export would refuse: names first, then NULs."""
    found: list[Refusal] = []
    names = (m.Person.objects.annotate(name_length=Length("name"))
             .filter(Q(name_length__gt=NAME_MAX_LENGTH) | Q(name__regex=CONTROL.get(connection.vendor, CONTROL_DEFAULT)))
             .order_by("pk"))
    for person in names.iterator(chunk_size=2000):
        try:
            check_name(trim(person.name))
        except CellError as exc:
            found.append(Refusal("人员", person.pk, _person_name(person), "姓名", str(exc)))
    if connection.vendor == "postgresql":  # a NUL cannot be stored there
        return found
    for table, model, fields, naming in TEXT_FIELDS:
        query = Q()
        for _, field in fields:
            query |= Q(**{f"{field}__regex": "\x00"})
        related = {"of_person": ["person"], "of_community": ["community"]}.get(naming, [])
        for obj in model.objects.filter(query).select_related(*related).order_by("pk").iterator(chunk_size=2000):
            for column, field in fields:
                if "\x00" in (getattr(obj, field) or "") and not (table == "人员" and column == "姓名"):
                    found.append(Refusal(table, obj.pk, _who(naming, obj), column, NUL_MESSAGE))
    # Phone numbers are encrypted: each is read (no query can look inside them).
    for person in m.Person.objects.only("pk", "id_number", "phone").order_by("pk").iterator(chunk_size=2000):
        if "\x00" in (person.phone or ""):
            found.append(Refusal("人员", person.pk, _person_name(person), "联系电话", NUL_MESSAGE))
    return found
