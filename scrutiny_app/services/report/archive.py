"""A report document as JSON and back: what a meeting keeps of its published report once its
case-level data is removed under the retention policy (``services.retention``). No Qt."""

from __future__ import annotations

import dataclasses
from typing import Any

from scrutiny_app.services.report import model

_CLASSES = {
    cls.__name__: cls
    for cls in (
        model.Run, model.Para, model.Bullets, model.Subheading, model.Cell, model.Column,
        model.Table, model.KeyValues, model.Callout, model.BarChart, model.Section,
        model.Cover, model.ReportDocument,
    )
}  # fmt: skip
FORMAT = 1


def _encode(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        out = {"_t": type(value).__name__}
        for f in dataclasses.fields(value):
            out[f.name] = _encode(getattr(value, f.name))
        return out
    if isinstance(value, tuple | list):
        return [_encode(v) for v in value]
    return value


def _decode(value: Any) -> Any:
    if isinstance(value, dict):
        cls = _CLASSES[value["_t"]]
        return cls(**{k: _decode(v) for k, v in value.items() if k != "_t"})
    if isinstance(value, list):
        return tuple(_decode(v) for v in value)  # every sequence of the model is a tuple
    return value


def to_json(document: model.ReportDocument) -> dict[str, Any]:
    return {"format": FORMAT, "document": _encode(document)}


def from_json(data: dict[str, Any]) -> model.ReportDocument:
    if data.get("format") != FORMAT:
        raise ValueError(f"unknown archived report format {data.get('format')!r}")
    document = _decode(data["document"])
    assert isinstance(document, model.ReportDocument)
    return document
