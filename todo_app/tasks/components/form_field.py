"""One labelled field (label, control, optional hint and error), so every form field on the
task page is tied to its label the same way: the label's ``html_for`` is the control's own
``id``, so the two cannot drift apart. Modelled on reflex-dev/templates'
``customer_data_app/.../components/form_field.py``.
"""

from __future__ import annotations

import reflex as rx

from todo_app.ui.fields import field_error

# Native inputs and selects (real date, time and list pickers), styled like Radix's fields.
NATIVE_INPUT = {
    "padding": "0.4rem 0.5rem",
    "border": "1px solid var(--gray-a7)",
    "border_radius": "var(--radius-2)",
    "background": "var(--color-surface)",
    "color": "var(--gray-12)",
    "min_height": "2rem",
    "width": "100%",
}


def labelled_field(
    label: str,
    control: rx.Component,
    *,
    hint: str = "",
    error: rx.Var[str] | None = None,
) -> rx.Component:
    """``label`` above ``control``, with ``hint`` and ``error`` below it when given.

    The control must have an ``id``: the label points at it, and the hint and error get
    ``<id>-hint`` and ``<id>-error``, which the control names in ``aria-describedby`` (and
    ``aria-invalid`` follows the error), so a screen reader reads them with the field.
    """
    control_id = control.id
    if not isinstance(control_id, str) or not control_id:
        raise ValueError(f"the control labelled {label!r} needs an id for its label to name")
    described: list[str] = []
    below: list[rx.Component] = []
    if hint:
        described.append(f"{control_id}-hint")
        below.append(rx.text(hint, id=f"{control_id}-hint", size="1", color=rx.color("gray", 11)))
    if error is not None:
        described.append(f"{control_id}-error")
        below.append(field_error(error, f"{control_id}-error"))
        control.custom_attrs["aria-invalid"] = rx.cond(error != "", "true", "false")
    if described:
        control.custom_attrs["aria-describedby"] = " ".join(described)
    return rx.vstack(
        rx.el.label(label, html_for=control_id, font_size="0.875rem", font_weight="500"),
        control,
        *below,
        spacing="1",
        width="100%",
    )
