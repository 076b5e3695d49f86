"""Reads of the register for the pages: always through the scoped managers."""

import functools
import re

from jiuye.registry import models as m
from jiuye.registry.crypto import phone_digits
from jiuye.registry.rules import idnumber

_ID_RE = re.compile(r"^\d{17}[\dXx]$", re.ASCII)
_DIGITS_RE = re.compile(r"^\d{4,}$", re.ASCII)
_LETTERS_RE = re.compile(r"^[A-Za-z]{1,10}$", re.ASCII)


@functools.lru_cache(maxsize=200_000)
def initials(name: str) -> str:
    """Pinyin initials of a Chinese name, lower case (张建国 → zjg)."""
    from pypinyin import Style, lazy_pinyin  # 0.3 s to load its dictionaries: not at start-up

    return "".join(p[0] for p in lazy_pinyin(name, style=Style.FIRST_LETTER) if p).lower()


_ANY_DIGIT_RE = re.compile(r"[0-9０-９]")
# Full-width digits and X, as a Chinese input method types them, are searched as ASCII.
_FULL_WIDTH = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)}, "Ｘ": "X", "ｘ": "x", "\u3000": " "})


def carries_number(query: str) -> bool:
    """Whether a search text holds (or may hold) an ID number or a phone number, or its last digits:
    4 or more digits, ASCII or full-width, wherever they are (``138 1234-5678`` too).

    Such a query is never sent in a URL (it would stay in access logs, proxies and the
    browser's history): the search form and the API send it in the request body.
    """
    return len(_ANY_DIGIT_RE.findall(query or "")) >= 4


def person_by_id_number(user, id_number: str):
    """The person with this full ID number, if the user may see them (else None)."""
    return m.Person.objects.for_user(user).with_id_number(idnumber.normalize(id_number)).first()


def person_search(user, query: str, limit: int = 50):
    """Persons the user may see, by name, pinyin initials, full ID number or phone."""
    people = m.Person.objects.for_user(user).select_related("household", "household__community")
    query = (query or "").translate(_FULL_WIDTH).strip()
    if not query or "\x00" in query:  # a NUL is no name (and PostgreSQL refuses it in a query)
        return people.none()
    if _ID_RE.match(query):
        return people.with_id_number(idnumber.normalize(query))[:limit]
    if _DIGITS_RE.match(query):
        exact = people.with_phone(query)
        if len(query) >= 7 or getattr(user, "role", "") != "community":
            return exact[:limit]
        # The last digits of a phone: phones are encrypted, so a community worker's own
        # community (a few thousand people) is decrypted and matched here.
        matches = [pk for pk, phone in people.exclude(phone_hash="").values_list("pk", "phone").iterator(chunk_size=5000)
                   if phone_digits(phone).endswith(query)][:limit]
        return people.filter(pk__in=matches)
    if _LETTERS_RE.match(query):
        wanted = query.lower()
        # Initials are computed for the user's own scope only (a community is a few thousand people).
        matches = [pk for pk, name in people.values_list("pk", "name").iterator(chunk_size=5000)
                   if initials(name).startswith(wanted)][:limit]
        return people.filter(pk__in=matches)
    return people.filter(name__contains=query)[:limit]


def person_detail(user, pk: int):
    """The person with the full dated history, or DoesNotExist if outside the scope.

    The person is read on every view (what the viewer may see of their ID is applied then);
    the lists below are read once per day and revision of their community's register
    (``divisions/revisions.py``) and hold no ID or phone number: the change history is kept as
    the date, kind and user of each change, not the historical records (which carry them)."""
    import datetime as dt

    from django.utils.translation import get_language

    from jiuye.divisions.revisions import cached

    person = m.Person.objects.for_user(user).select_related("household", "household__community").get(pk=pk)

    def lists() -> dict:
        history = person.history.select_related("history_user").only(
            "history_id", "history_date", "history_type", "history_user__username").order_by("-history_date")[:50]
        def rows(queryset) -> list:
            rows = list(queryset)
            for row in rows:  # each row knows its person, decrypted numbers and all: not in the cache
                row._state.fields_cache.pop("person", None)
            return rows

        return {
            "statuses": rows(person.statuses.order_by("-start")),
            "registrations": rows(person.registrations.order_by("-registered_on")),
            "services": rows(person.services.order_by("-date", "-id")[:200]),
            "trainings": rows(person.trainings.order_by("-start")),
            "benefits": rows(person.benefits.order_by("-start")),
            "history": [{"history_date": h.history_date, "get_history_type_display": str(h.get_history_type_display()),
                         "history_user": {"username": h.history_user.username if h.history_user else ""}}
                        for h in history],
        }

    return {"person": person, **cached("person", person.household.community.code, dt.date.today(), lists, pk,
                                       get_language())}


def household_detail(user, pk: int):
    household = m.Household.objects.for_user(user).select_related("community").get(pk=pk)
    return {
        "household": household,
        "members": list(household.members.order_by("relation", "birth_date")),
        "dibao": list(household.dibao.order_by("-start")),
        "zero_cases": list(household.zero_cases.prefetch_related("actions").order_by("-detected_on")),
    }


def household_page(user, pk: int):
    """What the household page shows: the household (if the user may see it: else DoesNotExist)
    with its members (IDs masked), 低保 and zero-employment cases, read once per day and revision
    of its community's register (``divisions/revisions.py``)."""
    import datetime as dt

    from jiuye.divisions.revisions import cached

    household = m.Household.objects.for_user(user).select_related("community").get(pk=pk)

    def detail() -> dict:
        members = household.members.order_by("relation", "birth_date").only(
            "pk", "name", "relation", "sex", "birth_date", "id_number", "household_id")
        return {
            # What the page shows of each member: no full ID or phone number in the cache.
            "members": [{"pk": p.pk, "name": p.name, "relation": p.relation, "sex": p.sex,
                         "birth_date": p.birth_date, "id_number": idnumber.mask(p.id_number)} for p in members],
            "dibao": list(household.dibao.order_by("-start")),
            "zero_cases": list(household.zero_cases.prefetch_related("actions").order_by("-detected_on")),
        }

    return {"household": household, **cached("household", household.community.code, dt.date.today(), detail, pk)}
