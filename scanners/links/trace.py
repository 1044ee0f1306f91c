"""``trace(url, fetcher, brands)``: follow a lure link through HTTP redirects, meta refreshes and literal
script redirects to the pages it lands on, find every app those pages distribute, and judge each one.

Bounded in hops, pages, artifacts, bytes and time (the ``Fetcher`` holds the byte and time budget). When a
bound is hit or a fetch fails, the trace stops that branch, says why in ``errors``/``stopped``, and keeps
everything found before. I/O is passed in: the fetcher, the APK analyser and the store judge.
"""

from __future__ import annotations

import contextlib
import re
import shutil
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

from scanners.apk.fetch import FetchError
from scanners.apk.zipread import ApkFormatError, read_layout
from scanners.ios.cms import looks_like_cms
from scanners.ios.ipa import IpaError, read_ipa
from scanners.ios.manifest import ManifestError, parse_manifest
from scanners.ios.mobileconfig import DANGEROUS, ConfigError, parse_mobileconfig
from scanners.ios.testflight import parse_join_page
from scanners.judging.names import PreparedBrand
from scanners.judging.normalize import domain_of
from scanners.judging.reason import Reason
from scanners.links import judge as J
from scanners.links.extract import PageFacts, classify, extract, looks_like_download
from scanners.links.fetch import Fetcher, Response
from scanners.links.qr import QrUnavailable, read_qr

KINDS = ("apk", "ipa", "itms_manifest", "testflight", "mobileconfig", "google_play", "app_store")
PAGE_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "")
KEEP_HTML = 2 * 1024 * 1024

# (store, app id) -> Verdict-like (verdict, brand, reasons) or None when the store says there is no such app;
# raises when the store cannot be read (the artifact is then "unchecked", loudly).
StoreJudge = Callable[[str, str], Any]
# (path, display name) -> an ApkReport-like object with verdict, brand, reasons, to_dict()
ApkAnalyser = Callable[[Path, str], Any]


@dataclass(frozen=True)
class Limits:
    """The bounds of one trace: hops, pages, artifacts, probes, images and byte caps."""

    max_hops: int = 10  # redirects (HTTP, refresh, script) in one navigation
    max_pages: int = 8
    max_artifacts: int = 30
    max_probes: int = 12  # unlabelled download links fetched to see what they serve
    max_images: int = 12  # images decoded for QR codes
    image_max: int = 2 * 1024 * 1024
    manifest_max: int = 512 * 1024


@dataclass(frozen=True)
class Hop:
    """One request: what was asked, what came back, and where it led."""

    url: str
    status: int  # 0 when no answer
    kind: str  # http_redirect | meta_refresh | script_redirect | page | file | error
    next_url: str = ""
    address: str = ""
    content_type: str = ""
    size: int = 0
    sha256: str = ""
    error: str = ""

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class PageRecord:
    """One page the trace read: its URL, status, title, size, hash, address and the brands it names."""

    url: str
    status: int
    title: str
    size: int
    sha256: str
    truncated: bool
    address: str
    brands: tuple[str, ...]
    html: bytes = field(default=b"", repr=False, compare=False)  # raw body (capped), for the evidence pack

    def to_dict(self) -> dict[str, Any]:
        d = {k: v for k, v in self.__dict__.items() if k != "html"}
        d["brands"] = list(self.brands)
        return d


