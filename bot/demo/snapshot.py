"""The offline demo snapshot: build it from ``data/demo/catalog.toml`` and serve it as the stores would.

``python -m bot.demo.snapshot`` renders the catalogue into ``data/demo/snapshot/`` in the stores' real
formats (Google Play HTML pages, iTunes Search API JSON, Aptoide v7 API JSON, Galaxy Store detail JSON) plus
icons. ``SnapshotHandler`` serves those files
from a ``StoreDouble`` on loopback, so the demo scan runs through exactly the code a real scan runs.
"""

from __future__ import annotations

import dataclasses
import hashlib
import io
import json
import shutil
import tomllib
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from PIL import Image, ImageDraw, ImageEnhance

from bot.core.bundled import bundled
from bot.demo import render_aptoide, render_galaxy_store
from bot.demo.render_app_store import render_results
from bot.demo.render_google_play import render_details_page, render_no_results_page, render_search_page
from bot.demo.server import Reply, Request
from scanners.listing import Listing
from scanners.profile import Profile

DEMO_DIR = bundled("demo")  # read-only when installed; `python -m bot.demo.snapshot` runs in a checkout
CATALOG = DEMO_DIR / "catalog.toml"
SNAPSHOT = DEMO_DIR / "snapshot"
BASE_PLACEHOLDER = "http://demo-base.invalid"  # replaced by the server's address when served

_LISTING_KEYS = {f.name for f in dataclasses.fields(Listing)}
_META_KEYS = {"brands", "featured", "expect", "family"}


@dataclass(frozen=True)
class DemoApp:
    """One app of the demo catalogue: its listing, brands, expected verdict, kind of case and images."""

    listing: Listing
    brands: tuple[str, ...]
    featured: bool
    expect: str
    family: str
    icon_spec: str
    screenshot_specs: tuple[str, ...] = ()


def load_catalog(path: Path = CATALOG) -> list[DemoApp]:
    """The apps of the demo catalogue (``data/demo/catalog.toml``); ValueError on an unknown key."""
    data = tomllib.loads(path.read_text(encoding="utf-8"))
    apps = []
    for i, raw in enumerate(data.get("app", [])):
        unknown = set(raw) - _LISTING_KEYS - _META_KEYS
        if unknown:
            raise ValueError(f"{path}: app[{i}]: unknown keys {sorted(unknown)}")
        spec = raw.get("icon", "")
        fields = {k: v for k, v in raw.items() if k in _LISTING_KEYS}
        fields["icon"] = f"{BASE_PLACEHOLDER}/icons/{_icon_file(spec)}" if spec else ""
        shots = tuple(raw.get("screenshots", ()))
        fields["screenshots"] = [f"{BASE_PLACEHOLDER}/icons/{_icon_file(s)}" for s in shots]
        if raw["store"] == "google_play":
            fields["url"] = f"https://play.google.com/store/apps/details?id={raw['app_id']}"
        elif raw["store"] == "aptoide":
            fields["url"] = f"https://{raw.get('store_name', 'apps')}.en.aptoide.com/app"
        elif raw["store"] == "galaxy_store":
            fields["url"] = f"https://galaxystore.samsung.com/detail/{raw['app_id']}"
        else:
            fields["url"] = f"https://apps.apple.com/tw/app/id{raw['app_id']}"
        apps.append(
            DemoApp(
                listing=Listing.from_dict(fields),
                brands=tuple(raw.get("brands", [])),
                featured=bool(raw.get("featured", False)),
                expect=raw.get("expect", ""),
                family=raw.get("family", ""),
                icon_spec=spec,
                screenshot_specs=shots,
            )
        )
    return apps


def _icon_file(spec: str) -> str:
    return hashlib.sha1(spec.encode(), usedforsecurity=False).hexdigest()[:12] + ".png"


def _term_file(term: str) -> str:
    return hashlib.sha1(term.strip().casefold().encode(), usedforsecurity=False).hexdigest()[:12]


