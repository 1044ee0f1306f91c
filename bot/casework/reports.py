"""Casework reports over a period: suspects, confirmations, takedowns, time to removal, per store and brand.

``compute_report`` is a pure function over case rows and timeline events; ``load_report`` reads them from the
database; ``render_text``/``render_csv``/``render_chart`` present the result. Every figure is defined in
``DEFINITIONS`` (and the README) so that anyone can recount it from the timeline.
"""

from __future__ import annotations

import io
import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, tzinfo
from typing import Any

import sqlite_utils

from bot.casework.casefacts import STORE_NAMES_EN, STORE_NAMES_ZH
from bot.core.clock import DEFAULT_ZONE, local_time, parse_time, zone_label
from bot.core.csvsafe import SafeWriter
from bot.core.i18n import t

FIGURES = (
    "new_suspects",
    "confirmed",
    "false_positives",
    "takedowns_requested",
    "takedowns_verified",
    "police_reports",
    "relistings",
)

DEFINITIONS: dict[str, str] = {
    "period": (
        "From 00:00 in the team's time zone (FAKEAPP_TIMEZONE, default Asia/Taipei) on --since up to, not"
        " including, 00:00 on --until"
        " (default: now). An event counts when its timeline time falls in the period."
    ),
    "new_suspects": (
        "Cases opened in the period (timeline action `open`): each impersonating or "
        "suspicious listing, or non-official APK, gets one case."
    ),
    "confirmed": (
        "Distinct cases whose state was set to `confirmed` in the period (by 確認假冒, or "
        "implicitly by requesting a takedown or filing a police report)."
    ),
    "false_positives": (
        "Distinct cases whose state was set to `false_positive` in the period (誤報 or allow-list)."
    ),
    "takedowns_requested": (
        "Takedown requests recorded in the period (timeline action `takedown`; a re-sent "
        "request counts again)."
    ),
    "takedowns_verified": (
        "Requested takedowns a scan confirmed in the period: the app was no longer listed"
        " after a request (timeline action `removed`, written by the scan, never by a "
        "person)."
    ),
    "time_to_removal": (
        "For each verified takedown in the period: from the first sighting of that "
        "listing episode (the listing's first_seen, or the `relisted` time for an app "
        "that came back) to the scan that saw it gone, in hours. Reported as the median "
        "(statistics.median: mean of the two middle values for an even count) and the "
        "90th percentile by nearest rank (the ceil(0.9 n)-th smallest value). The true "
        "removal happened between the previous scan and this one, so the figure "
        "overstates it by at most one scan interval."
    ),
    "police_reports": ("Police / 165 reports recorded in the period (timeline action `police`)."),
    "relistings": (
        "Apps seen listed again after they had been removed or their case resolved "
        "(timeline action `relisted`)."
    ),
    "per_store_brand": (
        "Each figure is also split by the case's store (Google Play, App Store, Aptoide, Galaxy Store, APK) "
        "and brand."
    ),
}


@dataclass
class Figures:
    """The figures of one group of cases (all, one store or one brand) over the report's period."""

    new_suspects: int = 0
    confirmed: int = 0
    false_positives: int = 0
    takedowns_requested: int = 0
    takedowns_verified: int = 0
    police_reports: int = 0
    relistings: int = 0
    removal_hours: list[float] = field(default_factory=list)

    @property
    def median_hours(self) -> float | None:
        return statistics.median(self.removal_hours) if self.removal_hours else None

    @property
    def p90_hours(self) -> float | None:
        return nearest_rank(self.removal_hours, 0.9)

    def as_dict(self) -> dict[str, Any]:
        d: dict[str, Any] = {f: getattr(self, f) for f in FIGURES}
        d["median_hours_to_removal"] = _round(self.median_hours)
        d["p90_hours_to_removal"] = _round(self.p90_hours)
        return d


