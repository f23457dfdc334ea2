// The counter counts the view it stands under ("3 items left" on Today, with 9 tasks in the
// account), and keeps counting it right as rows change here, elsewhere, by undo, by "Clear
// completed" and by "Load more" (assets/task_engine/overlay.js ``countedIn``,
// confirmed.js ``count``).
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Confirmed } from "../../assets/task_engine/confirmed.js";
import { Engine } from "../../assets/task_engine/engine.js";
import { countedIn, overlay } from "../../assets/task_engine/overlay.js";

const TODAY = "2026-12-01";
const TOMORROW = "2026-12-02";
const YESTERDAY = "2026-11-30";
// The Today view as todo_app/tasks/views.py hands it over: overdue and today's.
const TODAY_VIEW = {
  list_id: null,
  tags: [],
  priorities: [],
  due: null,
  due_before: TODAY,
  due_after: null,
  today: TODAY,
  sort: "due",
  descending: false,
};

const row = (id, extra = {}) => ({
  id,
  title: id,
  description: "",
  completed: false,
  version: 1,
  created_at: "2026-11-01T00:00:00+00:00",
  list_id: null,
  priority: "none",
  tags: [],
  due_date: null,
  due_time: null,
  ...extra,
});

/** Nine tasks: three on Today (one overdue), six elsewhere (tomorrow, undated). */
function account() {
  return [
    row("late", { due_date: YESTERDAY }),
    row("now", { due_date: TODAY }),
    row("also", { due_date: TODAY }),
    row("soon", { due_date: TOMORROW }),
    ...["u1", "u2", "u3", "u4", "u5"].map((id) => row(id)),
  ];
}

/** A change as tasks/live.py's ``entry_of`` sends it. */
const change = (seq, { mid = "", rows = [], removed = [], was = {} } = {}) => ({
  seq,
  mid,
  status: "applied",
  reason: "",
  detail: "",
  rows,
  removed,
  was,
});
const remote = (...changes) => ({ remote: { epoch: "e1", changes } });
/** A change that wrote one row: ``now`` as it is, ``was`` as it was (null: new). */
const wrote = (seq, now, was) => change(seq, { rows: [now], was: { [now.id]: was } });
const v2 = (id, extra) => row(id, { version: 2, ...extra });

/** An engine showing Today: the server read its three tasks and counted them. */
function today({ query = "", filter = "all", rows, total = 3, active = 3 } = {}) {
  let n = 0;
  const notes = [];
  const engine = new Engine({
    storage: null,
    send: () => {},
    resync: () => {},
    notify: (message, action) => notes.push({ message, action }),
    newId: () => `id-${++n}`,
    now: () => `${TODAY}T12:00:00Z`,
    titleMax: 200,
    titleTooLong: "too long",
    titleEmpty: "Enter a title",
  });
  const shown = rows ?? account().filter(countedIn(TODAY_VIEW, query));
  let props = {
    rows: shown,
    rowsSeq: 1,
    changes: [],
    total,
    active,
    epoch: "e1",
    userId: "u",
    filter,
    query,
    loading: false,
    spec: TODAY_VIEW,
    defaults: { due_date: TODAY },
  };
  engine.sync(props);
  return {
    engine,
    notes,
    left: () => engine.getSnapshot().itemsLeft,
    counts: () => ({ total: engine.getSnapshot().total, active: engine.getSnapshot().active }),
    push: (more) => {
      props = { ...props, ...more };
      engine.sync(props);
    },
  };
}

