"""Each workaround of google-play-scraper 1.2.7 (section WORKAROUNDS in scanners/stores/_gplay_pages.py).

Every test shows the library's fault on a page first, then our reading of the same page, so when the
library (or the store) changes, the test that stops holding names the workaround to revisit.
"""

from __future__ import annotations

import datetime
import http.server
import json
import ssl
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from scanners.stores import _gplay_pages as pages
from scanners.stores._gplay_pages import (
    ElementSpecs,
    PageError,
    developer_id,
    expand_jspb,
    html_to_text,
    legal_block,
    parse_details_page,
    parse_search_page,
    search_sections,
)

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).parent / "fixtures" / "google_play"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text(encoding="utf-8")


def recorded(shared_dir: Path, name: str) -> str:
    return (shared_dir / "fixtures" / "google-play" / name).read_text(encoding="utf-8")


def block(page: str, key: str) -> Any:
    return json.loads(pages.data_blocks(page)[key])


def library_search(monkeypatch: pytest.MonkeyPatch, page: str) -> list[dict[str, Any]]:
    """The library's own search() on a page, its HTTP replaced by the page (no network)."""
    import google_play_scraper.features.search as feature  # already imported, TLS restored, by pages

    monkeypatch.setattr(feature, "get", lambda url: page)
    result: list[dict[str, Any]] = feature.search("x", n_hits=30)
    return result


def library_details(page: str) -> dict[str, Any]:
    import google_play_scraper.features.app as feature

    result: dict[str, Any] = feature.parse_dom(dom=page, app_id="x", url="u")
    return result


# --- W1 TLS ----------------------------------------------------------------------------------------------


def run_python(code: str) -> str:
    done = subprocess.run(  # a fresh interpreter: nothing imported before, so order cannot hide it
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.strip()


def test_w1_library_alone_switches_tls_checking_off() -> None:
    # The fault we contain: a bare import of the library changes the process-wide default.
    out = run_python(
        "import ssl, google_play_scraper\n"
        "print(ssl._create_default_https_context is ssl.create_default_context)"
    )
    assert out == "False"


def test_w1_importing_the_adapter_keeps_tls_checking_on() -> None:
    out = run_python(
        "import ssl, sys, scanners.stores.google_play\n"
        "print('google_play_scraper.utils.request' in sys.modules,"
        " ssl._create_default_https_context is ssl.create_default_context)"
    )
    assert out == "True True"  # the library is loaded, and the default context is the verifying one


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(__import__("ipaddress").ip_address("127.0.0.1"))]),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


