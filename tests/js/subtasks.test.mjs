// Sub-tasks and manual order in the browser engine (assets/task_engine/tree.js,
// structure.js, and their use in overlay.js, views.js and engine.js): the "move" kind, the
// tree's rules in the overlay, "Manual" order, the move keys, collapse, and sub-task context.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Engine } from "../../assets/task_engine/engine.js";
import { applyMutation, reversal } from "../../assets/task_engine/overlay.js";
import { COLLAPSED_KEY, MANUAL_ONLY } from "../../assets/task_engine/structure.js";
import { arrange, keyBetween } from "../../assets/task_engine/tree.js";
import { comparator } from "../../assets/task_engine/views.js";

const NOW = "2030-01-01T12:00:00+00:00";

function memoryStorage() {
  const data = new Map();
  return {
    data,
    getItem: (key) => (data.has(key) ? data.get(key) : null),
    setItem: (key, value) => void data.set(key, String(value)),
    removeItem: (key) => void data.delete(key),
  };
}

function makeIo(storage = memoryStorage()) {
  let n = 0;
  return {
    storage,
    autoRetries: 0,
    later: () => {},
    watchdog: () => {},
    clock: () => 0,
    sent: [],
    notes: [],
    send(uid, batch) {
      this.sent.push({ uid, batch: structuredClone(batch) });
    },
    resync: () => {},
    notify(message, action, kind) {
      this.notes.push({ message, action, kind });
    },
    newId: () => `m-${++n}`,
    now: () => NOW,
    titleMax: 200,
    titleTooLong: "too long",
    titleEmpty: "Enter a title",
  };
}

/** A confirmed row as the server sends it (TaskData.to_dict without updated_at). */
function row(id, position, extra = {}) {
  return {
    id,
    title: id,
    description: "",
    completed: false,
    version: 1,
    created_at: "2026-01-01T00:00:00+00:00",
    list_id: null,
    priority: "none",
    tags: [],
    due_date: null,
    due_time: null,
    parent_id: null,
    position,
    subtask_count: 0,
    subtasks_done: 0,
    ...extra,
  };
}

/** Top level a, b, c; b has children b1, b2 (b2 done). */
function tree() {
  return [
    row("a", "a0"),
    row("b", "a1", { subtask_count: 2, subtasks_done: 1 }),
    row("b1", "a0", { parent_id: "b" }),
    row("b2", "a1", { parent_id: "b", completed: true }),
    row("c", "a2"),
  ];
}

const MANUAL = { list_id: "inbox", sort: "manual", descending: false };

function setup({ rows = tree(), spec = MANUAL, storage, parentTitles } = {}) {
  const io = makeIo(storage);
  const engine = new Engine(io);
  const payload = {
    rows,
    rowsSeq: 1,
    changes: [],
    total: rows.length,
    active: rows.filter((r) => !r.completed).length,
    epoch: "e1",
    userId: "u1",
    filter: "all",
    query: "",
    loading: false,
    spec,
    parentTitles,
  };
  engine.sync(payload);
  const titles = () => engine.getSnapshot().tasks.map((t) => t.id);
  return { io, engine, titles, payload };
}

const rowsOf = (...list) => new Map(list.map((r) => [r.id, r]));

describe("keys between neighbours (the server's algorithm)", () => {
  test("the same keys as the server's order_keys.between", () => {
    assert.equal(keyBetween(null, null), "a0");
    assert.equal(keyBetween("a0", null), "a1");
    assert.equal(keyBetween(null, "a0"), "Zz");
    assert.equal(keyBetween("a0", "a1"), "a0V");
  });

  test("equal or reversed neighbours still give a key before the upper one", () => {
    const key = keyBetween("a1", "a1");
    assert.ok(key < "a1");
  });
});

