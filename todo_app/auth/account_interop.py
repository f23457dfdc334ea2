"""/account's "Download my data" and "Import" sections: the same services as
``GET /api/export`` and ``POST /api/import`` (``todo_app.interop``), through the page.

The file is read once on "Preview import" and kept server-side (never sent back to the
browser); the preview is the import rolled back, so what it counts is what "Import" writes.
"Import" runs in a worker thread and the handler yields its progress as it goes.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import reflex as rx

from todo_app.auth import service
from todo_app.auth.state import AuthState, signed_in
from todo_app.errors import InvalidAt, ServiceError
from todo_app.interop.export import export_account
from todo_app.interop.import_json import Report, import_document
from todo_app.interop.todoist_csv import import_todoist
from todo_app.ui.layout import titled_section
from todo_app.web.body_limit import IMPORT_MAX_BODY_BYTES

UPLOAD_ID = "import_file"


def _run(user_id: Any, text: str, csv: bool, dry_run: bool, progress: Any = None) -> Report:
    """Either format, into the one importer."""
    if csv:
        return import_todoist(user_id, text, dry_run=dry_run, progress=progress)
    return import_document(user_id, json.loads(text), dry_run=dry_run, progress=progress)


def _problems(exc: ServiceError) -> list[str]:
    if isinstance(exc, InvalidAt):
        return [" / ".join(map(str, loc)) + f": {msg}" for loc, msg in exc.problems]
    return [getattr(exc, "message", str(exc))]


class ImportState(AuthState):
    """The chosen file's preview and the import's progress."""

    _text: str = ""
    _csv: bool = False
    file_name: str = ""
    previewed: bool = False
    preview_lists: int = 0
    preview_tasks: int = 0

    @rx.var
    def preview_summary(self) -> str:
        """ "1 list, 6 tasks": what the file holds, in words."""

        def count(n: int, word: str) -> str:
            return f"{n} {word}{'' if n == 1 else 's'}"

        return f"{count(self.preview_lists, 'list')}, {count(self.preview_tasks, 'task')}"

    unread: list[str] = []
    problems: list[str] = []
    progress: int = 0  # percent
    importing: bool = False

    @rx.event
    @signed_in
    async def download(self, who: service.Authenticated) -> AsyncIterator[Any]:
        """The export as a file (a link to /api/export could not carry the Bearer token)."""
        document = await asyncio.to_thread(export_account, who.user.id)
        yield rx.download(
            data=json.dumps(document, ensure_ascii=False, indent=1),
            filename="todo-export.json",
            mime_type="application/json",
        )

    @rx.event
    @signed_in
    async def preview(
        self, who: service.Authenticated, files: list[rx.UploadFile]
    ) -> AsyncIterator[Any]:
        """Read the file (JSON export or Todoist CSV) and count what it would import."""
        self.previewed, self.problems, self.unread, self.progress = False, [], [], 0
        if not files:
            self.problems = ["Choose a file first"]
            return
        upload = files[0]
        raw = await upload.read(IMPORT_MAX_BODY_BYTES + 1)
        if len(raw) > IMPORT_MAX_BODY_BYTES:
            self.problems = [f"The file is over {IMPORT_MAX_BODY_BYTES // (1024 * 1024)} MB"]
            return
        try:
            self._text = raw.decode("utf-8")
            self._csv = not self._text.lstrip("\ufeff \r\n\t").startswith("{")
            report = await asyncio.to_thread(_run, who.user.id, self._text, self._csv, True)
        except (UnicodeDecodeError, ValueError):
            self.problems = ["The file is neither a Todo export (JSON) nor a Todoist CSV"]
            return
        except ServiceError as exc:
            self.problems = _problems(exc)
            return
        self.file_name = upload.name or ""
        self.preview_lists, self.preview_tasks = report.lists, report.tasks
        self.unread = [f"Line {u['line']}: {u['reason']}" for u in report.unread]
        self.previewed = True
        yield

    @rx.event
    @signed_in
    async def run_import(self, who: service.Authenticated) -> AsyncIterator[Any]:
        """The real import, its progress shown as it goes."""
        if not self.previewed or self.importing:
            return
        done = [0, 1]

        def progress(count: int, total: int) -> None:
            done[:] = [count, max(total, 1)]

        self.importing, self.progress = True, 0
        yield
        job = asyncio.ensure_future(
            asyncio.to_thread(_run, who.user.id, self._text, self._csv, False, progress)
        )
        while not job.done():
            await asyncio.sleep(0.2)
            self.progress = done[0] * 100 // done[1]
            yield
        self.importing = False
        try:
            report = job.result()
        except ServiceError as exc:
            self.problems = _problems(exc)
            return
        self.progress, self.previewed, self._text = 100, False, ""
        yield rx.toast.success(f"Imported {report.lists} lists and {report.tasks} tasks")


def download_section() -> rx.Component:
    return titled_section(
        "Your data",
        rx.text(
            "Everything you own, as one JSON file you can import again.",
            size="2",
            color_scheme="gray",
        ),
        rx.box(rx.button("Download my data", on_click=ImportState.download, variant="soft")),
    )


def import_section() -> rx.Component:
    return titled_section(
        "Import",
        rx.text(
            "A Todo export (JSON) or a Todoist CSV template, up to 10,000 tasks.",
            size="2",
            color_scheme="gray",
        ),
        # The label names the dropzone's file input (react-dropzone's input takes no props
        # of its own from Reflex), for screen readers and tests alike.
        rx.el.label(
            rx.upload(
                rx.text("Choose or drop a file"),
                id=UPLOAD_ID,
                accept={"application/json": [".json"], "text/csv": [".csv"]},
                max_files=1,
                border="1px dashed var(--gray-7)",
                padding="1em",
                width="100%",
            ),
            width="100%",
            display="block",
        ),
        rx.hstack(rx.foreach(rx.selected_files(UPLOAD_ID), rx.text)),
        rx.box(
            rx.button(
                "Preview import",
                on_click=ImportState.preview(rx.upload_files(upload_id=UPLOAD_ID)),
                variant="soft",
            )
        ),
        rx.cond(
            ImportState.previewed,
            rx.vstack(
                rx.text(ImportState.preview_summary, role="status"),
                rx.foreach(ImportState.unread, lambda u: rx.text(u, color_scheme="amber")),
                rx.button("Import", on_click=ImportState.run_import, loading=ImportState.importing),
            ),
        ),
        rx.cond(
            ImportState.importing | (ImportState.progress > 0),
            rx.progress(value=ImportState.progress, max=100, aria_label="Import progress"),
        ),
        rx.foreach(ImportState.problems, lambda p: rx.text(p, color_scheme="red", role="alert")),
    )


def interop_sections() -> rx.Component:
    """Both sections, for ``account_page`` (one line there)."""
    return rx.fragment(download_section(), import_section())
