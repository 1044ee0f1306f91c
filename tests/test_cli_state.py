"""Where fakeapp keeps state: init writes starter files and refuses to overwrite; a read-only command on a
missing database fails in one line and creates nothing; a writing command creates it and says where; the
settings file refuses unknown keys."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.cli import main
from bot.core.bundled import bundled
from bot.core.settings import SettingsError, load_settings
from scanners.profile import load_profile
from tests.conftest import DATA, ROOT


@pytest.fixture
def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """An unrelated working directory, with no fakeapp environment variables."""
    for name in list(os.environ):
        if name.startswith(("FAKEAPP_", "TELEGRAM_")):
            monkeypatch.delenv(name)
    monkeypatch.chdir(tmp_path)
    yield tmp_path


def _run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(main, list(args))
    return result.exit_code, result.output


def _tree(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))


def test_init_writes_commented_valid_starters_and_refuses_to_overwrite(elsewhere: Path) -> None:
    code, out = _run("init")
    assert code == 0, out
    brands, settings = elsewhere / "data/brands.toml", elsewhere / "data/settings.toml"
    assert brands.read_text(encoding="utf-8").startswith("# Brand profile")
    assert load_profile(brands).brands[0].id == "mybroker"  # the starter is valid as written
    assert load_settings({}, settings).db_path == Path("data/fakeapp.db")
    steps = [line for line in out.splitlines() if line.strip()[:2] in ("1.", "2.", "3.")]
    assert len(steps) == 3 and "data/brands.toml" in steps[0] and "fakeapp scan" in steps[2]

    code, out = _run("init")  # identical files: nothing to do, not an error
    assert code == 0 and "already there" in out
    brands.write_text(brands.read_text(encoding="utf-8") + "# mine\n", encoding="utf-8")
    before = brands.read_bytes()
    code, out = _run("init")
    assert code == 1 and "not overwriting" in out and "brands.toml" in out
    assert brands.read_bytes() == before


def test_init_refuses_before_writing_anything(elsewhere: Path) -> None:
    (elsewhere / "data").mkdir()
    (elsewhere / "data/settings.toml").write_text("# mine\n", encoding="utf-8")
    code, out = _run("init")
    assert code == 1 and "settings.toml exists" in out
    assert not (elsewhere / "data/brands.toml").exists()  # all or nothing


def test_init_demo_writes_what_the_tour_uses(elsewhere: Path) -> None:
    code, out = _run("init", "--demo")
    assert code == 0, out
    assert (elsewhere / "data/brands.toml").read_bytes() == (DATA / "brands.toml").read_bytes()
    for name in ("repackaged.apk", "transplant.apk"):  # the shipped copies are the test corpus's files
        assert (elsewhere / "data/apks" / name).read_bytes() == (ROOT / "tests/apks" / name).read_bytes()
    assert len((elsewhere / "data/listings.jsonl").read_text(encoding="utf-8").splitlines()) >= 5
    # Every file the profile names (icons, the official certificate) was written too: the profile loads.
    profile = load_profile(elsewhere / "data/brands.toml")
    assert {b.id for b in profile.brands} == {b.id for b in load_profile(DATA / "brands.toml").brands}


@pytest.mark.parametrize(
    "args",
    [
        ["cases"],
        ["case", "3"],
        ["report", "--since", "2026-11-01"],
        ["outbox"],
        ["evidence", "3"],
        ["draft", "3", "play"],
    ],
)
def test_read_only_commands_refuse_a_missing_database_and_create_nothing(
    elsewhere: Path, args: list[str]
) -> None:
    missing = elsewhere / "no" / "such" / "dir" / "x.db"
    code, out = _run(*args, "--db", str(missing), "--config", str(DATA / "brands.toml"))
    assert code == 1
    assert out.strip().splitlines() == [f"Error: database not found: {missing}"]
    assert _tree(elsewhere) == []


def test_default_database_is_relative_to_the_working_directory(elsewhere: Path) -> None:
    code, out = _run("cases")
    assert code == 1 and "database not found: data/fakeapp.db" in out and _tree(elsewhere) == []
    code, out = _run("case", "1", "--confirm", "--config", str(DATA / "brands.toml"))
    # A change creates the database (and says where) before finding there is no such case.
    assert "Created database data/fakeapp.db" in out and (elsewhere / "data/fakeapp.db").is_file()
    code, out = _run("cases")
    assert code == 0 and "Created database" not in out


def test_missing_default_profile_says_how_to_get_one(elsewhere: Path) -> None:
    listings = elsewhere / "l.jsonl"
    listings.write_text('{"store": "google_play", "app_id": "x.y"}\n', encoding="utf-8")
    code, out = _run("judge", str(listings))
    assert code == 1 and "brand profile not found: data/brands.toml" in out and "fakeapp init" in out


def test_every_setting_the_environment_gives_a_settings_file_gives_too(tmp_path: Path) -> None:
    """No setting is refused as an unknown key in the settings file although the environment takes it (the
    Aptoide, Galaxy Store and TestFlight ones were), and the file's values are the ones used."""
    import re

    from bot.core import settings as settings_module

    source = Path(settings_module.__file__).read_text(encoding="utf-8")
    read = set(re.findall(r'"((?:FAKEAPP|TELEGRAM)_[A-Z0-9_]+)"', source)) - {"FAKEAPP_SETTINGS"}
    assert read - set(settings_module.SETTING_NAMES) == set()
    path = tmp_path / "settings.toml"
    path.write_text(
        'fakeapp_aptoide_url = "http://127.0.0.1:9/aptoide"\n'
        'FAKEAPP_GALAXY_STORE_URL = "http://127.0.0.1:9/galaxy"\n'
        "fakeapp_aptoide_rate = 0.5\nfakeapp_galaxy_store_rate = 0.25\nfakeapp_aptoide_apk_budget = 2\n"
        'fakeapp_testflight_url = "http://127.0.0.1:9/tf"\n',
        encoding="utf-8",
    )
    stores = load_settings({}, path).stores
    assert (stores.aptoide_url, stores.galaxy_store_url, stores.testflight_url) == (
        "http://127.0.0.1:9/aptoide",
        "http://127.0.0.1:9/galaxy",
        "http://127.0.0.1:9/tf",
    )
    assert (stores.aptoide_rate, stores.galaxy_store_rate, stores.aptoide_apk_budget) == (0.5, 0.25, 2)
    assert load_settings({}).stores.testflight_url == "https://testflight.apple.com"
    for name in ("FAKEAPP_TESTFLIGHT_URL", "FAKEAPP_APTOIDE_URL", "FAKEAPP_GOOGLE_PLAY_URL"):  # one line each
        with pytest.raises(SettingsError, match=f"^{name}: expected an http\\(s\\) URL$"):
            load_settings({name: "testflight.apple.com"})