describe("the move kind in the overlay", () => {
  test("a move puts the row right before before_id, between its neighbours", () => {
    const rows = rowsOf(...tree());
    applyMutation(rows, { total: 5, active: 4 }, {
      kind: "move",
      task_id: "c",
      fields: { parent_id: null, before_id: "b" },
    });
    const c = rows.get("c");
    assert.ok(c.position > "a0" && c.position < "a1", c.position);
    assert.equal(c.parent_id, null);
  });

  test("before_id null: last among the new siblings, under the new parent, in its list", () => {
    const rows = rowsOf(...tree().map((r) => (r.id === "b" ? { ...r, list_id: "L" } : r)));
    applyMutation(rows, { total: 5, active: 4 }, {
      kind: "move",
      task_id: "a",
      fields: { parent_id: "b", before_id: null },
    });
    const a = rows.get("a");
    assert.equal(a.parent_id, "b");
    assert.equal(a.list_id, "L");
    assert.ok(a.position > "a1");
    assert.equal(rows.get("b").subtask_count, 3); // "1/3" at once
  });

  test("a move takes the sub-tasks along into the new parent's list", () => {
    const rows = rowsOf(...tree(), row("L1", "a5", { list_id: "L" }));
    applyMutation(rows, { total: 6, active: 5 }, {
      kind: "move",
      task_id: "b",
      fields: { parent_id: "L1", before_id: null },
    });
    assert.equal(rows.get("b").list_id, "L");
    assert.equal(rows.get("b1").list_id, "L");
    assert.equal(rows.get("b2").list_id, "L");
  });

  test("the reversal of a move puts the place back, and undo shows it", () => {
    const rows = rowsOf(...tree());
    const m = { kind: "move", task_id: "b1", fields: { parent_id: null, before_id: "a" } };
    const prev = reversal(rows, m);
    assert.deepEqual(prev, {
      set: [{ id: "b1", fields: { parent_id: "b", position: "a0" } }],
    });
    const counts = { total: 5, active: 4 };
    applyMutation(rows, counts, m);
    assert.equal(rows.get("b").subtask_count, 1);
    applyMutation(rows, counts, { kind: "undo", prev });
    assert.equal(rows.get("b1").parent_id, "b");
    assert.equal(rows.get("b1").position, "a0");
    assert.equal(rows.get("b").subtask_count, 2);
  });
});

describe("sub-tasks in the overlay", () => {
  test("create with parent_id: last under the parent, in the parent's list, counted", () => {
    const rows = rowsOf(...tree().map((r) => (r.id === "b" ? { ...r, list_id: "L" } : r)));
    applyMutation(rows, { total: 5, active: 4 }, {
      kind: "create",
      task_id: "n",
      fields: { title: "New", parent_id: "b", text: "New", ignore: [] },
      at: NOW,
    });
    const n = rows.get("n");
    assert.equal(n.list_id, "L");
    assert.ok(n.position > "a1");
    assert.equal("text" in n, false);
    assert.deepEqual([rows.get("b").subtask_count, rows.get("b").subtasks_done], [3, 1]);
  });

  test("set parent_id nests the task last under its new parent", () => {
    const rows = rowsOf(...tree());
    applyMutation(rows, { total: 5, active: 4 }, {
      kind: "set",
      task_id: "c",
      fields: { parent_id: "b" },
    });
    assert.equal(rows.get("c").parent_id, "b");
    assert.ok(rows.get("c").position > "a1");
  });

  test("completing a parent completes its open sub-tasks; one reversal opens only those", () => {
    const rows = rowsOf(...tree());
    const m = { kind: "set", task_id: "b", fields: { completed: true } };
    const prev = reversal(rows, m);
    const counts = { total: 5, active: 4 };
    applyMutation(rows, counts, m);
    assert.equal(rows.get("b1").completed, true);
    assert.equal(rows.get("b").subtasks_done, 2);
    assert.equal(counts.active, 2);
    applyMutation(rows, counts, { kind: "undo", prev });
    assert.equal(rows.get("b").completed, false);
    assert.equal(rows.get("b1").completed, false);
    assert.equal(rows.get("b2").completed, true); // done before: stays done
    assert.equal(rows.get("b").subtasks_done, 1);
    assert.equal(counts.active, 4);
  });

  test("completing a sub-task moves its parent's progress, not the parent", () => {
    const rows = rowsOf(...tree());
    applyMutation(rows, { total: 5, active: 4 }, {
      kind: "set",
      task_id: "b1",
      fields: { completed: true },
    });
    assert.equal(rows.get("b").completed, false);
    assert.equal(rows.get("b").subtasks_done, 2);
  });

  test("deleting a parent deletes its sub-tasks, and one undo brings all back", () => {
    const rows = rowsOf(...tree());
    const m = { kind: "delete", task_id: "b" };
    const prev = reversal(rows, m);
    const counts = { total: 5, active: 4 };
    applyMutation(rows, counts, m);
    assert.deepEqual([...rows.keys()].sort(), ["a", "c"]);
    assert.deepEqual(counts, { total: 2, active: 2 });
    applyMutation(rows, counts, { kind: "undo", prev });
    assert.deepEqual([...rows.keys()].sort(), ["a", "b", "b1", "b2", "c"]);
    assert.equal(rows.get("b").subtask_count, 2); // not counted twice
    assert.deepEqual(counts, { total: 5, active: 4 });
  });
});

