"""The try-it API, ``POST /api/models/{name}/predict``: bundled models and toys, good and bad uploads.

The installed plugins' tiny bundled models answer real inputs (a photo, a recorded voice); the
toys (zoo.testing.toy) stand for what no bundled model is: a template, a model whose weights are
not here, one that takes a kind of input the form cannot send, one slow to build.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import io
import select
import socket
import threading
import time
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient

import zoo
from zoo.testing import fake_plugin, registry_of
from zoo.web.app import create_app
from zoo.web.predict import ModelCache, PredictionTimeout, model_bytes
from zoo.web.settings import WebSettings

LIMIT = 1_000_000  # bytes of upload the test servers take
PREDICT = "/api/models/{}/predict"


def detail(response: httpx.Response, status: int) -> str:
    """The one-line message of an error answer, checked to be exactly ``{"detail": "..."}``."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/json"
    body = response.json()
    assert list(body) == ["detail"] and isinstance(body["detail"], str) and "\n" not in body["detail"]
    return body["detail"]


@pytest.fixture(scope="module")
def photo() -> Path:
    from zoo_vision.data.photos import build_skimage_photos

    return build_skimage_photos(split="test").root / "coffee.png"


@pytest.fixture(scope="module")
def spoken_one() -> bytes:
    """A real voice saying "one" (the bundled spokennumbers set), as WAV bytes."""
    import soundfile

    clip = zoo.build_dataset("spokennumbers")[1].input
    buffer = io.BytesIO()
    soundfile.write(buffer, clip.waveform, clip.sampling_rate, format="WAV")
    return buffer.getvalue()


@pytest.fixture(scope="module")
def installed() -> TestClient:
    """The app over the installed plugins, taking uploads up to ``LIMIT`` bytes."""
    with TestClient(create_app(WebSettings(max_upload_bytes=LIMIT))) as client:
        yield client


def register_toy_models(register, gate: Path):
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
             params=4)
    register("keyword-upper", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", args={"labels": ["NEGATIVE", "POSITIVE"]})
    register("keyword-net", task="text-classification", builder="zoo.testing.toy:build_keyword_model",
             license="MIT", template=True, weights_args=["keywords"])
    register("unfetched", task="text-classification", builder="zoo.testing.toy:build_keyword_checkpoint",
             license="MIT", weights={"uri": "hf-hub:zoo-tests/never-fetched/model.safetensors"})
    register("row-reader", task="table-classification", builder="zoo.testing.toy:build_measure_model",
             license="MIT")
    register("narrow", task="text-classification", builder="zoo.testing.toy:build_too_narrow_model", license="MIT")
    register("gated", task="text-classification", builder="zoo.testing.toy:build_gated_model", license="MIT",
             args={"gate": str(gate), "wait_s": 10.0})


@pytest.fixture
def toys(tmp_path, monkeypatch):
    """``(registry, gate)``: toy models, and the file whose creation lets ``gated`` finish building."""
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))  # an empty hub cache: nothing was pulled
    gate = tmp_path / "gate"
    plugin = fake_plugin(
        "toys",
        register_tasks=lambda register: register("table-classification", target="class", input="table-row",
                                                 input_loader="zoo.inputs.text:text_from_argument",
                                                 default_metrics=["row-accuracy"]),
        register_metrics=lambda register: register("row-accuracy", tasks=["table-classification"],
                                                   builder="zoo.metrics:accuracy"),
        register_models=lambda register: register_toy_models(register, gate))
    return registry_of(plugin), gate


# --- answers -------------------------------------------------------------------------------------------

def test_a_photo_gets_the_labels_zoo_run_gives_it(installed, photo):
    response = installed.post(PREDICT.format("efficientnet-lite0-offline"), data={"top_k": "3"},
                              files={"file": ("coffee.png", photo.read_bytes(), "image/png")})
    assert response.status_code == 200, response.text
    answer = response.json()
    assert answer["model"] == "vision:efficientnet-lite0-offline" and answer["input_kind"] == "image"
    assert answer["top"] == zoo.predict("efficientnet-lite0-offline", [str(photo)], top_k=3)[0]["top"]
    assert answer["top"][0]["label"] == "espresso" and answer["transcript"] is None
    assert answer["seconds"] >= answer["load_seconds"] > 0  # built by this first request


