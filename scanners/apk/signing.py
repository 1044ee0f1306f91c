"""Public entry point of the APK signature check: `verify_apk(path)` answers what `apksigner verify` says.

Reproduces the rules of Android's ApkVerifier (apksig): v3.1, then v3, then v2, then v1 by SDK range;
v2 is checked when v3 is absent or the APK also runs below Android 9; v1 when no v2+ signature exists
or the APK also runs below Android 7; v2 stripping protection and the `.SF` X-Android-APK-Signed
header; the same signer across v1 and v2; the v3 signer (or the root of its rotation lineage) equal to
the older schemes' signer. The whole file is hashed once, in 1 MiB chunks, for every scheme that needs it.
Then the v4 file beside the APK (`FILE.apk.idsig`) and the SourceStamp, as apksigner checks them with
`--v4-signature-file` (scanners/apk/extrasig.py).
"""

from __future__ import annotations

import dataclasses
import struct
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, BinaryIO

from scanners.apk.certs import Certificate
from scanners.apk.extrasig import (
    MAX_IDSIG_SIZE,
    STAMP_ENTRY,
    V1_STAMP_ID,
    V2_STAMP_ID,
    ApkFacts,
    ExtraSignature,
    SignedBy,
    verify_stamp,
    verify_v4,
)
from scanners.apk.jarsig import V1Result, v1_present, verify_v1
from scanners.apk.sigblock import (
    SCHEME_NAMES,
    SIG_ALGS,
    V2_ID,
    V3_ID,
    V31_ID,
    LineageNode,
    Malformed,
    SchemeCheck,
    Signer,
    SigningBlock,
    check_integrity,
    check_v3_ranges,
    content_digests,
    find_signing_block,
    parse_scheme,
    read_scheme_value,
)
from scanners.apk.zipread import ApkFormatError, ZipLayout, read_entry, read_entry_bytes, read_layout

__all__ = [
    "MAX_IDSIG_SIZE",
    "STAMP_ENTRY",
    "V1_STAMP_ID",
    "V2_STAMP_ID",
    "ApkFormatError",
    "Certificate",
    "ExtraSignature",
    "SchemeResult",
    "SigningReport",
    "read_entry",
    "read_min_sdk",
    "verify_apk",
]

MAX_SDK = 2**31 - 1
SDK_JB_MR2, SDK_N, SDK_O, SDK_P, SDK_R, SDK_T = 18, 24, 26, 28, 30, 33
MAX_MANIFEST_SIZE = 16 << 20
# Total uncompressed bytes the v1 check may hash before the file counts as a ZIP bomb.
MAX_INFLATED = 2 << 30
# Files at least this big check v1 in a second thread beside the v2/v3 digests.
PARALLEL_MIN = 8 << 20
SCHEME_KEYS = ("v1", "v2", "v3", "v3.1")


@dataclass(frozen=True)
class SchemeResult:
    """One signature scheme: present in the file, checked (apksigner's rules), verified, why not."""

    scheme: str
    present: bool
    verified: bool
    errors: tuple[str, ...]
    signers: tuple[Certificate, ...]
    checked: bool = False
    warnings: tuple[str, ...] = ()
    # Per signer (as `signers`): the content digests it signed, by digest (sha256, sha512, verity); v2/v3.
    signer_digests: tuple[Mapping[str, bytes], ...] = field(default=(), repr=False, compare=False)

    def to_dict(self) -> dict[str, object]:
        return {
            "present": self.present,
            "checked": self.checked,
            "verified": self.verified,
            "errors": list(self.errors),
            "signers": [c.sha256 for c in self.signers],
        }


@dataclass(frozen=True)
class SigningReport:
    """What `apksigner verify --print-certs` would say about one APK."""

    verified: bool
    schemes: dict[str, SchemeResult]
    signers: tuple[Certificate, ...]
    lineage: tuple[Certificate, ...]
    errors: tuple[str, ...]
    warnings: tuple[str, ...]
    min_sdk: int
    v4: ExtraSignature | None = None
    source_stamp: ExtraSignature | None = None

    def all_certificates(self) -> frozenset[str]:
        """SHA-256 of the signer certificates and of every certificate in the rotation lineage."""
        return frozenset(c.sha256 for c in (*self.signers, *self.lineage))

    def to_dict(self) -> dict[str, object]:
        return {
            "verified": self.verified,
            "schemes": {k: v.to_dict() for k, v in self.schemes.items()},
            "signers": [c.to_dict() for c in self.signers],
            "lineage": [c.to_dict() for c in self.lineage],
            "errors": list(self.errors),
            "warnings": list(self.warnings),
            "min_sdk": self.min_sdk,
            "v4": self.v4.to_dict() if self.v4 else None,
            "source_stamp": self.source_stamp.to_dict() if self.source_stamp else None,
        }


