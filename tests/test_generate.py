"""The synthetic-register generator: valid exchange-format input, deterministic, plausible."""

import csv
import io
from collections import Counter, defaultdict
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command

from jiuye.exchange.generate import DISTRICTS_CSV, TABLES, add_months, generate_register, retirement_date
from jiuye.registry.rules.schema import TABLES as SCHEMA_TABLES

AS_OF = date(2026, 6, 30)
ARGS = {"communities": 4, "seed": 7, "persons_per_community": 500, "as_of": AS_OF}

LISTS = {
    ("家庭", "户口性质"): {"城镇", "农村"},
    ("人员", "性别"): {"男", "女"},
    ("人员", "与户主关系"): {"户主", "配偶", "子女", "父母", "其他"},
    ("人员", "文化程度"): {"研究生", "大学本科", "大专", "中专", "技工学校", "高中", "初中", "小学", "其他"},
    ("人员", "退休年龄类别"): {"50"},
    ("就业状态", "状态"): {"就业", "失业", "无就业意愿", "丧失劳动能力", "在校学生", "退休", "其他"},
    ("就业状态", "就业形式"): {"单位就业", "灵活就业", "自主创业", "公益性岗位"},
    ("就业状态", "失业原因"): {"单位解除合同", "下岗", "毕业未就业", "辞职", "其他"},
    ("失业登记", "注销原因"): {"已就业", "迁出", "退休", "其他"},
    ("服务记录", "服务类型"): {
        "职业指导", "职业介绍", "政策宣传", "政策咨询", "培训推荐", "技能培训", "创业服务", "公益性岗位安置",
        "上门走访", "其他",
    },
    ("投诉", "是否有效"): {"是", "否"},
    ("组织建设", "服务站"): {"是", "否"},
    ("组织建设", "人员经费"): {"是", "否"},
    ("组织建设", "工作经费"): {"是", "否"},
    ("组织建设", "固定场所"): {"是", "否"},
    ("组织建设", "办公服务设施"): {"是", "否"},
}  # fmt: skip
CATEGORIES = {"高校毕业生", "复转军人", "农民工", "残疾人", "下岗职工"}
REQUIRED = {
    "社区": ["社区代码", "社区名称", "街道名称"],
    "家庭": ["家庭编号", "社区代码", "户口性质"],
    "人员": ["身份证号", "姓名", "性别", "出生日期", "家庭编号", "居住起始日期"],
    "就业状态": ["身份证号", "状态", "开始日期"],
    "失业登记": ["身份证号", "登记日期"],
    "低保": ["家庭编号", "开始日期"],
    "服务记录": ["身份证号", "服务日期", "服务类型"],
    "投诉": ["社区代码", "投诉日期", "是否有效"],
    "目标任务": ["社区代码", "年度", "指标", "目标值"],
    "组织建设": ["社区代码", "年度"],
}
KEYS = {
    "社区": ["社区代码"],
    "家庭": ["家庭编号"],
    "人员": ["身份证号"],
    "就业状态": ["身份证号", "开始日期"],
    "失业登记": ["身份证号", "登记日期"],
    "低保": ["家庭编号", "开始日期"],
    "目标任务": ["社区代码", "年度", "指标"],
    "组织建设": ["社区代码", "年度"],
}
DATE_COLUMNS = {c.name for t in SCHEMA_TABLES for c in t.columns if c.kind == "date"}


def _read(folder: Path) -> dict[str, list[dict[str, str]]]:
    data = {}
    for table in TABLES:
        with (folder / f"{table}.csv").open(encoding="utf-8-sig", newline="") as fh:
            data[table] = list(csv.DictReader(fh))
    return data


@pytest.fixture(scope="module")
def generated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("register")
    counts = generate_register(folder, **ARGS)
    return folder, counts, _read(folder)


