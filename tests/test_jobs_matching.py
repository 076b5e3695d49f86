"""Matching: ranked vacancies for a person and ranked residents for a vacancy, explained."""

import datetime as dt

import pytest

from jiuye.accounts.services import user_add
from jiuye.jobs import matching, services
from jiuye.registry.models import Person

pytestmark = pytest.mark.django_db

ON = dt.date(2026, 6, 30)
PASSWORD = "Gongzuo-2026!x"
B = "500103001002"


@pytest.fixture
def worker(jiuye, example_dir):
    assert jiuye("import", str(example_dir)).code == 0
    matching.invalidate_cache()
    return user_add(username="worker_b", role="community", scope_code=B, password=PASSWORD)


def person(name):
    return Person.objects.get(name=name)


def vacancy(user, title, code="", **values):
    defaults = {"community": B, "count": 2, "wage_min": 2800, "wage_max": 3500, "hours": "全日制",
                "opened_on": dt.date(2026, 6, 1)}
    return services.vacancy_create(user=user, title=title, occupation_code=code, **{**defaults, **values})


def check_explained(match):
    assert set(match.parts) >= {"occupation", "skills", "certificates", "education", "age", "location", "wage", "hours"}
    assert sum(match.parts.values()) == match.total
    assert all(isinstance(v, int) and v >= 0 for v in match.parts.values())
    assert all(match.parts[k] <= matching.MAX_POINTS[k] for k in match.parts)
    assert set(match.notes) == set(match.parts)
    assert all(match.notes[k] for k in match.parts)
    assert str(match.total) in match.explain()


def test_occupation_ranking_through_the_tree(worker):
    sun = person("孙伟")
    services.wish_save(user=worker, person=sun, desired="保洁", wage_min=3000, hours="全日制", updated_on=ON)
    made = {
        "exact": vacancy(worker, "小区保洁员", "4-09-07-01"),
        "small": vacancy(worker, "垃圾清运工", "4-09-07-02"),
        "middle": vacancy(worker, "园林绿化工", "4-09-09-01"),
        "major": vacancy(worker, "保安员", "4-07-05-01"),
        "none": vacancy(worker, "焊工", "6-18-02-04"),
    }
    matches = matching.vacancies_for_person(worker, sun, on=ON)
    order = [m.vacancy.pk for m in matches]
    assert order == [made[k].pk for k in ("exact", "small", "middle", "major", "none")]
    points = [m.parts["occupation"] for m in matches]
    assert points == [40, 28, 18, 8, 0]
    for match in matches:
        check_explained(match)
    assert "保洁员" in matches[0].notes["occupation"]
    assert "同一小类" in matches[1].notes["occupation"]
    # Everything but the occupation is equal here.
    assert len({m.total - m.parts["occupation"] for m in matches}) == 1


def test_a_wish_typed_as_baojie_matches_the_cleaning_occupation(worker):
    sun = person("孙伟")
    profile = services.wish_save(user=worker, person=sun, desired="保洁", updated_on=ON)
    assert profile.code_list == ["4-09-07-01"]
    coded = vacancy(worker, "物业公司招人", "4-09-07-01")
    titled = vacancy(worker, "招聘清洁工若干")  # no code: read from the title
    assert titled.occupation_code == "4-09-07-01"
    matches = {m.vacancy.pk: m for m in matching.vacancies_for_person(worker, sun, on=ON)}
    assert matches[coded.pk].parts["occupation"] == 40
    assert matches[titled.pk].parts["occupation"] == 40


def test_hard_requirements_exclude_with_reasons(worker):
    sun = person("孙伟")  # born 1988-02-10, 高中
    services.wish_save(user=worker, person=sun, desired="保洁", updated_on=ON)
    ok = vacancy(worker, "保洁员", "4-09-07-01")
    too_old = vacancy(worker, "保洁员（30岁以下）", "4-09-07-01", age_max=30)
    education = vacancy(worker, "保洁主管", "4-09-07-01", education_min="大专")
    certificate = vacancy(worker, "食堂保洁", "4-09-07-01", certificates="健康证")
    fine = vacancy(worker, "保洁（高中以上，25–45岁）", "4-09-07-01", education_min="高中", age_min=25, age_max=45)
    eligible = [m.vacancy.pk for m in matching.vacancies_for_person(worker, sun, on=ON)]
    assert set(eligible) == {ok.pk, fine.pk}
    everything = {m.vacancy.pk: m for m in matching.vacancies_for_person(worker, sun, on=ON, include_excluded=True)}
    assert everything[too_old.pk].excluded == ("年龄不符",)
    assert everything[education.pk].excluded == ("学历不足",)
    assert everything[certificate.pk].excluded == ("缺必备证书",)
    assert [m.vacancy.pk for m in everything.values()][:2] == eligible
    # The certificate held (from the wish or a training) lifts the exclusion and earns the points.
    services.wish_save(user=worker, person=sun, desired="保洁", certificates="食品从业人员健康证明", updated_on=ON)
    match = {m.vacancy.pk: m for m in matching.vacancies_for_person(worker, sun, on=ON)}[certificate.pk]
    assert match.parts["certificates"] == 5 and match.excluded == ()
    check_explained(match)


