"""Evaluate the store-listing judge on the labelled set: recall, false-alert rate, per family, confusion.

    python bench/judge_eval.py [--set bench/labelled/listings.jsonl] [--profile bench/labelled/brands.toml]
                               [--misses]

A listing counts as *alerted* when its verdict is ``impersonation`` or ``suspicious`` (both open a case).
Recall: alerted fakes / fakes. False-alert rate: alerted legitimate look-alikes / legitimate look-alikes.
Official apps must be ``official`` and allow-listed ones ``allowed``. Exit status 1 when a goal is missed
(recall ≥ 0.98, false alerts ≤ 2 %, every official app official). Runs offline, no icons.
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from scanners.judging.verdict import VERDICTS, Verdict, judge_all, prepare_brand  # noqa: E402
from scanners.listing import Listing  # noqa: E402
from scanners.profile import load_profile  # noqa: E402

ALERT = {"impersonation", "suspicious"}
RECALL_GOAL = 0.98
FALSE_ALERT_GOAL = 0.02


def load_set(path: Path) -> list[dict[str, Any]]:
    """The labelled records; a bad line is a one-line error naming the line."""
    records = []
    for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            rec = json.loads(line)
            rec["_listing"] = Listing.from_dict(rec["listing"])
            rec["_apps"] = [
                Listing.from_dict({"store": rec["_listing"].store, "app_id": f"other-{i}", **a})
                for i, a in enumerate(rec.get("developer_apps", ()))
            ]
        except (ValueError, KeyError, TypeError) as exc:
            raise SystemExit(f"{path}:{n}: bad record: {exc}") from None
        records.append(rec)
    return records


def fresh_draw(seed: int) -> list[dict[str, Any]]:
    """Records of a new draw of the generator, in the stored set's form."""
    sys.path.insert(0, str(ROOT / "bench" / "labelled"))
    generate = importlib.import_module("make_listings").generate

    out = []
    for rec in generate(seed):
        rec["_listing"] = Listing.from_dict(rec["listing"])
        rec["_apps"] = [
            Listing.from_dict({"store": rec["_listing"].store, "app_id": f"other-{i}", **a})
            for i, a in enumerate(rec.get("developer_apps", ()))
        ]
        out.append(rec)
    return out


def correct(label: str, verdict: str) -> bool:
    if label == "fake":
        return verdict in ALERT
    if label == "legit":
        return verdict not in ALERT
    return verdict == label  # official / allowed


def evaluate(
    records: list[dict[str, Any]], profile_path: Path
) -> tuple[dict[str, Any], list[tuple[Any, Verdict]]]:
    """Judge every record; the figures and the misjudged (record, verdict) pairs."""
    brands = [prepare_brand(b) for b in load_profile(profile_path).brands]
    confusion: dict[str, Counter[str]] = defaultdict(Counter)
    families: dict[tuple[str, str], list[bool]] = defaultdict(list)
    misses = []
    for rec in records:
        v = judge_all(rec["_listing"], brands, developer_apps=rec["_apps"] or None)
        ok = correct(rec["label"], v.verdict)
        confusion[rec["label"]][v.verdict] += 1
        families[(rec["label"], rec["family"])].append(ok)
        if not ok:
            misses.append((rec, v))
    fakes = sum(confusion["fake"].values())
    legit = sum(confusion["legit"].values())
    caught = sum(confusion["fake"][x] for x in ALERT)
    false = sum(confusion["legit"][x] for x in ALERT)
    own = [rec for rec in records if rec["label"] in ("official", "allowed")]
    own_ok = sum(confusion[lab][lab] for lab in ("official", "allowed"))
    stores = Counter(rec["_listing"].store for rec in records)
    figures = {
        "listings": len(records),
        "stores": dict(stores),
        "brands": sorted({rec["brand"] for rec in records}),
        "fakes": fakes,
        "legit": legit,
        "recall": caught / fakes if fakes else 0.0,
        "false_alert_rate": false / legit if legit else 0.0,
        "own_apps": len(own),
        "own_apps_ok": own_ok,
        "families": families,
        "confusion": confusion,
    }
    return figures, misses


