"""The 165 anti-fraud list (open-data dataset 160055): sites the police confirmed as fake investment or
gambling sites. CSV with a BOM, columns ``WEBSITE_NM, WEBURL, CNT, STA_SDATE, STA_EDATE`` and the header
repeated in Chinese as the second row; or JSON (``result.records``). Every row is kept with its period;
rows are matched to brands by name (the judge's normalisation) and by domains carrying the brand's
romanisation."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scanners.judging.names import PreparedBrand, name_match
from scanners.judging.normalize import domain_in, domain_of
from scanners.judging.reason import Reason

MAX_FEED = 64 * 1024 * 1024
MAX_ROWS = 500_000
COLUMNS = ("WEBSITE_NM", "WEBURL", "CNT", "STA_SDATE", "STA_EDATE")
CHINESE = {
    "網站名稱": "WEBSITE_NM",
    "網址": "WEBURL",
    "件數": "CNT",
    "統計起始日期": "STA_SDATE",
    "統計結束日期": "STA_EDATE",
}
_DATE = re.compile(r"^\s*(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\s*$")
_ROC_DATE = re.compile(r"^\s*(\d{2,3})[/.-](\d{1,2})[/.-](\d{1,2})\s*$")


class FeedError(ValueError):
    """The file is not the 165 list in a known form; one line."""


@dataclass(frozen=True)
class Row:
    """One row of the 165 list: the site's name and address, its count and the period it was listed."""

    name: str
    url: str  # with a scheme (http:// added when the list gives a bare address)
    host: str
    count: int | None
    start: str  # ISO date, '' when missing or unreadable
    end: str
    raw_url: str
    line: int  # line (CSV) or record index (JSON), 1-based

    @property
    def key(self) -> str:
        """Identity for re-imports: the same address in the same period is the same row."""
        return f"{self.host}{self.url.split(self.host, 1)[-1]}|{self.start}|{self.end}"

    def to_dict(self) -> dict[str, Any]:
        return {**self.__dict__, "key": self.key}


@dataclass(frozen=True)
class Feed:
    """A parsed 165 list: its rows, the problems met while reading it (capped), and its format."""

    rows: tuple[Row, ...]
    errors: tuple[str, ...] = field(default=())
    format: str = ""  # csv | json


@dataclass(frozen=True)
class FeedMatch:
    """A row of the 165 list that concerns a brand, and why."""

    row: Row
    brand: str
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "row": self.row.to_dict(),
            "brand": self.brand,
            "reasons": [r.to_dict() for r in self.reasons],
        }


def _date(value: str) -> str:
    m = _DATE.match(value or "")
    if m:
        y, mo, d = (int(x) for x in m.groups())
    else:
        m = _ROC_DATE.match(value or "")  # 民國 years (115/11/24) appear in some government files
        if not m:
            return ""
        y, mo, d = int(m.group(1)) + 1911, int(m.group(2)), int(m.group(3))
    if not (1 <= mo <= 12 and 1 <= d <= 31):
        return ""
    return f"{y:04d}-{mo:02d}-{d:02d}"


def _url(value: str) -> tuple[str, str]:
    v = "".join(value.split())[:2000]
    if not v:
        return "", ""
    if not re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*://", v):
        v = "http://" + v.lstrip("/")
    host = domain_of(v)
    return v, host


def _count(value: Any) -> int | None:
    try:
        return int(str(value).replace(",", "").strip())
    except (TypeError, ValueError):
        return None


def _row(rec: dict[str, Any], line: int) -> Row | str:
    get = {CHINESE.get(str(k).strip(), str(k).strip().upper()): v for k, v in rec.items() if k is not None}
    raw = str(get.get("WEBURL") or "").strip()
    url, host = _url(raw)
    if not host:
        return f"row {line}: no address"
    return Row(
        name=str(get.get("WEBSITE_NM") or "").strip()[:300],
        url=url,
        host=host,
        count=_count(get.get("CNT")),
        start=_date(str(get.get("STA_SDATE") or "")),
        end=_date(str(get.get("STA_EDATE") or "")),
        raw_url=raw[:2000],
        line=line,
    )


