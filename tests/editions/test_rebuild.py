# SPDX-License-Identifier: EUPL-1.2
"""Rebuilding into an earlier build: only changed files are written, files no longer part of
the edition are removed, and the chart pictures and the PDF are reused only when their input
is the same (see ``conftest._rebuilds`` for the sequence of builds)."""

from __future__ import annotations

from pathlib import Path

import pytest

from staat.editions.output import Tree, publish

#: the session fixture that builds the edition needs the test database
pytestmark = pytest.mark.django_db


def thread_pages(result) -> int:
    """Pages a rebuild can reuse: threads, organisations, sources (not their indexes)."""
    return len([r for r in result.files if r.split("/")[0] in ("draden", "organisaties", "bronnen")
                and not r.endswith("/index.html")])


def test_a_rebuild_of_the_same_data_writes_nothing_but_the_build_information(built_edition):
    first, before = built_edition.rebuilds["first"]
    same, after = built_edition.rebuilds["same"]
    assert first.reused == [] and len(first.written) == len(first.files)
    # build-info.json holds the build time (to the second): rewritten unless in the same second
    assert same.written in ([], ["build-info.json"]) and same.removed == []
    assert set(after) == set(before)
    for rel, (data, mtime) in after.items():
        if rel != "build-info.json":
            assert (data, mtime) == before[rel], rel  # not even touched
    assert same.files == first.files
    assert first.pages_reused == 0 and same.pages_reused == thread_pages(first) > 0
    # both chart pictures and the PDF came from the earlier build, and say so
    assert same.pdf_path.name in same.reused
    assert sorted(r for r in same.reused if r.startswith("charts/")) == sorted(
        r for r in first.files if r.startswith("charts/") and r.endswith(".svg"))
    assert (same.pdf_body_pages, same.pdf_total_pages, same.trimmed) == (
        first.pdf_body_pages, first.pdf_total_pages, first.trimmed)


def test_a_changed_picture_on_disk_is_rendered_again(built_edition):
    first, before = built_edition.rebuilds["first"]
    spoilt, after, rel, page = built_edition.rebuilds["spoilt"]
    assert rel not in spoilt.reused and rel in spoilt.written
    assert after[rel][0] == before[rel][0]  # the right picture is back
    assert page in spoilt.written and after[page][0] == before[page][0]  # and the right page
    assert spoilt.pages_reused == thread_pages(first) - 1


def test_a_changed_input_rebuilds_and_stale_files_go(built_edition):
    first, before = built_edition.rebuilds["first"]
    retitled, after = built_edition.rebuilds["retitled"]
    assert "index.html" in retitled.written and retitled.pdf_path.name in retitled.written
    # every page shows the title: no page is taken from before
    assert retitled.pages_reused == 0
    assert all(b"Andere titel" in after[r][0] for r in after
               if r.startswith("draden/") and r != "draden/weg.html")
    assert retitled.pdf_path.name not in retitled.reused  # the PDF shows the title
    assert b"Andere titel" in after["index.html"][0]
    assert sorted(retitled.removed) == ["draden/weg.html", "oud/leeg.txt"]
    assert not (retitled.out / "oud").exists()
    assert set(after) == set(before)
    # the charts do not show the title: still the same pictures, taken from before
    assert any(r.startswith("charts/") for r in retitled.reused)
    assert all(after[r][0] == before[r][0] for r in retitled.reused)


def test_publish_new_folder_then_changes(tmp_path: Path):
    tree = Tree()
    tree.write("a.txt", "one")
    tree.write("sub/b.txt", b"two")
    tree.write("info.json", "{}")
    target = tmp_path / "site"
    first = publish(tree, target, last="info.json")
    assert first.written == ["a.txt", "sub/b.txt", "info.json"]
    assert (target / "sub" / "b.txt").read_bytes() == b"two"
    tree = Tree()
    tree.write("a.txt", "one")
    tree.write("c.txt", "three")
    tree.write("info.json", "{}")
    second = publish(tree, target, last="info.json")
    assert second.written == ["c.txt"] and second.removed == ["sub/b.txt"]
    assert second.unchanged == 2 and not (target / "sub").exists()
    assert sorted(p.name for p in target.iterdir()) == ["a.txt", "c.txt", "info.json"]


def test_publish_stages_in_a_hidden_folder_and_removes_one_left_behind(tmp_path: Path):
    tree = Tree()
    tree.write("a.txt", "one")
    tree.write("info.json", "{}")
    target = tmp_path / "site"
    publish(tree, target, last="info.json")
    # a build that stopped while publishing left its temporary files behind
    (target / ".staging-stopped").mkdir()
    (target / ".staging-stopped" / ".a.txt.x.tmp").write_text("half", encoding="utf-8")
    tree.write("a.txt", "uno")
    tree.write("c.txt", "new")
    result = publish(tree, target, last="info.json")
    assert result.written == ["c.txt", "a.txt"]
    assert result.removed == [".staging-stopped/.a.txt.x.tmp"]
    assert sorted(p.relative_to(target).as_posix() for p in target.rglob("*")) == [
        "a.txt", "c.txt", "info.json"]
    assert (target / "a.txt").read_text(encoding="utf-8") == "uno"
    assert oct((target / "a.txt").stat().st_mode & 0o777) == "0o644"


@pytest.mark.parametrize("bad", ["", "../x", "a/../../x", "/etc/passwd/.."])
def test_tree_refuses_paths_outside_the_build(bad):
    with pytest.raises(ValueError):
        Tree().write(bad, "x")
