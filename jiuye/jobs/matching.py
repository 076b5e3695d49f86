"""Matching people to work: open vacancies ranked for a person, residents ranked for a vacancy.

Every result is explainable: ``Match.parts`` holds the points of each part (whole numbers,
``total`` is their sum) and ``Match.notes`` says why, in Chinese. The parts:

==============  ======  ==========================================================================
part            max     how
==============  ======  ==========================================================================
occupation      40      through the GB/T 6565 tree: exact 40 (or one code inside the other's
                        小类), same 小类 28, same 中类 18, same 大类 8, unrelated 0 — best of
                        the person's wished occupations (求职意愿; else read from their skills)
skills          15      share of the vacancy's skill phrases found in the person's words
                        (skills, wishes, training; jieba segmentation + job-title synonyms)
certificates    5       the vacancy requires certificates and the person holds them all
education       5       meets the minimum education (or none asked)
age             5       within the age range (or none asked)
location        10      same community 10, same street 7, inside the wished area 7, same district 4
wage            15      the vacancy pays the wished wage (falls to 0 at half of it)
hours           5       full-time / part-time as wished (弹性 fits both; unknown 3)
hardship        10      ranking residents only: in hardship on the day (就业困难, standards S6)
==============  ======  ==========================================================================

Hard requirements exclude: outside the age range, education known to be below the minimum, a
required certificate not held. Residents are ranked unemployed (失业) first, then others with a
job wish; within a tier by total.

Vacancies are few columns and many rows: the open ones are held per process as NumPy arrays
(``VacancyFrame``, rebuilt when a vacancy or referral changes) and a person is scored against
all of them at once; only the top results are fetched (through ``for_user``) and explained.
"""

import datetime as dt
import threading
from collections import OrderedDict
from dataclasses import dataclass

import numpy as np
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.db.models import Count, Q

from jiuye.casework.models import Training
from jiuye.jobs import models as j
from jiuye.jobs.occupations import (
    certificate_set,
    classification,
    code_keys,
    resolve_codes,
    skill_phrases,
    tokens,
)
from jiuye.registry import models as m
from jiuye.registry.scoping import scope_prefix
from jiuye.registry.services import OUTSIDE_SCOPE

OCCUPATION_POINTS = {"exact": 40, "small": 28, "middle": 18, "major": 8, "none": 0}
MAX_POINTS = {"occupation": 40, "skills": 15, "certificates": 5, "education": 5, "age": 5, "location": 10,
              "wage": 15, "hours": 5, "hardship": 10}
LOCATION_POINTS = {"community": 10, "street": 7, "area": 7, "district": 4}
PART_LABELS = {"occupation": "职业", "skills": "技能", "certificates": "证书", "education": "学历", "age": "年龄",
               "location": "地点", "wage": "工资", "hours": "工时", "hardship": "困难群体优先"}
EDUCATION_RANK = {"小学": 1, "初中": 2, "高中": 3, "中专": 3, "技工学校": 3, "大专": 4, "大学本科": 5, "研究生": 6}
HOURS_CODE = {"全日制": 1, "非全日制": 2, "弹性": 3}
TIERS = ("失业", "在职求职", "其他求职")
HELD_TRAINING_RESULTS = ("结业", "合格", "")


@dataclass
class Match:
    total: int
    parts: dict[str, int]
    notes: dict[str, str]
    excluded: tuple[str, ...] = ()
    vacancy: j.Vacancy | None = None
    person: m.Person | None = None
    tier: int = 0

    @property
    def tier_label(self) -> str:
        return TIERS[self.tier]

    def explain(self) -> str:
        """One line: each part's points and why, then the total."""
        text = " + ".join(f"{PART_LABELS[k]} {v}（{self.notes.get(k, '')}）" for k, v in self.parts.items())
        if self.excluded:
            text += "；不符合：" + "、".join(self.excluded)
        return f"{text} = {self.total}"


# -- the two sides as numbers --------------------------------------------------------------------------


@dataclass
class Seeker:
    """What matching knows of a person on a day."""

    person_id: int
    community_code: str
    age: int
    education: str
    codes: list[str]
    codes_from: str  # 求职意愿, 技能, or ""
    words: frozenset[str]
    certificates: frozenset[str]
    wage_min: int | None = None
    area_code: str = ""
    hours: str = ""

    @property
    def education_rank(self) -> int:
        return EDUCATION_RANK.get(self.education, 0)


