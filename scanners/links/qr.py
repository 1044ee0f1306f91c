"""QR codes in a page's images, read with zxing-cpp (a pip wheel with the C++ library bundled: nothing to
install system-wide). Bounded: the image's size is capped before decoding and its pixel count after."""

from __future__ import annotations

import io

MAX_PIXELS = 16_000_000


class QrUnavailable(RuntimeError):
    """zxing-cpp is not installed: QR codes are not read (said so in the trace, never silently)."""


def read_qr(data: bytes, *, max_pixels: int = MAX_PIXELS) -> list[str]:
    """The texts of the QR codes in an image (PNG, JPEG, GIF, WebP…); [] when none or not an image."""
    try:
        import zxingcpp
    except ImportError:
        raise QrUnavailable("zxing-cpp is not installed; QR codes in images were not read") from None
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as im:
            if im.width * im.height > max_pixels:
                return []
            im.load()
            rgb = im.convert("RGB")
    except Exception:  # not an image, or a broken one (Pillow raises many kinds)
        return []
    try:
        found = zxingcpp.read_barcodes(rgb, formats=zxingcpp.BarcodeFormat.QRCode)  # type: ignore[arg-type]
    except Exception:
        return []
    return [r.text[:4000] for r in found if r.text][:10]
