"""Form pieces shared by every page, so errors look and read the same everywhere."""

from __future__ import annotations

import reflex as rx


def field_error(message: rx.Var[str], error_id: str, *, announce: bool = False) -> rx.Component:
    """The message under a field, named by the field's ``aria-describedby``.

    ``announce`` adds role=alert, for fields whose error appears without focus moving to them
    (the sign-in forms move focus to the invalid field, which reads its description).
    """
    return rx.cond(
        message != "",
        rx.text(
            message,
            id=error_id,
            size="2",
            color_scheme="red",
            weight="medium",
            **({"role": "alert"} if announce else {}),
        ),
    )
