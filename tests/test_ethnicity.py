"""The mapping of recorded ethnicity to the five broad groups (docs/ETHNICITY.md)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import STOP_SEARCH_FILES

from scrutiny_app.domain.ethnicity import (
    BROAD_GROUPS,
    NOT_STATED,
    SELF_DEFINED_18_PLUS_1,
    broad_group,
)


@pytest.mark.parametrize(
    "label, group",
    [
        ("White - English/Welsh/Scottish/Northern Irish/British", "White"),
        ("White - White British (W1)", "White"),
        ("White - Gypsy or Irish Traveller", "White"),
        ("Asian/Asian British - Chinese", "Asian"),
        ("Chinese or other ethnic group - Chinese (O1)", "Asian"),
        ("Chinese or other ethnic group - Any other ethnic group (O9)", "Other"),
        ("Black or Black British - Caribbean (B1)", "Black"),
        ("Mixed - White and Asian (M3)", "Mixed"),
        ("Other ethnic group - Arab", "Other"),
        ("Other ethnic group - Not stated", NOT_STATED),
        ("Not Stated (NS)", NOT_STATED),
        ("", ""),
        ("Martian", ""),
    ],
)
def test_broad_group(label: str, group: str) -> None:
    assert broad_group(label) == group


def test_every_18_plus_1_category_has_a_group() -> None:
    groups = {broad_group(label) for label in SELF_DEFINED_18_PLUS_1}
    assert groups == {*BROAD_GROUPS, NOT_STATED}


def test_every_value_in_the_real_files_maps() -> None:
    values = set()
    for path in STOP_SEARCH_FILES:
        values |= set(pd.read_csv(path, dtype=str, keep_default_na=False)["Self-defined ethnicity"])
    unmapped = sorted(v for v in values if v and not broad_group(v))
    assert unmapped == []
