"""A live ``zoo serve`` on a free local port, and a headless Chromium page to drive it.

Chromium is Debian's (``apt-get install chromium``; .ci/run installs it): Playwright's own
browser download does not reach these machines. As root, Chromium needs ``--no-sandbox``.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from collections.abc import Callable, Iterator

import pytest
import uvicorn

from zoo.web.app import create_app
from zoo.web.settings import WebSettings

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class LiveServer:
    """uvicorn serving one app in a thread of this process; ``url`` is its root, without a slash."""

    def __init__(self, app) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning"))
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise RuntimeError(f"zoo serve did not start on port {self.port}")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


def _servers() -> Iterator[Callable[..., LiveServer]]:
    """A function starting servers, each stopped when the fixture that yields it ends."""
    started: list[LiveServer] = []

    def start(settings: WebSettings | None = None, *, registry=None) -> LiveServer:
        server = LiveServer(create_app(settings, registry=registry)).__enter__()
        started.append(server)
        return server

    yield start
    for server in started:
        server.__exit__(None, None, None)


@pytest.fixture
def live_server() -> Iterator[Callable[..., LiveServer]]:
    """``live_server(settings=None, registry=None)``: start a server on that app; stopped after the test."""
    yield from _servers()


@pytest.fixture(scope="session")
def chromium():
    """One headless Chromium for the session (starting one takes about a second)."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True,
                                             args=["--no-sandbox", "--disable-gpu"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium):
    """A fresh browser page (its own cookies and storage) that fails the test on a JavaScript error."""
    context = chromium.new_context(viewport={"width": 1200, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


# -- a small catalogue with a run in its results store, shared by the page and site tests --------------


def register_catalogue_models(register):
    """``keyword`` and a size ladder on ``reviews`` (``large`` is bigger and worse than ``medium``: never
    Pareto-optimal), and 120 ``bulk-NNN`` models, so the catalogue has three pages of 50."""
    def reported(value, elsewhere=None):  # elsewhere: a value on a second dataset (tiny is best there)
        return [{"metric": "accuracy", "value": value, "dataset": "reviews", "split": "test",
                 "source": "https://example.org/card"}] + \
               ([{"metric": "accuracy", "value": elsewhere, "dataset": "elsewhere", "split": "test",
                  "source": "https://example.org/card"}] if elsewhere is not None else [])

    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=4, default_dataset="reviews", tags=["toy", "keyword"], description="Says positive on 'good'.",
             reported=reported(0.5))
    for name, params, value, elsewhere, licence in (("tiny", 10, 0.6, 0.95, "MIT"), ("medium", 1_000, 0.8, 0.7, "MIT"),
                                                    ("large", 10_000, 0.78, None, "Apache-2.0")):
        register(name, task="text-classification", builder="zoo.testing.toy:build_keyword_model", license=licence,
                 params=params, tags=["toy", "ladder"], reported=reported(value, elsewhere))
    for number in range(120):
        register(f"bulk-{number:03d}", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
                 license="MIT" if number % 2 else "Apache-2.0", params=100 + number, tags=["bulk"],
                 reported=[{"metric": "accuracy", "value": 0.3 + number / 1000, "dataset": "reviews",
                            "source": "https://example.org/bulk"}])


def register_catalogue_datasets(register):
    register("reviews", task="text-classification", builder="zoo.testing.toy:build_reviews",
             splits=["train", "test"], default_split="test", license="CC0-1.0", description="Tiny film reviews.")


def register_nothing_works(register):
    raise RuntimeError("this plugin is broken on purpose")


@pytest.fixture(scope="session")
def catalogue_registry():
    """Plugin ``toys`` (124 text models, the dataset ``reviews``) and plugin ``broken``, which fails."""
    from zoo.testing import fake_plugin, registry_of

    return registry_of(fake_plugin("toys", register_models=register_catalogue_models,
                                   register_datasets=register_catalogue_datasets),
                       fake_plugin("broken", register_models=register_nothing_works))


@pytest.fixture(scope="session")
def catalogue_store(catalogue_registry, tmp_path_factory):
    """A results store holding a real run: ``keyword`` evaluated on ``reviews`` (zoo.evaluate), record 1."""
    import zoo
    from zoo.store import ResultsStore

    path = tmp_path_factory.mktemp("catalogue-store") / "results.sqlite"
    record = zoo.evaluate("keyword", "reviews", registry=catalogue_registry)
    with ResultsStore.open(path) as store:
        store.add(record)
    return path


@pytest.fixture(scope="session")
def catalogue_server(catalogue_registry, catalogue_store) -> Iterator[LiveServer]:
    """``zoo serve`` on the catalogue registry and its store, shared by the tests that only read it."""
    with LiveServer(create_app(WebSettings(results=catalogue_store), registry=catalogue_registry)) as server:
        yield server


@pytest.fixture(scope="module")
def module_server() -> Iterator[Callable[..., LiveServer]]:
    """``module_server(settings=None, registry=None)``: as ``live_server``, one server for a whole test module."""
    yield from _servers()