class _Hello(http.server.BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = b"hello over TLS"
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def https_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    cert, key = _self_signed(tmp_path_factory.mktemp("tls"))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"https://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


FETCH = """
import urllib.request, urllib.error
try:
    print(urllib.request.urlopen({url!r}, timeout=5).read().decode())
except urllib.error.URLError as exc:
    print(type(exc.reason).__name__, getattr(exc.reason, "verify_message", ""))
"""


def test_w1_urllib_still_refuses_a_self_signed_certificate(https_url: str) -> None:
    out = run_python("import scanners.stores.google_play\n" + FETCH.format(url=https_url))
    assert out.startswith("SSLCertVerificationError")
    assert "self-signed certificate" in out or "self signed certificate" in out


def test_w1_control_the_bare_library_would_accept_it(https_url: str) -> None:
    # Proves the test above can fail: with the library imported unguarded the fetch goes through.
    out = run_python("import google_play_scraper\n" + FETCH.format(url=https_url))
    assert out == "hello over TLS"


def test_w1_only_one_module_imports_the_library() -> None:
    importers = sorted(
        str(path.relative_to(ROOT))
        for folder in ("bot", "scanners")
        for path in (ROOT / folder).rglob("*.py")
        if "google_play_scraper" in path.read_text(encoding="utf-8")
        and any(
            line.lstrip().startswith(("import google_play_scraper", "from google_play_scraper"))
            for line in path.read_text(encoding="utf-8").splitlines()
        )
    )
    assert importers == ["scanners/stores/_gplay_pages.py"]


# --- W2 dict-keyed (JSPB tail) nodes -----------------------------------------------------------------------


def test_w2_expand_puts_field_numbers_back_at_index_plus_one() -> None:
    assert expand_jspb([None, None, "x", {"12": [["pkg", 7]]}])[11] == [["pkg", 7]]
    assert expand_jspb([{"52": [["4.3", 4.3]]}])[51] == [["4.3", 4.3]]
    nested = expand_jspb([[1, {"5": "five"}], {"3": [0, {"9": "nine"}]}])
    assert nested == [
        [1, None, None, None, "five"],
        None,
        [0, None, None, None, None, None, None, None, "nine"],
    ]
    # Not a tail: non-digit keys, or a key that would land before the object's own slot.
    assert expand_jspb([1, 2, {"a": 1}]) == [1, 2, {"a": 1}]
    assert expand_jspb([1, 2, 3, {"2": "x"}]) == [1, 2, 3, {"2": "x"}]


@pytest.mark.shared
def test_w2_featured_card_package_on_recorded_page(monkeypatch: pytest.MonkeyPatch, shared_dir: Path) -> None:
    page = recorded(shared_dir, "search/panda.html")
    assert library_search(monkeypatch, page)[0]["appId"] is None  # the fault
    top = block(page, "ds:4")[0][1][0][23][16]
    assert top[3]["12"][0][0] == "com.pandaexpress.app"
    # Key = index + 1: the card's tail keys "112" and "155" hold what slots 111 and 154 of the dense
    # details array of a recorded details page hold.
    details = block(recorded(shared_dir, "app/minecraft.html"), "ds:5")[1][2]
    card = expand_jspb(top)[2]
    assert card[111] == details[111] == [3, None, None, None, None, None, 1]
    assert card[154] == details[154]
    assert parse_search_page(page)[0].app_id == "com.pandaexpress.app"


def test_w2_featured_card_package_on_zh_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    page = fixture("search_huayue.html")
    assert library_search(monkeypatch, page)[0]["appId"] is None
    assert parse_search_page(page)[0].app_id == "tw.com.huayuesec.trade"


def test_w2_dict_keyed_version_and_update_time() -> None:
    page = fixture("details_fake_sparse.html")
    detail = block(page, "ds:5")[1][2]
    assert isinstance(detail[-1], dict) and {"141", "146"} <= set(detail[-1])
    lib = library_details(page)
    assert (lib["version"], lib["updated"]) == ("Varies with device", None)  # the fault
    app = parse_details_page(page, "com.hy.invest.vip")
    assert (app.version, app.updated) == ("1.0.3", "2026-11-02")


# --- W3 no results, and how it differs from a broken page --------------------------------------------------


def test_w3_library_crashes_on_a_no_results_page(monkeypatch: pytest.MonkeyPatch) -> None:
    with pytest.raises(TypeError):
        library_search(monkeypatch, fixture("no_results.html"))
    assert parse_search_page(fixture("no_results.html")) == []


SECTION_WITH_LIST = [None, None, None, ["t"], *[None] * 18, [[[["a.b", 7], None, None, "t"]]]]


@pytest.mark.parametrize(
    ("ds4", "expected"),
    [
        ([[None, None, None, [None, "t"], 0, ["t"]], ["t"], None, []], None),  # sections null
        ([[None, [], None, [None, "t"], 0, ["t"]], ["t"], None, []], None),  # sections empty
        ([None, ["t"], None, []], None),  # head null
        ([], None),
        ([[None, [[*[None] * 22, [[]]]]]], "none"),  # an empty result list and no card: nothing found
        ([[None, [SECTION_WITH_LIST]]], "one"),
    ],
)
def test_w3_genuine_pages(ds4: Any, expected: str | None) -> None:
    sections = search_sections(ds4)
    if expected is None:
        assert sections is None
    else:
        assert isinstance(sections, list) and len(sections) == 1


@pytest.mark.parametrize(
    ("ds4", "reason"),
    [
        ({"0": []}, "ds:4 is a dict, expected a list"),
        (["x"], r"ds:4\[0\] is a str, expected a list"),
        ([[None, "sections"]], r"ds:4\[0\]\[1\] \(sections\) is a str"),
        ([[None, [7]]], "search section 0 is a int"),
        ([[None, [[None, None, None, ["t"]]]]], "none of the 1 search sections has a result list"),
    ],
)
def test_w3_broken_layouts(ds4: Any, reason: str) -> None:
    with pytest.raises(PageError, match=reason):
        search_sections(ds4)


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        ('{"results": []}', "no AF_initDataCallback data blocks: not a Google Play page"),
        ("<html><body>Our systems have detected unusual traffic</body></html>", "unusual-traffic"),
        ("<script>AF_initDataCallback({key: 'ds:4', data:[1]});</script>", "none in the known form"),
        (
            "<script>AF_initDataCallback({key: 'ds:4', hash: '7', data:[[null,[}, sideChannel: {}});"
            "</script>",
            "ds:4 data block is not valid JSON",
        ),
        (
            "<script>AF_initDataCallback({key: 'ds:4', hash: '7', data:"
            + json.dumps([[None, [[*[None] * 22, [[[[None, None, None, "no package"]]]]]]]])
            + ", sideChannel: {}});</script>",
            r"section 0 result 0: no package name at \[0\]\[0\]\[0\]",
        ),
    ],
)
def test_w3_broken_pages_raise(page: str, reason: str) -> None:
    with pytest.raises(PageError, match=reason):
        parse_search_page(page)


