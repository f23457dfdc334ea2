/**
 * The browser side of the task change engine: pure logic, no React, no Reflex.
 *
 * DESIGN.md principle 3. A change the user makes becomes a *mutation*: a self-contained
 * record (its id, a kind, the task it touches, the new values of the fields it sets, and
 * the version it was based on). The engine
 *   1. puts it in the outbox (the browser's localStorage, one list per signed-in user), so
 *      it survives a reload, a browser restart and an outage;
 *   2. shows the page as "what the server confirmed, with every unconfirmed mutation applied
 *      on top, in order" (the overlay), in the same frame as the click;
 *   3. sends the outbox in order whenever the socket is up, and sends it again after every
 *      reconnect (the server applies each mutation id exactly once);
 *   4. takes the server's confirmed changes (its own, other tabs', the REST API's) as row
 *      deltas, and drops an outbox entry when the change that settles it arrives: applied
 *      (the confirmed row now holds the value) or refused (the overlay no longer applies
 *      it, so exactly that change reverts, and the user is told why).
 *
 * The kinds here mirror todo_app/tasks/mutations.py. A new field needs nothing here: a
 * "set" mutation carries whatever fields it sets, and the overlay copies them onto the row.
 */

import { comparator, dueLabel, inView, localNow } from "./views.js";

export const OUTBOX_PREFIX = "todo.outbox.v1.";
export const UNDO_MS = 8000;
const RETRY_MS = 1000; // a failed change goes again after 1 s, then 2 s, before giving up
// A change sent but unanswered this long goes again: the server dropped the event (its rate
// limit) or lost it (a worker gone mid-event). The same mid is applied at most once.
export const RESEND_MS = 10_000;
const UNDO_DEPTH = 50;

/** @typedef {{id: string, title: string, description: string, completed: boolean,
 *             version: number, created_at: string}} Row */

// --- the outbox -----------------------------------------------------------------------

/**
 * The unconfirmed mutations of one user, kept in ``storage`` (localStorage).
 *
 * Several tabs of one user share the stored list. Each tab keeps its own entries (and, after
 * a load, whatever was stored then) in memory, and changes the stored list only by mutation
 * id, read-modify-write, so no tab ever erases another tab's waiting changes.
 */
export class Outbox {
  constructor(storage, userId) {
    this.storage = storage;
    this.key = OUTBOX_PREFIX + userId;
    this.items = this.stored();
  }

  stored() {
    try {
      const saved = JSON.parse(this.storage?.getItem(this.key) ?? "[]");
      return Array.isArray(saved) ? saved.filter((m) => m && m.mid && m.kind) : [];
    } catch {
      return []; // unreadable: start empty rather than break the page
    }
  }

  write(change) {
    try {
      const next = change(this.stored());
      if (next.length) this.storage?.setItem(this.key, JSON.stringify(next));
      else this.storage?.removeItem(this.key);
    } catch {
      // Storage full or disabled: the mutations still live in memory until confirmed.
    }
  }

  add(mutation) {
    this.items = [...this.items, mutation];
    this.write((stored) => [...stored.filter((m) => m.mid !== mutation.mid), mutation]);
  }

  remove(mids) {
    const gone = new Set(mids);
    if (!gone.size) return;
    this.items = this.items.filter((m) => !gone.has(m.mid));
    this.write((stored) => stored.filter((m) => !gone.has(m.mid)));
  }

  clear() {
    this.items = [];
    this.write(() => []);
  }

  /** The newest unconfirmed mutation of ``taskId`` (what a new one is made on top of). */
  lastFor(taskId) {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const m = this.items[i];
      if (m.task_id === taskId) return m;
    }
    return null;
  }
}

// --- applying mutations to rows -------------------------------------------------------

function setFields(rows, id, fields) {
  const row = rows.get(id);
  if (row) rows.set(id, { ...row, ...fields });
}