def test_skills_wage_hours_and_location_parts(worker):
    sun = person("孙伟")
    services.wish_save(user=worker, person=sun, desired="仓管", wage_min=4000, hours="全日制", updated_on=ON)
    Person.objects.filter(pk=sun.pk).update(skills="会开叉车，懂电脑")
    match_all = vacancy(worker, "仓管员", "4-02-06-01", skills="叉车操作；电脑操作", wage_max=4500)
    half = vacancy(worker, "仓管员", "4-02-06-01", skills="叉车操作；会计", wage_max=3000, hours="非全日制",
                   location_code="500103001001")
    street = vacancy(worker, "仓管员", "4-02-06-01", skills="", wage_min=None, wage_max=None, hours="",
                     location_code="500103001")
    by_pk = {m.vacancy.pk: m for m in matching.vacancies_for_person(worker, sun, on=ON)}
    a, b, c = by_pk[match_all.pk], by_pk[half.pk], by_pk[street.pk]
    assert a.parts["skills"] == 15 and b.parts["skills"] == 8 and c.parts["skills"] == 0
    assert a.parts["wage"] == 15 and b.parts["wage"] == 8 and c.parts["wage"] == 8  # 25% short → half; unknown → 8
    assert a.parts["hours"] == 5 and b.parts["hours"] == 0 and c.parts["hours"] == 3
    assert a.parts["location"] == 10 and b.parts["location"] == 7 and c.parts["location"] == 7
    assert a.total > b.total
    for match in (a, b, c):
        check_explained(match)
    assert "2/2" in a.notes["skills"]


def test_residents_for_a_vacancy_unemployed_first_hardship_prioritised(worker):
    sun, wu, he, zhou = person("孙伟"), person("吴刚"), person("何静"), person("周丽")
    services.wish_save(user=worker, person=sun, desired="保洁", updated_on=ON)
    services.wish_save(user=worker, person=zhou, desired="保洁员", updated_on=ON)  # employed, looking
    cleaning = vacancy(worker, "保洁员", "4-09-07-01", wage_min=None, wage_max=None)
    matches = matching.persons_for_vacancy(worker, cleaning, on=ON)
    names = [m.person.name for m in matches]
    assert names == ["孙伟", "吴刚", "何静", "周丽"]
    by_name = {m.person.name: m for m in matches}
    assert [by_name[n].tier_label for n in names] == ["失业", "失业", "失业", "在职求职"]
    assert by_name["吴刚"].parts["hardship"] == 10  # 4050 and long-term unemployed
    assert by_name["何静"].parts["hardship"] == 0
    assert by_name["孙伟"].parts["hardship"] == 10  # zero-employment household
    assert by_name["周丽"].total > by_name["吴刚"].total  # a better score, but not unemployed
    for match in matches:
        check_explained(match)
    # Hard requirements exclude residents too.
    young = vacancy(worker, "保洁员", "4-09-07-01", age_max=40)
    assert "吴刚" not in [m.person.name for m in matching.persons_for_vacancy(worker, young, on=ON)]
    # Persons already referred are left out.
    services.referral_create(user=worker, vacancy=cleaning, person=sun, referred_on=ON)
    assert "孙伟" not in [m.person.name for m in matching.persons_for_vacancy(worker, cleaning, on=ON)]
    assert sun.pk in {s.person_id for s in [matching.seeker_for(sun, ON)]}
    assert wu.pk and he.pk


def test_ranking_is_set_wise_few_queries(worker, django_assert_max_num_queries):
    sun = person("孙伟")
    services.wish_save(user=worker, person=sun, desired="保洁", updated_on=ON)
    for i in range(60):
        vacancy(worker, f"岗位{i}", ["4-09-07-01", "4-07-05-01", "6-18-02-04"][i % 3])
    matching.vacancies_for_person(worker, sun, on=ON)  # builds the frame
    with django_assert_max_num_queries(12):
        matches = matching.vacancies_for_person(worker, sun, on=ON, limit=10)
    assert len(matches) == 10 and all(m.parts["occupation"] == 40 for m in matches[:10])