@dataclass
class Report:
    """A casework report over one period: totals, per store and brand, per day, and removal times."""

    since: datetime
    until: datetime
    total: Figures
    by_store: dict[str, Figures]
    by_brand: dict[str, Figures]
    daily: list[tuple[date, int, int, int]]  # Taiwan date, new suspects, confirmed, verified takedowns
    removals: list[tuple[str, str, float]]  # (store, brand, hours) for the chart
    tz: tzinfo = DEFAULT_ZONE  # the team's zone: days are counted and times shown in it


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The ceil(q·n)-th smallest value (nearest-rank percentile), None for no values."""
    if not values:
        return None
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def _round(v: float | None) -> float | None:
    return None if v is None else round(v, 1)


def day_start(d: date, tz: tzinfo = DEFAULT_ZONE) -> datetime:
    """00:00 on ``d`` in the team's zone, as an aware datetime."""
    return datetime(d.year, d.month, d.day, tzinfo=tz)


def period_for(name: str, now: datetime) -> tuple[datetime, datetime]:
    """``week`` = the 7 days up to now, ``month`` = the 30 days up to now."""
    days = {"week": 7, "month": 30}.get(name)
    if days is None:
        raise ValueError(f"unknown period {name!r} (week or month)")
    return now - timedelta(days=days), now


