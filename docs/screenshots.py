"""Make the README's screenshots of `kg viz`: the default view of the sample corpus, and a focused view.

    python docs/screenshots.py [--store kg-store.jsonl.gz] [--focus DeepSpeed]

Builds the sample store first if there is none. Needs playwright and Debian's
chromium (`.ci/setup-system` installs both), like the browser tests. Writes
docs/viewer.png and docs/viewer-focus.png; the page is the one `kg viz` writes,
opened offline, with every request that is not the page itself refused.
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import kg
from kg.viz import ViewOptions

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = os.environ.get("KG_CHROMIUM", "/usr/bin/chromium")
VIEWPORT = {"width": 1400, "height": 900}


def shoot(page_file: Path, focus: str, default_png: Path, focus_png: Path) -> None:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p, tempfile.TemporaryDirectory() as profile:
        context = p.chromium.launch_persistent_context(
            profile, executable_path=CHROMIUM, headless=True, offline=True, viewport=VIEWPORT, args=["--no-sandbox"]
        )
        page = context.new_page()
        page.route("**/*", lambda r: r.continue_() if r.request.url.startswith("file://") else r.abort())
        page.goto(page_file.resolve().as_uri())
        page.wait_for_function("() => window.kgViz && window.kgViz.stabilized && window.kgViz.viewerReady")
        page.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")
        page.screenshot(path=str(default_png))
        # focus as a user would: type in the search box and take the first suggestion
        page.fill("#kg-search", focus)
        page.wait_for_selector("#kg-hits .kg-hit[data-node]")
        page.keyboard.press("Enter")
        page.wait_for_function("() => document.getElementById('kg-details').getAttribute('data-node')")
        page.wait_for_timeout(600)  # the camera's move to the node
        page.screenshot(path=str(focus_png))
        context.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--store", default=str(ROOT / "kg-store.jsonl.gz"))
    parser.add_argument("--focus", default="DeepSpeed")
    args = parser.parse_args()
    store = Path(args.store)
    if not store.exists():
        kg.build([ROOT / "data" / "seeds"], store=store)
    with tempfile.TemporaryDirectory() as tmp:
        page_file = Path(tmp) / "graph.html"
        with kg.open_store(store) as s:
            print(s.view(page_file, ViewOptions()).summary())
        shoot(page_file, args.focus, ROOT / "docs" / "viewer.png", ROOT / "docs" / "viewer-focus.png")
    print("wrote docs/viewer.png and docs/viewer-focus.png")


if __name__ == "__main__":
    main()
