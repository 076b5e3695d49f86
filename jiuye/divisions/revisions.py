"""Revisions of the register, and the cache of computed pages keyed by them.

Every write to a community's register moves that community's revision on, in the same
transaction (:func:`register_changed`: the services call it through their audit helper, the
importer once at its end, restore and the policy tables through :func:`policy_changed`). A
page computed for a scope (a community, a street, the city) is cached under the sum of the
revisions of every division inside the scope and of every division containing it, ``""``
(the policy tables) included: any write there makes the sum grow, so the next view misses the
cache and recomputes. The key also holds the page kind, the day and whatever else the cached
data depend on (the language of rendered text); what a viewer may see is applied after the
cache (the cached data hold no full ID or phone number).

The revision is read before the data the page computes, so data cached under a revision are at
least as new as it. ``docs/decisions.md``, "Cached pages".
"""

import datetime as dt
import threading
import time

from django.core.cache import caches
from django.core.signals import request_finished, request_started
from django.db import transaction
from django.db.models import F, Q, Sum
from django.dispatch import Signal

from jiuye.divisions.models import Revision

CACHE = "pages"
TIMEOUT = 26 * 3600  # a day's pages, whatever the hour they were first computed
POLICY = ""

# The revisions read during one request (a thread serves one request at a time): a page that
# reads several cached parts of one scope sums its revisions once. Outside a request (the CLI,
# the tasks) nothing is kept; any write through this module forgets what was read.
_request = threading.local()


def _request_began(**kwargs) -> None:
    _request.seen = {}


def _request_ended(**kwargs) -> None:
    _request.seen = None


request_started.connect(_request_began, dispatch_uid="jiuye-revisions-begin")
request_finished.connect(_request_ended, dispatch_uid="jiuye-revisions-end")


def _forget() -> None:
    if getattr(_request, "seen", None):
        _request.seen = {}


def register_changed(codes) -> None:
    """The registers of these divisions changed (a code, or an iterable of codes)."""
    if isinstance(codes, str):
        codes = [codes]
    codes = sorted({c or POLICY for c in codes if c is not None})
    if not codes:
        return
    _forget()
    with transaction.atomic():
        moved = Revision.objects.filter(key__in=codes).update(n=F("n") + 1)
        if moved < len(codes):
            missing = set(codes) - set(Revision.objects.filter(key__in=codes).values_list("key", flat=True))
            Revision.objects.bulk_create([Revision(key=c, n=0) for c in sorted(missing)], ignore_conflicts=True)
            Revision.objects.filter(key__in=missing).update(n=F("n") + 1)


# Sent once an import's writes are committed (and the planner's statistics updated), with the
# scope it replaced (``scope``: a division-code prefix, "" for the city): the background work
# above (``jiuye.tasks``) prepares the scope's pages of the day before its workers open them.
register_imported = Signal()


def register_imported_send(scope: str) -> None:
    """Send ``register_imported`` when the transaction in progress (if any) commits."""
    transaction.on_commit(lambda: register_imported.send(sender=None, scope=scope or ""))


def policy_changed(*, jump: bool = False) -> None:
    """Policy parameters, holidays or the calendar changed: every page is out of date.

    ``jump`` (after a restore): move on past any revision the discarded data ever reached, so
    that no page cached before the restore is taken for one of the restored data."""
    register_changed(POLICY)
    if jump:
        _forget()
        Revision.objects.filter(key=POLICY).update(n=F("n") + int(time.time() * 1000))


def revision(prefix: str) -> int:
    """The revision of a scope (a division-code prefix, ``""`` for the city), read once a request."""
    seen = getattr(_request, "seen", None)
    if seen is not None and prefix in seen:
        return seen[prefix]
    ancestors = [prefix[:k] for k in range(len(prefix))]
    total = Revision.objects.filter(Q(key__startswith=prefix) | Q(key__in=ancestors)).aggregate(n=Sum("n"))["n"]
    total = int(total or 0)
    if seen is not None:
        seen[prefix] = total
    return total


def cacheable(prefix) -> bool:
    return prefix is not None and (prefix == "" or prefix.isdigit())


def cached(kind: str, prefix: str, day: dt.date, compute, *extra):
    """``compute()`` for this scope, day and revision: computed once, then read from the cache.

    ``extra``: what else the result depends on (a community code, the language, the viewer)."""
    if not cacheable(prefix):
        return compute()
    key = ":".join(["page", kind, prefix or "-", day.isoformat(), str(revision(prefix)), *map(str, extra)])
    cache = caches[CACHE]
    found = cache.get(key)
    if found is not None:
        return found
    value = compute()
    cache.set(key, value, TIMEOUT)
    return value


class PagesOutOfDateAdmin:
    """A ``ModelAdmin`` mixin: a change made in the admin (which goes round the services) puts
    every cached page out of date, as a change of the policy tables does."""

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        policy_changed()

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        policy_changed()

    def delete_model(self, request, obj):
        super().delete_model(request, obj)
        policy_changed()

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        policy_changed()
