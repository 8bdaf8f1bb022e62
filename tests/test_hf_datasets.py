"""Hugging Face datasets as zoo datasets, built locally with the real `datasets` library (no network).

A hub dataset is read from the Hugging Face cache: the tests lay one out as huggingface_hub does
(``datasets--ORG--NAME/refs/main`` holding a commit, ``snapshots/<commit>/`` holding the files).
"""

from __future__ import annotations

import io
import json
import sys
import textwrap

import numpy as np
import pytest
from click.testing import CliRunner
from datasets import Audio, ClassLabel, Dataset, DatasetDict, Image  # the [hf] extra, which CI installs

import zoo
from zoo.cli import make_cli
from zoo.testing import fake_plugin, registry_of

COMMIT = "0123456789abcdef0123456789abcdef01234567"
SENTIMENT = ClassLabel(names=["negative", "positive"])


@pytest.fixture(autouse=True)
def caches_of_its_own(tmp_path, monkeypatch):
    """The datasets cache and the hub cache in tmp, offline: nothing read from or written to the user's."""
    monkeypatch.setenv("HF_DATASETS_CACHE", str(tmp_path / "datasets-cache"))
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")


def reviews(texts=("a good film", "dull and bad", "great fun", "awful plot"), labels=(1, 0, 1, 0)) -> Dataset:
    rows = Dataset.from_dict({"sentence": list(texts), "label": list(labels), "idx": list(range(len(texts)))})
    return rows.cast_column("label", SENTIMENT)


def register_toy_models(register):
    register("keyword", task="text-classification", builder="zoo.testing.toy:build_keyword_model", license="MIT")
    register("brightness", task="image-classification", builder="zoo.testing.toy:build_measure_model",
             license="MIT", args={"task": "image-classification", "labels": ["dark", "bright"]})
    register("loudness", task="audio-classification", builder="zoo.testing.toy:build_measure_model",
             license="MIT", args={"task": "audio-classification", "labels": ["quiet", "loud"]})


def register_hub_entries(register):
    """What a plugin registers for a well-known hub dataset: the path, columns and splits filled in."""
    register("acme-reviews", task="text-classification", builder="zoo.hf_datasets:text_classification",
             splits=["test", "validation"], license="CC0-1.0", args={"path": "acme/reviews", "text": "sentence"})


@pytest.fixture
def registry():
    return registry_of(fake_plugin("toys", register_models=register_toy_models, register_datasets=register_hub_entries))


def run(registry, *args):
    return CliRunner().invoke(make_cli(lambda settings: registry), list(args))


def hub_repo(tmp_path, repo: str, files: dict, *, ref: str = "main", commit: str = COMMIT):
    """A hub dataset in the cache, laid out as huggingface_hub leaves it; ``files``: path -> Dataset or text."""
    root = tmp_path / "hub" / f"datasets--{repo.replace('/', '--')}"
    snapshot = root / "snapshots" / commit
    for name, content in files.items():
        (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, Dataset):
            content.to_parquet(str(snapshot / name))
        else:
            (snapshot / name).write_text(textwrap.dedent(content), encoding="utf-8")
    (root / "refs").mkdir(parents=True, exist_ok=True)
    (root / "refs" / ref).write_text(commit, encoding="utf-8")
    return snapshot


CARD = """\
    ---
    configs:
    - config_name: default
      data_files:
      - split: test
        path: data/test-*
      - split: validation
        path: data/validation-*
    dataset_info:
      splits:
      - name: test
        num_examples: 4
      - name: validation
        num_examples: 2
    ---
    # ACME reviews
    """


# --- local copies ------------------------------------------------------------------------------------


def test_a_save_to_disk_folder_is_evaluated_with_its_classlabel_names(tmp_path, registry):
    DatasetDict({"test": reviews(), "train": reviews(("fine",), (1,))}).save_to_disk(str(tmp_path / "saved"))
    record = zoo.evaluate("keyword", "hf-text-classification", registry=registry, device="cpu",
                          dataset_args={"path": str(tmp_path / "saved"), "text": "sentence"})
    # The keyword model says positive on good/great/fine: right on all four reviews.
    assert record["metrics"]["accuracy"] == 1.0 and record["samples"]["evaluated"] == 4
    built = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "saved"),
                              text="sentence")
    assert built.labels == ("negative", "positive") and built.split == "test"
    assert built[1] == zoo.Sample(input="dull and bad", target=0, id="row 1")
    assert record["dataset"]["fingerprint"] == built.fingerprint
    train = zoo.build_dataset("hf-text-classification", split="train", registry=registry,
                              path=str(tmp_path / "saved"), text="sentence")
    assert len(train) == 1 and train.fingerprint != built.fingerprint


