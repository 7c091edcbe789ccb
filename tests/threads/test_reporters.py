# SPDX-License-Identifier: EUPL-1.2
"""Which organisations a finding counts for in thread figures and trends."""

import pytest

from staat.threads.services import reporting_organisations


@pytest.mark.parametrize("kind, listed, expected", [
    ("stand", ["fic-lvu"], ("fic-lvu",)),
    ("knelpuntenbrief", ["fic-din", "fic-lcji"], ("fic-din", "fic-lcji")),
    ("sessieverslag", ["fic-lvu", "fic-rid", "fic-cbz"], ()),
    ("onderzoek", ["fic-lvu", "fic-uisf"], ()),
    ("advies", ["fic-rid"], ("fic-rid",)),
    ("onderzoek", [], ()),
])
def test_only_own_voices_count_for_every_listed_organisation(kind, listed, expected):
    assert reporting_organisations(kind, listed) == expected
