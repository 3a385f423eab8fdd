"""Shared checks for the front-end quality tests: the W3C Nu HTML checker and axe."""

import json
import os
import subprocess
from pathlib import Path

import pytest

VNU_JAR = os.environ.get("VNU_JAR") or str(
    Path(__file__).resolve().parents[1] / ".tools/node_modules/vnu-jar/build/dist/vnu.jar"
)
WCAG = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]


def html_errors(pages: dict[str, bytes], folder: Path) -> list[str]:
    """Validate rendered pages with one start of the Nu checker; its errors as lines."""
    if not os.path.exists(VNU_JAR):
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but the Nu HTML Checker is missing at {VNU_JAR}")
        pytest.skip("Nu HTML Checker not installed (npm install --prefix .tools vnu-jar)")
    for name, content in pages.items():
        (folder / f"{name}.html").write_bytes(content)
    result = subprocess.run(
        ["java", "-jar", VNU_JAR, "--format", "json", "--stdout", "--errors-only",
         "--skip-non-html", str(folder)],
        capture_output=True, text=True, timeout=180,
    )  # fmt: skip
    messages = json.loads(result.stdout or '{"messages": []}')["messages"]
    return [
        f"{Path(m.get('url', '')).name}:{m.get('lastLine')}: {m['message']}"
        for m in messages
        if m["type"] == "error"
    ]


def axe_violations(page) -> list[dict]:
    """Run axe-core's WCAG 2.2 A/AA rules on the page as it is now."""
    import axe_playwright_python

    page.evaluate((Path(axe_playwright_python.__file__).parent / "axe.min.js").read_text())
    result = page.evaluate(
        "(tags) => axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']})",
        WCAG,
    )
    return [
        {"id": v["id"], "help": v["help"], "targets": [n["target"] for n in v["nodes"]][:5]}
        for v in result["violations"]
    ]
