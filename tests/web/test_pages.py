"""`zoo serve`'s pages and catalogue API: the catalogue, cards, leaderboards, runs and plugins, checked
through the JSON API and the raw pages (TestClient), then in a real browser on one shared server.

The catalogue (tests/web/conftest.py): plugin ``toys`` with 124 text models (``keyword``, a size ladder
``tiny``/``medium``/``large`` and 120 ``bulk-NNN``), the dataset ``reviews`` and a run of ``keyword`` on
it in the results store; plugin ``broken``, which fails to load.
"""

from __future__ import annotations

import json
import re

import pytest
from fastapi.testclient import TestClient
from playwright.sync_api import expect

from zoo.web.app import create_app
from zoo.web.settings import WebSettings


@pytest.fixture(scope="module")
def client(catalogue_registry, catalogue_store):
    return TestClient(create_app(WebSettings(results=catalogue_store), registry=catalogue_registry))


# -- the JSON API ----------------------------------------------------------------------------------


def test_api_models_filters_and_sorts_as_zoo_list_does(client):
    everything = client.get("/api/models").json()
    assert len(everything) == 124 and everything[0]["id"] == "toys:bulk-000"
    best = client.get("/api/models", params={"sort": "accuracy", "top": 2, "tag": "ladder"}).json()
    assert [row["name"] for row in best] == ["medium", "large"]
    keyword = client.get("/api/models", params={"pattern": "keyword"}).json()[0]
    assert keyword["here"] == "bundled" and keyword["href"] == "models/keyword.html"
    assert keyword["reported"] == "accuracy 0.5 (reviews)" and keyword["reproduced"] == "accuracy 0.85 (reviews)"
    elsewhere = client.get("/api/models", params={"sort": "accuracy", "dataset": "elsewhere"}).json()
    assert [(row["name"], row["on"]["elsewhere"]["accuracy"]) for row in elsewhere] == [("tiny", 0.95), ("medium", 0.7)]


def test_a_folder_opens_its_index_by_a_relative_redirect(client):
    # Relative, as every link of the pages is: behind a proxy serving zoo under /zoo/, it stays there.
    for folder, location in (("/leaderboards", "leaderboards/index.html"), ("/leaderboards/", "index.html"),
                             ("/runs", "runs/index.html"), ("/runs/", "index.html")):
        response = client.get(folder, follow_redirects=False)
        assert response.is_redirect and response.headers["location"] == location, folder
    assert client.get("/runs").url.path == "/runs/index.html"  # followed: the page itself


def test_api_models_answers_a_wrong_filter_in_one_line(client):
    response = client.get("/api/models", params={"sort": "speed"})
    assert response.status_code == 422
    assert response.json()["detail"].startswith("cannot sort by 'speed': it is not a metric")


def test_api_model_card_has_reported_reproduced_and_the_reproduce_command(client):
    card = client.get("/api/models/keyword").json()
    assert card["id"] == "toys:keyword" and card["input_kind"] == "text" and card["runs_here"] is True
    (reported,) = card["reported"]
    assert (reported["value"], reported["reproduced"], reported["record"]) == (0.5, pytest.approx(0.85), 1)
    assert card["reproduce"] == ["zoo run toys:keyword --dataset reviews --split test"]
    assert card["fields"]["builder"] == "zoo.testing.toy:build_keyword_model"  # what zoo info --json prints


@pytest.mark.parametrize("url", ["/api/models/nope", "/api/datasets/nope", "/api/metrics/nope", "/api/runs/99"])
def test_an_unknown_name_or_record_is_a_404_with_one_line(client, url):
    response = client.get(url)
    assert response.status_code == 404 and "\n" not in response.json()["detail"]


def test_api_lists_datasets_metrics_plugins_leaderboards_and_runs(client):
    assert [row["name"] for row in client.get("/api/datasets", params={"plugin": "toys"}).json()] == ["reviews"]
    assert client.get("/api/metrics/accuracy").json()["better"] == "higher"
    plugins = {row["plugin"]: row for row in client.get("/api/plugins").json()["plugins"]}
    assert plugins["broken"]["status"] == "failed" and "broken on purpose" in plugins["broken"]["error"]
    boards = client.get("/api/leaderboards").json()  # the most models first
    assert [(board["task"], board["dataset"], board["models"]) for board in boards] == \
        [("text-classification", "reviews", 124), ("text-classification", "elsewhere", 2)]
    ranked = client.get("/api/leaderboard", params={"dataset": "reviews", "top": 3}).json()
    assert [row["name"] for row in ranked["rows"]] == ["keyword", "medium", "large"]  # keyword: 0.85 reproduced
    (run,) = client.get("/api/runs").json()
    assert run["model"] == "toys:keyword" and run["metrics"]["accuracy"] == pytest.approx(0.85)
    assert client.get("/api/leaderboard", params={"dataset": "reviews", "metric": "wer"}).status_code == 422


