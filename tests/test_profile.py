"""The brand profile loads, and bad profiles fail with a line naming the file and key."""

from __future__ import annotations

from pathlib import Path

import pytest

from scanners.profile import ProfileError, load_profile
from tests.conftest import DATA


def test_shipped_profile_loads() -> None:
    profile = load_profile(DATA / "brands.toml")
    huayue = profile.brand("huayue")
    assert huayue.name == "華岳證券"
    assert huayue.official_app("google_play", "tw.com.huayuesec.trade") is not None
    assert huayue.allowed_app("google_play", "tw.com.huayuesec.news") is not None
    assert all(a.icon is not None and a.icon.is_file() for a in huayue.apps)


MINIMAL = """
[[brand]]
id = "x"
name = "某證券"
search_terms = ["某證券"]
official_developers = ["某證券股份有限公司"]
[[brand.app]]
store = "google_play"
app_id = "tw.x"
"""


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            MINIMAL.replace("search_terms", "search_term"),
            "unknown key 'search_term' (did you mean 'search_terms'?)",
        ),
        (MINIMAL.replace('name = "某證券"\n', ""), "missing key 'name'"),
        (MINIMAL.replace('"google_play"', '"play"'), "is not one of google_play, app_store"),
        (MINIMAL + 'cert_sha256 = ["abc"]\n', "not a SHA-256 fingerprint"),
        (MINIMAL + 'icon = "nope.png"\n', "icon: file not found"),
        (MINIMAL.replace('id = "x"', "id = 3"), "expected a string"),
        ("[[brand]\n", "not valid TOML"),
        ("title = 1\n", "unknown top-level key 'title'"),
        (MINIMAL + MINIMAL.split("[[brand.app]]")[0], "duplicate brand id 'x'"),
    ],
)
def test_bad_profiles_name_the_problem(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "brands.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ProfileError) as info:
        load_profile(path)
    assert message in str(info.value)
    assert str(path) in str(info.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ProfileError, match="brand profile not found"):
        load_profile(tmp_path / "absent.toml")
