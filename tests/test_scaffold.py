"""`zoo plugin new`: the files it writes, the plugin they make, and the names it refuses.

The end-to-end test (slow) installs generated plugins into a fresh virtual
environment and runs their own tests there, as an author would.
"""

from __future__ import annotations

import importlib
import io
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

from zoo.cli import make_cli
from zoo.loader import Settings
from zoo.plugins import CORE_DISTRIBUTION, PluginSource
from zoo.scaffold import TEMPLATES, new_plugin, plugin_names
from zoo.testing import fake_plugin, registry_of

REPOSITORY = Path(__file__).resolve().parents[1]
# (task, --input) -> the catalogue entry the plugin ships, for plugin "p"; every template, and a new task.
CASES = {
    ("text-classification", None): "sentiment-lexicon",
    ("image-classification", None): "stripes-cnn",
    ("audio-classification", None): "pitch-bands",
    ("speech-recognition", None): "tone-digits-decoder",
    ("review-polarity", None): "sentiment-lexicon",
    ("pattern-recognition", "image"): "stripes-cnn",
}


def core_only():
    """A registry with zoo's built-in tasks and no plugin."""
    return registry_of()


def with_plugin(name, distribution, **hooks):
    """The built-in tasks and one installed plugin, as `zoo plugins` would list it."""
    source = PluginSource.from_object(name, fake_plugin(name, **hooks), distribution=distribution, version="1.0")
    return registry_of((name, source))


def zoo_cli(registry, *args, cwd):
    cli = make_cli(lambda settings: registry)
    previous = os.getcwd()
    os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(previous)


@pytest.fixture
def load_generated(monkeypatch):
    """Import a generated plugin from its folder and load a registry of it, as zoo would once installed."""
    def load(folder: Path, plugin: str):
        package = plugin_names(plugin).package
        monkeypatch.syspath_prepend(str(folder))
        module = importlib.import_module(package)
        warnings = io.StringIO()
        registry = registry_of((plugin, module), settings=Settings(builtin_catalogue=False), warn=warnings)
        return registry, warnings.getvalue()

    yield load
    for name in [name for name in sys.modules if name.startswith("zoo_p")]:
        del sys.modules[name]


def test_plugin_new_writes_a_complete_package_named_after_the_plugin(tmp_path):
    result = zoo_cli(core_only(), "plugin", "new", "acme", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[:4] == [
        "wrote acme/: distribution zoo-acme, package zoo_acme, plugin 'acme', for task text-classification",
        "next:", "  pip install -e acme", "  zoo list --plugin acme"]
    folder = tmp_path / "acme"
    assert sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file()) == [
        "README.md", "pyproject.toml", "tests/test_acme.py", "tests/test_conformance.py",
        "zoo_acme/__init__.py", "zoo_acme/catalogue.yaml", "zoo_acme/data.py", "zoo_acme/metrics.py",
        "zoo_acme/model.py", "zoo_acme/py.typed"]
    project = tomllib.loads((folder / "pyproject.toml").read_text())
    assert project["project"]["name"] == "zoo-acme"
    # The core by its own distribution name: `zoo` on the package index is another project.
    assert project["project"]["dependencies"] == [f"{CORE_DISTRIBUTION}[run]>=0.1"]
    assert project["project"]["entry-points"]["zoo"] == {"acme": "zoo_acme"}
    assert project["tool"]["setuptools"]["package-data"]["zoo_acme"] == ["catalogue.yaml", "py.typed"]
    assert (folder / "tests/test_conformance.py").read_text().endswith(
        'class TestConformance(PluginConformance):\n    plugin = "acme"\n')


