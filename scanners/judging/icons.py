"""Icon similarity by perceptual hash: a re-exported, recoloured or badged copy stays within a few bits."""

from __future__ import annotations

import contextlib
import io
import math
import operator
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from PIL.Image import Image as PILImage

    from scanners.profile import Brand

MAX_PIXELS = 4096 * 4096  # an icon is small; refuse decompression bombs


HASH_SIZE = 8  # 8 x 8 low frequencies: a 64-bit hash
_IMG_SIZE = HASH_SIZE * 4  # pHash's image side (imagehash's highfreq_factor 4)
# Row k of the DCT-II matrix as SciPy's unnormalised ``dct`` computes it: 2 cos(pi k (2n + 1) / 2N).
_DCT = tuple(
    tuple(2.0 * math.cos(math.pi * k * (2 * n + 1) / (2 * _IMG_SIZE)) for n in range(_IMG_SIZE))
    for k in range(HASH_SIZE)
)


def icon_hash(data: bytes) -> str:
    """Perceptual hash (pHash, 64 bits) of an image as hex; ValueError when it is not an image."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.width * image.height > MAX_PIXELS:
                raise ValueError("image too large for an icon")
            image.draft("RGB", (256, 256))
            return phash(image.convert("RGBA").convert("RGB"))
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, SyntaxError) as exc:
        raise ValueError(f"not an image: {exc}") from None


def phash(image: PILImage) -> str:
    """``str(imagehash.phash(image))``, bit for bit, without numpy or SciPy.

    imagehash computes a full 32 x 32 DCT with SciPy, whose import alone costs about 0.2 s and 30 MB at the
    first icon of every run; only the 8 x 8 lowest frequencies are kept, so they are computed here
    directly (the same grey 32 x 32 Lanczos thumbnail, the same unnormalised DCT-II on both axes, the
    same "above the median" bits, row by row, as hex). tests/test_icons.py holds it to imagehash.
    """
    from PIL import Image

    small = image.convert("L").resize((_IMG_SIZE, _IMG_SIZE), Image.Resampling.LANCZOS)
    data = small.tobytes()  # one byte per pixel, row by row
    rows = [data[r * _IMG_SIZE : (r + 1) * _IMG_SIZE] for r in range(_IMG_SIZE)]
    # Down the columns first (SciPy's axis 0), then along the rows (axis 1), as imagehash does.
    cols = [_dct_low([row[j] for row in rows]) for j in range(_IMG_SIZE)]
    down = [_dct_low([col[k] for col in cols]) for k in range(HASH_SIZE)]
    low = [value for row in down for value in row]
    ordered = sorted(low)
    median = (ordered[len(low) // 2 - 1] + ordered[len(low) // 2]) / 2
    bits = 0
    for value in low:
        bits = bits << 1 | (value > median)
    return f"{bits:0{len(low) // 4}x}"


def _dct_low(values: Sequence[float]) -> list[float]:
    """The first ``HASH_SIZE`` coefficients of SciPy's unnormalised DCT-II of ``values``.

    Above the first, each coefficient's cosines sum to zero, so the values are taken relative to the first
    one: a constant run then gives exactly 0, as SciPy's transform does. Flat and striped icons depend on
    it, for there most coefficients tie with the median and float noise would decide their bits.
    """
    base = values[0]
    relative = [v - base for v in values]
    return [_DCT[0][0] * math.fsum(values), *(sum(map(operator.mul, row, relative)) for row in _DCT[1:])]


def icon_distance(a: str, b: str) -> int:
    """Hamming distance between two hashes from ``icon_hash`` (0 = same picture, 64 = opposite).

    ValueError when either is not a 64-bit hash in hex.
    """
    if len(a) != HASH_SIZE * HASH_SIZE // 4 or len(b) != len(a):
        raise ValueError(f"not a {HASH_SIZE * HASH_SIZE}-bit icon hash: {a[:20]!r}, {b[:20]!r}")
    return (int(a, 16) ^ int(b, 16)).bit_count()


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