/**
 * Apply one mutation to ``rows`` (a Map id -> row, changed in place) and ``counts``, as the
 * server will. ``m.prev`` holds what the mutation replaced (for undo): taken when it was made.
 */
export function applyMutation(rows, counts, m) {
  const before = new Map();
  const touch = (id) => before.has(id) || before.set(id, rows.get(id) ?? null);
  switch (m.kind) {
    case "create":
      touch(m.task_id);
      if (!rows.has(m.task_id)) {
        rows.set(m.task_id, {
          id: m.task_id,
          title: "",
          description: "",
          completed: false,
          version: 0,
          created_at: m.at,
          ...m.fields,
        });
      }
      break;
    case "set":
      touch(m.task_id);
      setFields(rows, m.task_id, m.fields);
      break;
    case "delete":
      touch(m.task_id);
      rows.delete(m.task_id);
      break;
    case "set_all":
      for (const [id, row] of rows) {
        if (row.completed !== m.fields.completed) {
          touch(id);
          rows.set(id, { ...row, completed: m.fields.completed });
        }
      }
      // Tasks not loaded here change too: the server's counts say how many.
      counts.active = m.fields.completed ? 0 : counts.total;
      return counts;
    case "clear_completed":
      for (const [id, row] of rows) {
        if (row.completed) rows.delete(id);
      }
      counts.total = counts.active;
      return counts;
    case "undo":
      undoInPlace(rows, counts, m.prev);
      return counts;
    default:
      return counts;
  }
  for (const [id, old] of before) count(counts, old, rows.get(id) ?? null);
  return counts;
}

function count(counts, old, now) {
  counts.total += (now ? 1 : 0) - (old ? 1 : 0);
  counts.active += (now && !now.completed ? 1 : 0) - (old && !old.completed ? 1 : 0);
}

/** Show the reversal of a mutation whose ``prev`` is given (the server does the real one). */
function undoInPlace(rows, counts, prev) {
  if (!prev) return;
  for (const row of prev.restore ?? []) {
    const old = rows.get(row.id) ?? null;
    if (!old) {
      rows.set(row.id, row);
      count(counts, null, row);
    }
  }
  for (const { id, fields } of prev.set ?? []) {
    const old = rows.get(id) ?? null;
    setFields(rows, id, fields);
    count(counts, old, rows.get(id) ?? null);
  }
  for (const id of prev.delete ?? []) {
    const old = rows.get(id) ?? null;
    rows.delete(id);
    count(counts, old, null);
  }
}

/** What reverses ``m`` if it is applied to ``rows`` now (``m.prev``, for undo and Ctrl+Z). */
export function reversal(rows, m) {
  switch (m.kind) {
    case "create":
      return { delete: [m.task_id] };
    case "set": {
      const row = rows.get(m.task_id);
      if (!row) return null;
      const fields = Object.fromEntries(Object.keys(m.fields).map((k) => [k, row[k]]));
      return { set: [{ id: m.task_id, fields }] };
    }
    case "delete": {
      const row = rows.get(m.task_id);
      return row ? { restore: [row] } : null;
    }
    case "set_all":
      return {
        set: [...rows.values()]
          .filter((r) => r.completed !== m.fields.completed)
          .map((r) => ({ id: r.id, fields: { completed: r.completed } })),
      };
    case "clear_completed":
      return { restore: [...rows.values()].filter((r) => r.completed) };
    case "undo":
      return m.prev ? invert(rows, m.prev) : null;
    default:
      return null;
  }
}

function invert(rows, prev) {
  return {
    delete: (prev.restore ?? []).map((r) => r.id),
    set: (prev.set ?? []).map(({ id, fields }) => {
      const row = rows.get(id) ?? {};
      return { id, fields: Object.fromEntries(Object.keys(fields).map((k) => [k, row[k]])) };
    }),
    restore: (prev.delete ?? []).map((id) => rows.get(id)).filter(Boolean),
  };
}

// --- confirmed state from the server ----------------------------------------------------

