"""The shipped occupation classification, synonyms, segmentation, pinyin, credit codes."""

import subprocess
import sys
from pathlib import Path

import pytest

from jiuye.jobs import occupations as occ
from jiuye.jobs.creditcode import CREDIT_CHARSET, credit_code_check_char, credit_code_valid

ROOT = Path(__file__).resolve().parents[1]


def test_major_and_middle_groups_are_complete():
    tree = occ.classification()
    majors = [o for o in tree.by_code.values() if o.level == 1]
    middles = [o for o in tree.by_code.values() if o.level == 2]
    assert [o.code for o in majors] == [str(i) for i in range(1, 9)]
    assert len(middles) == 79  # 2022 edition
    assert tree.name("4-07") == "租赁和商务服务人员"
    assert tree.name("6-29") == "建筑施工人员"
    # Every finer code hangs under an existing group.
    assert all(o.parent in tree.by_code for o in tree.by_code.values() if o.level > 1)
    assert [o.code for o in tree.path("4-09-07-01")] == ["4", "4-09", "4-09-07", "4-09-07-01"]


def test_code_normalisation_and_keys():
    assert occ.normalize_code("4070501") == "4-07-05-01"
    assert occ.normalize_code(" 4-07 ") == "4-07"
    assert occ.normalize_code("６２９") == "6-29"  # full-width digits
    with pytest.raises(ValueError):
        occ.normalize_code("4-7-5")
    assert occ.code_keys("4-07-05") == (4, 407, 40705, -1)
    assert occ.code_keys("6-31-01-03") == (6, 631, 63101, 6310103)


@pytest.mark.parametrize(
    ("terms", "code"),
    [
        ("保洁 保洁员 清洁工", "4-09-07-01"),
        ("保安 安保员 门卫", "4-07-05-01"),
        ("快递员 快递小哥 配送员", "4-02-07-08"),
        ("月嫂 育婴师", "4-10-01-02"),
        ("家政服务员 保姆 钟点工", "4-10-01-06"),
        ("电工 维修电工 电气维修", "6-31-01-03"),
        ("厨师 厨工 帮厨", "4-03-02-01"),
        ("收银 收银员", "4-01-02-04"),
        ("司机 驾驶员", "4-02-02"),
        ("电焊工 氩弧焊", "6-18-02-04"),
        ("叉车司机", "6-30-05-01"),
    ],
)
def test_synonyms_map_job_titles_to_occupations(terms, code):
    for term in terms.split():
        assert occ.resolve_codes(term) == [code], term


def test_synonym_table_is_large_and_consistent():
    table = occ.synonyms()
    tree = occ.classification()
    assert len(table) >= 500
    assert all(tree.get(code) is not None for code in table.values())


def test_free_text_is_segmented_into_occupations():
    assert occ.resolve_codes("想找保洁工作") == ["4-09-07-01"]
    assert occ.resolve_codes("保洁、保安；快递小哥") == ["4-09-07-01", "4-07-05-01", "4-02-07-08"]
    assert occ.resolve_codes("4-07-05-01") == ["4-07-05-01"]
    assert occ.resolve_codes("随便看看") == []
    found = occ.resolve("会开叉车的仓管")
    assert {r.code for r in found} == {"6-30-05-01", "4-02-06-01"}


def test_pinyin_and_initials_find_occupations():
    assert occ.search("bjy")[0].code == "4-09-07-01"  # 保洁员
    assert occ.search("baojieyuan")[0].code == "4-09-07-01"
    assert occ.search("bay")[0].code == "4-07-05-01"  # 保安员
    assert occ.search("dg")[0].code == "6-31-01-03"  # 电工
    assert occ.search("kdy")[0].code == "4-02-07-08"  # 快递员
    assert occ.resolve_codes("yyy") == ["4-10-01-02"]  # 育婴员
    assert [o.code for o in occ.search("4-09-07")][:2] == ["4-09-07", "4-09-07-01"]
    assert occ.search("保洁")[0].code == "4-09-07-01"


def test_tokens_drop_stopwords_and_mark_job_titles_and_certificates():
    words = occ.tokens("有保洁经验，持电工证优先")
    assert "保洁" in words and "occ:4-09-07-01" in words
    assert "cert:电工证" in words
    assert not words & {"经验", "优先", "有", "持"}
    phrases = occ.skill_phrases("会开叉车、电焊；Excel")
    assert len(phrases) == 3 and "excel" in phrases[2]


def test_certificates_are_canonical_and_licences_include_lower_classes():
    assert occ.certificate_set("低压电工作业证；健康证明") == {"电工证", "健康证"}
    assert occ.certificate_set("特种作业操作证（电工）") == {"电工证"}
    assert "C1驾驶证" in occ.certificate_set("B2驾照", held=True)
    assert "B2驾驶证" not in occ.certificate_set("C1驾照", held=True)
    assert occ.certificate_set("某某上岗证") == {"某某上岗证"}


def test_jieba_initialises_quietly_and_offline():
    code = "from jiuye.jobs.occupations import tokens; assert tokens('快递小哥送外卖')"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout == "" and out.stderr == ""


def test_credit_code_checksum():
    assert credit_code_valid("91350100M000100Y43")
    assert credit_code_valid("91350100m000100y43")  # case does not matter
    assert not credit_code_valid("91350100M000100Y44")  # one character changed
    assert not credit_code_valid("91350100M000100Y53")
    assert not credit_code_valid("91350100M000100Y4")  # 17 characters
    assert not credit_code_valid("91350100I000100Y43")  # I is not in the charset
    assert credit_code_check_char("91350100M000100Y4") == "3"
    # Every position matters: changing any one character breaks the check.
    code = "91350100M000100Y43"
    for i in range(18):
        for c in CREDIT_CHARSET:
            if c != code[i]:
                assert not credit_code_valid(code[:i] + c + code[i + 1:])
