"""Benchmark of matching: ranked open vacancies for one person among 100,000.

``python -m bench.matching [--vacancies 100000] [--persons 300] [--limit 20] [--database-url URL]``

Creates a fresh SQLite database under a temporary directory (or uses ``--database-url``, which it
migrates and fills: give an empty database), bulk-inserts the vacancies (all open, spread over 200
communities, occupations drawn from the shipped classification, a third with skills, some with
age / education / certificate requirements), a few hundred residents with job wishes, then times
``jiuye.jobs.matching.vacancies_for_person`` (everything a page would call: the person's wishes,
the cached frame's version check, scoring every vacancy, fetching and explaining the top ones) for
each person and prints median and p95 milliseconds per person. The frame's one-off build is
reported separately. The temporary directory is removed at the end. Not run in CI.
"""

import argparse
import datetime as dt
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ON = dt.date(2026, 6, 30)
SKILLS = ["叉车操作", "电工证", "会用电脑", "驾驶C1", "电焊", "保洁经验", "收银经验", "厨房经验", "普通话流利",
          "吃苦耐劳", "Excel", "会开车", "仓库管理", "月嫂经验", "养老护理", "装修经验", "数控车床", "快递派送"]
CERTIFICATES = ["健康证", "电工证", "焊工证", "C1驾驶证", "叉车证", "保安员证"]
EDUCATION = ["", "", "", "初中", "高中", "中专", "大专"]
MARK = "bench"  # the note that marks the vacancies this benchmark inserts