def test_zoo_run_reads_a_parquet_file_with_dataset_args(tmp_path, registry):
    reviews().to_parquet(str(tmp_path / "reviews.parquet"))
    result = run(registry, "run", "keyword", "--dataset", "hf-text-classification", "--dataset-arg",
                 f"path={tmp_path / 'reviews.parquet'}", "--dataset-arg", "text=sentence", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["metrics"]["accuracy"] == 1.0


def test_a_csv_of_label_names_gets_its_classes_from_the_data_or_from_labels(tmp_path, registry):
    (tmp_path / "reviews.csv").write_text("text,sentiment\na good film,positive\ndull,negative\nfine,positive\n",
                                          encoding="utf-8")
    built = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "reviews.csv"),
                              label="sentiment")
    assert built.labels == ("negative", "positive") and [built[i].target for i in range(3)] == [1, 0, 1]
    kept = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "reviews.csv"),
                             label="sentiment", labels="positive")
    assert kept.labels == ("positive",) and kept[0].target == 0
    with pytest.raises(zoo.SampleError, match=r"row 1: label 'negative' is not one of the classes"):
        kept[1]


def test_hidden_labels_are_samples_that_cannot_be_scored(tmp_path, registry):
    # GLUE's test splits carry -1 for the labels they keep hidden.
    reviews(labels=(1, -1, 1, 0)).save_to_disk(str(tmp_path / "glue-like"))
    with pytest.raises(zoo.UsageError, match=r"row 1 .*no usable label \(-1"):
        zoo.evaluate("keyword", "hf-text-classification", registry=registry, device="cpu",
                     dataset_args={"path": str(tmp_path / "glue-like"), "text": "sentence"})
    record = zoo.evaluate("keyword", "hf-text-classification", registry=registry, device="cpu", on_error="skip",
                          dataset_args={"path": str(tmp_path / "glue-like"), "text": "sentence"})
    assert record["samples"]["evaluated"] == 3 and record["samples"]["skipped"] == 1


def test_images_are_decoded_by_zoo_from_the_stored_bytes(tmp_path, registry):
    from PIL import Image as PILImage

    def png(level):
        buffer = io.BytesIO()
        PILImage.new("L", (8, 8), level).save(buffer, format="PNG")
        return {"bytes": buffer.getvalue(), "path": None}

    rows = Dataset.from_dict({"img": [png(10), png(240), png(200)], "label": [0, 1, 1]})
    rows = rows.cast_column("img", Image()).cast_column("label", ClassLabel(names=["dark", "bright"]))
    DatasetDict({"test": rows}).save_to_disk(str(tmp_path / "shades"))
    built = zoo.build_dataset("hf-image-classification", registry=registry, path=str(tmp_path / "shades"),
                              image="img")
    assert built[1].input.mode == "RGB" and built[1].input.getpixel((0, 0)) == (240, 240, 240)
    record = zoo.evaluate("brightness", "hf-image-classification", registry=registry, device="cpu",
                          dataset_args={"path": str(tmp_path / "shades"), "image": "img"}, metrics=["top1"])
    assert record["metrics"]["top1"] == 1.0


def wav(seconds: float, rate: int, amplitude: float) -> dict:
    import soundfile as sf

    buffer = io.BytesIO()
    time = np.arange(int(seconds * rate)) / rate
    sf.write(buffer, (amplitude * np.sin(2 * np.pi * 440 * time)).astype(np.float32), rate, format="WAV")
    return {"bytes": buffer.getvalue(), "path": None}


