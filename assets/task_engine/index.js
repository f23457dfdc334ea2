/**
 * The task change engine in the page: React and Reflex glue around ./engine.js.
 *
 * - ``TaskEngine`` is rendered once on the task page (todo_app/tasks/engine.py). It hands the
 *   Reflex state's confirmed rows and changes (this page's own, and ``remote``: everyone
 *   else's, sent straight to the socket by todo_app/tasks/live.py) to the engine, tells it whether the socket is
 *   up, sends its batches through the ``onSend`` event trigger (TaskState.send), and shows
 *   the one status line ("Saving…", "Offline — N changes waiting"), announced politely.
 * - ``useTaskView()`` is what every part of the list renders from: the overlay of confirmed
 *   rows and unconfirmed mutations, so a click repaints in the same frame.
 * - ``engine`` is called by the page's controls (checkbox, delete, edit, ...).
 * - ``SortableTasks``, ``SortableRow``, ``DragHandle`` (dnd.js): dragging a row by its handle.
 */
import { createElement, useContext, useEffect, useLayoutEffect, useState } from "react";
import { useSyncExternalStore } from "react";
import { useSearchParams } from "react-router";
import { toast } from "sonner";
import { addEvents } from "$/utils/context";
import { EventLoopContext } from "$/utils/context-registry";
import { Engine } from "./engine.js";
import { UNDO_MS, signOutQuestion, statusText } from "./interactions.js";
import { browserTimeZone } from "./views.js";

// Drag and drop (dnd-kit): the list's wrapper, its rows and their "Move <title>" handles.
export { DragHandle, SortableRow, SortableTasks } from "./dnd.js";

const SLOW_MS = 600; // "Saving…" shows only for a change that takes longer than this
const FILTERS = new Set(["all", "active", "completed"]);

let sendTrigger = () => {};
let resyncTrigger = () => {};
let previewTrigger = () => {};
let previewTimer = null;
const PREVIEW_MS = 120; // quick add is parsed on the server once typing pauses this long

export const engine = new Engine({
  storage: typeof window === "undefined" ? null : window.localStorage,
  send: (uid, batch) => sendTrigger(uid, batch),
  resync: () => resyncTrigger(),
  preview: (text) => {
    window.clearTimeout(previewTimer);
    previewTimer = window.setTimeout(() => previewTrigger(text), PREVIEW_MS);
  },
  notify: (message, action, kind = "info") => {
    const options = { duration: UNDO_MS };
    if (action) options.action = action;
    (toast[kind] ?? toast)(message, options);
  },
  newId: () => crypto.randomUUID(),
  now: () => new Date().toISOString(),
  titleMax: 200,
  titleTooLong: "Title must be at most 200 characters (this one has {n})",
  titleEmpty: "Enter a title",
});

if (typeof window !== "undefined") window.todoTaskEngine = engine; // for the browser tests

export function useTaskView() {
  return useSyncExternalStore(engine.subscribe, engine.getSnapshot, engine.getSnapshot);
}

function typingInAField(target) {
  const tag = target?.tagName;
  return tag === "INPUT" || tag === "TEXTAREA" || tag === "SELECT" || target?.isContentEditable;
}

