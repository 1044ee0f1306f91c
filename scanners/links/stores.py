"""The store judge the tracer takes: look a Play or App Store link up with the existing adapters and judge
the listing with the existing judge (the official app's link is official)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from scanners.judging.names import PreparedBrand
from scanners.judging.verdict import Verdict, judge_all
from scanners.stores import StoreAdapter


def store_judge(
    adapters: Mapping[str, StoreAdapter], brands: Sequence[PreparedBrand]
) -> Callable[[str, str], Verdict | None]:
    """A ``(store, app_id) -> Verdict | None`` callable: None when the store does not list the app; raises
    StoreError when the store cannot be read (the tracer reports it, never reads it as "no fake")."""

    def judge(store: str, app_id: str) -> Verdict | None:
        for pb in brands:
            b = pb.brand
            if b.official_app(store, app_id) is not None:
                from scanners.listing import Listing

                return judge_all(Listing(store, app_id), [pb])
        adapter = adapters.get(store)
        if adapter is None:
            raise LookupError(f"no adapter for {store}")
        b0 = brands[0].brand if brands else None
        listing = adapter.lookup(
            app_id,
            country=b0.countries[0] if b0 else "tw",
            language=b0.languages[0] if b0 else "zh-TW",
        )
        if listing is None:
            return None
        return judge_all(listing, brands)

    return judge
