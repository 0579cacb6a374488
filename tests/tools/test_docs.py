"""The documentation: the generated settings page is current, every link resolves, every page
says what it is for, and the README stays a short front door."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path
from typing import Any

import pytest

from constructs_lib.settings import Settings, SettingsError
from tests.conftest import REPO_ROOT
from tools import settings_doc

PAGES = [REPO_ROOT / "README.md", *sorted((REPO_ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")


def anchors(page: Path) -> set[str]:
    """GitHub's anchors for a page's headings: lower case, punctuation dropped, spaces to '-'."""
    found = set()
    for heading in re.findall(r"^#{1,6} (.+)$", page.read_text(), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        found.add(slug)
    return found


def links(page: Path) -> list[str]:
    text = re.sub(r"```.*?```", "", page.read_text(), flags=re.S)  # code blocks hold no links
    return [a or b for a, b in LINK.findall(text)]


def test_the_generated_pages_are_what_the_code_generates() -> None:
    for path, text in settings_doc.pages().items():
        assert path.read_text() == text, f"{path.name}: run `make docs`"


def test_the_settings_page_lists_every_setting_with_its_variable() -> None:
    page = (REPO_ROOT / "docs" / "settings.md").read_text()
    for field in dataclasses.fields(Settings):
        if field.name != "environment":
            assert re.search(rf"^\| `{field.name}` \| `DATA_API_{field.name.upper()}` \|", page, re.M)


@pytest.mark.parametrize(
    ("name", "bad", "text"),
    [
        ("lambda_memory_mb", 64, "a whole number from 128 to 10240"),
        ("api_auth", "basic", "none, api_key, iam"),
        ("log_retention_days", 10, "1, 3, 5, 7, 14, 30"),
        ("alert_email", "ops", "an email address such as ops@example.com"),
    ],
)
def test_the_page_says_what_a_refusal_says(name: str, bad: Any, text: str) -> None:
    assert settings_doc.allowed(name).startswith(text)
    with pytest.raises(SettingsError) as refused:
        Settings(environment="dev", **{name: bad})
    assert refused.value.message.endswith(f"allowed: {settings_doc.allowed(name)}")


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_relative_link_and_anchor_resolves(page: Path) -> None:
    for target in links(page):
        if re.match(r"[a-z]+:", target):
            continue  # a web address: not checked offline
        path, _, anchor = target.partition("#")
        resolved = (page.parent / path).resolve() if path else page
        assert resolved.exists(), f"{page.name}: {target} does not exist"
        if anchor:
            assert anchor in anchors(resolved), f"{page.name}: {target} has no such heading"


def test_the_link_checker_catches_a_broken_link_and_anchor(tmp_path) -> None:
    page = tmp_path / "page.md"
    page.write_text("# Title\n\n[ok](#title) [gone](missing.md) [bad](#nowhere)\n")
    targets = links(page)
    assert targets == ["#title", "missing.md", "#nowhere"]
    assert anchors(page) == {"title"}
    assert not (tmp_path / "missing.md").exists()


@pytest.mark.parametrize("page", PAGES[1:], ids=lambda p: p.name)
def test_each_page_starts_with_what_it_is_for(page: Path) -> None:
    title, purpose, *_ = page.read_text().split("\n\n")
    assert title.startswith("# ")
    assert purpose, page.name
    assert not purpose.startswith(("#", "|", "`", "-", "<")), purpose


def test_the_readme_fits_on_two_screens_and_shows_the_commands() -> None:
    readme = (REPO_ROOT / "README.md").read_text()
    assert len(readme.splitlines()) <= 250
    for command in (
        "make synth",
        "make test",
        "make bootstrap",
        "make deploy ENV=dev",
        "make verify ENV=dev",
    ):
        assert command in readme, command
    for page in sorted((REPO_ROOT / "docs").glob("*.md")):
        assert f"(docs/{page.name})" in readme, f"the README links every page: {page.name}"
