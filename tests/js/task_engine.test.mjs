// Unit tests for the browser side of the change engine (assets/task_engine/: outbox.js,
// overlay.js, confirmed.js, engine.js, interactions.js).
//
// Run with `node --test tests/js/` (tests/unit/test_task_engine_js.py runs it under pytest).
// These are pure modules: the outside world (localStorage, the socket, toasts, ids, the
// clock) is injected through ``io``, so everything here runs in memory and deterministically.

import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { Confirmed } from "../../assets/task_engine/confirmed.js";
import { Engine, RESEND_MS } from "../../assets/task_engine/engine.js";
import {
  emptyMessage,
  itemsLeft,
  refusalMessage,
  signOutQuestion,
  statusText,
} from "../../assets/task_engine/interactions.js";
import { OUTBOX_PREFIX, Outbox } from "../../assets/task_engine/outbox.js";
import { applyMutation, matches, overlay, reversal } from "../../assets/task_engine/overlay.js";

// --- fakes and builders -------------------------------------------------------------------

const NOW = "2030-01-01T12:00:00+00:00";
const TOO_LONG = "Title must be at most 200 characters (this one has {n})";
const EMPTY = "Enter a title";
// What a mutation looks like on the wire: exactly the fields todo_app/tasks/mutations.py
// ``Mutation`` accepts (``parse`` refuses any other key).
const WIRE_KEYS = ["after", "base_version", "fields", "kind", "mid", "of", "task_id"];

function memoryStorage() {
  const data = new Map();
  return {
    data,
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => void data.set(key, String(value)),
    removeItem: (key) => void data.delete(key),
  };
}

function makeIo({ storage = memoryStorage(), idPrefix = "id", autoRetries = 0 } = {}) {
  let n = 0;
  const io = {
    storage,
    // 0: a failure is reported at once (the quiet retries have their own tests).
    autoRetries,
    later: (fn) => io.timers.push(fn),
    timers: [],
    // The resend check's timer, and the clock it reads (ms), moved by the tests.
    watchdog: (fn) => io.watchdogs.push(fn),
    watchdogs: [],
    ms: 0,
    clock: () => io.ms,
    sent: [], // [{uid, batch}]
    resyncs: 0,
    notes: [], // [{message, action, kind}]
    send: (uid, batch) => io.sent.push({ uid, batch: structuredClone(batch) }),
    resync: () => {
      io.resyncs += 1;
    },
    notify: (message, action, kind) => io.notes.push({ message, action, kind }),
    newId: () => `${idPrefix}-${++n}`,
    now: () => NOW,
    titleMax: 200,
    titleTooLong: TOO_LONG,
    titleEmpty: EMPTY, // as index.js passes it (TaskEngine's title_empty prop)
  };
  return io;
}

/** A confirmed row (the shape of tasks.state.row_of). */
function row(id, title, extra = {}) {
  return {
    id,
    title,
    description: "",
    completed: false,
    version: 1,
    created_at: "2024-01-01T00:00:00+00:00",
    ...extra,
  };
}

function counted(rows) {
  return { total: rows.length, active: rows.filter((r) => !r.completed).length };
}

/** A sync payload as TaskEngine hands it to ``engine.sync`` (counts from ``rows`` by default). */
function payload(over = {}) {
  const rows = over.rows ?? [];
  return {
    rows,
    rowsSeq: 1,
    changes: [],
    ...counted(rows),
    epoch: "e1",
    userId: "u1",
    filter: "all",
    query: "",
    loading: false,
    ...over,
  };
}

/** A confirmed change as tasks/live.py's ``entry_of`` sends it. ``was``: each written row's
 * value before (null: new; for a row still there, the fields that changed). */
function change(
  seq,
  mid,
  { status = "applied", reason = "", detail = "", rows = [], removed = [], was = {} } = {},
) {
  return { seq, mid, status, reason, detail, rows, removed, was };
}

/** Entries from elsewhere, as tasks/live.py sends them into ``remote``. */
function remote(epoch, ...changes) {
  return { remote: { epoch, changes } };
}

/**
 * An engine after its first sync. ``push(over)`` sends the server's next props (the previous
 * payload with ``over`` on top), as a Reflex delta would.
 */
function setup({ storage, idPrefix, autoRetries, ...over } = {}) {
  const io = makeIo({ storage, idPrefix, autoRetries });
  const engine = new Engine(io);
  let current = payload(over);
  engine.sync(current);
  return {
    io,
    engine,
    view: () => engine.getSnapshot(),
    push: (more) => {
      current = { ...current, ...more };
      engine.sync(current);
    },
  };
}

const ids = (tasks) => tasks.map((t) => t.id);
const mids = (batch) => batch.map((w) => w.mid);
const byId = (view, id) => view.tasks.find((t) => t.id === id);
const allSent = (io) => io.sent.flatMap((s) => s.batch);

function milkAndDog() {
  return [
    row("t1", "Buy milk", { version: 3, created_at: "2024-01-02T00:00:00+00:00" }),
    row("t2", "Walk dog", { version: 7, created_at: "2024-01-01T00:00:00+00:00" }),
  ];
}

// --- the outbox ---------------------------------------------------------------------------

describe("Outbox", () => {
  test("persists each change under the user's key and reads it back", () => {
    const storage = memoryStorage();
    const box = new Outbox(storage, "u1");
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: { completed: true } });
    box.add({ mid: "m2", kind: "delete", task_id: "t2", fields: {} });
    assert.deepEqual(
      JSON.parse(storage.getItem(`${OUTBOX_PREFIX}u1`)).map((m) => m.mid),
      ["m1", "m2"],
    );
    const again = new Outbox(storage, "u1");
    assert.deepEqual(
      again.items.map((m) => m.mid),
      ["m1", "m2"],
    );
    assert.deepEqual(new Outbox(storage, "u2").items, []);
  });

  test("remove drops only the named mids, and an empty outbox leaves no key behind", () => {
    const storage = memoryStorage();
    const box = new Outbox(storage, "u1");
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: {} });
    box.add({ mid: "m2", kind: "set", task_id: "t1", fields: {} });
    box.remove(["m1", "unknown"]);
    assert.deepEqual(
      box.items.map((m) => m.mid),
      ["m2"],
    );
    assert.deepEqual(
      new Outbox(storage, "u1").items.map((m) => m.mid),
      ["m2"],
    );
    box.remove(["m2"]);
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
    assert.equal(storage.data.size, 0);
  });

  test("clear empties memory and storage", () => {
    const storage = memoryStorage();
    const box = new Outbox(storage, "u1");
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: {} });
    box.clear();
    assert.deepEqual(box.items, []);
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
  });

  test("unreadable or junk storage starts empty instead of breaking the page", () => {
    const storage = memoryStorage();
    storage.setItem(`${OUTBOX_PREFIX}u1`, "{not json");
    assert.deepEqual(new Outbox(storage, "u1").items, []);
    storage.setItem(`${OUTBOX_PREFIX}u1`, JSON.stringify({ mid: "m1", kind: "set" }));
    assert.deepEqual(new Outbox(storage, "u1").items, []);
    storage.setItem(
      `${OUTBOX_PREFIX}u1`,
      JSON.stringify([null, 5, { mid: "m1" }, { kind: "set" }, { mid: "m2", kind: "set" }]),
    );
    assert.deepEqual(
      new Outbox(storage, "u1").items.map((m) => m.mid),
      ["m2"],
    );
  });

  test("a storage that throws (full, disabled) still keeps the changes in memory", () => {
    const broken = {
      getItem: () => {
        throw new Error("SecurityError");
      },
      setItem: () => {
        throw new Error("QuotaExceededError");
      },
      removeItem: () => {
        throw new Error("SecurityError");
      },
    };
    const box = new Outbox(broken, "u1");
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: {} });
    assert.deepEqual(
      box.items.map((m) => m.mid),
      ["m1"],
    );
    box.remove(["m1"]);
    assert.deepEqual(box.items, []);
  });

  test("without storage (signed out, server render) it works in memory only", () => {
    const box = new Outbox(null, "");
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: {} });
    assert.equal(box.items.length, 1);
  });

  test("lastFor is the newest unconfirmed mutation of that task", () => {
    const box = new Outbox(memoryStorage(), "u1");
    assert.equal(box.lastFor("t1"), null);
    box.add({ mid: "m1", kind: "set", task_id: "t1", fields: {} });
    box.add({ mid: "m2", kind: "set", task_id: "t2", fields: {} });
    box.add({ mid: "m3", kind: "set", task_id: "t1", fields: {} });
    box.add({ mid: "m4", kind: "set_all", task_id: null, fields: { completed: true } });
    assert.equal(box.lastFor("t1").mid, "m3");
    assert.equal(box.lastFor("t2").mid, "m2");
    assert.equal(box.lastFor("t3"), null);
  });
});

// --- applying mutations -----------------------------------------------------------------

