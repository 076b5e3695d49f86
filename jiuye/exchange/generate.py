"""Synthetic registers in the exchange format (docs: shared spec exchange.md).

``generate_register`` writes the ten ledger tables of a made-up but plausible set of
communities as a folder of CSV files (UTF-8 with BOM, CRLF line ends, the columns of
exchange.md in order) that the importer accepts as they are.

The data are built to look like real ledgers and to exercise every standard of
standards.md: each community draws an unemployment rate and a few "lapses" (late
vocational guidance, long-term unemployed still registered, an unmet target, ...), so
that some communities meet the standard and some do not, more often in group C
districts than in group A. Communities without a lapse are built to pass the rules
that depend only on how the community works (S2, S4–S8); S1 and S3 follow from
their people.

Standard library only; one ``random.Random`` per community, seeded from
``random.Random(seed)``, so the same arguments give byte-identical files.
"""

from __future__ import annotations

import calendar
import csv
import math
import random
from collections.abc import Callable
from datetime import date
from functools import cache
from pathlib import Path

from jiuye.registry.rules.schema import TABLES as _SCHEMA_TABLES

TABLES: dict[str, list[str]] = {t.name: list(t.column_names) for t in _SCHEMA_TABLES}

DISTRICTS_CSV = Path(__file__).resolve().parent.parent / "divisions" / "data" / "chongqing-districts.csv"

# ---------------------------------------------------------------------------
# Word lists

# surname and relative frequency
_SURNAMES = [
    (item[0], int(item[1:]))
    for item in (
        "王72 李72 张68 刘55 陈55 杨42 黄25 赵22 吴21 周20 徐15 孙14 马13 朱12 胡12 郭11 何14 高10 林9 罗13 郑9 梁8 谢10 宋7 "
        "唐12 许6 韩6 冯6 邓10 曹6 彭9 曾7 肖7 田7 董5 袁6 潘4 于4 蒋7 蔡4 余7 杜5 叶4 程4 苏4 魏4 吕4 丁4 "
        "任5 沈3 姚3 卢3 姜3 崔2 钟3 谭6 陆2 汪3 范3 金2 石4 廖5 贾2 夏3 韦2 付4 方2 白2 邹3 孟2 熊4 秦3 "
        "邱3 江3 尹2 薛2 闫1 段2 雷3 侯2 龙3 史1 黎2 贺2 顾1 毛2 郝1 龚3 邵1 万2 向3 冉2 牟2 税1 母1 庞1"
    ).split()
]
_MALE_CHARS = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宇浩凯健俊帆帅旭宁龙林阳建国峰亮成洋东文兵志毅江海春德福荣昌贵忠祥川渝豪博翔锋"
_FEMALE_CHARS = "芳娜敏静丽艳娟霞秀英燕玲桂兰萍红梅琳雪婷莉颖倩洁佳慧琴云玉晶欣怡悦雯璐露丹蓉凤群琼秋菊霜薇月"
_MIDDLE_CHARS = "子思雨梓晨一宏永小德春玉建海金明晓家红志国俊文嘉诗天立新学光"

_PLACE_A = "新金龙凤华和平安兴民宏康福桂石桥湖山江滨南北东西玉锦鹅岭嘉陵渝巴洪松林花明红光朝天大小双通化龙溪"
_PLACE_B = "园湾坪坝桥门苑塘岗坡口街庙寺沟湖山河池堡场路井关"
_ROAD_SUFFIX = ("路", "路", "路", "街", "大道", "巷", "正街", "支路")
_INDUSTRY = tuple(
    "建筑工程 物流 餐饮管理 商贸 机械制造 电子科技 物业管理 汽车配件 食品 医药 "
    "家政服务 信息技术 酒店管理 印务 火锅餐饮 装饰工程 服饰 农业开发 摩托车配件 劳务派遣 "
    "保安服务 电梯工程 网络科技 环保科技".split()
)
_BIG_EMPLOYERS = tuple(
    "重庆长安汽车股份有限公司 重庆轨道交通（集团）有限公司 重庆市公共交通控股（集团）有限公司 "
    "重庆银行股份有限公司 重庆钢铁股份有限公司 重庆医科大学附属第一医院 "
    "重庆百货大楼股份有限公司 重庆啤酒股份有限公司 重庆燃气集团股份有限公司 "
    "重庆水务集团股份有限公司 重庆邮政分公司 重庆港务物流集团有限公司 "
    "重庆建工集团股份有限公司 重庆机电控股（集团）公司".split()
)
_SKILLS = tuple(
    "电工证 叉车 焊工证 厨师证 育婴师 家政服务 驾驶证C1 驾驶证B2 计算机操作 美容美发 "
    "中式面点师 保安员证 养老护理员 电子商务 会计 钳工 砌筑工 中式烹调师 茶艺师 缝纫工 "
    "水电安装 挖掘机 网约车驾驶员证 健康管理师".split()
)
_COURSES = tuple("电工 育婴师 中式烹调 电子商务 养老护理 家政服务 叉车 焊工 美容美发 创业(SYB)".split())
_COMPLAINTS = tuple(
    "反映就业服务窗口排队时间长 对失业登记办理进度不满 反映公益性岗位信息公示不及时 反映社保补贴申请未及时答复 "
    "反映培训补贴发放延迟 对工作人员服务态度不满 反映招聘信息与实际不符 反映社区就业服务站开放时间不固定 "
    "反映灵活就业社保补贴政策解释不清".split()
)
_MANUAL_INDICATORS = ("新增就业岗位数", "职业培训人数", "创业带动就业人数")

