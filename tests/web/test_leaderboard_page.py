"""A leaderboard page against every cost a model has: a switch between parameters, throughput, latency,
FLOPs and memory, each with its own table, Pareto front and chart, the choice kept in the URL's hash.

The catalogue is tests/web/conftest.py's (``keyword`` and the ladder ``tiny``/``medium``/``large`` on
``reviews``, and 120 ``bulk-NNN``); the store here holds a run of ``keyword`` (0.85, 200 samples/s) and
``zoo bench`` records of the ladder: ``large`` answers fastest, so against latency ``medium`` and ``large``
are on the front, while against parameters ``keyword`` alone is. No model has a FLOP count.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from zoo.store import ResultsStore
from zoo.web.app import create_app
from zoo.web.settings import WebSettings

PAGE = "/leaderboards/text-classification/reviews.html"


def bench(model, latency_ms, memory=None):
    """A stored `zoo bench` record of the shape zoo bench writes (the fields the leaderboard reads)."""
    return {"status": "ok", "model": {"id": model},
            "bench": {"device": "cpu", "device_name": "Test CPU", "dtype": "float32", "inputs": "synthetic",
                      "params": None, "flops_per_sample": None, "peak_memory_bytes": memory,
                      "by_batch_size": {"1": {"samples_per_second": 1000 / latency_ms, "latency_ms_median": latency_ms}}}}


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    path = tmp_path_factory.mktemp("benched") / "results.sqlite"
    run = {"task": "text-classification", "request": {"model": "toys:keyword", "dataset": "toys:reviews"},
           "model": {"id": "toys:keyword", "parameters": 4}, "dataset": {"id": "toys:reviews", "split": "test"},
           "metrics": {"accuracy": 0.85}, "run": {"samples_per_second": 200.0}}
    with ResultsStore.open(path) as opened:
        opened.add(run)
        opened.add(bench("toys:tiny", 10.0), kind="bench")
        opened.add(bench("toys:medium", 5.0, memory=3_000_000), kind="bench")
        opened.add(bench("toys:large", 1.0), kind="bench")
    return path


@pytest.fixture(scope="module")
def server(catalogue_registry, store, module_server):
    return module_server(WebSettings(results=store), registry=catalogue_registry)


def panel_of(html: str, x: str) -> str:
    return re.search(rf'<section class="cost-panel" id="panel-{x}".*?</section>', html, re.S).group(0)


def test_the_page_has_a_panel_for_each_cost_a_model_has_with_its_own_table_and_command(catalogue_registry, store):
    html = TestClient(create_app(WebSettings(results=store), registry=catalogue_registry)).get(PAGE).text
    offered = re.findall(r'<input type="radio" name="x" value="(\w+)"', html)
    assert offered == ["params", "throughput", "latency", "memory"]  # no model has a FLOP count
    assert re.findall(r'id="panel-(\w+)" data-x="\w+" aria-labelledby="heading-\w+"( hidden)?', html) == [
        ("params", ""), ("throughput", " hidden"), ("latency", " hidden"), ("memory", " hidden")]
    assert 'value="params" aria-controls="panel-params" checked' in html  # the default: parameters
    latency = panel_of(html, "latency")
    assert "<code>zoo leaderboard --task text-classification --dataset reviews --x latency</code>" in latency
    assert "measured by zoo bench on Test CPU." in latency
    assert re.findall(r'<tr class="pareto">\s*<td>\d+</td>\s*<th scope="row"><a href="[^"]*">(\w+)</a>', latency) == [
        "medium", "large"]
    assert "<td>1 ms</td>" in latency and "<td>5 ms</td>" in latency  # as zoo leaderboard --x latency prints
    params = panel_of(html, "params")
    assert "<code>zoo leaderboard --task text-classification --dataset reviews</code>" in params
    assert "measured by" not in params  # a parameter count is no machine's
    assert "<td>3.0 MB</td>" in panel_of(html, "memory")
    assert html.count('<script type="application/json" id="chart-data-') == 4


def test_the_json_api_ranks_against_any_cost(catalogue_registry, store):
    client = TestClient(create_app(WebSettings(results=store), registry=catalogue_registry))
    board = client.get("/api/leaderboard", params={"dataset": "reviews", "x": "latency", "top": 4}).json()
    assert board["x"] == "latency" and [row["pareto"] for row in board["rows"]] == [False, True, True, False]
    response = client.get("/api/leaderboard", params={"dataset": "reviews", "x": "flops"})
    assert response.status_code == 422 and response.json()["detail"].startswith(
        "--x flops: no ranked model has a FLOPs per sample figure")


def test_the_switch_shows_one_cost_at_a_time_draws_each_chart_once_shown_and_keeps_it_in_the_address(server, page):
    page.goto(server.url + PAGE)
    page.locator("#chart-params svg.main-svg").first.wait_for()
    assert page.locator("#panel-latency").is_hidden()
    assert page.locator("#chart-latency svg").count() == 0  # drawn when first shown, not in a hidden panel

    page.get_by_role("radio", name="latency").check()
    assert page.url.endswith(PAGE + "#x=latency")
    assert page.locator("#panel-params").is_hidden() and page.locator("#panel-latency").is_visible()
    page.locator("#chart-latency svg.main-svg").first.wait_for()
    area = page.locator("#chart-latency")
    assert abs(area.locator("svg.main-svg").first.bounding_box()["width"] - area.bounding_box()["width"]) <= 2
    assert "latency measured by zoo bench on Test CPU" in area.locator(".gtitle").text_content()
    assert page.locator("#panel-latency tbody tr.pareto th").all_text_contents() == ["medium", "large"]

    page.keyboard.press("ArrowRight")  # the focused radio group: the next cost
    assert page.get_by_role("radio", name="memory").is_checked() and page.url.endswith("#x=memory")
    assert page.locator("#panel-memory").is_visible() and page.locator("#panel-latency").is_hidden()

    page.goto(server.url + PAGE + "#x=throughput")  # a linked view
    assert page.locator("#panel-throughput").is_visible() and page.get_by_role("radio", name="throughput").is_checked()
    assert page.locator("#panel-throughput tbody tr", has_text="keyword").locator("td").nth(3).text_content() == \
        "200/s (run)"
    page.goto(server.url + PAGE + "#x=flops")  # a cost no model has: the default
    assert page.locator("#panel-params").is_visible() and page.get_by_role("radio", name="params").is_checked()


def test_without_javascript_every_cost_shows_one_under_the_other(server, chromium):
    context = chromium.new_context(java_script_enabled=False)
    page = context.new_page()
    try:
        page.goto(server.url + PAGE + "#x=latency")
        assert page.locator(".cost-switch").is_hidden()  # it would do nothing
        for x in ("params", "throughput", "latency", "memory"):
            assert page.get_by_role("heading", name=f"Against {x}").is_visible(), x
    finally:
        context.close()
