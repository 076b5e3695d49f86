"""The public notice board (公示牌) of one community: counts only, small counts masked.

Everything is computed set-wise from the standards engine's context for the one
community (one query per table), as of the day asked: the labour force, the
employed, the registered unemployed, zero-employment households now and those
eliminated this calendar year, and the eight standards. No name, ID number or
household number ever leaves this module; any count from 1 to 4 is shown as "<5".
The poster is the same board as an A3 PDF made with WeasyPrint (pango and a CJK
font are needed: where they are missing, ``poster_missing`` says what to install).
"""

import datetime as dt

import numpy as np
from django.conf import settings
from django.template.loader import render_to_string

from jiuye.accounts.models import Role, User
from jiuye.divisions.models import Division, Level
from jiuye.oversight.pdf import html_to_pdf, missing_prerequisites
from jiuye.standards.context import UNEMPLOYED, load_context, resident_at, status_at_d
from jiuye.standards.dates import to_day
from jiuye.standards.evaluate import RULES
from jiuye.standards.parameters import load_parameters
from jiuye.standards.rules import s1
from jiuye.standards.zero_employment import episodes

MASK_BELOW = 5
STANDARD_KEYS = ("s1", "s2", "s3", "s4", "s5", "s6", "s7", "s8")


def masked(count: int) -> str:
    """A count as published: 0 and 5 or more as they are, 1 to 4 as "<5"."""
    count = int(count)
    return f"<{MASK_BELOW}" if 0 < count < MASK_BELOW else str(count)


def _contacts(code: str) -> list[dict]:
    """The community's workers to contact: given name only (a public page never shows a login name:
    without a given name, the role); a phone only if configured."""
    users = User.objects.filter(role=Role.COMMUNITY, scope__code=code, is_active=True).order_by("username")
    contacts = []
    for user in users:
        phone = (getattr(user, "contact_phone", "") or "").strip()
        contacts.append({"name": (user.first_name or "").strip() or str(Role.COMMUNITY.label), "phone": phone})
    return contacts


def notice_board(code: str, today: dt.date | None = None) -> dict | None:
    """The board of community ``code`` as of ``today``; None if there is no such community."""
    if not (isinstance(code, str) and len(code) == 12 and code.isdigit()):
        return None
    community = Division.objects.filter(code=code, level=Level.COMMUNITY).select_related("parent").first()
    if community is None:
        return None
    today = today or dt.date.today()
    params = load_parameters()
    ctx = load_context(today, params, prefix=code)
    if ctx.n_communities != 1:
        return None

    mk = s1.masks(ctx)
    labour = int(mk["labour"].sum())
    employed = int(mk["employed"].sum())
    status, _ = status_at_d(ctx)
    r = ctx.registrations
    active = r[(r["registered"] <= ctx.D) & (ctx.D < r["cancelled"])]["person"].unique()
    registered = np.isin(ctx.persons.index.to_numpy(), active) & (status == UNEMPLOYED) & resident_at(ctx, ctx.D)
    ep = episodes(ctx)
    zero_now = int(ep.loc[ep["eliminated"] == ctx.D + 1, "hh"].nunique())
    year_start = to_day(dt.date(today.year, 1, 1))
    eliminated = int(ep.loc[(ep["eliminated"] >= year_start) & (ep["eliminated"] <= ctx.D), "hh"].nunique())

    s1_results, _ = s1.evaluate(ctx)
    results = {"s1": s1_results[0]}
    for name, module in RULES:
        results[name] = module.evaluate(ctx)[0]
    from jiuye.standards.views import LABELS

    labels = dict(LABELS)
    standards = [{"key": key.upper(), "label": labels[key.upper()], "pass": bool(results[key]["pass"])}
                 for key in STANDARD_KEYS]
    counts = {
        "labour_force": labour,
        "employed": employed,
        "registered_unemployed": int(registered.sum()),
        "zero_employment_now": zero_now,
        "zero_employment_eliminated": eliminated,
    }
    return {
        "code": code,
        "name": community.name,
        "street": community.parent.name if community.parent_id else "",
        "city": settings.JIUYE_CITY_NAME,
        "as_of": today.isoformat(),
        "year": today.year,
        "counts": counts,  # raw, for tests and reports; pages show ``shown`` only
        "shown": {key: masked(value) for key, value in counts.items()},
        "mask_label": f"<{MASK_BELOW}",
        "standards": standards,
        "standards_met": sum(1 for s in standards if s["pass"]),
        "all_met": all(s["pass"] for s in standards),
        "contacts": _contacts(code),
    }


# -- the poster ---------------------------------------------------------------------

INSTALL_HINT = "apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"


def poster_missing() -> list[str]:
    """What the poster still needs installed, as commands to run; empty when it can be made."""
    return missing_prerequisites()


def poster_pdf(board: dict) -> bytes:
    """The board as an A3 PDF (WeasyPrint; Chinese text in the system's CJK font)."""
    return html_to_pdf(render_to_string("oversight/notice_poster.html", {"board": board, "poster": True}))
