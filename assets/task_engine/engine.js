/**
 * One page's engine: the sync protocol of the change engine (DESIGN.md principle 3).
 *
 * A change the user makes becomes a *mutation*: a self-contained record (its id, a kind, the
 * task it touches, the new values of the fields it sets, and the version it was based on).
 * The engine
 *   1. puts it in the outbox (outbox.js: the browser's localStorage, one list per signed-in
 *      user), so it survives a reload, a browser restart and an outage;
 *   2. shows the page as "what the server confirmed, with every unconfirmed mutation applied
 *      on top, in order" (overlay.js), in the same frame as the click;
 *   3. sends the outbox in order whenever the socket is up, and sends it again after every
 *      reconnect, and after a while without an answer (the server applies each mutation id
 *      exactly once);
 *   4. takes the server's confirmed changes (its own, other tabs', the REST API's) as row
 *      deltas (confirmed.js), and drops an outbox entry when the change that settles it
 *      arrives: applied (the confirmed row now holds the value) or refused (the overlay no
 *      longer applies it, so exactly that change reverts, and the user is told why).
 *
 * The page's own state and actions (editing, details, the keyboard, ...) are in
 * interactions.js, the base class of ``Engine``. Pure: no React, no Reflex (index.js is the
 * glue).
 */

import { Confirmed } from "./confirmed.js";
import { Interactions, emptyMessage, itemsLeft, refusalMessage } from "./interactions.js";
import { Outbox } from "./outbox.js";
import { countKey, countRow, countedIn, matches, overlay, reversal } from "./overlay.js";
import { arrange, siblingsOf } from "./tree.js";
import { comparator, dueLabel, inView, localNow } from "./views.js";

const RETRY_MS = 1000; // a failed change goes again after 1 s, then 2 s, before giving up
// A change sent but unanswered this long goes again: the server dropped the event (its rate
// limit) or lost it (a worker gone mid-event). The same mid is applied at most once.
export const RESEND_MS = 10_000;
const UNDO_DEPTH = 50;

/** A row as the page renders it: every list field present, even on an unsaved task. */
function shown(row) {
  return { ...row, tags: row.tags ?? [], reminders: row.reminders ?? [], recurrence: row.recurrence ?? null };
}

// --- the engine ---------------------------------------------------------------------------

/**
 * One page's engine: the outbox, the confirmed rows, the view the server named, and a
 * snapshot for React (``subscribe`` / ``getSnapshot``, as useSyncExternalStore wants). The UI
 * state that never needs the server (which row is being edited, which task's details are
 * open) and the page's actions come from ``Interactions`` (interactions.js).
 *
 * ``io`` injects the outside world: ``storage``, ``send(uid, batch)``, ``resync()``,
 * ``notify(message, action?)``, ``newId()``, ``now()``, and ``titleMax``; optionally
 * ``later(fn, ms)`` and ``watchdog(fn, ms)`` (timers) and ``clock()`` (ms), for tests.
 */
export class Engine extends Interactions {
  constructor(io) {
    super();
    this.io = io;
    this.userId = "";
    this.outbox = new Outbox(null, "");
    this.confirmed = new Confirmed();
    this.filter = "all";
    this.query = "";
    this.spec = null; // the view (tasks/views.py): list, tags, priorities, due window, sort
    this.defaults = {}; // what a task added in this view gets
    this.addOnTop = {}; // list id (or "inbox") -> where its new tasks go (false: last)
    this.viewEmpty = "";
    this.timeZone = "UTC";
    this.parentTitles = {}; // titles of the parents of listed sub-tasks, when not loaded
    this.loading = true;
    this.connected = true;
    this.sent = new Map(); // mid -> when it was sent (io.clock, ms), since the last (re)connect
    this.watching = false; // a resend check is due
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
    const { rows, counts, counted } = this.confirmed;
    if (this.confirmed.countKey === countKey(this.spec, this.query)) {
      return overlay(rows, counts, this.outbox.items, counted);
    }
    // The page shows a view whose load (and counts) have not come yet: until they do, count
    // the rows held here that it shows, rather than the last view's number.
    const shownHere = countedIn(this.spec, this.query, this.userId);
    const held = { total: 0, active: 0 };
    for (const row of rows.values()) countRow(held, null, row, shownHere);
    return overlay(rows, held, this.outbox.items, shownHere);
  }

  /** The snapshot the page renders (index.js ``useTaskView()``): the overlay as listed. */
  view() {
    const { rows, total, active } = this.current();
    const here = localNow(this.io.now(), this.timeZone);
    const listed = (r) => matches(r, this.filter, this.query) && inView(r, this.spec, this.userId);
    const sorted = [...rows.values()].filter(listed).sort(comparator(this.spec, rows));
    const tree = {
      manual: this.spec?.sort === "manual",
      collapsed: this.collapsedIds(),
      titles: this.parentTitles,
    };
    const tasks = arrange(sorted, rows, tree).map((r) => {
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
      manual: this.spec?.sort === "manual", // rows can be moved (their handles show)
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
      // The open task's sub-tasks held here, in their order (the dialog lists them).
      detailsSubtasks: this.detailsId ? siblingsOf(rows, this.detailsId, null).map(shown) : [],
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
    this.addOnTop = server.addOnTop ?? {};
    this.viewEmpty = server.viewEmpty ?? "";
    this.timeZone = server.timeZone || "UTC";
    this.quick = server.quick ?? {};
    this.parentTitles = server.parentTitles ?? this.parentTitles;
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
      batch.map(({ prev, label, at, last, ...wire }) => (wire.kind === "create" ? { ...wire, at } : wire)),
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
    // A new place last in a list, while unconfirmed (never sent: the server reads the list's
    // setting). Before ``reversal``: the place is part of what an undo puts back.
    if (this.placesLast(kind, fields)) m.last = true;
    m.prev = prev !== undefined ? prev : reversal(rows, m);
    if (kind !== "undo") {
      this.undoStack = [...this.undoStack, { mid: m.mid, label: m.label }].slice(-UNDO_DEPTH);
    }
    this.enqueue(m);
    return m;
  }

  /** The outbox of ``userId`` (this engine's own when it is that user's). */
  outboxOf(userId) {
    return userId === this.userId ? this.outbox : new Outbox(this.io.storage, userId);
  }
}