def test_frame_follows_writes(worker):
    sun = person("孙伟")
    services.wish_save(user=worker, person=sun, desired="保洁", updated_on=ON)
    first = vacancy(worker, "保洁员", "4-09-07-01", count=1)
    assert [m.vacancy.pk for m in matching.vacancies_for_person(worker, sun, on=ON)] == [first.pk]
    second = vacancy(worker, "保洁员", "4-09-07-01", count=1)
    assert {m.vacancy.pk for m in matching.vacancies_for_person(worker, sun, on=ON)} == {first.pk, second.pk}
    services.vacancy_close(user=worker, vacancy=second, closed_on=dt.date(2026, 6, 20))
    referral = services.referral_create(user=worker, vacancy=first, person=person("何静"), referred_on=ON)
    services.referral_hire(user=worker, referral=referral, start=ON)
    assert matching.vacancies_for_person(worker, sun, on=ON) == []  # closed, and filled


def test_occupation_points_scalar_and_vector_agree():
    import numpy as np

    codes = ["4-09-07-01", "4-09-07-02", "4-09-07", "4-09-09-01", "4-09", "4-07-05-01", "6-18-02-04", "4"]
    keys, levels = matching._keys_matrix(codes)
    for other in codes:
        vector = matching.occupation_points(keys, levels, matching.code_keys(other), other.count("-") + 1)
        scalar = np.array([matching.occupation_relation(c, other)[0] for c in codes])
        assert (vector == scalar).all(), other


def test_both_directions_score_a_pair_alike(worker):
    """The vacancy frame (person → vacancies) and the per-vacancy path (vacancy → persons) agree."""
    sun, he = person("孙伟"), person("何静")
    services.wish_save(user=worker, person=sun, desired="保洁、保安", wage_min=3200, hours="全日制",
                       area_code="500103001", certificates="C1驾照", updated_on=ON)
    services.wish_save(user=worker, person=he, desired="收银员", wage_min=5000, hours="非全日制", updated_on=ON)
    Person.objects.filter(pk=sun.pk).update(skills="开过叉车")
    made = [
        vacancy(worker, "保洁员", "4-09-07-01", skills="叉车；保洁经验", location_code="500103001001"),
        vacancy(worker, "超市收银", "4-01-02-04", hours="弹性", wage_max=None, wage_min=None,
                location_code="500103001"),
        vacancy(worker, "司机", "4-02-02-01", certificates="C1驾驶证", education_min="初中", wage_max=6000),
        vacancy(worker, "门卫", "4-07-05-01", hours="非全日制", location_code="500103"),
    ]
    forward = {(m.person.pk, m.vacancy.pk): m for who in (sun, he)
               for m in matching.vacancies_for_person(worker, who, on=ON, include_excluded=True)}
    backward = {(m.person.pk, m.vacancy.pk): m for v in made
                for m in matching.persons_for_vacancy(worker, v, on=ON, include_excluded=True)}
    pairs = [(p.pk, v.pk) for p in (sun, he) for v in made]
    assert all(pair in forward and pair in backward for pair in pairs)
    for pair in pairs:
        f, b = forward[pair], backward[pair]
        assert f.parts == {k: v for k, v in b.parts.items() if k != "hardship"}, pair
        assert f.excluded == b.excluded
        assert f.total + b.parts["hardship"] == b.total


def test_listing_vacancies_by_occupation_group_and_openness(worker):
    from jiuye.jobs import selectors

    a = vacancy(worker, "保洁员", "4-09-07-01", count=1)
    vacancy(worker, "园林绿化工", "4-09-09-01")
    vacancy(worker, "焊工", "6-18-02-04", closed_on=dt.date(2026, 6, 10))
    assert {v.title for v in selectors.vacancy_list(worker, occupation="4-09")} == {"保洁员", "园林绿化工"}
    assert {v.title for v in selectors.vacancy_list(worker, open_only=True, on=ON)} == {"保洁员", "园林绿化工"}
    referral = services.referral_create(user=worker, vacancy=a, person=person("何静"), referred_on=ON)
    services.referral_hire(user=worker, referral=referral, start=ON)
    assert {v.title for v in selectors.vacancy_list(worker, open_only=True, on=ON)} == {"园林绿化工"}
    assert selectors.vacancy_list(worker).get(pk=a.pk).filled == 1