describe("Manual order", () => {
  test("depth-first by the chain of keys: each parent, then its sub-tasks in key order", () => {
    const rows = rowsOf(...tree(), row("b1x", "Zz", { parent_id: "b1" }));
    const sorted = [...rows.values()].sort(comparator(MANUAL, rows)).map((r) => r.id);
    assert.deepEqual(sorted, ["a", "b", "b1", "b1x", "b2", "c"]);
  });

  test("the Inbox first, then the lists in their order", () => {
    const spec = { sort: "manual", descending: false, list_order: ["L2", "L1"] };
    const rows = rowsOf(row("x", "a0", { list_id: "L1" }), row("y", "a0", { list_id: "L2" }), row("z", "a5"));
    const sorted = [...rows.values()].sort(comparator(spec, rows)).map((r) => r.id);
    assert.deepEqual(sorted, ["z", "y", "x"]);
  });

  test("the page lists sub-tasks under their parent, indented, with progress", () => {
    const { engine, titles } = setup();
    assert.deepEqual(titles(), ["a", "b", "b1", "b2", "c"]);
    const byId = Object.fromEntries(engine.getSnapshot().tasks.map((t) => [t.id, t]));
    assert.equal(byId.b.depth, 0);
    assert.equal(byId.b1.depth, 1);
    assert.equal(byId.b.progress, "1/2");
    assert.equal(byId.a.progress, "");
    assert.equal(byId.b1.context, ""); // under its parent: no need to say whose
  });
});

describe("the move action", () => {
  test("one 'move' mutation: painted at once, kept in the outbox, sent once", () => {
    const storage = memoryStorage();
    const { engine, io, titles } = setup({ storage });
    const m = engine.move("c", null, "a");
    assert.deepEqual(titles(), ["c", "a", "b", "b1", "b2"]);
    assert.equal(io.sent.length, 1);
    assert.deepEqual(io.sent[0].batch, [
      {
        mid: m.mid,
        kind: "move",
        task_id: "c",
        fields: { parent_id: null, before_id: "a" },
        base_version: 1,
        after: null,
        of: null,
      },
    ]);
    assert.match(storage.getItem([...storage.data.keys()][0]), /"kind":"move"/);
    engine.flush();
    assert.equal(io.sent.length, 1); // not sent twice
  });

  test("a move to where the task already is makes no change", () => {
    const { engine, io } = setup();
    assert.equal(engine.move("a", null, "b"), null);
    assert.equal(engine.move("c", null, null), null);
    assert.equal(io.sent.length, 0);
  });

  test("Ctrl+Z undoes a move: an undo of it, and the old order shows", () => {
    const { engine, titles } = setup();
    const m = engine.move("a", null, null);
    assert.deepEqual(titles(), ["b", "b1", "b2", "c", "a"]);
    const u = engine.undo();
    assert.equal(u.kind, "undo");
    assert.equal(u.of, m.mid);
    assert.deepEqual(titles(), ["a", "b", "b1", "b2", "c"]);
  });

  test("the confirmed move settles the outbox and the server's key stays", () => {
    const { engine, payload, titles } = setup();
    const m = engine.move("c", null, "a");
    const moved = { ...row("c", "Zz"), version: 2 };
    engine.sync({
      ...payload,
      changes: [{ seq: 2, mid: m.mid, status: "applied", rows: [moved], removed: [], was: { c: { position: "a2" } } }],
    });
    assert.equal(engine.outbox.items.length, 0);
    assert.deepEqual(titles(), ["c", "a", "b", "b1", "b2"]);
  });
});