@dataclass(frozen=True)
class Artifact:
    """One thing a page distributes, judged. ``facts`` holds the kind's details (for iOS: team_id,
    team_name, distribution, bundle_id, expires, certificates…). ``path``: the downloaded file when the
    trace was asked to keep files."""

    kind: str
    url: str
    verdict: str
    brand: str
    reasons: tuple[Reason, ...]
    facts: dict[str, Any]
    source: str = ""  # the page it was found on
    via: str = ""  # how it was reached: start | link | text | qr | manifest
    parent: str = ""  # for an IPA from a manifest: the manifest's URL
    sha256: str = ""
    size: int = 0
    path: Path | None = None
    error: str = ""
    detected_by: str = ""  # what said its kind: url | content_type | content_disposition | magic

    @property
    def flagged(self) -> bool:
        return self.verdict in J.FLAGGED

    @property
    def key(self) -> str:
        """Identity across traces: a file by its hash, a store app by its id, TestFlight by its code, a
        manifest by its URL (what a case is keyed on; a new hash under the same URL is a new version)."""
        if self.sha256 and self.kind in ("apk", "ipa", "mobileconfig"):
            return f"{self.kind}:{self.sha256}"
        if self.kind in ("google_play", "app_store"):
            return f"{self.kind}:{self.facts.get('app_id', self.url)}"
        if self.kind == "testflight":
            return f"testflight:{self.facts.get('code', self.url)}"
        if self.kind == "itms_manifest":
            return f"itms_manifest:{self.facts.get('manifest_url', self.url)}"
        return f"{self.kind}:{self.url}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "url": self.url,
            "verdict": self.verdict,
            "flagged": self.flagged,
            "brand": self.brand,
            "reasons": [r.to_dict() for r in self.reasons],
            "facts": self.facts,
            **{
                k: self.facts[k]
                for k in ("team_id", "team_name", "distribution", "bundle_id")
                if k in self.facts
            },
            "source": self.source,
            "via": self.via,
            "detected_by": self.detected_by,
            "parent": self.parent,
            "sha256": self.sha256,
            "size": self.size,
            "path": str(self.path) if self.path else "",
            "error": self.error,
        }


@dataclass(frozen=True)
class SiteVerdict:
    """The verdict on the site the link lands on: its domain, address, brand and reasons."""

    url: str
    domain: str
    address: str
    verdict: str
    brand: str
    names_brand: bool
    official_domain: bool
    reasons: tuple[Reason, ...]

    @property
    def flagged(self) -> bool:
        return self.verdict in J.FLAGGED

    def to_dict(self) -> dict[str, Any]:
        d = dict(self.__dict__)
        d["reasons"] = [r.to_dict() for r in self.reasons]
        d["flagged"] = self.flagged
        return d


@dataclass(frozen=True)
class TraceResult:
    """Everything a trace found: hops, pages, artifacts, the site's verdict, errors and costs."""

    start_url: str
    final_url: str
    hops: tuple[Hop, ...]
    pages: tuple[PageRecord, ...]
    artifacts: tuple[Artifact, ...]
    site: SiteVerdict | None
    errors: tuple[str, ...]
    stopped: str  # "" when the trace ran to its end, else why it stopped early
    requests: int
    bytes_read: int
    elapsed: float

    @property
    def flagged(self) -> tuple[Artifact, ...]:
        return tuple(a for a in self.artifacts if a.flagged)

    def to_dict(self) -> dict[str, Any]:
        return {
            "start_url": self.start_url,
            "final_url": self.final_url,
            "hops": [h.to_dict() for h in self.hops],
            "pages": [p.to_dict() for p in self.pages],
            "artifacts": [a.to_dict() for a in self.artifacts],
            "site": self.site.to_dict() if self.site else None,
            "errors": list(self.errors),
            "stopped": self.stopped,
            "requests": self.requests,
            "bytes_read": self.bytes_read,
            "elapsed": round(self.elapsed, 3),
        }


class _Stop(Exception):
    """The trace's time or byte budget is spent."""


_SUFFIX_KINDS = (
    (".apk", "apk"),
    (".xapk", "apk"),
    (".apks", "apk"),
    (".ipa", "ipa"),
    (".mobileconfig", "mobileconfig"),
)
_DISPOSITION = re.compile(r"filename\*?=(?:UTF-8''|\")?([^\";]+)", re.IGNORECASE)


def _filename(headers: dict[str, str]) -> str:
    m = _DISPOSITION.search(headers.get("content-disposition", ""))
    return m.group(1).strip().lower() if m else ""


