"""The README is the door: short, with the two commands, and every link in it and in docs/
leads somewhere — a file that exists, and a heading that exists in it."""

import pathlib
import re
import unittest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", ROOT / "tests/README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")


def slug(heading):
    """GitHub's anchor for a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"[`*_]", "", heading.strip().lower())
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(page):
    found, fenced = set(), False
    for line in page.read_text().splitlines():
        if line.startswith("```"):
            fenced = not fenced
        elif not fenced and line.startswith("#"):
            found.add(slug(line.lstrip("#")))
    return found


class DocsTest(unittest.TestCase):
    def test_the_readme_is_short_and_names_the_two_commands(self):
        readme = (ROOT / "README.md").read_text()
        self.assertLessEqual(len(readme.splitlines()), 300)
        for command in ("cargo run", "make test"):
            self.assertIn(command, readme)
        for page in ["docs/api.md", "docs/openapi.yaml", "docs/decisions.md", "docs/operations.md",
                     "docs/architecture.md", "docs/idenfy.md", "tests/README.md"]:
            self.assertIn(f"]({page})", readme, f"the README links {page}")

    def test_every_link_leads_somewhere(self):
        checked = 0
        for page in PAGES:
            for target in LINK.findall(page.read_text()):
                if re.match(r"^[a-z]+:", target):
                    continue
                path, _, anchor = target.partition("#")
                file = (page.parent / path).resolve() if path else page
                self.assertTrue(file.exists(), f"{page.name}: {target} (no such file)")
                if anchor and file.suffix == ".md":
                    self.assertIn(anchor, anchors(file), f"{page.name}: {target} (no such heading)")
                checked += 1
        self.assertGreater(checked, 20)


SOURCES = [path for folder in ["shared", "functions", "local", "tests", "bench"]
           for path in (ROOT / folder).rglob("*") if path.suffix in (".rs", ".py")
           and "target" not in path.parts]
CODE = "\n".join(path.read_text() for path in SOURCES)
TICKED = re.compile(r"`([^`\n]+)`")
INVARIANT = re.compile(r"\*\*Architecture Invariant:\*\*(.*?)(?:\n\n|$)", re.S)


def defined(name):
    """Whether the code defines `name`: a function, type, module, constant or test."""
    pattern = rf"\b(fn|struct|enum|trait|mod|type|const|def|static)\s+{re.escape(name)}\b"
    return re.search(pattern, CODE) is not None or any(
        path.stem == name for path in SOURCES)


class ArchitectureTest(unittest.TestCase):
    """docs/architecture.md names only paths and code that exist, and each invariant names a
    test that holds it."""

    page = (ROOT / "docs/architecture.md").read_text()

    def test_every_path_it_names_exists(self):
        checked = 0
        for token in TICKED.findall(self.page):
            first = token.split("/")[0]
            if "/" not in token or " " in token or first not in {
                    "shared", "functions", "local", "tests", "bench", "docs", "events", "scripts"}:
                continue
            for path in re.split(r",\s*", token):
                path = path.rstrip("/")
                if "{" in path or "*" in path:
                    continue
                self.assertTrue((ROOT / path).exists(), f"architecture.md names {path}, which does not exist")
                checked += 1
        self.assertGreater(checked, 10)

    def test_every_item_it_names_is_defined(self):
        checked = 0
        for token in TICKED.findall(self.page):
            if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*(::[A-Za-z_][A-Za-z0-9_]*)+", token):
                continue
            last = token.split("::")[-1]
            self.assertTrue(defined(last), f"architecture.md names {token}: no {last} in the code")
            checked += 1
        self.assertGreater(checked, 10)

    def test_each_invariant_names_a_test_that_exists(self):
        invariants = INVARIANT.findall(self.page)
        self.assertGreaterEqual(len(invariants), 10)
        for text in invariants:
            tests = [t for t in TICKED.findall(text)
                     if re.fullmatch(r"[a-z_][a-z0-9_]*", t) and "_" in t]
            self.assertTrue(tests, f"an invariant names no test: {text.strip()[:80]}")
            for name in tests:
                self.assertTrue(defined(name), f"the invariant's test {name} does not exist")

    def test_the_check_finds_what_is_missing(self):
        self.assertTrue(defined("the_domain_crate_depends_on_no_aws_http_lambda_or_runtime_crate"))
        self.assertFalse(defined("a_test_nobody_wrote_for_this_check"))


if __name__ == "__main__":
    unittest.main()