# ------------------------------------------------------------------------- minimal binary XML reader

_MIN_SDK_ATTR = 0x0101020C
_TARGET_SDK_ATTR = 0x01010270
_TARGET_SANDBOX_ATTR = 0x0101054C
# First letter of a preview codename → the API level it builds on (apksig's table).
_CODENAME_LEVELS = (2, 3, 4, 7, 8, 10, 13, 15, 18, 20, 22, 23, 25, 27, 28, 29, 30, 32, 33, 34)
_CODENAMES = dict(zip("CDEFGHIJKLMNOPQRSTUV", _CODENAME_LEVELS, strict=True))


def _string(data: bytes, pool: tuple[int, int, int, bool], index: int) -> str:
    start, count, strings_start, utf8 = pool
    if index < 0 or index >= count:
        raise ValueError("string index out of range")
    (offset,) = struct.unpack_from("<I", data, start + index * 4)
    pos = strings_start + offset
    if utf8:
        pos += 2 if data[pos] & 0x80 else 1  # length in characters
        size = data[pos]
        if size & 0x80:
            size = ((size & 0x7F) << 8) | data[pos + 1]
            pos += 1
        pos += 1
        return data[pos : pos + size].decode("utf-8", "replace")
    (size,) = struct.unpack_from("<H", data, pos)
    pos += 2
    if size & 0x8000:
        (low,) = struct.unpack_from("<H", data, pos)
        size = ((size & 0x7FFF) << 16) | low
        pos += 2
    return data[pos : pos + size * 2].decode("utf-16-le", "replace")


def manifest_sdk_facts(data: bytes) -> tuple[int, int, int]:
    """(minSdkVersion, targetSdkVersion, targetSandboxVersion) from a binary AndroidManifest.xml, read
    as apksig reads them (1 when absent).

    Raises ApkFormatError for a malformed document.
    """
    try:
        return _manifest_sdk_facts(data)
    except (ValueError, IndexError, struct.error) as exc:
        raise ApkFormatError(f"malformed binary AndroidManifest.xml ({exc})") from None


def _manifest_sdk_facts(data: bytes) -> tuple[int, int, int]:
    chunk_type, header_size, total = struct.unpack_from("<HHI", data, 0)
    if chunk_type != 0x0003:
        raise ValueError("not a binary XML document")
    end = min(total, len(data))
    pos = header_size
    pool: tuple[int, int, int, bool] | None = None
    res_ids: list[int] = []
    depth = 0
    min_sdk: int | None = None
    target_sdk = 1
    sandbox = 1
    while pos + 8 <= end:
        ctype, hsize, csize = struct.unpack_from("<HHI", data, pos)
        if csize < 8 or pos + csize > end or hsize > csize:
            raise ValueError("chunk size out of range")
        if ctype == 0x0001:  # string pool
            count, _styles, flags, strings_start, _ = struct.unpack_from("<IIIII", data, pos + 8)
            pool = (pos + hsize, count, pos + strings_start, bool(flags & 0x100))
        elif ctype == 0x0180:  # resource ids of attribute names
            res_ids = list(struct.unpack_from(f"<{(csize - hsize) // 4}I", data, pos + hsize))
        elif ctype == 0x0102:  # start element
            depth += 1
            ext = pos + hsize
            ns, name_idx, attr_start, attr_size, attr_count = struct.unpack_from("<IIHHH", data, ext)
            if pool is None:
                raise ValueError("element before the string pool")
            name = _string(data, pool, name_idx)
            wanted: tuple[int, ...] = ()
            uses_sdk = depth == 2 and name == "uses-sdk" and ns == 0xFFFFFFFF and min_sdk is None
            if uses_sdk:
                wanted, min_sdk = (_MIN_SDK_ATTR, _TARGET_SDK_ATTR), 1
            elif depth == 1 and name == "manifest" and ns == 0xFFFFFFFF:
                wanted = (_TARGET_SANDBOX_ATTR,)
            for i in range(attr_count if wanted else 0):
                a = ext + attr_start + i * attr_size
                _ans, aname, _raw, _vsize, _res0, vtype, vdata = struct.unpack_from("<IIIHBBI", data, a)
                if aname >= len(res_ids) or res_ids[aname] not in wanted:
                    continue
                res_id = res_ids[aname]
                if vtype in (0x10, 0x11):
                    value = vdata - (1 << 32) if vdata >= 1 << 31 else vdata
                elif vtype == 0x03 and res_id == _MIN_SDK_ATTR:
                    value = _codename_sdk(_string(data, pool, vdata))
                elif res_id == _MIN_SDK_ATTR:
                    raise ValueError("unsupported minSdkVersion value type")
                else:
                    continue  # apksig reads targetSdkVersion/targetSandboxVersion only as integers
                if res_id == _MIN_SDK_ATTR:
                    min_sdk = value
                elif res_id == _TARGET_SDK_ATTR:
                    target_sdk = value
                else:
                    sandbox = value
            if uses_sdk and min_sdk is not None:
                return min_sdk, target_sdk, sandbox
        elif ctype == 0x0103:
            depth -= 1
        pos += csize
    return (1 if min_sdk is None else min_sdk), target_sdk, sandbox


