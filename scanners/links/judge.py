"""Judging what a page distributes against the brand profile: iOS builds by their Apple team and
distribution, TestFlight invitations and configuration profiles by the names they show, and the page itself
(brand named, official domain, scam phrases). Reuses the store judge's normalisation and signals; pure.

Verdicts (besides the APK verdicts of ``scanners.apk.verdict``): ``official``, ``allowed``,
``impersonation``, ``suspicious``, ``unrelated``, ``invalid`` (unreadable), ``unchecked`` (not reachable).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scanners.judging import signals
from scanners.judging.names import PreparedBrand, name_match, package_match
from scanners.judging.normalize import domain_in, domain_of
from scanners.judging.reason import Reason
from scanners.judging.verdict import IMPERSONATION, SUSPICIOUS
from scanners.listing import Listing

FLAGGED = frozenset({"impersonation", "suspicious", "repackaged", "impostor", "tampered"})
NON_STORE = ("enterprise", "ad_hoc", "development")
DIST_ZH = {
    "enterprise": "企業（in-house）",
    "ad_hoc": "Ad Hoc",
    "development": "開發版",
    "app_store": "App Store",
}


@dataclass(frozen=True)
class Judged:
    """An artifact's verdict against the brands: the verdict, the brand it concerns, its score and reasons."""

    verdict: str
    brand: str
    score: int
    reasons: tuple[Reason, ...]


def _score(reasons: Sequence[Reason]) -> tuple[str, int]:
    score = min(100, sum(r.points for r in reasons))
    v = "impersonation" if score >= IMPERSONATION else "suspicious" if score >= SUSPICIOUS else "unrelated"
    return v, score


def _ties(names: Sequence[str], ids: Sequence[str], brand: PreparedBrand) -> list[Reason]:
    out: list[Reason] = []
    for n in names:
        if not n:
            continue
        m = name_match(n, brand)
        if m is not None:
            pts = 60 if m.whole else 55 if not m.core_only and m.how != "pinyin" else 40
            out.append(Reason("name", pts, f"名稱「{n}」{m.zh}", f"name {n!r} {m.en}"))
            break
    for i in ids:
        if not i:
            continue
        if i in brand.packages:
            out.append(
                Reason(
                    "official_bundle_id", 40, f"使用官方 App 的識別碼 {i}", f"uses the official app's id {i}"
                )
            )
            break
        pm = package_match(i, brand)
        if pm is not None:
            out.append(Reason("package_lookalike", 20, f"識別碼 {i} {pm.zh}", f"id {i} {pm.en}"))
            break
    return out


def _page_tie(page_names_brand: bool, brand: PreparedBrand, what_zh: str, what_en: str) -> Reason | None:
    if not page_names_brand:
        return None
    return Reason(
        "offered_as_brand",
        30,
        f"{what_zh}由冒用「{brand.brand.name}」名義的網頁提供，並非官方管道",
        f"{what_en} offered on a page using the name {brand.brand.name!r}, not an official channel",
    )


def _best(results: Sequence[Judged]) -> Judged:
    rank = {"official": 9, "allowed": 8}
    return max(results, key=lambda j: (rank.get(j.verdict, 0), j.score))


