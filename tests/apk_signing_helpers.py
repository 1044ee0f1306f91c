"""Helpers for the APK signature tests: build throwaway signed APKs with Debian's tools, run apksigner,
and take an APK apart / put it back together around its signing block (for forgeries)."""

from __future__ import annotations

import io
import re
import shutil
import struct
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

from scanners.apk.sigblock import MAGIC
from scanners.apk.zipread import read_layout

FRAMEWORK = Path("/usr/share/android-framework-res/framework-res.apk")
PASS = "pass123"

MANIFEST = """<?xml version="1.0" encoding="utf-8"?>
<manifest xmlns:android="http://schemas.android.com/apk/res/android" package="org.example.sigtest"
    android:versionCode="1" android:versionName="1.0">
  <uses-sdk android:minSdkVersion="{min_sdk}" android:targetSdkVersion="30"/>
  <application android:label="SigTest"/>
</manifest>
"""


def tools_available() -> bool:
    return all(shutil.which(t) for t in ("apksigner", "aapt", "keytool")) and FRAMEWORK.exists()


def run(*args: str | Path) -> str:
    proc = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=120, check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"{args[0]} failed: {proc.stderr or proc.stdout}")
    return proc.stdout


def make_key(folder: Path, name: str, alg: str, size: int | None = None) -> Path:
    ks = folder / f"{name}.p12"
    if not ks.exists():
        extra = ["-keysize", str(size)] if size else []
        if alg == "EC":
            extra = ["-groupname", "secp256r1"]
        store = ["-storetype", "PKCS12", "-keystore", ks, "-storepass", PASS, "-keypass", PASS]
        dname = f"CN=Sig Test {name}, O=Fakeapp Tests, C=TW"
        run("keytool", "-genkeypair", "-noprompt", *store, "-alias", name, "-keyalg", alg, *extra,
            "-validity", "10000", "-dname", dname)  # fmt: skip
    return ks


def signer_args(ks: Path) -> list[str]:
    return [
        "--ks",
        str(ks),
        "--ks-pass",
        f"pass:{PASS}",
        "--ks-key-alias",
        ks.stem,
        "--key-pass",
        f"pass:{PASS}",
    ]


def build_unsigned(folder: Path, name: str, min_sdk: int, asset_bytes: bytes = b"hello\n") -> Path:
    src = folder / f"src_{name}"
    (src / "assets").mkdir(parents=True, exist_ok=True)
    (src / "AndroidManifest.xml").write_text(MANIFEST.format(min_sdk=min_sdk), encoding="utf-8")
    (src / "assets" / "data.bin").write_bytes(asset_bytes)
    out = folder / f"{name}.unsigned.apk"
    run("aapt", "package", "-f", "-0", "bin", "-M", src / "AndroidManifest.xml", "-A", src / "assets",
        "-I", FRAMEWORK, "-F", out)  # fmt: skip
    return out


def sign(unsigned: Path, out: Path, keys: list[Path], *extra: str) -> Path:
    args: list[str] = []
    for i, ks in enumerate(keys):
        if i:
            args.append("--next-signer")
        args.extend(signer_args(ks))
    run("apksigner", "sign", *args, *extra, "--out", out, unsigned)
    return out


@dataclass
class ApksignerVerdict:
    """What `apksigner verify --print-certs -v` printed."""

    outcome: str  # verifies, rejects, invalid
    schemes: dict[str, bool] = field(default_factory=dict)
    sha256: list[str] = field(default_factory=list)
    dns: list[str] = field(default_factory=list)
    text: str = ""


def apksigner_verify(path: Path, min_sdk: int | None = None) -> ApksignerVerdict:
    args = ["apksigner", "verify", "--print-certs", "-v"]
    if min_sdk is not None:
        args += ["--min-sdk-version", str(min_sdk)]
    proc = subprocess.run([*args, str(path)], capture_output=True, text=True, timeout=120, check=False)
    text = proc.stdout + proc.stderr
    lines = text.splitlines()
    if "Verifies" in lines:
        outcome = "verifies"
    elif "DOES NOT VERIFY" in lines:
        outcome = "rejects"
    else:
        outcome = "invalid"
    schemes = {
        m.group(1): m.group(2) == "true"
        for m in re.finditer(r"^Verified using (v[123]) scheme \(.*\): (true|false)$", text, re.M)
    }
    sha = re.findall(r"^Signer #\d+ certificate SHA-256 digest: ([0-9a-f]{64})$", text, re.M)
    dns = re.findall(r"^Signer #\d+ certificate DN: (.*)$", text, re.M)
    return ApksignerVerdict(outcome, schemes, sha, dns, text)


# ----------------------------------------------------------------------------- signing block surgery


@dataclass
class ApkParts:
    entries: bytes  # everything before the signing block
    pairs: list[tuple[int, bytes]]
    cd: bytes
    eocd: bytearray


def split_apk(data: bytes) -> ApkParts:
    layout = read_layout(io.BytesIO(data))
    cd = data[layout.cd_offset : layout.eocd_offset]
    eocd = bytearray(data[layout.eocd_offset :])
    assert data[layout.cd_offset - 16 : layout.cd_offset] == MAGIC, "no signing block"
    size = int.from_bytes(data[layout.cd_offset - 24 : layout.cd_offset - 16], "little")
    start = layout.cd_offset - size - 8
    pairs = []
    pos = start + 8
    while pos < layout.cd_offset - 24:
        length = int.from_bytes(data[pos : pos + 8], "little")
        pair_id = int.from_bytes(data[pos + 8 : pos + 12], "little")
        pairs.append((pair_id, data[pos + 12 : pos + 8 + length]))
        pos += 8 + length
    return ApkParts(data[:start], pairs, cd, eocd)


def join_apk(parts: ApkParts, *, with_block: bool = True) -> bytes:
    block = b""
    if with_block:
        body = b"".join(struct.pack("<QI", len(v) + 4, i) + v for i, v in parts.pairs)
        size = len(body) + 8 + 16
        block = struct.pack("<Q", size) + body + struct.pack("<Q", size) + MAGIC
    eocd = bytearray(parts.eocd)
    eocd[16:20] = struct.pack("<I", len(parts.entries) + len(block))
    return parts.entries + block + parts.cd + bytes(eocd)


def lp(data: bytes) -> bytes:
    """uint32 length-prefixed bytes."""
    return struct.pack("<I", len(data)) + data


def read_lp_list(data: bytes) -> list[bytes]:
    out, pos = [], 0
    while pos < len(data):
        (n,) = struct.unpack_from("<I", data, pos)
        out.append(data[pos + 4 : pos + 4 + n])
        pos += 4 + n
    return out
