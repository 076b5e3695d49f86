"""Build a small exchange-format folder from Python, import it, evaluate it.

    sc = Scenario(tmp_path)
    p = sc.person("1980-05-01", "女", status=[("失业", "2026-01-05")])
    sc.register(p, "2026-02-02")
    sc.service(p, "2026-02-03", "职业指导")
    s4 = sc.standards("2026-06-30")["s4"]

Every table goes through ``ledger_import`` (so the scenario is also a valid input),
then ``evaluate``. Dates are ``date`` objects or ``YYYY-MM-DD`` strings.
"""

import csv
import datetime as dt
import itertools
from pathlib import Path

from dateutil.relativedelta import relativedelta

from jiuye.exchange.importer import ledger_import
from jiuye.registry.rules.idnumber import check_digit
from jiuye.registry.rules.schema import TABLES
from jiuye.standards.evaluate import evaluate

CODE = "500103001001"  # 渝中区 (group A), street 500103001

COLUMNS = {t.name: list(t.column_names) for t in TABLES}


def day(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def iso(value) -> str:
    return "" if value is None else day(value).isoformat()


def plus(value, *, years=0, months=0, days=0) -> dt.date:
    """Calendar arithmetic with clamping, as standards.md (relativedelta)."""
    return day(value) + relativedelta(years=years, months=months, days=days)


def id_number(district: str, birth, sex: str, serial: int) -> str:
    """A valid GB 11643 number: odd 17th digit for 男, even for 女."""
    seq = (serial * 2 + (1 if sex == "男" else 0)) % 1000
    first17 = f"{district}{day(birth):%Y%m%d}{seq:03d}"
    return first17 + check_digit(first17)


class Scenario:
    default_start = dt.date(2015, 1, 1)

    def __init__(self, root: Path, code: str = CODE, name: str = "测试社区"):
        self.root = Path(root)
        self.code = code
        self.rows: dict[str, list[dict]] = {t: [] for t in COLUMNS}
        self.household_of: dict[str, str] = {}
        self._serial = itertools.count(1)
        self._loads = itertools.count(1)
        self._dirty = False
        self.community(code, name)

    # -- facts ---------------------------------------------------------------------------

    def _add(self, table: str, **values) -> None:
        self.rows[table].append({k: "" if v is None else str(v) for k, v in values.items()})
        self._dirty = True

    def community(self, code: str, name: str | None = None, street: str | None = None) -> str:
        self._add("社区", 社区代码=code, 社区名称=name or f"社区{code}", 街道名称=street or f"街道{code[:9]}")
        return code

    def household(self, hukou: str = "城镇", community: str | None = None) -> str:
        code = f"H{next(self._serial):05d}"
        self._add("家庭", 家庭编号=code, 社区代码=community or self.code, 住址="某路1号", 户口性质=hukou)
        return code

    def person(
        self,
        birth,
        sex: str = "男",
        *,
        status=None,
        hh: str | None = None,
        hukou: str = "城镇",
        community: str | None = None,
        res_start=None,
        res_end=None,
        categories: str = "",
        ret50: bool = False,
        name: str | None = None,
    ) -> str:
        """A person (in a new household of their own unless ``hh``); returns the ID number.

        ``status``: a status word (one open episode from 2015-01-01, or birth if later) or a
        list of ``(status, start[, end])``. Resident from birth unless ``res_start`` is given.
        """
        community = community or self.code
        hh = hh or self.household(hukou, community)
        serial = next(self._serial)
        pid = id_number(community[:6], birth, sex, serial)
        self._add(
            "人员",
            身份证号=pid,
            姓名=name or f"人员{serial}",
            性别=sex,
            出生日期=iso(birth),
            家庭编号=hh,
            居住起始日期=iso(res_start or birth),
            居住终止日期=iso(res_end),
            人员类别=categories,
            退休年龄类别="50" if ret50 else "",
        )
        self.household_of[pid] = hh
        if isinstance(status, str):
            status = [(status, max(day(birth), self.default_start))]
        for episode in status or []:
            self.status(pid, *episode)
        return pid

    def status(self, pid: str, status: str, start, end=None) -> None:
        self._add("就业状态", 身份证号=pid, 状态=status, 开始日期=iso(start), 结束日期=iso(end))

    def register(self, pid: str, date, cancelled=None) -> None:
        self._add("失业登记", 身份证号=pid, 登记日期=iso(date), 注销日期=iso(cancelled))

    def dibao(self, hh: str, start, end=None) -> None:
        self._add("低保", 家庭编号=hh, 开始日期=iso(start), 结束日期=iso(end))

    def service(self, pid: str, date, kind: str = "职业指导") -> None:
        self._add("服务记录", 身份证号=pid, 服务日期=iso(date), 服务类型=kind)

    def complaint(self, date, valid: bool = True, community: str | None = None) -> None:
        self._add(
            "投诉", 社区代码=community or self.code, 投诉日期=iso(date), 是否有效="是" if valid else "否"
        )

    def target(
        self, indicator: str, target: int, actual=None, *, year: int, community: str | None = None
    ) -> None:
        """A 目标任务 row; one already written with the same key is replaced (as a re-import does)."""
        key = {"社区代码": community or self.code, "年度": str(year), "指标": indicator}
        self.rows["目标任务"] = [r for r in self.rows["目标任务"] if {k: r[k] for k in key} != key]
        self._add("目标任务", **key, 目标值=target, 实际值=actual)

    def organization(self, year: int, community: str | None = None, **items) -> None:
        """A 组织建设 row, 是 everywhere and 专职人员数 1 unless ``items`` say otherwise."""
        row = {
            "服务站": "是",
            "专职人员数": 1,
            "人员经费": "是",
            "工作经费": "是",
            "固定场所": "是",
            "办公服务设施": "是",
        }
        row.update(items)
        self._add("组织建设", 社区代码=community or self.code, 年度=year, **row)

    # -- import and evaluate -----------------------------------------------------------------

    def write(self) -> Path:
        folder = self.root / f"ledger{next(self._loads)}"
        folder.mkdir(parents=True)
        for table, columns in COLUMNS.items():
            if not self.rows[table]:
                continue
            with (folder / f"{table}.csv").open("w", encoding="utf-8", newline="") as fh:
                writer = csv.DictWriter(fh, fieldnames=columns)
                writer.writeheader()
                for row in self.rows[table]:
                    writer.writerow({c: row.get(c, "") for c in columns})
        return folder

    def load(self) -> None:
        """Import every row written so far (again: a second import of a row changes nothing)."""
        if not self._dirty:
            return
        result = ledger_import(path=self.write())
        assert result.ok, "\n".join(map(str, result.problems))
        self._dirty = False

    def result(self, as_of, **kwargs) -> dict:
        """The whole evaluation (``evaluate``'s dict); kwargs: prefix, params, explain, rollups."""
        self.load()
        return evaluate(day(as_of), **kwargs)

    def evaluate(self, as_of, *, code: str | None = None, **kwargs) -> dict:
        """The result dict of one community (the scenario's own by default)."""
        code = code or self.code
        result = self.result(as_of, **kwargs)
        return next(c for c in result["communities"] if c["code"] == code)

    def standards(self, as_of, **kwargs) -> dict:
        return self.evaluate(as_of, **kwargs)["standards"]