def judge_ios_build(
    *,
    bundle_id: str,
    names: Sequence[str],
    team_id: str,
    team_name: str,
    distribution: str,
    brands: Sequence[PreparedBrand],
    page_brands: Sequence[str] = (),
) -> Judged:
    """An IPA or manifest: the official team is official; an enterprise/ad-hoc/development build tied to
    the brand is impersonation by itself (a broker publishes through the App Store)."""
    results = []
    for pb in brands:
        b = pb.brand
        if team_id and team_id in b.apple_team_ids:
            note = (
                "" if distribution in ("", "app_store") else f"（{DIST_ZH.get(distribution, distribution)}）"
            )
            results.append(
                Judged(
                    "official",
                    b.id,
                    0,
                    (
                        Reason(
                            "official_team",
                            0,
                            f"由官方 Apple 開發團隊 {team_id} 簽署{note}",
                            f"signed by the official Apple team {team_id}"
                            + (f" ({distribution} build)" if note else ""),
                        ),
                    ),
                )
            )
            continue
        reasons = _ties([*names, team_name], [bundle_id], pb)
        dev = signals.developer_signal(Listing("app_store", bundle_id or "-", developer=team_name), pb)
        if dev is not None and all(r.code != dev.code for r in reasons):
            reasons.append(dev)
        page = _page_tie(b.id in page_brands, pb, "此 iOS App ", "this iOS build is")
        if not reasons and page is None:
            continue
        if page is not None:
            reasons.append(page)
        if team_id:
            official = ", ".join(b.apple_team_ids) or "—"
            reasons.append(
                Reason(
                    "foreign_team",
                    20,
                    f"簽署團隊 {team_id}（{team_name or '未知'}）不是官方團隊（{official}）",
                    f"signed by team {team_id} ({team_name or 'unknown'}), "
                    f"not the official team ({official})",
                )
            )
        if distribution in NON_STORE:
            reasons.append(
                Reason(
                    "non_store_distribution",
                    60,
                    f"以{DIST_ZH[distribution]}憑證發布、繞過 App Store：冒用品牌者即為仿冒",
                    f"{distribution} build outside the App Store naming the brand: a fake by itself",
                )
            )
        verdict, score = _score(reasons)
        results.append(Judged(verdict, b.id, score, tuple(sorted(reasons, key=lambda r: -r.points))))
    if not results:
        return Judged(
            "unrelated",
            "",
            0,
            (
                Reason(
                    "no_brand_tie",
                    0,
                    "名稱、識別碼與簽署團隊皆與品牌無關",
                    "nothing in the name, bundle id or team ties it to the brand",
                ),
            ),
        )
    return _best(results)


def judge_testflight(
    *, code: str, app_name: str, state: str, brands: Sequence[PreparedBrand], page_brands: Sequence[str] = ()
) -> Judged:
    """A TestFlight invitation naming the brand: brokers do not recruit customers into betas."""
    results = []
    for pb in brands:
        reasons = _ties([app_name], [], pb)
        page = _page_tie(
            pb.brand.id in page_brands, pb, "此 TestFlight 邀請", "this TestFlight invitation is"
        )
        if page is not None:
            reasons.append(page)
        if not reasons:
            continue
        reasons.append(
            Reason(
                "testflight_invite",
                15,
                f"以 TestFlight 測試版邀請（代碼 {code}）散布，非 App Store 正式上架",
                f"distributed as a TestFlight beta invitation (code {code}), not through the App Store",
            )
        )
        verdict, score = _score(reasons)
        results.append(Judged(verdict, pb.brand.id, score, tuple(sorted(reasons, key=lambda r: -r.points))))
    if not results:
        return Judged(
            "unrelated",
            "",
            0,
            (
                Reason(
                    "no_brand_tie",
                    0,
                    f"TestFlight 邀請（代碼 {code}）未提及品牌",
                    f"TestFlight invitation (code {code}) does not name the brand",
                ),
            ),
        )
    return _best(results)


def judge_mobileconfig(
    *,
    names: Sequence[str],
    clip_urls: Sequence[str],
    full_screen: bool,
    not_removable: bool,
    dangerous: Sequence[tuple[str, str]],  # (zh, en) of each dangerous payload
    brands: Sequence[PreparedBrand],
    page_brands: Sequence[str] = (),
) -> Judged:
    """A configuration profile: a web clip showing the brand's name and opening a foreign site is a fake
    app icon; certificates, VPN and MDM payloads hand the phone to the profile's author."""
    worse: list[Reason] = []
    if dangerous:
        zh = "、".join(dict.fromkeys(d[0] for d in dangerous))
        en = ", ".join(dict.fromkeys(d[1] for d in dangerous))
        worse.append(
            Reason(
                "dangerous_payloads",
                40,
                f"描述檔會安裝{zh}，可攔截或控制手機",
                f"the profile installs {en}, which can intercept or control the phone",
            )
        )
    results = []
    for pb in brands:
        b = pb.brand
        reasons = _ties(names, [], pb)
        page = _page_tie(b.id in page_brands, pb, "此描述檔", "this configuration profile is")
        if page is not None:
            reasons.append(page)
        if not reasons:
            continue
        foreign = [u for u in clip_urls if u and not domain_in(domain_of(u), b.official_domains)]
        if foreign:
            reasons.append(
                Reason(
                    "webclip_foreign",
                    25,
                    f"主畫面捷徑開啟非官方網站 {domain_of(foreign[0])}",
                    f"the web clip opens a non-official site {domain_of(foreign[0])}",
                )
            )
        if full_screen or not_removable:
            reasons.append(
                Reason(
                    "webclip_app_like",
                    10,
                    "捷徑以全螢幕開啟或無法單獨移除，偽裝成 App",
                    "the web clip opens full screen or cannot be removed: it poses as an app",
                )
            )
        reasons.extend(worse)
        verdict, score = _score(reasons)
        results.append(Judged(verdict, b.id, score, tuple(sorted(reasons, key=lambda r: -r.points))))
    if not results:
        if worse:
            return Judged("suspicious", "", worse[0].points, tuple(worse))
        return Judged(
            "unrelated",
            "",
            0,
            (Reason("no_brand_tie", 0, "描述檔未提及品牌", "the profile does not name the brand"),),
        )
    return _best(results)


