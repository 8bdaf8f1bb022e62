"""`zoo site build OUT/`: the pages of `zoo serve` as a static site that works from file:// (checked in
Chromium), every link relative and resolving, file names safe from any entry name."""

from __future__ import annotations

import fnmatch
import re
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect

from zoo.cli import make_cli
from zoo.errors import UsageError
from zoo.testing import fake_plugin, registry_of
from zoo.web.catalogue_data import slug
from zoo.web.render import STATIC, TEMPLATES
from zoo.web.site import MARKER, build_site

REPOSITORY = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def site(catalogue_registry, catalogue_store, tmp_path_factory):
    """The catalogue's site, with its results store's runs."""
    out = tmp_path_factory.mktemp("site") / "public"
    build_site(out, catalogue_registry, results=catalogue_store)
    return out


def links_of(html: str) -> list[str]:
    return re.findall(r'(?:href|src)="([^"]*)"', html)


def test_every_link_of_the_site_is_relative_and_leads_to_a_file_it_wrote(site):
    pages = sorted(site.rglob("*.html"))
    assert len(pages) > 124
    for page in pages:
        for link in links_of(page.read_text(encoding="utf-8")):
            if link.startswith(("https://", "data:", "#")):  # a catalogue's source, the empty favicon, this page
                continue
            assert not link.startswith(("/", "http:")), (page, link)
            target = (page.parent / link.split("#")[0]).resolve()
            assert target.is_file() and target.is_relative_to(site), (page, link)


def test_the_site_has_every_card_the_runs_and_no_try_it_form(site):
    assert (site / "models" / "keyword.html").is_file() and (site / "datasets" / "reviews.html").is_file()
    assert (site / "runs" / "1.html").is_file() and (site / "runs" / "1.json").is_file()
    assert (site / "static" / "plotly.min.js").stat().st_size > 1_000_000
    assert not (site / "static" / "try-it.js").exists()
    card = (site / "models" / "keyword.html").read_text(encoding="utf-8")
    assert "Try it in your browser with <code>zoo serve</code>" in card and "<form" not in card


def test_without_a_results_store_the_site_has_no_runs(catalogue_registry, tmp_path):
    build_site(tmp_path / "public", catalogue_registry)
    assert not (tmp_path / "public" / "runs").exists()
    card = (tmp_path / "public" / "models" / "keyword.html").read_text(encoding="utf-8")
    assert "runs/index.html" not in card and "0.85" not in card  # the store's value is not published


@pytest.mark.parametrize("name", ["../../etc/passwd", "a/b", "C:\\x", ".hidden", "~7e", "x" * 300, "Résumé", ""])
def test_a_slug_is_a_plain_file_name(name):
    made = slug(name)
    assert re.fullmatch(r"[a-z0-9_.~-]{1,120}", made) and not made.startswith(".")


def test_slugs_never_collide_even_where_case_is_ignored():
    names = ["ResNet", "resnet", "resNet", "a:b", "a~3ab", "a.b", "a-b", "x" * 300, "x" * 299 + "y"]
    assert len({slug(name).lower() for name in names}) == len(names)


def test_entry_names_cannot_write_outside_the_site_or_onto_each_other(tmp_path):
    # Two plugins with the same short name (the pages take plugin:name), names differing only in case.
    def models_of(*names):
        return lambda register: [register(name, task="text-classification", license="MIT",
                                          builder="zoo.testing.toy:build_keyword_model") for name in names]

    registry = registry_of(fake_plugin("alpha", register_models=models_of("Twin", "twin", "solo")),
                           fake_plugin("beta", register_models=models_of("Twin")))
    build_site(tmp_path / "public", registry)
    written = sorted(path.name for path in (tmp_path / "public" / "models").iterdir())
    assert len(written) == 4 and len({name.lower() for name in written}) == 4
    assert "solo.html" in written
    assert not [path for path in tmp_path.rglob("*") if not path.resolve().is_relative_to(tmp_path / "public")
                and path != tmp_path / "public"]


def test_a_published_card_shows_no_absolute_path_of_the_machine_that_built_it(tmp_path):
    # A weight file inside an installed distribution (zoo-speech's bundled CNN), and an entry from a user's
    # own catalogue file outside any distribution, with its own weight file.
    import zoo_speech
    from fastapi.testclient import TestClient

    from zoo.specs import ModelSpec, Origin, WeightsSpec
    from zoo.web.app import create_app

    bundled = Path(zoo_speech.__file__).parent / "weights" / "digits_cnn.safetensors"
    users = tmp_path / "home" / "me"
    registry = registry_of()
    for name, origin, weights in (("bundled-weights", Origin("speech", f"{zoo_speech.__file__}:40"), bundled),
                                  ("own", Origin("mine", f"{users}/catalogue.yaml:3:5"), users / "own.safetensors")):
        registry.add(ModelSpec(name=name, origin=origin, task="text-classification", license="MIT",
                               builder="zoo.testing.toy:build_keyword_model",
                               weights=WeightsSpec(uri=str(weights), format="safetensors")))
    build_site(tmp_path / "public", registry)
    card = (tmp_path / "public" / "models" / "bundled-weights.html").read_text(encoding="utf-8")
    assert "<code>zoo_speech/weights/digits_cnn.safetensors (zoo-speech)</code>" in card
    assert "zoo_speech/__init__.py:40 (zoo-speech, plugin &#39;speech&#39;)" in card
    own = (tmp_path / "public" / "models" / "own.html").read_text(encoding="utf-8")
    assert "<code>own.safetensors</code>" in own and "catalogue.yaml:3:5 (plugin &#39;mine&#39;)" in own
    for page in (tmp_path / "public").rglob("*.*"):
        if page.suffix in (".html", ".js") and page.name != "plotly.min.js":
            text = page.read_text(encoding="utf-8")
            assert str(bundled.parent) not in text and str(users) not in text, page
    served = TestClient(create_app(registry=registry)).get("/models/bundled-weights.html").text
    assert f"<code>{bundled}</code>" in served  # zoo serve is local: what zoo info shows