def parse_165(data: bytes) -> Feed:
    """Parse the list (CSV or JSON, detected); raises FeedError when it is neither. Bad rows are listed in
    ``errors`` and skipped; every good row is kept, with its period."""
    if len(data) > MAX_FEED:
        raise FeedError(f"the list is larger than {MAX_FEED:,} bytes")
    text = None
    for enc in ("utf-8-sig", "big5", "cp950"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    if text is None:
        raise FeedError("the list is neither UTF-8 nor Big5 text")
    text = text.lstrip("\ufeff")
    if text.lstrip()[:1] in ("{", "["):
        return _parse_json(text)
    return _parse_csv(text)


def _parse_csv(text: str) -> Feed:
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise FeedError("the CSV is empty") from None
    names = [CHINESE.get(h.strip().lstrip("\ufeff"), h.strip().lstrip("\ufeff").upper()) for h in header]
    if "WEBURL" not in names:
        raise FeedError(f"not the 165 list: no WEBURL column (columns: {', '.join(header[:8])[:200]})")
    rows: list[Row] = []
    errors: list[str] = []
    try:
        for line, values in enumerate(reader, start=2):
            if not any(v.strip() for v in values):
                continue
            rec = dict(zip(names, values, strict=False))
            if (
                str(rec.get("WEBURL", "")).strip() in CHINESE
                or str(rec.get("WEBSITE_NM", "")).strip() == "網站名稱"
            ):
                continue  # the header repeated in Chinese
            if len(rows) >= MAX_ROWS:
                errors.append(f"more than {MAX_ROWS:,} rows; the rest were not read")
                break
            r = _row(rec, line)
            if isinstance(r, str):
                errors.append(r)
            else:
                rows.append(r)
    except csv.Error as exc:
        errors.append(f"CSV error after {len(rows)} rows: {exc}")
    return Feed(tuple(rows), tuple(errors[:100]), "csv")


def _parse_json(text: str) -> Feed:
    try:
        data = json.loads(text)
    except (json.JSONDecodeError, RecursionError) as exc:
        raise FeedError(f"not valid JSON: {str(exc)[:120]}") from None
    records: Any = data
    if isinstance(data, dict):
        inner = data.get("result")
        result: dict[str, Any] = inner if isinstance(inner, dict) else data
        records = result.get("records", result.get("data"))
    if not isinstance(records, list):
        raise FeedError("the JSON has no records list (expected result.records)")
    rows: list[Row] = []
    errors: list[str] = []
    for i, rec in enumerate(records[:MAX_ROWS], start=1):
        if not isinstance(rec, dict):
            errors.append(f"record {i}: not an object")
            continue
        if str(rec.get("WEBURL", "")).strip() == "網址":
            continue
        r = _row(rec, i)
        if isinstance(r, str):
            errors.append(r.replace("row", "record", 1))
        else:
            rows.append(r)
    return Feed(tuple(rows), tuple(errors[:100]), "json")


def _romanisations(pb: PreparedBrand) -> tuple[str, ...]:
    """Latin spellings of the brand a domain might carry: package tokens, pinyin of the name, Latin cores."""
    return tuple(sorted({t for t in pb.package_tokens if len(t) >= 5 and t.isascii()}, key=len, reverse=True))


def match_row(row: Row, pb: PreparedBrand) -> tuple[Reason, ...]:
    """Why the row concerns the brand (empty: it does not)."""
    b = pb.brand
    reasons: list[Reason] = []
    official = tuple(d for d in (*b.official_domains, domain_of(b.website), domain_of(b.download_page)) if d)
    if official and domain_in(row.host, official):
        return ()  # the broker's own site on the list would be an error in the list, not a lead
    m = name_match(row.name, pb) if row.name else None
    if m is not None and m.how != "pinyin":
        reasons.append(
            Reason("feed_name", 60, f"165 名單網站名稱「{row.name}」{m.zh}", f"site name {row.name!r} {m.en}")
        )
    flat = re.sub(r"[^a-z0-9]", "", row.host.lower())
    token = next((t for t in _romanisations(pb) if t in flat), "")
    if token:
        reasons.append(
            Reason(
                "feed_domain",
                40,
                f"網域 {row.host} 含品牌拼音「{token}」",
                f"domain {row.host} carries the brand's romanisation {token!r}",
            )
        )
    return tuple(reasons)


def match_feed(rows: Sequence[Row], brands: Sequence[PreparedBrand]) -> list[FeedMatch]:
    """The rows that concern a brand, each with its brand and reasons (a row matches one brand at most: the
    one with the strongest reasons)."""
    out: list[FeedMatch] = []
    for row in rows:
        best: FeedMatch | None = None
        for pb in brands:
            reasons = match_row(row, pb)
            if reasons and (
                best is None or sum(r.points for r in reasons) > sum(r.points for r in best.reasons)
            ):
                best = FeedMatch(row, pb.brand.id, reasons)
        if best is not None:
            out.append(best)
    return out
