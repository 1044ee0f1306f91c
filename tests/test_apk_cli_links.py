"""``fakeapp apk LINK`` with malformed links: one line naming what is wrong, exit code 1, never a traceback.

Name resolution is replaced by one that answers loopback, which the fetch refuses: no test traffic leaves the
machine, whatever host the junk names.
"""

from __future__ import annotations

import socket
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from bot.cli import main

CONFIG = Path(__file__).resolve().parent.parent / "data" / "brands.toml"


@pytest.fixture(autouse=True)
def loopback_dns(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    def resolve(host: object, port: object, *args: object, **kwargs: object) -> list[tuple[object, ...]]:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("127.0.0.1", 80))]

    monkeypatch.setattr(socket, "getaddrinfo", resolve)
    yield


def run(db: Path, target: str) -> tuple[int, str, BaseException | None]:
    result = CliRunner().invoke(main, ["apk", "--db", str(db), "--config", str(CONFIG), "--", target])
    return result.exit_code, result.output, result.exception


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://user@host:99999/x.apk", "http://host:99999/x.apk: bad port '99999'"),
        ("http://[::1:80/x.apk", "bad address"),
        ("ftp://host/x.apk", "unsupported scheme 'ftp'"),
        ("http://a b/x.apk", "spaces or control characters"),
        ("http://user:secret@[::1/x.apk", "bad address"),
    ],
)
def test_malformed_link_is_one_line(tmp_path: Path, url: str, message: str) -> None:
    code, out, exc = run(tmp_path / "t.db", url)
    assert code == 1 and isinstance(exc, SystemExit), out
    assert out.count("\n") == 1 and out.startswith("Error: ") and message in out
    assert "secret" not in out and "user@" not in out


SCHEMES = st.sampled_from(["http", "https", "HTTP", "ftp", "file", "javascript", "", "h t", "data"])
CHARS = st.characters(codec="utf-8") | st.sampled_from([*":/@[]%?#.\\ ", "\x00", "\ud800", "\n", "\x1b"])
JUNK = st.one_of(st.text(alphabet=CHARS, max_size=40), st.just("x" * 300), st.just("/" + "y" * 5000))


@st.composite
def junk_links(draw: st.DrawFn) -> str:
    scheme = draw(SCHEMES)
    sep = draw(st.sampled_from(["://", ":", ":/", ":///", "//", ""]))
    user = draw(st.sampled_from(["", "user@", "u:p@", "@", "a@b@"]))
    host = draw(st.one_of(JUNK, st.sampled_from(["[::1", "::1", "[::1]", "[zz]", "host", "127.0.0.1"])))
    port = draw(
        st.one_of(
            st.just(""), st.just(":"), st.integers(-5, 200000).map(lambda n: f":{n}"), JUNK.map(":".__add__)
        )
    )
    path = draw(st.one_of(st.just("/x.apk"), JUNK))
    return f"{scheme}{sep}{user}{host}{port}{path}"


def _is_folder(target: str) -> bool:
    try:
        return Path(target).is_dir()
    except OSError:  # a name too long to be a file is junk
        return False


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(target=st.one_of(junk_links(), JUNK))
def test_junk_never_a_traceback(tmp_path: Path, target: str) -> None:
    # A folder that exists ("/", ".", "..") is an input since `fakeapp apk` takes folders: not junk.
    assume(not _is_folder(target))
    code, out, exc = run(tmp_path / "t.db", target)
    assert "Traceback" not in out
    # a readable file never matches junk like this: every run is a one-line refusal
    assert code == 1 and isinstance(exc, SystemExit), (target, out, exc)
    # a command that writes says once where it created the database; the refusal is the one other line
    out = "".join(line for line in out.splitlines(keepends=True) if not line.startswith("Created database "))
    assert out.startswith("Error: ") and out.count("\n") == 1, (target, out)


@pytest.mark.parametrize(
    ("url", "message"),
    [("http://user:pw@host:99999/x.apk", "bad port"), ("https://[::1:80/x.apk", "bad address")],
)
def test_malformed_link_sent_to_the_bot_is_an_input_error(tmp_path: Path, url: str, message: str) -> None:
    """The bot and the CLI share ``analyse_and_store``: the same one-line refusal, no credentials in it."""
    from bot.record.apk_store import ApkInputError, analyse_and_store
    from bot.store.db import open_db
    from scanners.profile import load_profile

    db = open_db(tmp_path / "b.db")
    with pytest.raises(ApkInputError, match=message) as err:
        analyse_and_store(db, url, load_profile(CONFIG))
    assert "pw" not in str(err.value) and "user" not in str(err.value)
    db.close()
