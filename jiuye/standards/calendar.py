"""The working-day calendar: China's official holidays and adjusted workdays
(the ``chinesecalendar`` package), the deployment's own holiday table (it wins),
and a Monday–Friday fallback, with a warning, for years neither covers."""

import datetime as dt
from importlib import metadata

import chinese_calendar


def package_label() -> str:
    try:
        return f"chinesecalendar {metadata.version('chinesecalendar')}"
    except metadata.PackageNotFoundError:  # pragma: no cover
        return "chinesecalendar"


class WorkdayCalendar:
    def __init__(self, overrides: dict[dt.date, bool] | None = None, complete_years: set[int] | None = None):
        self.overrides = overrides or {}
        self.complete_years = complete_years or set()
        self.fallback_years: set[int] = set()

    @classmethod
    def from_database(cls) -> "WorkdayCalendar":
        from jiuye.standards.models import CalendarYear, Holiday

        return cls(
            dict(Holiday.objects.values_list("date", "is_workday")),
            set(CalendarYear.objects.filter(complete=True).values_list("year", flat=True)),
        )

    def is_workday(self, day: dt.date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        try:
            return chinese_calendar.is_workday(day)
        except NotImplementedError:
            if day.year not in self.complete_years:
                self.fallback_years.add(day.year)
        return day.weekday() < 5

    def nth_workday_after(self, day: dt.date, n: int) -> dt.date:
        """The n-th working day strictly after ``day``."""
        count = 0
        while count < n:
            day += dt.timedelta(days=1)
            if self.is_workday(day):
                count += 1
        return day

    def warnings(self) -> list[str]:
        return [
            f"{year} 年无官方节假日数据，按周一至周五计算工作日 / no holiday data for {year}: "
            "working days fall back to Monday–Friday"
            for year in sorted(self.fallback_years)
        ]