describe("applyMutation, reversal and overlay", () => {
  const rowsOf = (...list) => new Map(list.map((r) => [r.id, r]));

  test("create adds the row with defaults and its creation time, counted as active", () => {
    const rows = rowsOf(row("t1", "Old"));
    const counts = applyMutation(rows, { total: 1, active: 1 }, {
      kind: "create",
      task_id: "n1",
      fields: { title: "New" },
      at: NOW,
    });
    assert.deepEqual(rows.get("n1"), {
      id: "n1",
      title: "New",
      description: "",
      completed: false,
      version: 0,
      created_at: NOW,
      subtask_count: 0,
      subtasks_done: 0,
      list_id: null,
      parent_id: null,
      position: "a0", // first at the top of its list (the other row here has no key)
    });
    assert.deepEqual(counts, { total: 2, active: 2 });
  });

  test("create of a row that is already confirmed changes nothing (applying twice is safe)", () => {
    const confirmed = row("n1", "New", { version: 1 });
    const rows = rowsOf(confirmed);
    const counts = applyMutation(rows, { total: 1, active: 1 }, {
      kind: "create",
      task_id: "n1",
      fields: { title: "New" },
      at: NOW,
    });
    assert.equal(rows.get("n1"), confirmed);
    assert.deepEqual(counts, { total: 1, active: 1 });
  });

  test("set copies any fields onto the row and moves the active count", () => {
    const rows = rowsOf(row("t1", "Buy milk"));
    const counts = applyMutation(rows, { total: 4, active: 2 }, {
      kind: "set",
      task_id: "t1",
      fields: { completed: true, priority: "high" },
    });
    assert.equal(rows.get("t1").completed, true);
    assert.equal(rows.get("t1").priority, "high"); // a new field needs nothing in overlay.js
    assert.equal(rows.get("t1").title, "Buy milk");
    assert.deepEqual(counts, { total: 4, active: 1 });
  });

  test("set on a row that is not here changes nothing", () => {
    const rows = rowsOf(row("t1", "Buy milk"));
    const counts = applyMutation(rows, { total: 1, active: 1 }, {
      kind: "set",
      task_id: "gone",
      fields: { completed: true },
    });
    assert.deepEqual([...rows.keys()], ["t1"]);
    assert.deepEqual(counts, { total: 1, active: 1 });
  });

  test("delete removes the row and counts it out (active or completed)", () => {
    const rows = rowsOf(row("t1", "A"), row("t2", "B", { completed: true }));
    let counts = applyMutation(rows, { total: 2, active: 1 }, { kind: "delete", task_id: "t1" });
    assert.deepEqual(counts, { total: 1, active: 0 });
    counts = applyMutation(rows, counts, { kind: "delete", task_id: "t2" });
    assert.deepEqual(counts, { total: 0, active: 0 });
    assert.equal(rows.size, 0);
  });

  test("set_all sets every loaded row and the counts of tasks not loaded", () => {
    const rows = rowsOf(row("t1", "A"), row("t2", "B", { completed: true }));
    let counts = applyMutation(rows, { total: 10, active: 4 }, {
      kind: "set_all",
      fields: { completed: true },
    });
    assert.deepEqual(counts, { total: 10, active: 0 });
    assert.ok([...rows.values()].every((r) => r.completed));
    counts = applyMutation(rows, counts, { kind: "set_all", fields: { completed: false } });
    assert.deepEqual(counts, { total: 10, active: 10 });
    assert.ok([...rows.values()].every((r) => !r.completed));
  });

  test("clear_completed drops completed rows and leaves only the active count", () => {
    const rows = rowsOf(row("t1", "A"), row("t2", "B", { completed: true }));
    const counts = applyMutation(rows, { total: 10, active: 4 }, { kind: "clear_completed" });
    assert.deepEqual([...rows.keys()], ["t1"]);
    assert.deepEqual(counts, { total: 4, active: 4 });
  });

  test("an unknown kind changes nothing", () => {
    const rows = rowsOf(row("t1", "A"));
    const counts = applyMutation(rows, { total: 1, active: 1 }, { kind: "explode", task_id: "t1" });
    assert.deepEqual(counts, { total: 1, active: 1 });
    assert.equal(rows.get("t1").title, "A");
  });

  test("reversal + undo restore exactly what a set replaced", () => {
    const rows = rowsOf(row("t1", "Buy milk", { description: "2 litres" }));
    const m = { kind: "set", task_id: "t1", fields: { title: "Buy oat milk", completed: true } };
    const prev = reversal(rows, m);
    assert.deepEqual(prev, { set: [{ id: "t1", fields: { title: "Buy milk", completed: false } }] });
    const counts = applyMutation(rows, { total: 1, active: 1 }, m);
    assert.deepEqual(counts, { total: 1, active: 0 });
    applyMutation(rows, counts, { kind: "undo", prev });
    assert.deepEqual(rows.get("t1"), row("t1", "Buy milk", { description: "2 litres" }));
    assert.deepEqual(counts, { total: 1, active: 1 });
  });

  test("reversal + undo of delete, create, set_all and clear_completed", () => {
    const rows = rowsOf(row("t1", "A"), row("t2", "B", { completed: true }));
    const counts = { total: 2, active: 1 };
    for (const m of [
      { kind: "delete", task_id: "t1" },
      { kind: "create", task_id: "n1", fields: { title: "N" }, at: NOW },
      { kind: "set_all", fields: { completed: true } },
      { kind: "clear_completed" },
    ]) {
      const before = structuredClone([...rows.entries()]);
      const countsBefore = { ...counts };
      const prev = reversal(rows, m);
      applyMutation(rows, counts, m);
      applyMutation(rows, counts, { kind: "undo", prev });
      assert.deepEqual([...rows.entries()].sort(), before.sort(), `undo of ${m.kind}`);
      assert.deepEqual(counts, countsBefore, `counts after undo of ${m.kind}`);
    }
  });

  test("reversal of a change to a row that is not here is null (nothing to undo)", () => {
    const rows = rowsOf(row("t1", "A"));
    assert.equal(reversal(rows, { kind: "set", task_id: "x", fields: { title: "B" } }), null);
    assert.equal(reversal(rows, { kind: "delete", task_id: "x" }), null);
    // and applying an undo without a plan changes nothing
    const counts = applyMutation(rows, { total: 1, active: 1 }, { kind: "undo", prev: null });
    assert.deepEqual(counts, { total: 1, active: 1 });
  });

  test("overlay applies the pending mutations in order and never touches the confirmed rows", () => {
    const confirmedRows = rowsOf(row("t1", "A"), row("t2", "B"));
    const snapshot = structuredClone([...confirmedRows.entries()]);
    const counts = { total: 2, active: 2 };
    const shown = overlay(confirmedRows, counts, [
      { kind: "set", task_id: "t1", fields: { title: "A1" } },
      { kind: "set", task_id: "t1", fields: { title: "A2" } },
      { kind: "delete", task_id: "t2" },
    ]);
    assert.equal(shown.rows.get("t1").title, "A2");
    assert.equal(shown.rows.has("t2"), false);
    assert.equal(shown.total, 1);
    assert.equal(shown.active, 1);
    assert.deepEqual([...confirmedRows.entries()], snapshot);
    assert.deepEqual(counts, { total: 2, active: 2 });
  });

  test("overlay counts never go negative, never undercount the rows, active <= total", () => {
    const confirmedRows = rowsOf(row("t1", "A"), row("t2", "B"));
    // Stale counts (0 / 0) from the server while both rows are loaded and then deleted.
    let shown = overlay(confirmedRows, { total: 0, active: 0 }, [
      { kind: "delete", task_id: "t1" },
      { kind: "delete", task_id: "t2" },
    ]);
    assert.equal(shown.total, 0);
    assert.equal(shown.active, 0);
    shown = overlay(confirmedRows, { total: 1, active: 0 }, [
      { kind: "set", task_id: "t1", fields: { completed: true } },
    ]);
    assert.equal(shown.active, 0);
    assert.equal(shown.total, 2); // two rows are on the page
    shown = overlay(confirmedRows, { total: 1, active: 5 }, []);
    assert.ok(shown.active <= shown.total);
  });

});

// --- confirmed rows ----------------------------------------------------------------------

