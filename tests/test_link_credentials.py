"""Credentials in links: ``http://user:pass@host/app.apk`` is never kept or shown with its user:password,
in the case URL, its timeline, the alert card, the CSV export or the evidence pack."""

from __future__ import annotations

import io
import zipfile
from datetime import UTC, datetime

import pytest

from bot.alerts.render import case_card
from bot.cases.actions import Actor
from bot.casework import evidence
from bot.core.linksafe import redact_userinfo
from bot.desk import cases
from scanners.profile import load_profile
from tests.conftest import DATA, HOOKS
from tests.scanrows import listing, write_scan

WHO = Actor("tg:1001", "@alice")
SECRET = "s3cr3tPass"
LINK = f"http://victim:{SECRET}@dl.example.test/app.apk"
NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("link", "kept"),
    [
        (LINK, "http://dl.example.test/app.apk"),
        ("https://u@host:8443/x.apk?a=b@c", "https://host:8443/x.apk?a=b@c"),
        ("http://u:p@ss@[::1]:8080/x.apk", "http://[::1]:8080/x.apk"),
        ("HTTP://A:B@HOST/", "HTTP://HOST/"),
        (
            "see http://a:b@x.test/1 and https://c:d@y.test/2 now",
            "see http://x.test/1 and https://y.test/2 now",
        ),
        ("http://host/path@not-userinfo", "http://host/path@not-userinfo"),
        ("mail me: alice@example.test", "mail me: alice@example.test"),
    ],
)
def test_redact_userinfo(link, kept):
    assert redact_userinfo(link) == kept


def _pack_text(db, case_id: int) -> str:
    pack = evidence.make_pack(db, case_id, WHO, now=NOW)
    with zipfile.ZipFile(io.BytesIO(pack.data)) as z:
        return "\n".join(z.read(n).decode("utf-8", "replace") for n in z.namelist())


def test_apk_link_case_url_card_export_and_evidence_have_no_credentials(db):
    report = {"sha256": "cd" * 32, "verdict": "impostor", "package": "com.fake.cred", "certificates": []}
    case, _ = cases.open_apk_case(db, report, actor=WHO, source=LINK, now=NOW, hooks=HOOKS)
    cases.note(db, case.id, WHO, f"mirror at {LINK}", hooks=HOOKS)
    stored = cases.get_case(db, case.id)
    assert stored.url == "http://dl.example.test/app.apk"
    everything = [
        stored.url,
        case_card(stored, "zh"),
        case_card(stored, "en", kind="case"),
        cases.export_csv(db),
        _pack_text(db, case.id),
        "\n".join(str(dict(r)) for r in db.query("SELECT * FROM case_events")),
        "\n".join(str(dict(r)) for r in db.query("SELECT text FROM outbox")),
    ]
    for text in everything:
        assert SECRET not in text and "victim:" not in text
    assert "dl.example.test/app.apk" in case_card(stored, "zh")


def test_listing_case_and_rows_written_before_are_shown_without_credentials(db):
    profile = load_profile(DATA / "brands.toml")
    row = listing("com.fake.credlisting", url=LINK)
    (cid,) = cases.sync_from_scan(db, write_scan(db, [row]), profile).opened
    assert SECRET not in cases.get_case(db, cid).url
    # A row kept before this fix: shown, exported and packed without the password all the same.
    db.execute("UPDATE cases SET url = ? WHERE id = ?", [LINK, cid])
    db.conn.commit()
    old = cases.get_case(db, cid)
    for text in (case_card(old, "zh"), cases.export_csv(db), _pack_text(db, cid)):
        assert SECRET not in text
