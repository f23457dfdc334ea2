/**
 * The page's interaction state and actions: what the user is doing on the task page, none
 * of which waits for the server.
 *
 * - the state: which row is being edited or selected, whose details are open, the "New
 *   task" draft and its errors, the shortcut sheet, the undo stack, where focus goes next;
 * - the actions the page's controls call by name (``engine.add``, ``engine.setCompleted``,
 *   ``engine.key``, ... from todo_app/tasks/engine.py's ``call``), including the keyboard;
 * - the words the page says: the counter, the empty list, the status line, refusals, the
 *   question before signing out, and the toasts (``UNDO_MS``).
 *
 * Why apart from the protocol: these change with the page's design, the sync protocol
 * (engine.js, confirmed.js) does not. ``Interactions`` is the base class of ``Engine``
 * (engine.js): its methods build on the engine's ``current()``, ``mutate()``, ``emit()`` and
 * ``getSnapshot()``, and are never used alone. The tree's actions (move, nest, collapse,
 * sub-tasks) are its own base class, ``Structure`` (structure.js). Pure: the DOM is touched only to clear a field.
 */

import { Structure } from "./structure.js";

export const UNDO_MS = 8000;

// --- the words the page says ----------------------------------------------------------

/** The counter: "3 items left", "1 item left". */
export function itemsLeft(active) {
  return `${active} item${active === 1 ? "" : "s"} left`;
}

/** What an empty list says: why nothing shows (the search, the filter, or the view). */
export function emptyMessage(filter, query, total, viewEmpty = "No tasks yet") {
  if (query) return `No tasks match "${query}"`;
  if (filter === "active" && total) return "Nothing active";
  if (filter === "completed" && total) return "Nothing completed yet";
  return viewEmpty || "No tasks yet";
}

/** The one status line: quiet while all is saved, honest while it is not. */
export function statusText(pending, connected, slow) {
  if (!connected) {
    if (!pending) return "Offline";
    return `Offline — ${pending} change${pending === 1 ? "" : "s"} waiting`;
  }
  return pending && slow ? "Saving…" : "";
}

/** Asked before signing out would discard ``n`` unsaved changes. */
export function signOutQuestion(n) {
  const them = n === 1 ? "1 change has" : `${n} changes have`;
  return `${them} not been saved yet. Sign out and discard ${n === 1 ? "it" : "them"}?`;
}

// --- the details dialog's fields -----------------------------------------------------------

/** The dialog's "Repeat" choice as a recurrence (null: does not repeat). */
export function repeatOf(formData) {
  const choice = String(formData.repeat ?? "");
  const custom = String(formData.repeat_rule ?? "").trim().replace(/^RRULE:/i, "");
  const rule = choice === "custom" ? custom : choice;
  if (!rule) return null;
  const fromCompletion = !!formData.from_completion && formData.from_completion !== "false";
  return { rule, from_completion: fromCompletion };
}

