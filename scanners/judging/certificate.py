"""The certificate signal: an Android listing whose store reports its signing certificate (Aptoide's SHA-1),
compared with the brand's official certificates without downloading anything.

- the official package name under another certificate is a repackaged or forged app: the strongest signal
  the scanner has (100 points, impersonation on its own);
- the official certificate on any package is the broker's own (an app not yet in the profile) or a leaked
  signing key: ``official``, with a reason that says so, never an impostor alert.
"""

from __future__ import annotations

from scanners.judging.names import PreparedBrand
from scanners.judging.reason import Reason
from scanners.listing import Listing

FORGED_POINTS = 100


def _short(sha1: str) -> str:
    return f"{sha1[:8]}…{sha1[-4:]}" if len(sha1) > 12 else sha1


def certificate_check(listing: Listing, brand: PreparedBrand) -> tuple[str, Reason] | None:
    """(``official`` | ``forged``, the reason), or None when the certificate cannot be compared."""
    sha1 = listing.cert_sha1.replace(":", "").lower()
    officials = brand.brand.all_cert_sha1
    if not sha1 or not officials:
        return None
    package = listing.bundle_id or listing.app_id
    official_package = package in brand.brand.android_packages
    if sha1 in officials:
        if official_package:
            return "official", Reason(
                "official_certificate",
                0,
                f"官方套件 {package}，以官方簽章憑證（SHA-1 {_short(sha1)}）簽署",
                f"official package {package}, signed with the official certificate (SHA-1 {_short(sha1)})",
            )
        return "official", Reason(
            "official_certificate_other_package",
            0,
            f"以官方簽章憑證（SHA-1 {_short(sha1)}）簽署，但套件 {package} 不在設定檔："
            "應為本公司尚未列入的 App；若非本公司發行，代表簽章金鑰外洩，請立即確認",
            f"signed with the official certificate (SHA-1 {_short(sha1)}) but package {package} is not in "
            "the profile: the broker's own app not yet listed, or, if we did not publish it, a leaked "
            "signing key: check at once",
        )
    if official_package:
        return "forged", Reason(
            "official_package_foreign_certificate",
            FORGED_POINTS,
            f"使用官方套件名稱 {package}，但簽章憑證（SHA-1 {_short(sha1)}）不是官方憑證："
            "重新打包或偽造的 App",
            f"uses the official package name {package} but its signing certificate (SHA-1 {_short(sha1)}) "
            "is not the official one: a repackaged or forged app",
        )
    return None
