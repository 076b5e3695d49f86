import datetime as dt

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jiuye.standards.selectors import community_standing, standing_for_user

LABELS = [
    ("S1", _("Employment rate ≥ 95%")),
    ("S2", _("Zero-employment households cleared within a month")),
    ("S3", _("低保 members able to work: not employed ≤ 30%")),
    ("S4", _("Vocational guidance within 3 working days")),
    ("S5", _("No long-term unemployed among the registered")),
    ("S6", _("Policies, targets, complaints")),
    ("S7", _("Everyone unemployed is active; migrant workers served")),
    ("S8", _("Organization in place")),
]

EARLIEST = dt.date(2000, 1, 1)


def as_of_from(request, today: dt.date) -> tuple[dt.date, str | None]:
    """The page's "as of" day from ``?as_of=YYYY-MM-DD`` (default today), and what is wrong with
    it (then today is used): not a date, after today, or before 2000."""
    value = (request.GET.get("as_of") or "").strip()
    if not value:
        return today, None
    try:
        day = dt.date.fromisoformat(value)
    except ValueError:
        return today, gettext("Give the date as YYYY-MM-DD, e.g. %(example)s.") % {"example": today.isoformat()}
    if day > today:
        return today, gettext("%(day)s is after today: the standards are evaluated up to today.") % {"day": value}
    if day < EARLIEST:
        return today, gettext("Give a date from %(earliest)s on.") % {"earliest": EARLIEST.isoformat()}
    return day, None


def _as_of_context(request, today: dt.date, as_of: dt.date, error: str | None) -> dict:
    return {
        "today": today.isoformat(),
        "as_of_value": request.GET.get("as_of", "") if error else (as_of.isoformat() if as_of != today else ""),
        "as_of_error": error,
        "past": as_of < today,
        "query": f"?as_of={as_of.isoformat()}" if as_of != today else "",
    }


@login_required
def standing(request):
    today = dt.date.today()
    as_of, error = as_of_from(request, today)
    result = standing_for_user(request.user, as_of)
    return render(request, "standards/standing.html", {
        "result": result, "labels": LABELS, **_as_of_context(request, today, as_of, error),
    }, status=400 if error else 200)


@login_required
def community(request, code: str):
    today = dt.date.today()
    as_of, error = as_of_from(request, today)
    result = community_standing(request.user, code, as_of)
    if result is None:
        raise Http404
    rows = [
        {"key": key, "label": label, "result": result["community"]["standards"][key.lower()],
         "explain": result["community"].get("explain", {}).get(key.lower(), [])}
        for key, label in LABELS
    ]
    return render(request, "standards/community.html", {
        "result": result, "rows": rows, **_as_of_context(request, today, as_of, error),
    }, status=400 if error else 200)