/** "home, #work  errands" -> ["home", "work", "errands"] (the server checks each). */
export function parseTags(text) {
  return String(text ?? "")
    .split(/[\s,]+/)
    .map((t) => t.replace(/^#+/, ""))
    .filter(Boolean);
}

// --- refusals in words --------------------------------------------------------------------

/** What to tell the user when ``change`` settles ``m`` without applying it ("" for nothing). */
export function refusalMessage(m, change) {
  const what = `"${m.label ?? "this task"}"`;
  if (change.status === "failed") return `Could not save ${what}. Your change was undone.`;
  switch (change.reason) {
    case "stale":
      return `${what} was changed elsewhere; showing the latest version.`;
    case "deleted":
      // (Gone, or its list is no longer shared with this user: the server says not which.)
      if (m.kind === "delete") return "";
      if (m.kind === "create") {
        return `Could not add ${what}: its list is gone or no longer shared with you.`;
      }
      return `${what} was deleted elsewhere, or is no longer shared with you.`;
    case "nothing":
      return "Nothing to undo: it was changed elsewhere.";
    // "forbidden" (a viewer's change) and "invalid" both say the service's reason as it is.
    case "forbidden":
    default: {
      const verb = m.kind === "create" ? "add" : "save";
      return `Could not ${verb} ${what}: ${change.detail || "the server refused it"}.`.replace(
        /\.\.$/,
        ".",
      );
    }
  }
}

// --- the page's interaction state and actions ----------------------------------------------

/** What the user is doing on the page, and the actions the page's controls call. */
export class Interactions extends Structure {
  constructor() {
    super();
    this.undoStack = []; // [{mid, label}] of this page's own changes, newest last
    // Reversals of this page's confirmed changes (their outbox entries are gone), for undo.
    this.recordedPrev = new Map();
    this.editingId = "";
    this.detailsId = "";
    this.addError = "";
    this.editError = "";
    this.draft = ""; // the "New task" text as typed (quick add's chips follow it)
    this.quick = {}; // the server's reading of a draft: {text, title, fields, ignore, tokens}
    this.selectedId = ""; // the task j/k moved to (x, e and Delete act on it)
    this.focusRequest = ""; // an element id to focus once the page has painted
    this.shortcutsOpen = false;
  }

  // --- the actions the page offers ---

  /** The service's length rule, checked here too so the field can keep the text. */
  titleProblem(title) {
    const n = [...title].length;
    return n > this.io.titleMax ? this.io.titleTooLong.replace("{n}", String(n)) : "";
  }

  /** Enter in "New task": true when the task was added (and the field may be cleared). A
   * task added while another's details are open (or with ``parentId``) is its sub-task. */
  add(title, parentId = null) {
    const clean = String(title ?? "").trim();
    this.addError = clean ? this.titleProblem(clean) : (this.io.titleEmpty ?? "");
    if (!clean || this.addError) {
      this.emit();
      return false;
    }
    // The server parses the sentence itself (``text``); the page shows its last reading of
    // exactly this text meanwhile, or the text as it is.
    const read = this.quick?.text === title ? this.quick : null;
    const shown = read ? { ...read.fields, title: read.title || clean } : { title: clean };
    let fields = { ...this.defaults, ...shown, text: String(title), ignore: read?.ignore ?? [] };
    const parent = parentId || (this.current().rows.has(this.detailsId) ? this.detailsId : null);
    if (parent) {
      // A sub-task lives in its parent's list: the view's list (or a "+List") is not for it.
      const { list_id, ...rest } = fields;
      fields = { ...rest, parent_id: parent };
    }
    this.mutate("create", { taskId: this.io.newId(), fields, label: shown.title });
    this.draft = "";
    return true;
  }

  /** Whether a new top-level task goes last in ``listId`` (null: the Inbox): the list's own
   * setting, as the page knows it (``addOnTop``: list id or "inbox" -> on top). */
  addsAtBottom(listId) {
    return this.addOnTop?.[listId ?? "inbox"] === false;
  }

  /** Whether a change puts a task last at the top level of a list, as the server will
   * (placing.py ``new_key``): a create there, or a move into another list by its field. */
  placesLast(kind, fields) {
    if (kind !== "create" && kind !== "set") return false;
    if (fields.parent_id || (kind === "set" && !("list_id" in fields))) return false;
    return this.addsAtBottom(fields.list_id ?? null);
  }

  /** Enter or leaving the field in an in-place edit. An emptied title offers Delete. */
  saveTitle(taskId, title) {
    if (this.editingId !== taskId) return;
    const clean = String(title ?? "").trim();
    const row = this.current().rows.get(taskId);
    if (!clean && row) {
      this.editingId = "";
      this.io.notify(
        `A task needs a title. Delete "${row.title}"?`,
        { label: "Delete", onClick: () => this.remove(taskId) },
        "warning",
      );
      this.emit();
      return;
    }
    this.editError = this.titleProblem(clean);
    if (!this.editError) {
      this.editingId = "";
      this.update(taskId, { title: clean });
    }
    this.emit();
  }

  setCompleted(taskId, completed) {
    return this.mutate("set", { taskId, fields: { completed: !!completed } });
  }

  update(taskId, fields) {
    const row = this.current().rows.get(taskId);
    if (!row) return null;
    const same = (a, b) => JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
    const changed = Object.fromEntries(
      Object.entries(fields).filter(([k, v]) => !same(row[k], v)),
    );
    return Object.keys(changed).length ? this.mutate("set", { taskId, fields: changed }) : null;
  }

  remove(taskId) {
    const { rows } = this.current();
    if (!rows.has(taskId)) return null; // already gone (e.g. a late "Delete?" toast)
    // Focus goes to the next task (or the one before, or "New task"), never lost to the page.
    const tasks = this.getSnapshot().tasks;
    const at = tasks.findIndex((t) => t.id === taskId);
    const next = at >= 0 ? (tasks[at + 1] ?? tasks[at - 1] ?? null) : null;
    this.focusRequest = next ? `check-${next.id}` : "new-task";
    if (this.selectedId === taskId) this.selectedId = next ? next.id : "";
    const m = this.mutate("delete", { taskId });
    if (m) this.offerUndo(m, `Deleted "${m.label}"`);
    if (this.editingId === taskId) this.editingId = "";
    return m;
  }

  /** Where focus should go after the last change (read once by the page). */
  takeFocusRequest() {
    const target = this.focusRequest;
    this.focusRequest = "";
    return target;
  }

  setAll(completed) {
    return this.mutate("set_all", { fields: { completed }, label: "all tasks" });
  }

  clearCompleted() {
    const { rows, total, active } = this.current();
    const n = total - active || [...rows.values()].filter((r) => r.completed).length;
    const m = this.mutate("clear_completed", { label: "completed tasks" });
    if (m) this.offerUndo(m, `Cleared ${n} completed task${n === 1 ? "" : "s"}`);
    return m;
  }

  offerUndo(m, message) {
    this.io.notify(message, { label: "Undo", onClick: () => this.undo(m.mid) }, "info");
  }

  /** Undo ``mid`` (an Undo button), or this page's newest change (Ctrl+Z). */
  undo(mid = null) {
    const entry = mid
      ? this.undoStack.find((u) => u.mid === mid)
      : this.undoStack[this.undoStack.length - 1];
    if (!entry) return null;
    this.undoStack = this.undoStack.filter((u) => u.mid !== entry.mid);
    const original = this.outbox.items.find((m) => m.mid === entry.mid);
    const prev = original ? original.prev : this.recordedPrev.get(entry.mid);
    return this.mutate("undo", { of: entry.mid, prev: prev ?? null, label: entry.label });
  }

  // --- the page's forms (Reflex hands a form's named fields over as ``formData``) ---

  /** Typing in "New task": the chips of what quick add understood follow the text. */
  setDraft(text) {
    this.draft = String(text ?? "");
    this.addError = "";
    this.io.preview?.(this.draft);
    this.emit();
  }

  /** Enter in "New task"; the field (``inputId``) is cleared once the task is added. */
  addFromForm(formData, inputId) {
    if (this.add(formData?.title) && inputId) {
      const input = globalThis.document?.getElementById(inputId);
      if (input) input.value = "";
    }
  }

  saveTitleFromForm(formData) {
    this.saveTitle(String(formData?.id ?? ""), formData?.title);
  }

  editKey(key) {
    if (key === "Escape") this.cancelEdit();
  }

  saveDetails(formData) {
    const taskId = String(formData?.id ?? "");
    const title = String(formData?.title ?? "").trim();
    const problem = title ? this.titleProblem(title) : (this.io.titleEmpty ?? "");
    if (problem) {
      this.io.notify(problem, null, "warning");
      return;
    }
    this.detailsId = "";
    const fields = { title, description: String(formData?.description ?? "") };
    // The dialog's pickers (absent from a form that has none of them).
    if ("list_id" in formData) fields.list_id = formData.list_id || null;
    if ("priority" in formData) fields.priority = formData.priority || "none";
    if ("assignee_id" in formData) fields.assignee_id = formData.assignee_id || null;
    if ("tags" in formData) fields.tags = parseTags(formData.tags);
    if ("due_date" in formData) fields.due_date = formData.due_date || null;
    if ("due_time" in formData) fields.due_time = formData.due_time || null;
    if ("repeat" in formData) {
      // The dialog's repeat and its "Remind me" boxes (a form holds only the ticked ones).
      fields.recurrence = repeatOf(formData);
      fields.reminders = Object.entries(formData)
        .filter(([k, v]) => k.startsWith("remind_") && v && v !== "false")
        .map(([k]) => ({ minutes_before: Number(k.slice("remind_".length)) }))
        .sort((a, b) => a.minutes_before - b.minutes_before);
    }
    this.update(taskId, fields);
    this.emit();
  }

  detailsOpenChanged(open) {
    if (!open) this.closeDetails();
  }

  // --- the keyboard ---

  /**
   * One key press outside a field. Returns what the page must do with focus (the React
   * glue does DOM work): ``{focus: elementId}``, ``{handled: true}``, or null (not ours).
   */
  key(key, { ctrl = false, meta = false, alt = false, shift = false, taskId = "" } = {}) {
    // Alt+ArrowUp/Down, Ctrl+] and Ctrl+[ act on the focused task (or the one j/k chose).
    const tree = this.treeKey(key, { ctrl, meta, alt, shift }, taskId || this.selectedId);
    if (tree) return tree;
    if (ctrl || meta || alt) return null; // Ctrl+Z is handled apart; never steal other chords
    const tasks = this.getSnapshot().tasks;
    const at = tasks.findIndex((t) => t.id === this.selectedId);
    const selected = at >= 0 ? tasks[at] : null;
    const focusRow = (task) => ({ focus: task ? `check-${task.id}` : "new-task" });
    switch (key) {
      case "?":
        this.shortcutsOpen = true;
        this.emit();
        return { handled: true };
      case "n":
      case "q":
        return { focus: "new-task" };
      case "/":
        return { focus: "search-tasks" };
      case "j":
      case "k": {
        if (!tasks.length) return { handled: true };
        const step = key === "j" ? 1 : -1;
        const next = at < 0 ? (step > 0 ? 0 : tasks.length - 1) : at + step;
        const task = tasks[Math.min(Math.max(next, 0), tasks.length - 1)];
        this.selectedId = task.id;
        this.emit();
        return focusRow(task);
      }
      case "x":
        if (!selected) return { handled: true };
        this.setCompleted(selected.id, !selected.completed);
        return focusRow(selected);
      case "e":
        if (!selected) return { handled: true };
        this.startEdit(selected.id);
        return { handled: true };
      case "Delete": {
        if (!selected) return null;
        this.remove(selected.id);
        return { handled: true }; // remove() asked for the next row's focus
      }
      case "Escape":
        if (this.shortcutsOpen) {
          this.shortcutsOpen = false;
          this.emit();
          return { handled: true };
        }
        return null;
      default:
        return null;
    }
  }

  setShortcutsOpen(open) {
    this.shortcutsOpen = !!open;
    this.emit();
  }

  // --- UI state that never waits for the server ---
  startEdit(taskId) {
    this.editingId = taskId;
    this.editError = "";
    this.emit();
  }

  cancelEdit() {
    this.editingId = "";
    this.editError = "";
    this.emit();
  }

  openDetails(taskId) {
    this.detailsId = taskId;
    this.emit();
  }

  closeDetails() {
    this.detailsId = "";
    this.emit();
  }
}