def age_on(birth: dt.date, day: dt.date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def seeker_for(person: m.Person, on: dt.date) -> Seeker:
    """The person's wishes, words and certificates as matching uses them (a few queries)."""
    profile = j.JobSeekerProfile.objects.filter(person=person).first()
    trainings = list(person.trainings.filter(start__lte=on).values_list("course", "certificate", "result"))
    return _seeker(person.pk, person.household.community.code, person.birth_date, person.education, person.skills,
                   profile, trainings, on)


def _seeker(pk, community_code, birth, education, skills, profile, trainings, on) -> Seeker:
    codes, codes_from = [], ""
    if profile is not None and profile.code_list:
        codes, codes_from = profile.code_list, "求职意愿"
    elif skills:
        codes = resolve_codes(skills)
        codes_from = "技能" if codes else ""
    held_text = ";".join([profile.certificates if profile else ""]
                         + [cert for _, cert, result in trainings if cert and result in HELD_TRAINING_RESULTS])
    words = set(tokens(skills or ""))
    if profile is not None:
        words |= tokens(profile.desired_text)
    for course, _, result in trainings:
        if result in HELD_TRAINING_RESULTS:
            words |= tokens(course)
    certificates = certificate_set(held_text, held=True)
    words |= {f"cert:{c}" for c in certificates}
    words |= {f"occ:{c}" for c in codes}
    return Seeker(
        person_id=pk, community_code=community_code, age=age_on(birth, on), education=education or "",
        codes=codes, codes_from=codes_from, words=frozenset(words), certificates=certificates,
        wage_min=profile.wage_min if profile else None, area_code=profile.area_code if profile else "",
        hours=profile.hours if profile else "",
    )


def _keys_matrix(codes: list[str]) -> tuple[list[np.ndarray], np.ndarray]:
    """The numeric key of each level of each code, one contiguous column per level, and the codes' levels."""
    keys = np.array([code_keys(c) for c in codes], dtype=np.int64).reshape(-1, 4)
    levels = np.array([c.count("-") + 1 if c else 0 for c in codes], dtype=np.int8)
    return [np.ascontiguousarray(keys[:, i]) for i in range(4)], levels


# Points by (levels shared + 5 × exact): a key encodes its whole prefix, so the levels shared
# are the number of levels whose keys are equal.
_OCCUPATION_TABLE = np.array([OCCUPATION_POINTS[k] for k in ("none", "major", "middle", "small", "small")]
                             + [0, 0, 0] + [OCCUPATION_POINTS["exact"]] * 2, dtype=np.int16)


def occupation_points(columns: list[np.ndarray], levels: np.ndarray, other: tuple, other_level: int) -> np.ndarray:
    """Occupation points of each code (``columns``: its level keys) against one code, set-wise."""
    n = len(levels)
    if other_level == 0 or n == 0:
        return np.zeros(n, dtype=np.int16)
    shared = np.zeros(n, dtype=np.int8)
    for level in range(other_level):
        shared += columns[level] == other[level]
    lowest = np.minimum(levels, np.int8(other_level))
    exact = (shared == lowest) & (lowest >= 3)
    return _OCCUPATION_TABLE[shared + 5 * exact.view(np.int8)]


def occupation_relation(a: str, b: str) -> tuple[int, str, str]:
    """(points, kind, the shared group's code) of two codes — the scalar twin of ``occupation_points``."""
    if not a or not b:
        return 0, "none", ""
    pa, pb = a.split("-"), b.split("-")
    shared = 0
    while shared < min(len(pa), len(pb)) and pa[shared] == pb[shared]:
        shared += 1
    lowest = min(len(pa), len(pb))
    if shared == lowest and lowest >= 3:
        kind = "exact"
    else:
        kind = {0: "none", 1: "major", 2: "middle"}.get(shared, "small")
    return OCCUPATION_POINTS[kind], kind, "-".join(pa[:shared])


_RELATION_WORDS = {"exact": "相符", "small": "同一小类", "middle": "同一中类", "major": "同一大类", "none": "不相关"}


def _occupation_note(kind: str, wish: str, offered: str, source: str) -> str:
    tree = classification()
    if not wish:
        return "未登记求职意愿或技能"
    if kind == "exact":
        return f"相符：{tree.label(offered)}（{source}：{tree.label(wish)}）" if offered != wish \
            else f"完全相同：{tree.label(offered)}"
    if kind == "none":
        return f"不相关：{tree.label(offered)}，意向 {tree.label(wish)}"
    _, _, group = occupation_relation(wish, offered)
    return f"{_RELATION_WORDS[kind]} {tree.label(group)}：{tree.label(offered)}，意向 {tree.label(wish)}"


def _division_int(code: str) -> tuple[int, int]:
    """A division code as (12-digit padded number, its length); (-1, 0) when blank or not numeric."""
    if not code or not code.isdigit() or len(code) not in (6, 9, 12):
        return -1, 0
    return int(code) * 10 ** (12 - len(code)), len(code)


def location_points(loc, loc_len, community, area=-1, area_len=0) -> np.ndarray:
    """Location points of work places (padded codes, see ``_division_int``) for persons living in
    ``community`` (padded) who wish to work in ``area``; arrays or scalars, broadcast."""
    loc, loc_len, community, area, area_len = np.broadcast_arrays(
        *(np.asarray(x, dtype=np.int64) for x in (loc, loc_len, community, area, area_len)))
    valid = (loc_len > 0) & (community >= 0)
    points = np.where(valid & (loc // 10**6 == community // 10**6), LOCATION_POINTS["district"], 0)
    div = 10 ** (12 - np.where(area_len > 0, area_len, 12))
    in_area = valid & (area >= 0) & (loc_len >= area_len) & (loc // div == area // div)
    points = np.where(in_area, np.maximum(points, LOCATION_POINTS["area"]), points)
    points = np.where(valid & (loc_len >= 9) & (loc // 1000 == community // 1000), LOCATION_POINTS["street"], points)
    return np.where(valid & (loc_len == 12) & (loc == community), LOCATION_POINTS["community"], points)


def wage_points(wish, offer) -> np.ndarray:
    """Wage points of a wished monthly wage against the best wage offered (NaN: none / unknown)."""
    wish, offer = np.broadcast_arrays(np.asarray(wish, dtype=np.float64), np.asarray(offer, dtype=np.float64))
    full = MAX_POINTS["wage"]
    with np.errstate(invalid="ignore", divide="ignore"):
        shortfall = np.clip((wish - offer) / wish, 0, None)
    points = np.where(np.isnan(offer), 8, np.rint(full * np.clip(1 - 2 * shortfall, 0, 1)))
    return np.where(np.isnan(wish) | (wish <= 0), full, points).astype(np.int64)


def hours_points(wish, hours) -> np.ndarray:
    """Hours points: wish 0 (不限) / 1 (全日制) / 2 (非全日制) against 0 (unknown) / 1 / 2 / 3 (弹性)."""
    wish, hours = np.broadcast_arrays(np.asarray(wish, dtype=np.int64), np.asarray(hours, dtype=np.int64))
    full = MAX_POINTS["hours"]
    return np.select([wish == 0, hours == 0, hours == HOURS_CODE["弹性"], hours == wish], [full, 3, full, full], 0)


def _wish_hours(hours: str) -> int:
    return HOURS_CODE.get(hours, 0) if hours in ("全日制", "非全日制") else 0


# -- the open vacancies, cached as arrays --------------------------------------------------------------


@dataclass
class VacancyFrame:
    """The open vacancies with a free place, one row each; repetitive columns are categorical
    (an index into a small table of distinct values), so a person is scored on the distinct
    values and the points are gathered per row."""

    on: dt.date
    ids: np.ndarray
    community: np.ndarray  # community code as int (12 digits)
    opened: np.ndarray  # ordinal day
    free: np.ndarray
    codes: list[str]  # distinct occupation codes …
    code_columns: list[np.ndarray]  # … their key at each level (one column per level) …
    code_levels: np.ndarray  # … and their level
    occ: np.ndarray  # per row: index into ``codes``
    places: np.ndarray  # distinct work places: padded 12-digit codes …
    place_len: np.ndarray  # … and their lengths
    place: np.ndarray  # per row: index into ``places``
    wages: np.ndarray  # distinct best monthly wages offered (NaN: unknown)
    wage: np.ndarray  # per row: index into ``wages``
    hours: np.ndarray  # 0 unknown, 1 全日制, 2 非全日制, 3 弹性
    edu_min: np.ndarray  # EDUCATION_RANK, 0: none
    age_min: np.ndarray  # -1: none
    age_max: np.ndarray
    words: dict[str, int]  # skill words → id
    phrase_vacancy: np.ndarray  # per skill phrase: its vacancy's row
    token_phrase: np.ndarray  # per skill word occurrence: its phrase
    token_word: np.ndarray  # per skill word occurrence: its word id
    phrases: np.ndarray  # skill phrases per vacancy
    certs: dict[str, int]
    cert_vacancy: np.ndarray  # per required certificate: its vacancy's row
    cert_id: np.ndarray
    cert_count: np.ndarray  # required certificates per vacancy
    version: tuple = ()

    def __len__(self) -> int:
        return len(self.ids)


def _open_on(on: dt.date) -> Q:
    return Q(opened_on__lte=on) & (Q(closed_on=None) | Q(closed_on__gte=on))


def _factorize(values, table: dict) -> np.ndarray:
    return np.fromiter((table.setdefault(v, len(table)) for v in values), dtype=np.int32, count=len(values))


def build_frame(on: dt.date) -> VacancyFrame:
    """Every vacancy open on ``on`` with a free place, as arrays (unscoped: scope is a mask)."""
    hires = dict(
        j.Referral.objects.filter(outcome=j.HIRED, vacancy__in=j.Vacancy.objects.filter(_open_on(on)))
        .values("vacancy").annotate(n=Count("id")).values_list("vacancy", "n")
    )
    rows = [
        row for row in j.Vacancy.objects.filter(_open_on(on)).order_by("id").values_list(
            "id", "community__code", "location_code", "occupation_code", "count", "wage_min", "wage_max", "hours",
            "education_min", "age_min", "age_max", "skills", "certificates", "opened_on")
        if row[4] > hires.get(row[0], 0)
    ]
    n = len(rows)
    cols = list(zip(*rows, strict=True)) if rows else [()] * 14

    def ints(values, dtype=np.int64, missing=-1):
        return np.fromiter((missing if v is None else v for v in values), dtype=dtype, count=n)

    codes: dict[str, int] = {}
    occ = _factorize(cols[3], codes)
    code_columns, code_levels = _keys_matrix(list(codes))
    places: dict[str, int] = {}
    place = _factorize([loc or comm for loc, comm in zip(cols[2], cols[1], strict=True)], places)
    place_pairs = [_division_int(code) for code in places]
    wages: dict[float, int] = {}
    best = [float(hi if hi is not None else lo) if (hi is not None or lo is not None) else -1.0
            for lo, hi in zip(cols[5], cols[6], strict=True)]
    wage = _factorize(best, wages)

    words: dict[str, int] = {}
    phrase_vacancy, token_phrase, token_word, phrases = [], [], [], np.zeros(n, dtype=np.int64)
    certs: dict[str, int] = {}
    cert_vacancy, cert_id, cert_count = [], [], np.zeros(n, dtype=np.int64)
    for row, (skills, required) in enumerate(zip(cols[11], cols[12], strict=True)):
        if skills:
            for phrase in skill_phrases(skills):
                index = len(phrase_vacancy)
                phrase_vacancy.append(row)
                for word in phrase:
                    token_phrase.append(index)
                    token_word.append(words.setdefault(word, len(words)))
                phrases[row] += 1
        if required:
            for cert in certificate_set(required):
                cert_vacancy.append(row)
                cert_id.append(certs.setdefault(cert, len(certs)))
                cert_count[row] += 1

    hires_of = np.fromiter((hires.get(i, 0) for i in cols[0]), dtype=np.int64, count=n)
    return VacancyFrame(
        on=on, ids=ints(cols[0]),
        community=np.fromiter((int(c) if c.isdigit() else -1 for c in cols[1]), dtype=np.int64, count=n),
        opened=np.fromiter((d.toordinal() for d in cols[13]), dtype=np.int64, count=n),
        free=ints(cols[4]) - hires_of,
        codes=list(codes), code_columns=code_columns, code_levels=code_levels, occ=occ,
        places=np.array([p[0] for p in place_pairs], dtype=np.int64).reshape(-1),
        place_len=np.array([p[1] for p in place_pairs], dtype=np.int64).reshape(-1), place=place,
        wages=np.array([np.nan if w < 0 else w for w in wages], dtype=np.float64).reshape(-1), wage=wage,
        hours=np.fromiter((HOURS_CODE.get(h, 0) for h in cols[7]), dtype=np.int8, count=n),
        edu_min=np.fromiter((EDUCATION_RANK.get(e, 0) for e in cols[8]), dtype=np.int8, count=n),
        age_min=ints(cols[9], np.int16), age_max=ints(cols[10], np.int16),
        words=words,
        phrase_vacancy=np.array(phrase_vacancy, dtype=np.int64), token_phrase=np.array(token_phrase, dtype=np.int64),
        token_word=np.array(token_word, dtype=np.int64), phrases=phrases,
        certs=certs, cert_vacancy=np.array(cert_vacancy, dtype=np.int64), cert_id=np.array(cert_id, dtype=np.int64),
        cert_count=cert_count,
    )


_frames: "OrderedDict[tuple, VacancyFrame]" = OrderedDict()
_frames_lock = threading.Lock()


def _version() -> tuple:
    """Changes whenever a vacancy or a referral is written: one query of three scalar
    subqueries, each reading one end of an index."""
    vacancy, referral = j.Vacancy._meta.db_table, j.Referral._meta.db_table
    changed, pk = connection.ops.quote_name("changed_at"), connection.ops.quote_name("id")
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT (SELECT MAX({changed}) FROM {vacancy}), (SELECT MAX({pk}) FROM {vacancy}), "
                       f"(SELECT MAX({changed}) FROM {referral})")
        return tuple(cursor.fetchone())


def vacancy_frame(on: dt.date) -> VacancyFrame:
    """The cached frame of ``on``, rebuilt if any vacancy or referral changed since."""
    key = (connection.alias, connection.settings_dict.get("NAME"), on)
    version = _version()
    with _frames_lock:
        frame = _frames.get(key)
        if frame is not None and frame.version == version:
            _frames.move_to_end(key)
            return frame
    frame = build_frame(on)
    frame.version = version
    with _frames_lock:
        _frames[key] = frame
        while len(_frames) > 4:
            _frames.popitem(last=False)
    return frame


def invalidate_cache() -> None:
    with _frames_lock:
        _frames.clear()


def _scope_mask(frame: VacancyFrame, prefix: str) -> np.ndarray:
    if not prefix:
        return np.ones(len(frame), dtype=bool)
    div = 10 ** (12 - len(prefix))
    return frame.community // div == int(prefix)


# -- a person: ranked vacancies -----------------------------------------------------------------------------


@dataclass
class _Scored:
    total: np.ndarray
    parts: dict[str, np.ndarray]
    excluded: dict[str, np.ndarray]


def score_vacancies(frame: VacancyFrame, seeker: Seeker) -> _Scored:
    """Every part of every vacancy of the frame for one person (NumPy, no loop over vacancies).

    Occupation, place, wage, hours and education are scored on their distinct values, then
    gathered per row; skills and certificates go through the word and certificate indexes.
    """
    n = len(frame)
    # Occupation: best over the wished codes, per distinct code.
    by_code = np.zeros(len(frame.codes), dtype=np.int16)
    for code in seeker.codes:
        points = occupation_points(frame.code_columns, frame.code_levels, code_keys(code), code.count("-") + 1)
        np.maximum(by_code, points, out=by_code)

    # Skills: the share of the vacancy's phrases with a word of the person's.
    skills = np.zeros(n, dtype=np.int16)
    ids = [frame.words[w] for w in seeker.words if w in frame.words]
    if ids and len(frame.token_word):
        lookup = np.zeros(len(frame.words), dtype=bool)
        lookup[ids] = True
        phrase_hit = np.bincount(frame.token_phrase[lookup[frame.token_word]], minlength=len(frame.phrase_vacancy)) > 0
        hits = np.bincount(frame.phrase_vacancy[phrase_hit], minlength=n)
        listed = np.flatnonzero(hits)
        skills[listed] = np.rint(MAX_POINTS["skills"] * hits[listed] / frame.phrases[listed])

    # Certificates: all required ones held.
    held = np.zeros(n, dtype=np.int64)
    cert_ids = [frame.certs[c] for c in seeker.certificates if c in frame.certs]
    if cert_ids and len(frame.cert_id):
        lookup = np.zeros(len(frame.certs), dtype=bool)
        lookup[cert_ids] = True
        held = np.bincount(frame.cert_vacancy[lookup[frame.cert_id]], minlength=n)
    missing_cert = held < frame.cert_count
    certificates = ((frame.cert_count > 0) & ~missing_cert).view(np.int8) * np.int16(MAX_POINTS["certificates"])

    # Education by minimum asked (0 none … 6); unknown education: not excluded, no points where asked.
    rank = seeker.education_rank
    minimum = np.arange(7)
    below_table = (minimum > rank) if rank else np.zeros(7, dtype=bool)
    education_table = np.where((minimum == 0) | (rank > 0) & ~below_table, MAX_POINTS["education"], 0)
    below = below_table[frame.edu_min]
    outside_age = ((frame.age_min >= 0) & (seeker.age < frame.age_min)) | ((frame.age_max >= 0) & (seeker.age > frame.age_max))

    community = _division_int(seeker.community_code)[0]
    parts = {
        "occupation": by_code[frame.occ],
        "skills": skills,
        "certificates": certificates,
        "education": education_table.astype(np.int16)[frame.edu_min],
        "age": (~outside_age).view(np.int8) * np.int16(MAX_POINTS["age"]),
        "location": location_points(frame.places, frame.place_len, community,
                                    *_division_int(seeker.area_code)).astype(np.int16)[frame.place],
        "wage": wage_points(np.nan if seeker.wage_min is None else seeker.wage_min, frame.wages)
        .astype(np.int16)[frame.wage],
        "hours": hours_points(_wish_hours(seeker.hours), np.arange(4)).astype(np.int16)[frame.hours],
    }
    total = np.zeros(n, dtype=np.int16)
    for part in parts.values():
        total += part
    excluded = {"年龄不符": outside_age, "学历不足": below, "缺必备证书": missing_cert}
    return _Scored(total=total, parts=parts, excluded=excluded)


def _top(order_key: np.ndarray, candidates: np.ndarray, limit: int, *tiebreak: np.ndarray) -> np.ndarray:
    """Rows of ``candidates`` with the highest ``order_key`` (then ``tiebreak`` keys), best first."""
    rows = np.flatnonzero(candidates)
    if limit <= 0 or len(rows) == 0:
        return rows[:0]
    if len(rows) > limit:
        keys = order_key[rows]
        kth = np.partition(keys, len(keys) - limit)[len(keys) - limit]
        rows = rows[keys >= kth]
    order = np.lexsort(tuple(k[rows] for k in reversed(tiebreak)) + (-order_key[rows],))
    return rows[order][:limit]


def _visible_person(user, person) -> m.Person:
    try:
        return m.Person.objects.for_user(user).select_related("household__community").get(pk=getattr(person, "pk", person))
    except (m.Person.DoesNotExist, ValueError, TypeError):
        raise PermissionDenied(OUTSIDE_SCOPE) from None


def vacancies_for_person(user, person, *, on: dt.date | None = None, limit: int = 20,
                         include_excluded: bool = False) -> list[Match]:
    """Open vacancies the user can see, best first for the person, each with its explained score.

    ``include_excluded``: vacancies failing a hard requirement follow, with ``excluded`` reasons.
    """
    on = on or dt.date.today()
    person = _visible_person(user, person)
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    frame = vacancy_frame(on)
    seeker = seeker_for(person, on)
    scored = score_vacancies(frame, seeker)
    visible = _scope_mask(frame, prefix)
    out = np.zeros(len(frame), dtype=bool)
    for mask in scored.excluded.values():
        out |= mask
    rows = list(_top(scored.total, visible & ~out, limit, -frame.opened, frame.ids))  # ties: newest first
    if include_excluded and len(rows) < limit:
        rows += list(_top(scored.total, visible & out, limit - len(rows), -frame.opened, frame.ids))
    vacancies = j.Vacancy.objects.for_user(user).select_related("employer", "community") \
        .in_bulk([int(frame.ids[r]) for r in rows])
    matches = []
    for r in rows:
        vacancy = vacancies.get(int(frame.ids[r]))
        if vacancy is None:
            continue
        parts = {k: int(v[r]) for k, v in scored.parts.items()}
        matches.append(Match(
            total=int(scored.total[r]), parts=parts, vacancy=vacancy, person=person,
            excluded=tuple(reason for reason, mask in scored.excluded.items() if mask[r]),
            notes=_notes(parts, seeker, vacancy),
        ))
    return matches


def _best_wish(seeker: Seeker, code: str) -> tuple[str, str]:
    """The wished code that gives the occupation points (the first of the best), and the relation."""
    best = ("", "none", -1)
    for wish in seeker.codes:
        points, kind, _ = occupation_relation(wish, code)
        if points > best[2]:
            best = (wish, kind, points)
    return best[0], best[1]


def _notes(parts: dict, seeker: Seeker, vacancy: j.Vacancy, hardship: bool | None = None) -> dict:
    """Why each part has its points (for the few results shown)."""
    notes = {}
    wish, kind = _best_wish(seeker, vacancy.occupation_code)
    notes["occupation"] = _occupation_note(kind, wish, vacancy.occupation_code, seeker.codes_from)
    phrases = skill_phrases(vacancy.skills)
    matched = [p for p in phrases if p & seeker.words]
    notes["skills"] = (f"具备 {len(matched)}/{len(phrases)} 项技能要求" if phrases else "未列技能要求")
    required = certificate_set(vacancy.certificates)
    notes["certificates"] = ("未要求证书" if not required else
                             ("持有" if required <= seeker.certificates else "缺少") + "：" + "、".join(sorted(required)))
    if not vacancy.education_min:
        notes["education"] = "不限学历"
    elif not seeker.education_rank:
        notes["education"] = f"要求{vacancy.education_min}及以上，学历未登记"
    else:
        meets = seeker.education_rank >= EDUCATION_RANK.get(vacancy.education_min, 0)
        notes["education"] = f"{seeker.education}，要求{vacancy.education_min}及以上" + ("" if meets else "（不足）")
    if vacancy.age_min is None and vacancy.age_max is None:
        notes["age"] = f"{seeker.age}岁，不限年龄"
    else:
        notes["age"] = f"{seeker.age}岁，要求{vacancy.age_min or ''}–{vacancy.age_max or ''}岁"
    location = {10: "同一社区", 7: "同一街道或意向区域", 4: "同一区县", 0: "不在本区县"}
    notes["location"] = location.get(parts["location"], "")
    offer = vacancy.wage_max or vacancy.wage_min
    if seeker.wage_min is None:
        notes["wage"] = "未提期望工资"
    elif offer is None:
        notes["wage"] = f"期望{seeker.wage_min}元，岗位未标工资"
    else:
        notes["wage"] = f"期望{seeker.wage_min}元，岗位{vacancy.wage_min or ''}–{vacancy.wage_max or ''}元"
    notes["hours"] = f"意向{seeker.hours or '不限'}，岗位{vacancy.hours or '未标'}"
    if hardship is not None:
        notes["hardship"] = "就业困难人员" if hardship else "非就业困难人员"
    return notes


# -- a vacancy: ranked residents -------------------------------------------------------------------------------


def persons_for_vacancy(user, vacancy, *, on: dt.date | None = None, limit: int = 50,
                        include_excluded: bool = False) -> list[Match]:
    """Residents the user can see, best first for the vacancy: unemployed first, hardship prioritised.

    Candidates: working-age residents of the vacancy's district (within the user's scope) who are
    失业, or have a job wish (求职意愿) and are neither retired, unable to work nor at school;
    persons already referred to the vacancy are left out.
    """
    from jiuye.registry.services import scoped
    from jiuye.standards.context import (
        EMPLOYED,
        STATUS_CODES,
        UNEMPLOYED,
        load_context,
        resident_at,
        status_at_d,
        working_age_at,
    )
    from jiuye.standards.hardship import in_hardship
    from jiuye.standards.parameters import load_parameters

    on = on or dt.date.today()
    vacancy = scoped(j.Vacancy, user, vacancy)
    prefix = scope_prefix(user)
    if prefix is None:
        return []
    district = vacancy.community.code[:6]
    prefix = prefix if len(prefix) >= 6 else district
    ctx = load_context(on, load_parameters(), prefix)
    persons = ctx.persons
    status, _ = status_at_d(ctx)
    profiles = {p.person_id: p for p in j.JobSeekerProfile.objects.filter(
        person__household__community__code__startswith=prefix)}
    has_wish = persons.index.isin(list(profiles))
    inactive = np.isin(status, [STATUS_CODES[s] for s in ("退休", "丧失劳动能力", "在校学生")])
    candidate = resident_at(ctx, ctx.D) & working_age_at(ctx, ctx.D) & ((status == UNEMPLOYED) | (has_wish & ~inactive))
    referred = set(j.Referral.objects.filter(vacancy=vacancy).exclude(outcome=j.NOT_HIRED)
                   .values_list("person_id", flat=True))
    ids = persons.index.to_numpy()
    candidate &= ~np.isin(ids, list(referred))
    ids = ids[candidate]
    if len(ids) == 0:
        return []
    tier = np.where(status[candidate] == UNEMPLOYED, 0, np.where(status[candidate] == EMPLOYED, 1, 2))
    hardship = in_hardship(ctx, ids, np.full(len(ids), ctx.D, dtype=np.int64))

    people, trainings = {}, {}
    for chunk in (ids[i:i + 5000].tolist() for i in range(0, len(ids), 5000)):
        people.update({p[0]: p for p in m.Person.objects.filter(pk__in=chunk).values_list(
            "pk", "household__community__code", "birth_date", "education", "skills")})
        for pid, course, cert, result in Training.objects.filter(person_id__in=chunk, start__lte=on) \
                .values_list("person_id", "course", "certificate", "result"):
            trainings.setdefault(pid, []).append((course, cert, result))
    seekers = [_seeker(int(pid), people[pid][1], people[pid][2], people[pid][3], people[pid][4], profiles.get(pid),
                       trainings.get(pid, []), on) for pid in ids.tolist()]
    scored = score_persons(vacancy, seekers, hardship)
    out = np.zeros(len(ids), dtype=bool)
    for mask in scored.excluded.values():
        out |= mask
    key = scored.total - tier * 1000  # tier first, then the total
    rows = list(_top(key, ~out, limit, ids))
    if include_excluded and len(rows) < limit:
        rows += list(_top(key, out, limit - len(rows), ids))
    objects = m.Person.objects.for_user(user).select_related("household", "household__community") \
        .in_bulk([int(ids[r]) for r in rows])
    matches = []
    for r in rows:
        person = objects.get(int(ids[r]))
        if person is None:
            continue
        parts = {k: int(v[r]) for k, v in scored.parts.items()}
        notes = _notes(parts, seekers[r], vacancy, hardship=bool(hardship[r]))
        matches.append(Match(total=int(scored.total[r]), parts=parts, notes=notes, vacancy=vacancy, person=person,
                             tier=int(tier[r]), excluded=tuple(k for k, v in scored.excluded.items() if v[r])))
    return matches


def score_persons(vacancy: j.Vacancy, seekers: list[Seeker], hardship: np.ndarray) -> _Scored:
    """Every part for each person against one vacancy (vectorised over persons)."""
    n = len(seekers)
    code = vacancy.occupation_code
    # Occupation: every wished code of every person, best per person.
    owner = np.array([i for i, s in enumerate(seekers) for _ in s.codes], dtype=np.int64)
    keys, levels = _keys_matrix([c for s in seekers for c in s.codes])
    points = occupation_points(keys, levels, code_keys(code), code.count("-") + 1 if code else 0)
    occupation = np.zeros(n, dtype=np.int64)
    np.maximum.at(occupation, owner, points)

    phrases = skill_phrases(vacancy.skills)
    hits = np.zeros(n, dtype=np.int64)
    for phrase in phrases:
        hits += np.fromiter((bool(phrase & s.words) for s in seekers), dtype=bool, count=n)
    skills = np.rint(MAX_POINTS["skills"] * hits / len(phrases)).astype(np.int64) if phrases \
        else np.zeros(n, dtype=np.int64)

    required = certificate_set(vacancy.certificates)
    missing_cert = np.fromiter((not required <= s.certificates for s in seekers), dtype=bool, count=n)
    certificates = np.where(bool(required) & ~missing_cert, MAX_POINTS["certificates"], 0)

    rank = np.fromiter((s.education_rank for s in seekers), dtype=np.int64, count=n)
    minimum = EDUCATION_RANK.get(vacancy.education_min, 0)
    below = (minimum > 0) & (rank > 0) & (rank < minimum)
    education = np.where((minimum == 0) | ((rank > 0) & ~below), MAX_POINTS["education"], 0)
    age = np.fromiter((s.age for s in seekers), dtype=np.int64, count=n)
    outside_age = np.zeros(n, dtype=bool)
    if vacancy.age_min is not None:
        outside_age |= age < vacancy.age_min
    if vacancy.age_max is not None:
        outside_age |= age > vacancy.age_max

    loc, loc_len = _division_int(vacancy.location_code or vacancy.community.code)
    community = np.fromiter((_division_int(s.community_code)[0] for s in seekers), dtype=np.int64, count=n)
    areas = [_division_int(s.area_code) for s in seekers]
    area = np.array([a[0] for a in areas], dtype=np.int64).reshape(-1)
    area_len = np.array([a[1] for a in areas], dtype=np.int64).reshape(-1)
    location = location_points(loc, loc_len, community, area, area_len)
    offer = vacancy.wage_max if vacancy.wage_max is not None else vacancy.wage_min
    wish = np.fromiter((np.nan if s.wage_min is None else s.wage_min for s in seekers), dtype=np.float64, count=n)
    wage = wage_points(wish, np.nan if offer is None else offer)
    hours = hours_points(np.fromiter((_wish_hours(s.hours) for s in seekers), dtype=np.int64, count=n),
                         HOURS_CODE.get(vacancy.hours, 0))

    parts = {
        "occupation": occupation, "skills": skills, "certificates": certificates, "education": education,
        "age": np.where(outside_age, 0, MAX_POINTS["age"]), "location": location, "wage": wage, "hours": hours,
        "hardship": np.where(hardship, MAX_POINTS["hardship"], 0),
    }
    total = np.sum(np.vstack(list(parts.values())), axis=0)
    excluded = {"年龄不符": outside_age, "学历不足": below, "缺必备证书": missing_cert}
    return _Scored(total=total, parts=parts, excluded=excluded)


__all__ = [
    "Match", "Seeker", "VacancyFrame", "build_frame", "vacancy_frame", "invalidate_cache", "seeker_for",
    "score_vacancies", "score_persons", "vacancies_for_person", "persons_for_vacancy", "occupation_points",
    "occupation_relation", "MAX_POINTS",
]
