// A shared list's live entries in the browser (assets/task_engine/confirmed.js): the reload
// entry tasks/live.py sends when the lists a user may see change, and a row the owner moved
// out of a shared list, which reaches a member's page as removed with all it was.
//
// Run with `node --test tests/js/shared_reload.test.mjs`.

import { describe, test } from "node:test";
import assert from "node:assert/strict";

import { Confirmed } from "../../assets/task_engine/confirmed.js";
import { Engine } from "../../assets/task_engine/engine.js";

function row(id, title, extra = {}) {
  return { id, title, description: "", completed: false, version: 1, list_id: "L", ...extra };
}

const base = () => ({
  rows: [row("t1", "A"), row("t2", "B")],
  rowsSeq: 1,
  epoch: "e1",
  changes: [],
  total: 2,
  active: 2,
});

const entry = (seq, over = {}) => ({ seq, mid: "", rows: [], removed: [], was: {}, ...over });
const remote = (...changes) => ({ remote: { epoch: "e1", changes } });

describe("a reload entry from elsewhere", () => {
  test("makes the page load again, once, whatever comes with it", () => {
    const c = new Confirmed();
    c.sync(base());
    const before = entry(1, { rows: [row("t3", "C")], was: { t3: null } });
    const reload = { seq: 2, reload: true };
    assert.equal(c.sync({ ...base(), ...remote(before, reload) }).gap, true);
    assert.equal(c.rows.has("t3"), true); // what came before it was applied
    // Sent again while recent (React may fold updates): not a second reload.
    assert.equal(c.sync({ ...base(), ...remote(before, reload) }).gap, false);
  });

  test("reaches the engine as a resync (the page's load, which watches its new lists)", () => {
    let resyncs = 0;
    const io = {
      storage: null,
      send: () => {},
      resync: () => {
        resyncs += 1;
      },
      notify: () => {},
      later: () => {},
      watchdog: () => {},
      clock: () => 0,
      newId: () => "id",
      now: () => "2030-01-01T00:00:00+00:00",
    };
    const engine = new Engine(io);
    const props = { ...base(), userId: "u1", filter: "all", query: "", loading: false };
    engine.sync(props);
    assert.equal(resyncs, 0);
    engine.sync({ ...props, ...remote({ seq: 1, reload: true }) });
    assert.equal(resyncs, 1);
  });
});

describe("a row the owner moved out of a shared list", () => {
  test("leaves a member's page and its counts", () => {
    const c = new Confirmed();
    c.sync(base());
    // As tasks/live.py's ``filtered`` sends it: removed, with the whole row as it was.
    const left = entry(1, { removed: ["t1"], was: { t1: row("t1", "A") } });
    assert.equal(c.sync({ ...base(), ...remote(left) }).gap, false);
    assert.equal(c.rows.has("t1"), false);
    assert.deepEqual(c.counts, { total: 1, active: 1 });
  });
});
