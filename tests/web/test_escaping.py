"""Whatever a catalogue, a plugin or the results store holds shows as text on every page, in `zoo serve`
and in the static site: a `<script>` description, an `onerror=` attribute, a `javascript:` URL,
terminal escape codes. Checked on the raw HTML and data scripts, and in Chromium (no dialog opens, no
element is injected, the text reads as it was written)."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from fastapi.testclient import TestClient

from zoo.specs import ModelSpec, Origin, ReportedMetric
from zoo.store import ResultsStore
from zoo.testing import fake_plugin, registry_of
from zoo.web.app import create_app
from zoo.web.render import script_json, visible
from zoo.web.settings import WebSettings
from zoo.web.site import build_site

DESCRIPTION = '<script>alert("description")</script><img src=x onerror=alert("img")>'
TERMINAL = "\x1b]0;owned\x07\x1b[31mred\u202eevil"
SHOWN_TERMINAL = "\\x1b]0;owned\\x07\\x1b[31mred\\u202eevil"  # as zoo info prints it too


def register_models(register):
    register("xss", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=4, description=f"{DESCRIPTION} {TERMINAL}", tags=["<b>tag</b>", "x onerror=alert('tag')"],
             source='https://example.org/"><script>alert("source")</script>',
             reported=[{"metric": "accuracy", "value": 0.7, "dataset": "reviews",
                        "split": '</script><script>alert("split")</script>',
                        "source": "https://example.org/' onmouseover='alert(1)"}])


def register_datasets(register):
    register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews", splits=["test"],
             license="CC0-1.0", description='</script><script>alert("data")</script>',
             citation="<img src=x onerror=alert('citation')>")


def register_broken(register):
    raise RuntimeError('<img src=x onerror=alert("plugin")> \x1b[2J')


@pytest.fixture(scope="module")
def hostile(tmp_path_factory):
    """``(registry, store)``: plugin ``evil``'s entries, a model whose URLs are ``javascript:`` (added as a
    plugin bug or a future field might, past the schema, which takes only https:// URLs), a failing plugin,
    and store records whose model, error, metric and device names are markup."""
    registry = registry_of(fake_plugin("evil", register_models=register_models, register_datasets=register_datasets),
                           fake_plugin("broken", register_models=register_broken))
    registry.add(ModelSpec(name="jsurl", origin=Origin("evil", "a test"), task="text-classification",
                           builder="zoo.testing.toy:build_keyword_model", license="MIT",
                           source="javascript:alert('source')", paper=" javascript:alert('paper')",
                           reported=(ReportedMetric("accuracy", 0.6, "reviews",
                                                    source="javascript:alert('reported')"),)))
    store = tmp_path_factory.mktemp("hostile-store") / "results.sqlite"
    run = {"task": "text-classification", "request": {"model": "evil:xss", "dataset": "evil:reviews"},
           "model": {"id": "evil:xss", "parameters": 4}, "dataset": {"id": "evil:reviews", "split": "test"},
           "metrics": {"accuracy": 0.9, "<img src=x onerror=alert('metric')>": 0.5},
           "run": {"device": f"<script>alert('device')</script>{TERMINAL}"}}
    failed = {"status": "failed", "error": f"<img src=x onerror=alert('error')> {TERMINAL}",
              "request": {"model": "<script>alert('model')</script>"},
              "model": {"id": "<script>alert('model')</script>"}, "task": "text-classification"}
    bench = {"status": "ok", "model": {"id": "evil:xss"},
             "bench": {"device": "cpu", "device_name": "<img src=x onerror=alert('bench')>", "params": 4,
                       "by_batch_size": {"1": {"samples_per_second": 10.0, "latency_ms_median": 100.0}}}}
    with ResultsStore.open(store) as opened:
        opened.add(run)
        opened.add(failed)
        opened.add(bench, kind="bench")
    return registry, store


PAGES = ["index.html", "catalogue-data.js", "models/xss.html", "models/jsurl.html", "datasets/reviews.html",
         "leaderboards/index.html", "leaderboards/text-classification/reviews.html", "runs/index.html",
         "runs/runs-data.js", "runs/1.html", "runs/2.html", "runs/3.html", "plugins.html"]


@pytest.fixture(scope="module")
def site(hostile, tmp_path_factory):
    registry, store = hostile
    out = tmp_path_factory.mktemp("hostile-site") / "public"
    build_site(out, registry, results=store)
    return out


class Markup(HTMLParser):
    """The elements and attributes a page really has, as a browser's parser reads them."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []
        self.feed(text)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def check_raw(path: str, text: str) -> None:
    assert "\x1b" not in text and "\x07" not in text and "\u202e" not in text, path
    if path.endswith(".js"):
        data = text.split("=", 1)[1]
        assert "<" not in data and ">" not in data, path  # \u003c...: no </script> can end a script
        return
    for tag, attrs in Markup(text).tags:
        assert tag not in ("img", "b"), (path, tag)
        assert not [name for name in attrs if name.startswith("on")], (path, tag, attrs)
        for name in ("href", "src"):
            assert not (attrs.get(name) or "").strip().lower().startswith("javascript:"), (path, tag, attrs)
        if tag == "script":
            assert attrs.get("src") or attrs.get("type") == "application/json", (path, attrs)  # no inline code