def test_a_folder_that_is_not_an_earlier_site_is_never_overwritten(catalogue_registry, tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="is not empty and is not a site zoo site build wrote"):
        build_site(tmp_path, catalogue_registry)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_a_rebuild_replaces_the_earlier_site_whole(catalogue_registry, tmp_path):
    out = tmp_path / "public"
    build_site(out, catalogue_registry)
    (out / "models" / "gone.html").write_text("a card of a model removed since")
    build_site(out, catalogue_registry)
    assert (out / MARKER).is_file() and not (out / "models" / "gone.html").exists()
    assert [path.name for path in tmp_path.iterdir()] == ["public"]  # no staging folder left behind


def test_zoo_site_build_says_what_it_wrote_and_how_long_it_took(catalogue_registry, catalogue_store, tmp_path):
    cli = make_cli(lambda settings: catalogue_registry)
    result = CliRunner().invoke(cli, ["site", "build", str(tmp_path / "public"), "--results", str(catalogue_store)])
    assert result.exit_code == 0, result.output
    assert re.fullmatch(r"zoo: wrote [\d,]+ files \(124 model cards, \d+ dataset cards, 7 metric cards, 3 leaderboard "
                        r"pages, 1 run record, 5 assets; [\d.]+ MB\) to \S+ in [\d.]+ s; open \S+index.html\n",
                        result.output), result.output
    missing = CliRunner().invoke(cli, ["site", "build", str(tmp_path / "other"), "--results", str(tmp_path / "no")])
    assert missing.exit_code == 2 and missing.output.count("\n") == 1 and "no results store there" in missing.output


def test_the_templates_and_scripts_ship_in_the_wheel():
    globs = tomllib.loads((REPOSITORY / "pyproject.toml").read_text())["tool"]["setuptools"]["package-data"]["zoo"]
    shipped = [path for folder in (TEMPLATES, STATIC) for path in folder.iterdir() if path.is_file()]
    assert shipped
    for path in shipped:
        relative = path.relative_to(REPOSITORY / "zoo").as_posix()
        assert any(fnmatch.fnmatch(relative, pattern) for pattern in globs), relative


# -- from file://, in the browser ------------------------------------------------------------------


def test_the_static_site_works_from_file_urls(site, page):
    page.goto((site / "index.html").as_uri())
    models = page.locator("#section-models")
    assert models.locator("[data-status]").text_content() == "124 models"
    models.get_by_label("Tag").select_option("ladder")
    models.get_by_label("Sort by").select_option("accuracy")
    assert page.url.endswith("index.html#models&tag=ladder&sort=accuracy")
    assert models.locator("tbody th").all_text_contents() == ["medium", "large", "tiny"]
    models.get_by_label("Tag").select_option("")
    models.get_by_label("Search").fill("keyword")
    models.get_by_role("link", name="keyword").click()
    assert page.url == (site / "models" / "keyword.html").as_uri()
    assert page.locator("#reproduce-1").text_content() == "zoo run toys:keyword --dataset reviews --split test"
    page.get_by_role("button", name="Copy").click()  # or, where the page may not copy, it selects the command
    expect(page.locator(".copy-status")).to_have_text(re.compile(r"Copied\.|Selected: press Ctrl\+C"))
    page.get_by_role("link", name="Leaderboards").click()
    page.get_by_role("link", name="reviews").click()
    page.locator("#chart-params svg.main-svg").first.wait_for()
    page.get_by_role("radio", name="throughput").check()  # keyword's run measured its samples/s
    assert page.url.endswith("reviews.html#x=throughput")
    page.locator("#chart-throughput svg.main-svg").first.wait_for()
    page.reload()  # a linked view opens as it was left, from file:// too
    assert page.get_by_role("radio", name="throughput").is_checked() and page.locator("#panel-params").is_hidden()
    page.get_by_role("link", name="Runs").click()
    assert page.locator("[data-status]").text_content() == "1 record"
    page.get_by_role("link", name="Plugins").first.click()
    assert "broken on purpose" in page.locator("tbody tr", has_text="broken").text_content()
