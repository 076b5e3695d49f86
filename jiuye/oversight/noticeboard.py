"""The public notice board (公示牌) of one community: counts only, small counts masked.

Everything is computed set-wise from the standards engine's context for the one
community (one query per table), as of the day asked: the labour force, the
employed, the registered unemployed, zero-employment households now and those
eliminated this calendar year, and the eight standards. No name, ID number or
household number ever leaves this module; any count from 1 to 4 is shown as "<5".
Beside the figures the board is an official document: the district and street in the
heading, the contact and the public-notice period (公示期) set by the community
(``NoticeContact``), the supervision line set by the district (``NoticeSupervision``) and
the issuing body. The poster is the same board as an A3 PDF made with WeasyPrint (pango and a CJK
font are needed: where they are missing, ``poster_missing`` says what to install).
"""

import datetime as dt

import numpy as np
from django.conf import settings
from django.template.loader import render_to_string

from jiuye.accounts.models import Role, User
from jiuye.divisions.models import Division, Level
from jiuye.oversight.models import NoticeContact, NoticeSupervision
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


def _worker_contacts(code: str) -> list[dict]:
    """Without a contact set by the community: its workers' given names (a public page never shows
    a login name: a worker without a given name is left out), no phone."""
    names = (User.objects.filter(role=Role.COMMUNITY, scope__code=code, is_active=True)
             .order_by("username").values_list("first_name", flat=True))
    return [{"name": name.strip(), "phone": ""} for name in names if (name or "").strip()]


def _period(contact, today: dt.date) -> dict | None:
    if contact is None or contact.period_start is None:
        return None
    start, end = contact.period_start, contact.period_end or contact.period_start
    state = "upcoming" if today < start else ("ended" if today > end else "current")
    return {"start": start.isoformat(), "end": end.isoformat(), "state": state, "days": (end - start).days + 1}


def notice_board(code: str, today: dt.date | None = None) -> dict | None:
    """The board of community ``code`` on ``today``; None if there is no such community.

    The figures are as of the first day of the public-notice period (公示期) the community
    set, once it has begun (the document as published, the same all through the period);
    otherwise as of ``today`` (a standing board, updated daily).
    """
    if not (isinstance(code, str) and len(code) == 12 and code.isdigit()):
        return None
    community = Division.objects.filter(code=code, level=Level.COMMUNITY).select_related("parent").first()
    if community is None:
        return None
    today = today or dt.date.today()
    contact = NoticeContact.objects.filter(community=community).first()
    period = _period(contact, today)
    as_of = dt.date.fromisoformat(period["start"]) if period and period["state"] != "upcoming" else today
    params = load_parameters()
    ctx = load_context(as_of, params, prefix=code)
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
    year_start = to_day(dt.date(as_of.year, 1, 1))
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
    district = Division.objects.filter(code=code[:6], level=Level.DISTRICT).first()
    supervision = NoticeSupervision.objects.filter(district__code=code[:6]).first()
    district_name = district.name if district else ""
    if contact is not None:
        contacts = [{"name": contact.contact_name, "phone": contact.station_phone}]
    else:
        contacts = _worker_contacts(code)
    return {
        "code": code,
        "name": community.name,
        "street": community.parent.name if community.parent_id else "",
        "district": district_name,
        "city": settings.JIUYE_CITY_NAME,
        "today": today.isoformat(),
        "as_of": as_of.isoformat(),
        "year": as_of.year,
        "period": period,
        "counts": counts,  # raw, for tests and reports; pages show ``shown`` only
        "shown": {key: masked(value) for key, value in counts.items()},
        "mask_label": f"<{MASK_BELOW}",
        "standards": standards,
        "standards_met": sum(1 for s in standards if s["pass"]),
        "all_met": all(s["pass"] for s in standards),
        "contacts": contacts,
        "contact_set": contact is not None,
        "supervision": {
            "phone": supervision.phone if supervision else "",
            "body": (supervision.body if supervision and supervision.body else default_supervisor(district_name)),
        },
        "issuer": (contact.issuer if contact and contact.issuer else default_issuer(community.name)),
        "issued_on": period["start"] if period else as_of.isoformat(),
    }


def default_issuer(community_name: str) -> str:
    """The body that issues a community's notice when the community names none: its residents' committee."""
    return f"{community_name}居民委员会"


def default_supervisor(district_name: str) -> str:
    """Who answers the supervision line when the district names nobody: its labour bureau."""
    return f"{district_name}人力资源和社会保障局" if district_name else ""


# -- the poster ---------------------------------------------------------------------

INSTALL_HINT = "apt-get install fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0"


def poster_missing() -> list[str]:
    """What the poster still needs installed, as commands to run; empty when it can be made."""
    return missing_prerequisites()


def poster_pdf(board: dict) -> bytes:
    """The board as an A3 PDF (WeasyPrint; Chinese text in the system's CJK font)."""
    return html_to_pdf(render_to_string("oversight/notice_poster.html", {"board": board, "poster": True}))