@pytest.mark.parametrize(("task", "input_kind"), list(CASES))
def test_every_template_makes_a_plugin_that_loads_with_its_catalogue(tmp_path, load_generated, task, input_kind):
    plugin = f"p{list(CASES).index((task, input_kind))}"
    folder = new_plugin(plugin, task=task, input_kind=input_kind, directory=tmp_path / plugin, registry=core_only())
    for path in folder.rglob("*.py"):
        compile(path.read_text(), str(path), "exec")  # no placeholder left half-filled
        assert "${" not in path.read_text(), path
    registry, warnings = load_generated(folder, plugin)
    assert warnings == "" and registry.problems == []
    record = registry.plugin(plugin)
    assert record.status == "loaded", record.error
    entry = registry.get(f"{plugin}-{CASES[task, input_kind]}", "model")
    assert entry.plugin == plugin and entry.task == task
    dataset = registry.get(entry.default_dataset, "dataset")
    assert dataset.plugin == plugin and dataset.task == task
    [reported] = entry.reported
    assert registry.metric(reported.metric, task, prefer=(plugin,)).plugin == plugin
    owns_task = task not in ("text-classification", "image-classification", "audio-classification",
                             "speech-recognition")
    assert ("tasks" in record.contributed) == owns_task
    if owns_task:
        assert list(registry.get(task, "task").default_metrics) == ["balanced-accuracy"]
        assert registry.get(task, "task").input == (input_kind or "text")


def test_the_entry_module_imports_nothing_heavy(tmp_path):
    folder = new_plugin("acme", task="speech-recognition", directory=tmp_path / "acme", registry=core_only())
    code = "import sys, zoo_acme; print(sorted(m for m in ('torch', 'numpy', 'torchmetrics') if m in sys.modules))"
    imported = subprocess.run([sys.executable, "-c", code], cwd=folder, capture_output=True, text=True, check=True)
    assert imported.stdout.strip() == "[]"


def test_a_task_another_plugin_provides_is_a_dependency_on_its_distribution(tmp_path):
    def register_tasks(register):
        register("review-stars", target="class", input="text", default_metrics=["stars-accuracy"])

    def register_metrics(register):
        register("stars-accuracy", tasks=["review-stars"], builder="zoo.metrics:accuracy")

    registry = with_plugin("stars", "zoo-stars", register_tasks=register_tasks, register_metrics=register_metrics)
    folder = new_plugin("acme", task="review-stars", directory=tmp_path / "acme", registry=registry)
    project = tomllib.loads((folder / "pyproject.toml").read_text())["project"]
    assert project["dependencies"] == [f"{CORE_DISTRIBUTION}[run]>=0.1", "zoo-stars"]
    assert "def register_tasks" not in (folder / "zoo_acme/__init__.py").read_text()  # the task is theirs
    assert "Task `review-stars` is provided by `zoo-stars`" in (folder / "README.md").read_text()


@pytest.mark.parametrize(("name", "options", "message"), [
    ("3d", (), "plugin name '3d' is not usable: it names the Python package zoo_NAME, so use letters, digits "
               "and '-', starting with a letter (say 'acme-labs')"),
    ("acme!", (), "plugin name 'acme!' is not usable: it names the Python package zoo_NAME"),
    ("zoo-acme", (), "plugin name 'zoo-acme' is not usable: 'zoo' is the core's own name and the prefix of every "
                     "plugin's distribution; name it 'acme' and its distribution will be zoo-acme"),
    ("zoo", (), "plugin name 'zoo' is not usable: 'zoo' is the core's own name"),
    (" ", (), "the plugin name is empty; give one such as 'acme'"),
    ("stars", (), "plugin name 'stars' is taken: a plugin named 'stars' is already installed (distribution zoo-stars)"),
    ("Taken_Dist", (), "plugin name 'taken-dist' is taken: distribution zoo-taken.dist is already installed, as "
                       "plugin 'other'"),
    ("json", (), "plugin name 'json' is taken: a Python package named zoo_json is already importable here"),
    ("acme", ("--task", "review stars"), "task name 'review stars' is not usable"),
    ("acme", ("--task", "image-classification", "--input", "text"),
     "--input text does not fit task 'image-classification', whose inputs are image; leave --input out"),
    ("acme", ("--directory", "taken"), "taken already exists (a folder); choose another --directory"),
    ("acme", ("--directory", "missing/acme"), "cannot write missing/acme: folder "),
])
def test_a_bad_name_is_refused_in_one_line_and_nothing_is_written(tmp_path, monkeypatch, name, options, message):
    registry = registry_of(
        ("stars", PluginSource.from_object("stars", fake_plugin("stars"), distribution="zoo-stars")),
        ("other", PluginSource.from_object("other", fake_plugin("other"), distribution="zoo-taken.dist")))
    (tmp_path / "taken").mkdir()
    monkeypatch.syspath_prepend(str(tmp_path / "importable"))
    (tmp_path / "importable" / "zoo_json").mkdir(parents=True)
    (tmp_path / "importable" / "zoo_json" / "__init__.py").write_text("")
    before = sorted(tmp_path.rglob("*"))
    result = zoo_cli(registry, "plugin", "new", name, *options, cwd=tmp_path)
    assert result.exit_code == 2
    [line] = result.output.splitlines()
    assert line.startswith(f"zoo: error: {message}")
    assert sorted(tmp_path.rglob("*")) == before


