"""The try-it form on real model cards, driven in headless Chromium, and the API docs pages offline.

Each test serves the installed plugins' catalogue (``live_server``) and uses one of their tiny
bundled models on a real input: a photo, a typed review, a recorded voice. The ``page`` fixture
fails a test on any JavaScript error.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

import pytest
from fastapi.testclient import TestClient

import zoo
from zoo.testing import fake_plugin, registry_of
from zoo.web.app import create_app

ANSWER = ".try-it-answer"
STATUS = ".try-it-status"


@pytest.fixture(scope="module")
def photo() -> Path:
    from zoo_vision.data.photos import build_skimage_photos

    return build_skimage_photos(split="test").root / "coffee.png"


@pytest.fixture(scope="module")
def spoken_one(tmp_path_factory) -> Path:
    """A real voice saying "one" (the bundled spokennumbers set), as a WAV file."""
    import soundfile

    clip = zoo.build_dataset("spokennumbers")[1].input
    path = tmp_path_factory.mktemp("clips") / "one.wav"
    soundfile.write(path, clip.waveform, clip.sampling_rate)
    return path


def answer_rows(page) -> list[tuple[str, str]]:
    rows = page.locator(f"{ANSWER} tbody tr")
    return [(row.locator("th").inner_text(), row.locator("td").inner_text()) for row in rows.all()]


def test_a_photo_uploaded_on_its_card_shows_the_labels(live_server, page, photo):
    server = live_server()
    page.goto(f"{server.url}/models/efficientnet-lite0-offline.html")
    page.get_by_label("Image").set_input_files(str(photo))
    page.get_by_label("Labels to show").fill("3")
    button = page.get_by_role("button", name="Predict")
    button.click()
    # The first request builds the model (seconds): meanwhile the form says it is busy.
    assert button.is_disabled() and page.locator("form.try-it").get_attribute("aria-busy") == "true"
    page.locator(f"{ANSWER} table").wait_for(timeout=60_000)
    expected = zoo.predict("efficientnet-lite0-offline", [str(photo)], top_k=3)[0]["top"]
    assert answer_rows(page) == [(row["label"], f"{row['score']:.4f}") for row in expected]
    assert answer_rows(page)[0][0] == "espresso"
    assert button.is_enabled() and page.locator("form.try-it").get_attribute("aria-busy") is None
    assert "loading the model" in page.locator(f"{ANSWER} .note").inner_text()


def test_text_typed_on_its_card_shows_the_labels_from_the_keyboard_alone(live_server, page):
    server = live_server()
    page.goto(f"{server.url}/models/minilm-rt-polarity.html")
    page.get_by_label("Text").fill("a gripping, funny film")
    page.keyboard.press("Tab")  # to "Labels to show"
    page.keyboard.press("Tab")  # to the button
    assert page.evaluate("document.activeElement.textContent") == "Predict"
    page.keyboard.press("Enter")
    page.locator(f"{ANSWER} table").wait_for(timeout=60_000)
    assert [label for label, _ in answer_rows(page)] == ["positive", "negative"]


def test_a_clip_uploaded_on_its_card_shows_the_transcript(live_server, page, spoken_one):
    server = live_server()
    page.goto(f"{server.url}/models/pocketsphinx-en-us.html")
    assert page.get_by_label("Labels to show").count() == 0  # a recogniser answers a transcript
    page.get_by_label("Audio clip").set_input_files(str(spoken_one))
    page.get_by_role("button", name="Predict").click()
    page.locator(f"{ANSWER} .transcript").wait_for(timeout=60_000)
    assert page.locator(f"{ANSWER} .transcript").inner_text() == "one"


def test_the_server_s_error_is_shown_as_text_never_as_markup(live_server, page, spoken_one):
    server = live_server()
    page.goto(f"{server.url}/models/digits-resnet18.html")
    page.get_by_label("Image").set_input_files(str(spoken_one))
    page.get_by_role("button", name="Predict").click()
    page.locator(f"{STATUS}.error").wait_for(timeout=60_000)
    assert page.locator(STATUS).inner_text().startswith(
        "Error 415: model vision:digits-resnet18 takes an image (PNG, JPEG, WebP...), and the upload is audio/wav")
    assert page.locator(STATUS).evaluate("element => getComputedStyle(element).color") == "rgb(180, 35, 24)"  # --bad
    # A file name is the user's own text, and comes back in the message: it stays text.
    hostile = "<img src=x onerror=window.injected=1>.png"
    page.get_by_label("Image").set_input_files({"name": hostile, "mimeType": "image/png", "buffer": b"no png"})
    page.get_by_role("button", name="Predict").click()
    page.wait_for_function("document.querySelector('.try-it-status').textContent.startsWith('Error 400')")
    assert page.locator(STATUS).inner_text() == (
        f"Error 400: sample {hostile}: not an image file PIL can read; replace or remove it")
    assert page.locator(f"{STATUS} img").count() == 0 and page.evaluate("window.injected") is None
    assert page.locator(ANSWER).is_hidden()


def test_a_model_that_does_not_run_here_says_to_pull_it_instead_of_a_form(tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # nothing was pulled
    plugin = fake_plugin("toys", register_models=lambda register: register(
        "unfetched", task="text-classification", builder="zoo.testing.toy:build_keyword_checkpoint", license="MIT",
        weights={"uri": "hf-hub:zoo-tests/never-fetched/model.safetensors"}))
    with TestClient(create_app(registry=registry_of(plugin))) as client:
        card = client.get("/models/unfetched.html").text
    assert "<code>zoo pull unfetched</code> fetches its files" in card and "data-try-it" not in card


def test_only_a_model_answering_labels_asks_how_many_to_show(toy_registry):
    # toy-transcription is a task of text target (a transcript), not named speech-recognition
    with TestClient(create_app(registry=toy_registry)) as client:
        assert client.get("/api/models/copy").json()["target"] == "text"
        assert client.get("/api/models/keyword").json()["target"] == "class"
        transcriber, classifier = (client.get(f"/models/{name}.html").text for name in ("copy", "keyword"))
    assert "data-try-it" in transcriber and 'name="top_k"' not in transcriber
    assert 'name="top_k"' in classifier


def test_the_api_docs_render_with_nothing_loaded_from_outside(live_server, page):
    server = live_server()
    outside = []

    def local_only(route):
        if urlsplit(route.request.url).hostname in ("127.0.0.1", "localhost"):
            route.continue_()
        else:  # a CDN, a font host, a validator: none of them is reachable offline
            outside.append(route.request.url)
            route.abort()

    page.route("**/*", local_only)
    page.goto(server.url + "/docs")
    page.locator("#swagger-ui .opblock-summary-path[data-path='/api/models/{name}/predict']").wait_for(timeout=30_000)
    assert outside == []
    # ReDoc would load its logo from its CDN: not served.
    assert page.goto(server.url + "/redoc").status == 404