def _d(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


def _id_ok(pid: str) -> bool:
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    if len(pid) != 18 or not pid[:17].isdigit():
        return False
    return "10X98765432"[sum(int(c) * w for c, w in zip(pid[:17], weights, strict=True)) % 11] == pid[17]


def test_files_headers_and_counts(generated):
    folder, counts, data = generated
    assert sorted(p.name for p in folder.iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    for table, columns in TABLES.items():
        raw = (folder / f"{table}.csv").read_bytes()
        assert raw.startswith(b"\xef\xbb\xbf")
        text = raw.decode("utf-8-sig")
        assert text.count("\n") == text.count("\r\n")  # one line ending throughout
        assert next(csv.reader(io.StringIO(text))) == columns
        assert counts[table] == len(data[table]) > 0, table
    assert counts["社区"] == ARGS["communities"]
    assert counts["人员"] == ARGS["communities"] * ARGS["persons_per_community"]


def test_same_arguments_same_bytes_other_seed_other_bytes(generated, tmp_path):
    folder, _, _ = generated
    again, other = tmp_path / "again", tmp_path / "other"
    generate_register(again, **ARGS)
    generate_register(other, **{**ARGS, "seed": ARGS["seed"] + 1})
    for table in TABLES:
        assert (again / f"{table}.csv").read_bytes() == (folder / f"{table}.csv").read_bytes(), table
    assert (other / "人员.csv").read_bytes() != (folder / "人员.csv").read_bytes()
    assert (other / "社区.csv").read_bytes() != (folder / "社区.csv").read_bytes()


def test_values_keys_and_references(generated):
    _, _, data = generated
    for table, rows in data.items():
        for row in rows:
            for column in REQUIRED[table]:
                assert row[column].strip(), (table, column, row)
            for column, value in row.items():
                if value and (table, column) in LISTS:
                    assert value in LISTS[(table, column)], (table, column, value)
                if value and column in DATE_COLUMNS:
                    assert _d(value) <= AS_OF, (table, column, value)
                assert value == value.strip() and not value.startswith(("=", "+", "-", "@"))
        if table in KEYS:
            keys = Counter(tuple(row[c] for c in KEYS[table]) for row in rows)
            assert max(keys.values()) == 1, table
    with DISTRICTS_CSV.open(encoding="utf-8") as fh:
        districts = {row["code"] for row in csv.DictReader(fh)}
    streets = {}
    for row in data["社区"]:
        code = row["社区代码"]
        assert len(code) == 12 and code.isdigit() and code[:6] in districts
        assert streets.setdefault(code[:9], row["街道名称"]) == row["街道名称"]
    communities = {row["社区代码"] for row in data["社区"]}
    households = {row["家庭编号"] for row in data["家庭"]}
    persons = {row["身份证号"] for row in data["人员"]}
    assert {row["社区代码"] for row in data["家庭"]} <= communities
    for table in ("投诉", "目标任务", "组织建设"):
        assert {row["社区代码"] for row in data[table]} <= communities
    assert {row["家庭编号"] for row in data["人员"]} == households
    assert {row["家庭编号"] for row in data["低保"]} <= households
    for table in ("就业状态", "失业登记", "服务记录"):
        assert {row["身份证号"] for row in data[table]} <= persons
    for row in data["人员"]:
        assert not row["人员类别"] or set(row["人员类别"].split(";")) <= CATEGORIES
        assert row["退休年龄类别"] in ("", "50") and not (row["退休年龄类别"] and row["性别"] == "男")
        assert not row["联系电话"] or (
            len(row["联系电话"]) == 11 and row["联系电话"][:2] in ("13", "15", "18")
        )
    for row in data["失业登记"]:
        assert not row["注销日期"] or row["注销日期"] >= row["登记日期"]
    for row in data["低保"]:
        assert not row["结束日期"] or row["结束日期"] >= row["开始日期"]
    for table in ("目标任务", "组织建设"):
        assert {row["年度"] for row in data[table]} == {str(AS_OF.year - 1), str(AS_OF.year)}
    for row in data["目标任务"]:
        int(row["目标值"])
        if row["指标"] in ("再就业人数", "就业困难人员再就业人数"):
            assert row["实际值"] == ""
        else:
            int(row["实际值"])
    assert len(data["组织建设"]) == 2 * len(communities)


def test_id_numbers(generated):
    _, _, data = generated
    community_of = {row["家庭编号"]: row["社区代码"] for row in data["家庭"]}
    for row in data["人员"]:
        pid = row["身份证号"]
        assert _id_ok(pid), pid
        assert pid[6:14] == row["出生日期"].replace("-", "")
        assert int(pid[16]) % 2 == (1 if row["性别"] == "男" else 0)
        assert pid[:6] == community_of[row["家庭编号"]][:6]


def test_residence_and_status_episodes(generated):
    _, _, data = generated
    birth = {row["身份证号"]: _d(row["出生日期"]) for row in data["人员"]}
    moved = 0
    for row in data["人员"]:
        start, end = _d(row["居住起始日期"]), _d(row["居住终止日期"])
        assert birth[row["身份证号"]] <= start <= AS_OF
        if end:
            moved += 1
            assert start <= end < AS_OF
    assert 0.01 < moved / len(data["人员"]) < 0.06
    episodes = defaultdict(list)
    for row in data["就业状态"]:
        episodes[row["身份证号"]].append((_d(row["开始日期"]), _d(row["结束日期"]), row))
    for pid, eps in episodes.items():
        eps.sort(key=lambda e: e[0])
        for i, (start, end, row) in enumerate(eps):
            assert start >= birth[pid]
            assert end is None or end >= start
            if i + 1 < len(eps):
                assert end is not None and end < eps[i + 1][0], pid  # no overlap
            if row["状态"] != "就业":
                assert not row["就业形式"] and not row["单位名称"]
            if row["状态"] != "失业":
                assert not row["失业原因"]
    assert any(len(eps) >= 3 for eps in episodes.values())  # some histories


def test_households(generated):
    _, _, data = generated
    members = defaultdict(list)
    for row in data["人员"]:
        members[row["家庭编号"]].append(row["与户主关系"])
    sizes = [len(m) for m in members.values()]
    assert min(sizes) >= 1 and max(sizes) <= 6
    assert 2.2 < sum(sizes) / len(sizes) < 3.0
    assert all(m.count("户主") == 1 for m in members.values())
    urban = sum(row["户口性质"] == "城镇" for row in data["家庭"]) / len(data["家庭"])
    assert 0.75 < urban < 0.95


def test_unemployment_share(generated):
    _, _, data = generated
    status = {}
    for row in data["就业状态"]:
        if _d(row["开始日期"]) <= AS_OF and (not row["结束日期"] or AS_OF <= _d(row["结束日期"])):
            status[row["身份证号"]] = row["状态"]
    labour = unemployed = working_age = unknown = 0
    for row in data["人员"]:
        if row["居住终止日期"]:
            continue
        born = _d(row["出生日期"])
        retires = retirement_date(born, row["性别"] == "男", row["退休年龄类别"] == "50")
        if not add_months(born, 192) <= AS_OF < retires:
            continue
        working_age += 1
        st = status.get(row["身份证号"])
        unknown += st is None
        if st in ("就业", "失业"):
            labour += 1
            unemployed += st == "失业"
    assert 0.03 <= unemployed / labour <= 0.08
    assert unknown / working_age < 0.03


def test_retirement_date_matches_the_standards():
    assert retirement_date(date(1965, 1, 10), True, False) == date(2025, 2, 10)
    assert retirement_date(date(1976, 9, 1), True, False) == date(2039, 9, 1)
    assert retirement_date(date(1976, 2, 29), False, True) == date(2026, 9, 29)
    assert retirement_date(date(1984, 11, 5), False, True) == date(2039, 11, 5)
    assert retirement_date(date(1966, 2, 28), True, False) == date(2026, 6, 28)


def test_command_writes_the_folder(tmp_path):
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "generate", str(tmp_path / "reg"), "--communities", "2", "--seed", "3", "--persons-per-community", "60",
        stdout=out, stderr=err,
    )  # fmt: skip
    assert len(out.getvalue().strip().splitlines()) == 1
    assert "2/2" in err.getvalue()
    assert sorted(p.name for p in (tmp_path / "reg").iterdir()) == sorted(f"{t}.csv" for t in TABLES)
    again = tmp_path / "again"
    generate_register(again, communities=2, seed=3, persons_per_community=60)
    assert (again / "人员.csv").read_bytes() == (tmp_path / "reg" / "人员.csv").read_bytes()