export function TaskEngine(props) {
  const { rows, rowsSeq, changes, remote, total, active, epoch, userId, query, loading } = props;
  const { spec, defaults, viewEmpty, timeZone, quick, parentTitles, addOnTop } = props;
  const [searchParams] = useSearchParams();
  const requested = searchParams.get("filter") ?? "all";
  const filter = FILTERS.has(requested) ? requested : "all";
  const [, connectErrors] = useContext(EventLoopContext);
  const view = useTaskView();
  const [slow, setSlow] = useState(false);

  sendTrigger = props.onSend ?? sendTrigger;
  resyncTrigger = props.onResync ?? resyncTrigger;
  previewTrigger = props.onPreview ?? previewTrigger;
  engine.io.titleMax = props.titleMax ?? engine.io.titleMax;
  engine.io.titleTooLong = props.titleTooLong ?? engine.io.titleTooLong;
  engine.io.titleEmpty = props.titleEmpty ?? engine.io.titleEmpty;

  // Before paint: the confirmed rows and the overlay land in the same frame.
  useLayoutEffect(() => {
    engine.sync({
      ...{ rows, rowsSeq, changes, remote, total, active, epoch, userId, filter, query, loading },
      ...{ spec, defaults, viewEmpty, timeZone, quick, parentTitles, addOnTop },
    });
  }, [rows, rowsSeq, changes, remote, total, active, epoch, userId, filter, query, loading, spec, defaults, viewEmpty, timeZone, quick, parentTitles, addOnTop]);

  useLayoutEffect(() => {
    engine.setConnected(connectErrors.length === 0);
  }, [connectErrors]);

  // Focus moves on after a delete (by click or key), once the row has left the page.
  useLayoutEffect(() => {
    const target = engine.takeFocusRequest();
    if (target) window.requestAnimationFrame(() => document.getElementById(target)?.focus());
  }, [view]);

  // "Saving…" only once a change has waited a while: a quick save says nothing.
  useEffect(() => {
    setSlow(false);
    if (!view.pending) return undefined;
    const timer = window.setTimeout(() => setSlow(true), SLOW_MS);
    return () => window.clearTimeout(timer);
  }, [view.pending]);

  // The keyboard: Ctrl+Z (or Cmd+Z) undoes this page's last change; the single keys of
  // engine.key() move between and act on tasks. Nothing fires while typing in a field.
  useEffect(() => {
    const onKey = (event) => {
      if ((event.ctrlKey || event.metaKey) && !event.shiftKey && event.key === "z") {
        // In a field Ctrl+Z undoes typing; an empty "New task" field has nothing of its own
        // to undo (and focus lands there after a delete), so there it undoes the last change.
        const target = event.target;
        const emptyNewTask = target?.id === "new-task" && !target.value;
        if (typingInAField(target) && !emptyNewTask) return;
        if (engine.undo()) event.preventDefault();
        return;
      }
      if (typingInAField(event.target)) return;
      const outcome = engine.key(event.key, {
        ctrl: event.ctrlKey,
        meta: event.metaKey,
        alt: event.altKey,
        shift: event.shiftKey,
        // The task whose row holds focus (its checkbox or a button), for the move keys.
        taskId: event.target?.closest?.("[data-task-id]")?.dataset.taskId ?? "",
      });
      if (!outcome) return;
      event.preventDefault();
      if (outcome.focus) {
        // After React has painted the row (a delete moves focus to the next one).
        window.requestAnimationFrame(() => document.getElementById(outcome.focus)?.focus());
      }
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, []);

  const text = statusText(view.pending, view.connected, slow);
  return createElement(
    "p",
    {
      role: "status",
      "aria-live": "polite",
      id: "sync-status",
      "data-pending": view.pending,
      className: "sync-status",
      style: { margin: 0, minHeight: "1.25rem", fontSize: "0.875rem", color: "var(--gray-11)" },
    },
    text,
  );
}

/** Sign out, after asking when ``userId``'s unsaved changes would be discarded. */
export function signOut(userId, signOutEvent) {
  const outbox = engine.outboxOf(userId);
  const n = outbox.items.length;
  if (n && !window.confirm(signOutQuestion(n))) return;
  outbox.clear();
  engine.emit();
  addEvents([signOutEvent]);
}

/** A hidden form field with the browser's time zone: a new account starts in it. Set after
 * mounting, so the prerendered page and the browser never disagree. */
export function TimeZoneField({ name = "time_zone" }) {
  const [zone, setZone] = useState("");
  useEffect(() => setZone(browserTimeZone()), []);
  return createElement("input", { type: "hidden", name, value: zone, readOnly: true });
}

const NOTIFIED_KEY = "todo.notified.v1";

/**
 * Reminders as browser notifications, while a tab is open. ``fresh`` is what the server just
 * pushed; each id is shown once per browser session (several tabs share the record). With
 * ``showButton`` it offers to turn them on: permission is only ever asked from that click.
 */
export function BrowserNotifier({ fresh, showButton = true }) {
  const supported = typeof window !== "undefined" && "Notification" in window;
  const [permission, setPermission] = useState(supported ? Notification.permission : "denied");

  useEffect(() => {
    if (showButton || !supported || Notification.permission !== "granted") return;
    let shown = [];
    try {
      shown = JSON.parse(localStorage.getItem(NOTIFIED_KEY) ?? "[]");
    } catch {
      shown = [];
    }
    for (const item of fresh ?? []) {
      if (shown.includes(item.id)) continue;
      new Notification(item.title, { body: item.late ? "Late reminder" : "Reminder", tag: item.id });
      shown = [...shown, item.id].slice(-200);
    }
    localStorage.setItem(NOTIFIED_KEY, JSON.stringify(shown));
  }, [fresh, showButton, supported]);

  if (!showButton || !supported) return null;
  if (permission === "granted") {
    return createElement("p", { style: { fontSize: "0.8rem", margin: 0 } }, "Browser notifications are on.");
  }
  if (permission === "denied") {
    return createElement(
      "p",
      { style: { fontSize: "0.8rem", margin: 0 } },
      "Browser notifications are blocked for this site in your browser's settings.",
    );
  }
  return createElement(
    "div",
    { style: { display: "flex", flexDirection: "column", gap: "0.35rem" } },
    createElement(
      "p",
      { style: { fontSize: "0.8rem", margin: 0 } },
      "Reminders can also pop up while this page is open, even in another window.",
    ),
    createElement(
      "button",
      {
        type: "button",
        className: "rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button",
        onClick: () => Notification.requestPermission().then(setPermission),
      },
      "Allow browser notifications",
    ),
  );
}