def sniff_kind(resp: Response) -> tuple[str, str]:
    """(kind, how) of a downloaded body: 'apk', 'ipa', 'mobileconfig', 'page' or 'unknown'; ``how`` says
    whether the Content-Type, the Content-Disposition file name or the bytes told."""
    ct = resp.content_type
    name = _filename(resp.headers)
    head = resp.body[:64]
    by_type = {
        "application/vnd.android.package-archive": "apk",
        "application/x-apple-aspen-config": "mobileconfig",
    }
    declared = by_type.get(ct, "")
    named = next((k for sfx, k in _SUFFIX_KINDS if name.endswith(sfx)), "")
    if head.startswith(b"PK\x03\x04") and resp.path is not None:
        magic = ""
        with contextlib.suppress(OSError, ApkFormatError), open(resp.path, "rb") as f:
            names = [e.name for e in read_layout(f).entries]
            if any(n.startswith("Payload/") and ".app/" in n for n in names):
                magic = "ipa"
            elif "AndroidManifest.xml" in names or any(n.endswith(".apk") for n in names):
                magic = "apk"
        if magic:
            how = (
                "content_type" if declared == magic else "content_disposition" if named == magic else "magic"
            )
            return magic, how
    if declared:
        return declared, "content_type"
    if named:
        return named, "content_disposition"
    if looks_like_cms(resp.body[:64]) or (b"PayloadContent" in resp.body and b"<plist" in resp.body):
        return "mobileconfig", "magic"
    if ct in PAGE_TYPES or ct.startswith("text/") or head.lstrip()[:1] == b"<":
        return "page", "content_type"
    return "unknown", ""