/**
 * The confirmed rows and counts: the list and counts the server sent at ``rows_seq`` (a
 * load), with every confirmed change after it applied once. Changes come two ways:
 *
 * - this page's own, answered by the server in the Reflex state (``changes``, numbered by
 *   ``seq`` per base); they settle the outbox;
 * - everyone else's (another tab, device, the REST API), sent straight down the socket by
 *   todo_app/tasks/live.py (``remote``: ``{epoch, changes}``, numbered per load, the last
 *   few re-sent each time). Entries for a load not seen yet wait in the prop until it is.
 *
 * The two streams are not ordered with each other, so a row is applied only if it is not
 * older (by ``version``) than the one held, and a removed row only comes back newer than it
 * went. Counts move by each change's deltas; an entry from elsewhere that brings nothing new
 * (the load already read it) moves nothing. ``sync`` returns this page's settled changes and
 * ``gap: true`` when changes were missed (more arrived at once than are re-sent): the page
 * then loads its list again.
 */
export class Confirmed {
  constructor() {
    this.rows = new Map();
    this.rowsSeq = -1;
    this.epoch = "";
    this.seq = 0;
    this.remoteSeq = 0;
    this.counts = { total: 0, active: 0 };
    this.gone = new Map(); // id -> version when removed (-1: not known here)
  }

  sync({ rows, rowsSeq, changes, epoch, total = 0, active = 0, remote = null }) {
    if (epoch !== this.epoch || rowsSeq !== this.rowsSeq) {
      this.rows = new Map(rows.map((r) => [r.id, r]));
      this.counts = { total, active };
      this.gone = new Map();
      if (epoch !== this.epoch) this.remoteSeq = 0; // a new load: numbered afresh
      this.rowsSeq = rowsSeq;
      this.epoch = epoch;
      this.seq = rowsSeq;
    }
    const fresh = (changes ?? []).filter((c) => c.seq > this.seq).sort((a, b) => a.seq - b.seq);
    if (fresh.length && fresh[0].seq !== this.seq + 1) return { gap: true, settled: [] };
    for (const change of fresh) {
      this.apply(change);
      this.count(change);
      this.seq = change.seq;
    }
    return { gap: !this.takeRemote(remote), settled: fresh };
  }

  /** Entries from elsewhere for this load; false on a gap. */
  takeRemote(remote) {
    if (!remote || remote.epoch !== this.epoch) return true;
    const fresh = (remote.changes ?? [])
      .filter((c) => c.seq > this.remoteSeq)
      .sort((a, b) => a.seq - b.seq);
    if (fresh.length && fresh[0].seq !== this.remoteSeq + 1) return false;
    for (const change of fresh) {
      const news = this.isNews(change);
      this.apply(change);
      if (news) this.count(change);
      this.remoteSeq = change.seq;
    }
    return true;
  }

  /** Whether a change says anything the confirmed rows do not already show. */
  isNews(change) {
    for (const row of change.rows ?? []) {
      const held = this.rows.get(row.id);
      if (held ? row.version > held.version : !this.isGone(row)) return true;
    }
    return (change.removed ?? []).some((id) => !this.gone.has(id));
  }

  isGone(row) {
    return this.gone.has(row.id) && row.version <= this.gone.get(row.id);
  }

  apply(change) {
    for (const row of change.rows ?? []) {
      const held = this.rows.get(row.id);
      if ((held && row.version < held.version) || this.isGone(row)) continue;
      this.rows.set(row.id, row);
      this.gone.delete(row.id);
    }
    for (const id of change.removed ?? []) {
      this.gone.set(id, this.rows.get(id)?.version ?? -1);
      this.rows.delete(id);
    }
  }

  count(change) {
    const total = Math.max(0, this.counts.total + (change.total_delta ?? 0));
    const active = Math.min(Math.max(0, this.counts.active + (change.active_delta ?? 0)), total);
    this.counts = { total, active };
  }
}

// --- what the page shows --------------------------------------------------------------

