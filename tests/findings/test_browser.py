# SPDX-License-Identifier: EUPL-1.2
"""Browser tests: keyboard review in a real Chromium, decisions kept across re-runs, turning a
text selection into exact offsets, and axe-core on the review page and the findings list."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from django.core.management import call_command

from staat.core.demo import load_organisations
from staat.findings import services
from staat.findings.models import Finding, FindingDecision, Origin, Status
from tests.conftest import axe_violations
from tests.factories import PASSWORD, UserFactory
from tests.findings.conftest import ingest_demo

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _patient_navigation(page):
    page.set_default_navigation_timeout(60_000)
    page.set_default_timeout(30_000)


@pytest.fixture
def reviewer(db):
    return UserFactory(username="beoordelaar", researcher=True)


@pytest.fixture
def extracted_source(db, settings):
    settings.REVIEW_THRESHOLD = 1.01  # everything goes to the queue
    settings.EXTRACT_AFTER_INGEST = "sync"
    load_organisations()
    # ingest commits at once here (transactional test): extraction runs automatically after it
    source = ingest_demo("2025-lvu-stand", published=True)
    assert Finding.objects.filter(source=source).count() >= 3, "extracted after the upload"
    services.refresh_review_flags()
    return source


def login(page, live_server, user) -> None:
    page.goto(f"{live_server.url}/inloggen/")
    page.fill("#id_username", user.username)
    page.fill("#id_password", PASSWORD)
    page.click("main button[type=submit]")
    page.wait_for_url(lambda url: "/inloggen/" not in url)


def screenshot(page, name: str) -> None:
    folder = os.environ.get("STAAT_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def assert_accessible(page, label: str) -> None:
    violations = axe_violations(page)
    summary = [f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes'][:3]]}"
               for v in violations]
    assert not violations, f"{label}: " + "; ".join(summary)


def test_keyboard_review_and_decisions_survive_a_rerun(page, live_server, reviewer,
                                                        extracted_source):
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/bevindingen/beoordelen/")
    cards = page.locator(".staat-review-card")
    assert cards.count() >= 3
    first, second, third = (int(cards.nth(i).get_attribute("data-finding")) for i in range(3))
    assert_accessible(page, "review queue")
    page.wait_for_function("document.querySelector('.staat-review-card.is-current') !== null")

    # c: confirm the current (first) card; focus moves on to the next
    page.keyboard.press("c")
    page.locator(f"#finding-{first}[data-status='confirmed']").wait_for()
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'finding-{second}'")

    # e: edit the second card, change its kind, Enter in the reason field saves
    old_kind = Finding.objects.get(pk=second).kind
    new_kind = "dilemma" if old_kind != "dilemma" else "oproep"
    page.keyboard.press("e")
    kind_select = page.locator(f"#finding-{second} details[data-action='edit'] select[name=kind]")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'kind'")
    kind_select.select_option(new_kind)
    reason = page.locator(f"#finding-{second} details[data-action='edit'] input[name=reason]")
    reason.fill("eerder een dilemma")
    reason.press("Enter")
    page.locator(f"#finding-{second}[data-status='edited']").wait_for()
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'finding-{third}'")

    # j/k move; r: reject the third with a reason
    page.keyboard.press("k")
    page.wait_for_function(
        f"document.activeElement && document.activeElement.id === 'finding-{second}'")
    page.keyboard.press("j")
    page.keyboard.press("r")
    page.wait_for_function("document.activeElement && document.activeElement.name === 'reason'")
    page.keyboard.type("inleidende zin, geen knelpunt")
    page.keyboard.press("Enter")
    page.locator(f"#finding-{third}[data-status='rejected']").wait_for()
    screenshot(page, "findings-review")

    def decided():
        out = {}
        for pk in (first, second, third):
            f = Finding.objects.get(pk=pk)
            out[pk] = (f.status, f.kind, f.char_start, f.char_end,
                       tuple(f.decisions.values_list("action", "reason")))
        return out

    before = decided()
    assert before[first][0] == Status.CONFIRMED
    assert before[second][:2] == (Status.EDITED, new_kind)
    assert before[third][0] == Status.REJECTED
    assert before[third][4] == (("reject", "inleidende zin, geen knelpunt"),)
    assert FindingDecision.objects.get(finding_id=second).by.username == "beoordelaar"

    # run the extractor again: with force (same version) and through the command
    run = services.run_extraction(force=True)
    assert run.sources_done == 1 and run.findings_linked >= 3
    call_command("extract", "--force")
    assert decided() == before
    assert not Finding.objects.filter(status=Status.SUGGESTED, char_start=before[third][2],
                                      char_end=before[third][3]).exists()
    # and the page shows them as decided after a reload
    page.goto(f"{live_server.url}/bevindingen/{third}/")
    assert page.locator(f"#finding-{third}").get_attribute("data-status") == "rejected"
    assert "inleidende zin" in page.content()

    page.goto(f"{live_server.url}/bevindingen/")
    screenshot(page, "findings-list")
    assert_accessible(page, "findings list")
    page.goto(f"{live_server.url}/bevindingen/{second}/")
    assert_accessible(page, "finding detail")


SELECT_JS = """([start, end]) => {
  // select Source.text[start:end] in the passage view by walking the text nodes
  const passages = [...document.querySelectorAll('#passages [data-char-start]')];
  function point(offset) {
    const p = passages.filter(p => +p.dataset.charStart <= offset).pop();
    let rest = offset - +p.dataset.charStart;
    const walker = document.createTreeWalker(p, NodeFilter.SHOW_TEXT);
    let node;
    while ((node = walker.nextNode())) {
      if (rest <= node.length) return [node, rest];
      rest -= node.length;
    }
    throw new Error('offset outside passage ' + offset);
  }
  const [n1, o1] = point(start), [n2, o2] = point(end);
  const range = document.createRange();
  range.setStart(n1, o1); range.setEnd(n2, o2);
  const sel = window.getSelection(); sel.removeAllRanges(); sel.addRange(range);
  n1.parentElement.dispatchEvent(new MouseEvent('mouseup', {bubbles: true}));
  return range.toString();
}"""


def test_selection_becomes_exact_offsets_and_a_new_finding(page, live_server, reviewer,
                                                           extracted_source):
    source = extracted_source
    # a span from the middle of a marked finding into the next sentence crosses <mark>s
    f = Finding.objects.filter(source=source).order_by("char_start").first()
    start = f.char_start + 3
    nxt = source.sentences.filter(char_start__gte=f.char_end).order_by("index").first()
    end = nxt.char_end if nxt and nxt.passage_id == f.passage_id else f.char_end - 1
    login(page, live_server, reviewer)
    page.goto(f"{live_server.url}/bevindingen/bron/{source.pk}/")
    selected = page.evaluate(SELECT_JS, [start, end])
    assert selected == source.text[start:end]
    assert page.input_value("#id_char_start") == str(start)
    assert page.input_value("#id_char_end") == str(end)

    # a whole sentence without a finding, added through the form
    spans = list(source.findings.values_list("char_start", "char_end"))
    sentence = next(s for s in source.sentences.order_by("index")[3:]
                    if all(e <= s.char_start or b >= s.char_end for b, e in spans))
    page.evaluate(SELECT_JS, [sentence.char_start, sentence.char_end])
    screenshot(page, "findings-source")
    page.select_option("#id_kind", "oproep")
    page.fill("#id_reason", "gemist door de machine")
    page.click("#create-form button[type=submit]")
    page.wait_for_url(lambda url: "#finding-" in url)
    made = Finding.objects.get(origin=Origin.PERSON)
    expected_start, expected_end = services.trim_span(source.text, sentence.char_start,
                                                      sentence.char_end)
    assert (made.char_start, made.char_end) == (expected_start, expected_end)
    assert made.text == source.text[expected_start:expected_end]
    assert made.kind == "oproep" and made.decisions.get().reason == "gemist door de machine"