class _Tracer:
    def __init__(
        self,
        fetcher: Fetcher,
        brands: Sequence[PreparedBrand],
        limits: Limits,
        store_judge: StoreJudge | None,
        apk_analyser: ApkAnalyser | None,
        testflight_base: str,
        keep_dir: Path | None,
        read_qr_codes: bool,
        trusted_roots: Sequence[bytes],
    ) -> None:
        self.f = fetcher
        self.brands = brands
        self.limits = limits
        self.store_judge = store_judge
        self.apk_analyser = apk_analyser
        self.tf_base = testflight_base.rstrip("/")
        self.keep_dir = keep_dir
        self.read_qr_codes = read_qr_codes
        self.roots = trusted_roots
        self.hops: list[Hop] = []
        self.pages: list[PageRecord] = []
        self.facts: dict[str, PageFacts] = {}
        self.artifacts: list[Artifact] = []
        self.errors: list[str] = []
        self.stopped = ""
        self.seen_artifacts: set[tuple[str, str]] = set()
        self.seen_pages: set[str] = set()
        self.probes = 0
        self.page_brand_ids: list[str] = []

    # -- fetching ----------------------------------------------------------------------------------------
    def _get(self, url: str, *, to_file: bool | None, max_bytes: int | None = None) -> Response | None:
        """Follow HTTP redirects from ``url`` (recording each hop); None on failure (recorded)."""
        chain: list[str] = []
        current = url
        for _ in range(self.limits.max_hops + 1):
            if current in chain:
                self._error(current, "redirect loop: the chain comes back to a page it already visited")
                return None
            chain.append(current)
            try:
                resp = self.f.get(current, to_file=to_file, max_bytes=max_bytes)
            except FetchError as exc:
                if self.f.remaining() <= 0:
                    self.stopped = str(exc)
                    raise _Stop from None
                self._error(current, str(exc))
                return None
            if resp.status in (301, 302, 303, 307, 308):
                nxt = urljoin(current, resp.location) if resp.location else ""
                self.hops.append(Hop(current, resp.status, "http_redirect", nxt, resp.address))
                if not nxt:
                    self._error(current, f"HTTP {resp.status} without a Location")
                    return None
                current = nxt
                continue
            if resp.status != 200:
                self.hops.append(
                    Hop(current, resp.status, "error", "", resp.address, error=f"HTTP {resp.status}")
                )
                self.errors.append(f"{_short(current)}: HTTP {resp.status}")
                return None
            if resp.error:
                self.errors.append(f"{_short(current)}: {resp.error}")
                if self.f.remaining() <= 0:
                    self.stopped = resp.error
            return resp
        self._error(current, f"more than {self.limits.max_hops} redirects")
        return None

    def _error(self, url: str, message: str) -> None:
        self.hops.append(Hop(url, 0, "error", error=message))
        self.errors.append(f"{_short(url)}: {message}")

    def _done_file(self, resp: Response) -> Path | None:
        """Keep the downloaded file when asked (named by its hash), else remove it."""
        if resp.path is None:
            return None
        if self.keep_dir is not None and resp.sha256:
            self.keep_dir.mkdir(parents=True, exist_ok=True)
            dest = self.keep_dir / resp.sha256
            shutil.move(str(resp.path), dest)
            return dest
        with contextlib.suppress(OSError):
            resp.path.unlink()
        return None

    # -- navigation --------------------------------------------------------------------------------------
    def navigate(self, url: str, *, via: str, source: str = "") -> str:
        """Load a page, following refreshes and script redirects; returns the last page's URL ('' if none).
        A URL that serves a file instead becomes an artifact."""
        current = url
        refresh_chain: list[str] = []
        for _ in range(self.limits.max_hops + 1):
            if current in refresh_chain or (current in self.seen_pages and current != url):
                self._error(current, "refresh loop: the page sends back to a page already visited")
                return ""
            refresh_chain.append(current)
            kind = classify(current)
            if kind is not None and kind[0] in KINDS:
                self.artifact(kind[0], kind[1], current, source=source or url, via=via)
                return ""
            if len(self.pages) >= self.limits.max_pages:
                self.errors.append(
                    f"page limit reached ({self.limits.max_pages}); {_short(current)} not read"
                )
                return ""
            resp = self._get(current, to_file=None)
            if resp is None:
                return ""
            final = resp.url
            what, how = sniff_kind(resp)
            if what in ("apk", "ipa", "mobileconfig"):
                self.hops.append(_hop(resp, "file", error=""))
                self.analyse_file(what, final, resp, source=source or url, via=via, detected_by=how)
                return ""
            if resp.path is not None:  # an unknown binary
                self.hops.append(_hop(resp, "file", error="not a page and not an app"))
                self._done_file(resp)
                return ""
            self.seen_pages.add(final)
            text = _decode(resp)
            facts = extract(text, final)
            self.facts[final] = facts
            brands = J.page_brands(facts.title, facts.text, self.brands)
            for b in brands:
                if b not in self.page_brand_ids:
                    self.page_brand_ids.append(b)
            self.pages.append(
                PageRecord(
                    final,
                    resp.status,
                    facts.title,
                    resp.size,
                    resp.sha256,
                    resp.truncated,
                    resp.address,
                    tuple(brands),
                    resp.body[:KEEP_HTML],
                )
            )
            nxt, how2 = (
                (facts.refresh, "meta_refresh")
                if facts.refresh
                else (facts.script_redirect, "script_redirect")
            )
            self.hops.append(_hop(resp, how2 if nxt else "page", nxt))
            self.scan_page(final, facts)
            if not nxt or nxt == final:
                return final
            current = nxt
        self._error(current, f"more than {self.limits.max_hops} refreshes")
        return ""

    def scan_page(self, url: str, facts: PageFacts) -> None:
        """Queue what the page distributes, probe unlabelled download links, read QR codes."""
        follow: list[str] = []
        for link in facts.links:
            k = classify(link.url)
            if k is not None:
                self.artifact(k[0], k[1], link.url, source=url, via="link")
            elif (
                link.tag in ("a", "data", "iframe")
                and looks_like_download(link)
                and urlsplit(link.url).scheme in ("http", "https")
                and link.url not in self.seen_pages
            ):
                follow.append(link.url)
        if self.read_qr_codes:
            self.scan_images(url, facts)
        for target in dict.fromkeys(follow):
            if self.probes >= self.limits.max_probes:
                self.errors.append(
                    f"probe limit reached ({self.limits.max_probes}); other download links not read"
                )
                break
            if target in self.seen_pages:
                continue
            self.probes += 1
            self.navigate(target, via="link", source=url)

    def scan_images(self, url: str, facts: PageFacts) -> None:
        for src in facts.images[: self.limits.max_images]:
            if urlsplit(src).scheme not in ("http", "https"):
                continue
            resp = self._get(src, to_file=False, max_bytes=self.limits.image_max)
            if resp is None or resp.truncated:
                continue
            try:
                texts = read_qr(resp.body)
            except QrUnavailable as exc:
                self.errors.append(str(exc))
                self.read_qr_codes = False
                return
            for t in texts:
                k = classify(t)
                if k is not None:
                    self.artifact(k[0], k[1], t, source=url, via="qr")
                elif urlsplit(t).scheme in ("http", "https") and len(self.pages) < self.limits.max_pages:
                    self.navigate(t, via="qr", source=url)

    # -- artifacts ---------------------------------------------------------------------------------------
    def _add(self, a: Artifact) -> None:
        self.artifacts.append(a)

    def _unchecked(
        self, kind: str, url: str, facts: dict[str, Any], source: str, via: str, parent: str = ""
    ) -> None:
        """An artifact that could not be fetched: kept unjudged, with the last fetch error."""
        error = self.errors[-1] if self.errors else ""
        self._add(
            Artifact(kind, url, "unchecked", "", (_unreachable(),), facts, source, via, parent, error=error)
        )

    def artifact(self, kind: str, key: str, url: str, *, source: str, via: str, parent: str = "") -> None:
        if (kind, key) in self.seen_artifacts:
            return
        if len(self.seen_artifacts) >= self.limits.max_artifacts:
            self.errors.append(
                f"artifact limit reached ({self.limits.max_artifacts}); {_short(url)} not analysed"
            )
            return
        self.seen_artifacts.add((kind, key))
        if kind in ("google_play", "app_store"):
            self._add(self.store_artifact(kind, key, url, source, via))
        elif kind == "testflight":
            self._add(self.testflight(key, url, source, via))
        elif kind == "itms_manifest":
            self.manifest(key, url, source, via)
        else:
            resp = self._get(url, to_file=True)
            if resp is None:
                self._unchecked(kind, url, {}, source, via, parent)
                return
            self.hops.append(_hop(resp, "file"))
            real, how = sniff_kind(resp)
            if real in ("apk", "ipa", "mobileconfig"):
                self.analyse_file(
                    real,
                    url,
                    resp,
                    source=source,
                    via=via,
                    detected_by="url" if real == kind else how,
                    parent=parent,
                )
            else:
                self._done_file(resp)
                self._add(
                    Artifact(
                        kind,
                        url,
                        "invalid",
                        "",
                        (
                            Reason(
                                "not_an_app",
                                0,
                                f"連結未提供 {kind.upper()} 檔案（回應為 {resp.content_type or '未知格式'}）",
                                f"the link does not serve a {kind} file "
                                f"(got {resp.content_type or 'unknown content'})",
                            ),
                        ),
                        {"content_type": resp.content_type},
                        source,
                        via,
                        parent,
                        resp.sha256,
                        resp.size,
                    )
                )

    def analyse_file(
        self,
        kind: str,
        url: str,
        resp: Response,
        *,
        source: str,
        via: str,
        detected_by: str = "",
        parent: str = "",
    ) -> None:
        self.seen_artifacts.add((kind, resp.sha256))
        if resp.path is None:  # a profile served as text arrives in page mode: put it on disk like the rest
            import dataclasses
            import tempfile

            base = self.f.tmp_dir or Path(tempfile.gettempdir())
            fd, name = tempfile.mkstemp(prefix="trace-", suffix=".download", dir=base)
            with open(fd, "wb") as out:
                out.write(resp.body)
            resp = dataclasses.replace(resp, path=Path(name))
        path = resp.path
        assert path is not None
        common: dict[str, Any] = {"content_type": resp.content_type, "truncated": resp.truncated}
        try:
            if resp.truncated:
                art = Artifact(
                    kind,
                    url,
                    "invalid",
                    "",
                    (
                        Reason(
                            "incomplete_download",
                            0,
                            f"檔案未完整下載：{resp.error}",
                            f"the file was not downloaded completely: {resp.error}",
                        ),
                    ),
                    common,
                    source,
                    via,
                    parent,
                )
            elif kind == "apk":
                art = self.apk(url, path, common, source, via)
            elif kind == "ipa":
                art = self.ipa(url, path, common, source, via, parent)
            else:
                art = self.mobileconfig(url, path, common, source, via)
        finally:
            kept = self._done_file(resp)
        self._add(_with(art, sha256=resp.sha256, size=resp.size, path=kept, detected_by=detected_by))

    def apk(self, url: str, path: Path, facts: dict[str, Any], source: str, via: str) -> Artifact:
        if self.apk_analyser is None:
            return Artifact(
                "apk",
                url,
                "unchecked",
                "",
                (
                    Reason(
                        "not_analysed",
                        0,
                        "未分析 APK（未提供分析器）",
                        "APK not analysed (no analyser given)",
                    ),
                ),
                facts,
                source,
                via,
            )
        name = urlsplit(url).path.rsplit("/", 1)[-1] or "download.apk"
        report = self.apk_analyser(path, name[:200])
        d = report.to_dict()
        facts = {
            **facts,
            **{
                k: d.get(k)
                for k in (
                    "package",
                    "label",
                    "version_name",
                    "version_code",
                    "signature_verified",
                    "certificates",
                )
            },
        }
        facts["certificates"] = [c.get("sha256") for c in d.get("certificates") or []]
        return Artifact("apk", url, report.verdict, report.brand, tuple(report.reasons), facts, source, via)

    def ipa(
        self, url: str, path: Path, facts: dict[str, Any], source: str, via: str, parent: str
    ) -> Artifact:
        try:
            info = read_ipa(path, trusted_roots=self.roots)
        except IpaError as exc:
            return Artifact(
                "ipa",
                url,
                "invalid",
                "",
                (Reason("unreadable", 0, "無法讀取此 IPA 檔案", f"cannot read this IPA: {exc}"),),
                facts,
                source,
                via,
                parent,
            )
        p = info.provision
        facts = {
            **facts,
            "bundle_id": info.bundle_id or (p.bundle_id if p else ""),
            "display_name": info.display_name,
            "name": info.name,
            "version": info.version,
            "build": info.build,
            "team_id": p.team_id if p else "",
            "team_name": p.team_name if p else "",
            "distribution": p.distribution if p else "",
            "expires": p.expires if p else "",
            "provision": p.to_dict() if p else None,
            "errors": list(info.errors),
        }
        if p is not None:
            facts["certificates"] = [c.sha256 for c in p.developer_certificates]
            facts["provision_signature_verified"] = bool(p.signature and p.signature.verified)
        j = J.judge_ios_build(
            bundle_id=facts["bundle_id"],
            names=[info.display_name, info.name, p.app_id_name if p else ""],
            team_id=facts["team_id"],
            team_name=facts["team_name"],
            distribution=facts["distribution"],
            brands=self.brands,
            page_brands=self.page_brand_ids,
        )
        reasons = j.reasons
        if p is not None and p.signature is not None and not p.signature.verified and j.verdict == "official":
            return Artifact(
                "ipa",
                url,
                "tampered",
                j.brand,
                (
                    Reason(
                        "provision_signature_invalid",
                        60,
                        "描述檔簽章無效：官方團隊代碼不可採信",
                        "the provisioning profile's signature does not verify: "
                        "the official team id cannot be trusted",
                    ),
                ),
                facts,
                source,
                via,
                parent,
            )
        return Artifact("ipa", url, j.verdict, j.brand, reasons, facts, source, via, parent)

    def mobileconfig(self, url: str, path: Path, facts: dict[str, Any], source: str, via: str) -> Artifact:
        try:
            if path.stat().st_size > 4 * 1024 * 1024:
                raise ConfigError("larger than 4 MB")
            cp = parse_mobileconfig(path.read_bytes(), trusted_roots=self.roots)
        except (ConfigError, OSError) as exc:
            return Artifact(
                "mobileconfig",
                url,
                "invalid",
                "",
                (
                    Reason(
                        "unreadable", 0, "無法讀取此描述檔", f"cannot read this configuration profile: {exc}"
                    ),
                ),
                facts,
                source,
                via,
            )
        facts = {**facts, **cp.to_dict()}
        signer = cp.signature.signers[0].subject if cp.signature and cp.signature.signers else ""
        facts["signer"] = signer
        j = J.judge_mobileconfig(
            names=[cp.display_name, cp.organization, *(w.label for w in cp.web_clips)],
            clip_urls=[w.url for w in cp.web_clips],
            full_screen=any(w.full_screen for w in cp.web_clips),
            not_removable=any(not w.removable for w in cp.web_clips),
            dangerous=[DANGEROUS[t] for t in cp.dangerous],
            brands=self.brands,
            page_brands=self.page_brand_ids,
        )
        return Artifact("mobileconfig", url, j.verdict, j.brand, j.reasons, facts, source, via)

    def manifest(self, manifest_url: str, itms: str, source: str, via: str) -> None:
        facts: dict[str, Any] = {
            "manifest_url": manifest_url,
            "https": manifest_url.lower().startswith("https:"),
        }
        resp = self._get(manifest_url, to_file=False, max_bytes=self.limits.manifest_max)
        if resp is None:
            self._unchecked("itms_manifest", itms, facts, source, via)
            return
        self.hops.append(_hop(resp, "file"))
        try:
            m = parse_manifest(resp.body)
        except ManifestError as exc:
            self._add(
                Artifact(
                    "itms_manifest",
                    itms,
                    "invalid",
                    "",
                    (
                        Reason(
                            "unreadable",
                            0,
                            "無法讀取安裝清單（manifest）",
                            f"cannot read the manifest: {exc}",
                        ),
                    ),
                    facts,
                    source,
                    via,
                    sha256=resp.sha256,
                    size=resp.size,
                )
            )
            return
        facts.update(m.to_dict())
        j = J.judge_ios_build(
            bundle_id=m.bundle_id,
            names=[m.title],
            team_id="",
            team_name="",
            distribution="enterprise",
            brands=self.brands,
            page_brands=self.page_brand_ids,
        )
        reasons = j.reasons
        if j.verdict not in ("unrelated", "official"):
            reasons = (
                *reasons,
                Reason(
                    "itms_services",
                    0,
                    "以 itms-services 安裝清單繞過 App Store 安裝（企業或 Ad Hoc 憑證）",
                    "installs through an itms-services manifest, bypassing the App Store "
                    "(enterprise or ad hoc)",
                ),
            )
        self._add(
            Artifact(
                "itms_manifest",
                itms,
                j.verdict,
                j.brand,
                reasons,
                facts,
                source,
                via,
                sha256=resp.sha256,
                size=resp.size,
            )
        )
        if m.ipa_url:
            ipa_url = urljoin(manifest_url, m.ipa_url)
            self.artifact("ipa", ipa_url, ipa_url, source=source, via="manifest", parent=itms)

    def testflight(self, code: str, url: str, source: str, via: str) -> Artifact:
        join = f"{self.tf_base}/join/{code}"
        resp = self._get(join, to_file=False, max_bytes=512 * 1024)
        facts: dict[str, Any] = {"code": code, "join_page": join}
        if resp is None:
            page = parse_join_page(code, "")
            facts.update({**page.to_dict(), "state": "", "reachable": False})
        else:
            self.hops.append(_hop(resp, "page"))
            page = parse_join_page(code, _decode(resp))
            facts.update({**page.to_dict(), "reachable": True})
        j = J.judge_testflight(
            code=code,
            app_name=page.app_name,
            state=facts["state"],
            brands=self.brands,
            page_brands=self.page_brand_ids,
        )
        return Artifact("testflight", url, j.verdict, j.brand, j.reasons, facts, source, via)

    def store_artifact(self, store: str, app_id: str, url: str, source: str, via: str) -> Artifact:
        facts: dict[str, Any] = {"store": store, "app_id": app_id}
        for pb in self.brands:
            if pb.brand.official_app(store, app_id) is not None and self.store_judge is None:
                return Artifact(
                    store,
                    url,
                    "official",
                    pb.brand.id,
                    (
                        Reason(
                            "official_app",
                            0,
                            f"官方 App（{store} {app_id}）",
                            f"official app ({store} {app_id})",
                        ),
                    ),
                    facts,
                    source,
                    via,
                )
        if self.store_judge is None:
            return Artifact(
                store,
                url,
                "unchecked",
                "",
                (
                    Reason(
                        "store_not_checked", 0, "未查詢商店（未提供商店查詢）", "the store was not checked"
                    ),
                ),
                facts,
                source,
                via,
            )
        try:
            v = self.store_judge(store, app_id)
        except Exception as exc:  # a broken store is reported, never read as "no fake" (fails open, loud)
            self.errors.append(f"{store} {app_id}: {str(exc)[:200]}")
            return Artifact(
                store,
                url,
                "unchecked",
                "",
                (
                    Reason(
                        "store_error",
                        0,
                        "無法查詢商店，請稍後重試",
                        f"the store could not be read: {str(exc)[:200]}",
                    ),
                ),
                facts,
                source,
                via,
                error=str(exc)[:200],
            )
        if v is None:
            return Artifact(
                store,
                url,
                "unchecked",
                "",
                (
                    Reason(
                        "not_in_store",
                        0,
                        "商店查無此 App（可能已下架）",
                        "the store has no such app (perhaps removed)",
                    ),
                ),
                {**facts, "listed": False},
                source,
                via,
            )
        return Artifact(
            store,
            url,
            v.verdict,
            v.brand,
            tuple(v.reasons),
            {**facts, "listed": True, "score": getattr(v, "score", 0)},
            source,
            via,
        )