def test_audio_is_decoded_and_resampled_by_zoo(tmp_path, registry):
    rows = Dataset.from_dict({"audio": [wav(0.5, 8000, 0.01), wav(1.0, 8000, 0.9)], "label": [0, 1],
                              "text": ["a quiet tone", "a loud tone"], "id": ["clip-a", "clip-b"]})
    # Audio features built from bytes: datasets' own encoders (torchcodec) are never needed.
    rows = rows.cast_column("audio", Audio()).cast_column("label", ClassLabel(names=["quiet", "loud"]))
    rows.save_to_disk(str(tmp_path / "tones"))
    built = zoo.build_dataset("hf-audio-classification", registry=registry, path=str(tmp_path / "tones"),
                              sample_id="id", sampling_rate=16000)
    clip = built[1].input
    assert built[1].id == "clip-b" and clip.sampling_rate == 16000 and len(clip.waveform) == 16000
    assert built.lengths()[1] > built.lengths()[0]  # encoded bytes: in proportion to the clip's length
    record = zoo.evaluate("loudness", "hf-audio-classification", registry=registry, device="cpu",
                          dataset_args={"path": str(tmp_path / "tones")})
    assert record["metrics"]["accuracy"] == 1.0
    speech = zoo.build_dataset("hf-speech-recognition", registry=registry, path=str(tmp_path / "tones"))
    assert speech.labels is None and speech[0].target == "a quiet tone" and speech[0].input.sampling_rate == 8000


def test_a_bad_clip_is_one_sample_error(tmp_path, registry):
    rows = Dataset.from_dict({"audio": [wav(0.5, 8000, 0.5), {"bytes": b"RIFF not really", "path": None}],
                              "label": [0, 1]})
    rows.cast_column("audio", Audio()).cast_column("label", ClassLabel(names=["quiet", "loud"])).save_to_disk(
        str(tmp_path / "broken"))
    built = zoo.build_dataset("hf-audio-classification", registry=registry, path=str(tmp_path / "broken"))
    with pytest.raises(zoo.SampleError, match=r"sample row 1: the clip is not readable audio"):
        built[1]


# --- the hub cache -----------------------------------------------------------------------------------


def test_a_cached_hub_dataset_is_read_by_its_entry_offline(tmp_path, registry, monkeypatch):
    hub_repo(tmp_path, "acme/reviews", {"README.md": CARD, "data/test-00000-of-00001.parquet": reviews(),
                                        "data/validation-00000-of-00001.parquet": reviews(("good", "bad"), (1, 0))})
    record = zoo.evaluate("keyword", "acme-reviews", registry=registry, device="cpu")
    assert record["metrics"]["accuracy"] == 1.0
    built = zoo.build_dataset("acme-reviews", registry=registry, split="validation")
    assert len(built) == 2 and built.info["commit"] == COMMIT
    # The fingerprint is the commit and the files: the same wherever the cache is.
    (tmp_path / "hub").rename(tmp_path / "elsewhere")
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "elsewhere"))
    assert zoo.build_dataset("acme-reviews", registry=registry, split="validation").fingerprint == built.fingerprint


def test_only_the_split_asked_for_needs_to_be_cached(tmp_path, registry):
    hub_repo(tmp_path, "acme/reviews", {"README.md": CARD, "data/test-00000-of-00001.parquet": reviews()})
    assert len(zoo.build_dataset("acme-reviews", registry=registry)) == 4
    with pytest.raises(zoo.MissingArtifactError, match=r"acme/reviews split 'validation': none of its files is in "
                                                       r"the Hugging Face cache; fetch it with `zoo pull --dataset "
                                                       r"acme-reviews`"):
        zoo.build_dataset("acme-reviews", registry=registry, split="validation")


def test_a_partial_split_is_refused_not_served_in_part(tmp_path, registry):
    card = CARD.replace("num_examples: 4", "num_examples: 6")  # two shards, one of them not downloaded
    hub_repo(tmp_path, "acme/reviews", {"README.md": card, "data/test-00000-of-00002.parquet": reviews()})
    with pytest.raises(zoo.MissingArtifactError, match=r"the cache holds 4 rows, its card lists 6: part of it is "
                                                       r"missing"):
        zoo.build_dataset("acme-reviews", registry=registry)


