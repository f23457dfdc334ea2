// The browser's copy of a view: which rows show, their order, how a due reads, the keys.
import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { Engine } from "../../assets/task_engine/engine.js";
import { comparator, dueLabel, inView, localNow } from "../../assets/task_engine/views.js";

const row = (id, extra = {}) => ({
  id,
  title: id,
  description: "",
  completed: false,
  version: 1,
  created_at: `2026-11-0${id.length}T00:00:00+00:00`,
  list_id: null,
  priority: "none",
  tags: [],
  due_date: null,
  due_time: null,
  ...extra,
});

describe("inView", () => {
  const today = "2026-12-01";
  test("lists, the Inbox, tags (all of), priorities (any of)", () => {
    assert.equal(inView(row("a", { list_id: "L" }), { list_id: "L" }), true);
    assert.equal(inView(row("a", { list_id: "M" }), { list_id: "L" }), false);
    assert.equal(inView(row("a", { list_id: "L" }), { list_id: "inbox" }), false);
    assert.equal(inView(row("a"), { list_id: "inbox" }), true);
    const tagged = row("a", { tags: ["Home", "work"] });
    assert.equal(inView(tagged, { tags: ["home", "work"] }), true);
    assert.equal(inView(tagged, { tags: ["home", "errands"] }), false);
    assert.equal(inView(row("a", { priority: "low" }), { priorities: ["high", "low"] }), true);
    assert.equal(inView(row("a"), { priorities: ["high"] }), false);
  });

  test("Assigned to me: the rows whose assignee is the signed-in user", () => {
    const spec = { assignee: "me" };
    assert.equal(inView(row("a", { assignee_id: "u1" }), spec, "u1"), true);
    assert.equal(inView(row("a", { assignee_id: "u2" }), spec, "u1"), false);
    assert.equal(inView(row("a", { assignee_id: null }), spec, "u1"), false);
    assert.equal(inView(row("a", { assignee_id: null }), spec, ""), false); // nobody signed in
    assert.equal(inView(row("a", { assignee_id: "u2" }), { assignee: null }, "u1"), true);
  });

  test("due windows reckoned from the user's today", () => {
    const due = (d) => row("a", { due_date: d });
    assert.equal(inView(due("2026-11-30"), { due: "overdue", today }), true);
    assert.equal(inView(due(today), { due: "overdue", today }), false);
    assert.equal(inView(due(today), { due: "today", today }), true);
    assert.equal(inView(due("2026-12-02"), { due: "upcoming", today }), true);
    assert.equal(inView(due(null), { due: "none", today }), true);
    assert.equal(inView(due(today), { due: "none", today }), false);
    // Today's view: overdue and today's (due_before today, inclusive).
    assert.equal(inView(due("2026-11-01"), { due_before: today, today }), true);
    assert.equal(inView(due("2026-12-02"), { due_before: today, today }), false);
    assert.equal(inView(due(null), { due_before: today, today }), false);
    assert.equal(inView(due("2026-12-05"), { due_after: "2026-12-05", today }), true);
  });
});

describe("comparator", () => {
  const ids = (rows, spec) => [...rows].sort(comparator(spec)).map((r) => r.id);
  test("due: soonest first, timed before untimed on a day, undated last either way", () => {
    const rows = [
      row("none"),
      row("b", { due_date: "2026-12-02" }),
      row("a9", { due_date: "2026-12-01", due_time: "09:00" }),
      row("a", { due_date: "2026-12-01" }),
    ];
    assert.deepEqual(ids(rows, { sort: "due", descending: false }), ["a9", "a", "b", "none"]);
    assert.deepEqual(ids(rows, { sort: "due", descending: true }).at(-1), "none");
  });

  test("priority: high first by default; title: case-insensitive; created: newest first", () => {
    const rows = [row("x", { priority: "low" }), row("yy", { priority: "high" }), row("zzz")];
    assert.deepEqual(ids(rows, { sort: "priority", descending: true }), ["yy", "x", "zzz"]);
    const titled = [row("b", { title: "banana" }), row("a", { title: "Apple" })];
    assert.deepEqual(ids(titled, { sort: "title", descending: false }), ["a", "b"]);
    assert.deepEqual(ids([row("a"), row("bbb"), row("cc")], { sort: "created" }), [
      "bbb",
      "cc",
      "a",
    ]);
  });
});