def test_every_served_page_and_data_script_escapes_what_the_catalogue_and_store_hold(hostile):
    registry, store = hostile
    client = TestClient(create_app(WebSettings(results=store), registry=registry))
    for path in PAGES:
        response = client.get("/" + path)
        assert response.status_code == 200, path
        check_raw(path, response.text)
    card = client.get("/models/xss.html").text
    assert "&lt;script&gt;alert(&#34;description&#34;)&lt;/script&gt;" in card
    assert SHOWN_TERMINAL in card


def test_every_page_and_data_script_of_the_site_escapes_them_too(site):
    for path in PAGES:
        check_raw(path, (site / path).read_text(encoding="utf-8"))


def test_only_http_urls_become_links():
    from zoo.web.catalogue_data import http_url

    assert http_url("https://example.org/a?b=c") == "https://example.org/a?b=c"
    for value in ("javascript:alert(1)", " javascript:alert(1)", "JAVASCRIPT:alert(1)", "data:text/html,x",
                  "java\tscript:alert(1)", "//evil.example/x", "/etc/passwd", "https://", "zoo run", None, 3):
        assert http_url(value) is None, value


def test_json_in_a_script_cannot_end_it():
    text = script_json({"a": "</script><script>alert(1)</script>", "b": "\u2028 & \x1b"})
    assert "<" not in text and ">" not in text and "&" not in text and "\u2028" not in text
    assert "\\\\x1b" in text  # the escape code shows as text, as the pages show it
    assert visible("line\nnext \x1b[2J") == "line\nnext \\x1b[2J"


def test_the_chart_shows_a_device_name_as_text(hostile):
    from zoo.api import leaderboard
    from zoo.charts import figure

    registry, store = hostile
    board = leaderboard(dataset="reviews", x="latency", results=store, registry=registry)  # measured on a device
    title = figure(board).layout.title.text
    assert "&lt;img src=x onerror=alert(&#x27;bench&#x27;)&gt;" in title and "<img" not in title


# -- in the browser, served and from file:// --------------------------------------------------------


@pytest.fixture(scope="module")
def hostile_server(hostile, module_server):
    registry, store = hostile
    return module_server(WebSettings(results=store), registry=registry)


@pytest.mark.parametrize("where", ["serve", "site"])
def test_in_the_browser_nothing_runs_and_every_text_reads_as_written(where, hostile_server, site, page):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    base = hostile_server.url + "/" if where == "serve" else site.as_uri() + "/"
    for path in ["index.html#models", "index.html#datasets", "index.html#plugins", "models/xss.html",
                 "models/jsurl.html", "datasets/reviews.html", "leaderboards/text-classification/reviews.html",
                 "runs/index.html", "runs/1.html", "runs/2.html", "plugins.html"]:
        page.goto(base + path)
        page.wait_for_load_state("load")
        injected = page.evaluate("""() => ({
            images: document.querySelectorAll('img').length,
            bold: document.querySelectorAll('main b').length,
            scripts: [...document.scripts].filter(s => s.type !== 'application/json' && s.textContent.includes('alert')).length,
            handlers: document.querySelectorAll('[onerror], [onmouseover]').length,
            javascript: [...document.links].filter(a => a.protocol === 'javascript:').length})""")
        assert injected == {"images": 0, "bold": 0, "scripts": 0, "handlers": 0, "javascript": 0}, (where, path)
    assert dialogs == []

    page.goto(base + "index.html#models&q=xss")
    assert page.locator("#section-models tbody th").all_text_contents() == ["xss"]
    page.goto(base + "models/xss.html")
    assert page.locator("p.lead").text_content() == f"{DESCRIPTION} {SHOWN_TERMINAL}"
    source = 'https://example.org/"><script>alert("source")</script>'
    assert page.locator("dl.facts a").get_attribute("href") == source  # an https URL, whole, as a link
    page.goto(base + "models/jsurl.html")
    assert page.locator("dl.facts", has_text="javascript:alert('source')").count() == 1  # shown, as text
    page.goto(base + "leaderboards/text-classification/reviews.html#x=latency")  # measured on the bench's device
    page.locator("#chart-latency svg.main-svg").first.wait_for()
    assert "<img src=x onerror=alert('bench')>" in page.locator("#chart-latency .gtitle").text_content()
    assert "measured by zoo bench on <img src=x onerror=alert('bench')>." in page.locator("#panel-latency").inner_text()
    assert page.locator("img").count() == 0 and dialogs == []