@dataclass(frozen=True)
class PageJudged:
    """A page's verdict: the brand, whether it names it, whether the domain is official, and why."""

    verdict: str
    brand: str
    names_brand: bool
    official_domain: bool
    reasons: tuple[Reason, ...]


def page_brands(title: str, text: str, brands: Sequence[PreparedBrand]) -> list[str]:
    """Ids of the brands a page names (title or text; not by sound alone)."""
    out = []
    for pb in brands:
        m = name_match(title, pb) or name_match(text[:20000], pb)
        if m is not None and m.how != "pinyin":
            out.append(pb.brand.id)
    return out


def official_site(url: str, brand: PreparedBrand) -> bool:
    """Whether ``url`` is on one of the brand's official domains (its website and download page too)."""
    b = brand.brand
    domains = tuple(d for d in (*b.official_domains, domain_of(b.website), domain_of(b.download_page)) if d)
    return bool(domains) and domain_in(domain_of(url), domains)


def judge_page(
    *,
    url: str,
    title: str,
    text: str,
    brands: Sequence[PreparedBrand],
    flagged_artifacts: int,
    non_official_artifacts: int,
) -> PageJudged:
    """The landing page: does it name the brand, is it an official domain, does it offer non-official apps
    or pitch scam phrases."""
    named = page_brands(title, text, brands)
    domain = domain_of(url)
    for pb in brands:
        if official_site(url, pb):
            return PageJudged(
                "official",
                pb.brand.id,
                pb.brand.id in named,
                True,
                (Reason("official_domain", 0, f"官方網域 {domain}", f"official domain {domain}"),),
            )
    fraud = signals.fraud_phrase_signal(Listing("web", url, title=title, description=text[:20000]))
    results = []
    for pb in brands:
        if pb.brand.id not in named:
            continue
        reasons = [
            Reason(
                "page_names_brand",
                30,
                f"網頁（{domain}）使用「{pb.brand.name}」名義，但不是官方網域",
                f"the page ({domain}) uses the name {pb.brand.name!r} on a non-official domain",
            )
        ]
        if non_official_artifacts:
            reasons.append(
                Reason(
                    "offers_non_official_apps",
                    40,
                    f"提供 {non_official_artifacts} 個非官方 App 或安裝檔",
                    f"offers {non_official_artifacts} non-official app(s) or installer(s)",
                )
            )
        if fraud is not None:
            reasons.append(fraud)
        verdict, _ = _score(reasons)
        results.append(
            PageJudged(verdict, pb.brand.id, True, False, tuple(sorted(reasons, key=lambda r: -r.points)))
        )
    if results:
        return max(results, key=lambda p: sum(r.points for r in p.reasons))
    if flagged_artifacts:
        return PageJudged(
            "suspicious",
            "",
            False,
            False,
            (
                Reason(
                    "distributes_fakes",
                    30,
                    f"網頁散布 {flagged_artifacts} 個仿冒或可疑的 App",
                    f"the page distributes {flagged_artifacts} fake or suspicious app(s)",
                ),
            ),
        )
    return PageJudged(
        "unrelated",
        "",
        False,
        False,
        (
            Reason(
                "no_brand_tie",
                0,
                "網頁未提及品牌，也未散布仿冒 App",
                "the page neither names the brand nor distributes fakes",
            ),
        ),
    )
