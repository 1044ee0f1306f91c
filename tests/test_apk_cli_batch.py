"""``fakeapp apk PATH...``: several files, folders (recursive) and links in one process; JSON Lines in input
order; the exit status says whether every input could be read; a progress bar only on a terminal."""

from __future__ import annotations

import json
import os
import pty
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from bot.cli import main
from bot.cli.apk import expand_inputs

ROOT = Path(__file__).resolve().parent.parent
APKS = ROOT / "tests" / "apks"
CONFIG = ROOT / "data" / "brands.toml"


def run(tmp_path: Path, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(main, ["apk", *args, "--db", str(tmp_path / "t.db"), "--config", str(CONFIG)])
    return result.exit_code, result.stdout, result.stderr


def samples(tmp_path: Path) -> Path:
    """A folder as a sandbox would leave it: nested, mixed case, bundles, and files that are no APK."""
    d = tmp_path / "samples"
    (d / "b" / "deep").mkdir(parents=True)
    shutil.copy(APKS / "official.apk", d / "a_official.apk")
    shutil.copy(APKS / "repackaged.apk", d / "b" / "deep" / "REPACK.APK")
    shutil.copy(APKS / "official.xapk", d / "b" / "bundle.xapk")
    shutil.copy(APKS / "repackaged.apks", d / "b" / "split.apks")
    shutil.copy(APKS / "random.apk", d / "c_random.apk")  # not an APK inside: verdict invalid, still read
    (d / "notes.txt").write_text("not a sample")
    shutil.copy(APKS / "official.apk", d / "b" / "official.apk.bak")
    return d


def test_expand_inputs_order_and_recursion(tmp_path: Path) -> None:
    d = samples(tmp_path)
    got = [Path(p).relative_to(d).as_posix() for p, err in expand_inputs((str(d),)) if err is None]
    assert got == ["a_official.apk", "b/bundle.xapk", "b/deep/REPACK.APK", "b/split.apks", "c_random.apk"]
    empty = tmp_path / "empty"
    empty.mkdir()
    [(target, error)] = expand_inputs((str(empty),))
    assert target == str(empty) and error is not None and "no .apk" in error


def test_folder_and_files_json_lines_in_input_order(tmp_path: Path) -> None:
    d = samples(tmp_path)
    code, out, err = run(
        tmp_path, str(APKS / "impostor.apk"), str(d), str(APKS / "official_v1only.apk"), "--json"
    )
    assert code == 0, err
    lines = out.splitlines()
    assert len(lines) == 7
    rows = [json.loads(line) for line in lines]
    assert [Path(r["input"]).name for r in rows] == [
        "impostor.apk", "a_official.apk", "bundle.xapk", "REPACK.APK", "split.apks", "c_random.apk",
        "official_v1only.apk",
    ]  # fmt: skip
    assert [r["verdict"] for r in rows] == [
        "impostor", "official", "official", "repackaged", "repackaged", "invalid", "official",
    ]  # fmt: skip
    assert "7 inputs, 7 read, 0 could not be read" in err
    assert "\r[" not in err  # not a terminal: no progress bar


def test_exit_status_when_an_input_cannot_be_read(tmp_path: Path) -> None:
    empty = tmp_path / "empty"
    empty.mkdir()
    missing = tmp_path / "gone.apk"
    code, out, err = run(tmp_path, str(missing), str(APKS / "official.apk"), str(empty), "--json")
    assert code == 1
    rows = [json.loads(line) for line in out.splitlines()]
    assert [r.get("verdict") for r in rows] == [None, "official", None]
    assert rows[0] == {"input": str(missing), "error": f"{missing}: no such file"}
    assert "no .apk, .xapk or .apks" in rows[2]["error"]
    assert err.count("Error: ") == 2 and "3 inputs, 1 read, 2 could not be read" in err
    assert "Traceback" not in out + err


def test_human_output_for_several(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, str(APKS / "official.apk"), str(APKS / "repackaged.apk"))
    assert code == 0
    assert out.startswith(f"[1/2] {APKS / 'official.apk'}\nOFFICIAL")
    assert f"\n\n[2/2] {APKS / 'repackaged.apk'}\nREPACKAGED" in out


def test_same_file_twice_is_recognised_the_second_time(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path, str(APKS / "official.apk"), str(APKS / "official.apk"), "--json")
    assert code == 0
    first, second = (json.loads(line) for line in out.splitlines())
    assert (first["first_time"], second["first_time"], second["times_seen"]) == (True, False, 2)


def test_progress_bar_on_a_terminal(tmp_path: Path) -> None:
    """stderr on a pseudo-terminal: the bar is drawn there and erased; stdout (a pipe) stays JSON Lines."""
    master, slave = pty.openpty()
    try:
        proc = subprocess.run(
            [sys.executable, "-c", "from bot.cli import main; main()", "apk", str(APKS / "official.apk"),
             str(APKS / "impostor.apk"), "--json", "--db", str(tmp_path / "t.db"), "--config", str(CONFIG)],
            stdout=subprocess.PIPE, stderr=slave, cwd=ROOT, timeout=120, check=False,
        )  # fmt: skip
        os.close(slave)
        slave = -1
        chunks = []
        while True:
            try:
                data = os.read(master, 65536)
            except OSError:
                break
            if not data:
                break
            chunks.append(data)
    finally:
        if slave != -1:
            os.close(slave)
        os.close(master)
    bar = b"".join(chunks).decode("utf-8", "replace")
    assert proc.returncode == 0, bar
    assert "[" + "#" * 30 + "] 2/2" in bar and "0/2" in bar
    assert [json.loads(line)["verdict"] for line in proc.stdout.decode().splitlines()] == [
        "official",
        "impostor",
    ]


def test_the_hash_of_a_file_changed_while_it_was_analysed_is_the_files_own(tmp_path: Path) -> None:
    # the command hashes local files in a thread of its own and asks for the digest after the analysis;
    # a file that changed since (size, mtime or inode) is hashed again, never recorded under a stale digest
    import hashlib
    import time

    from bot.cli.apk import Prehash

    path = tmp_path / "sample.apk"
    shutil.copy(APKS / "official.apk", path)
    prehash = Prehash([path], 10 << 20)
    prehash.start()
    assert prehash.get(path) == hashlib.sha256(path.read_bytes()).hexdigest()
    time.sleep(0.01)
    shutil.copy(APKS / "repackaged.apk", path)
    assert prehash.get(path) == ""  # the analysis hashes it itself
    code, out, _ = run(tmp_path, str(path), "--json")
    assert code == 0 and json.loads(out)["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
