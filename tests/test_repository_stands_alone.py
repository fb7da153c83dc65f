"""The repository stands alone: a clone on another machine needs nothing outside it.

No tracked text file may name a directory of the machine it was built on (an absolute
path into `work`, `tmp`, `root` or `home`) or the design folder that sat beside the
project (`shared`, one level up), and every relative link in the Markdown docs must reach
a tracked file
(and, with `#anchor`, a heading in it): the contract, the metrics and the architecture
are the project's own `docs/`, so a reader following a link never lands outside it.
"""

from __future__ import annotations

import re
import subprocess
from collections import Counter
from pathlib import Path
from urllib.parse import unquote

import pytest

from warehouse.core.settings import PROJECT_ROOT

# An absolute path into one of this machine's directories. A relative path that merely
# ends in such a name (`data/tmp/`, `<data>/tmp`, `${DIR}/tmp`) or a URL path
# (`github.com/root/...`) has a word character, dot, tilde, dash or closing bracket right
# before the slash.
MACHINE_PATH = re.compile(r"(?<![\w.~>})-])/(?:work|tmp|root|home)(?![\w.-])")
SHARED_FOLDER = re.compile(r"\.\./shared\b")

FENCE = re.compile(r"^\s*(```|~~~)")
CODE_SPAN = re.compile(r"(`+).*?\1")
INLINE_LINK = re.compile(r"!?\[[^\]]*\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")
REFERENCE_LINK = re.compile(r"^\s{0,3}\[[^\]]+\]:\s+<?(\S+?)>?(?:\s|$)")
HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.*?)\s*#*\s*$")
SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")


