"""The store double answers real HTTP, queues faults in order, and records requests."""

from __future__ import annotations

import requests

from bot.demo.server import Reply, Request, StoreDouble


def echo(request: Request) -> Reply:
    return Reply(
        200, f"{request.method} {request.path} q={request.query.get('q', '')}", "text/plain; charset=utf-8"
    )


def test_serves_handler_and_faults_in_order() -> None:
    with StoreDouble(echo) as double:
        double.inject("/store/search", Reply(429, "slow down", headers={"Retry-After": "1"}), Reply(503))
        first = requests.get(double.base_url + "/store/search", params={"q": "華岳"}, timeout=5)
        second = requests.get(double.base_url + "/store/search", params={"q": "華岳"}, timeout=5)
        third = requests.get(double.base_url + "/store/search", params={"q": "華岳"}, timeout=5)
        other = requests.post(double.base_url + "/lookup", data={"id": "1"}, timeout=5)
    assert (first.status_code, first.headers["Retry-After"]) == (429, "1")
    assert second.status_code == 503
    assert third.status_code == 200 and third.text == "GET /store/search q=華岳"
    assert other.text == "POST /lookup q="
    assert double.count("/store/search") == 3
    assert double.requests[-1].body == b"id=1"
