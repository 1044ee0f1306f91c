"""Icon similarity by perceptual hash: a re-exported, recoloured or badged copy stays within a few bits."""

from __future__ import annotations

import contextlib
import io
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scanners.profile import Brand

MAX_PIXELS = 4096 * 4096  # an icon is small; refuse decompression bombs


def icon_hash(data: bytes) -> str:
    """Perceptual hash (pHash, 64 bits) of an image as hex; ValueError when it is not an image."""
    # Imported here: imagehash brings numpy and SciPy (~0.2 s, ~30 MB), which an APK whose certificate
    # decides the verdict never needs.
    import imagehash
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("image too large for an icon")
            image.draft("RGB", (256, 256))
            return str(imagehash.phash(image.convert("RGBA").convert("RGB")))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValueError(f"not an image: {exc}") from None


def icon_distance(a: str, b: str) -> int:
    """Hamming distance between two hashes from ``icon_hash`` (0 = same picture, 64 = opposite)."""
    import imagehash

    return int(imagehash.hex_to_hash(a) - imagehash.hex_to_hash(b))


def official_icon_hashes(brand: Brand) -> tuple[str, ...]:
    """Perceptual hashes of the brand's official icons (the image files named in the profile)."""
    hashes: list[str] = []
    for app in brand.apps:
        if app.icon is None:
            continue
        with contextlib.suppress(OSError, ValueError):
            h = icon_hash(app.icon.read_bytes())
            if h not in hashes:
                hashes.append(h)
    return tuple(hashes)