def test_text_gets_labels_and_a_second_request_finds_the_model_loaded(toys):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        first = client.post(PREDICT.format("keyword"), data={"text": "a good film", "top_k": "1"}).json()
        second = client.post(PREDICT.format("toys:keyword"), data={"text": "a dull film"}).json()
    assert first["top"] == [{"label": "positive", "score": pytest.approx(0.817574)}]
    assert [row["label"] for row in second["top"]] == ["negative", "positive"]
    assert first["load_seconds"] > 0 and second["load_seconds"] == 0


def test_a_recorded_voice_gets_its_transcript(installed, spoken_one):
    response = installed.post(PREDICT.format("pocketsphinx-en-us"),
                              files={"file": ("one.wav", spoken_one, "audio/wav")})
    assert response.status_code == 200, response.text
    assert response.json()["transcript"] == "one" and response.json()["top"] is None


def test_the_openapi_schema_documents_the_form_and_the_answer(installed):
    schema = installed.get("/openapi.json").json()
    operation = schema["paths"]["/api/models/{name}/predict"]["post"]
    form = operation["requestBody"]["content"]["multipart/form-data"]["schema"]["$ref"].rsplit("/", 1)[-1]
    fields = schema["components"]["schemas"][form]["properties"]
    assert set(fields) == {"file", "text", "top_k"}
    assert fields["top_k"]["maximum"] == 20 and fields["top_k"]["minimum"] == 1
    answer = schema["components"]["schemas"]["Prediction"]["properties"]
    assert {"model", "task", "input_kind", "top", "transcript", "seconds"} <= set(answer)
    assert {"400", "404", "409", "413", "415", "422", "504"} <= set(operation["responses"])


# --- requests the model cannot take --------------------------------------------------------------------

def test_an_unknown_name_is_404_with_close_names(installed):
    assert "did you mean 'digits-resnet18'" in detail(installed.post(PREDICT.format("digits-resnet1"),
                                                                     data={"text": "x"}), 404)


def test_a_model_whose_files_are_not_here_says_to_pull_it(toys):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        message = detail(client.post(PREDICT.format("unfetched"), data={"text": "good"}), 409)
    assert message == ("model toys:unfetched does not run here: its files are not on this machine; "
                       "run `zoo pull unfetched` first")


def test_a_template_is_refused_as_zoo_run_refuses_it(toys):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        message = detail(client.post(PREDICT.format("keyword-net"), data={"text": "good"}), 422)
    assert message.startswith("model toys:keyword-net is a template (a generic builder, not a trained model)")


def test_a_task_whose_input_the_form_cannot_send_is_422(toys):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        message = detail(client.post(PREDICT.format("row-reader"), data={"text": "1,2"}), 422)
    assert message == ("model toys:row-reader is a table-classification model, whose input (table-row) the try-it "
                       "form cannot send; use `zoo run row-reader INPUT`")


@pytest.mark.parametrize(("fields", "files", "expected"), [
    ({"text": "   "}, None, "the text is empty; model toys:keyword needs some text to classify"),
    ({}, None, "the text is empty; model toys:keyword needs some text to classify"),
    ({}, {"file": ("review.txt", b"a good film", "text/plain")},
     "model toys:keyword takes text: send it in the `text` field, not as a file"),
    ({"text": "good"}, {"file": ("review.txt", b"a good film", "text/plain")}, "send either a file or text, not both"),
    ({"text": "good", "top_k": "0"}, None, "top_k: Input should be greater than or equal to 1 (got '0')"),
    ({"text": "good", "top_k": "21"}, None, "top_k: Input should be less than or equal to 20 (got '21')"),
    ({"text": "good", "top_k": "five"}, None, "top_k: Input should be a valid integer, unable to parse string as an "
                                              "integer (got 'five')"),
])
def test_a_request_that_does_not_fit_a_text_model_is_one_line_422(toys, fields, files, expected):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        assert detail(client.post(PREDICT.format("keyword"), data=fields, files=files), 422) == expected