def _with(a: Artifact, **changes: Any) -> Artifact:
    import dataclasses

    return dataclasses.replace(a, **changes)


def _hop(resp: Response, kind: str, next_url: str = "", *, error: str | None = None) -> Hop:
    """The hop of an answered request: what came back, what it is and where it leads (``error``: the
    response's own unless given)."""
    return Hop(
        resp.url,
        resp.status,
        kind,
        next_url,
        resp.address,
        resp.content_type,
        resp.size,
        resp.sha256,
        resp.error if error is None else error,
    )


def _unreachable() -> Reason:
    return Reason("unreachable", 0, "無法取得，請稍後重試", "could not be fetched; try again later")


def _short(url: str) -> str:
    return url if len(url) <= 120 else url[:117] + "…"


def _decode(resp: Response) -> str:
    ct = resp.headers.get("content-type", "")
    m = re.search(r"charset=([\w-]+)", ct, re.IGNORECASE)
    for enc in (m.group(1) if m else "", "utf-8", "big5", "gb18030"):
        if not enc:
            continue
        try:
            return resp.body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return resp.body.decode("utf-8", "replace")


def trace(
    url: str,
    fetcher: Fetcher,
    brands: Sequence[PreparedBrand],
    *,
    limits: Limits | None = None,
    store_judge: StoreJudge | None = None,
    apk_analyser: ApkAnalyser | None = None,
    testflight_base: str = "https://testflight.apple.com",
    keep_dir: Path | None = None,
    read_qr_codes: bool = True,
    trusted_roots: Sequence[bytes] = (),
) -> TraceResult:
    """Trace ``url`` and judge everything it distributes; never raises on hostile input (errors are in the
    result). ``keep_dir``: keep downloaded artifacts there, named by SHA-256 (else they are deleted)."""
    started = time.perf_counter()
    t = _Tracer(
        fetcher,
        brands,
        limits or Limits(),
        store_judge,
        apk_analyser,
        testflight_base,
        keep_dir,
        read_qr_codes,
        trusted_roots,
    )
    landing = ""
    start = url.strip()
    try:
        landing = t.navigate(start, via="start")
    except _Stop:
        pass
    except Exception as exc:  # a bug must not lose what was found: say it and return the partial trace
        t.errors.append(f"internal error: {type(exc).__name__}: {str(exc)[:200]}")
        t.stopped = t.stopped or "internal error"
    site = None
    if landing:
        rec = next((p for p in t.pages if p.url == landing), None)
        facts = t.facts.get(landing)
        non_official = sum(1 for a in t.artifacts if a.verdict not in ("official", "allowed"))
        pj = J.judge_page(
            url=landing,
            title=facts.title if facts else "",
            text=facts.text if facts else "",
            brands=brands,
            flagged_artifacts=sum(1 for a in t.artifacts if a.flagged),
            non_official_artifacts=non_official,
        )
        site = SiteVerdict(
            landing,
            domain_of(landing),
            rec.address if rec else "",
            pj.verdict,
            pj.brand,
            pj.names_brand,
            pj.official_domain,
            pj.reasons,
        )
    return TraceResult(
        start_url=start,
        final_url=landing,
        hops=tuple(t.hops),
        pages=tuple(t.pages),
        artifacts=tuple(t.artifacts),
        site=site,
        errors=tuple(dict.fromkeys(t.errors)),
        stopped=t.stopped,
        requests=fetcher.requests_made,
        bytes_read=fetcher.bytes_read,
        elapsed=time.perf_counter() - started,
    )