def test_the_templates_are_package_data_of_the_core():
    project = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())
    patterns = project["tool"]["setuptools"]["package-data"]["zoo"]
    templates = REPOSITORY / "zoo" / "scaffold" / "templates"
    shipped = {path for pattern in patterns for path in (REPOSITORY / "zoo").glob(pattern)}
    assert set(templates.rglob("*.tmpl")) <= shipped
    assert {template.folder for template in TEMPLATES.values()} <= {p.name for p in templates.iterdir()}


# --- end to end: three commands, in a fresh virtual environment -------------------------------------

E2E = {"acme": ("text-classification", None), "tones": ("speech-recognition", None),
       "stripes": ("image-classification", None), "pitch": ("audio-classification", None),
       "patterns": ("pattern-recognition", "image")}


@pytest.fixture(scope="module")
def installed_plugins(tmp_path_factory):
    """Plugins written by `zoo plugin new` and installed with pip into a new virtual environment.

    The environment sees the system's packages (torch and the rest come from there), and zoo's
    core as this repository has it; each plugin and its entry point are installed into it.
    """
    root = tmp_path_factory.mktemp("authors")
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "PIP_DISABLE_PIP_VERSION_CHECK": "1"}
    env.pop("PYTHONPATH", None)
    for name, (task, input_kind) in E2E.items():
        command = [sys.executable, "-m", "zoo", "plugin", "new", name, "--task", task]
        subprocess.run(command + (["--input", input_kind] if input_kind else []), cwd=root, env=env, check=True,
                       capture_output=True, timeout=120)
    venv = root / "venv"
    # --without-pip: the system's pip and setuptools (found through --system-site-packages) do the install.
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", str(venv)], check=True)
    python = str(venv / "bin" / "python")
    core = subprocess.run([python, "-c", "import zoo; print(zoo.__file__)"], capture_output=True, text=True,
                          check=True, env=env).stdout.strip()
    if Path(core).resolve().parents[1] != REPOSITORY:
        subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "-e",
                        str(REPOSITORY)], check=True, env=env, timeout=300)
    editable = [argument for name in E2E for argument in ("-e", name)]
    installed = subprocess.run([python, "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", *editable],
                               cwd=root, capture_output=True, text=True, env=env, timeout=300)
    assert installed.returncode == 0, installed.stderr
    return root, python, env


@pytest.mark.slow
def test_zero_to_listed_in_three_commands(installed_plugins):
    root, python, env = installed_plugins
    where = subprocess.run([python, "-c", "import zoo, zoo_acme; print(zoo.__file__); print(zoo_acme.__file__)"],
                           capture_output=True, text=True, env=env, check=True).stdout.split()
    assert Path(where[0]).resolve().parents[1] == REPOSITORY  # the core under test, not another one
    assert Path(where[1]).resolve().parents[1] == root / "acme"
    listed = subprocess.run([python, "-m", "zoo", "list", "--plugin", "acme"], capture_output=True, text=True,
                            env=env, cwd=root, timeout=120)
    assert listed.returncode == 0 and "acme" not in listed.stderr, listed.stderr
    assert [row.split()[0] for row in listed.stdout.splitlines()[2:]] == ["acme-bag-of-words",
                                                                          "acme-sentiment-lexicon"]
    assert "balanced-accuracy 0.9 (acme-reviews)" in listed.stdout
    assert "acme" not in subprocess.run([sys.executable, "-m", "zoo", "list"], capture_output=True, text=True,
                                        env=env, timeout=120).stdout  # installed in the venv only


@pytest.mark.slow
@pytest.mark.parametrize("name", list(E2E))
def test_a_generated_plugin_passes_its_own_tests_once_installed(installed_plugins, name):
    root, python, env = installed_plugins
    tests = subprocess.run([python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist"],
                           cwd=root / name, capture_output=True, text=True, env=env, timeout=300)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
    assert " passed" in tests.stdout and "skipped" not in tests.stdout, tests.stdout[-1000:]