def _codename_sdk(codename: str) -> int:
    first = codename[:1]
    if not ("A" <= first <= "Z"):
        raise ValueError(f"unsupported minSdkVersion codename {codename!r}")
    known = [c for c in sorted(_CODENAMES) if c <= first]
    if not known:
        return 1
    base = known[-1]
    return _CODENAMES[base] + (ord(first) - ord(base))


def read_min_sdk(path: str | Path) -> int:
    """minSdkVersion declared by an APK's binary manifest (1 when absent), as apksigner reads it."""
    return manifest_sdk_facts(read_entry(path, "AndroidManifest.xml", max_size=MAX_MANIFEST_SIZE))[0]


# ---------------------------------------------------------------------------------------- verifier


@dataclass
class _State:
    path: Path
    f: BinaryIO
    layout: ZipLayout
    block: SigningBlock | None
    digests: dict[str, bytes] = field(default_factory=dict)

    def digest(self, algorithms: set[str]) -> dict[str, bytes]:
        missing = {a for a in algorithms if a not in self.digests and a in ("sha256", "sha512", "verity")}
        if missing and self.block is not None:
            self.digests.update(content_digests(self.f, self.layout, self.block.offset, missing))
        return self.digests


def verify_apk(path: str | Path, *, min_sdk: int | None = None, max_sdk: int = MAX_SDK) -> SigningReport:
    """Verify every signature scheme of the APK at `path` with apksigner's rules.

    `min_sdk` None reads minSdkVersion from the binary manifest. Raises ApkFormatError (one-line
    reason) when the file is not a readable APK; a readable APK whose signature fails gives
    `verified=False` with the errors.
    """
    try:
        return _verify(path, min_sdk=min_sdk, max_sdk=max_sdk)
    except ApkFormatError:
        raise
    except OSError as exc:
        raise ApkFormatError(f"cannot read {Path(path).name}: {exc.strerror or exc}") from None
    except MemoryError:
        raise ApkFormatError("APK structure too large to check") from None
    except Exception as exc:  # hostile input must never escape as anything but ApkFormatError
        raise ApkFormatError(f"malformed APK ({type(exc).__name__}: {exc})") from None


def _verify(path: str | Path, *, min_sdk: int | None, max_sdk: int) -> SigningReport:
    with open(path, "rb") as f:
        layout = read_layout(f)
        manifest_entry = layout.find("AndroidManifest.xml")
        if manifest_entry is None:
            raise ApkFormatError("no AndroidManifest.xml in the archive")
        manifest = read_entry_bytes(f, layout, manifest_entry, max_size=MAX_MANIFEST_SIZE)
        declared_min, target_sdk, sandbox = manifest_sdk_facts(manifest)
        if min_sdk is None:
            min_sdk = declared_min
        if min_sdk > max_sdk:
            raise ApkFormatError(f"minSdkVersion {min_sdk} is above the maximum SDK {max_sdk}")
        found = find_signing_block(f, layout)
        state = _State(Path(path), f, layout, found if isinstance(found, SigningBlock) else None)
        report = _run(state, min_sdk, max_sdk, target_sdk, sandbox)
        return _with_v4_and_stamp(state, report, max_sdk)


