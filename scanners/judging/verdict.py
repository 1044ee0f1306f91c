"""The verdict: official and allow-listed apps first, then the sum of the signals, with every reason kept.

Ties that come from shared words alone (a title or developer name containing the brand's words, a package
with its token) are cancelled, with a reason saying why, when nothing in the listing speaks of trading,
investing or securities (a noodle shop, a hotel) or when it only quotes fraud phrases to warn (an anti-fraud
app). A copied icon or an official developer name is never cancelled.

Thresholds: a score of 60 or more is ``impersonation``, 30 to 59 ``suspicious``, below that ``unrelated``.
A title that *is* the brand's name (60) is impersonation on its own; a mention in a description (5) never is.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from scanners.judging import signals
from scanners.judging.certificate import certificate_check
from scanners.judging.names import PreparedBrand, prepare_brand
from scanners.judging.reason import Reason
from scanners.listing import Listing

__all__ = ["VERDICTS", "PreparedBrand", "Reason", "Verdict", "judge", "judge_all", "prepare_brand"]

VERDICTS = ("official", "allowed", "impersonation", "suspicious", "unrelated")
IMPERSONATION = 60
SUSPICIOUS = 30
_RANK = {"official": 5, "allowed": 4, "impersonation": 3, "suspicious": 2, "unrelated": 1}


@dataclass(frozen=True)
class Verdict:
    """A listing's verdict against one brand: the verdict, its score and every reason."""

    brand: str
    verdict: str
    score: int
    reasons: tuple[Reason, ...]

    def to_dict(self) -> dict[str, Any]:
        return {
            "brand": self.brand,
            "verdict": self.verdict,
            "score": self.score,
            "reasons": [r.to_dict() for r in self.reasons],
        }


# The listing's icon could not be fetched or read: say so, since a copied logo may be all there is to see.
ICON_NOT_CHECKED = Reason(
    "icon_not_checked",
    0,
    "無法取得圖示，未與官方圖示比對：是否盜用官方圖示未知",
    "the icon could not be fetched, so it was not compared with the official icon",
)


def _official(listing: Listing, brand: PreparedBrand) -> Verdict | None:
    b = brand.brand
    app = b.official_app(listing.store, listing.app_id)
    if app is not None:
        return Verdict(
            b.id,
            "official",
            0,
            (
                Reason(
                    "official_app",
                    0,
                    f"官方 App（{listing.store} {listing.app_id}）列於品牌設定檔",
                    f"official app ({listing.store} {listing.app_id}) listed in the brand profile",
                ),
            ),
        )
    official_accounts = {a.developer_id for a in b.apps_in(listing.store) if a.developer_id}
    if listing.developer_id and listing.developer_id in official_accounts:
        return Verdict(
            b.id,
            "official",
            0,
            (
                Reason(
                    "official_developer_account",
                    0,
                    f"由官方開發者帳號 {listing.developer_id} 發布（尚未列入設定檔）",
                    f"published by the official developer account {listing.developer_id} "
                    "(not yet in the profile)",
                ),
            ),
        )
    allowed = b.allowed_app(listing.store, listing.app_id)
    if allowed is not None:
        return Verdict(
            b.id,
            "allowed",
            0,
            (
                Reason(
                    "allow_listed",
                    0,
                    f"已列入允許清單：{allowed.note or '合法第三方 App'}",
                    f"allow-listed: {allowed.note or 'legitimate third-party app'}",
                ),
            ),
        )
    return None


def judge(
    listing: Listing,
    brand: PreparedBrand,
    *,
    icon_hash: str | None = None,
    developer_apps: Sequence[Listing] | None = None,
    icon_unchecked: bool = False,
) -> Verdict:
    """Judge one listing against one brand; ``developer_apps``: the developer's other apps, where known.

    ``icon_unchecked``: the listing has an icon that could not be fetched or read. Detection fails loud: the
    verdict then says the icon was not compared, and never that the icon is unrelated."""
    cert = certificate_check(listing, brand)
    if cert is not None and cert[0] == "official":
        return Verdict(brand.brand.id, "official", 0, (cert[1],))
    known = _official(listing, brand)
    if known is not None:
        return known
    unchecked = (ICON_NOT_CHECKED,) if icon_unchecked and brand.official_icon_hashes else ()
    ties = [
        r
        for r in (
            signals.title_signal(listing, brand),
            signals.lure_suffix_signal(listing, brand),
            signals.developer_signal(listing, brand),
            signals.package_signal(listing, brand),
            signals.icon_signal(icon_hash, brand),
            signals.description_mention_signal(listing, brand),
            cert[1] if cert is not None else None,  # official package under a foreign certificate
        )
        if r is not None
    ]
    if not ties:
        no_tie = (
            Reason(
                "no_brand_tie",
                0,
                "名稱、開發者與套件名稱皆與品牌無關",
                "nothing in the name, developer or package ties it to the brand",
            )
            if unchecked
            else Reason(
                "no_brand_tie",
                0,
                "名稱、開發者、套件名稱與圖示皆與品牌無關",
                "nothing in the name, developer, package or icon ties it to the brand",
            )
        )
        return Verdict(brand.brand.id, "unrelated", 0, (no_tie, *unchecked))
    words = signals.word_tie_points(ties, listing, brand)
    mitigation = signals.not_about_trading_signal(
        listing, brand, words, developer_apps
    ) or signals.fraud_warning_signal(listing, brand, words)
    if mitigation is not None:
        ties.append(mitigation)
        if sum(r.points for r in ties) <= 0:
            # Nothing but shared words tied it to the brand: the claims and domains that follow are the
            # business's own, not evidence against this brand.
            reasons = tuple(sorted(ties, key=lambda r: -r.points)) + unchecked
            return Verdict(brand.brand.id, "unrelated", 0, reasons)
    extra = [
        r
        for r in (
            signals.official_claim_signal(listing, brand),
            signals.fraud_phrase_signal(listing),
            signals.domain_signal(listing, brand),
        )
        if r is not None
    ]
    reasons = tuple(sorted((*ties, *extra), key=lambda r: -r.points)) + unchecked
    score = max(0, min(100, sum(r.points for r in reasons)))
    verdict = (
        "impersonation" if score >= IMPERSONATION else "suspicious" if score >= SUSPICIOUS else "unrelated"
    )
    return Verdict(brand.brand.id, verdict, score, reasons)


def judge_all(
    listing: Listing,
    brands: Sequence[PreparedBrand],
    *,
    icon_hash: str | None = None,
    developer_apps: Sequence[Listing] | None = None,
    icon_unchecked: bool = False,
) -> Verdict:
    """The most serious verdict across brands; official or allow-listed for any brand wins."""
    if not brands:
        raise ValueError("no brands to judge against")
    verdicts = [
        judge(listing, b, icon_hash=icon_hash, developer_apps=developer_apps, icon_unchecked=icon_unchecked)
        for b in brands
    ]
    # On equal scores the brand something tied the listing to explains the verdict (not "no tie").
    return max(
        verdicts,
        key=lambda v: (
            _RANK[v.verdict] if v.verdict in ("official", "allowed") else 0,
            v.score,
            v.reasons[0].code != "no_brand_tie",
        ),
    )
