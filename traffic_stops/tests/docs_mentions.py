"""What the README and docs/*.md name, and whether it exists (used by ``test_docs``).

Kinds: management commands (``manage.py <name>``), make targets (``make <target>``),
settings and environment variables (the README's configuration table and backticked
UPPER_CASE names), repository paths (backticked or in code blocks, and relative Markdown
links), dotted Python names of the project's packages, and backticked snake_case names
(a function, table or column the code no longer has; PostgreSQL settings are allowed).
What is not a repository path is left alone: URLs, URL paths such as ``/nc/api/...``,
MIME types, paths under git-ignored build folders, and ``../shared/...`` (outside the
repository: the 2019 specification and reference data, cited by name only).
"""

from __future__ import annotations

import ast
import importlib.util
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.core.management import get_commands
from django.db import connection

ROOT = Path(__file__).resolve().parents[2]
DOCS = (ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md")))
# Its sample page names things that do not exist on purpose.
TEST_MODULE = ROOT / "traffic_stops" / "tests" / "test_docs.py"
SKIPPED_DIRS = {".git", ".venv", "node_modules", "__pycache__", ".data", ".hypothesis",
                ".pytest_cache", ".ruff_cache", "public", "artifacts"}
SOURCE_SUFFIXES = (".py", ".md", ".sh", ".toml", ".yml", ".yaml", ".js", ".css", ".html")
PACKAGES = ("nc", "md", "il", "tsdata", "census", "traffic_stops")
OUTSIDE_PREFIX = "../shared/"
FILE_EXTENSIONS = {"py", "md", "html", "js", "css", "txt", "csv", "json", "zip", "sh", "yml",
                   "toml", "xlsx"}

FENCE_RE = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)
LIST_ITEM_RE = re.compile(r"^\s*(?:[*+-]|\d+\.)\s")
SPAN_RE = re.compile(r"`((?:[^`\n]|\n(?!\s*\n))+)`")  # a code span may wrap, not a paragraph
LINK_RE = re.compile(r"\]\(([^)\s]+)\)")
COMMAND_RE = re.compile(r"manage\.py\s+([a-z][a-z0-9_]*(?:<\w+>[a-z0-9_]*)*)")
MAKE_RE = re.compile(r"\bmake\s+([a-z][a-z0-9_-]*)(?![=\w-])")
UPPER_RE = re.compile(r"^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+$|^[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)*_\*$")
IDENTIFIER_RE = re.compile(r"^([a-z][a-z0-9]*(?:_[a-z0-9]+)+)(?:\(\))?$")
DOTTED_RE = re.compile(r"^([a-z_]+(?:\.[A-Za-z_][A-Za-z0-9_]*)+)(?:\(.*\))?$")


@dataclass(frozen=True)
class Mention:
    doc: str
    kind: str  # command | make | name | path | link | dotted | identifier
    text: str


def indented_blocks(markdown: str) -> list[str]:
    """Indented code blocks: lines indented by 4+ spaces after a blank line that follows a
    plain paragraph (indented lines after a list item continue the item)."""
    blocks: list[str] = []
    lines = markdown.splitlines()
    index = 0
    while index < len(lines):
        previous = next((line for line in reversed(lines[:index]) if line.strip()), "")
        starts = (lines[index].startswith("    ") and index > 0 and not lines[index - 1].strip()
                  and not previous.startswith(" ") and not LIST_ITEM_RE.match(previous))
        if not starts:
            index += 1
            continue
        end = index
        while end < len(lines) and (lines[end].startswith("    ") or not lines[end].strip()):
            end += 1
        blocks.append("\n".join(lines[index:end]))
        index = end
    return blocks


def code_texts(markdown: str) -> list[str]:
    """Inline code spans, fenced blocks and indented blocks: where names and paths are."""
    fenced = [block.strip("`") for block in FENCE_RE.findall(markdown)]
    rest = FENCE_RE.sub("", markdown)
    indented = indented_blocks(rest)
    for block in indented:
        rest = rest.replace(block, "")
    return SPAN_RE.findall(rest) + fenced + indented


def _words(text: str) -> list[str]:
    words = []
    for word in re.split(r"[\s,;|]+", text):
        word = word.strip("()[]\"'.:")
        if word:
            words.append(word)
    return words