def make_icon(spec: str, profile: Profile) -> bytes:
    """A PNG for an icon spec: the brand's own icon, a doctored copy of it, or a distinct plain icon."""
    kind, _, arg = spec.partition(":")
    if kind in ("official", "lookalike"):
        brand = profile.brand(arg)
        source = next(a.icon for a in brand.apps if a.icon is not None)
        assert source is not None
        image = Image.open(source).convert("RGB").resize((512, 512))
        if kind == "lookalike":
            # What repackagers do: re-export, nudge colours, add a small badge.
            image = ImageEnhance.Color(image).enhance(1.25)
            image = ImageEnhance.Brightness(image).enhance(1.06)
            draw = ImageDraw.Draw(image)
            draw.rectangle((380, 20, 492, 80), fill=(240, 190, 20))
    else:
        seed = hashlib.sha256(spec.encode()).digest()
        image = Image.new("RGB", (512, 512), (seed[0], seed[1], seed[2]))
        draw = ImageDraw.Draw(image)
        for i in range(6):
            x0, y0 = seed[3 + i] * 2, seed[9 + i] * 2
            box = (min(x0, 400), min(y0, 400), min(x0, 400) + 40 + seed[15 + i] // 2, min(y0, 400) + 90)
            draw.rectangle(box, fill=(seed[20 + i], seed[26 - i], seed[10 + i]))
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def build_snapshot(profile: Profile, apps: Sequence[DemoApp], out: Path) -> dict[str, int]:
    """Render every search term of every brand, every details page and every icon into ``out``."""
    if out.exists():
        shutil.rmtree(out)
    subs: tuple[str, ...] = ("google_play/search", "google_play/details", "app_store/search")
    subs += ("app_store/lookup", "aptoide/search", "aptoide/meta", "galaxy_store/detail", "icons")
    for sub in subs:
        (out / sub).mkdir(parents=True)
    counts = {"search_pages": 0, "details_pages": 0, "icons": 0}
    index: dict[str, dict[str, str]] = {"google_play": {}, "app_store": {}, "aptoide": {}}
    for brand in profile.brands:
        for n, term in enumerate(brand.search_terms):
            for store in ("google_play", "app_store", "aptoide"):
                found = [a for a in apps if a.listing.store == store and brand.id in a.brands]
                # Stores put the best match first; keep the official app near the top, as they do.
                found.sort(key=lambda a: (a.expect != "official", a.listing.app_id))
                name = _term_file(term)
                index[store][term] = name
                if store == "google_play":
                    featured = next((a.listing for a in found if a.featured), None) if n == 0 else None
                    rest = [a.listing for a in found if featured is None or a.listing != featured]
                    page = render_search_page(rest, featured=featured)
                    (out / "google_play/search" / f"{name}.html").write_text(page, encoding="utf-8")
                elif store == "aptoide":
                    body = render_aptoide.render_search([a.listing for a in found])
                    (out / "aptoide/search" / f"{name}.json").write_text(body, encoding="utf-8")
                else:
                    body = render_results([a.listing for a in found])
                    (out / "app_store/search" / f"{name}.json").write_text(body, encoding="utf-8")
                counts["search_pages"] += 1
    # getMeta?package_name= answers one listing of the package: the official one when there is one.
    packages: dict[str, str] = {}
    for app in sorted(apps, key=lambda a: (a.expect != "official", int(a.listing.app_id or 0) if
                                           a.listing.app_id.isdigit() else 0)):  # fmt: skip
        if app.listing.store == "aptoide":
            packages.setdefault(app.listing.bundle_id, app.listing.app_id)
    index["aptoide_package"] = dict(sorted(packages.items()))
    for app in apps:
        if app.listing.store == "aptoide":
            body = render_aptoide.render_meta(app.listing)
            (out / "aptoide/meta" / f"{app.listing.app_id}.json").write_text(body, encoding="utf-8")
        elif app.listing.store == "galaxy_store":
            body = render_galaxy_store.render_detail(app.listing)
            (out / "galaxy_store/detail" / f"{app.listing.app_id}.json").write_text(body, encoding="utf-8")
        elif app.listing.store == "google_play":
            page = render_details_page(app.listing)
            (out / "google_play/details" / f"{quote(app.listing.app_id, safe='')}.html").write_text(
                page, encoding="utf-8"
            )
        else:
            body = render_results([app.listing])
            (out / "app_store/lookup" / f"{app.listing.app_id}.json").write_text(body, encoding="utf-8")
        counts["details_pages"] += 1
        for spec in (app.icon_spec, *app.screenshot_specs):
            if spec and not (out / "icons" / _icon_file(spec)).exists():
                (out / "icons" / _icon_file(spec)).write_bytes(make_icon(spec, profile))
                counts["icons"] += 1
    (out / "google_play/no_results.html").write_text(render_no_results_page(), encoding="utf-8")
    (out / "index.json").write_text(json.dumps(index, ensure_ascii=False, indent=1, sort_keys=True) + "\n")
    return counts


class SnapshotHandler:
    """Answers Google Play and iTunes API requests from a snapshot folder, as the real stores would."""

    def __init__(self, root: Path = SNAPSHOT) -> None:
        self.root = root
        self.index: dict[str, dict[str, str]] = json.loads((root / "index.json").read_text(encoding="utf-8"))
        self.base_url = BASE_PLACEHOLDER

    def _text(self, path: Path, content_type: str) -> Reply:
        body = path.read_text(encoding="utf-8").replace(BASE_PLACEHOLDER, self.base_url)
        return Reply(200, body, content_type)

    def __call__(self, request: Request) -> Reply:
        q = request.query
        html = "text/html; charset=utf-8"
        js = "text/javascript; charset=utf-8"  # what itunes.apple.com really sends
        if request.path == "/store/search":
            name = self.index["google_play"].get(q.get("q", "").strip())
            if name is None:
                return self._text(self.root / "google_play/no_results.html", html)
            return self._text(self.root / "google_play/search" / f"{name}.html", html)
        if request.path == "/store/apps/details":
            page = self.root / "google_play/details" / f"{quote(q.get('id', ''), safe='')}.html"
            if not page.is_file():
                return Reply(404, "<html><body>Not Found</body></html>", html)
            return self._text(page, html)
        if request.path == "/search":
            name = self.index["app_store"].get(q.get("term", "").strip())
            if name is None:
                return Reply(200, '{\n "resultCount":0,\n "results": []\n}\n', js)
            return self._text(self.root / "app_store/search" / f"{name}.json", js)
        if request.path == "/lookup":
            ids = [i for i in q.get("id", "").split(",") if i]
            records = []
            for app_id in ids:
                f = self.root / "app_store/lookup" / f"{app_id}.json"
                if f.is_file() and app_id.isdigit():
                    records.extend(json.loads(self._text(f, js).payload())["results"])
            return Reply(
                200, json.dumps({"resultCount": len(records), "results": records}, ensure_ascii=False), js
            )
        if request.path == "/api/7/apps/search":
            name = self.index.get("aptoide", {}).get(q.get("query", "").strip())
            if name is None:
                return Reply(200, render_aptoide.render_search([]), render_aptoide.CONTENT_TYPE)
            return self._text(self.root / "aptoide/search" / f"{name}.json", render_aptoide.CONTENT_TYPE)
        if request.path == "/api/7/app/getMeta":
            by_package = self.index.get("aptoide_package", {})
            app_id = q.get("app_id") or by_package.get(q.get("package_name", ""), "")
            f = self.root / "aptoide/meta" / f"{app_id}.json"
            if not app_id.isdigit() or not f.is_file():
                return Reply(404, render_aptoide.render_not_found(), render_aptoide.CONTENT_TYPE)
            return self._text(f, render_aptoide.CONTENT_TYPE)
        if request.path.startswith("/api/detail/"):
            package = request.path[len("/api/detail/") :]
            f = self.root / "galaxy_store/detail" / f"{quote(package, safe='')}.json"
            if not f.is_file() or "/" in package:
                body = render_galaxy_store.render_not_listed(package)
                return Reply(200, body, render_galaxy_store.CONTENT_TYPE)
            return self._text(f, render_galaxy_store.CONTENT_TYPE)
        if request.path.startswith("/icons/"):
            f = self.root / "icons" / Path(request.path).name
            if f.is_file():
                return Reply(200, f.read_bytes(), "image/png")
        return Reply(404, "Not Found", "text/plain; charset=utf-8")


def main() -> None:
    """Rebuild data/demo/snapshot from the catalogue and the bundled profile."""
    from scanners.profile import load_profile

    if DEMO_DIR.parent.name != "data":  # installed: the package's files are read-only
        raise SystemExit(f"rebuild the snapshot in a source checkout, not in the installed {DEMO_DIR.parent}")
    profile = load_profile(DEMO_DIR.parent / "brands.toml")
    counts = build_snapshot(profile, load_catalog(), SNAPSHOT)
    print(f"wrote {SNAPSHOT}: {counts}")


if __name__ == "__main__":
    main()