# education by birth cohort: (born from year, "level weight ..."), the most recent cohort first
_EDU_TABLES = (
    (1995, "研究生:5 大学本科:28 大专:22 中专:8 技工学校:3 高中:17 初中:15 小学:2"),
    (1980, "研究生:3 大学本科:18 大专:18 中专:9 技工学校:4 高中:20 初中:25 小学:3"),
    (1965, "研究生:1 大学本科:8 大专:10 中专:10 技工学校:5 高中:25 初中:33 小学:8"),
    (1950, "大学本科:3 大专:4 中专:6 技工学校:4 高中:22 初中:38 小学:20 其他:3"),
    (0, "大学本科:2 大专:2 中专:3 技工学校:2 高中:12 初中:28 小学:38 其他:13"),
)
_SCHOOL_YEARS = {
    "小学": 6,
    "初中": 9,
    "高中": 12,
    "中专": 12,
    "技工学校": 12,
    "大专": 15,
    "大学本科": 16,
    "研究生": 19,
    "其他": 3,
}
_COLLEGE = frozenset(("大专", "大学本科", "研究生"))

_HOUSEHOLD_SIZES = ((1, 20), (2, 31), (3, 27), (4, 13), (5, 6), (6, 3))
_JOB_FORMS = (("单位就业", 60), ("灵活就业", 28), ("自主创业", 8), ("公益性岗位", 4))
_QUIT_REASONS = (("单位解除合同", 40), ("辞职", 35), ("下岗", 5), ("其他", 10), ("", 10))
_ACTIVE = ("职业介绍", "职业介绍", "职业介绍", "培训推荐", "培训推荐", "技能培训", "创业服务")
_ACTIVE_SET = frozenset(("职业指导", "职业介绍", "培训推荐", "技能培训", "创业服务", "公益性岗位安置"))
_LAPSES = ("s2", "s3", "s4", "s5", "targets", "complaint", "outreach", "active", "migrant", "s8")
_LAPSE_P = {"A": 0.03, "B": 0.05, "C": 0.08}
_UNEMP_RATE = {"A": (0.01, 0.05), "B": (0.015, 0.055), "C": (0.02, 0.06)}

_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_ID_CHECK = "10X98765432"


def id_check_digit(first17: str) -> str:
    """GB 11643 check character for the first 17 digits."""
    return _ID_CHECK[sum(int(c) * w for c, w in zip(first17, _ID_WEIGHTS, strict=True)) % 11]


# ---------------------------------------------------------------------------
# Dates (as ordinals inside, strings on output)


def add_months(d: date, months: int) -> date:
    """``d`` plus ``months`` calendar months, the day clamped to the end of the month."""
    total = d.year * 12 + d.month - 1 + months
    y, m = divmod(total, 12)
    return date(y, m + 1, min(d.day, calendar.monthrange(y, m + 1)[1]))


@cache
def _ds(ordinal: int) -> str:
    return date.fromordinal(ordinal).isoformat()