@cache
def top_level_entries() -> frozenset[str]:
    return frozenset(path.name for path in ROOT.iterdir() if path.name not in SKIPPED_DIRS)


@cache
def ignored_prefixes() -> tuple[str, ...]:
    """Folders .gitignore names with a path (build output such as the chart bundle)."""
    lines = (ROOT / ".gitignore").read_text().splitlines()
    return tuple(line.strip("/") + "/" for line in lines
                 if "/" in line.strip("/") and not line.startswith("#"))


def is_repo_path(word: str) -> bool:
    """Whether a word is meant as a path inside this repository."""
    if "://" in word or word.startswith("/") or any(char in word for char in "{$="):
        return False
    if word.startswith(OUTSIDE_PREFIX):
        return False
    if word.startswith("../"):
        return True  # outside the repository, and not the spec: always wrong
    if "/" in word:
        first = word.split("/", 1)[0]
        return (first in top_level_entries() or re.fullmatch(r"<\w+>", first) is not None
                or word.endswith(SOURCE_SUFFIXES))
    return word.endswith(SOURCE_SUFFIXES) and "<" not in word


def mentions(doc: Path, text: str | None = None) -> list[Mention]:
    """Everything ``doc`` names that the checks below can verify."""
    text = doc.read_text() if text is None else text
    name = doc.name if doc.parent == ROOT else f"docs/{doc.name}"
    found = [Mention(name, "command", command) for command in COMMAND_RE.findall(text)]
    found += [Mention(name, "name", row) for row in configuration_table_names(text)]
    found += [Mention(name, "link", target) for target in LINK_RE.findall(text)
              if not re.match(r"[a-z]+:|#", target)]
    for code in code_texts(text):
        found += [Mention(name, "make", target) for target in MAKE_RE.findall(code)]
        match = UPPER_RE.match(code.strip())
        if match:
            found.append(Mention(name, "name", code.strip()))
        match = IDENTIFIER_RE.match(code.strip())
        if match:
            found.append(Mention(name, "identifier", match.group(1)))
        match = DOTTED_RE.match(code.strip())
        if (match and match.group(1).split(".")[0] in PACKAGES
                and match.group(1).rsplit(".", 1)[1] not in FILE_EXTENSIONS):
            found.append(Mention(name, "dotted", match.group(1)))
        found += [Mention(name, "path", word) for word in _words(code) if is_repo_path(word)]
    return found


def configuration_table_names(text: str) -> list[str]:
    """First-column names of the rows of the README's "Configuration" table."""
    section = re.search(r"^## Configuration\n(.*?)(?=^## )", text, re.MULTILINE | re.DOTALL)
    if not section:
        return []
    names = []
    for line in section.group(1).splitlines():
        if line.startswith("| `"):
            first = line.split("|")[1]
            names += SPAN_RE.findall(first)
    return names


@cache
def _source_texts() -> tuple[str, ...]:
    """Text of the code and configuration files (not the docs) that could read a setting."""
    texts = []
    for path in repository_files():
        if path.suffix == ".md" or path == TEST_MODULE:
            continue
        if path.suffix in (".py", ".sh", ".yml", ".cfg") or path.name in (
            "Makefile", "Dockerfile", ".env.example", "run", "manage.py"
        ):
            try:
                texts.append(path.read_text())
            except UnicodeDecodeError:
                continue
    return tuple(texts)


@cache
def repository_files() -> tuple[Path, ...]:
    files = []
    stack = [ROOT]
    while stack:
        folder = stack.pop()
        for path in folder.iterdir():
            if path.name in SKIPPED_DIRS:
                continue
            if path.is_dir():
                stack.append(path)
            else:
                files.append(path)
    return tuple(files)


@cache
def _basenames() -> frozenset[str]:
    return frozenset(path.name for path in repository_files())


def name_exists(name: str) -> bool:
    """A setting, an environment variable some code reads, or a constant defined in code."""
    prefix = name.endswith("*")
    bare = name.rstrip("*")
    if not prefix and hasattr(settings, bare):
        return True
    pattern = re.compile(
        rf"\b{re.escape(bare)}[A-Z0-9_]*\b" if prefix else rf"\b{re.escape(bare)}\b"
    )
    return any(pattern.search(text) for text in _source_texts())