describe("Confirmed", () => {
  test("applies each change once, in seq order, on top of the base list", () => {
    const c = new Confirmed();
    const base = { rows: [row("t1", "A"), row("t2", "B")], rowsSeq: 5, epoch: "e1" };
    let result = c.sync({ ...base, changes: [] });
    assert.deepEqual(result, { gap: false, settled: [] });
    const c7 = change(7, "m7", { rows: [row("t1", "A2", { version: 3 })] });
    const c6 = change(6, "m6", { rows: [row("t1", "A1", { version: 2 })], removed: ["t2"] });
    result = c.sync({ ...base, changes: [c7, c6] });
    assert.equal(result.gap, false);
    assert.deepEqual(
      result.settled.map((s) => s.seq),
      [6, 7],
    );
    assert.equal(c.rows.get("t1").title, "A2");
    assert.equal(c.rows.has("t2"), false);
    assert.equal(c.seq, 7);
    // The server re-sends its newest changes with each delta: old ones are not settled again.
    const c8 = change(8, "m8", { rows: [row("t3", "C")] });
    result = c.sync({ ...base, changes: [c6, c7, c8] });
    assert.deepEqual(
      result.settled.map((s) => s.seq),
      [8],
    );
    assert.deepEqual([...c.rows.keys()].sort(), ["t1", "t3"]);
  });

  test("a missed seq is a gap: nothing is applied", () => {
    const c = new Confirmed();
    c.sync({ rows: [row("t1", "A")], rowsSeq: 1, epoch: "e1", changes: [] });
    const result = c.sync({
      rows: [row("t1", "A")],
      rowsSeq: 1,
      epoch: "e1",
      changes: [change(3, "m3", { removed: ["t1"] })],
    });
    assert.deepEqual(result, { gap: true, settled: [] });
    assert.equal(c.rows.has("t1"), true);
    assert.equal(c.seq, 1);
  });

  test("a new base (rowsSeq or epoch) replaces the rows", () => {
    const c = new Confirmed();
    c.sync({ rows: [row("t1", "A")], rowsSeq: 1, epoch: "e1", changes: [] });
    c.sync({ rows: [row("t2", "B")], rowsSeq: 4, epoch: "e1", changes: [] });
    assert.deepEqual([...c.rows.keys()], ["t2"]);
    assert.equal(c.seq, 4);
    c.sync({ rows: [row("t3", "C")], rowsSeq: 4, epoch: "e2", changes: [] });
    assert.deepEqual([...c.rows.keys()], ["t3"]);
    assert.equal(c.epoch, "e2");
  });
});

describe("Confirmed: changes made elsewhere (remote)", () => {
  test("a page renders before its first load arrives", () => {
    const engine = new Engine(makeIo({}));
    assert.deepEqual([engine.getSnapshot().total, engine.getSnapshot().tasks], [0, []]);
  });

  const base = () => ({
    rows: [row("t1", "A", { version: 2 }), row("t2", "B")],
    rowsSeq: 1,
    epoch: "e1",
    changes: [],
    total: 2,
    active: 2,
  });

  test("each entry applies once, in order, and moves the counts", () => {
    const c = new Confirmed();
    c.sync(base());
    const r1 = change(1, "", { rows: [row("t3", "C")], was: { t3: null } });
    const r2 = change(2, "", {
      rows: [row("t1", "A", { version: 3, completed: true })],
      was: { t1: { version: 2, completed: false } },
    });
    assert.equal(c.sync({ ...base(), ...remote("e1", r1) }).gap, false);
    // The next update re-sends r1 with r2 (React may fold two updates into one render).
    assert.equal(c.sync({ ...base(), ...remote("e1", r1, r2) }).gap, false);
    assert.deepEqual(c.counts, { total: 3, active: 2 });
    assert.equal(c.rows.get("t1").completed, true);
    assert.equal(c.remoteSeq, 2);
  });

  test("a missed entry is a gap", () => {
    const c = new Confirmed();
    c.sync(base());
    const result = c.sync({ ...base(), ...remote("e1", change(2, "", { removed: ["t1"] })) });
    assert.equal(result.gap, true);
    assert.equal(c.rows.has("t1"), true);
  });

  test("entries for a load not arrived yet wait for it; an older load's are ignored", () => {
    const c = new Confirmed();
    c.sync(base());
    const early = remote("e2", change(1, "", { rows: [row("t9", "Z")], was: { t9: null } }));
    c.sync({ ...base(), ...early });
    assert.equal(c.rows.has("t9"), false, "not for this load");
    c.sync({ ...base(), epoch: "e2", rowsSeq: 5, ...early });
    assert.equal(c.rows.has("t9"), true, "applied once its load is here");
    assert.deepEqual(c.counts, { total: 3, active: 3 });
    c.sync({ ...base(), epoch: "e2", rowsSeq: 5, ...remote("e1", change(1, "", { removed: ["t9"] })) });
    assert.equal(c.rows.has("t9"), true);
  });

  test("an entry the load already read moves nothing", () => {
    const c = new Confirmed();
    c.sync(base());
    // Committed before the read, announced after it: the same row, the same version.
    c.sync({ ...base(), ...remote("e1", change(1, "", { rows: [row("t2", "B")], was: { t2: null } })) });
    assert.deepEqual(c.counts, { total: 2, active: 2 });
  });

  test("a row older than the one held never replaces it, from either stream", () => {
    const c = new Confirmed();
    c.sync(base());
    c.sync({ ...base(), ...remote("e1", change(1, "", { rows: [row("t1", "Newer", { version: 5 })] })) });
    // This page's own answer for an earlier write of t1 arrives after it.
    c.sync({ ...base(), ...remote("e1"), changes: [change(2, "m", { rows: [row("t1", "Older", { version: 4 })] })] });
    assert.equal(c.rows.get("t1").title, "Newer");
  });

  test("a removed row comes back only newer than it went (an undo), never stale", () => {
    const c = new Confirmed();
    c.sync(base());
    const t1 = row("t1", "A", { version: 2 });
    c.sync({ ...base(), changes: [change(2, "m", { removed: ["t1"], was: { t1 } })] });
    const stale = change(1, "", { rows: [row("t1", "A late edit", { version: 2 })] });
    c.sync({ ...base(), changes: [], ...remote("e1", stale) });
    assert.equal(c.rows.has("t1"), false);
    assert.deepEqual(c.counts, { total: 1, active: 1 }, "nothing new: the counts stay");
    const undone = change(2, "", { rows: [row("t1", "A", { version: 3 })], was: { t1: null } });
    c.sync({ ...base(), changes: [], ...remote("e1", stale, undone) });
    assert.equal(c.rows.get("t1").version, 3);
    assert.deepEqual(c.counts, { total: 2, active: 2 });
  });
});

// --- small helpers -----------------------------------------------------------------------

describe("matches, itemsLeft, emptyMessage, statusText, signOutQuestion", () => {
  const open = row("a", "Buy Milk", { description: "Semi-skimmed" });
  const done = row("b", "Walk dog", { completed: true, description: "In the PARK" });

  test("matches filters by status", () => {
    assert.equal(matches(open, "all", ""), true);
    assert.equal(matches(done, "all", ""), true);
    assert.equal(matches(open, "active", ""), true);
    assert.equal(matches(done, "active", ""), false);
    assert.equal(matches(open, "completed", ""), false);
    assert.equal(matches(done, "completed", ""), true);
  });

  test("matches searches title and description, case-insensitively", () => {
    assert.equal(matches(open, "all", "milk"), true);
    assert.equal(matches(open, "all", "SKIMMED"), true);
    assert.equal(matches(done, "all", "park"), true);
    assert.equal(matches(open, "all", "park"), false);
    assert.equal(matches(done, "active", "park"), false); // filter and query both apply
    assert.equal(matches(done, "completed", "park"), true);
  });

  test("itemsLeft pluralises", () => {
    assert.equal(itemsLeft(0), "0 items left");
    assert.equal(itemsLeft(1), "1 item left");
    assert.equal(itemsLeft(2), "2 items left");
    assert.equal(itemsLeft(21), "21 items left");
  });

  test("emptyMessage says why the list is empty", () => {
    assert.equal(emptyMessage("all", "milk", 3), 'No tasks match "milk"');
    assert.equal(emptyMessage("active", "", 3), "Nothing active");
    assert.equal(emptyMessage("completed", "", 3), "Nothing completed yet");
    assert.equal(emptyMessage("all", "", 0), "No tasks yet");
    assert.equal(emptyMessage("active", "", 0), "No tasks yet");
    assert.equal(emptyMessage("completed", "", 0), "No tasks yet");
  });

  test("statusText is quiet while saved, honest while not", () => {
    assert.equal(statusText(0, true, false), "");
    assert.equal(statusText(0, true, true), "");
    assert.equal(statusText(2, true, false), ""); // a quick save says nothing
    assert.equal(statusText(2, true, true), "Saving…");
    assert.equal(statusText(0, false, false), "Offline");
    assert.equal(statusText(1, false, false), "Offline — 1 change waiting");
    assert.equal(statusText(3, false, true), "Offline — 3 changes waiting");
  });

  test("signOutQuestion names how many changes would be discarded", () => {
    assert.equal(
      signOutQuestion(1),
      "1 change has not been saved yet. Sign out and discard it?",
    );
    assert.equal(
      signOutQuestion(4),
      "4 changes have not been saved yet. Sign out and discard them?",
    );
  });
});