def setup(database_url: str | None) -> Path:
    work = Path(tempfile.mkdtemp(prefix="jiuye-bench-matching-"))
    os.environ["JIUYE_DATABASE_URL"] = database_url or f"sqlite:///{work / 'bench.sqlite3'}"
    os.environ.setdefault("JIUYE_VAR_DIR", str(work / "var"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiuye.settings")
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    return work


def vacancy_rows(rng: random.Random, communities: list, n: int):
    """``n`` open vacancies over ``communities``: occupations from the shipped classification,
    a third with skills, some with age, education and certificate requirements."""
    from jiuye.jobs import models as j
    from jiuye.jobs.occupations import classification, synonyms

    codes = [o.code for o in classification().by_code.values() if o.level >= 3]
    titles = {}
    for term, code in synonyms().items():
        titles.setdefault(code, []).append(term)
    for _ in range(n):
        code = rng.choice(codes)
        community = rng.choice(communities)
        wage_min = rng.randrange(2000, 6000, 100)
        yield j.Vacancy(
            community=community, title=rng.choice(titles.get(code, ["岗位"])), occupation_code=code,
            count=rng.randint(1, 5), wage_min=wage_min, wage_max=wage_min + rng.choice([0, 500, 1000, 2000]),
            hours=rng.choice(["全日制", "全日制", "非全日制", "弹性", ""]),
            location_code=community.code if rng.random() < 0.8 else community.code[:9],
            education_min=rng.choice(EDUCATION),
            age_min=rng.choice([None, None, 18, 20]), age_max=rng.choice([None, None, 45, 50, 55, 60]),
            skills="、".join(rng.sample(SKILLS, rng.randint(1, 3))) if rng.random() < 0.35 else "",
            certificates=rng.choice(CERTIFICATES) if rng.random() < 0.1 else "",
            opened_on=ON - dt.timedelta(days=rng.randint(0, 90)), source="辖区单位", note=MARK,
        )


def insert_vacancies(rng: random.Random, communities: list, n: int) -> float:
    """Bulk-insert ``n`` vacancies; the seconds it took."""
    from jiuye.jobs import models as j

    t0 = time.perf_counter()
    batch = []
    for vacancy in vacancy_rows(rng, communities, n):
        batch.append(vacancy)
        if len(batch) == 5000:
            j.Vacancy.objects.bulk_create(batch)
            batch = []
    j.Vacancy.objects.bulk_create(batch)
    return time.perf_counter() - t0


def add_wishes(rng: random.Random, persons: list) -> None:
    """A job-seeker profile (wishes, wage, hours, certificates) for each person."""
    from jiuye.jobs import models as j
    from jiuye.jobs.occupations import synonyms

    wishes = list(synonyms())
    j.JobSeekerProfile.objects.bulk_create([
        j.JobSeekerProfile(person=p, desired_text=rng.choice(wishes),
                           desired_codes=";".join({synonyms()[rng.choice(wishes)] for _ in range(2)}),
                           wage_min=rng.randrange(2500, 5000, 500), hours=rng.choice(["全日制", "不限", ""]),
                           certificates=rng.choice(CERTIFICATES + ["", ""]), updated_on=ON)
        for p in persons])


def populate(n_vacancies: int, n_persons: int, seed: int = 7):
    from django.db import transaction

    from jiuye.divisions.models import Division, Level
    from jiuye.registry import models as m

    rng = random.Random(seed)
    district = Division.objects.get(code="500103")
    communities = []
    with transaction.atomic():
        for s in range(1, 21):
            street = Division.objects.create(code=f"500103{s:03d}", name=f"街道{s}", level=Level.STREET,
                                             parent=district)
            for c in range(1, 11):
                communities.append(Division.objects.create(code=f"{street.code}{c:03d}", name=f"社区{s}-{c}",
                                                           level=Level.COMMUNITY, parent=street))
    insert_seconds = insert_vacancies(rng, communities, n_vacancies)
    persons = []
    with transaction.atomic():
        households = m.Household.objects.bulk_create([
            m.Household(code=f"BH{i:06d}", community=rng.choice(communities), hukou="城镇") for i in range(n_persons)])
        for i, household in enumerate(households):
            persons.append(m.Person(
                id_number=f"500103{1970 + i % 35:04d}0101{i:04d}", name=f"居民{i}", sex=rng.choice("男女"),
                birth_date=dt.date(1970 + i % 35, 1 + i % 12, 1 + i % 28), household=household,
                education=rng.choice(EDUCATION[3:]), residence_start=dt.date(2010, 1, 1),
                skills="、".join(rng.sample(SKILLS, 2)),
            ))
        persons = m.Person.objects.bulk_create(persons)
        add_wishes(rng, persons)
    return persons, insert_seconds


def in_register(n_vacancies: int, n_persons: int, seed: int = 7) -> dict:
    """Matching inside an imported register (``python -m bench``): ``n_vacancies`` over its
    communities (inserted once, kept for later runs) and ``n_persons`` of its residents aged
    20–55 given job wishes, then ranked. Returns the figures as a dict."""
    from django.db import transaction

    from jiuye.accounts.models import User
    from jiuye.divisions.models import Division, Level
    from jiuye.jobs import models as j
    from jiuye.registry import models as m

    rng = random.Random(seed)
    insert_seconds = None
    have = j.Vacancy.objects.filter(note=MARK).count()
    if have != n_vacancies:
        j.Vacancy.objects.filter(note=MARK).delete()
        communities = list(Division.objects.filter(level=Level.COMMUNITY).order_by("code"))
        with transaction.atomic():
            insert_seconds = insert_vacancies(rng, communities, n_vacancies)
    born = (dt.date(ON.year - 55, 1, 1), dt.date(ON.year - 20, 12, 31))
    adults = m.Person.objects.filter(birth_date__range=born)
    with_wishes = list(adults.filter(job_profile__isnull=False).order_by("pk")[:n_persons])
    if len(with_wishes) < n_persons:
        step = max(1, adults.count() // n_persons)
        pks = list(adults.filter(job_profile__isnull=True).order_by("pk").values_list("pk", flat=True)[::step])
        add_wishes(rng, list(m.Person.objects.filter(pk__in=pks[: n_persons - len(with_wishes)])))
        with_wishes = list(adults.filter(job_profile__isnull=False).order_by("pk")[:n_persons])
    user = User.objects.filter(username="bench-matching").first() or User.objects.create_superuser(
        "bench-matching", password=None)
    figures = measure(user, with_wishes, limit=20)
    figures["insert_s"] = insert_seconds
    return figures


def measure(user, persons: list, limit: int = 20) -> dict:
    """Frame build (once), then each person's ranking: milliseconds per person."""
    from jiuye.jobs import matching

    t0 = time.perf_counter()
    matching.tokens("保洁")  # jieba's dictionary, once per process
    jieba_seconds = time.perf_counter() - t0
    t0 = time.perf_counter()
    frame = matching.vacancy_frame(ON)
    build_seconds = time.perf_counter() - t0
    timings, score_timings = [], []
    for person in persons:
        t0 = time.perf_counter()
        matches = matching.vacancies_for_person(user, person, on=ON, limit=limit)
        timings.append((time.perf_counter() - t0) * 1000)
        assert all(sum(x.parts.values()) == x.total for x in matches)
        seeker = matching.seeker_for(person, ON)
        t0 = time.perf_counter()
        matching.score_vacancies(frame, seeker)
        score_timings.append((time.perf_counter() - t0) * 1000)
    return {"vacancies": len(frame), "persons": len(persons), "jieba_s": jieba_seconds, "frame_s": build_seconds,
            "ms": timings, "score_ms": score_timings}


def summary(values: list[float]) -> str:
    ordered = sorted(values)
    return f"median {statistics.median(ordered):.1f} ms, p95 {pct(ordered, 0.95):.1f} ms, max {ordered[-1]:.1f} ms"


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--vacancies", type=int, default=100_000)
    parser.add_argument("--persons", type=int, default=300)
    parser.add_argument("--limit", type=int, default=20)
    parser.add_argument("--database-url", default=None, help="an empty database to use instead of a temporary SQLite file")
    args = parser.parse_args(argv)

    work = setup(args.database_url)
    from django.db import connection

    from jiuye.accounts.models import User

    persons, insert_seconds = populate(args.vacancies, args.persons)
    user = User.objects.create_superuser("bench", password="x")
    print(f"database: {connection.vendor} ({work if args.database_url is None else 'given URL'})")
    print(f"inserted {args.vacancies:,} vacancies in {insert_seconds:.1f} s (bulk_create)")
    figures = measure(user, persons, limit=args.limit)
    print(f"jieba initialised in {figures['jieba_s']:.2f} s; frame of {figures['vacancies']:,} open vacancies built in "
          f"{figures['frame_s']:.2f} s (once per process and per change)")
    print(f"ranking for one person among {figures['vacancies']:,} ({len(persons)} persons, top {args.limit}): "
          f"{summary(figures['ms'])}")
    print(f"  of which scoring every vacancy (NumPy): {summary(figures['score_ms'])}")
    sys.stdout.flush()
    if args.database_url is None:
        connection.close()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