describe("the move keys", () => {
  test("Alt+ArrowDown / Alt+ArrowUp move the focused task among its siblings", () => {
    const { engine, titles } = setup();
    assert.deepEqual(engine.key("ArrowDown", { alt: true, taskId: "a" }), { focus: "check-a" });
    assert.deepEqual(titles(), ["b", "b1", "b2", "a", "c"]);
    engine.key("ArrowDown", { alt: true, taskId: "a" });
    assert.deepEqual(titles(), ["b", "b1", "b2", "c", "a"]);
    engine.key("ArrowDown", { alt: true, taskId: "a" }); // already last: nothing
    assert.equal(engine.outbox.items.length, 2);
    engine.key("ArrowUp", { alt: true, taskId: "b2" });
    assert.deepEqual(titles(), ["b", "b2", "b1", "c", "a"]);
  });

  test("Ctrl+] nests under the task above (last), Ctrl+[ takes it out after its parent", () => {
    const { engine, titles } = setup();
    engine.key("]", { ctrl: true, taskId: "c" });
    const c = engine.getSnapshot().tasks.find((t) => t.id === "c");
    assert.equal(c.parent_id, "b");
    assert.equal(c.depth, 1);
    assert.deepEqual(titles(), ["a", "b", "b1", "b2", "c"]);
    engine.key("[", { ctrl: true, taskId: "b1" });
    assert.deepEqual(titles(), ["a", "b", "b2", "c", "b1"]);
    assert.equal(engine.getSnapshot().tasks.find((t) => t.id === "b1").depth, 0);
    engine.key("]", { ctrl: true, taskId: "a" }); // nothing above it: nothing
    assert.equal(engine.outbox.items.length, 2);
  });

  test("outside Manual order the keys say how to get there, and move nothing", () => {
    const { engine, io } = setup({ spec: { sort: "created", descending: true } });
    assert.ok(engine.key("ArrowDown", { alt: true, taskId: "a" }));
    assert.equal(io.sent.length, 0);
    assert.equal(io.notes.at(-1).message, MANUAL_ONLY);
  });

  test("with no task focused or chosen the keys do nothing", () => {
    const { engine, io } = setup();
    assert.deepEqual(engine.key("ArrowDown", { alt: true }), { handled: true });
    assert.equal(io.sent.length, 0);
    assert.equal(engine.key("ArrowDown", {}), null);
  });
});

describe("collapse", () => {
  test("collapsing hides the rows below; it is remembered in storage", () => {
    const storage = memoryStorage();
    const { engine, titles } = setup({ storage });
    engine.toggleCollapsed("b");
    assert.deepEqual(titles(), ["a", "b", "c"]);
    assert.equal(engine.getSnapshot().tasks.find((t) => t.id === "b").collapsed, true);
    assert.equal(storage.getItem(COLLAPSED_KEY), '["b"]');
    const again = setup({ storage }); // a reload
    assert.deepEqual(again.titles(), ["a", "b", "c"]);
    again.engine.toggleCollapsed("b");
    assert.deepEqual(again.titles(), ["a", "b", "b1", "b2", "c"]);
  });
});