def _with_v4_and_stamp(state: _State, report: SigningReport, max_sdk: int) -> SigningReport:
    """Add the v4 file beside the APK and the SourceStamp, checked as apksigner checks them (see
    scanners/apk/extrasig.py: which oracle each rule follows). Only a v4 file that verifies by itself but
    does not pair with the v2/v3 signer changes the APK's verdict, as it makes apksigner reject the APK."""
    facts = ApkFacts(
        verified=report.verified,
        min_sdk=report.min_sdk,
        max_sdk=max_sdk,
        schemes={
            name: tuple(SignedBy(c, d) for c, d in zip(r.signers, r.signer_digests, strict=True))
            for name, r in report.schemes.items()
            if name != "v1" and r.verified
        },
        v1_checked=report.schemes["v1"].checked,
    )
    try:
        stamp = verify_stamp(state.f, state.layout, state.block, facts)
    except Exception as exc:  # hostile stamp: reported, never fatal to the APK's own verdict
        stamp = ExtraSignature("source_stamp", STAMP_ENTRY, warnings=(f"unreadable SourceStamp ({exc})",))
    idsig = state.path.with_name(state.path.name + ".idsig")
    try:
        v4 = verify_v4(idsig, state.f, state.layout.size, facts)
    except Exception as exc:  # a hostile .idsig: reported, never fatal to the APK's own verdict
        v4 = ExtraSignature("v4", idsig.name, errors=(f"unreadable .idsig ({type(exc).__name__}: {exc})",))
    report = dataclasses.replace(report, v4=v4, source_stamp=stamp)
    if v4 is not None and v4.rejects_apk and report.verified:
        # Both oracles, given this file with --v4-signature-file: "DOES NOT VERIFY" (no signer printed).
        errors = tuple(f"v4 ({v4.source}): {e}" for e in v4.errors)
        report = dataclasses.replace(report, verified=False, errors=errors, signers=(), lineage=())
    return report


def _scheme_value(state: _State, block_id: int) -> bytes | None:
    if state.block is None:
        return None
    try:
        return read_scheme_value(state.f, state.block, block_id)
    except Malformed as exc:
        raise ApkFormatError(f"APK Signing Block entry {block_id:#x}: {exc}") from None


def _scheme_present(state: _State, block_id: int) -> bool:
    return state.block is not None and block_id in state.block.pairs


def _run(state: _State, min_sdk: int, max_sdk: int, target_sdk: int, sandbox: int) -> SigningReport:
    found_ids: set[int] = set()
    errors: list[str] = []
    warnings: list[str] = []
    values = {
        "v3.1": _scheme_value(state, V31_ID),
        "v3": _scheme_value(state, V3_ID),
        "v2": _scheme_value(state, V2_ID),
    }
    checks: dict[str, SchemeCheck] = {}
    # Parse (cheap) in apksig's order, stopping at the first scheme with a signer error; hash the content
    # once for every scheme parsed; then check integrity in the same order.
    plan: list[tuple[str, int, int]] = []
    rotation_min: int | None = None
    if max_sdk >= SDK_T and values["v3.1"] is not None:
        plan.append(("v3.1", max(min_sdk, SDK_T), max_sdk))
    failed = False
    for scheme, lo, hi in plan:
        check = parse_scheme(scheme, values[scheme] or b"", lo, hi, found_ids)
        checks[scheme] = check
        found_ids.add(31)
        if check.fatal():
            failed = True
        elif check.signers and not check.has_errors():
            rotation_min = min(s.min_sdk for s in check.signers)
    if not failed and max_sdk >= SDK_P and values["v3"] is not None:
        hi = max_sdk if rotation_min is None else max(rotation_min - 1, max(min_sdk, SDK_P))
        check = parse_scheme("v3", values["v3"], max(min_sdk, SDK_P), hi, found_ids)
        checks["v3"] = check
        found_ids.add(3)
        failed = check.fatal()
        # A v3 signer naming a rotation SDK (apksig 33+) without any v3.1 block: the v3.1 block was stripped.
        for signer in check.signers:
            rot = signer.rotation_min_sdk
            if rot is not None and "v3.1" not in checks and SDK_T <= rot <= max_sdk:
                signer.errors.append("v3 signer targets a v3.1 rotation but the v3.1 block is missing")
                failed = True
            elif rot is not None and rotation_min is not None and rot != rotation_min:
                signer.errors.append(
                    f"v3 signer's rotation-min-sdk-version {rot} differs from the v3.1 signers' "
                    f"{rotation_min}"
                )
                failed = True
    v2_applies = max_sdk >= SDK_N and (min_sdk < SDK_P or not found_ids)
    if not failed and v2_applies and values["v2"] is not None:
        check = parse_scheme("v2", values["v2"], max(min_sdk, SDK_N), max_sdk, found_ids)
        checks["v2"] = check
        found_ids.add(2)

    needed: set[str] = set()
    for check in checks.values():
        if not check.fatal():
            needed |= check.digests_needed
    v1_applies = min_sdk < SDK_N or not found_ids
    v1_args = {
        "min_sdk": min_sdk,
        "max_sdk": max_sdk,
        "found_ids": frozenset(found_ids),
        "supported": SCHEME_NAMES,
        "max_inflated": MAX_INFLATED,
    }
    # On a big APK that needs both, hash the entries for v1 on a second core while this one computes
    # the v2/v3 chunk digests (hashlib and zlib release the GIL). The v1 result is used, as apksigner
    # would, only if the v2/v3 checks pass.
    with _Background(
        state, v1_args if v1_applies and needed and state.layout.size >= PARALLEL_MIN else None
    ) as job:
        return _check_all(state, checks, needed, rotation_min, found_ids, job, v1_applies, v1_args,
                          min_sdk, max_sdk, target_sdk, sandbox, errors, warnings)  # fmt: skip


