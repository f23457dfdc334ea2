// "Add tasks to: Top / Bottom" in the browser engine (assets/task_engine/tree.js
// ``newKey``/``placeNew``, overlay.js's create, interactions.js ``add``): an unconfirmed new
// top-level task shows where its list (or the Inbox) adds tasks, so it does not jump when the
// server confirms it; a sub-task always goes last under its parent.

import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Engine } from "../../assets/task_engine/engine.js";
import { applyMutation } from "../../assets/task_engine/overlay.js";
import { newKey } from "../../assets/task_engine/tree.js";

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
    send(uid, batch) {
      this.sent.push({ uid, batch: structuredClone(batch) });
    },
    resync: () => {},
    notify: () => {},
    newId: () => `m-${++n}`,
    now: () => NOW,
    titleMax: 200,
    titleTooLong: "too long",
    titleEmpty: "Enter a title",
  };
}

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

const inList = (list) => [
  row("a", "a0", { list_id: list }),
  row("b", "a1", { list_id: list }),
  row("c", "a2", { list_id: list }),
];

function setup({ rows, spec, defaults = {}, addOnTop = {} }) {
  const io = makeIo();
  const engine = new Engine(io);
  const payload = {
    rows,
    rowsSeq: 1,
    changes: [],
    total: rows.length,
    active: rows.length,
    epoch: "e1",
    userId: "u1",
    filter: "all",
    query: "",
    loading: false,
    spec,
    defaults,
    addOnTop,
  };
  engine.sync(payload);
  const ids = () => engine.getSnapshot().tasks.map((t) => t.id);
  return { io, engine, ids, payload };
}

const rowsOf = (list) => new Map(list.map((r) => [r.id, r]));
const LIST = { list_id: "L", sort: "manual", descending: false };
const INBOX = { list_id: "inbox", sort: "manual", descending: false };

describe("newKey: a key before the first or after the last sibling", () => {
  test("on top: before the first of the list's top level", () => {
    const key = newKey(rowsOf(inList("L")), null, "L");
    assert.ok(key < "a0");
  });

  test("at the bottom (last): after the last of the list's top level", () => {
    const key = newKey(rowsOf(inList("L")), null, "L", true);
    assert.ok(key > "a2");
  });

  test("an empty list: a key either way", () => {
    assert.equal(typeof newKey(new Map(), null, "L", true), "string");
    assert.equal(typeof newKey(new Map(), null, "L"), "string");
  });

  test("a sub-task goes last under its parent, whatever the list says", () => {
    const rows = rowsOf([...inList("L"), row("b1", "a0", { parent_id: "b", list_id: "L" })]);
    assert.ok(newKey(rows, "b", "L", false) > "a0");
  });
});

describe("the overlay's create", () => {
  const create = (last, fields = { title: "New", list_id: "L" }) => ({
    kind: "create",
    task_id: "n",
    fields,
    at: NOW,
    ...(last ? { last: true } : {}),
  });

  test("a create marked last goes after the list's last task", () => {
    const rows = rowsOf(inList("L"));
    applyMutation(rows, { total: 3, active: 3 }, create(true));
    assert.ok(rows.get("n").position > "a2");
  });

  test("an unmarked create goes first, as before", () => {
    const rows = rowsOf(inList("L"));
    applyMutation(rows, { total: 3, active: 3 }, create(false));
    assert.ok(rows.get("n").position < "a0");
  });
});

describe("adding a task in a list set to 'Bottom'", () => {
  test("the new task shows last at once; 'last' stays in the outbox, never on the wire", () => {
    const { engine, io, ids } = setup({
      rows: inList("L"),
      spec: LIST,
      defaults: { list_id: "L" },
      addOnTop: { L: false, inbox: true },
    });
    assert.equal(engine.add("New"), true);
    const made = engine.outbox.items[0].task_id;
    assert.deepEqual(ids(), ["a", "b", "c", made]);
    assert.equal(engine.outbox.items[0].last, true);
    const sent = io.sent.at(-1).batch[0];
    assert.equal(sent.kind, "create");
    assert.equal("last" in sent, false);
  });

  test("it does not jump when the server confirms it last", () => {
    const { engine, ids, payload } = setup({
      rows: inList("L"),
      spec: LIST,
      defaults: { list_id: "L" },
      addOnTop: { L: false },
    });
    engine.add("New");
    const m = engine.outbox.items[0];
    const made = row(m.task_id, "a3", { list_id: "L", title: "New" });
    engine.sync({
      ...payload,
      changes: [{ seq: 2, mid: m.mid, status: "applied", rows: [made], removed: [], was: {} }],
    });
    assert.equal(engine.outbox.items.length, 0);
    assert.deepEqual(ids(), ["a", "b", "c", m.task_id]);
  });

  test("the Inbox on top: the new task shows first", () => {
    const { engine, ids } = setup({
      rows: inList(null),
      spec: INBOX,
      addOnTop: { L: false, inbox: true },
    });
    engine.add("New");
    assert.deepEqual(ids(), [engine.outbox.items[0].task_id, "a", "b", "c"]);
    assert.equal(engine.outbox.items[0].last, undefined);
  });

  test("the Inbox at the bottom: last", () => {
    const { engine, ids } = setup({ rows: inList(null), spec: INBOX, addOnTop: { inbox: false } });
    engine.add("New");
    assert.deepEqual(ids(), ["a", "b", "c", engine.outbox.items[0].task_id]);
  });

  test("a sub-task added in such a list still goes last under its parent", () => {
    const { engine, ids } = setup({
      rows: [...inList("L"), row("b1", "a0", { parent_id: "b", list_id: "L" })],
      spec: LIST,
      defaults: { list_id: "L" },
      addOnTop: { L: true },
    });
    engine.add("Sub", "b");
    assert.deepEqual(ids(), ["a", "b", "b1", engine.outbox.items[0].task_id, "c"]);
    assert.equal(engine.outbox.items[0].last, undefined);
  });
});

describe("moving a task into a list by its field", () => {
  const mixed = () => [...inList("L"), row("x", "a0", { list_id: "M" })];
  const ALL = { list_id: null, sort: "manual", descending: false };

  test("into a list set to 'Bottom': last there, as the server puts it", () => {
    const { engine } = setup({ rows: mixed(), spec: ALL, addOnTop: { L: false } });
    engine.mutate("set", { taskId: "x", fields: { list_id: "L" } });
    const rows = engine.current().rows;
    assert.equal(rows.get("x").list_id, "L");
    assert.ok(rows.get("x").position > "a2");
    assert.equal(engine.outbox.items[0].last, true);
    assert.equal("last" in engine.io.sent.at(-1).batch[0], false);
  });

  test("into a list on top: first there; other fields never mark a set", () => {
    const { engine } = setup({ rows: mixed(), spec: ALL, addOnTop: { L: true, inbox: false } });
    engine.mutate("set", { taskId: "x", fields: { list_id: "L" } });
    assert.ok(engine.current().rows.get("x").position < "a0");
    engine.mutate("set", { taskId: "a", fields: { title: "A" } });
    assert.deepEqual(engine.outbox.items.map((m) => m.last), [undefined, undefined]);
  });
});