def report(fig: dict[str, Any], misses: list[tuple[Any, Verdict]], *, show_misses: bool) -> str:
    stores = fig["stores"]
    caught = round(fig["recall"] * fig["fakes"])
    false = round(fig["false_alert_rate"] * fig["legit"])
    lines = [
        f"labelled set: {fig['listings']} listings (google_play {stores.get('google_play', 0)}, "
        f"app_store {stores.get('app_store', 0)}), brands {', '.join(fig['brands'])}",
        f"families: {sum(1 for k in fig['families'] if k[0] == 'fake')} of fakes, "
        f"{sum(1 for k in fig['families'] if k[0] == 'legit')} of legitimate look-alikes, "
        f"{sum(1 for k in fig['families'] if k[0] in ('official', 'allowed'))} of the brokers' own apps",
        f"recall            {fig['recall']:.3f}  ({caught}/{fig['fakes']} fakes alerted)"
        f"   goal >= {RECALL_GOAL}",
        f"false-alert rate  {fig['false_alert_rate']:.3f}  ({false}/{fig['legit']} look-alikes alerted)"
        f"   goal <= {FALSE_ALERT_GOAL}",
        f"official apps     {fig['own_apps_ok']}/{fig['own_apps']} judged official"
        " (allowed when allow-listed)",
        "",
        "confusion (rows: label, columns: verdict)",
        f"  {'':9}" + "".join(f"{v:>15}" for v in VERDICTS),
    ]
    for label in ("fake", "legit", "official", "allowed"):
        if label in fig["confusion"]:
            row = fig["confusion"][label]
            lines.append(f"  {label:9}" + "".join(f"{row[v]:>15}" for v in VERDICTS))
    lines += ["", "per family (label, family: correct/total)"]
    for (label, family), oks in sorted(fig["families"].items()):
        mark = "" if all(oks) else "   <-- misjudged"
        lines.append(f"  {label:8} {family:32} {sum(oks):>3}/{len(oks)}{mark}")
    if show_misses and misses:
        lines += ["", "misjudged"]
        for rec, v in misses:
            lines.append(f"  {rec['id']}: {rec['_listing'].title!r} -> {v.verdict} {v.score}")
            lines += [f"      {r.points:+d} {r.code}: {r.en}" for r in v.reasons]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--set", type=Path, default=ROOT / "bench" / "labelled" / "listings.jsonl")
    ap.add_argument("--profile", type=Path, default=ROOT / "bench" / "labelled" / "brands.toml")
    ap.add_argument("--misses", action="store_true", help="list every misjudged listing with its reasons")
    ap.add_argument(
        "--seeds",
        type=int,
        default=5,
        help="also judge this many fresh draws of the generator (other seeds, not the stored set)",
    )
    args = ap.parse_args(argv)
    fig, misses = evaluate(load_set(args.set), args.profile)
    print(report(fig, misses, show_misses=args.misses))
    if args.seeds:
        print(f"\nfresh draws of bench/labelled/make_listings.py (seeds 101..{100 + args.seeds}, not stored)")
        for seed in range(101, 101 + args.seeds):
            draw, draw_misses = evaluate(fresh_draw(seed), args.profile)
            print(
                f"  seed {seed}: recall {draw['recall']:.3f}  "
                f"false-alert rate {draw['false_alert_rate']:.3f}  "
                f"official {draw['own_apps_ok']}/{draw['own_apps']}  misjudged: "
                + (", ".join(rec["id"] for rec, _ in draw_misses) or "none")
            )
    met = (
        fig["recall"] >= RECALL_GOAL
        and fig["false_alert_rate"] <= FALSE_ALERT_GOAL
        and fig["own_apps_ok"] == fig["own_apps"]
    )
    return 0 if met else 1


if __name__ == "__main__":
    raise SystemExit(main())