describe("countedIn: what the counter counts", () => {
  test("the rows of the view, completed or not, that the search finds", () => {
    const counted = countedIn(TODAY_VIEW, "");
    assert.deepEqual(
      account().filter(counted).map((r) => r.id),
      ["late", "now", "also"],
    );
    assert.equal(counted(row("done", { due_date: TODAY, completed: true })), true);
    const milk = countedIn(TODAY_VIEW, "MILK");
    assert.equal(milk(row("a", { due_date: TODAY, title: "Buy milk" })), true);
    assert.equal(milk(row("b", { due_date: TODAY, description: "oat milk" })), true);
    assert.equal(milk(row("c", { due_date: TODAY, title: "Call" })), false);
    assert.equal(milk(row("d", { title: "Milk", due_date: TOMORROW })), false);
  });

  test("Assigned to me counts the rows assigned to the signed-in user only", () => {
    const mine = countedIn({ assignee: "me" }, "", "u1");
    assert.equal(mine(row("a", { assignee_id: "u1" })), true);
    assert.equal(mine(row("b", { assignee_id: "u2" })), false);
    assert.equal(mine(row("c")), false);
  });

  test("no view yet (null): every row", () => {
    assert.equal(account().filter(countedIn(null, "")).length, 9);
  });

  test("the overlay counts only the view's rows, whatever else the page holds", () => {
    const rows = new Map(account().map((r) => [r.id, r]));
    const shown = overlay(rows, { total: 3, active: 3 }, [], countedIn(TODAY_VIEW, ""));
    assert.deepEqual([shown.total, shown.active], [3, 3]);
  });
});

describe("the counter on Today", () => {
  test("3 items left with 9 tasks in the account", () => {
    const { left, engine } = today();
    assert.equal(left(), "3 items left");
    assert.equal(engine.getSnapshot().tasks.length, 3);
  });

  test("completing, adding and deleting here move it at once", () => {
    const { engine, left, counts } = today();
    engine.setCompleted("now", true);
    assert.equal(left(), "2 items left");
    engine.add("Call mum"); // Today's default: due today, so it is counted
    assert.equal(left(), "3 items left");
    engine.remove("also");
    assert.deepEqual(counts(), { total: 3, active: 2 });
  });

  test("a row moved out of the view leaves the count; undo brings it back", () => {
    const { engine, left, counts } = today();
    engine.update("now", { due_date: TOMORROW });
    assert.equal(left(), "2 items left");
    assert.deepEqual(counts(), { total: 2, active: 2 });
    engine.undo();
    assert.equal(left(), "3 items left");
  });

  test("the status filter shows fewer rows but the counter still counts the view", () => {
    const { engine, left } = today({ filter: "active" });
    engine.setCompleted("now", true);
    assert.equal(engine.getSnapshot().tasks.length, 2);
    assert.equal(left(), "2 items left");
  });

  test("Clear completed and Mark all complete keep it right", () => {
    const { engine, left, counts } = today();
    engine.setCompleted("now", true);
    engine.clearCompleted();
    assert.deepEqual(counts(), { total: 2, active: 2 });
    engine.setAll(true);
    assert.equal(left(), "0 items left");
  });
});