def path_exists(word: str, doc: str) -> bool:
    if word.startswith("../"):
        return False
    if any(word.startswith(prefix) for prefix in ignored_prefixes()):
        return True  # build output, absent from a fresh checkout by design
    word = word.split(":", 1)[0].split("#", 1)[0].removesuffix("...")
    if "/" not in word:
        return word in _basenames() or (ROOT / word).exists()
    pattern = re.sub(r"<[^>]+>", "*", word).rstrip("/")
    if "*" in pattern:
        return any(ROOT.glob(pattern))
    if (ROOT / pattern).exists():
        return True
    # Template and static paths are written relative to an app's templates/ or static/.
    return any(ROOT.glob(f"*/templates/{pattern}")) or any(ROOT.glob(f"*/static/{pattern}"))


def link_exists(target: str, doc: str) -> bool:
    target = target.split("#", 1)[0]
    if not target or target.startswith(OUTSIDE_PREFIX):
        return True
    base = ROOT if "/" not in doc else ROOT / "docs"
    return (base / target).resolve().exists()


def dotted_exists(dotted: str) -> bool:
    """``package.module.name[.member]`` (read from the source, nothing is imported beyond
    the parent packages); also ``app_label.Model.field``."""
    parts = dotted.split(".")
    for split in range(len(parts), 0, -1):
        try:
            spec = importlib.util.find_spec(".".join(parts[:split]))
        except (ImportError, ValueError):
            spec = None
        if spec is None:
            continue
        rest = parts[split:]
        if not rest:
            return True
        if spec.origin and spec.origin.endswith(".py") and source_defines(Path(spec.origin), rest):
            return True
        break
    try:
        target = apps.get_model(parts[0], parts[1])
        for attribute in parts[2:]:
            target = getattr(target, attribute)
    except (LookupError, ValueError, IndexError, AttributeError):
        return False
    return True


def _defined_names(body: list[ast.stmt]) -> dict[str, ast.stmt]:
    names: dict[str, ast.stmt] = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names[node.name] = node
        elif isinstance(node, ast.Assign):
            names.update({target.id: node for target in node.targets
                          if isinstance(target, ast.Name)})
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names[node.target.id] = node
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update({(alias.asname or alias.name).split(".")[0]: node
                          for alias in node.names})
    return names


def source_defines(path: Path, names: list[str]) -> bool:
    """Whether a module defines ``names[0]`` (and, in a class, ``names[1]``)."""
    body = ast.parse(path.read_text()).body
    for depth, name in enumerate(names):
        node = _defined_names(body).get(name)
        if node is None:
            return False
        if not isinstance(node, ast.ClassDef):
            return depth == len(names) - 1 or depth > 0
        body = node.body
    return True


@cache
def code_words() -> frozenset[str]:
    """Every word of the code (Python, SQL, templates, scripts, settings files)."""
    words: set[str] = set()
    for text in _source_texts():
        words.update(re.findall(r"\w+", text))
    for path in repository_files():
        if path.suffix in (".html", ".js", ".sql", ".css") and path != TEST_MODULE:
            words.update(re.findall(r"\w+", path.read_text()))
    return frozenset(words)


@cache
def postgres_settings() -> frozenset[str]:
    """PostgreSQL's run-time settings (``work_mem``, ...), which the docs may name too."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_settings")
        return frozenset(name for (name,) in cursor.fetchall())


@cache
def make_targets() -> frozenset[str]:
    makefile = (ROOT / "Makefile").read_text()
    return frozenset(re.findall(r"^([a-z][a-z0-9_-]*):", makefile, re.MULTILINE))


def missing(mention: Mention) -> bool:
    if mention.kind == "command":
        pattern = re.compile(re.sub(r"<\w+>", "[a-z]+", mention.text))
        return not any(pattern.fullmatch(command) for command in get_commands())
    if mention.kind == "make":
        return mention.text not in make_targets()
    if mention.kind == "name":
        return not name_exists(mention.text)
    if mention.kind == "path":
        return not path_exists(mention.text, mention.doc)
    if mention.kind == "link":
        return not link_exists(mention.text, mention.doc)
    if mention.kind == "identifier":
        return mention.text not in code_words() and mention.text not in postgres_settings()
    return not dotted_exists(mention.text)