def _check_all(
    state: _State,
    checks: dict[str, SchemeCheck],
    needed: set[str],
    rotation_min: int | None,
    found_ids: set[int],
    job: _Background,
    v1_applies: bool,
    v1_args: dict[str, Any],
    min_sdk: int,
    max_sdk: int,
    target_sdk: int,
    sandbox: int,
    errors: list[str],
    warnings: list[str],
) -> SigningReport:
    actual = state.digest(needed) if needed else {}

    ranges = {"v3.1": (max(min_sdk, SDK_T), max_sdk)}
    if "v3" in checks:
        ranges["v3"] = (max(min_sdk, SDK_P), max_sdk if rotation_min is None else rotation_min - 1)
    stop = False
    verified_schemes: dict[str, SchemeCheck] = {}
    checked: set[str] = set()
    for scheme in ("v3.1", "v3", "v2"):
        current = checks.get(scheme)
        if current is None or stop:
            continue
        check = current
        checked.add(scheme)
        if not check.has_errors():
            if "verity" in check.digests_needed and "verity" not in actual:
                # apksig fails outright here (a RuntimeException): the APK is not verifiable.
                check.signers[0].errors.append(
                    "VERITY digest needs the APK Signing Block 4 KiB aligned and sized; it is not"
                )
            check_integrity(check, actual)
            if scheme != "v2" and not check.has_errors():
                lo, hi = ranges[scheme]
                check_v3_ranges(check, lo, hi)
        if check.fatal():
            stop = True
        elif not check.has_errors():
            verified_schemes[scheme] = check
    if stop:
        return _report(state, checks, checked, None, min_sdk, errors, warnings)

    if max_sdk >= SDK_O and sandbox > 1 and not found_ids:
        errors.append(f"targetSandboxVersion {sandbox} requires an APK Signature Scheme v2+ signature")
    # Android 11+ refuses apps targeting API 30+ without a verified v2/v3 signature (apksig checks the same).
    if target_sdk >= SDK_R and max_sdk >= target_sdk and not ({"v2", "v3", "v3.1"} & set(verified_schemes)):
        errors.append(f"targetSdkVersion {target_sdk} requires a verified APK Signature Scheme v2+ signature")

    v1 = None
    if v1_applies:
        v1 = job.result() if job.started else verify_v1(state.f, state.layout, **v1_args)
    if errors or (v1 is not None and v1.errors):
        return _report(state, checks, checked, v1, min_sdk, errors, warnings)

    v1_certs = [c.der for c in v1.signers] if v1 is not None and v1.verified else []
    v2 = verified_schemes.get("v2")
    v2_certs = [s.certs[0].der for s in v2.signers] if v2 is not None else []
    if v1_certs and v2 is not None:
        if any(c not in v2_certs for c in v1_certs):
            errors.append("v1 signer is not among the v2 signers (v2 signature missing for it)")
        elif any(c not in v1_certs for c in v2_certs):
            errors.append("v2 signer is not among the v1 signers (JAR signature missing for it)")
    v3 = verified_schemes.get("v3")
    if v3 is not None and (v1_certs or v2_certs):
        old = v1_certs if v1_certs else v2_certs
        if len(old) != 1:
            errors.append("v3 allows one past signer, but v1/v2 have several")
        if v3.lineage is None:
            if len(v3.signers) != 1:
                errors.append("several v3 signers without a rotation lineage")
            if old[0] != v3.signers[0].certs[0].der:
                errors.append("v3 signer differs from the v1/v2 signer")
        else:
            ders = [n.cert.der for n in v3.lineage]
            if old[0] not in ders or ders.index(old[0]) != 0:
                errors.append("v1/v2 signer is not the root of the v3 rotation lineage")
    return _report(state, checks, checked, v1, min_sdk, errors, warnings)


