"""The web page in a real browser: Chromium (Debian's package, driven by Playwright's Python API) against a real
server on 127.0.0.1. Skipped, saying why, where Chromium or Playwright is missing; ``scripts/test.sh`` installs both.

With FORENSICS_SCREENSHOTS=DIR the test leaves its two screenshots there (the README's come from this test)."""

from __future__ import annotations

import os
import re
import shutil
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import pytest

from forensics.report.signing import keygen
from forensics.report.verify import verify_report
from forensics.server.accounts import Role, ServerRecords
from forensics.server.jobs import ReportSigning
from tests.server.conftest import running_server

pytestmark = pytest.mark.slow
sync_api = pytest.importorskip("playwright.sync_api", reason="Playwright is not installed (pip install -e '.[test]')")
CHROMIUM = os.environ.get("FORENSICS_CHROMIUM") or shutil.which("chromium") or shutil.which("chromium-browser")
if not CHROMIUM:
    pytest.skip("Chromium is not installed (apt-get install chromium, or run scripts/test.sh): browser tests skipped",
                allow_module_level=True)

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "portrait.jpg"
PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def browser():
    with sync_api.sync_playwright() as playwright:
        # Root in a container: no sandbox; a small /dev/shm there would make Chromium's pages crash.
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox", "--disable-dev-shm-usage"])
        yield chromium
        chromium.close()


def sign_in(browser, server, name: str):
    context = browser.new_context(viewport={"width": 1280, "height": 900}, accept_downloads=True)
    page = context.new_page()
    page.goto(server.url + "/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(server.url + "/cases")
    return page


def test_an_examiner_analyses_reviews_reports_and_a_reader_sees_only_what_is_shared(browser, server_config, tmp_path):
    shots = Path(os.environ.get("FORENSICS_SCREENSHOTS") or tmp_path)
    key, cert, _ = keygen(tmp_path / "keys", "Web Examiner", "Test Lab")
    records = ServerRecords(server_config.data)
    records.add_user("alice", Role.EXAMINER, PASSWORD)
    records.add_user("bob", Role.READER, PASSWORD)
    with running_server(replace(server_config, signing=ReportSigning(str(key), str(cert)))) as server:
        page = sign_in(browser, server, "alice")
        page.fill("input[name=case_number]", "2026-0042")
        page.fill("input[name=agency]", "Example Lab")
        page.click("button:has-text('Open the case')")
        page.wait_for_selector("h1:has-text('Case 2026-0042')")
        case_url = page.url

        page.set_input_files("[data-file-input]", str(EXAMPLE))  # the picker; dropping a file sends it the same way
        page.wait_for_selector("#conclusions", timeout=180_000)  # the progress page reloads itself when done
        conclusions = page.locator(".conclusion h2").all_inner_texts()
        assert [c.split(":")[0] for c in conclusions] == ["Processing", "Content"]
        assert all(re.search(r": (none|weak|moderate|strong)$", c) for c in conclusions)

        viewer = page.locator("#viewer")
        layers = viewer.locator("[data-layer] option").all_inner_texts()
        assert layers[0].startswith("none") and any(t.startswith("Error level analysis") for t in layers[1:])
        slider = viewer.locator("[data-opacity]")
        slider.fill("25")
        assert viewer.locator("[data-map]").evaluate("map => getComputedStyle(map).opacity") == "0.25"
        viewer.locator("[data-zoom='1.5']").click()
        assert "scale(1.5)" in viewer.locator(".overlay-stage").evaluate("stage => stage.style.transform")
        viewer.locator("[data-zoom='0']").click()
        page.wait_for_function("() => [...document.querySelectorAll('#viewer img')].every(i => i.complete && i.naturalWidth)")
        # The map's picture part lies exactly over the picture (its colour scale falls outside).
        picture = viewer.locator(".overlay-picture").bounding_box()
        clip = viewer.locator("[data-map]").bounding_box()
        scale = float(page.locator("[data-layer] option:checked").get_attribute("data-scale"))
        map_width = viewer.locator("[data-map] img").bounding_box()["width"]
        assert abs(picture["width"] - clip["width"]) < 1 and abs(picture["height"] - clip["height"]) < 1
        assert scale > 1 and abs(map_width / scale - picture["width"]) < 1.5
        # A finding's own map (its details opened, as a reader does) laid over the picture from below.
        page.locator("details:has([data-show-layer])").last.evaluate("details => { details.open = true; }")
        page.locator("[data-show-layer]").last.click()
        assert viewer.locator("[data-layer]").evaluate("select => select.selectedIndex") == len(layers) - 1
        slider.fill("60")
        page.evaluate("() => window.scrollTo(0, 0)")
        page.screenshot(path=str(shots / "web-exhibit.png"))

        finding = page.locator("details.finding[open]").first
        finding.locator("select[name=status]").select_option("accepted")
        finding.locator("textarea[name=comment]").fill("Checked against the camera's other pictures.")
        finding.locator("button:has-text('Record the review')").click()
        page.wait_for_selector("text=is recorded in the custody log")
        assert "accepted" in page.locator("details.finding .review").first.inner_text()

        page.goto(case_url)
        page.click("button:has-text('Render the report')")
        page.wait_for_selector("text=signed with the server's key", timeout=120_000)
        with page.expect_download() as download:
            page.click("a[href$='report.pdf']")
        pdf = Path(download.value.path()).read_bytes()
        with ThreadPoolExecutor(1) as thread:  # pyHanko runs its own event loop; Playwright's holds this thread's
            checks = thread.submit(verify_report, pdf, require_signature=True).result()
        assert all(check.ok is not False for check in checks), checks

        page.goto(server.url + "/verify")
        page.set_input_files("input[name=report]", {"name": "report.pdf", "mimeType": "application/pdf", "buffer": pdf})
        page.click("button:has-text('Verify')")
        page.wait_for_selector("#checks")
        assert page.locator("h2").inner_text().endswith("VERIFIED") and "NOT" not in page.locator("h2").inner_text()
        page.screenshot(path=str(shots / "web-verify.png"), full_page=True)

        # A form sent without its CSRF token (as another site would send it) is refused.
        forged = page.request.post(case_url + "/report", form={"nothing": "here"})
        assert forged.status == 403

        reader = sign_in(browser, server, "bob")
        assert "2026-0042" not in reader.content()
        for path in ("", "/custody", "/exhibits/E001", "/exhibits/E001/preview.jpg", "/report.pdf", "/results.json"):
            assert reader.goto(case_url + path).status in (403, 404)
        assert reader.request.post(server.url + "/cases", form={"case_number": "B-1"}).status == 403