def test_settings_file_refuses_unknown_keys_with_a_hint(
    elsewhere: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = elsewhere / "settings.toml"
    path.write_text("fakeapp_admin = [111]\n", encoding="utf-8")
    with pytest.raises(SettingsError) as err:
        load_settings({}, path)
    assert str(err.value) == f"{path}: unknown key 'fakeapp_admin' (did you mean 'fakeapp_admins'?)"

    monkeypatch.setenv("FAKEAPP_SETTINGS", str(path))
    for args in (["cases"], ["scan", "--demo"], ["outbox"], ["bot"]):  # every command that reads it
        code, out = _run(*args)
        assert code == 1 and "unknown key 'fakeapp_admin'" in out and str(path) in out, args
    assert _tree(elsewhere) == ["settings.toml"]

    path.write_text("fakeapp_admins = [111, 222]\nfakeapp_chat_id = -1001\n", encoding="utf-8")
    telegram = load_settings({}, path).telegram
    assert telegram.admins == {111, 222} and telegram.chat_id == "-1001"
    path.write_text("[telegram]\nfakeapp_admins = [1]\n", encoding="utf-8")
    with pytest.raises(SettingsError, match="tables are not settings"):
        load_settings({}, path)


def test_bundled_data_is_the_repository_data_in_a_checkout() -> None:
    assert bundled("demo", "snapshot", "index.json").is_file()
    assert bundled("brands.toml").read_bytes() == (DATA / "brands.toml").read_bytes()