def tracked_files() -> list[str]:
    """Paths (relative to the project root) of every file git tracks."""
    try:
        out = subprocess.run(
            ["git", "ls-files", "-z"], cwd=PROJECT_ROOT, capture_output=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as exc:
        pytest.skip(f"not a git checkout, nothing to scan: {exc}")
    return [name for name in out.decode().split("\0") if name]


def read_text(path: Path) -> str | None:
    """The file's text, or None for binary files (NUL bytes or not UTF-8)."""
    data = path.read_bytes()
    if b"\0" in data:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None


def outside_references(text: str) -> list[tuple[int, str]]:
    """(line number, matched text) of every machine path or shared-folder reference."""
    found = []
    for number, line in enumerate(text.splitlines(), start=1):
        for pattern in (MACHINE_PATH, SHARED_FOLDER):
            found += [(number, m.group(0)) for m in pattern.finditer(line)]
    return found


def _lines_outside_fences(text: str) -> list[tuple[int, str]]:
    """(line number, line) of the lines outside fenced code blocks."""
    lines, in_fence = [], False
    for number, line in enumerate(text.splitlines(), start=1):
        if FENCE.match(line):
            in_fence = not in_fence
        elif not in_fence:
            lines.append((number, line))
    return lines


def _prose_lines(text: str) -> list[tuple[int, str]]:
    """Lines outside fenced code blocks, with inline code spans blanked out."""
    return [(number, CODE_SPAN.sub("", line)) for number, line in _lines_outside_fences(text)]


def github_anchors(text: str) -> set[str]:
    """The anchors GitHub gives the headings of a Markdown text (duplicates get -1, -2)."""
    anchors: set[str] = set()
    seen: Counter[str] = Counter()
    for _, line in _lines_outside_fences(text):
        match = HEADING.match(line)
        if not match:
            continue
        slug = re.sub(r"[^\w\- ]", "", match.group(1).strip().lower()).replace(" ", "-")
        anchors.add(f"{slug}-{seen[slug]}" if seen[slug] else slug)
        seen[slug] += 1
    return anchors


def broken_links(md_file: str, text: str, root: Path, tracked: set[str]) -> list[str]:
    """Relative links of one Markdown file that reach no tracked file or no heading."""
    problems = []
    here = (root / md_file).parent
    for number, line in _prose_lines(text):
        targets = INLINE_LINK.findall(line) + REFERENCE_LINK.findall(line)
        for target in targets:
            if SCHEME.match(target):
                continue  # a web or mail address
            path_part, _, anchor = target.partition("#")
            if path_part:
                resolved = (here / unquote(path_part)).resolve()
                try:
                    rel = resolved.relative_to(root.resolve()).as_posix()
                except ValueError:
                    problems.append(f"{md_file}:{number}: {target} points outside the repository")
                    continue
                is_dir = any(name.startswith(rel + "/") for name in tracked)
                if rel not in tracked and not is_dir:
                    problems.append(f"{md_file}:{number}: {target} is not a file in the repository")
                    continue
            else:
                rel = md_file
            if anchor and rel.endswith(".md"):
                target_text = text if rel == md_file else (root / rel).read_text("utf-8")
                if anchor not in github_anchors(target_text):
                    problems.append(f"{md_file}:{number}: {target} has no heading #{anchor}")
    return problems


# --- the scanner itself, on hand-made text ----------------------------------------------


def test_outside_references_are_found_and_relative_paths_are_not() -> None:
    bad = [f"see /{d}/notes/file.md" for d in ("work", "tmp", "root", "home")]
    bad += ["cd /" + "tmp && ls", "file:///" + "tmp/x", "link ../" + "shared/DESIGN.md"]
    for line in bad:
        assert outside_references(line), line
    fine = [
        "spills to `data/tmp/`",
        "screenshots/tmp/",
        "<data>/tmp and ${DATA}/tmp",
        "https://github.com/root/project",
        "/srv/support-pulse and /etc/pulse/users.toml",
        "executable_path=/usr/bin/chromium",
        "tmp_path_factory.mktemp('pulse-data')",
        "/homepage /tmpfs",
    ]
    for line in fine:
        assert not outside_references(line), line


def test_broken_links_finds_missing_files_and_missing_headings(tmp_path: Path) -> None:
    (tmp_path / "docs").mkdir()
    (tmp_path / "docs" / "A.md").write_text(
        "# Title\n\n## Section one (s1)\n\n## Section one (s1)\n\n## Seeds (`seeds/`)\n"
    )
    readme = "\n".join(
        [
            "# Readme",
            "[ok](docs/A.md) [dir](docs) [anchor](docs/A.md#section-one-s1)",
            "[second](docs/A.md#section-one-s1-1) [self](#readme) [code](docs/A.md#seeds-seeds)",
            "[web](https://example.org/x) ![img](docs/A.md) `[code](nope.md)`",
            "```",
            "[fenced](nope.md)",
            "```",
            "[missing](docs/B.md) [bad anchor](docs/A.md#nope) [up](../outside.md)",
        ]
    )
    tracked = {"README.md", "docs/A.md"}
    problems = broken_links("README.md", readme, tmp_path, tracked)
    assert problems == [
        "README.md:8: docs/B.md is not a file in the repository",
        "README.md:8: docs/A.md#nope has no heading #nope",
        "README.md:8: ../outside.md points outside the repository",
    ]


# --- the repository ----------------------------------------------------------------------


def test_no_tracked_file_names_a_machine_path_or_the_shared_folder() -> None:
    problems = []
    for name in tracked_files():
        path = PROJECT_ROOT / name
        text = read_text(path) if path.is_file() else None
        if text is None:
            continue
        problems += [f"{name}:{line}: {match}" for line, match in outside_references(text)]
    assert not problems, "paths outside the repository:\n" + "\n".join(problems)


def test_every_relative_markdown_link_reaches_a_tracked_file_and_heading() -> None:
    names = tracked_files()
    tracked = {name for name in names if (PROJECT_ROOT / name).exists()}
    problems = []
    for name in sorted(n for n in tracked if n.endswith(".md")):
        problems += broken_links(
            name, (PROJECT_ROOT / name).read_text("utf-8"), PROJECT_ROOT, tracked
        )
    assert not problems, "broken Markdown links:\n" + "\n".join(problems)


def test_harnesses_record_paths_relative_to_the_project() -> None:
    from tests.harness.loadtest import shown_path

    assert shown_path(PROJECT_ROOT / "data" / "loadtest" / "warehouse.duckdb") == (
        "data/loadtest/warehouse.duckdb"
    )
    assert shown_path(PROJECT_ROOT.parent / "elsewhere" / "warehouse.duckdb") == "warehouse.duckdb"