# --- W4 the last list result ------------------------------------------------------------------------------


@pytest.mark.shared
def test_w4_library_drops_the_last_result(monkeypatch: pytest.MonkeyPatch, shared_dir: Path) -> None:
    page = recorded(shared_dir, "search/panda.html")
    lib = library_search(monkeypatch, page)
    ours = parse_search_page(page)
    assert (len(lib), len(ours)) == (19, 20)
    assert ours[-1].app_id not in {r["appId"] for r in lib}


def test_w4_on_zh_fixture(monkeypatch: pytest.MonkeyPatch) -> None:
    page = fixture("search_huayue.html")
    assert len(library_search(monkeypatch, page)) == 2
    assert [r.app_id for r in parse_search_page(page)][-1] == "tw.com.huayuesec.news"


# --- W5 developer id ---------------------------------------------------------------------------------------


@pytest.mark.shared
def test_w5_individual_developer_id(shared_dir: Path) -> None:
    page = recorded(shared_dir, "app/whereami.html")
    assert library_details(page)["developerId"] == "Adex77"  # the fault: a name, not an id
    assert parse_details_page(page, "com.adex77.WhereAmI").developer_id == "4855979533719537120"


def test_w5_developer_id_sources() -> None:
    link = [None, None, None, None, [None, None, "/store/apps/developer?id=Some+Name"]]
    detail: list[Any] = [None] * 68 + [["Some Name", link, "123456789"]]
    assert developer_id(detail) == "123456789"
    detail[68] = ["Some Name", [None, None, None, None, [None, None, "/store/apps/dev?id=987"]]]
    assert developer_id(detail) == "987"
    detail[68] = ["Some Name", link]
    assert developer_id(detail) == ""  # a name is never passed off as an id


# --- W6 legal developer block -----------------------------------------------------------------------------


@pytest.mark.shared
def test_w6_legal_block_recorded(shared_dir: Path) -> None:
    page = recorded(shared_dir, "app/minecraft.html")
    assert library_details(page)["developerAddress"] is None  # the fault
    assert pages.details_legal(page) == {
        "name": "Microsoft Corporation",
        "email": "contactmojang@minecraft.net",
        "address": "1 Microsoft Way\nRedmond, WA 98052\nUnited States",
        "phone": "+1 800-642-7676",
    }


def test_w6_legal_block_zh_fixture_and_short_block() -> None:
    page = fixture("details_official.html")
    assert library_details(page)["developerAddress"] is None
    assert pages.details_legal(page)["address"] == "臺北市中正區博愛路17號8樓\n100 臺灣"
    detail: list[Any] = [None] * 69 + [[None, None, None, None, ["個人開發者", ["a@b.tw"], ["台南市"]]]]
    assert legal_block(detail) == {"name": "個人開發者", "email": "a@b.tw", "address": "台南市", "phone": ""}
    assert legal_block([None] * 10) == {"name": "", "email": "", "address": "", "phone": ""}


# --- W7 description text ------------------------------------------------------------------------------------


def test_w7_description_tags_removed() -> None:
    # A developer's <b> markup, as Google emits it inside the data JSON (\u003c … \u003e).
    page = fixture("details_fake_sparse.html").replace(
        "\\u0026lt;b\\u0026gt;加LINE\\u0026lt;/b\\u0026gt;", "\\u003cb\\u003e加LINE\\u003c/b\\u003e"
    )
    assert "<b>加LINE</b>" in library_details(page)["description"]  # the fault
    text = parse_details_page(page, "com.hy.invest.vip").description
    assert text.startswith("保證獲利、穩賺不賠！加LINE 領取飆股")
    assert html_to_text("a<br>b<BR/>c &lt;b&gt; &amp;amp; <i>d</i>") == "a\nb\nc <b> &amp; d"


def test_library_specs_still_used_where_right() -> None:
    # The parts of the library we rely on exist with the paths we expect (a library upgrade shows here).
    assert ElementSpecs.Detail["title"].data_map == [1, 2, 0, 0]
    assert ElementSpecs.SearchResult["appId"].data_map == [0, 0, 0]
    assert ElementSpecs.SearchResultOnTop["appId"].data_map == [11, 0, 0]