describe("sub-tasks in other views", () => {
  test("a sub-task whose parent is not shown says whose it is; unknown parent: nothing", () => {
    const rows = rowsOf(...tree(), row("z1", "a0", { parent_id: "gone" }));
    const sorted = [rows.get("b1"), rows.get("z1")];
    const shown = arrange(sorted, rows, { manual: false });
    assert.deepEqual(shown.map((r) => [r.id, r.context, r.depth]), [["b1", "b", 0], ["z1", "", 0]]);
    const named = arrange(sorted, rows, { titles: { gone: "Elsewhere" } });
    assert.equal(named[1].context, "Elsewhere");
  });

  test("in a tag view the parent's title comes from the server when not loaded", () => {
    const rows = [row("s", "a0", { parent_id: "p", tags: ["home"] })];
    const { engine } = setup({ rows, spec: { tags: ["home"], sort: "created" }, parentTitles: { p: "Paint" } });
    assert.equal(engine.getSnapshot().tasks[0].context, "Paint");
  });
});

describe("adding sub-tasks", () => {
  test("quick add while another task's details are open makes its sub-task", () => {
    const spec = { list_id: "L", sort: "manual", descending: false };
    const { engine, io } = setup({ rows: tree().map((r) => ({ ...r, list_id: "L" })), spec });
    engine.defaults = { list_id: "L", due_date: "2030-01-01" };
    engine.openDetails("a");
    assert.equal(engine.add("Sub"), true);
    const sent = io.sent.at(-1).batch[0];
    assert.equal(sent.kind, "create");
    assert.equal(sent.fields.parent_id, "a");
    assert.equal("list_id" in sent.fields, false); // a sub-task is in its parent's list
    assert.equal(engine.getSnapshot().tasks.find((t) => t.id === "a").progress, "0/1");
  });

  test("'Add sub-task' in the dialog adds under the open task", () => {
    const { engine, io } = setup();
    engine.openDetails("c");
    engine.addSubtaskFromForm({ title: "Step one", parent_id: "c" }, null);
    assert.equal(io.sent.at(-1).batch[0].fields.parent_id, "c");
    const tasks = engine.getSnapshot().tasks;
    assert.deepEqual(tasks.map((t) => t.id).slice(-2), ["c", "m-1"]);
    assert.equal(tasks.at(-1).depth, 1);
  });
});

describe("a drop (drag and drop)", () => {
  test("dragged down onto a row: right after it; up: right before it", () => {
    const { engine, io, titles } = setup();
    engine.dropOn("a", "c"); // down past b's group, onto c: after c, last
    assert.deepEqual(titles(), ["b", "b1", "b2", "c", "a"]);
    assert.deepEqual(io.sent.at(-1).batch[0].fields, { parent_id: null, before_id: null });
    engine.dropOn("a", "b"); // up onto b: before b
    assert.deepEqual(titles(), ["a", "b", "b1", "b2", "c"]);
  });

  test("onto a sub-task: among its siblings, at its depth", () => {
    const { engine, titles } = setup();
    engine.dropOn("c", "b2"); // up onto b2: before it, under b
    assert.deepEqual(titles(), ["a", "b", "b1", "c", "b2"]);
    assert.equal(engine.getSnapshot().tasks.find((t) => t.id === "c").depth, 1);
  });

  test("never into its own sub-tasks, never onto itself, only in Manual order", () => {
    const { engine, io } = setup();
    assert.equal(engine.dropOn("b", "b1"), null);
    assert.equal(engine.dropOn("b", "b"), null);
    assert.equal(io.sent.length, 0);
    const other = setup({ spec: { sort: "created", descending: true } });
    assert.equal(other.engine.dropOn("a", "c"), null);
    assert.equal(other.io.notes.at(-1).message, MANUAL_ONLY);
    assert.equal(other.engine.getSnapshot().manual, false);
    assert.equal(engine.getSnapshot().manual, true);
  });
});

describe("nesting under a collapsed task", () => {
  test("Ctrl+] under a collapsed task opens it, so the moved task stays in sight", () => {
    const { engine, titles } = setup();
    engine.toggleCollapsed("b");
    assert.deepEqual(titles(), ["a", "b", "c"]);
    engine.key("]", { ctrl: true, taskId: "c" });
    assert.deepEqual(titles(), ["a", "b", "b1", "b2", "c"]);
    assert.equal(engine.collapsedIds().has("b"), false);
  });
});