describe("refusalMessage", () => {
  const set = { kind: "set", label: "Buy milk" };
  const refused = (reason, detail = "") => ({ status: "refused", reason, detail });

  test("failed", () => {
    assert.equal(
      refusalMessage(set, { status: "failed", reason: "", detail: "" }),
      'Could not save "Buy milk". Your change was undone.',
    );
  });

  test("stale, deleted and nothing", () => {
    assert.equal(
      refusalMessage(set, refused("stale")),
      '"Buy milk" was changed elsewhere; showing the latest version.',
    );
    assert.equal(
      refusalMessage(set, refused("deleted")),
      '"Buy milk" was deleted elsewhere, or is no longer shared with you.',
    );
    // A create in a list the user has lost (removed from it, or it was deleted).
    assert.equal(
      refusalMessage({ kind: "create", label: "Soap" }, refused("deleted")),
      'Could not add "Soap": its list is gone or no longer shared with you.',
    );
    // Deleting what is already gone is what the user wanted: nothing to say.
    assert.equal(refusalMessage({ kind: "delete", label: "Buy milk" }, refused("deleted")), "");
    assert.equal(
      refusalMessage({ kind: "undo", label: "Buy milk" }, refused("nothing")),
      "Nothing to undo: it was changed elsewhere.",
    );
  });

  test("a viewer's refusal says the service's reason", () => {
    const reason = "You can view this list but not change it; ask its owner to make you an editor";
    assert.equal(
      refusalMessage(set, refused("forbidden", reason)),
      `Could not save "Buy milk": ${reason}.`,
    );
    assert.equal(
      refusalMessage({ kind: "create", label: "Buy milk" }, refused("forbidden", reason)),
      `Could not add "Buy milk": ${reason}.`,
    );
  });

  test("invalid names the problem, with one full stop", () => {
    assert.equal(
      refusalMessage(set, refused("invalid", "Title must be at most 200 characters.")),
      'Could not save "Buy milk": Title must be at most 200 characters.',
    );
    assert.equal(
      refusalMessage({ kind: "create", label: "New" }, refused("invalid", "Enter a title")),
      'Could not add "New": Enter a title.',
    );
    assert.equal(
      refusalMessage(set, refused("invalid")),
      'Could not save "Buy milk": the server refused it.',
    );
  });

  test("a mutation without a label is 'this task'", () => {
    assert.equal(
      refusalMessage({ kind: "set" }, refused("deleted")),
      '"this task" was deleted elsewhere, or is no longer shared with you.',
    );
  });
});

// --- the engine -------------------------------------------------------------------------

describe("Engine: store protocol", () => {
  test("getSnapshot is stable until something changes, and subscribers hear every change", () => {
    const { engine, view } = setup({ rows: milkAndDog() });
    const first = view();
    assert.equal(view(), first, "same object while nothing changed (useSyncExternalStore)");
    let calls = 0;
    const unsubscribe = engine.subscribe(() => {
      calls += 1;
    });
    engine.setCompleted("t1", true);
    assert.ok(calls >= 1);
    assert.notEqual(view(), first);
    const heard = calls;
    unsubscribe();
    engine.setCompleted("t2", true);
    assert.equal(calls, heard);
  });

  test("the snapshot lists the filtered rows newest first with their counts", () => {
    const rows = [
      ...milkAndDog(),
      row("t3", "Read book", { completed: true, created_at: "2024-01-03T00:00:00+00:00" }),
    ];
    const { view } = setup({ rows });
    const v = view();
    assert.deepEqual(ids(v.tasks), ["t3", "t1", "t2"]);
    assert.equal(v.total, 3);
    assert.equal(v.active, 2);
    assert.equal(v.completedCount, 1);
    assert.equal(v.allCompleted, false);
    assert.equal(v.itemsLeft, "2 items left");
    assert.equal(v.pending, 0);
    assert.equal(v.connected, true);
    assert.equal(v.loading, false);
    assert.equal(v.details, null);
  });

  test("loading shows only while there is nothing to show yet", () => {
    const { view, push } = setup({ loading: true });
    assert.equal(view().loading, true);
    push({ rows: [row("t1", "A")], rowsSeq: 2, loading: true, total: 1, active: 1 });
    assert.equal(view().loading, false);
  });
});

describe("Engine: making and sending mutations", () => {
  test("a mutation paints at once, before any answer, and is sent once on the wire shape", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    assert.equal(io.sent.length, 0, "nothing to send after the first sync");
    const m = engine.setCompleted("t1", true);
    // Painted in the same turn as the click.
    const v = view();
    assert.equal(byId(v, "t1").completed, true);
    assert.equal(v.active, 1);
    assert.equal(v.itemsLeft, "1 item left");
    assert.equal(v.pending, 1);
    // Sent once, as exactly what the server parses.
    assert.equal(io.sent.length, 1);
    assert.deepEqual(io.sent[0], {
      uid: "u1",
      batch: [
        {
          mid: m.mid,
          kind: "set",
          task_id: "t1",
          fields: { completed: true },
          base_version: 3,
          after: null,
          of: null,
        },
      ],
    });
    // Nothing else goes out until there is something new.
    engine.flush();
    assert.equal(io.sent.length, 1);
  });

  test("the wire never carries prev or label (nor at, but for a create), though the outbox keeps them", () => {
    const { engine, io } = setup({ rows: milkAndDog() });
    engine.update("t1", { title: "Buy oat milk" });
    engine.remove("t2");
    engine.setAll(true);
    engine.clearCompleted();
    engine.undo();
    engine.add("New one");
    const wire = allSent(io);
    assert.equal(wire.length, 6);
    for (const w of wire) {
      // A create also carries its time (the task keeps the place it was added in).
      const keys = w.kind === "create" ? [...WIRE_KEYS, "at"].sort() : WIRE_KEYS;
      assert.deepEqual(Object.keys(w).sort(), keys, w.kind);
    }
    const kept = engine.outbox.items[0];
    assert.equal(kept.label, "Buy milk");
    assert.equal(kept.at, NOW);
    assert.deepEqual(kept.prev, { set: [{ id: "t1", fields: { title: "Buy milk" } }] });
  });

  test("a second change to a task comes after the first: base_version stays the confirmed one", () => {
    const { engine, io } = setup({ rows: milkAndDog() });
    const m1 = engine.update("t1", { title: "Buy oat milk" });
    const other = engine.setCompleted("t2", true);
    const m2 = engine.setCompleted("t1", true);
    const m3 = engine.update("t1", { description: "2 litres" });
    const [w1, wOther, w2, w3] = allSent(io);
    assert.deepEqual([w1.mid, wOther.mid, w2.mid, w3.mid], [m1.mid, other.mid, m2.mid, m3.mid]);
    assert.equal(w1.after, null);
    assert.equal(wOther.after, null, "another task's change is not chained");
    assert.equal(wOther.base_version, 7);
    assert.equal(w2.after, m1.mid);
    assert.equal(w3.after, m2.mid);
    for (const w of [w1, w2, w3]) assert.equal(w.base_version, 3);
  });

  test("after a change settles, the next one is based on the new confirmed version", () => {
    const { engine, io, push } = setup({ rows: milkAndDog() });
    const m1 = engine.setCompleted("t1", true);
    push({
      changes: [change(2, m1.mid, { rows: [row("t1", "Buy milk", { completed: true, version: 4 })] })],
      active: 1,
    });
    engine.update("t1", { title: "Buy oat milk" });
    const last = io.sent.at(-1).batch[0];
    assert.equal(last.base_version, 4);
    assert.equal(last.after, null);
  });

  test("update sends only the fields that change, and nothing when none do", () => {
    const { engine, io } = setup({ rows: milkAndDog() });
    assert.equal(engine.update("t1", { title: "Buy milk" }), null);
    assert.equal(engine.update("missing", { title: "X" }), null);
    assert.equal(io.sent.length, 0);
    assert.equal(engine.outbox.items.length, 0);
    engine.update("t1", { title: "Buy milk", description: "2 litres" });
    assert.deepEqual(io.sent[0].batch[0].fields, { description: "2 litres" });
  });

  test("signed out, nothing is made or sent", () => {
    const { engine, io, view } = setup({ userId: "", epoch: "", rows: [] });
    assert.equal(engine.setCompleted("t1", true), null);
    assert.equal(engine.setAll(true), null);
    assert.equal(io.sent.length, 0);
    assert.equal(view().pending, 0);
  });
});

