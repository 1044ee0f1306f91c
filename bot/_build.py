"""Build step (setuptools ``cmdclass``): ship the repository's ``data/`` as the package ``fakeapp_data``.

``data/`` stays the home of the brand profile and the demo in the repository, but a wheel must not install a
top-level package named ``data``, and a ``package-dir`` mapping (``fakeapp_data = "data"``) would turn the
editable install from a plain path entry into setuptools' import finder (~80 ms and 6 MB on every start, see
pyproject.toml). So the wheel build copies what the program reads into ``fakeapp_data/`` here, and a source
checkout (``pip install -e .``) reads ``data/`` in place (``bot.bundled``). Runs only at build time.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools.command.build_py import build_py
from setuptools.command.sdist import sdist

# What the program reads from data/ (relative globs); runtime state (*.db) is never shipped.
SHIPPED = (
    "brands.toml",
    "icons/*.png",
    "certs/*.pem",  # official signing certificates a profile names (cert_file)
    "starter/*.toml",
    "demo/catalog.toml",
    "demo/listings.jsonl",
    "demo/apks/*.apk",
    "demo/snapshot/**/*",
)
PACKAGE = "fakeapp_data"
INIT = '"""Data files fakeapp reads (demo snapshot, icons, starter profiles), built from data/."""\n'


def shipped_files(root: Path) -> list[Path]:
    """The files under ``root/data`` that go into the wheel, relative to ``root/data``."""
    data = root / "data"
    out = {p.relative_to(data) for pattern in SHIPPED for p in data.glob(pattern) if p.is_file()}
    return sorted(p for p in out if not p.name.endswith((".db", ".db-wal", ".db-shm", ".pyc")))


class BuildPy(build_py):
    """``build_py`` that also writes ``fakeapp_data/`` (skipped for editable installs: they read data/)."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        root = Path.cwd()
        dest = Path(self.build_lib) / PACKAGE
        if dest.exists():
            shutil.rmtree(dest)
        for rel in shipped_files(root):
            target = dest / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(root / "data" / rel, target)
        (dest / "__init__.py").write_text(INIT, encoding="utf-8")


class Sdist(sdist):
    """``sdist`` that includes the shipped data files, so a wheel built from the sdist has them too."""

    def make_release_tree(self, base_dir: str, files: list[str]) -> None:
        extra = [str(Path("data") / p) for p in shipped_files(Path.cwd())]
        super().make_release_tree(base_dir, [*files, *(f for f in extra if f not in files)])