class _Background:
    """verify_v1 on its own file handle in a worker thread (or nothing, when given no arguments)."""

    def __init__(self, state: _State, v1_args: dict[str, Any] | None) -> None:
        self.state = state
        self.args = v1_args
        self.started = v1_args is not None
        self._result: V1Result | None = None
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._work, daemon=True)

    def _work(self) -> None:
        try:
            with open(self.state.path, "rb") as f:
                self._result = verify_v1(f, self.state.layout, **(self.args or {}))
        except BaseException as exc:  # handed to the caller in result()
            self._error = exc

    def __enter__(self) -> _Background:
        if self.started:
            self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        if self.started:
            self._thread.join()

    def result(self) -> V1Result:
        self._thread.join()
        if self._error is not None:
            raise self._error
        assert self._result is not None
        return self._result


def _signed_digests(signer: Signer) -> dict[str, bytes]:
    """apksig's collectApkContentDigests: each digest record of a known algorithm, by content digest."""
    out: dict[str, bytes] = {}
    for alg_id, digest in signer.digests:
        alg = SIG_ALGS.get(alg_id)
        if alg is not None:
            out[alg.digest] = digest
    return out


def _report(
    state: _State,
    checks: dict[str, SchemeCheck],
    checked: set[str],
    v1: object,
    min_sdk: int,
    errors: list[str],
    warnings: list[str],
) -> SigningReport:
    schemes: dict[str, SchemeResult] = {}
    all_errors: list[str] = []
    for scheme in ("v3.1", "v3", "v2"):
        check = checks.get(scheme)
        present = _scheme_present(state, {"v3.1": V31_ID, "v3": V3_ID, "v2": V2_ID}[scheme])
        if check is None or scheme not in checked:
            schemes[scheme] = SchemeResult(scheme, present, False, (), (), False)
            continue
        errs = tuple(check.all_errors())
        all_errors.extend(check.signer_errors())
        # Kept as warnings: apksigner ignores them (the scheme is just not verified).
        warnings.extend(f"{e} (scheme ignored, as apksigner does)" for e in check.block_errors())
        warnings.extend(check.all_warnings())
        ok = not errs
        certs = tuple(s.certs[0] for s in check.signers if s.certs) if ok else ()
        digests = tuple(_signed_digests(s) for s in check.signers if s.certs) if ok else ()
        schemes[scheme] = SchemeResult(
            scheme, present, ok, errs, certs, True, tuple(check.all_warnings()), digests
        )
    v1_present_flag = v1_present(state.layout)
    if isinstance(v1, V1Result):
        v1_errors = tuple(f"v1: {e}" for e in v1.errors)
        all_errors.extend(v1_errors)
        warnings.extend(f"v1: {w}" for w in v1.warnings)
        schemes["v1"] = SchemeResult(
            "v1",
            v1_present_flag,
            v1.verified and not v1.errors,
            v1_errors,
            tuple(v1.signers),
            True,
            tuple(v1.warnings),
        )
    else:
        schemes["v1"] = SchemeResult("v1", v1_present_flag, False, (), (), False)
    all_errors.extend(errors)
    any_verified = any(s.verified for s in schemes.values())
    if not any_verified and not all_errors:
        all_errors.append("no signature: the APK is not signed (or its signatures were removed)")
    verified = not all_errors
    signers: tuple[Certificate, ...] = ()
    lineage: tuple[Certificate, ...] = ()
    if verified:
        for scheme in ("v3.1", "v3"):
            result = schemes[scheme]
            if result.verified:
                signers = result.signers[-1:]
                chain: list[LineageNode] | None = checks[scheme].lineage
                lineage = tuple(n.cert for n in chain) if chain else ()
                break
        else:
            signers = schemes["v2"].signers if schemes["v2"].verified else schemes["v1"].signers
    return SigningReport(
        verified=verified,
        schemes={k: schemes[k] for k in SCHEME_KEYS},
        signers=signers,
        lineage=lineage,
        errors=tuple(all_errors),
        warnings=tuple(warnings),
        min_sdk=min_sdk,
    )