def test_a_model_that_fails_is_500_in_one_line_and_the_server_goes_on(toys, monkeypatch):
    registry, _ = toys
    with TestClient(create_app(registry=registry)) as client:
        # zoo's check of what a model returns: its bug, not the request's
        assert detail(client.post(PREDICT.format("narrow"), data={"text": "good"}), 500) == (
            "model toys:narrow returned (1, 2) for a batch of 1; task text-classification needs logits of shape "
            "(1, 3) (one column per label)")

        def broken(*args, **kwargs):
            raise RuntimeError("CUDA error: an illegal memory access was encountered")

        with monkeypatch.context() as patch:
            patch.setattr(zoo.api, "predict", broken)
            assert detail(client.post(PREDICT.format("keyword"), data={"text": "good"}), 500) == (
                "model toys:keyword failed on this input: RuntimeError: CUDA error: an illegal memory access was "
                "encountered")
        assert client.post(PREDICT.format("keyword"), data={"text": "good"}).status_code == 200


# --- uploads -------------------------------------------------------------------------------------------

def test_an_image_model_refuses_audio_and_an_audio_model_an_image(installed, photo, spoken_one):
    message = detail(installed.post(PREDICT.format("digits-resnet18"),
                                    files={"file": ("one.wav", spoken_one, "audio/wav")}), 415)
    assert message == ("model vision:digits-resnet18 takes an image (PNG, JPEG, WebP...), and the upload is audio/wav "
                       "(its Content-Type); send an image (PNG, JPEG, WebP...)")
    message = detail(installed.post(PREDICT.format("digits-cnn-synth"),
                                    files={"file": ("coffee.png", photo.read_bytes(), "image/png")}), 415)
    assert message.startswith("model speech:digits-cnn-synth takes an audio clip (WAV, FLAC or OGG), and the upload "
                              "is image/png")


def test_an_image_model_wants_the_file_field(installed):
    assert detail(installed.post(PREDICT.format("digits-resnet18"), data={"text": "seven"}), 422) == (
        "model vision:digits-resnet18 takes an image: upload it in the `file` field")