/** The overlay: confirmed rows and counts with ``pending`` applied on top, in order. */
export function overlay(confirmedRows, counts, pending) {
  const rows = new Map(confirmedRows);
  const shown = { total: counts.total, active: counts.active };
  for (const m of pending) applyMutation(rows, shown, m);
  shown.total = Math.max(shown.total, rows.size);
  shown.active = Math.min(Math.max(shown.active, 0), shown.total);
  return { rows, ...shown };
}

export function matches(row, filter, query) {
  if (filter === "active" && row.completed) return false;
  if (filter === "completed" && !row.completed) return false;
  if (!query) return true;
  const needle = query.toLocaleLowerCase();
  return (
    row.title.toLocaleLowerCase().includes(needle) ||
    row.description.toLocaleLowerCase().includes(needle)
  );
}

export function itemsLeft(active) {
  return `${active} item${active === 1 ? "" : "s"} left`;
}

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
      return m.kind === "delete" ? "" : `${what} was deleted elsewhere.`;
    case "nothing":
      return "Nothing to undo: it was changed elsewhere.";
    default: {
      const verb = m.kind === "create" ? "add" : "save";
      return `Could not ${verb} ${what}: ${change.detail || "the server refused it"}.`.replace(
        /\.\.$/,
        ".",
      );
    }
  }
}

/** A row as the page renders it: every list field present, even on an unsaved task. */
function shown(row) {
  return { ...row, tags: row.tags ?? [], reminders: row.reminders ?? [], recurrence: row.recurrence ?? null };
}

// --- the engine ---------------------------------------------------------------------------

/**
 * One page's engine: the outbox, the confirmed rows, the UI state that never needs the
 * server (which row is being edited, which task's details are open), and a snapshot for
 * React (``subscribe`` / ``getSnapshot``, as useSyncExternalStore wants).
 *
 * ``io`` injects the outside world: ``storage``, ``send(uid, batch)``, ``resync()``,
 * ``notify(message, action?)``, ``newId()``, ``now()``, and ``titleMax``; optionally
 * ``later(fn, ms)`` and ``watchdog(fn, ms)`` (timers) and ``clock()`` (ms), for tests.
 */
export class Engine {
  constructor(io) {
    this.io = io;
    this.userId = "";
    this.outbox = new Outbox(null, "");
    this.confirmed = new Confirmed();
        this.filter = "all";
    this.query = "";
    this.spec = null; // the view (tasks/views.py): list, tags, priorities, due window, sort
    this.defaults = {}; // what a task added in this view gets
    this.viewEmpty = "";
    this.timeZone = "UTC";
    this.loading = true;
    this.connected = true;
    this.sent = new Map(); // mid -> when it was sent (io.clock, ms), since the last (re)connect
    this.watching = false; // a resend check is due
    this.undoStack = []; // [{mid, label}] of this page's own changes, newest last
    this.editingId = "";
    this.detailsId = "";
    this.addError = "";
    this.editError = "";
    this.draft = ""; // the "New task" text as typed (quick add's chips follow it)
    this.quick = {}; // the server's reading of a draft: {text, title, fields, ignore, tokens}
    this.selectedId = ""; // the task j/k moved to (x, e and Delete act on it)
    this.focusRequest = ""; // an element id to focus once the page has painted
    this.shortcutsOpen = false;
    // Reversals of this page's confirmed changes (their outbox entries are gone), for undo.
    this.recordedPrev = new Map();
    // Passing failures per mid, and how many are tried again before the user is told.
    this.failures = new Map();
    this.autoRetries = io.autoRetries ?? 2;
    this.listeners = new Set();
    this.snapshot = null;
  }

  // --- React store protocol ---
  subscribe = (listener) => {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  };

  getSnapshot = () => {
    if (!this.snapshot) this.snapshot = this.view();
    return this.snapshot;
  };

  emit() {
    this.snapshot = null;
    for (const listener of [...this.listeners]) listener();
  }

