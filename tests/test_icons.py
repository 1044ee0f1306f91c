"""The icon hash (scanners/judging/icons.py) computes imagehash's pHash without numpy or SciPy: held here to
imagehash itself, bit for bit, on the project's icons and on generated ones, and on the cases where most
coefficients are exactly zero (a flat icon), where float noise would otherwise decide the bits."""

from __future__ import annotations

import io
import random
import subprocess
import sys
from pathlib import Path

import imagehash
import pytest
from PIL import Image, ImageDraw, ImageFilter

from scanners.judging.icons import icon_distance, icon_hash, phash

ROOT = Path(__file__).resolve().parent.parent
CORPUS = sorted(p for pattern in ("data/**/*.png", "tests/apks/src/icons/*.png") for p in ROOT.glob(pattern))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def _drawn(rng: random.Random, side: int) -> Image.Image:
    """An icon-like picture: a background, a few shapes and a word-like bar, at a random size."""
    colour = lambda: tuple(rng.randrange(256) for _ in range(3))  # noqa: E731
    image = Image.new("RGB", (side, side), colour())
    draw = ImageDraw.Draw(image)
    for _ in range(rng.randint(1, 10)):
        x, y = rng.randrange(side), rng.randrange(side)
        box = [x, y, x + rng.randint(1, side), y + rng.randint(1, side)]
        (draw.ellipse if rng.random() < 0.5 else draw.rectangle)(box, fill=colour())
    if rng.random() < 0.3:
        image = image.filter(ImageFilter.GaussianBlur(rng.uniform(0.5, 4)))
    return image


def test_corpus_is_there() -> None:
    assert len(CORPUS) >= 20


@pytest.mark.parametrize("path", CORPUS, ids=lambda p: p.name)
def test_project_icons_hash_as_imagehash_does(path: Path) -> None:
    data = path.read_bytes()
    with Image.open(path) as image:
        expected = str(imagehash.phash(image.convert("RGBA").convert("RGB")))
    assert icon_hash(data) == expected


def test_generated_icons_hash_as_imagehash_does() -> None:
    rng = random.Random(20261207)
    differ = []
    for i in range(300):
        image = _drawn(rng, rng.choice((32, 48, 96, 128, 192, 512)))
        if rng.random() < 0.3:  # a re-exported copy: JPEG, as a scraper or a fake's page serves it
            out = io.BytesIO()
            image.save(out, "JPEG", quality=rng.randint(30, 95))
            image = Image.open(io.BytesIO(out.getvalue())).convert("RGB")
        if phash(image) != str(imagehash.phash(image)):
            differ.append(i)
    assert differ == []


@pytest.mark.parametrize("size", [(1, 1), (64, 64), (300, 7), (7, 300)])
def test_flat_icon_has_only_the_dc_bit(size: tuple[int, int]) -> None:
    """All but the first coefficient are 0 exactly: the hash is 1 followed by 63 zeros, in both."""
    image = Image.new("RGB", size, (200, 30, 60))
    assert phash(image) == str(imagehash.phash(image)) == "8000000000000000"


def test_stripes_one_way_match_imagehash() -> None:
    """Rows (or columns) all alike: seven eighths of the coefficients are 0 and tie with the median."""
    rng = random.Random(7)
    for _ in range(40):
        row = Image.new("L", (64, 1))
        row.putdata([rng.randrange(256) for _ in range(64)])
        across = row.resize((64, 64), Image.Resampling.NEAREST).convert("RGB")
        down = across.transpose(Image.Transpose.ROTATE_90)
        for image in (across, down):
            assert phash(image) == str(imagehash.phash(image))


def test_distance_and_its_errors() -> None:
    a = icon_hash(_png(_drawn(random.Random(1), 96)))
    assert icon_distance(a, a) == 0
    flipped = f"{int(a, 16) ^ 0b1011:016x}"
    assert icon_distance(a, flipped) == 3
    assert icon_distance("0" * 16, "f" * 16) == 64
    for bad in ("", "abc", "z" * 16, "0" * 17):
        with pytest.raises(ValueError):
            icon_distance(a, bad)


def test_not_an_image_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="not an image"):
        icon_hash(b"GIF89a but not really")


def test_hashing_loads_neither_numpy_nor_scipy() -> None:
    code = (
        "import sys; from pathlib import Path; from scanners.judging.icons import icon_hash;"
        f"icon_hash(Path({str(CORPUS[0])!r}).read_bytes());"
        "print(sorted(m for m in ('numpy', 'scipy', 'imagehash') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "[]"
