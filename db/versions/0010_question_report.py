"""questions say how the report tallies them (findings by criterion)

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-05 (release 0.4.0)

Adds ``review_questions.report`` and fills it for the built-in templates' copies already in
the database, as the templates of this release describe them (a custom template keeps {}:
each question reported under its own text).
"""

import json
from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BUILTIN = {
    "complaints": {
        "timely": {
            "label": "Handled in a timely way",
            "phrase": "{was} handled in a timely way",
            "summary": True,
        },
        "updates": {
            "label": "Appropriate progress updates to the complainant",
            "phrase": "{had} appropriate progress updates to the complainant",
            "summary": True,
        },
        "correct_outcome": {
            "label": "Correct final outcome",
            "phrase": "{had} the correct outcome",
            "summary": True,
        },
        "letter_clear": {"label": "Outcome letter clear, right of review explained"},
        "learning_identified": {"label": "Learning identified and acted on"},
    },
    "stop_search": {
        "grounds": {
            "label": "Grounds for the search",
            "positive": "reasonable",
            "phrase": "{was} found to have reasonable grounds",
            "summary": True,
        },
        "gowisely_g": {"label": "G: grounds explained"},
        "gowisely_o": {"label": "O: object of the search explained"},
        "gowisely_w": {"label": "W: warrant card shown (not in uniform)"},
        "gowisely_i": {"label": "I: identity of the officer given"},
        "gowisely_s": {"label": "S: station given"},
        "gowisely_e": {"label": "E: entitlement to the search record explained"},
        "gowisely_l": {"label": "L: legal power explained"},
        "gowisely_y": {"label": "Y: 'you are detained for a search' said"},
        "bwv_available": {
            "label": "Body-worn video available",
            "phrase": "{had} body-worn video available",
            "summary": True,
        },
        "bwv_early": {"label": "Body-worn video on early enough"},
        "courtesy": {"label": "Treated with courtesy and respect"},
    },
    "use_of_force": {
        "plan_p": {
            "label": "P: proportionate",
            "phrase": "{was} found proportionate",
            "summary": True,
        },
        "plan_l": {"label": "L: lawful", "phrase": "{was} found lawful", "summary": True},
        "plan_a": {"label": "A: accountable"},
        "plan_n": {"label": "N: necessary", "phrase": "{was} found necessary", "summary": True},
        "deescalation": {"label": "De-escalation and communication tried first"},
        "bwv_available": {"label": "Body-worn video available"},
        "bwv_early": {"label": "Body-worn video on early enough"},
        "aftercare": {"label": "Aftercare or first aid given where needed"},
        "recorded_accurately": {"label": "Use of force form matches the footage"},
    },
    "oocd": {
        "evidential_test": {"label": "Evidential test met"},
        "gravity_appropriate": {"label": "Disposal right for the gravity score and history"},
        "victim_consulted": {"label": "Victim consulted, views recorded"},
        "victim_views_considered": {"label": "Victim's views taken into account"},
        "conditions_appropriate": {"label": "Conditions appropriate and achievable"},
        "conditions_complied": {"label": "Conditions complied with (or acted on)"},
        "policy_followed": {"label": "National and local policy followed"},
    },
    "hate_crime": {
        "flag_correct": {"label": "Hate flag correct"},
        "victim_details": {"label": "Victim's details and perception recorded"},
        "risk_assessed": {"label": "Risk assessed"},
        "victim_informed": {"label": "Victim kept informed"},
        "referred_support": {"label": "Victim referred to support"},
        "outcome_appropriate": {"label": "Outcome appropriate"},
    },
}


def upgrade() -> None:
    with op.batch_alter_table("review_questions") as batch_op:
        batch_op.add_column(sa.Column("report", sa.JSON(), server_default="{}", nullable=False))
    conn = op.get_bind()
    rows = conn.execute(
        sa.text(
            "select q.id, q.key, t.key from review_questions q "
            "join panel_templates t on t.id = q.template_id where t.builtin"
        )
    ).all()
    for question_id, key, template in rows:
        report = BUILTIN.get(template, {}).get(key)
        if report:
            conn.execute(
                sa.text("update review_questions set report = :report where id = :id"),
                {"report": json.dumps(report), "id": question_id},
            )


def downgrade() -> None:
    with op.batch_alter_table("review_questions") as batch_op:
        batch_op.drop_column("report")