describe("Engine: the outbox across reloads and users", () => {
  test("the outbox survives a reload: a new engine on the same storage shows and re-sends it", () => {
    const storage = memoryStorage();
    const first = setup({ storage, rows: milkAndDog() });
    first.engine.setConnected(false);
    const m1 = first.engine.setCompleted("t1", true);
    const m2 = first.engine.remove("t2");
    assert.equal(first.io.sent.length, 0);

    // Reload: a new page (new engine, new epoch) on the same localStorage.
    const second = setup({ storage, idPrefix: "r", rows: milkAndDog(), epoch: "e2" });
    const v = second.view();
    assert.equal(v.pending, 2);
    assert.equal(byId(v, "t1").completed, true);
    assert.equal(byId(v, "t2"), undefined);
    assert.equal(second.io.sent.length, 1);
    assert.equal(second.io.sent[0].uid, "u1");
    assert.deepEqual(mids(second.io.sent[0].batch), [m1.mid, m2.mid]);
    assert.deepEqual(second.io.sent[0].batch[0], {
      mid: m1.mid,
      kind: "set",
      task_id: "t1",
      fields: { completed: true },
      base_version: 3,
      after: null,
      of: null,
    });
  });

  test("after a reload a refusal still names the task (the label is kept)", () => {
    const storage = memoryStorage();
    const first = setup({ storage, rows: milkAndDog() });
    first.engine.setConnected(false);
    const m = first.engine.update("t1", { title: "Buy oat milk" });
    const second = setup({ storage, idPrefix: "r", rows: milkAndDog(), epoch: "e2" });
    second.push({ changes: [change(2, m.mid, { status: "refused", reason: "deleted" })] });
    assert.equal(second.io.notes.length, 1);
    assert.match(second.io.notes[0].message, /"Buy milk" was deleted elsewhere/);
    assert.equal(second.view().pending, 0);
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
  });

  test("the outbox is per user: user B's engine never sends user A's changes", () => {
    const storage = memoryStorage();
    const a = setup({ storage, userId: "uA", rows: milkAndDog() });
    a.engine.setConnected(false);
    const mA = a.engine.setCompleted("t1", true);

    const b = setup({ storage, userId: "uB", idPrefix: "b", rows: [row("t9", "B's task")] });
    assert.equal(b.io.sent.length, 0, "B has nothing to send");
    assert.equal(b.view().pending, 0);
    const mB = b.engine.setCompleted("t9", true);
    assert.deepEqual(b.io.sent, [
      { uid: "uB", batch: [{ ...b.io.sent[0].batch[0], mid: mB.mid }] },
    ]);
    assert.deepEqual(mids(allSent(b.io)), [mB.mid]);

    assert.deepEqual(
      JSON.parse(storage.getItem(`${OUTBOX_PREFIX}uA`)).map((m) => m.mid),
      [mA.mid],
    );
    assert.deepEqual(
      JSON.parse(storage.getItem(`${OUTBOX_PREFIX}uB`)).map((m) => m.mid),
      [mB.mid],
    );
  });

  test("switching users in one engine swaps the outbox and sends only the new user's", () => {
    const storage = memoryStorage();
    const { engine, io, push, view } = setup({ storage, userId: "uA", rows: milkAndDog() });
    engine.setConnected(false);
    const mA = engine.setCompleted("t1", true);
    engine.startEdit("t1");
    engine.setConnected(true);
    assert.deepEqual(mids(allSent(io)), [mA.mid]);

    // A signs out (keeping the outbox), B signs in on the same tab.
    push({ userId: "", epoch: "", rows: [], rowsSeq: 0, total: 0, active: 0 });
    push({ userId: "uB", epoch: "e9", rows: [row("t9", "B's task")], rowsSeq: 1, total: 1, active: 1 });
    assert.equal(view().pending, 0);
    assert.equal(view().editingId, "");
    assert.deepEqual(ids(view().tasks), ["t9"]);
    const mB = engine.setCompleted("t9", true);
    const afterSwitch = io.sent.slice(1);
    assert.ok(afterSwitch.every((s) => s.uid === "uB"));
    assert.deepEqual(mids(afterSwitch.flatMap((s) => s.batch)), [mB.mid]);
    // A's entry is still stored for when A signs in again.
    assert.deepEqual(
      engine.outboxOf("uA").items.map((m) => m.mid),
      [mA.mid],
    );
  });

  test("outboxOf is the engine's own outbox for its user, a stored one for another", () => {
    const storage = memoryStorage();
    const a = setup({ storage, userId: "uA", rows: milkAndDog() });
    a.engine.setConnected(false);
    const mA = a.engine.setCompleted("t1", true);
    assert.equal(a.engine.outboxOf("uA"), a.engine.outbox);

    const b = setup({ storage, userId: "uB", idPrefix: "b" });
    const ofA = b.engine.outboxOf("uA");
    assert.notEqual(ofA, b.engine.outbox);
    assert.deepEqual(
      ofA.items.map((m) => m.mid),
      [mA.mid],
    );
    assert.deepEqual(b.engine.outboxOf("uC").items, []);
    // Clearing it (sign out and discard) empties A's stored list only.
    ofA.clear();
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}uA`), null);
  });

  test(
    "two tabs of one user share the stored outbox: a reload keeps both tabs' changes",
    () => {
      const storage = memoryStorage();
      const tabA = setup({ storage, idPrefix: "a", rows: milkAndDog() });
      const tabB = setup({ storage, idPrefix: "b", rows: milkAndDog() });
      tabA.engine.setConnected(false);
      tabB.engine.setConnected(false);
      const mA = tabA.engine.setCompleted("t1", true);
      const mB = tabB.engine.setCompleted("t2", true);
      const reloaded = setup({ storage, idPrefix: "r", rows: milkAndDog(), epoch: "e2" });
      assert.deepEqual(
        reloaded.engine.outbox.items.map((m) => m.mid).sort(),
        [mA.mid, mB.mid].sort(),
      );
    },
  );
});

describe("Outbox: several tabs of one user", () => {
  test("a tab's write keeps the other tab's entries in storage but never adopts them", () => {
    const storage = memoryStorage();
    const tabA = setup({ storage, idPrefix: "a", rows: milkAndDog() });
    const tabB = setup({ storage, idPrefix: "b", rows: milkAndDog() });
    tabA.engine.setConnected(false);
    tabB.engine.setConnected(false);
    const mA = tabA.engine.setCompleted("t1", true);
    const mB = tabB.engine.setCompleted("t2", true);
    tabA.engine.outbox.remove([mA.mid]); // A's change settled in A
    // A holds nothing of B's (it could never send or settle it), yet B's entry is kept.
    assert.deepEqual(tabA.engine.outbox.items, []);
    assert.deepEqual(
      JSON.parse(storage.getItem(`${OUTBOX_PREFIX}u1`)).map((m) => m.mid),
      [mB.mid],
    );
    assert.deepEqual(tabB.engine.outbox.items.map((m) => m.mid), [mB.mid]);
  });
});

describe("Engine: passing failures are tried again quietly", () => {
  test("a failed change stays, goes again with the ones made on top of it, then applies", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog(), autoRetries: 2 });
    const first = engine.setCompleted("t1", true);
    const second = engine.update("t1", { title: "Buy oat milk" });
    const sentBefore = io.sent.length;
    push({
      changes: [
        change(2, first.mid, { status: "failed" }),
        change(3, second.mid, { status: "failed", detail: "waiting for an earlier change" }),
      ],
    });
    assert.equal(view().pending, 2); // nothing reverted, nothing said
    assert.equal(byId(view(), "t1").title, "Buy oat milk");
    assert.deepEqual(io.notes, []);
    assert.equal(io.timers.length, 1);
    io.timers.shift()(); // the retry timer fires
    assert.deepEqual(mids(io.sent.at(-1).batch), [first.mid, second.mid]); // same mids, in order
    assert.ok(io.sent.length > sentBefore);
    push({
      changes: [
        change(4, first.mid, { rows: [row("t1", "Buy milk", { version: 4, completed: true })] }),
        change(5, second.mid, { rows: [row("t1", "Buy oat milk", { version: 5, completed: true })] }),
      ],
    });
    assert.equal(view().pending, 0);
  });

  test("after the quiet tries the user is told, with Retry", () => {
    const { engine, io, push } = setup({ rows: milkAndDog(), autoRetries: 1 });
    const m = engine.setCompleted("t1", true);
    push({ changes: [change(2, m.mid, { status: "failed" })] });
    assert.deepEqual(io.notes, []);
    io.timers.shift()();
    push({ changes: [change(3, m.mid, { status: "failed" })] });
    assert.equal(io.notes.length, 1);
    assert.equal(io.notes[0].action.label, "Retry");
    assert.equal(engine.outbox.items.length, 0);
  });
});

describe("Engine: a sent change nobody answers goes again", () => {
  test("after RESEND_MS without an answer the same mid is sent again, once answered it stops", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog() });
    const m = engine.setCompleted("t1", true);
    assert.deepEqual(mids(io.sent.at(-1).batch), [m.mid]);
    const sends = io.sent.length;
    assert.equal(io.watchdogs.length, 1);
    io.ms += RESEND_MS - 1;
    io.watchdogs.shift()(); // too soon: not sent again, still watched
    assert.equal(io.sent.length, sends);
    assert.equal(io.watchdogs.length, 1);
    io.ms += 1;
    io.watchdogs.shift()(); // the server dropped it (a rate limit): it goes again, same mid
    assert.equal(io.sent.length, sends + 1);
    assert.deepEqual(mids(io.sent.at(-1).batch), [m.mid]);
    push({ changes: [change(2, m.mid, { rows: [row("t1", "Buy milk", { version: 4, completed: true })] })] });
    assert.equal(view().pending, 0);
    io.ms += RESEND_MS;
    io.watchdogs.splice(0).forEach((fire) => fire());
    assert.equal(io.sent.length, sends + 1); // answered: nothing more goes out
    assert.equal(io.watchdogs.length, 0); // and nothing is watched
  });

  test("offline, nothing is resent until the connection is back", () => {
    const { engine, io } = setup({ rows: milkAndDog() });
    engine.setConnected(false);
    engine.setCompleted("t1", true);
    const sends = io.sent.length;
    io.ms += RESEND_MS;
    io.watchdogs.splice(0).forEach((fire) => fire());
    assert.equal(io.sent.length, sends);
  });
});

describe("Engine: settling changes", () => {
  test("an applied change drops the outbox entry and the snapshot keeps the value", () => {
    const storage = memoryStorage();
    const { engine, io, push, view } = setup({ storage, rows: milkAndDog() });
    const m = engine.update("t1", { title: "Buy oat milk" });
    assert.equal(view().pending, 1);
    assert.notEqual(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
    push({
      changes: [change(2, m.mid, { rows: [row("t1", "Buy oat milk", { version: 4 })] })],
    });
    const v = view();
    assert.equal(v.pending, 0);
    assert.deepEqual(engine.outbox.items, []);
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
    assert.equal(byId(v, "t1").title, "Buy oat milk");
    assert.equal(byId(v, "t1").version, 4);
    assert.deepEqual(io.notes, []);
  });

  test("changes made elsewhere (no mid of ours) update the rows and leave the outbox alone", () => {
    const { engine, push, view } = setup({ rows: milkAndDog() });
    const m = engine.setCompleted("t1", true);
    push(
      remote(
        "e1",
        change(1, "someone-else", { rows: [row("t2", "Walk the dog", { version: 8 })] }),
        change(2, "", {
          rows: [row("t5", "From the API", { created_at: NOW })],
          was: { t5: null },
        }),
      ),
    );
    const v = view();
    assert.deepEqual(
      engine.outbox.items.map((x) => x.mid),
      [m.mid],
    );
    assert.equal(byId(v, "t2").title, "Walk the dog");
    assert.equal(v.tasks[0].id, "t5");
    assert.equal(byId(v, "t1").completed, true, "our pending change still shows on top");
    assert.equal(v.total, 3);
    assert.equal(v.active, 2); // 3 active confirmed, one of them done here (pending)
  });

  test("a refused change reverts exactly that mutation; another pending one stays", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog() });
    const m1 = engine.update("t1", { title: "Buy oat milk" });
    const m2 = engine.setCompleted("t1", true);
    const m3 = engine.setCompleted("t2", true);
    push({
      changes: [
        change(2, m1.mid, { status: "refused", reason: "invalid", detail: "Title is too rude" }),
      ],
    });
    const v = view();
    assert.deepEqual(
      engine.outbox.items.map((x) => x.mid),
      [m2.mid, m3.mid],
    );
    assert.equal(byId(v, "t1").title, "Buy milk", "the refused title reverted");
    assert.equal(byId(v, "t1").completed, true, "the later change to the same task stays");
    assert.equal(byId(v, "t2").completed, true);
    assert.equal(io.notes.length, 1);
    assert.equal(io.notes[0].message, 'Could not save "Buy milk": Title is too rude.');
    assert.equal(io.notes[0].kind, "warning");
    assert.equal(io.notes[0].action, null);
    // A refused change cannot be undone any more.
    assert.equal(engine.undo(m1.mid), null);
  });

  test("a stale refusal shows the stored task and the next change is based on it", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog() });
    const m = engine.update("t1", { title: "Buy oat milk" });
    push({
      changes: [
        change(2, m.mid, {
          status: "refused",
          reason: "stale",
          rows: [row("t1", "Buy almond milk", { version: 9 })],
        }),
      ],
    });
    assert.equal(byId(view(), "t1").title, "Buy almond milk");
    assert.match(io.notes[0].message, /"Buy milk" was changed elsewhere/);
    engine.setCompleted("t1", true);
    assert.equal(io.sent.at(-1).batch[0].base_version, 9);
  });

  test("deleting a task already deleted elsewhere settles silently", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog() });
    const m = engine.remove("t1");
    const undoOffer = io.notes.length;
    push({
      changes: [change(2, m.mid, { status: "refused", reason: "deleted", removed: ["t1"] })],
    });
    assert.equal(io.notes.length, undoOffer, "no refusal message");
    assert.equal(view().pending, 0);
    assert.equal(byId(view(), "t1"), undefined);
  });

  test("a failed change reverts and offers Retry, which re-enqueues the same mid", () => {
    const storage = memoryStorage();
    const { engine, io, push, view } = setup({ storage, rows: milkAndDog() });
    const m = engine.update("t1", { title: "Buy oat milk" });
    push({ changes: [change(2, m.mid, { status: "failed" })] });
    assert.equal(byId(view(), "t1").title, "Buy milk");
    assert.equal(view().pending, 0);
    assert.equal(io.notes.length, 1);
    const note = io.notes[0];
    assert.equal(note.message, 'Could not save "Buy milk". Your change was undone.');
    assert.equal(note.kind, "error");
    assert.equal(note.action.label, "Retry");

    note.action.onClick();
    assert.deepEqual(
      engine.outbox.items.map((x) => x.mid),
      [m.mid],
    );
    assert.deepEqual(engine.outbox.items[0].fields, { title: "Buy oat milk" });
    assert.deepEqual(
      JSON.parse(storage.getItem(`${OUTBOX_PREFIX}u1`)).map((x) => x.mid),
      [m.mid],
    );
    assert.equal(byId(view(), "t1").title, "Buy oat milk");
    assert.equal(view().pending, 1);
  });

  test(
    "Retry sends the failed change again at once",
    () => {
      const { engine, io, push } = setup({ rows: milkAndDog() });
      const m = engine.update("t1", { title: "Buy oat milk" });
      push({ changes: [change(2, m.mid, { status: "failed" })] });
      const before = io.sent.length;
      io.notes[0].action.onClick();
      assert.equal(io.sent.length, before + 1);
      assert.deepEqual(mids(io.sent.at(-1).batch), [m.mid]);
    },
  );
});

describe("Engine: undo", () => {
  test("a delete offers Undo; undo enqueues an 'undo' of that delete and the row reappears", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    const m = engine.remove("t1");
    assert.equal(byId(view(), "t1"), undefined);
    assert.equal(view().total, 1);
    assert.equal(io.notes.length, 1);
    const note = io.notes[0];
    assert.equal(note.message, 'Deleted "Buy milk"');
    assert.equal(note.kind, "info");
    assert.equal(note.action.label, "Undo");

    const u = note.action.onClick();
    assert.equal(u.kind, "undo");
    assert.equal(u.of, m.mid);
    assert.deepEqual(
      engine.outbox.items.map((x) => x.mid),
      [m.mid, u.mid],
    );
    const v = view();
    const { due_label, overdue, tags, reminders, recurrence, ...rest } = byId(v, "t1");
    const { depth, context, collapsed, progress, ...shown } = rest;
    assert.deepEqual(shown, milkAndDog()[0]); // the row as it was, display fields aside
    assert.equal(due_label, "");
    assert.equal(v.total, 2);
    assert.equal(v.active, 2);
    assert.deepEqual(io.sent.at(-1).batch, [
      { mid: u.mid, kind: "undo", task_id: null, fields: {}, base_version: null, after: null, of: m.mid },
    ]);
  });

  test("undo still works once the delete is confirmed (its outbox entry is gone)", () => {
    const { engine, push, view } = setup({ rows: milkAndDog() });
    const m = engine.remove("t1");
    push({ changes: [change(2, m.mid, { removed: ["t1"], was: { t1: milkAndDog()[0] } })] });
    assert.equal(view().pending, 0);
    assert.equal(byId(view(), "t1"), undefined);
    assert.equal(view().total, 1);
    const u = engine.undo(m.mid);
    assert.equal(u.of, m.mid);
    assert.equal(byId(view(), "t1").title, "Buy milk");
    assert.equal(view().total, 2);
    // The server confirms the undo with the restored row (a restore is a new version):
    // nothing pending, the row stays.
    const restored = { ...milkAndDog()[0], version: milkAndDog()[0].version + 1 };
    push({ changes: [change(3, u.mid, { rows: [restored], was: { t1: null } })] });
    assert.equal(view().pending, 0);
    assert.equal(byId(view(), "t1").title, "Buy milk");
  });

  test("undo() with no mid (Ctrl+Z) undoes the newest change, then the one before", () => {
    const { engine, view } = setup({ rows: milkAndDog() });
    const m1 = engine.setCompleted("t1", true);
    const m2 = engine.update("t2", { title: "Walk the dog" });
    const u2 = engine.undo();
    assert.equal(u2.of, m2.mid);
    assert.equal(byId(view(), "t2").title, "Walk dog");
    assert.equal(byId(view(), "t1").completed, true);
    const u1 = engine.undo();
    assert.equal(u1.of, m1.mid);
    assert.equal(byId(view(), "t1").completed, false);
    assert.equal(engine.undo(), null, "undo itself is not undone by Ctrl+Z");
    assert.equal(engine.undo("no-such-mid"), null);
  });

  test("undo of a task just added removes it", () => {
    const { engine, view } = setup({ rows: milkAndDog() });
    assert.equal(engine.add("Buy eggs"), true);
    assert.equal(view().total, 3);
    const u = engine.undo();
    assert.equal(u.kind, "undo");
    assert.deepEqual(ids(view().tasks), ["t1", "t2"]);
    assert.equal(view().total, 2);
  });

  test("an undo refused as 'nothing' says so and leaves the outbox", () => {
    const { engine, io, push } = setup({ rows: milkAndDog() });
    const m = engine.setCompleted("t1", true);
    const u = engine.undo(m.mid);
    push({ changes: [change(2, u.mid, { status: "refused", reason: "nothing" })] });
    assert.equal(io.notes.at(-1).message, "Nothing to undo: it was changed elsewhere.");
    assert.equal(engine.outbox.items.find((x) => x.mid === u.mid), undefined);
  });
});

describe("Engine: connection and resending", () => {
  test("while disconnected nothing is sent; reconnecting sends everything pending, in order", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    engine.setConnected(false);
    assert.equal(view().connected, false);
    const m1 = engine.setCompleted("t1", true);
    const m2 = engine.update("t2", { title: "Walk the dog" });
    const m3 = engine.remove("t1");
    assert.equal(io.sent.length, 0);
    const v = view();
    assert.equal(v.pending, 3);
    assert.equal(statusText(v.pending, v.connected, false), "Offline — 3 changes waiting");
    engine.setConnected(true);
    assert.equal(io.sent.length, 1);
    assert.deepEqual(mids(io.sent[0].batch), [m1.mid, m2.mid, m3.mid]);
    assert.equal(statusText(view().pending, view().connected, false), "");
    engine.setConnected(true); // no change: nothing sent again
    assert.equal(io.sent.length, 1);
  });

  test("changes sent before a disconnect are sent again on reconnect", () => {
    const { engine, io } = setup({ rows: milkAndDog() });
    const m1 = engine.setCompleted("t1", true);
    const m2 = engine.setCompleted("t2", true);
    assert.equal(io.sent.length, 2);
    engine.setConnected(false);
    engine.setConnected(true);
    assert.equal(io.sent.length, 3);
    assert.deepEqual(mids(io.sent[2].batch), [m1.mid, m2.mid]);
  });

  test("a new epoch (reload, reconnect) sends everything pending again, in order", () => {
    const { engine, io, push } = setup({ rows: milkAndDog() });
    const m1 = engine.setCompleted("t1", true);
    const m2 = engine.remove("t2");
    assert.equal(io.sent.length, 2);
    push({ query: "" }); // same epoch: nothing new to send
    assert.equal(io.sent.length, 2);
    push({ epoch: "e2", rowsSeq: 1 });
    assert.equal(io.sent.length, 3);
    assert.deepEqual(mids(io.sent[2].batch), [m1.mid, m2.mid]);
  });

  test("a new epoch first settles what it confirms, then re-sends only the rest", () => {
    const { engine, io, push } = setup({ rows: milkAndDog() });
    const m1 = engine.setCompleted("t1", true);
    const m2 = engine.setCompleted("t2", true);
    push({
      epoch: "e2",
      rowsSeq: 10,
      rows: milkAndDog(),
      changes: [change(11, m1.mid, { rows: [row("t1", "Buy milk", { completed: true, version: 4 })] })],
    });
    assert.deepEqual(mids(io.sent.at(-1).batch), [m2.mid]);
  });

  test("a gap in the change seqs asks for a resync and applies nothing", () => {
    const { engine, io, push, view } = setup({ rows: milkAndDog() });
    const m = engine.setCompleted("t1", true);
    push({ changes: [change(2, "x", { rows: [row("t2", "Walk the dog", { version: 8 })] })] });
    assert.equal(io.resyncs, 0, "contiguous changes need no resync");
    push({ changes: [change(4, m.mid, { rows: [row("t1", "Buy milk", { completed: true })] })] });
    assert.equal(io.resyncs, 1);
    assert.deepEqual(
      engine.outbox.items.map((x) => x.mid),
      [m.mid],
      "nothing settled from a partial view",
    );
    // The resync answer is a new base list.
    push({
      rowsSeq: 5,
      rows: [row("t1", "Buy milk", { completed: true, version: 4 }), milkAndDog()[1]],
      changes: [],
      active: 1,
    });
    assert.equal(io.resyncs, 1);
    assert.equal(byId(view(), "t1").version, 4);
  });

  test(
    "after a gap and resync, changes whose answers were missed are sent again to settle",
    () => {
      const { engine, io, push } = setup({ rows: milkAndDog() });
      const m = engine.setCompleted("t1", true);
      push({ changes: [change(3, "x", {})] }); // seq 2 (m's answer) was missed
      assert.equal(io.resyncs, 1);
      const before = io.sent.length;
      push({
        rowsSeq: 4,
        rows: [row("t1", "Buy milk", { completed: true, version: 4 }), milkAndDog()[1]],
        changes: [],
        active: 1,
      });
      // Either settled or re-sent (the server answers a re-sent mid with its recorded outcome).
      const resent = io.sent.slice(before).some((s) => mids(s.batch).includes(m.mid));
      assert.ok(resent || engine.outbox.items.length === 0);
    },
  );
});

describe("Engine: all tasks", () => {
  test("setAll(true) makes active 0 including tasks not loaded; setAll(false) active = total", () => {
    const rows = [...milkAndDog(), row("t3", "Done", { completed: true })];
    const { engine, io, view } = setup({ rows, total: 10, active: 6 });
    const m = engine.setAll(true);
    let v = view();
    assert.equal(v.active, 0);
    assert.equal(v.total, 10);
    assert.equal(v.completedCount, 10);
    assert.equal(v.allCompleted, true);
    assert.equal(v.itemsLeft, "0 items left");
    assert.ok(v.tasks.every((t) => t.completed));
    assert.deepEqual(io.sent[0].batch, [
      {
        mid: m.mid,
        kind: "set_all",
        task_id: null,
        fields: { completed: true },
        base_version: null,
        after: null,
        of: null,
      },
    ]);
    engine.setAll(false);
    v = view();
    assert.equal(v.active, 10);
    assert.equal(v.total, 10);
    assert.equal(v.allCompleted, false);
    assert.ok(v.tasks.every((t) => !t.completed));
  });

  test("clearCompleted leaves total = active (tasks not loaded too) and offers Undo", () => {
    const rows = [
      ...milkAndDog(),
      row("t3", "Done", { completed: true }),
      row("t4", "Also done", { completed: true }),
    ];
    const { engine, io, view } = setup({ rows, total: 10, active: 4 });
    const m = engine.clearCompleted();
    const v = view();
    assert.deepEqual(ids(v.tasks), ["t1", "t2"]);
    assert.equal(v.total, 4);
    assert.equal(v.active, 4);
    assert.equal(v.completedCount, 0);
    assert.equal(io.sent[0].batch[0].kind, "clear_completed");
    assert.equal(io.notes[0].message, "Cleared 6 completed tasks");
    assert.equal(io.notes[0].action.label, "Undo");
    const u = io.notes[0].action.onClick();
    assert.equal(u.of, m.mid);
    assert.deepEqual(ids(view().tasks).sort(), ["t1", "t2", "t3", "t4"]);
  });

  test("clearCompleted counts one completed task in the singular", () => {
    const rows = [...milkAndDog(), row("t3", "Done", { completed: true })];
    const { engine, io } = setup({ rows });
    engine.clearCompleted();
    assert.equal(io.notes[0].message, "Cleared 1 completed task");
  });

  test("counts never go negative, even when the server's counts are behind the rows", () => {
    const { engine, view } = setup({ rows: milkAndDog(), total: 0, active: 0 });
    engine.remove("t1");
    engine.remove("t2");
    assert.equal(view().total, 0);
    assert.equal(view().active, 0);
    assert.equal(view().itemsLeft, "0 items left");

    const other = setup({ rows: milkAndDog(), total: 2, active: 0 });
    other.engine.setCompleted("t1", true);
    assert.equal(other.view().active, 0);
    assert.equal(other.view().completedCount, 2);
  });
});

describe("Engine: adding and editing", () => {
  test("add() paints the new task first and sends a create", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    assert.equal(engine.add("  Buy eggs  "), true);
    const v = view();
    assert.equal(v.tasks[0].title, "Buy eggs");
    assert.equal(v.tasks[0].created_at, NOW);
    assert.equal(v.total, 3);
    assert.equal(v.active, 3);
    assert.equal(v.addError, "");
    const [wire] = io.sent[0].batch;
    assert.deepEqual(wire, {
      mid: wire.mid,
      kind: "create",
      task_id: v.tasks[0].id,
      // The sentence goes too: the server parses quick add itself.
      fields: { title: "Buy eggs", text: "  Buy eggs  ", ignore: [] },
      base_version: null,
      after: null,
      of: null,
      at: NOW, // the time it was added: its place in the list, however late it is sent
    });
    assert.notEqual(wire.mid, wire.task_id);
    // A change to the new task before it is confirmed comes after the create.
    engine.setCompleted(v.tasks[0].id, true);
    const next = io.sent.at(-1).batch[0];
    assert.equal(next.after, wire.mid);
    assert.equal(next.base_version, null);
  });

  test("add() refuses an over-long title with the templated message and keeps nothing", () => {
    const storage = memoryStorage();
    const { engine, io, view } = setup({ storage, rows: milkAndDog() });
    assert.equal(engine.add("x".repeat(201)), false);
    const v = view();
    assert.equal(v.addError, "Title must be at most 200 characters (this one has 201)");
    assert.deepEqual(engine.outbox.items, []);
    assert.equal(storage.getItem(`${OUTBOX_PREFIX}u1`), null);
    assert.equal(io.sent.length, 0);
    assert.equal(v.total, 2);
    assert.equal(v.pending, 0);
    // Counted in characters, as the server counts them (not UTF-16 units).
    assert.equal(engine.add("😀".repeat(150)), true);
    assert.equal(view().addError, "");
    assert.equal(engine.add("😀".repeat(201)), false);
    assert.equal(view().addError, "Title must be at most 200 characters (this one has 201)");
    // Exactly the limit is fine, and a good title clears the error.
    assert.equal(engine.add("y".repeat(200)), true);
    assert.equal(view().addError, "");
  });

  test("add() of a blank title adds nothing and says a title is needed", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    assert.equal(engine.add("   "), false);
    assert.equal(view().addError, "Enter a title");
    assert.equal(engine.add(undefined), false);
    assert.equal(view().addError, "Enter a title");
    assert.equal(io.sent.length, 0);
    assert.equal(engine.outbox.items.length, 0);
    assert.equal(view().total, 2);
    assert.equal(engine.add("Buy eggs"), true);
    assert.equal(view().addError, "");
  });

  test("addFromForm clears the field only when the task was added", () => {
    const input = { value: "typed" };
    const had = Object.hasOwn(globalThis, "document");
    const saved = globalThis.document;
    globalThis.document = { getElementById: (id) => (id === "new-task" ? input : null) };
    try {
      const { engine, view } = setup({ rows: milkAndDog() });
      engine.addFromForm({ title: "x".repeat(201) }, "new-task");
      assert.equal(input.value, "typed");
      engine.addFromForm({ title: "Buy eggs" }, "new-task");
      assert.equal(input.value, "");
      assert.equal(view().tasks[0].title, "Buy eggs");
    } finally {
      if (had) globalThis.document = saved;
      else delete globalThis.document;
    }
  });

  test("startEdit / cancelEdit / Escape", () => {
    const { engine, view } = setup({ rows: milkAndDog() });
    engine.startEdit("t1");
    assert.equal(view().editingId, "t1");
    engine.editKey("a");
    assert.equal(view().editingId, "t1");
    engine.editKey("Escape");
    assert.equal(view().editingId, "");
    engine.startEdit("t2");
    engine.cancelEdit();
    assert.equal(view().editingId, "");
  });

  test("saveTitle saves a changed title and ends the edit", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    engine.saveTitle("t1", "Ignored: not editing");
    assert.equal(io.sent.length, 0);
    engine.startEdit("t1");
    engine.saveTitle("t1", "  Buy oat milk ");
    assert.equal(view().editingId, "");
    assert.equal(byId(view(), "t1").title, "Buy oat milk");
    assert.deepEqual(io.sent[0].batch[0].fields, { title: "Buy oat milk" });
    // Saving the same title sends nothing.
    engine.startEdit("t1");
    engine.saveTitleFromForm({ id: "t1", title: "Buy oat milk" });
    assert.equal(io.sent.length, 1);
    assert.equal(view().editingId, "");
  });

  test("saveTitle keeps an over-long title in the field with the templated error", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    engine.startEdit("t1");
    engine.saveTitle("t1", "z".repeat(250));
    assert.equal(view().editingId, "t1");
    assert.equal(view().editError, "Title must be at most 200 characters (this one has 250)");
    assert.equal(io.sent.length, 0);
    assert.equal(engine.outbox.items.length, 0);
    engine.startEdit("t1");
    assert.equal(view().editError, "");
  });

  test("saveTitle with an empty title offers Delete instead of saving", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    engine.startEdit("t1");
    engine.saveTitle("t1", "   ");
    assert.equal(view().editingId, "");
    assert.equal(io.sent.length, 0);
    assert.equal(engine.outbox.items.length, 0);
    assert.equal(byId(view(), "t1").title, "Buy milk");
    assert.equal(io.notes.length, 1);
    const note = io.notes[0];
    assert.equal(note.message, 'A task needs a title. Delete "Buy milk"?');
    assert.equal(note.kind, "warning");
    assert.equal(note.action.label, "Delete");
    note.action.onClick();
    assert.equal(byId(view(), "t1"), undefined);
    assert.equal(io.sent[0].batch[0].kind, "delete");
    assert.equal(io.sent[0].batch[0].task_id, "t1");
  });

  test(
    "saveTitle with an empty title offers Delete even when the row left the filter meanwhile",
    () => {
      const { engine, io, push } = setup({ rows: milkAndDog(), filter: "active" });
      engine.startEdit("t1");
      // Another tab completes it: it leaves the "active" list while the field is open.
      push({
        changes: [
          change(2, "other-tab", {
            rows: [row("t1", "Buy milk", { completed: true, version: 4 })],
          }),
        ],
        active: 1,
      });
      engine.saveTitle("t1", "");
      assert.ok(
        allSent(io).every((w) => w.fields?.title !== ""),
        "an empty title is never sent",
      );
    },
  );

  test(
    "removing a task that is not there says nothing about 'undefined'",
    () => {
      const { engine, io } = setup({ rows: milkAndDog() });
      engine.remove("no-such-task");
      for (const note of io.notes) assert.doesNotMatch(note.message, /undefined/);
    },
  );

  test("saveDetails saves title and description as one change and closes the dialog", () => {
    const { engine, io, view } = setup({ rows: milkAndDog() });
    engine.openDetails("t1");
    assert.equal(view().details.id, "t1");
    engine.saveDetails({ id: "t1", title: "  ", description: "x" });
    assert.equal(io.notes[0].message, "Enter a title");
    assert.equal(io.notes[0].kind, "warning");
    assert.equal(view().details.id, "t1", "still open");
    engine.saveDetails({ id: "t1", title: "q".repeat(201), description: "x" });
    assert.equal(io.notes[1].message, "Title must be at most 200 characters (this one has 201)");
    assert.equal(io.sent.length, 0);
    engine.saveDetails({ id: "t1", title: " Buy oat milk ", description: "2 litres" });
    assert.equal(view().details, null);
    assert.equal(io.sent.length, 1);
    assert.deepEqual(io.sent[0].batch[0].fields, { title: "Buy oat milk", description: "2 litres" });
    assert.equal(byId(view(), "t1").description, "2 litres");
  });

  test("the details dialog shows the overlay and closes", () => {
    const { engine, view } = setup({ rows: milkAndDog() });
    engine.openDetails("t2");
    engine.update("t2", { description: "around the park" });
    assert.equal(view().details.description, "around the park");
    engine.detailsOpenChanged(true);
    assert.equal(view().details.id, "t2");
    engine.detailsOpenChanged(false);
    assert.equal(view().details, null);
  });
});

describe("Engine: filter and search", () => {
  const rows = () => [
    row("a", "Buy milk", { created_at: "2024-01-03T00:00:00+00:00" }),
    row("b", "Walk dog", {
      completed: true,
      description: "In the PARK",
      created_at: "2024-01-02T00:00:00+00:00",
    }),
    row("c", "Read book", { created_at: "2024-01-01T00:00:00+00:00" }),
  ];

  test("the server's filter and query choose the rows shown; counts stay for all tasks", () => {
    const { view, push } = setup({ rows: rows(), filter: "active" });
    assert.deepEqual(ids(view().tasks), ["a", "c"]);
    assert.equal(view().total, 3);
    assert.equal(view().filter, "active");
    push({ filter: "completed" });
    assert.deepEqual(ids(view().tasks), ["b"]);
    push({ filter: "all", query: "park" });
    assert.deepEqual(ids(view().tasks), ["b"]);
    push({ query: "BOOK" });
    assert.deepEqual(ids(view().tasks), ["c"]);
    push({ query: "zzz" });
    assert.deepEqual(view().tasks, []);
    assert.equal(view().emptyMessage, 'No tasks match "zzz"');
  });

  test("a pending change moves a task in or out of the filter at once", () => {
    const { engine, view } = setup({ rows: rows(), filter: "active" });
    engine.setCompleted("a", true);
    assert.deepEqual(ids(view().tasks), ["c"]);
    engine.setCompleted("b", false);
    assert.deepEqual(ids(view().tasks), ["b", "c"]);
    engine.setAll(true);
    assert.deepEqual(view().tasks, []);
    assert.equal(view().emptyMessage, "Nothing active");
  });
});