  /** The overlay: the confirmed rows and counts with the outbox on top. */
  current() {
    return overlay(this.confirmed.rows, this.confirmed.counts, this.outbox.items);
  }

  view() {
    const { rows, total, active } = this.current();
    const here = localNow(this.io.now(), this.timeZone);
    const listed = (r) => matches(r, this.filter, this.query) && inView(r, this.spec);
    const tasks = [...rows.values()]
      .filter(listed)
      .sort(comparator(this.spec))
      .map((r) => {
        const due = dueLabel(r, here.date, here.time);
        return { ...shown(r), due_label: due.text, overdue: due.overdue };
      });
    return {
      tasks,
      // The confirmed rows of this view the server has sent: where "Load more" goes on.
      loaded: [...this.confirmed.rows.values()].filter(listed).length,
      total,
      active,
      completedCount: total - active,
      allCompleted: total > 0 && active === 0,
      itemsLeft: itemsLeft(active),
      emptyMessage: emptyMessage(this.filter, this.query, total, this.viewEmpty),
      filter: this.filter,
      pending: this.outbox.items.length,
      connected: this.connected,
      loading: this.loading && rows.size === 0,
      editingId: this.editingId,
      selectedId: this.selectedId,
      shortcutsOpen: this.shortcutsOpen,
      addError: this.addError,
      draft: this.draft,
      editError: this.editError,
      details: rows.has(this.detailsId) ? shown(rows.get(this.detailsId)) : null,
    };
  }

  // --- from the server ---

  /** New props from the Reflex state: the confirmed rows, changes, counts and who is signed in. */
  sync(server) {
    if (server.userId !== this.userId) {
      this.userId = server.userId;
      this.outbox = new Outbox(server.userId ? this.io.storage : null, server.userId);
      this.confirmed = new Confirmed();
      this.undoStack = [];
      this.sent.clear();
      this.editingId = this.detailsId = "";
    }
    // A new base (a load, a reconnect, a resync) may replace answers this page never saw:
    // whatever is still pending is sent again, and the server answers each mid once more.
    const newBase =
      server.epoch !== this.confirmed.epoch || server.rowsSeq !== this.confirmed.rowsSeq;
    const { gap, settled } = this.confirmed.sync(server);
    this.filter = server.filter;
    this.query = server.query;
    this.spec = server.spec ?? null;
    this.defaults = server.defaults ?? {};
    this.viewEmpty = server.viewEmpty ?? "";
    this.timeZone = server.timeZone || "UTC";
    this.quick = server.quick ?? {};
    this.loading = server.loading;
    if (gap) this.io.resync();
    this.settle(settled);
    if (newBase) {
      this.sent.clear();
      this.flush();
    }
    this.emit();
  }

  settle(changes) {
    const mine = new Map(this.outbox.items.map((m) => [m.mid, m]));
    const done = [];
    let retrying = false;
    for (const change of changes) {
      const m = change.mid && mine.get(change.mid);
      if (!m) continue;
      if (change.status === "failed" && (this.failures.get(m.mid) ?? 0) < this.autoRetries) {
        // A passing failure (the server was busy, or an earlier change failed): the change
        // stays in the outbox and goes again shortly; it is the same mid, applied once.
        this.failures.set(m.mid, (this.failures.get(m.mid) ?? 0) + 1);
        this.sent.delete(m.mid);
        retrying = true;
        continue;
      }
      this.failures.delete(m.mid);
      done.push(m.mid);
      if (change.status === "applied") {
        this.recordedPrev.set(m.mid, m.prev);
        if (this.recordedPrev.size > UNDO_DEPTH) {
          this.recordedPrev.delete(this.recordedPrev.keys().next().value);
        }
        continue;
      }
      this.undoStack = this.undoStack.filter((u) => u.mid !== m.mid);
      const message = refusalMessage(m, change);
      if (!message) continue;
      const retry =
        change.status === "failed"
          ? { label: "Retry", onClick: () => this.enqueue({ ...m, at: this.io.now() }) }
          : null;
      this.io.notify(message, retry, change.status === "failed" ? "error" : "warning");
    }
    this.outbox.remove(done);
    for (const mid of done) this.sent.delete(mid); // a Retry of the same mid must go out
    if (retrying) {
      const wait = RETRY_MS * Math.max(...this.failures.values());
      (this.io.later ?? setTimeout)(() => this.flush(), wait);
    }
  }