def test_pull_dataset_offline_says_what_is_present_and_what_is_not(tmp_path, registry):
    from zoo.hf_datasets import is_hf_dataset, pull_dataset

    spec = zoo.get("acme-reviews", "dataset", registry=registry)
    assert is_hf_dataset(spec)
    snapshot = hub_repo(tmp_path, "acme/reviews", {"README.md": CARD, "data/test-00000-of-00001.parquet": reviews()})
    assert pull_dataset(spec, dry_run=True) == {"id": "toys:acme-reviews", "status": "would fetch", "bytes": None,
                                                "files": None}
    with pytest.raises(zoo.MissingArtifactError, match=r"zoo is offline: acme/reviews split 'validation': none of "
                                                       r"its files .* with ZOO_OFFLINE and HF_HUB_OFFLINE unset"):
        pull_dataset(spec)
    present = pull_dataset(spec, splits=["test"])
    size = (snapshot / "data/test-00000-of-00001.parquet").stat().st_size
    assert present == {"id": "toys:acme-reviews", "status": "present", "bytes": size, "files": 1}


# --- bad input: one line each ------------------------------------------------------------------------


def test_a_hub_id_that_is_not_cached_names_the_pull_that_fetches_it(tmp_path, registry):
    result = run(registry, "run", "keyword", "--dataset", "acme-reviews")
    assert result.exit_code == 2
    assert result.output.strip().splitlines() == [
        f"zoo: error: hub dataset acme/reviews is not in the Hugging Face cache ({tmp_path / 'hub'}); "
        "fetch it with `zoo pull --dataset acme-reviews`"]
    given = run(registry, "run", "keyword", "--dataset", "hf-text-classification", "--dataset-arg", "path=acme/nope")
    assert given.exit_code == 2 and given.output.count("\n") == 1
    assert "fetch it with `zoo pull --dataset hf-text-classification --dataset-arg path=acme/nope`" in given.output


def test_a_revision_that_is_not_cached_lists_the_cached_ones(tmp_path, registry):
    hub_repo(tmp_path, "acme/reviews", {"README.md": CARD, "data/test-00000-of-00001.parquet": reviews()})
    with pytest.raises(zoo.MissingArtifactError, match=r"not in the Hugging Face cache at revision 'v2' \(cached: "
                                                       r"main\); fetch it with `zoo pull --dataset acme-reviews`, "
                                                       r"or check the revision's name"):
        zoo.build_dataset("acme-reviews", registry=registry, revision="v2")


def test_a_column_that_does_not_exist_lists_the_columns(tmp_path, registry):
    reviews().save_to_disk(str(tmp_path / "saved"))
    result = run(registry, "run", "keyword", "--dataset", "hf-text-classification", "--dataset-arg",
                 f"path={tmp_path / 'saved'}")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert (f"{tmp_path / 'saved'}: no column 'text'; its columns are 'sentence', 'label', 'idx'; choose one with "
            "--dataset-arg text=NAME") in result.output


def test_class_indices_without_names_say_how_to_name_them(tmp_path, registry):
    Dataset.from_dict({"text": ["good", "bad"], "label": [1, 0]}).save_to_disk(str(tmp_path / "plain"))
    with pytest.raises(zoo.UsageError, match=r"label column 'label' holds class indices \(int64\) without names "
                                             r"\(it is not a ClassLabel\); name the classes in index order with "
                                             r"--dataset-arg labels=\[NAME0,NAME1,...\]"):
        zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "plain"))
    named = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "plain"),
                              labels=["negative", "positive"])
    assert named.labels == ("negative", "positive") and named[0].target == 1


def test_a_split_that_does_not_exist_lists_the_splits(tmp_path, registry):
    DatasetDict({"train": reviews(), "test": reviews()}).save_to_disk(str(tmp_path / "saved"))
    with pytest.raises(zoo.UsageError, match=r"has no split 'validation'; its splits are train, test; pick one with "
                                             r"--split"):
        zoo.build_dataset("hf-text-classification", split="validation", registry=registry,
                          path=str(tmp_path / "saved"), text="sentence")
    reviews().to_parquet(str(tmp_path / "files" / "test.parquet"))
    with pytest.raises(zoo.UsageError, match=r"has no split 'validation'; its splits are test"):
        zoo.build_dataset("hf-text-classification", split="validation", registry=registry,
                          path=str(tmp_path / "files"), text="sentence")
    hub_repo(tmp_path, "acme/reviews", {"README.md": CARD, "data/test-00000-of-00001.parquet": reviews()})
    with pytest.raises(zoo.UsageError, match=r"acme/reviews has no split 'train'; its splits are test, validation"):
        zoo.build_dataset("hf-text-classification", split="train", registry=registry, path="acme/reviews",
                          text="sentence")