def _groups(events: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One item per action: an action changing several fields writes one event row per field."""
    out: list[dict[str, Any]] = []
    seen: dict[tuple[Any, ...], dict[str, Any]] = {}
    for e in events:
        k = (e["case_id"], e["at"], e["action"], e["actor"])
        g = seen.get(k)
        if g is None:
            g = {"case_id": e["case_id"], "at": e["at"], "action": e["action"], "fields": {}}
            seen[k] = g
            out.append(g)
        if e.get("field"):
            g["fields"][e["field"]] = e.get("new") or ""
    return out


@dataclass
class _Tally:
    """The report being counted: each case's buckets (all, its store, its brand), the daily series and the
    timed removals, and the cases already counted once (confirmations and false positives count once)."""

    cases: Mapping[int, Mapping[str, Any]]
    tz: tzinfo
    total: Figures = field(default_factory=Figures)
    by_store: dict[str, Figures] = field(default_factory=dict)
    by_brand: dict[str, Figures] = field(default_factory=dict)
    daily: dict[date, list[int]] = field(default_factory=dict)  # new suspects, confirmed, verified takedowns
    removals: list[tuple[str, str, float]] = field(default_factory=list)
    confirmed_seen: set[int] = field(default_factory=set)
    fp_seen: set[int] = field(default_factory=set)

    def where(self, case_id: int) -> tuple[str, str]:
        """The case's store and brand ("unknown" when the case row or the value is missing)."""
        c = self.cases.get(case_id, {})
        return str(c.get("store") or "unknown"), str(c.get("brand") or "unknown")

    def buckets(self, case_id: int) -> list[Figures]:
        """The figures a case's event counts in: the total, its store's and its brand's."""
        store, brand = self.where(case_id)
        return [
            self.total,
            self.by_store.setdefault(store, Figures()),
            self.by_brand.setdefault(brand, Figures()),
        ]

    def day(self, t: datetime) -> list[int]:
        """The daily counts of the day ``t`` falls on in the team's zone."""
        return self.daily.setdefault(t.astimezone(self.tz).date(), [0, 0, 0])


def _episode_starts(
    cases: Mapping[int, Mapping[str, Any]], first_seen: Mapping[str, str]
) -> dict[int, datetime]:
    """When each case's first listing episode began: its listing's first sighting, else the case's opening."""
    starts: dict[int, datetime] = {}
    for cid, c in cases.items():
        start = parse_time(first_seen.get(str(c.get("listing_key") or ""), "")) or parse_time(
            str(c.get("opened_at") or "")
        )
        if start:
            starts[cid] = start
    return starts


def _count_action(tally: _Tally, buckets: list[Figures], action: str, t: datetime) -> None:
    """What one timeline action counts as: a case opened, a takedown asked for, a police report, a return."""
    for b in buckets:
        if action == "open":
            b.new_suspects += 1
        elif action == "takedown":
            b.takedowns_requested += 1
        elif action == "police":
            b.police_reports += 1
        elif action == "relisted":
            b.relistings += 1
    if action == "open":
        tally.day(t)[0] += 1


def _count_state(tally: _Tally, buckets: list[Figures], cid: int, state: str, t: datetime) -> None:
    """A state set to confirmed or false positive: counted the first time in the period for each case."""
    if state == "confirmed" and cid not in tally.confirmed_seen:
        tally.confirmed_seen.add(cid)
        for b in buckets:
            b.confirmed += 1
        tally.day(t)[1] += 1
    if state == "false_positive" and cid not in tally.fp_seen:
        tally.fp_seen.add(cid)
        for b in buckets:
            b.false_positives += 1


def _count_removal(
    tally: _Tally, buckets: list[Figures], cid: int, t: datetime, start: datetime | None
) -> None:
    """A verified takedown, timed from the start of its listing episode when that is known."""
    hours = (t - start).total_seconds() / 3600 if start else None
    for b in buckets:
        b.takedowns_verified += 1
        if hours is not None:
            b.removal_hours.append(hours)
    tally.day(t)[2] += 1
    if hours is not None:
        tally.removals.append((*tally.where(cid), hours))


def _daily_span(
    daily: Mapping[date, list[int]], since: datetime, until: datetime, tz: tzinfo
) -> list[tuple[date, int, int, int]]:
    """Every day of the period in the team's zone (at most 400), with its counts (zeros on a quiet day)."""
    first_day = since.astimezone(tz).date()
    last_day = (until - timedelta(microseconds=1)).astimezone(tz).date()
    span: list[tuple[date, int, int, int]] = []
    d = first_day
    while d <= last_day and len(span) < 400:
        v = daily.get(d, [0, 0, 0])
        span.append((d, v[0], v[1], v[2]))
        d += timedelta(days=1)
    return span


def compute_report(
    cases: Sequence[Mapping[str, Any]],
    events: Sequence[Mapping[str, Any]],
    since: datetime,
    until: datetime,
    first_seen: Mapping[str, str] | None = None,
    tz: tzinfo = DEFAULT_ZONE,
) -> Report:
    """The report for [since, until) from case rows, their timeline rows, and listings' first_seen by key."""
    tally = _Tally({int(c["id"]): c for c in cases}, tz)
    episode_start = _episode_starts(tally.cases, first_seen or {})
    for g in sorted(_groups(events), key=lambda g: (str(g["at"]), int(g["case_id"]))):
        cid = int(g["case_id"])
        t = parse_time(str(g["at"]))
        if t is None:
            continue
        action = g["action"]
        if action == "relisted":
            # A comeback starts a new episode: its removal time counts from here, whatever the period.
            episode_start[cid] = t
        if not (since <= t < until):
            continue
        buckets = tally.buckets(cid)
        _count_action(tally, buckets, action, t)
        _count_state(tally, buckets, cid, str(g["fields"].get("state") or ""), t)
        if action == "removed":
            _count_removal(tally, buckets, cid, t, episode_start.get(cid))
    return Report(
        since=since,
        until=until,
        total=tally.total,
        by_store=dict(sorted(tally.by_store.items())),
        by_brand=dict(sorted(tally.by_brand.items())),
        daily=_daily_span(tally.daily, since, until, tz),
        removals=tally.removals,
        tz=tz,
    )


def load_report(
    db: sqlite_utils.Database, since: datetime, until: datetime, tz: tzinfo = DEFAULT_ZONE
) -> Report:
    """Read cases, their timelines and listings' first sightings, and compute the report."""
    cases = [dict(r) for r in db.query("SELECT id, brand, store, listing_key, opened_at FROM cases")]
    events = [
        dict(r)
        for r in db.query(
            "SELECT case_id, at, actor, action, field, new FROM case_events WHERE action IN"
            " ('open', 'confirm', 'false_positive', 'allow', 'takedown', 'police', 'removed', 'relisted')"
            " OR field = 'state' ORDER BY id"
        )
    ]
    first_seen = {
        str(r["key"]): str(r["first_seen"] or "")
        for r in db.query("SELECT l.key, l.first_seen FROM listings l JOIN cases c ON c.listing_key = l.key")
    }
    return compute_report(cases, events, since, until, first_seen, tz)


def _fmt_times(median: float | None, p90: float | None, lang: str) -> tuple[str, str]:
    """Median and P90 of one figure in one unit (days when the longer is two days or more, else hours)."""
    present = [h for h in (median, p90) if h is not None]
    days = bool(present) and max(present) >= 48

    def one(h: float | None) -> str:
        if h is None:
            return "—"
        if days:
            return t(lang, "report.days", n=f"{h / 24:.1f}")
        return t(lang, "report.hours", n=f"{h:.1f}")

    return one(median), one(p90)


def render_text(report: Report, lang: str = "zh", names: Mapping[str, str] | None = None) -> str:
    """A plain-text report; stores and brands by display name (``names``: brand id -> display name)."""
    lang = "zh" if lang == "zh" else "en"
    comma = t(lang, "report.sep")
    stores = STORE_NAMES_ZH if lang == "zh" else STORE_NAMES_EN
    brands = dict(names or {})
    since = report.since.astimezone(report.tz).strftime("%Y-%m-%d %H:%M")
    until = local_time(report.until, report.tz)

    def figure(f: str) -> str:
        return t(lang, f"report.figure.{f}")

    lines = [t(lang, "report.title", since=since, until=until), ""]
    for f in FIGURES:
        lines.append(t(lang, "report.line", name=figure(f), value=getattr(report.total, f)))
    total = report.total
    med, p90 = _fmt_times(total.median_hours, total.p90_hours, lang)
    lines.append(t(lang, "report.removal", median=med, p90=p90, n=len(total.removal_hours)))
    for title, part, shown in (
        (t(lang, "report.by_store"), report.by_store, stores),
        (t(lang, "report.by_brand"), report.by_brand, brands),
    ):
        if not part:
            continue
        lines += ["", title]
        for key, fig in part.items():
            med, p90 = _fmt_times(fig.median_hours, fig.p90_hours, lang)
            figures = comma.join(
                [f"{figure(f)} {getattr(fig, f)}" for f in FIGURES]
                + [t(lang, "report.median", value=med), f"P90 {p90}"]
            )
            lines.append("  " + t(lang, "report.line", name=shown.get(key, key), value=figures))
    return "\n".join(lines)


CSV_COLUMNS = (
    "since",
    "until",
    "scope",
    "key",
    *FIGURES,
    "median_hours_to_removal",
    "p90_hours_to_removal",
    "removals_timed",
)


def render_csv(report: Report) -> str:
    """One row for all cases, then one per store and per brand."""
    out = io.StringIO()
    w = SafeWriter(out)  # brand and store keys come from data: defused like every CSV cell
    w.writerow(CSV_COLUMNS)
    since, until = local_time(report.since, report.tz), local_time(report.until, report.tz)
    rows = [("all", "all", report.total)]
    rows += [("store", k, v) for k, v in report.by_store.items()]
    rows += [("brand", k, v) for k, v in report.by_brand.items()]
    for scope, key, fig in rows:
        d = fig.as_dict()
        w.writerow(
            [since, until, scope, key, *(d[f] for f in FIGURES), d["median_hours_to_removal"],
             d["p90_hours_to_removal"], len(fig.removal_hours)]
        )  # fmt: skip
    return out.getvalue()


_AUTO = "auto"


def chart_language(lang: str, font: str | None = _AUTO) -> tuple[str, str | None]:
    """The language the chart can be drawn in and the font for it: Chinese needs a CJK font installed
    (``bot.core.fonts``); without one the chart falls back to English."""
    if lang != "zh":
        return "en", None
    if font == _AUTO:
        from bot.core.fonts import cjk_font

        font = cjk_font()
    return ("zh", font) if font else ("en", None)


def chart_figure(report: Report, lang: str = "zh", font: str | None = _AUTO) -> Any:
    """The chart as a matplotlib Figure: cases per day (new, confirmed, verified takedowns) and, when there
    were any, time to removal per store. In the report's language when a font can draw it (see
    ``chart_language``); store and brand keys stay ids."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg  # Agg explicitly; no pyplot global state
    from matplotlib.figure import Figure
    from matplotlib.ticker import MaxNLocator

    lang, font = chart_language(lang, font)
    stores = sorted({s for s, _, _ in report.removals})
    # No removals: one panel and a footnote, not an empty half whose sentence reads as an axis label.
    fig = Figure(figsize=(10, 7) if stores else (10, 4.2), dpi=100)
    FigureCanvasAgg(fig)
    axes = fig.subplots(2, 1) if stores else [fig.subplots(1, 1)]
    ax1 = axes[0]
    text_kw: dict[str, Any] = {"fontfamily": font} if font else {}
    legend_kw: dict[str, Any] = {"prop": {"family": font, "size": "small"}} if font else {"fontsize": "small"}
    days = [d for d, *_ in report.daily]
    x = list(range(len(days)))
    new = [n for _, n, _, _ in report.daily]
    conf = [c for _, _, c, _ in report.daily]
    rem = [r for _, _, _, r in report.daily]
    width = 0.28
    ax1.bar([i - width for i in x], new, width, label=t(lang, "chart.new"))
    ax1.bar(x, conf, width, label=t(lang, "chart.confirmed"))
    ax1.bar([i + width for i in x], rem, width, label=t(lang, "chart.removed"))
    step = max(1, len(days) // 10)
    ax1.set_xticks(x[::step], [d.strftime("%m-%d") for d in days][::step])
    since, until = report.since.astimezone(report.tz), report.until.astimezone(report.tz)
    title = t(
        lang,
        "chart.per_day",
        since=f"{since:%Y-%m-%d}",
        until=f"{until:%Y-%m-%d}",
        zone=zone_label(report.tz, report.until),
    )
    ax1.set_title(title, **text_kw)
    ax1.set_ylabel(t(lang, "chart.cases"), **text_kw)
    ax1.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax1.legend(loc="best", framealpha=0.8, **legend_kw)
    if stores:
        ax2 = axes[1]
        # Every removal as a dot, with the median and the 90th percentile marked (the report's own figures).
        for i, store in enumerate(stores, 1):
            values = [h / 24 for s2, _, h in report.removals if s2 == store]
            ax2.scatter(values, [i] * len(values), s=14, zorder=3, color="tab:blue")
            med, p90 = statistics.median(values), nearest_rank(values, 0.9)
            ax2.plot([med, med], [i - 0.3, i + 0.3], color="tab:green", linewidth=2)
            if p90 is not None:
                ax2.plot([p90, p90], [i - 0.3, i + 0.3], color="tab:red", linewidth=2)
        ax2.plot([], [], color="tab:green", label=t(lang, "chart.median"))
        ax2.plot([], [], color="tab:red", label=t(lang, "chart.p90"))
        ax2.legend(loc="best", framealpha=0.8, **legend_kw)
        shown = STORE_NAMES_ZH if lang == "zh" else STORE_NAMES_EN
        ax2.set_yticks(list(range(1, len(stores) + 1)), [shown.get(s, s) for s in stores])
        ax2.set_ylim(0.5, len(stores) + 0.5)
        ax2.set_xlim(0, max(h / 24 for _, _, h in report.removals) * 1.1 or 1.0)
        ax2.set_xlabel(t(lang, "chart.days"), **text_kw)
        ax2.set_title(t(lang, "chart.ttr"), **text_kw)
        fig.tight_layout()
    else:
        fig.tight_layout(rect=(0, 0.07, 1, 1))
        fig.text(
            0.01,
            0.02,
            t(lang, "chart.none"),
            ha="left",
            va="bottom",
            fontsize="small",
            style="italic",
            **text_kw,
        )
    return fig


def render_chart(report: Report, lang: str = "zh", font: str | None = _AUTO) -> bytes:
    """The chart as a PNG (see ``chart_figure``)."""
    buf = io.BytesIO()
    chart_figure(report, lang, font).savefig(buf, format="png")
    return buf.getvalue()
