"""The five built-in panel templates are data, complete and consistent."""

from __future__ import annotations

import pytest

from scrutiny_app.services.templates import BUILTIN_KEYS, builtin_specs


@pytest.mark.parametrize("key", BUILTIN_KEYS)
def test_builtin_template_is_complete(key: str) -> None:
    spec = builtin_specs()[key]
    assert spec["key"] == key and spec["name"] and spec["case_prefix"]
    codes = [o["code"] for o in spec["outcomes"]]
    assert len(codes) == len(set(codes)) >= 3
    assert sum(o["is_carry_over"] for o in spec["outcomes"]) == 1, "one outcome carries over"
    assert all(o["colour"].startswith("#") and len(o["colour"]) == 7 for o in spec["outcomes"])
    assert len(spec["questions"]) >= 5
    assert all(q["answers"] for q in spec["questions"])
    keys = [f["key"] for f in spec["fields"]]
    assert len(keys) == len(set(keys))


def test_oocd_uses_the_four_point_scale() -> None:
    labels = [o["label"] for o in builtin_specs()["oocd"]["outcomes"]]
    assert labels == [
        "Appropriate",
        "Appropriate with observations",
        "Inappropriate",
        "No consensus / more information needed",
    ]


def test_stop_search_asks_every_gowisely_element() -> None:
    questions = builtin_specs()["stop_search"]["questions"]
    gowisely = [q["key"][-1] for q in questions if q["group"] == "GOWISELY"]
    assert "".join(gowisely) == "gowisely"
    assert all(
        q["answers"] == ["yes", "no", "not observable"]
        for q in questions
        if q["group"] == "GOWISELY"
    )


def test_use_of_force_asks_plan() -> None:
    questions = builtin_specs()["use_of_force"]["questions"]
    assert [q["key"] for q in questions if q["group"] == "PLAN"] == [
        "plan_p",
        "plan_l",
        "plan_a",
        "plan_n",
    ]


def test_personal_fields_are_marked() -> None:
    fields = {f["key"]: f for f in builtin_specs()["oocd"]["fields"]}
    for key in ("subject_name", "date_of_birth", "address", "force_reference"):
        assert fields[key]["personal"] is True
    assert fields["offence"]["personal"] is False