def test_source_splits_map_zoo_splits_to_the_datasets_own(tmp_path, registry):
    DatasetDict({"test_2021": reviews()}).save_to_disk(str(tmp_path / "saved"))
    built = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "saved"),
                              text="sentence", source_splits={"test": "test_2021"})
    assert built.split == "test" and len(built) == 4


def test_a_path_that_is_neither_a_hub_id_nor_a_file(tmp_path, registry):
    with pytest.raises(zoo.UsageError, match=r"does not exist; give a hub dataset id \(ORG/NAME\) or an existing"):
        zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "missing.parquet"))
    with pytest.raises(zoo.UsageError, match=r"needs the data: --dataset-arg path=ORG/NAME"):
        zoo.build_dataset("hf-text-classification", registry=registry)


# --- pulling from a hub: huggingface_hub itself, against a local stand-in for the hub's HTTP API -----------


class StandInHub:
    """Serves one dataset repository as the hub's API does for huggingface_hub: its info, its file tree,
    its files (``resolve``), and the error codes of an unknown repository or revision."""

    def __init__(self, repo: str, files: dict[str, bytes]):
        self.repo, self.files, self.requests = repo, files, []

    def handle(self, method: str, path: str) -> tuple[int, bytes, dict[str, str]]:
        import hashlib
        import re

        self.requests.append((method, path))
        blob = {name: hashlib.sha1(data).hexdigest() for name, data in self.files.items()}
        api = re.fullmatch(r"/api/datasets/([^/]+/[^/]+)(?:/revision/([^/]+)|/tree/([^/]+))?", path)
        resolve = re.fullmatch(r"/datasets/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path)
        repo, revision = (api or resolve).group(1, 2) if (api or resolve) else (None, None)
        if repo != self.repo:
            return 404, b'{"error": "Repository not found"}', {"X-Error-Code": "RepoNotFound"}
        if (api and api.group(3)) and api.group(3) != COMMIT or revision not in (None, "main", COMMIT):
            return 404, b'{"error": "Invalid rev id"}', {"X-Error-Code": "RevisionNotFound"}
        if api and api.group(3):  # the file tree
            return 200, json.dumps([{"type": "file", "path": name, "size": len(data), "oid": blob[name]}
                                    for name, data in self.files.items()]).encode(), {}
        if api:
            siblings = [{"rfilename": name, "size": len(data), "blobId": blob[name]} for name, data in self.files.items()]
            return 200, json.dumps({"id": self.repo, "sha": COMMIT, "siblings": siblings}).encode(), {}
        name = resolve.group(3)
        if name not in self.files:
            return 404, b'{"error": "Entry not found"}', {"X-Error-Code": "EntryNotFound"}
        return 200, self.files[name], {"X-Repo-Commit": COMMIT, "ETag": f'"{blob[name]}"'}


@pytest.fixture
def stand_in_hub(monkeypatch):
    """``stand_in_hub(repo, files)``: the hub, online, at a local address; the test's caches stay in tmp."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import unquote, urlparse

    import huggingface_hub

    servers = []

    def start(repo: str, files: dict[str, bytes]) -> StandInHub:
        hub = StandInHub(repo, files)

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def answer(self, body: bool) -> None:
                status, data, headers = hub.handle(self.command, unquote(urlparse(self.path).path))
                self.send_response(status)
                for key, value in {"Content-Type": "application/octet-stream", **headers}.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                if body:
                    self.wfile.write(data)

            def do_GET(self):
                self.answer(True)

            def do_HEAD(self):
                self.answer(False)

        server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        url = f"http://127.0.0.1:{server.server_address[1]}"
        # huggingface_hub reads these from the environment once, when it is imported.
        monkeypatch.setattr(huggingface_hub.constants, "ENDPOINT", url)
        monkeypatch.setattr(huggingface_hub.constants, "HUGGINGFACE_CO_URL_TEMPLATE",
                            url + "/{repo_id}/resolve/{revision}/{filename}")
        monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)
        monkeypatch.delenv("HF_HUB_OFFLINE")
        monkeypatch.delenv("ZOO_OFFLINE", raising=False)  # zoo-vision's test conftest sets it for its whole session
        return hub

    yield start
    for server in servers:
        server.shutdown()


def parquet_bytes(rows: Dataset) -> bytes:
    buffer = io.BytesIO()
    rows.to_parquet(buffer)
    return buffer.getvalue()


def test_pull_fetches_only_the_entrys_split_files_then_runs_offline(tmp_path, registry, stand_in_hub, monkeypatch):
    from zoo.hf_datasets import pull_dataset

    test_shards = [parquet_bytes(reviews().select([0, 1])), parquet_bytes(reviews().select([2, 3]))]
    hub = stand_in_hub("acme/reviews", {
        "README.md": textwrap.dedent(CARD).encode(), "data/test-00000-of-00002.parquet": test_shards[0],
        "data/test-00001-of-00002.parquet": test_shards[1], "data/train-00000-of-00001.parquet": b"x" * 5000})
    spec = zoo.get("acme-reviews", "dataset", registry=registry)
    assert pull_dataset(spec, dry_run=True, splits=["test"]) == {
        "id": "toys:acme-reviews", "status": "would fetch", "bytes": sum(map(len, test_shards)), "files": 2}
    assert pull_dataset(spec, splits=["test"])["status"] == "fetched"
    fetched = [path for method, path in hub.requests if method == "GET" and "/resolve/" in path]
    assert sorted(p.rsplit("/", 1)[-1] for p in fetched) == ["README.md", "test-00000-of-00002.parquet",
                                                             "test-00001-of-00002.parquet"]
    assert pull_dataset(spec, splits=["test"])["status"] == "present"

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    record = zoo.evaluate("keyword", "acme-reviews", registry=registry, device="cpu")
    assert record["metrics"]["accuracy"] == 1.0 and record["samples"]["evaluated"] == 4
    # A shard lost from the cache: the listing the pull kept says the split is not whole.
    snapshot = tmp_path / "hub" / "datasets--acme--reviews" / "snapshots" / COMMIT
    (snapshot / "data/test-00001-of-00002.parquet").unlink()
    with pytest.raises(zoo.MissingArtifactError, match=r"split 'test': 1 of its 2 files are in the Hugging Face "
                                                       r"cache \(data/test-00001-of-00002.parquet is not\)"):
        zoo.build_dataset("acme-reviews", registry=registry)


def test_pull_says_in_one_line_that_a_dataset_or_revision_does_not_exist(registry, stand_in_hub):
    from zoo.hf_datasets import pull_dataset

    stand_in_hub("acme/other", {"README.md": b"# not the one"})
    spec = zoo.get("acme-reviews", "dataset", registry=registry)
    with pytest.raises(zoo.UsageError, match=r"there is no dataset 'acme/reviews' on the Hugging Face hub \(or it is "
                                             r"private: log in with `hf auth login`\)"):
        pull_dataset(spec)
    with pytest.raises(zoo.UsageError, match=r"hub dataset acme/other has no revision 'v9'; give a branch, tag or "
                                             r"commit that exists"):
        pull_dataset(spec, args={"path": "acme/other", "revision": "v9"})


def test_labels_rename_a_classlabels_classes_in_index_order(tmp_path, registry):
    rows = Dataset.from_dict({"text": ["a good film", "dull"], "label": [1, 0]})
    rows.cast_column("label", ClassLabel(names=["neg", "pos"])).save_to_disk(str(tmp_path / "imdb-like"))
    renamed = zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "imdb-like"),
                                labels="negative,positive")
    assert renamed.labels == ("negative", "positive") and renamed[0].target == 1
    with pytest.raises(zoo.UsageError, match=r"labels names 3 classes but column 'label' has 2 \(neg, pos\)"):
        zoo.build_dataset("hf-text-classification", registry=registry, path=str(tmp_path / "imdb-like"),
                          labels=["negative", "neutral", "positive"])


def test_without_the_datasets_library_a_run_says_which_extra_to_install(tmp_path, registry, monkeypatch):
    reviews().save_to_disk(str(tmp_path / "saved"))
    monkeypatch.setitem(sys.modules, "datasets", None)  # as if `pip install zoo[hf]` never ran
    result = run(registry, "run", "keyword", "--dataset", "hf-text-classification", "--dataset-arg",
                 f"path={tmp_path / 'saved'}", "--dataset-arg", "text=sentence")
    assert result.exit_code == 2
    assert result.output.splitlines() == ["zoo: error: reading Hugging Face datasets needs the datasets library: "
                                          "pip install 'model-zoo-registry[hf]'"]
