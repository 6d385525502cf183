"""Transparency figures, per month (DSA Art. 15 and 24): notices received and by ground,
decisions by measure and by ground, the share taken automatically, appeals and their
outcomes, and the median time from a notice to its decision. Five queries whatever the
number of rows; the admin shows them and gives them as CSV."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median

from django.db.models import Count
from django.db.models.functions import TruncMonth

from comments.models import NOTICE_GROUNDS, Appeal, Notice, Statement

_GROUNDS = dict(NOTICE_GROUNDS)


@dataclass
class Month:
    month: datetime
    notices: int = 0
    notices_by_ground: dict[str, int] = field(default_factory=dict)
    decisions: int = 0
    by_measure: dict[str, int] = field(default_factory=dict)
    by_ground: dict[str, int] = field(default_factory=dict)
    automated: int = 0
    appeals: int = 0
    appeals_by_outcome: dict[str, int] = field(default_factory=dict)
    notice_hours: list[float] = field(default_factory=list)

    @property
    def label(self) -> str:
        return f"{self.month:%Y-%m}"

    @property
    def automated_share(self) -> float | None:
        """Percent of decisions taken fully automatically."""
        return round(100 * self.automated / self.decisions, 1) if self.decisions else None

    @property
    def median_hours(self) -> float | None:
        """Median hours from a notice (received this month) to its decision."""
        return round(median(self.notice_hours), 1) if self.notice_hours else None

    def named(self, counts: dict[str, int], labels: dict[str, str]) -> list[tuple[str, int]]:
        return sorted(((labels.get(k, k), n) for k, n in counts.items()), key=lambda x: -x[1])

    @property
    def notice_grounds(self):
        return self.named(self.notices_by_ground, _GROUNDS)

    @property
    def measures(self):
        return self.named(self.by_measure, dict(Statement.Measure.choices))

    @property
    def grounds(self):
        return self.named(self.by_ground, dict(Statement.Ground.choices))

    @property
    def outcomes(self):
        return self.named(self.appeals_by_outcome, dict(Appeal.State.choices))


def _by_month(queryset, *fields: str):
    return (
        queryset.annotate(month=TruncMonth("created_at"))
        .values("month", *fields)
        .annotate(n=Count("id"))
        .order_by()
    )


def figures() -> list[Month]:
    """Every month with anything to count, newest first."""
    months: dict[datetime, Month] = {}

    def at(value: datetime) -> Month:
        key = value.replace(tzinfo=None) if value is not None else None
        if key not in months:
            months[key] = Month(key)
        return months[key]

    for row in _by_month(Notice.objects.all(), "ground"):
        month = at(row["month"])
        month.notices += row["n"]
        month.notices_by_ground[row["ground"]] = row["n"]
    for row in _by_month(Statement.objects.all(), "measure", "ground", "automated_decision"):
        month = at(row["month"])
        month.decisions += row["n"]
        month.by_measure[row["measure"]] = month.by_measure.get(row["measure"], 0) + row["n"]
        month.by_ground[row["ground"]] = month.by_ground.get(row["ground"], 0) + row["n"]
        if row["automated_decision"] == Statement.Automation.FULLY:
            month.automated += row["n"]
    for row in _by_month(Appeal.objects.all(), "state"):
        month = at(row["month"])
        month.appeals += row["n"]
        month.appeals_by_outcome[row["state"]] = row["n"]
    decided = Notice.objects.filter(decided_at__isnull=False).annotate(
        month=TruncMonth("created_at")
    )
    for month_start, created, decided_at in decided.values_list(
        "month", "created_at", "decided_at"
    ):
        at(month_start).notice_hours.append((decided_at - created).total_seconds() / 3600)
    return [months[key] for key in sorted(months, reverse=True)]


def as_csv(report: list[Month]) -> str:
    """One row per month and figure: month, figure, group, value."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["month", "figure", "group", "value"])
    for month in report:
        rows = [("notices received", "", month.notices)]
        rows += [("notices by ground", label, n) for label, n in month.notice_grounds]
        rows += [("decisions", "", month.decisions)]
        rows += [("decisions by measure", label, n) for label, n in month.measures]
        rows += [("decisions by ground", label, n) for label, n in month.grounds]
        rows += [("automated decisions (%)", "", _blank(month.automated_share))]
        rows += [("appeals", "", month.appeals)]
        rows += [("appeals by outcome", label, n) for label, n in month.outcomes]
        rows += [("median hours from notice to decision", "", _blank(month.median_hours))]
        writer.writerows([month.label, *row] for row in rows)
    return out.getvalue()


def _blank(value) -> str:
    return "" if value is None else str(value)