describe("confirmed changes move the view's counts by membership", () => {
  const confirmed = ({ total = 3, active = 3 } = {}) => {
    const c = new Confirmed();
    const rows = account().filter(countedIn(TODAY_VIEW, ""));
    c.sync({ rows, rowsSeq: 1, epoch: "e1", changes: [], total, active, spec: TODAY_VIEW });
    return c;
  };
  const sync = (c, ...changes) =>
    c.sync({ rowsSeq: 1, epoch: "e1", changes: [], spec: TODAY_VIEW, ...remote(...changes) });

  test("a row of the view completed elsewhere (API, another tab)", () => {
    const c = confirmed();
    sync(c, wrote(1, v2("now", { due_date: TODAY, completed: true }), { completed: false }));
    assert.deepEqual(c.counts, { total: 3, active: 2 });
  });

  test("rows outside the view move nothing: created, changed, removed", () => {
    const c = confirmed();
    sync(
      c,
      wrote(1, row("new"), null),
      wrote(2, v2("u1", { completed: true }), { completed: false, version: 1 }),
      change(3, { removed: ["u2"], was: { u2: row("u2") } }),
    );
    assert.deepEqual(c.counts, { total: 3, active: 3 });
  });

  test("a row entering the view counts in, one leaving it counts out", () => {
    const c = confirmed();
    const entered = wrote(1, v2("soon", { due_date: TODAY }), { due_date: TOMORROW });
    sync(c, entered);
    assert.deepEqual(c.counts, { total: 4, active: 4 });
    sync(c, entered, wrote(2, v2("late", { due_date: null }), { due_date: YESTERDAY }));
    assert.deepEqual(c.counts, { total: 3, active: 3 });
  });

  test("a row this page never loaded (beyond its page, or filtered out) counts by what it was", () => {
    // "hidden" is due today and completed (counted by the server, not loaded under
    // ?filter=active): reopened elsewhere.
    const c = confirmed({ total: 4, active: 3 });
    sync(c, wrote(1, row("hidden", { due_date: TODAY, version: 5 }), { completed: true }));
    assert.deepEqual(c.counts, { total: 4, active: 4 });
  });

  test("a removed row of the view, and one put back by an undo", () => {
    const c = confirmed();
    const now = row("now", { due_date: TODAY });
    sync(c, change(1, { removed: ["now"], was: { now } }));
    assert.deepEqual(c.counts, { total: 2, active: 2 });
    const gone = change(1, { removed: ["now"], was: { now } });
    sync(c, gone, wrote(2, { ...now, version: 2 }, null));
    assert.deepEqual(c.counts, { total: 3, active: 3 });
  });

  test("Load more and a stale refusal's row are reads: they move nothing", () => {
    const c = confirmed();
    c.sync({
      rows: [],
      rowsSeq: 1,
      epoch: "e1",
      spec: TODAY_VIEW,
      changes: [change(2, { rows: [row("page2", { due_date: TODAY })] })],
    });
    assert.deepEqual(c.counts, { total: 3, active: 3 });
  });

  test("a new load counts by its own view", () => {
    const c = confirmed();
    const all = { rows: [], rowsSeq: 2, epoch: "e2", changes: [], spec: null };
    c.sync({ ...all, total: 9, active: 9 });
    c.sync({ ...all, remote: { epoch: "e2", changes: [wrote(1, row("x"), null)] } });
    assert.deepEqual(c.counts, { total: 10, active: 10 });
  });
});

describe("the counter while another view loads", () => {
  test("it counts the rows held of the new view until that view's counts come", () => {
    const everything = account();
    const { left, push } = today({ rows: everything, total: 9, active: 9 });
    push({ spec: null, rowsSeq: 2, total: 9, active: 9 }); // "Everything", loaded
    assert.equal(left(), "9 items left");
    push({ spec: TODAY_VIEW, loading: true }); // the URL says Today; its load is on its way
    assert.equal(left(), "3 items left");
    push({ rows: everything.slice(0, 3), rowsSeq: 3, total: 3, active: 3, loading: false });
    assert.equal(left(), "3 items left");
  });
});

describe("the counter with a search", () => {
  test("counts what the search finds in the view; a rename can take a row out", () => {
    const rows = [
      row("a", { title: "Buy milk", due_date: TODAY }),
      row("b", { title: "Milk the cow", due_date: TODAY }),
    ];
    const { engine, left } = today({ query: "milk", rows, total: 2, active: 2 });
    assert.equal(left(), "2 items left");
    engine.update("a", { title: "Buy bread" });
    assert.equal(left(), "1 item left");
  });
});

describe("the counter stays right as the page's own changes are confirmed", () => {
  test("pending, then confirmed: the same number throughout", () => {
    const { engine, left, push } = today();
    const m = engine.setCompleted("now", true);
    assert.equal(left(), "2 items left");
    const done = v2("now", { due_date: TODAY, completed: true });
    push({ changes: [{ ...wrote(2, done, { completed: false, version: 1 }), mid: m.mid }] });
    assert.equal(engine.getSnapshot().pending, 0);
    assert.equal(left(), "2 items left");
  });
});