def test_corrupt_files_are_400_naming_the_problem(installed, photo, spoken_one):
    cut_png = photo.read_bytes()[:3000]
    assert detail(installed.post(PREDICT.format("digits-resnet18"),
                                 files={"file": ("coffee.png", cut_png, "image/png")}), 400) == (
        "sample coffee.png: corrupt or truncated image: Truncated File Read")
    assert detail(installed.post(PREDICT.format("digits-resnet18"),
                                 files={"file": ("notes.png", b"not an image at all", "image/png")}), 400) == (
        "sample notes.png: not an image file PIL can read; replace or remove it")
    cut_wav = spoken_one[:len(spoken_one) // 2]
    assert detail(installed.post(PREDICT.format("digits-cnn-synth"),
                                 files={"file": ("one.wav", cut_wav, "audio/wav")}), 400).startswith(
        "sample one.wav: the clip is truncated: its header promises")
    assert detail(installed.post(PREDICT.format("digits-cnn-synth"),
                                 files={"file": ("empty.wav", b"", "audio/wav")}), 400) == (
        "sample empty.wav: the audio is empty (0 bytes)")


def test_an_upload_over_the_limit_is_413_saying_how_to_raise_it(installed):
    message = detail(installed.post(PREDICT.format("digits-resnet18"),
                                    files={"file": ("huge.png", b"\0" * (LIMIT + 70_000), "image/png")}), 413)
    assert message == ("the upload is over this server's limit of 1.0 MB (1,000,000 bytes); send a smaller file, "
                       "or start the server with `zoo serve --max-upload-mb N` to raise the limit")


def test_a_file_over_the_limit_within_the_form_allowance_is_413(installed):
    # The body may pass the limit by the form's own overhead; the file itself may not.
    assert "limit of 1.0 MB" in detail(installed.post(PREDICT.format("digits-resnet18"),
                                                      files={"file": ("big.png", b"\0" * (LIMIT + 10), "image/png")}),
                                       413)


def raw_request(port: int, head: str, chunks=()) -> tuple[bytes, int]:
    """``(the start of the answer, bytes of body sent before it came)`` for a request sent by hand:
    ``head`` (request line and headers), then each of ``chunks`` until the server answers."""
    sent = 0
    with socket.create_connection(("127.0.0.1", port), timeout=10) as connection:
        connection.sendall(head.encode())
        for chunk in chunks:
            if select.select([connection], [], [], 0)[0]:
                break  # answered
            try:
                connection.sendall(chunk)
            except OSError:  # the server closed the connection after answering
                break
            sent += len(chunk)
        return connection.recv(4096), sent


def test_a_server_goes_on_after_bad_requests_and_stops_a_long_upload_as_it_arrives(live_server, photo, spoken_one):
    server = live_server(WebSettings(max_upload_bytes=LIMIT))
    path = PREDICT.format("digits-resnet18")
    url = server.url + path
    head = f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: multipart/form-data; boundary=zoo\r\n"

    def endless_chunks():  # chunked, with no Content-Length: only counting what arrives can stop it
        part = b'--zoo\r\nContent-Disposition: form-data; name="file"; filename="big.png"\r\n\r\n'
        yield b"%x\r\n%s\r\n" % (len(part), part)
        for _ in range(1024):
            yield b"10000\r\n" + b"\0" * 0x10000 + b"\r\n"  # 64 kB a chunk, 64 MB in all

    with httpx.Client(timeout=30) as client:
        bad = [
            client.post(url, files={"file": ("a.png", photo.read_bytes()[:3000], "image/png")}),
            client.post(url, files={"file": ("one.wav", spoken_one, "audio/wav")}),
            client.post(url, data={"top_k": "99"}),
        ]
        streamed, sent = raw_request(server.port, head + "Transfer-Encoding: chunked\r\n\r\n", endless_chunks())
        declared, _ = raw_request(server.port, head + f"Content-Length: {LIMIT * 10}\r\n\r\n")
        good = client.post(url, files={"file": ("coffee.png", photo.read_bytes(), "image/png")})
    assert [response.status_code for response in bad] == [400, 415, 422]
    assert streamed.startswith(b"HTTP/1.1 413 ") and sent < 16 * LIMIT  # answered long before the 64 MB
    assert declared.startswith(b"HTTP/1.1 413 ")  # answered at once: none of the body was sent
    assert good.status_code == 200 and len(good.json()["top"]) == 5


def test_a_prediction_over_the_time_limit_is_504_and_the_model_is_built_once(toys):
    registry, gate = toys
    app = create_app(WebSettings(request_seconds=0.5), registry=registry)
    with TestClient(app) as client:
        started = time.monotonic()
        message = detail(client.post(PREDICT.format("gated"), data={"text": "good"}), 504)
        assert time.monotonic() - started < 5
        assert message == ("model toys:gated did not answer within this server's limit of 0.5 s per request; "
                           "try again when it is less busy")
        gate.touch()  # the build still running in its thread finishes, and the model is kept
        deadline = time.monotonic() + 10
        while not app.state.model_cache.loaded() and time.monotonic() < deadline:
            time.sleep(0.05)
        answer = client.post(PREDICT.format("gated"), data={"text": "good"}).json()
    assert answer["top"][0]["label"] == "positive" and answer["load_seconds"] == 0


def test_requests_queued_for_a_busy_model_leave_the_worker_threads_to_other_models(toys):
    registry, gate = toys
    app = create_app(WebSettings(request_seconds=30), registry=registry)

    async def forty_for_gated_then_one_for_keyword():
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://zoo") as client:
            queued = [asyncio.create_task(client.post(PREDICT.format("gated"), data={"text": "good"}))
                      for _ in range(40)]  # more than any thread pool's default size
            await asyncio.sleep(0.3)
            other = await client.post(PREDICT.format("keyword"), data={"text": "good"})
            gated_done_first = [task.done() for task in queued]
            gate.touch()
            return other, gated_done_first, await asyncio.gather(*queued)

    # In a thread of its own: Playwright's sync API (the browser tests) keeps a loop running in this one.
    with concurrent.futures.ThreadPoolExecutor(1) as own_loop:
        other, gated_done_first, gated = own_loop.submit(asyncio.run, forty_for_gated_then_one_for_keyword()).result()
    assert other.status_code == 200 and not any(gated_done_first)  # answered while gated still built
    assert [response.status_code for response in gated] == [200] * 40


# --- the model cache -----------------------------------------------------------------------------------

def keyword_registry():
    plugin = fake_plugin("toys", register_models=lambda register: [
        register(name, task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT",
                 args={"labels": labels}) for name, labels in
        (("two", ["negative", "positive"]), ("three", ["neg", "pos", "neutral"]), ("four", ["a", "b", "c", "d"]))])
    return registry_of(plugin)


def predict_on(cache: ModelCache, name: str, text: str = "good") -> list[dict]:
    spec = cache.registry.get(name, "model")
    result, _ = cache.run(spec, lambda model: zoo.predict(model, text, registry=cache.registry),
                          deadline=time.monotonic() + 30)
    return result


def test_models_are_measured_and_the_least_recently_used_go_first():
    registry = keyword_registry()
    sizes = {name: model_bytes(zoo.build_model(name, registry=registry), registry.get(name, "model"))
             for name in ("two", "three", "four")}
    # a Linear(1, C): C weights and C biases, float32
    assert sizes == {"two": (16, True), "three": (24, True), "four": (32, True)}
    cache = ModelCache(registry, memory_bytes=50)
    predict_on(cache, "two")
    predict_on(cache, "three")
    predict_on(cache, "two")  # now "three" is the least recently used
    assert [model for model, _ in cache.loaded()] == ["toys:three", "toys:two"]
    predict_on(cache, "four")  # 16 + 24 + 32 > 50: "three" goes
    assert cache.loaded() == [("toys:two", 16), ("toys:four", 32)] and cache.loaded_bytes() == 48


def test_a_model_larger_than_the_bound_is_served_then_evicted_by_the_next():
    cache = ModelCache(keyword_registry(), memory_bytes=20)
    assert predict_on(cache, "four")[0]["top"][0]["label"] == "b"
    assert cache.loaded() == [("toys:four", 32)]
    predict_on(cache, "two")
    assert cache.loaded() == [("toys:two", 16)]


def test_a_model_without_a_torch_module_counts_its_catalogue_params_as_float32():
    spec = keyword_registry().get("two", "model")
    assert model_bytes(object(), spec) == (0, False)  # the catalogue does not say
    from dataclasses import replace

    assert model_bytes(object(), replace(spec, params=1000)) == (4000, False)


def test_one_model_is_built_once_and_runs_one_request_at_a_time():
    registry = keyword_registry()
    builds, running, most_running = [], [0], [0]
    count = threading.Lock()

    def slow_build(spec):
        builds.append(spec.id)
        time.sleep(0.2)
        return zoo.build_model(spec, registry=registry)

    def work(model):
        with count:
            running[0] += 1
            most_running[0] = max(most_running[0], running[0])
        time.sleep(0.02)
        with count:
            running[0] -= 1
        return zoo.predict(model, "good", registry=registry)

    cache = ModelCache(registry, memory_bytes=10 ** 6, build=slow_build)
    two = registry.get("two", "model")
    threads = [threading.Thread(target=cache.run, args=(two, work), kwargs={"deadline": time.monotonic() + 30})
               for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert builds == ["toys:two"] and most_running[0] == 1


def test_different_models_run_side_by_side():
    registry = keyword_registry()
    cache = ModelCache(registry, memory_bytes=10 ** 6)
    two_running, three_ran, two_saw_three = threading.Event(), threading.Event(), []

    def two_waits_for_three(model):
        two_running.set()
        two_saw_three.append(three_ran.wait(10))  # a lock shared by all models would keep three out: False

    busy = threading.Thread(target=cache.run, args=(registry.get("two", "model"), two_waits_for_three),
                            kwargs={"deadline": time.monotonic() + 30})
    busy.start()
    assert two_running.wait(10)
    cache.run(registry.get("three", "model"), lambda model: three_ran.set(), deadline=time.monotonic() + 30)
    busy.join(timeout=30)
    assert two_saw_three == [True]


def test_a_request_still_queued_at_its_deadline_gives_up_without_running():
    registry = keyword_registry()
    cache = ModelCache(registry, memory_bytes=10 ** 6)
    two = registry.get("two", "model")
    running, release, ran = threading.Event(), threading.Event(), []
    busy = threading.Thread(target=cache.run, args=(two, lambda model: (running.set(), release.wait(10))),
                            kwargs={"deadline": time.monotonic() + 30})
    busy.start()
    assert running.wait(10)  # the model is busy (not a sleep: a loaded machine may start the thread late)
    with pytest.raises(PredictionTimeout, match="model toys:two was busy with other requests until the deadline"):
        cache.run(two, ran.append, deadline=time.monotonic() + 0.2)
    release.set()
    busy.join(timeout=10)
    assert ran == []