  setConnected(connected) {
    if (connected === this.connected) return;
    this.connected = connected;
    if (!connected) this.sent.clear();
    else this.flush();
    this.emit();
  }

  // --- to the server ---

  flush() {
    if (!this.connected || !this.userId) return;
    const batch = this.outbox.items.filter((m) => !this.sent.has(m.mid));
    if (!batch.length) return;
    const sentAt = this.clock();
    for (const m of batch) this.sent.set(m.mid, sentAt);
    this.watch();
    this.io.send(
      this.userId,
      // A create carries its time: the task keeps the place it was added in.
      batch.map(({ prev, label, at, ...wire }) => (wire.kind === "create" ? { ...wire, at } : wire)),
    );
  }

  clock() {
    return (this.io.clock ?? Date.now)();
  }

  /** Check, ``RESEND_MS`` from now, for sent changes still unanswered, and send them again. */
  watch() {
    if (this.watching) return;
    this.watching = true;
    const timer = (this.io.watchdog ?? setTimeout)(() => {
      this.watching = false;
      const now = this.clock();
      const waiting = this.outbox.items.filter((m) => this.sent.has(m.mid));
      const stale = waiting.filter((m) => now - this.sent.get(m.mid) >= RESEND_MS);
      for (const m of stale) this.sent.delete(m.mid);
      if (stale.length) this.flush();
      else if (waiting.length) this.watch();
    }, RESEND_MS);
    timer?.unref?.(); // under Node (the tests), a pending check must not keep the process up
  }

  enqueue(m) {
    this.outbox.add(m);
    this.emit();
    this.flush();
  }

  /** Make a mutation on top of what the page shows now, apply it, queue it, send it. */
  mutate(kind, { taskId = null, fields = {}, of = null, prev = undefined, label } = {}) {
    if (!this.userId) return null;
    const { rows } = this.current();
    const earlier = taskId ? this.outbox.lastFor(taskId) : null;
    const m = {
      mid: this.io.newId(),
      kind,
      task_id: taskId,
      fields,
      base_version: taskId ? (this.confirmed.rows.get(taskId)?.version ?? null) : null,
      after: earlier ? earlier.mid : null,
      of,
      at: this.io.now(),
      label: label ?? (taskId ? rows.get(taskId)?.title : undefined),
    };
    m.prev = prev !== undefined ? prev : reversal(rows, m);
    if (kind !== "undo") {
      this.undoStack = [...this.undoStack, { mid: m.mid, label: m.label }].slice(-UNDO_DEPTH);
    }
    this.enqueue(m);
    return m;
  }

  // --- the actions the page offers ---

  /** The service's length rule, checked here too so the field can keep the text. */
  titleProblem(title) {
    const n = [...title].length;
    return n > this.io.titleMax ? this.io.titleTooLong.replace("{n}", String(n)) : "";
  }

  /** Enter in "New task": true when the task was added (and the field may be cleared). */
  add(title) {
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
    const fields = { ...this.defaults, ...shown, text: String(title), ignore: read?.ignore ?? [] };
    this.mutate("create", { taskId: this.io.newId(), fields, label: shown.title });
    this.draft = "";
    return true;
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

  /** The outbox of ``userId`` (this engine's own when it is that user's). */
  outboxOf(userId) {
    return userId === this.userId ? this.outbox : new Outbox(this.io.storage, userId);
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
  key(key, { ctrl = false, meta = false, alt = false } = {}) {
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
