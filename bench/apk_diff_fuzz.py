"""Differential fuzzing of the APK signature check against both oracles: Debian's ``apksigner`` 31 and the
current apksig (``../shared/tools/apksigner-aosp14.jar``, when present).

    .venv/bin/python bench/apk_diff_fuzz.py [--minutes 10] [--seed 1] [--out bench/out/fuzz]

Each case is a mutant of a corpus APK (tests/apks) or a freshly JAR-signed APK, judged by ``verify_apk`` and
by each oracle (``verify --print-certs -v``, with the same ``--min-sdk-version`` when the case sets one):

- ``flip``: one random byte changed in the signing block, the central directory, a META-INF entry, another
  entry or the end record (compressed entries: the stored bytes);
- ``meta``: the JAR signature rewritten with one change (a manifest or .SF line dropped, duplicated or its
  digest altered), the APK Signing Block removed so the JAR signature decides;
- ``minsdk``: an unchanged corpus APK checked for a random minSdk (1..34), both sides told the same;
- ``jar``: a new JAR signature with a random digest, signature OID, key (RSA 1024..4096, EC P-256), signed
  attributes or not, over an APK with or without ``<uses-sdk>``.

Agreement means: same outcome (verifies or not), and when verified the same signer SHA-256 list. Where the
oracles disagree with each other we must match aosp14 (the current apksig). Disagreeing files are kept in
OUT/disagree/ with a .txt of both outputs and ours. Figures go to the README and the issue report.
"""

from __future__ import annotations

import argparse
import base64
import io
import random
import re
import sys
import time
import zipfile
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from cryptography.hazmat.primitives.asymmetric import ec, rsa  # noqa: E402

from scanners.apk.signing import ApkFormatError, verify_apk  # noqa: E402
from scanners.apk.zipread import read_layout  # noqa: E402
from tests.apk_signing_helpers import (  # noqa: E402
    JarSigner,
    available_oracles,
    build_unsigned,
    jar_sign,
    oracle_verify,
    self_signed,
    tools_available,
)

SEEDS = [
    p
    for p in sorted((ROOT / "tests" / "apks").glob("*.apk"))
    if p.name not in ("notzip.apk", "random.apk", "truncated.apk")
]
PAIRS = [
    ("md5", "rsaEncryption"), ("md5", "md5WithRSA"), ("md5", "sha256WithRSA"), ("sha1", "rsaEncryption"),
    ("sha1", "sha1WithRSA"), ("sha1", "md5WithRSA"), ("sha256", "rsaEncryption"), ("sha256", "sha256WithRSA"),
    ("sha256", "sha1WithRSA"), ("sha512", "rsaEncryption"), ("sha512", "sha512WithRSA"),
    ("sha1", "ecPublicKey"), ("sha256", "ecPublicKey"), ("sha256", "sha256WithECDSA"),
]  # fmt: skip


def ours(path: Path, min_sdk: int | None) -> tuple[str, list[str], str]:
    try:
        r = verify_apk(path, min_sdk=min_sdk)
    except ApkFormatError as exc:
        return "invalid", [], str(exc)
    return ("verifies" if r.verified else "rejects"), [c.sha256 for c in r.signers], "; ".join(r.errors)


def mutate_flip(rng: random.Random, data: bytes) -> bytes:
    layout = read_layout(io.BytesIO(data))
    regions: list[tuple[int, int]] = [(layout.cd_offset, layout.eocd_offset), (layout.eocd_offset, len(data))]
    magic = data.rfind(b"APK Sig Block 42", 0, layout.cd_offset + 1)
    if magic > 0:
        size = int.from_bytes(data[magic - 8 : magic], "little")
        regions.append((magic + 16 - size - 8, magic + 16))
    for e in layout.entries:
        start = e.local_header_offset + 30 + len(e.name.encode())
        regions.append((start, start + max(1, e.compressed_size)))
    lo, hi = rng.choice([r for r in regions if r[1] > r[0]])
    pos = rng.randrange(lo, min(hi, len(data)))
    out = bytearray(data)
    out[pos] ^= 1 << rng.randrange(8)
    return bytes(out)