describe("dueLabel and localNow", () => {
  test("words for near days, a weekday within the week, a date beyond", () => {
    const today = "2026-12-01"; // a Tuesday
    const label = (d, t = null, now = "12:00") =>
      dueLabel({ due_date: d, due_time: t }, today, now);
    assert.deepEqual(label(null), { text: "", overdue: false });
    assert.deepEqual(label("2026-12-01", "17:00"), { text: "Today 17:00", overdue: false });
    assert.deepEqual(label("2026-12-01", "09:00"), { text: "Today 09:00", overdue: true });
    assert.deepEqual(label("2026-12-02"), { text: "Tomorrow", overdue: false });
    assert.deepEqual(label("2026-11-30"), { text: "Yesterday", overdue: true });
    assert.deepEqual(label("2026-12-04", "17:00"), { text: "Fri 17:00", overdue: false });
    assert.deepEqual(label("2026-12-25"), { text: "25 Dec", overdue: false });
    assert.deepEqual(label("2027-01-05"), { text: "5 Jan 2027", overdue: false });
  });

  test("today and the time are the user's zone's, not the browser's", () => {
    const instant = "2026-12-01T11:30:00Z";
    assert.deepEqual(localNow(instant, "Pacific/Auckland"), { date: "2026-12-02", time: "00:30" });
    assert.deepEqual(localNow(instant, "America/Los_Angeles"), {
      date: "2026-12-01",
      time: "03:30",
    });
  });
});

describe("Engine.key", () => {
  const setup = () => {
    const sent = [];
    const engine = new Engine({
      storage: null,
      send: (uid, batch) => sent.push(batch),
      resync: () => {},
      notify: () => {},
      newId: (() => {
        let n = 0;
        return () => `id-${++n}`;
      })(),
      now: () => "2026-12-01T12:00:00Z",
      titleMax: 200,
      titleTooLong: "too long",
      titleEmpty: "Enter a title",
    });
    engine.sync({
      rows: [row("a"), row("bb"), row("ccc")],
      rowsSeq: 1,
      changes: [],
      total: 3,
      active: 3,
      epoch: "e",
      userId: "u",
      filter: "all",
      query: "",
      loading: false,
    });
    return { engine, sent };
  };

  test("j/k move the selection and ask for the row's focus; x completes it", () => {
    const { engine, sent } = setup();
    assert.deepEqual(engine.key("j"), { focus: "check-ccc" }); // newest first
    assert.deepEqual(engine.key("j"), { focus: "check-bb" });
    assert.deepEqual(engine.key("k"), { focus: "check-ccc" });
    engine.key("x");
    assert.equal(engine.getSnapshot().tasks.find((t) => t.id === "ccc").completed, true);
    assert.deepEqual(sent.at(-1)[0].fields, { completed: true });
  });

  test("Delete removes the selected task and focus moves to the next one", () => {
    const { engine } = setup();
    engine.key("j");
    assert.deepEqual(engine.key("Delete"), { handled: true });
    assert.equal(engine.takeFocusRequest(), "check-bb");
    assert.equal(engine.selectedId, "bb");
    assert.deepEqual(
      engine.getSnapshot().tasks.map((t) => t.id),
      ["bb", "a"],
    );
  });

  test("n, /, ? and chords", () => {
    const { engine } = setup();
    assert.deepEqual(engine.key("n"), { focus: "new-task" });
    assert.deepEqual(engine.key("q"), { focus: "new-task" });
    assert.deepEqual(engine.key("/"), { focus: "search-tasks" });
    engine.key("?");
    assert.equal(engine.getSnapshot().shortcutsOpen, true);
    engine.key("Escape");
    assert.equal(engine.getSnapshot().shortcutsOpen, false);
    assert.equal(engine.key("j", { ctrl: true }), null); // never steals a chord
    assert.equal(engine.key("Z"), null);
  });
});
