# SPDX-License-Identifier: EUPL-1.2
"""Several coders: blind coding, agreement (checked against the krippendorff package), settling."""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from staat.findings import agreement as ag
from staat.findings import codebook as cb
from staat.findings import coding
from staat.findings.models import Coding, Finding, Origin, Status

KINDS = ["none", "knelpunt", "lichtpunt", "oproep", "dilemma"]


def reference_alpha(matrix) -> float:
    domain = sorted({v for row in matrix for v in row}, key=str)
    data = np.array([[domain.index(v) for v in row] for row in matrix], dtype=float)
    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal"))


def test_alpha_matches_the_krippendorff_package():
    rng = np.random.default_rng(7)
    for _ in range(20):
        truth = rng.choice(KINDS, size=40)
        rows = []
        for _coder in range(3):
            row = [t if rng.random() < 0.8 else rng.choice(KINDS) for t in truth]
            rows.append(row)
        assert ag.alpha(rows) == pytest.approx(reference_alpha(rows), abs=1e-9)


def test_sentence_unitising_and_per_theme_alpha():
    units = [ag.Unit(i, i * 10, i * 10 + 10) for i in range(6)]
    spans = [
        # coder a: sentences 0-1 one knelpunt (one span over two sentences), 3 a lichtpunt
        ag.Span("a", 0, 20, "knelpunt", ("ict",)), ag.Span("a", 30, 40, "lichtpunt", ()),
        # coder b: 0 knelpunt, 1 nothing, 3 lichtpunt with a theme, 5 an oproep
        ag.Span("b", 0, 10, "knelpunt", ("ict",)), ag.Span("b", 31, 39, "lichtpunt", ("ict",)),
        ag.Span("b", 50, 60, "oproep", ()),
    ]
    report = ag.compare(units, spans, ["a", "b"])
    assert report.matrix_kind == [
        ["knelpunt", "knelpunt", "none", "lichtpunt", "none", "none"],
        ["knelpunt", "none", "none", "lichtpunt", "none", "oproep"],
    ]
    assert report.kind_alpha == pytest.approx(reference_alpha(report.matrix_kind))
    ict = [[int("ict" in v) for v in row] for row in report.matrix_themes]
    assert report.per_theme["ict"] == pytest.approx(reference_alpha(ict))
    assert [d["unit"] for d in report.disagreements] == [1, 3, 5]


def test_no_variation_gives_no_alpha():
    units = [ag.Unit(i, i * 10, i * 10 + 10) for i in range(3)]
    report = ag.compare(units, [], ["a", "b"])
    assert report.kind_alpha is None


@pytest.mark.django_db
def test_blind_coding_comparison_and_settling(one_source, researcher, researcher2):
    session = coding.create_session(one_source, coders=[researcher, researcher2], user=researcher)
    sentences = list(one_source.sentences.order_by("index"))[5:9]
    theme = cb.active_themes().get(code="ict")
    mine = coding.add_coding(session, coder=researcher, char_start=sentences[0].char_start,
                             char_end=sentences[0].char_end, kind="knelpunt", themes=[theme])
    theirs = coding.add_coding(session, coder=researcher2, char_start=sentences[0].char_start,
                               char_end=sentences[0].char_end, kind="dilemma")
    coding.add_coding(session, coder=researcher2, char_start=sentences[2].char_start,
                      char_end=sentences[2].char_end, kind="oproep")
    # blind: each sees only their own
    assert list(coding.visible_codings(session, researcher)) == [mine]
    with pytest.raises(coding.CodingError):
        coding.comparison(session)
    coding.mark_done(session, user=researcher)
    assert not session.all_done
    coding.mark_done(session, user=researcher2)
    assert session.all_done
    assert len(coding.visible_codings(session, researcher)) == 3
    with pytest.raises(coding.CodingError):  # done is done
        coding.add_coding(session, coder=researcher, char_start=0, char_end=5, kind="knelpunt")

    report = coding.comparison(session)
    assert report.coders == ["onderzoeker", "onderzoeker2"]
    assert report.units == one_source.sentences.count()
    assert report.kind_alpha == pytest.approx(reference_alpha(report.matrix_kind))
    assert len(report.disagreements) == 2

    finding = coding.settle(session, user=researcher, codings=[mine, theirs], kind="knelpunt",
                            reason="knelpunt, met ict")
    assert finding.origin == Origin.PERSON and finding.status == Status.CONFIRMED
    assert finding.kind == "knelpunt"
    assert list(finding.finding_themes.values_list("theme__code", flat=True)) == ["ict"]
    assert Coding.objects.filter(session=session).count() == 3  # both codings kept
    assert set(Coding.objects.filter(settled_into=finding)) == {mine, theirs}
    assert "coding session" in finding.decisions.get().reason


@pytest.mark.django_db
def test_compare_page(client, one_source, researcher, researcher2):
    session = coding.create_session(one_source, coders=[researcher, researcher2], user=researcher)
    s = one_source.sentences.order_by("index")[3]
    client.force_login(researcher)
    response = client.post(f"/bevindingen/coderen/{session.pk}/", {
        "action": "code", "kind": "knelpunt", "char_start": s.char_start, "char_end": s.char_end,
    })
    assert response.status_code == 302 and Coding.objects.count() == 1
    assert client.get(f"/bevindingen/coderen/{session.pk}/vergelijken/").status_code == 302
    client.post(f"/bevindingen/coderen/{session.pk}/", {"action": "done"})
    client.force_login(researcher2)
    page = client.get(f"/bevindingen/coderen/{session.pk}/").content.decode()
    assert "knelpunt" not in page.split("codings-heading")[1].split("</section>")[0]  # blind
    client.post(f"/bevindingen/coderen/{session.pk}/", {"action": "done"})
    response = client.get(f"/bevindingen/coderen/{session.pk}/vergelijken/")
    assert response.status_code == 200
    data = client.get(f"/bevindingen/coderen/{session.pk}/vergelijken/?format=json").json()
    assert len(data["disagreements"]) == 1
    coding_pk = Coding.objects.get().pk
    response = client.post(f"/bevindingen/coderen/{session.pk}/beslechten/", {"coding": [coding_pk]})
    assert response.status_code == 302
    assert Finding.objects.get().text == one_source.text[s.char_start:s.char_end].strip()