def retirement_date(birth: date, male: bool, base50: bool) -> date:
    """Statutory retirement date of standards.md (2025 reform delays included)."""
    if male:
        base, y0, cap, div = 60, 1965, 36, 4
    elif base50:
        base, y0, cap, div = 50, 1975, 60, 2
    else:
        base, y0, cap, div = 55, 1970, 36, 4
    m = (birth.year - y0) * 12 + birth.month - 1
    delay = min(cap, m // div + 1) if m >= 0 else 0
    return add_months(birth, base * 12 + delay)


def _weighted(pairs):
    values = [v for v, _ in pairs]
    cum = []
    total = 0
    for _, w in pairs:
        total += w
        cum.append(total)
    return values, cum


def _load_districts() -> list[tuple[str, str, str]]:
    with DISTRICTS_CSV.open(encoding="utf-8-sig", newline="") as fh:
        return [(row["code"], row["name"], row["group"]) for row in csv.DictReader(fh)]


_SURNAME_V, _SURNAME_W = _weighted(_SURNAMES)
_SIZE_V, _SIZE_W = _weighted(_HOUSEHOLD_SIZES)
_FORM_V, _FORM_W = _weighted(_JOB_FORMS)
_QUIT_V, _QUIT_W = _weighted(_QUIT_REASONS)
_EDU = [
    (year, *_weighted([(item.split(":")[0], int(item.split(":")[1])) for item in table.split()]))
    for year, table in _EDU_TABLES
]


# ---------------------------------------------------------------------------
# Records


class _Person:
    __slots__ = (
        "pid",
        "name",
        "male",
        "birth",
        "birth_ord",
        "rel",
        "edu",
        "res_start",
        "res_end",
        "cats",
        "base50",
        "phone",
        "skills",
        "age16",
        "ret",
        "grad",
        "stage_start",
        "eps",
        "surname",
    )

    def __init__(self):
        self.cats: list[str] = []
        self.eps: list[list] = []  # [status, start, end or None, form, unit, reason]
        self.res_end = None
        self.base50 = False
        self.phone = ""
        self.skills = ""
        self.stage_start = None


class _Community:
    __slots__ = ("code", "name", "street", "group", "seed")

    def __init__(self, code, name, street, group, seed):
        self.code, self.name, self.street, self.group, self.seed = code, name, street, group, seed


# ---------------------------------------------------------------------------


class _Generator:
    def __init__(self, out_dir: Path, communities: int, seed: int, persons: int, as_of: date, progress):
        self.out_dir = out_dir
        self.n_comm = communities
        self.seed = seed
        self.persons = persons
        self.as_of = as_of
        self.D = as_of.toordinal()
        self.Y = as_of.year
        self.year_lo = {
            self.Y: date(self.Y, 1, 1).toordinal(),
            self.Y - 1: date(self.Y - 1, 1, 1).toordinal(),
        }
        self.year_hi = {self.Y: self.D, self.Y - 1: date(self.Y - 1, 12, 31).toordinal()}
        self.D_1y = add_months(as_of, -12).toordinal()  # D − 1 year; P = (D_1y, D]
        self.progress = progress or (lambda message: None)
        self.counts = dict.fromkeys(TABLES, 0)

    # -- structure ----------------------------------------------------------

    def _plan(self, rng: random.Random) -> list[_Community]:
        districts = _load_districts()
        n = self.n_comm
        k = min(len(districts), max(min(n, 2), math.ceil(n / 6)))
        weight = {"A": 3.0, "B": 2.0, "C": 1.0}
        pool = list(districts)
        chosen = []
        for _ in range(k):  # weighted sample without replacement
            w = [weight.get(g, 1.0) for _, _, g in pool]
            i = rng.choices(range(len(pool)), weights=w)[0]
            chosen.append(pool.pop(i))
        chosen.sort()
        alloc = [1] * k
        w = [weight.get(g, 1.0) for _, _, g in chosen]
        for i in rng.choices(range(k), weights=w, k=n - k):
            alloc[i] += 1
        used_names: set[str] = set()
        result = []
        for (dcode, _dname, group), count in zip(chosen, alloc, strict=True):
            sizes = []
            left = count
            while left:
                s = min(left, rng.randint(2, 7))
                sizes.append(s)
                left -= s
            town_share = {"A": 0.0, "B": 0.3, "C": 0.5}.get(group, 0.3)
            taken: set[int] = set()
            for size in sizes:
                town = rng.random() < town_share
                lo, hi = (100, 299) if town else (1, 99)
                for _ in range(100):
                    street_no = rng.randint(lo, hi)
                    if street_no not in taken:
                        break
                else:
                    street_no = next(n for n in range(1, 1000) if n not in taken)
                taken.add(street_no)
                street_name = self._unique(rng, used_names, "镇" if town else "街道")
                street_code = f"{dcode}{street_no:03d}"
                for j in range(size):
                    name = self._unique(rng, used_names, "社区")
                    result.append(_Community(f"{street_code}{j + 1:03d}", name, street_name, group, 0))
        result.sort(key=lambda c: c.code)
        for c in result:
            c.seed = rng.getrandbits(64)
        return result

    @staticmethod
    def _unique(rng, used, suffix):
        for attempt in range(1000):
            name = rng.choice(_PLACE_A) + rng.choice(_PLACE_A if rng.random() < 0.5 else _PLACE_B)
            if attempt > 20 or rng.random() < 0.2:
                name += rng.choice(_PLACE_B)
            name += suffix
            if name not in used:
                used.add(name)
                return name
        raise RuntimeError("name space exhausted")

    # -- writing ------------------------------------------------------------

    def run(self) -> dict:
        master = random.Random(self.seed)
        plan = self._plan(master)
        self.out_dir.mkdir(parents=True, exist_ok=True)
        files = {}
        self.w = {}
        try:
            for table, columns in TABLES.items():
                fh = (self.out_dir / f"{table}.csv").open("w", encoding="utf-8-sig", newline="")
                files[table] = fh
                writer = csv.writer(fh, lineterminator="\r\n")
                writer.writerow(columns)
                self.w[table] = writer
            district = None
            for i, comm in enumerate(plan, 1):
                if comm.code[:6] != district:
                    district = comm.code[:6]
                    self.used_ids: set[str] = set()
                self._community(comm)
                self.progress(f"{i}/{len(plan)} {comm.code} {comm.street}{comm.name}")
        finally:
            for fh in files.values():
                fh.close()
        return dict(self.counts)

    def _row(self, table, row):
        self.w[table].writerow(row)
        self.counts[table] += 1

    # -- one community ------------------------------------------------------

    def _community(self, comm: _Community):
        rng = random.Random(comm.seed)
        self.rng = rng
        self.comm = comm
        lapse_p = _LAPSE_P.get(comm.group, 0.05)
        self.lapses = {name for name in _LAPSES if rng.random() < lapse_p}
        lo, hi = _UNEMP_RATE.get(comm.group, (0.02, 0.065))
        self.unemp_rate = rng.uniform(lo, hi)
        self.workers = [self._name(rng, rng.random() < 0.3)[0] for _ in range(rng.randint(2, 4))]
        self.units = [
            f"重庆{rng.choice(_PLACE_A)}{rng.choice(_PLACE_A + _PLACE_B)}{rng.choice(_INDUSTRY)}有限公司"
            for _ in range(25)
        ]
        self.roads = [
            rng.choice(_PLACE_A) + rng.choice(_PLACE_A + _PLACE_B) + rng.choice(_ROAD_SUFFIX)
            for _ in range(rng.randint(2, 5))
        ]
        self.reemp = {self.Y: 0, self.Y - 1: 0}
        self.hard = {self.Y: 0, self.Y - 1: 0}
        self._row("社区", [comm.code, comm.name, comm.street])

        made = 0
        seq = 0
        while made < self.persons:
            size = rng.choices(_SIZE_V, cum_weights=_SIZE_W)[0]
            size = min(size, self.persons - made)
            seq += 1
            self._household(f"{comm.code}{seq:04d}", size)
            made += size

        self._targets(rng)
        self._complaints(rng)
        self._organization(rng)

    # -- names and people ---------------------------------------------------

    @staticmethod
    def _name(rng, male, surname=None):
        if surname is None:
            surname = rng.choices(_SURNAME_V, cum_weights=_SURNAME_W)[0]
        chars = _MALE_CHARS if male else _FEMALE_CHARS
        if rng.random() < 0.25:
            given = rng.choice(chars)
        else:
            given = rng.choice(_MIDDLE_CHARS if rng.random() < 0.5 else chars) + rng.choice(chars)
        return surname + given, surname

    def _household_plan(self, rng, size):
        """[(relation, age, male), ...] with the head first."""
        r = rng.random()
        ri = rng.randint

        def head_couple(lo, hi):
            age = ri(lo, hi)
            male = rng.random() < 0.75
            spouse = age + (ri(-6, 2) if male else ri(-2, 6))
            return [("户主", age, male), ("配偶", max(20, min(95, spouse)), not male)]

        def child_of(age):
            gap = ri(22, 36)
            return max(0, age - gap) if age - gap >= 0 else ri(0, max(0, age - 22))

        def kids(head_age, n):
            first = child_of(head_age)
            out = [("子女", first, rng.random() < 0.52)]
            for _ in range(n - 1):
                a = first - ri(1, 7)
                if a < 0:
                    a = min(first + ri(1, 5), max(0, head_age - 20))
                out.append(("子女", a, rng.random() < 0.52))
            return out

        def parents(head_age, n):
            a = min(95, head_age + ri(22, 34))
            if n == 1:
                return [("父母", a, rng.random() < 0.35)]
            male_first = rng.random() < 0.5
            return [("父母", a, male_first), ("父母", max(38, min(95, a + ri(-4, 4))), not male_first)]

        def three_gen(n_grand):
            hh = head_couple(55, 80)
            child_age = hh[0][1] - ri(22, 31)
            child_male = rng.random() < 0.5
            out = hh + [
                ("子女", child_age, child_male),
                ("其他", max(20, child_age + ri(-3, 3)), not child_male),
            ]
            for _ in range(n_grand):
                g = child_age - ri(22, 34)
                if g < 0:
                    g = ri(0, max(0, child_age - 20))
                out.append(("其他", g, rng.random() < 0.52))
            return out

        if size == 1:
            if r < 0.4:
                return [("户主", ri(20, 50), rng.random() < 0.55)]
            return [("户主", min(95, int(rng.triangular(55, 96, 70))), rng.random() < 0.4)]
        if size == 2:
            if r < 0.18:
                return head_couple(22, 45)
            if r < 0.60:
                return head_couple(50, 90)
            if r < 0.82:
                age = ri(30, 62)
                return [("户主", age, rng.random() < 0.35), *kids(age, 1)]
            age = ri(22, 50)
            return [("户主", age, rng.random() < 0.6), *parents(age, 1)]
        if size == 3:
            if r < 0.78:
                hh = head_couple(25, 62)
                return hh + kids(hh[0][1], 1)
            if r < 0.88:
                hh = head_couple(25, 50)
                return hh + parents(hh[0][1], 1)
            age = ri(32, 55)
            return [("户主", age, rng.random() < 0.3), *kids(age, 2)]
        if size == 4:
            hh = head_couple(28, 58)
            if r < 0.55:
                return hh + kids(hh[0][1], 2)
            return hh + kids(hh[0][1], 1) + parents(hh[0][1], 1)
        if size == 5:
            if r < 0.8:
                hh = head_couple(28, 55)
                if r < 0.45:
                    return hh + kids(hh[0][1], 1) + parents(hh[0][1], 2)
                return hh + kids(hh[0][1], 2) + parents(hh[0][1], 1)
            return three_gen(1)
        if r < 0.55:
            hh = head_couple(30, 55)
            return hh + kids(hh[0][1], 2) + parents(hh[0][1], 2)
        return three_gen(2)

    def _household(self, hid: str, size: int):
        rng = self.rng
        comm = self.comm
        D = self.D
        urban = rng.random() < 0.85
        dibao = []
        if rng.random() < 0.032:
            start = D - rng.randint(20, 3200)
            if rng.random() < 0.3:
                end = min(D - 1, start + rng.randint(120, 1500))
                dibao.append((start, end))
                if rng.random() < 0.25 and end + 60 < D:
                    dibao.append((rng.randint(end + 30, D - 10), None))
            else:
                dibao.append((start, None))
        on_dibao = bool(dibao) and dibao[-1][1] is None
        plan = self._household_plan(rng, size)
        head_age = plan[0][1]
        since = D - int(rng.random() * min(max(head_age - 18, 1), 40) * 365.25)
        if urban or rng.random() < 0.5:
            addr = (
                f"{rng.choice(self.roads)}{rng.randint(1, 300)}号"
                f"{rng.randint(1, 12)}栋{rng.randint(1, 4)}单元{rng.randint(1, 32)}-{rng.randint(1, 8)}"
            )
        else:
            addr = f"{rng.choice(_PLACE_A)}{rng.choice(_PLACE_A + _PLACE_B)}村{rng.randint(1, 12)}组{rng.randint(1, 99)}号"
        self._row("家庭", [hid, comm.code, addr, "城镇" if urban else "农村"])
        for start, end in dibao:
            self._row("低保", [hid, _ds(start), _ds(end) if end is not None else ""])

        members = [self._person(rel, age, male, urban, since) for rel, age, male in plan]
        # the head's children mostly take the father's surname, else the mother's
        father = next((p for p in members[:2] if p.male and p.rel in ("户主", "配偶")), None)
        mother = next((p for p in members[:2] if not p.male and p.rel in ("户主", "配偶")), None)
        for p in members:
            if p.rel == "子女":
                parent = father if father is not None and (mother is None or rng.random() < 0.92) else mother
                if parent is not None:
                    p.name = parent.surname + p.name[len(p.surname) :]
                    p.surname = parent.surname
        for p in members:
            self._statuses(p, urban, on_dibao)
        if urban and "s2" not in self.lapses:
            self._fix_zero_employment(members)
        for p in members:
            self._emit_person(p, hid, dibao)

    def _person(self, rel, age, male, urban, since) -> _Person:
        rng = self.rng
        D = self.D
        p = _Person()
        p.rel = rel
        p.male = male
        p.name, p.surname = self._name(rng, male)
        birth_ord = D - int(age * 365.2425) - rng.randrange(365)
        birth = date.fromordinal(birth_ord)
        p.birth = birth
        p.birth_ord = birth_ord
        # ID number: district code, birth date, sequence (odd for men), check digit
        stem = f"{self.comm.code[:6]}{birth.year:04d}{birth.month:02d}{birth.day:02d}"
        used = self.used_ids
        while True:
            first17 = f"{stem}{rng.randrange(500) * 2 + (1 if male else 0):03d}"
            if first17 not in used:
                used.add(first17)
                break
        p.pid = first17 + id_check_digit(first17)
        # education
        y6 = birth.year + (7 if birth.month >= 9 else 6)
        cohort = birth.year if urban else birth.year - 15
        for year, values, cum in _EDU:
            if cohort >= year:
                edu = rng.choices(values, cum_weights=cum)[0]
                break
        grad = date(y6 + _SCHOOL_YEARS[edu], 7, 1).toordinal()
        p.grad = grad
        if grad > D:
            started = self.Y - y6 + (1 if (self.as_of.month, self.as_of.day) >= (9, 1) else 0)
            if started <= 0:
                edu = ""
            else:
                if started <= 6:
                    edu, entry = "小学", y6
                elif started <= 9:
                    edu, entry = "初中", y6 + 6
                elif started <= 12:
                    edu, entry = (edu if edu in ("中专", "技工学校") else "高中"), y6 + 9
                elif edu == "研究生" and started > 16:
                    entry = y6 + 16
                else:
                    edu = "大学本科" if edu == "研究生" else edu
                    entry = y6 + 12
                p.stage_start = date(entry, 9, 1).toordinal()
        p.edu = edu
        p.age16 = add_months(birth, 192).toordinal()
        # residence
        if rel == "户主" or rel == "子女":
            start = since
        elif rng.random() < 0.3:
            start = since + rng.randrange(1500)
        else:
            start = since
        start = min(D, max(birth_ord, start))
        p.res_start = start
        if rel != "户主" and p.age16 <= D and start < D and rng.random() < 0.07:
            p.res_end = max(start, D - 1 - rng.randrange(3 * 365))
        # categories
        cats = p.cats
        working = p.age16 <= D and age < 60
        if grad <= D and edu in _COLLEGE and grad >= D - 2 * 365 - 180:
            cats.append("高校毕业生")
        if male and 22 <= age <= 65 and rng.random() < 0.02:
            cats.append("复转军人")
        if working and age >= 18 and rng.random() < (0.16 if not urban else 0.025):
            cats.append("农民工")
        if rng.random() < 0.006 + age * 0.0003:
            cats.append("残疾人")
        if 45 <= age <= 70 and rng.random() < 0.08:
            cats.append("下岗职工")
        # women workers (lower schooling) retire from a base age of 50
        if (
            not male
            and age >= 30
            and edu in ("高中", "中专", "技工学校", "初中", "小学", "其他")
            and rng.random() < 0.35
        ):
            p.base50 = True
        p.ret = retirement_date(birth, male, p.base50).toordinal()
        if p.age16 <= D and rng.random() < (0.93 if age < 75 else 0.7):
            p.phone = f"1{rng.choice('358')}{rng.randrange(10**9):09d}"
        if p.age16 <= D and age < 65 and rng.random() < 0.15:
            p.skills = ";".join(rng.sample(_SKILLS, 1 if rng.random() < 0.7 else 2))
        return p

    # -- status episodes ----------------------------------------------------

    def _job(self, p):
        rng = self.rng
        form = rng.choices(_FORM_V, cum_weights=_FORM_W)[0]
        if "农民工" in p.cats and form in ("公益性岗位", "自主创业"):
            form = "灵活就业"
        unit = ""
        if form == "单位就业":
            if rng.random() < 0.8:
                unit = rng.choice(self.units) if rng.random() < 0.8 else rng.choice(_BIG_EMPLOYERS)
        elif form == "公益性岗位":
            unit = self.comm.name + ("居民委员会" if rng.random() < 0.5 else "就业服务站")
        elif form == "自主创业" and rng.random() < 0.5:
            unit = f"{self.comm.name[:2]}{rng.choice(('便利店', '餐馆', '五金店', '汽修店', '经营部', '美发店'))}"
        return form, unit

    def _unemp_len(self):
        r = self.rng.random()
        if r < 0.6:
            return self.rng.randint(15, 180)
        if r < 0.88:
            return self.rng.randint(181, 365)
        return self.rng.randint(366, 820)

    def _statuses(self, p: _Person, urban: bool, on_dibao: bool):
        rng = self.rng
        D = self.D
        eps = p.eps
        if p.age16 > D or p.grad > D:  # children and students
            if (
                p.stage_start is not None
                and p.stage_start <= D
                and rng.random() < (0.55 if p.age16 > D else 0.97)
            ):
                eps.append(["在校学生", max(p.stage_start, p.birth_ord), None, "", "", ""])
            self._truncate(p)
            return
        c0 = min(D, max(p.age16, p.grad + rng.randrange(240)))
        r = rng.random()
        if p.ret <= D:  # past retirement age
            if r < 0.02:
                return
            if r < 0.08 and D - p.ret < 5 * 365:
                start = max(c0, p.ret - rng.randint(365, 3650))
                eps.append(["就业", start, None, *self._job(p), ""])
            elif not urban and r < 0.4 or r < 0.1:
                eps.append(["其他", max(c0, p.ret), None, "", "", ""])
            elif r < 0.14:
                eps.append(["丧失劳动能力", max(c0, p.ret - rng.randrange(2000)), None, "", "", ""])
            else:
                eps.append(["退休", p.ret, None, "", "", ""])
                if D - p.ret < 12 * 365 and p.ret - c0 > 400:
                    q = rng.random()
                    if q < 0.06:
                        length = self._unemp_len()
                        eps.insert(0, ["失业", max(c0, p.ret - length), p.ret - 1, "", "", ""])
                    if q < 0.75:
                        end = eps[0][1] - 1
                        start = max(c0, end - rng.randint(365, 12 * 365))
                        if end - start > 60:
                            eps.insert(0, ["就业", start, end, *self._job(p), ""])
            self._reasons(p)
            self._truncate(p)
            return
        # working age, out of school
        if r < 0.005:
            return  # status unknown
        cats = p.cats
        age = (D - p.birth_ord) / 365.25
        disabled = "残疾人" in cats
        p_incap = 0.35 if disabled else 0.008
        if p.male:
            p_unwill = 0.025
        else:
            p_unwill = 0.08 if age < 45 else 0.15
        if on_dibao:
            p_unwill *= 3.5 if "s3" in self.lapses else 1.4
        p_other = 0.008
        q = rng.random()
        if q < p_incap:
            state = "丧失劳动能力"
        elif q < p_incap + p_unwill:
            state = "无就业意愿"
        elif q < p_incap + p_unwill + p_other:
            state = "其他"
        else:
            u = self.unemp_rate
            if on_dibao:
                u *= 8.0 if "s3" in self.lapses else 1.8
            if "下岗职工" in cats:
                u *= 1.5
            if "高校毕业生" in cats:
                u *= 2.0
            if disabled:
                u *= 1.5
            if urban and "s2" not in self.lapses:
                # most spells in a household with nobody else at work end within a month
                # (see _fix_zero_employment), so more of them begin
                u *= 2.0
            state = "失业" if rng.random() < min(u, 0.5) else "就业"

        if state == "就业":
            if c0 < D - 400 and rng.random() < 0.2:
                s = D - int(rng.random() * min(D - c0 - 60, 1600))
                eps.append(["就业", s, None, *self._job(p), ""])
                self._history(p, "失业", c0)
            else:
                s = c0 + int((D - c0) * rng.random() ** 0.8)
                eps.append(["就业", s, None, *self._job(p), ""])
                if rng.random() < 0.04:
                    self._history(p, "就业", c0)
        elif state == "失业":
            s = max(c0, D - self._unemp_len() + 1)
            eps.append(["失业", s, None, "", "", ""])
            if rng.random() < 0.8:
                self._history(p, "就业", c0)
        else:
            s = c0 + int((D - c0) * rng.random())
            eps.append([state, s, None, "", "", ""])
            if rng.random() < (0.6 if state != "其他" else 0.3):
                self._history(p, "就业", c0)
        self._reasons(p)
        self._truncate(p)

    def _history(self, p: _Person, state: str, c0: int):
        """Prepend earlier episodes, the first of status ``state``, never before ``c0``."""
        rng = self.rng
        eps = p.eps
        for _ in range(4):
            end = eps[0][1] - 1
            if state == "就业":
                length = rng.randint(300, 12 * 365)
            elif state == "失业":
                length = self._unemp_len()
            else:
                length = rng.randint(180, 3000)
            start = max(c0, end - length + 1)
            if end - start < 14:
                return
            if state == "就业":
                eps.insert(0, ["就业", start, end, *self._job(p), ""])
            else:
                eps.insert(0, [state, start, end, "", "", ""])
            if start == c0:
                return
            if state == "就业":
                if rng.random() < 0.25:
                    state = "失业"
                else:
                    return
            else:
                if rng.random() < 0.75:
                    state = "就业"
                else:
                    return

    def _reasons(self, p: _Person):
        rng = self.rng
        eps = p.eps
        for i, ep in enumerate(eps):
            if ep[0] != "失业":
                continue
            if i > 0 and eps[i - 1][0] == "就业":
                if "下岗职工" in p.cats and rng.random() < 0.5:
                    ep[5] = "下岗"
                else:
                    ep[5] = rng.choices(_QUIT_V, cum_weights=_QUIT_W)[0]
            elif ep[1] - p.grad < 400:
                ep[5] = "毕业未就业"
            else:
                ep[5] = rng.choice(("其他", "", "辞职"))

    @staticmethod
    def _truncate(p: _Person):
        """A person who moved out is followed no further: episodes stop at the move."""
        end = p.res_end
        if end is None or not p.eps:
            return
        kept = []
        for ep in p.eps:
            if ep[1] > end:
                break
            if ep[2] is None or ep[2] > end:
                ep[2] = end
            kept.append(ep)
        p.eps = kept

    # -- S2: zero-employment households ------------------------------------

    @staticmethod
    def _status_at(p: _Person, t: int):
        for ep in p.eps:
            if ep[1] <= t and (ep[2] is None or t <= ep[2]):
                return ep
        return None

    def _zero_runs(self, members):
        """Maximal zero-employment runs [a, b] (b ≤ D) that may matter at D."""
        D = self.D
        lo = None
        for p in members:
            for ep in p.eps:
                if ep[0] == "失业" and (ep[2] is None or ep[2] >= self.D_1y - 62):
                    lo = ep[1] if lo is None else min(lo, ep[1])
        if lo is None:
            return []
        changed = True
        while changed:  # a run may have begun in an earlier spell that reaches into this one
            changed = False
            for p in members:
                for ep in p.eps:
                    if ep[0] == "失业" and ep[1] < lo and (ep[2] is None or ep[2] >= lo - 1):
                        lo = ep[1]
                        changed = True
        points = {lo, D + 1}
        for p in members:
            for t in (p.res_start, p.age16, p.ret, (p.res_end + 1) if p.res_end is not None else None):
                if t is not None and lo < t <= D:
                    points.add(t)
            for ep in p.eps:
                for t in (ep[1], (ep[2] + 1) if ep[2] is not None else None):
                    if t is not None and lo < t <= D:
                        points.add(t)
        points = sorted(points)
        runs = []
        current = None
        for i in range(len(points) - 1):
            t = points[i]
            in_lf = employed = False
            for p in members:
                if p.res_start <= t and (p.res_end is None or t <= p.res_end) and p.age16 <= t < p.ret:
                    ep = self._status_at(p, t)
                    if ep is not None:
                        if ep[0] == "就业":
                            employed = True
                            break
                        if ep[0] == "失业":
                            in_lf = True
            zero = in_lf and not employed
            if zero:
                if current is None:
                    current = [t, points[i + 1] - 1]
                else:
                    current[1] = points[i + 1] - 1
            elif current is not None:
                runs.append(current)
                current = None
        if current is not None:
            runs.append(current)
        return runs

    def _fix_zero_employment(self, members):
        """Place someone in work within a month of each zero-employment episode (S2)."""
        if not any(ep[0] == "失业" for p in members for ep in p.eps):
            return
        D = self.D
        rng = self.rng
        for _ in range(8):
            bad = None
            for a, b in self._zero_runs(members):
                deadline = add_months(date.fromordinal(a), 1).toordinal()
                if (b >= D and D > deadline) or (b < D and b + 1 > self.D_1y and b + 1 > deadline):
                    bad = a
                    break
            if bad is None:
                return
            a = bad
            best = None
            for p in members:
                if p.res_start <= a and (p.res_end is None or a <= p.res_end) and p.age16 <= a < p.ret:
                    for idx, ep in enumerate(p.eps):
                        if ep[0] == "失业" and ep[1] <= a and (ep[2] is None or a <= ep[2]):
                            end = ep[2] if ep[2] is not None else D + 10**6
                            if best is None or end > best[0]:
                                best = (end, p, idx)
            if best is None:
                return
            _, p, idx = best
            ep = p.eps[idx]
            new_start = a + rng.randint(3, 27)
            if ep[2] is not None and new_start > ep[2]:
                if ep[2] <= a:
                    return
                new_start = rng.randint(a + 1, ep[2])
            old_end = ep[2]
            ep[2] = new_start - 1
            form = "公益性岗位" if rng.random() < 0.6 else "灵活就业"
            unit = self.comm.name + "就业服务站" if form == "公益性岗位" else ""
            job = ["就业", new_start, old_end, form, unit, ""]
            rest = p.eps[idx + 1 :]
            if old_end is not None and rest and rest[0][0] == "就业" and rest[0][1] == old_end + 1:
                job[2] = rest[0][2]
                rest = rest[1:]
            p.eps = p.eps[: idx + 1] + [job] + rest

    # -- output of one person ----------------------------------------------

    def _emit_person(self, p: _Person, hid: str, dibao):
        rng = self.rng
        D = self.D
        pid = p.pid
        cats = ";".join(c for c in ("高校毕业生", "复转军人", "农民工", "残疾人", "下岗职工") if c in p.cats)
        self._row(
            "人员",
            [
                pid,
                p.name,
                "男" if p.male else "女",
                _ds(p.birth_ord),
                hid,
                p.rel,
                p.edu,
                _ds(p.res_start),
                _ds(p.res_end) if p.res_end is not None else "",
                cats,
                "50" if p.base50 else "",
                p.phone,
                p.skills,
            ],
        )
        eps = p.eps
        for status, start, end, form, unit, reason in eps:
            self._row(
                "就业状态", [pid, status, _ds(start), _ds(end) if end is not None else "", form, unit, reason]
            )

        lapses = self.lapses
        services: dict[tuple[int, str], str] = {}

        def serve(t, kind, note=""):
            if t <= D and (t, kind) not in services:
                services[(t, kind)] = note

        resident_at_D = p.res_start <= D and (p.res_end is None or D <= p.res_end)
        horizon = D - 3 * 365
        for i, (status, start, end, form, unit, _reason) in enumerate(eps):
            if status == "失业":
                self._registration(p, i, serve)
                hi = D if end is None else min(end, D)
                if hi >= horizon:
                    t = max(start, horizon) + rng.randint(10, 45)
                    while t <= hi:
                        kind = rng.choice(_ACTIVE)
                        note = ""
                        if kind == "职业介绍" and rng.random() < 0.5:
                            note = f"推荐至{rng.choice(self.units)}面试"
                        elif kind in ("培训推荐", "技能培训") and rng.random() < 0.6:
                            note = f"{rng.choice(_COURSES)}培训"
                        serve(t, kind, note)
                        t += rng.randint(25, 90)
                if end is None and start <= D - 30 and p.age16 <= D < p.ret:
                    if "active" in lapses and rng.random() < 0.3:
                        for key in [
                            k
                            for k in services
                            if k[1] in _ACTIVE_SET and k[1] != "职业指导" and D - 90 < k[0]
                        ]:
                            del services[key]
                    elif not any(k[1] in _ACTIVE_SET and D - 90 < k[0] for k in services):
                        serve(D - rng.randint(0, min(85, D - start)), rng.choice(_ACTIVE))
            elif status == "就业" and start >= horizon:
                prev = eps[i - 1] if i else None
                if prev is not None and prev[0] == "失业" and prev[2] == start - 1:
                    if form == "公益性岗位":
                        serve(start - rng.randint(0, 5), "公益性岗位安置")
                    elif rng.random() < 0.6:
                        serve(
                            max(prev[1], start - rng.randint(1, 30)),
                            "职业介绍",
                            f"推荐至{unit}" if unit else "",
                        )
                if form == "自主创业":
                    serve(
                        start - rng.randint(0, 60),
                        "创业服务",
                        "创业担保贷款政策咨询" if rng.random() < 0.4 else "",
                    )
        if "农民工" in p.cats and resident_at_D and not ("migrant" in lapses and rng.random() < 0.25):
            for _ in range(rng.randint(1, 2)):
                serve(D - rng.randint(0, 360), "上门走访", "入户走访" if rng.random() < 0.5 else "")
            if rng.random() < 0.5:
                serve(self.D_1y - rng.randint(0, 300), "上门走访")
        if p.rel == "户主" and dibao and rng.random() < 0.6:
            serve(D - rng.randint(0, 500), "上门走访", "低保家庭走访")
        if p.age16 <= D < p.ret and rng.random() < 0.02:
            serve(D - rng.randint(0, 700), rng.choice(("政策宣传", "政策咨询", "其他")))
        workers = self.workers
        for (t, kind), note in sorted(services.items()):
            self._row("服务记录", [pid, _ds(t), kind, rng.choice(workers), note])

        self._count_reemployment(p, dibao)

    def _registration(self, p: _Person, i: int, serve):
        rng = self.rng
        D = self.D
        lapses = self.lapses
        eps = p.eps
        status, s, e, *_ = eps[i]
        if s > D or rng.random() >= (0.85 if e is None else 0.7):
            return
        reg = s + (0 if rng.random() < 0.3 else rng.randint(1, 20))
        reg = min(reg, D, e if e is not None else D)
        cancel = None
        reason = ""
        if e is not None:
            nxt = eps[i + 1] if i + 1 < len(eps) and eps[i + 1][1] == e + 1 else None
            if nxt is None:
                if p.res_end is not None and p.res_end == e:
                    cancel, reason = e, "迁出"
                else:
                    cancel, reason = e + rng.randint(1, 10), "其他"
            else:
                cancel = e + 1 + (0 if rng.random() < 0.5 else rng.randint(1, 7))
                reason = {"就业": "已就业", "退休": "退休"}.get(nxt[0], "其他")
            if cancel > D:
                cancel, reason = None, ""
        elif s <= self.D_1y and "s5" not in lapses:
            # a long-term unemployed person: not (or no longer) registered
            if rng.random() < 0.5:
                return
            if reg >= D - 1:
                return
            cancel = rng.randint(reg + 1, min(D - 1, reg + 360))
            reason = "其他"
        self._row("失业登记", [p.pid, _ds(reg), _ds(cancel) if cancel is not None else "", reason])
        # vocational guidance within three working days (S4)
        if "s4" in lapses and rng.random() < 0.15:
            if rng.random() < 0.6:
                serve(reg + rng.randint(5, 20), "职业指导")
        else:
            serve(min(D, reg + rng.choice((0, 0, 0, 1, 1, 1, 2, 2, 3))), "职业指导")
        # policy outreach (S6)
        if not ("outreach" in lapses and rng.random() < 0.2):
            serve(min(D, reg + rng.randint(0, 14)), "政策宣传" if rng.random() < 0.6 else "政策咨询", "")

    def _count_reemployment(self, p: _Person, dibao):
        eps = p.eps
        found = set()
        hard = set()
        for i in range(1, len(eps)):
            ep = eps[i]
            prev = eps[i - 1]
            if ep[0] != "就业" or prev[0] != "失业" or prev[2] != ep[1] - 1:
                continue
            s = ep[1]
            for year in (self.Y, self.Y - 1):
                if self.year_lo[year] <= s <= self.year_hi[year]:
                    found.add(year)
                    t = s - 1
                    td = date.fromordinal(t)
                    older = add_months(p.birth, (50 if p.male else 40) * 12).toordinal() <= t
                    long_term = prev[1] <= add_months(td, -12).toordinal()
                    low_income = any(a <= t and (b is None or t <= b) for a, b in dibao)
                    if older or long_term or low_income or "残疾人" in p.cats:
                        hard.add(year)
        for year in found:
            self.reemp[year] += 1
        for year in hard:
            self.hard[year] += 1

    # -- community tables ---------------------------------------------------

    def _targets(self, rng):
        code = self.comm.code
        for year in (self.Y - 1, self.Y):
            unmet = year == self.Y and "targets" in self.lapses
            which = rng.randrange(3) if unmet else -1
            for k, (name, actual) in enumerate(
                (("再就业人数", self.reemp[year]), ("就业困难人员再就业人数", self.hard[year]))
            ):
                target = int(actual * rng.uniform(0.6, 1.0))
                if k == which:
                    target = actual + rng.randint(1, 4)
                self._row("目标任务", [code, year, name, target, ""])
            for k, name in enumerate(_MANUAL_INDICATORS):
                if k == 2 and rng.random() < 0.5:
                    continue
                target = rng.choice((20, 30, 40, 50, 60, 80, 100)) if k < 2 else rng.randint(2, 10)
                actual = target + rng.randint(0, max(2, target // 3))
                if which == 2 and k == 0:
                    actual = target - rng.randint(1, max(1, target // 3))
                self._row("目标任务", [code, year, name, target, actual])

    def _complaints(self, rng):
        code = self.comm.code
        D = self.D
        rows = set()
        for _ in range(rng.randint(0, 5)):
            t = D - rng.randint(0, 540)
            valid = rng.random() < 0.2
            if valid and t > self.D_1y and "complaint" not in self.lapses:
                t = self.D_1y - rng.randint(0, 180)
            rows.add((t, "是" if valid else "否", rng.choice(_COMPLAINTS) if rng.random() < 0.8 else ""))
        if "complaint" in self.lapses:
            rows.add((D - rng.randint(0, 360), "是", rng.choice(_COMPLAINTS)))
        for t, valid, content in sorted(rows):
            self._row("投诉", [code, _ds(t), valid, content])

    def _organization(self, rng):
        code = self.comm.code
        items = ("服务站", "专职人员数", "人员经费", "工作经费", "固定场所", "办公服务设施")
        for year in (self.Y - 1, self.Y):
            row = {
                "服务站": "是",
                "专职人员数": rng.choice((1, 1, 2, 2, 2, 3)),
                "人员经费": "是",
                "工作经费": "是",
                "固定场所": "是",
                "办公服务设施": "是",
            }
            broken = "s8" in self.lapses if year == self.Y else rng.random() < 0.08
            if broken:
                for item in rng.sample(items, rng.randint(1, 2)):
                    row[item] = 0 if item == "专职人员数" else "否"
            self._row("组织建设", [code, year, *(row[i] for i in items)])


def generate_register(
    out_dir: Path,
    *,
    communities: int,
    seed: int,
    persons_per_community: int = 2500,
    as_of: date = date(2026, 6, 30),
    progress: Callable[[str], None] | None = None,
) -> dict:
    """Write a synthetic register (the ten tables of exchange.md) into ``out_dir``.

    Returns the number of data rows written per table. Same arguments, same bytes.
    """
    if communities < 1:
        raise ValueError("communities must be at least 1")
    if persons_per_community < 1:
        raise ValueError("persons_per_community must be at least 1")
    gen = _Generator(Path(out_dir), communities, seed, persons_per_community, as_of, progress)
    return gen.run()
