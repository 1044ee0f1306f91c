"""A plain (non-editable) install works from any folder and writes nothing inside the installed package.

Builds a wheel from a copy of the source tree (as from a fresh clone; pip's isolated build environment takes
setuptools from the package index or the local pip cache), installs it into a fresh venv, and
runs the installed ``fakeapp`` from an unrelated folder. The wheel's dependencies are not reinstalled: the
fresh venv sees this venv's site-packages through a path entry (files only: its .pth files, among them the
editable install's, are not processed there), so the code that runs is the wheel's.
"""

from __future__ import annotations

import os
import shutil
import site
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.slow

IGNORE = shutil.ignore_patterns(
    ".git",
    ".venv",
    "build",
    "*.egg-info",
    "__pycache__",
    "*.db",
    "*.db-*",
    ".mypy_cache",
    ".ruff_cache",
    ".pytest_cache",
    ".hypothesis",
    "bench",
)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    return {p.relative_to(root).as_posix(): (p.stat().st_size, p.stat().st_mtime_ns) for p in root.rglob("*")}


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(the fresh venv, its site-packages) with fakeapp installed from a freshly built wheel."""
    tmp = tmp_path_factory.mktemp("install")
    src = tmp / "clone"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    wheels = tmp / "wheels"
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(wheels),
         str(src)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    [wheel] = wheels.glob("fakeapp-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert "fakeapp_data/demo/snapshot/index.json" in names and "fakeapp_data/starter/brands.toml" in names
    assert "fakeapp_data/demo/apks/repackaged.apk" in names
    assert not any(n.startswith("data/") for n in names), "a top-level package named data"
    assert not any(n.endswith((".db", ".db-wal")) for n in names)

    venv = tmp / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    purelib = Path(
        subprocess.run(
            [str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            check=True, capture_output=True, text=True,
        ).stdout.strip()
    )  # fmt: skip
    deps = [p for p in {sysconfig.get_paths()["purelib"], *site.getsitepackages()} if Path(p).is_dir()]
    (purelib / "zz_test_dependencies.pth").write_text("\n".join(deps) + "\n", encoding="utf-8")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(venv / "bin/python"), "install", "-q", "--no-deps",
         "--no-index", str(wheel)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    return venv, purelib


def test_a_wheel_built_from_the_sdist_ships_the_same_data(
    installed: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory
) -> None:
    tmp = tmp_path_factory.mktemp("sdist")
    src = tmp / "clone"
    shutil.copytree(ROOT, src, ignore=IGNORE)
    subprocess.run(
        [sys.executable, "-c", f"from setuptools import build_meta; build_meta.build_sdist({str(tmp)!r})"],
        cwd=src, check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    [sdist] = tmp.glob("fakeapp-*.tar.gz")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", str(tmp / "w"), str(sdist)],
        check=True, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    [wheel] = (tmp / "w").glob("fakeapp-*.whl")
    from_sdist = sorted(n for n in zipfile.ZipFile(wheel).namelist() if n.startswith("fakeapp_data/"))
    _, purelib = installed
    direct = sorted(
        p.relative_to(purelib).as_posix()
        for p in (purelib / "fakeapp_data").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts
    )
    assert from_sdist == direct and len(direct) > 60


def _fakeapp(venv: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FAKEAPP_", "TELEGRAM_", "PYTHON"))}
    return subprocess.run(
        [str(venv / "bin/fakeapp"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def test_demo_scan_from_an_unrelated_folder_writes_nothing_into_site_packages(
    installed: tuple[Path, Path], tmp_path: Path
) -> None:
    venv, purelib = installed
    assert not (purelib / "data").exists()
    where = _fakeapp(venv, tmp_path, "--version")
    assert where.returncode == 0, where.stderr
    probe = subprocess.run(
        [str(venv / "bin/python"), "-c", "import bot, fakeapp_data as d; print(bot.__file__, d.__file__)"],
        cwd=tmp_path, capture_output=True, text=True, check=True,
    )  # fmt: skip
    assert all(p.startswith(str(purelib)) for p in probe.stdout.split()), probe.stdout  # the wheel's code
    before = _snapshot(purelib)

    scan = _fakeapp(venv, tmp_path, "scan", "--demo", "-q")
    assert scan.returncode == 0, scan.stderr
    from bot.demo.snapshot import load_catalog

    planted = sum(a.expect in {"impersonation", "suspicious"} for a in load_catalog())
    assert "Scan #1: OK" in scan.stdout and f"Suspects: {planted} new" in scan.stdout
    assert (tmp_path / "data/demo.db").is_file()  # relative to the working directory

    cases = _fakeapp(venv, tmp_path, "cases", "--db", "data/demo.db")
    assert cases.returncode == 0 and "impersonation" not in cases.stderr
    missing = _fakeapp(venv, tmp_path, "cases")
    assert missing.returncode == 1 and missing.stderr.strip() == "Error: database not found: data/fakeapp.db"
    init = _fakeapp(venv, tmp_path / "data", "init")
    assert init.returncode == 0 and (tmp_path / "data/data/brands.toml").is_file()

    after = _snapshot(purelib)
    assert after == before, sorted(set(after.items()) ^ set(before.items()))[:5]