def mutate_meta(rng: random.Random, data: bytes) -> bytes:
    """Rewrite one META-INF text file with one change; no signing block, so v1 decides."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    texts = [i for i, (info, _) in enumerate(items) if info.filename.endswith((".SF", ".MF"))]
    if not texts:
        return data
    k = rng.choice(texts)
    info, body = items[k]
    lines = body.split(b"\r\n")
    j = rng.randrange(len(lines))
    action = rng.choice(["drop", "dup", "digest", "case"])
    if action == "drop":
        del lines[j]
    elif action == "dup":
        lines.insert(j, lines[j])
    elif action == "digest" and b"-Digest" in lines[j]:
        name, _, value = lines[j].partition(b": ")
        raw = bytearray(base64.b64decode(value + b"==="))
        if raw:
            raw[rng.randrange(len(raw))] ^= 1
        lines[j] = name + b": " + base64.b64encode(bytes(raw))
    else:
        lines[j] = lines[j].swapcase()
    items[k] = (info, b"\r\n".join(lines))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for info, body in items:
            z.writestr(info, body)
    return out.getvalue()


def make_jar(rng: random.Random, tmp: Path, unsigned: dict[int | None, Path]) -> tuple[bytes, str]:
    digest, sig = rng.choice(PAIRS)
    if "EC" in sig or "ec" in sig:
        key: object = ec.generate_private_key(ec.SECP256R1())
    else:
        key = rsa.generate_private_key(65537, rng.choice([1024, 2048, 3072, 4096]))
    from cryptography import x509
    from cryptography.hazmat.primitives.serialization import Encoding
    from cryptography.x509.oid import NameOID

    der = self_signed(key, x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Fuzz")])).public_bytes(
        Encoding.DER
    )
    sdk = rng.choice(list(unsigned))
    attrs = rng.random() < 0.4
    out = jar_sign(
        unsigned[sdk], tmp / "jar.apk", [JarSigner(key, der, digest=digest, sig=sig, signed_attrs=attrs)]
    )
    return out.read_bytes(), f"{digest}/{sig} sdk={sdk} attrs={attrs}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--minutes", type=float, default=10)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=ROOT / "bench" / "out" / "fuzz")
    args = ap.parse_args()
    oracles = available_oracles()
    if not oracles or not tools_available():
        sys.exit("needs apksigner, aapt and framework-res (and ideally ../shared/tools/apksigner-aosp14.jar)")
    rng = random.Random(args.seed)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "disagree").mkdir(exist_ok=True)
    tmp = args.out / "work"
    tmp.mkdir(exist_ok=True)
    unsigned = {sdk: build_unsigned(tmp, f"u{sdk}", sdk, target_sdk=29) for sdk in (None, 18, 21, 24)}
    seeds = [(p, p.read_bytes()) for p in SEEDS]
    stats: Counter[str] = Counter()
    outcomes: Counter[str] = Counter()
    disagreements: list[str] = []
    deadline = time.monotonic() + args.minutes * 60
    n = 0
    while time.monotonic() < deadline:
        n += 1
        kind = rng.choice(["flip", "flip", "meta", "minsdk", "jar", "jar"])
        min_sdk: int | None = None
        seed_path, seed = rng.choice(seeds)
        what = seed_path.name
        if kind == "flip":
            data = mutate_flip(rng, seed)
        elif kind == "meta":
            data = mutate_meta(rng, seed)
        elif kind == "minsdk":
            data, min_sdk = seed, rng.randint(1, 34)
            what += f" min={min_sdk}"
        else:
            data, what = make_jar(rng, tmp, unsigned)
        path = tmp / "case.apk"
        path.write_bytes(data)
        mine = ours(path, min_sdk)
        theirs = {o: oracle_verify(o, path, min_sdk) for o in oracles}
        reference = theirs.get("aosp14") or theirs["debian"]
        stats[kind] += 1
        outcomes[reference.outcome] += 1
        if len({v.outcome for v in theirs.values()}) > 1:
            stats["oracles disagree"] += 1
        ok = (mine[0] == "verifies") == (reference.outcome == "verifies")
        if ok and mine[0] == "verifies":
            ok = mine[1] == reference.sha256
        if not ok:
            stats["disagree " + kind] += 1
            name = f"{n:05d}-{kind}"
            (args.out / "disagree" / f"{name}.apk").write_bytes(data)
            text = [f"case {what}", f"ours: {mine}"]
            text += [f"--- {o}: {v.outcome} {v.sha256}\n{v.text}" for o, v in theirs.items()]
            (args.out / "disagree" / f"{name}.txt").write_text("\n".join(text))
            errs = re.sub(r"\s+", " ", [v.text for v in theirs.values()][-1])[:160]
            disagreements.append(
                f"{name}: {what}: ours {mine[0]} ({mine[2][:120]}); oracle {reference.outcome}: {errs}"
            )
    total = sum(stats[k] for k in ("flip", "meta", "minsdk", "jar"))
    bad = sum(v for k, v in stats.items() if k.startswith("disagree "))
    print(
        f"differential fuzzing: {total} cases in {args.minutes:g} min, seed {args.seed}, "
        f"oracles {', '.join(oracles)}"
    )
    print("cases: " + ", ".join(f"{k} {stats[k]}" for k in ("flip", "meta", "minsdk", "jar")))
    print("oracle (aosp14) outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(outcomes.items())))
    print(f"the two oracles disagreed on {stats['oracles disagree']} cases (we follow aosp14)")
    print(f"we disagreed with the oracle on {bad} cases" + (":" if bad else ""))
    for line in disagreements[:40]:
        print("  " + line)


if __name__ == "__main__":
    main()
