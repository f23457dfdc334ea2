"""The details dialog's one labelled-field helper: a label names its control by the control's
own id, and a hint or error is read with the field (``aria-describedby``)."""

from __future__ import annotations

import pytest
import reflex as rx

from todo_app.tasks.components.form_field import labelled_field


def _props(component: rx.Component) -> dict[str, str]:
    rendered = component.render()
    return dict(p.split(":", 1) for p in rendered["props"] if ":" in p)


def test_the_label_names_the_control_by_its_id() -> None:
    field = labelled_field("Due date", rx.el.input(type="date", id="due"))
    label, control = field.children[0], field.children[1]
    assert _props(label)["htmlFor"] == '"due"'
    assert "aria-describedby" not in control.custom_attrs


def test_a_hint_and_an_error_are_read_with_the_field() -> None:
    error = rx.Var.create("")
    control = rx.el.input(id="tags")
    field = labelled_field("Tags", control, hint="Separate tags with spaces.", error=error)
    assert control.custom_attrs["aria-describedby"] == "tags-hint tags-error"
    assert "aria-invalid" in control.custom_attrs
    hint = field.children[2]
    assert _props(hint)["id"] == '"tags-hint"'


def test_a_control_without_an_id_is_refused() -> None:
    with pytest.raises(ValueError, match="needs an id"):
        labelled_field("Title", rx.el.input(name="title"))