def test_the_api_is_in_the_openapi_schema(client):
    paths = client.get("/openapi.json").json()["paths"]
    assert {"/api/models", "/api/models/{name}", "/api/leaderboard", "/api/runs"} <= set(paths)
    assert not any(path.endswith(".html") for path in paths)  # pages are not API


# -- pages, raw ------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", [
    "/models/nope.html", "/datasets/keyword.html",  # keyword is a model, not a dataset
    "/models/..%2F..%2Fpyproject.toml.html", "/leaderboards/text-classification/nope.html", "/runs/2.html",
    "/runs/1e3.html", "/runs/-1.json", "/nowhere", "/static/../pyproject.toml", "/static/%2e%2e/app.py",
])
def test_an_unknown_page_is_the_404_page_and_nothing_outside_the_site_is_served(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("text/html") and "<h1>Not found</h1>" in response.text
    assert "index.html" in response.text  # the way back
    assert "[build-system]" not in response.text and "FastAPI" not in response.text


def test_every_page_links_relatively(client):
    for url in ("/", "/models/keyword.html", "/leaderboards/text-classification/reviews.html", "/runs/1.html"):
        html = client.get(url).text
        links = re.findall(r'(?:href|src)="([^"]*)"', html)
        assert links and not [link for link in links if link.startswith("/")], url


def test_a_record_downloads_as_the_run_record(client):
    response = client.get("/runs/1.json")
    assert response.headers["content-disposition"] == 'attachment; filename="zoo-record-1.json"'
    assert json.loads(response.text)["model"]["id"] == "toys:keyword"


def test_plotly_is_served_here_from_the_plotly_package(client):
    response = client.get("/static/plotly.min.js")
    assert response.status_code == 200 and len(response.content) > 1_000_000 and b"plotly" in response.content[:2000]


def test_a_leaderboard_without_any_cost_says_how_to_measure_one_and_none_says_what_to_run(tmp_path):
    from zoo.testing import fake_plugin, registry_of

    def register_models(register):
        register("costless", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT", reported=[{"metric": "accuracy", "value": 0.5, "dataset": "reviews", "source": "zoo run"}])

    client = TestClient(create_app(WebSettings(results=tmp_path / "no-store.sqlite"),
                                   registry=registry_of(fake_plugin("toys", register_models=register_models))))
    page = client.get("/leaderboards/text-classification/reviews.html").text
    assert "--x params: no ranked model has a parameters figure; costless: `zoo bench costless` counts them" in page
    assert 'class="cost-panel' not in page and 'class="chart-area' not in page
    empty = TestClient(create_app(WebSettings(results=tmp_path / "no-store.sqlite"), registry=registry_of()))
    assert "<code>zoo run MODEL --dataset DATASET</code> measures one" in empty.get("/leaderboards/index.html").text


# -- in the browser --------------------------------------------------------------------------------


def rows(page):
    return page.locator("[data-section]:visible tbody tr")


def test_the_catalogue_filters_sorts_pages_and_keeps_the_view_in_its_address(catalogue_server, page):
    page.goto(catalogue_server.url + "/")
    models = page.locator("#section-models")
    status = models.locator("[data-status]")
    assert status.text_content() == "124 models" and rows(page).count() == 50
    tops = models.locator(".filters label").evaluate_all("labels => labels.map(l => l.getBoundingClientRect().top)")
    assert len(set(tops[:5])) == 1, tops  # Search, Task, Plugin, Licence and Tag: one row, labels in line
    assert models.locator("[data-page-label]").text_content() == "Page 1 of 3"
    models.get_by_role("button", name="Next page").click()
    assert rows(page).first.locator("th").text_content() == "bulk-050"

    models.get_by_label("Tag").select_option("ladder")
    models.get_by_label("Sort by").select_option("accuracy")
    assert status.text_content() == "3 of 124 models match"
    assert rows(page).locator("th").all_text_contents() == ["medium", "large", "tiny"]  # highest accuracy first
    models.get_by_label("Reported on").select_option("elsewhere")  # one dataset's numbers, not the first of each
    assert rows(page).locator("th").all_text_contents() == ["tiny", "medium"]  # large reports none there
    assert rows(page).first.locator("td").nth(5).text_content() == "accuracy 0.95 (elsewhere)"
    models.get_by_label("Reported on").select_option("")
    models.get_by_label("Sort by").select_option("params")
    assert rows(page).locator("th").all_text_contents() == ["tiny", "medium", "large"]

    models.get_by_label("Search").fill("good")  # in keyword's description
    assert status.text_content() == "0 of 124 models match"
    models.get_by_label("Tag").select_option("")
    assert status.text_content() == "1 of 124 models match"
    assert page.url.endswith("#models&q=good&sort=params")  # in the order of the controls
    page.reload()  # a linked view opens as it was left
    assert models.get_by_label("Search").input_value() == "good" and rows(page).count() == 1

    models.get_by_label("Search").fill("")
    models.get_by_label("Runs here").select_option("runs")  # every toy model needs no file: bundled
    models.get_by_label("Licence").select_option("Apache-2.0")
    assert status.text_content() == "61 of 124 models match"


def test_the_catalogue_tabs_show_datasets_metrics_and_plugins(catalogue_server, page):
    page.goto(catalogue_server.url + "/#datasets&plugin=toys")
    assert page.locator("#section-models").is_hidden()
    assert rows(page).locator("th").all_text_contents() == ["reviews"]
    page.get_by_role("link", name="Plugins (3)").click()
    assert page.url.endswith("#plugins")
    assert "broken on purpose" in rows(page).filter(has_text="broken").text_content()
    page.get_by_role("link", name="Metrics (7)").click()
    page.locator("#section-metrics").get_by_label("Task").select_option("speech-recognition")
    assert sorted(rows(page).locator("th").all_text_contents()) == ["cer", "wer"]


def test_a_card_shows_reported_beside_reproduced_and_copies_the_reproduce_command(catalogue_server, page):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    page.goto(catalogue_server.url + "/#models&q=keyword")
    page.get_by_role("link", name="keyword").click()
    assert page.url.endswith("/models/keyword.html")
    assert page.get_by_role("heading", level=1).text_content() == "keyword"
    reported = page.locator("table", has_text="reproduced here").locator("tbody tr")
    assert reported.locator("td").all_text_contents() == ["reviews", "test", "0.5", "0.85", "https://example.org/card"]
    command = "zoo run toys:keyword --dataset reviews --split test"
    assert page.locator("#reproduce-1").text_content() == command
    page.get_by_role("button", name="Copy").click()
    expect(page.locator(".copy-status")).to_have_text("Copied.")
    assert page.evaluate("navigator.clipboard.readText()") == command
    page.get_by_role("link", name="0.85").click()  # the reproduced value: its run record
    assert page.url.endswith("/runs/1.html")


def test_a_leaderboard_draws_its_chart_and_flags_the_pareto_front(catalogue_server, page):
    page.goto(catalogue_server.url + "/leaderboards/index.html")
    page.get_by_role("link", name="reviews").click()
    assert page.get_by_role("heading", level=1).text_content() == "accuracy on reviews"
    page.locator("#chart-params svg.main-svg").first.wait_for()  # Plotly drew it, from the local plotly.min.js
    # keyword: 0.85 reproduced with 4 parameters, better and cheaper than every other model
    shown = page.locator("#panel-params")
    assert shown.locator("tbody tr.pareto th").all_text_contents() == ["keyword"]
    assert shown.locator("tbody tr", has_text="keyword").locator("td").nth(1).text_content() == "0.85"


def test_the_runs_page_filters_and_a_record_is_shown_whole_and_downloads(catalogue_server, page):
    page.goto(catalogue_server.url + "/runs/index.html")
    assert page.locator("[data-status]").text_content() == "1 record"
    page.get_by_label("Model").fill("nothing-like-it")
    assert rows(page).count() == 0
    page.get_by_label("Model").fill("keyw")
    page.get_by_role("link", name="1", exact=True).click()
    assert '"zoo_record": 1' in page.locator("pre.record").text_content()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the record (JSON)").click()
    assert download.value.suggested_filename == "zoo-record-1.json"
    assert json.loads(open(download.value.path()).read())["dataset"]["id"] == "toys:reviews"


def test_the_plugins_page_shows_each_status_and_error(catalogue_server, page):
    page.goto(catalogue_server.url + "/plugins.html")
    broken = page.locator("tbody tr", has_text="broken")
    assert broken.locator("td").nth(2).text_content() == "failed"
    assert "RuntimeError: this plugin is broken on purpose" in broken.locator("td.error").text_content()


def test_pages_fit_a_phone_without_scrolling_sideways(catalogue_server, chromium):
    context = chromium.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    try:
        for url in ("/", "/models/keyword.html", "/leaderboards/text-classification/reviews.html", "/runs/1.html"):
            page.goto(catalogue_server.url + url)
            assert page.evaluate("document.documentElement.scrollWidth") <= 390, url  # wide tables scroll inside
    finally:
        context.close()
