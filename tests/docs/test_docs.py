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


if __name__ == "__main__":
    unittest.main()
