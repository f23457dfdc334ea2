/**
 * The overlay: what the page shows is the confirmed rows with every unconfirmed mutation
 * applied on top, in order (DESIGN.md principle 3), so a click repaints in its own frame.
 *
 * This module applies a mutation to rows and counts as the server will (``applyMutation``),
 * works out what reverses one (``reversal``, for Undo and Ctrl+Z) and shows a reversal in
 * place, and builds the overlay itself (``overlay``) and the filter and search over it
 * (``matches``). The counts are the view's (``countedIn``): a row moves them only as it
 * enters or leaves the view, by the same rule as the confirmed counts (confirmed.js).
 *
 * The kinds mirror todo_app/tasks/change_kinds.py. A new field needs nothing here: a "set"
 * mutation carries whatever fields it sets, and they are copied onto the row. What a change
 * does to the rows below a task (sub-tasks) and to a task's place (``move``, a new parent)
 * follows the tree's rules in tree.js. Pure: no React, no Reflex, no storage.
 */

import { descendantIds, placeNew, placeRow, recount, setWithTree } from "./tree.js";
import { inView } from "./views.js";

/** @typedef {{id: string, title: string, description: string, completed: boolean,
 *             version: number, created_at: string}} Row */

const everyRow = () => true;

/**
 * What the counter counts: the rows of the view ``spec`` (views.js ``inView``) that the
 * search ``query`` finds, completed or not ("3 items left" on Today, as Todoist counts). The
 * server counts the same at a load (todo_app/tasks/queries.py ``count_tasks``).
 */
export function countedIn(spec, query, me = "") {
  return (row) => inView(row, spec, me) && matches(row, "all", query);
}

/** A key that is the same for the same view and search (the rule ``countedIn`` makes). */
export function countKey(spec, query) {
  return JSON.stringify([spec ?? null, query ?? ""]);
}

/** Move ``counts`` by a row going from ``old`` to ``now`` (null: absent), as far as
 * ``counted`` counts either. */
export function countRow(counts, old, now, counted = everyRow) {
  const was = old && counted(old) ? old : null;
  const is = now && counted(now) ? now : null;
  counts.total += (is ? 1 : 0) - (was ? 1 : 0);
  counts.active += (is && !is.completed ? 1 : 0) - (was && !was.completed ? 1 : 0);
}

function setFields(rows, id, fields) {
  const row = rows.get(id);
  if (row) rows.set(id, { ...row, ...fields });
}

/**
 * Apply one mutation to ``rows`` (a Map id -> row, changed in place) and ``counts`` (of the
 * rows ``counted`` counts), as the server will. ``m.prev`` holds what the mutation replaced
 * (for undo): taken when it was made.
 */
export function applyMutation(rows, counts, m, counted = everyRow) {
  const before = new Map();
  const touch = (id) => before.has(id) || before.set(id, rows.get(id) ?? null);
  switch (m.kind) {
    case "create":
      touch(m.task_id);
      if (!rows.has(m.task_id)) {
        const { text, ignore, ...fields } = m.fields ?? {};
        const row = {
          id: m.task_id,
          title: "",
          description: "",
          completed: false,
          version: 0,
          created_at: m.at,
          subtask_count: 0,
          subtasks_done: 0,
          ...fields,
        };
        rows.set(m.task_id, placeNew(rows, row, m.last === true));
      }
      break;
    case "set":
      setWithTree(rows, touch, m.task_id, m.fields, m.last === true);
      break;
    case "move":
      placeRow(rows, touch, m.task_id, m.fields?.parent_id ?? null, m.fields?.before_id ?? null);
      break;
    case "delete":
      // A parent takes its sub-tasks with it (one Undo brings all back).
      for (const id of [m.task_id, ...descendantIds(rows, m.task_id)]) {
        touch(id);
        rows.delete(id);
      }
      break;
    case "set_all":
      for (const [id, row] of rows) {
        if (row.completed !== m.fields.completed) {
          touch(id);
          rows.set(id, { ...row, completed: m.fields.completed });
        }
      }
      recount(rows, before);
      // Tasks not loaded here change too (every task, so all the view's): the counts say how
      // many.
      counts.active = m.fields.completed ? 0 : counts.total;
      return counts;
    case "clear_completed":
      for (const [id, row] of rows) {
        if (row.completed) {
          touch(id);
          rows.delete(id);
        }
      }
      recount(rows, before);
      counts.total = counts.active;
      return counts;
    case "undo":
      undoInPlace(rows, m.prev, touch);
      break;
    default:
      return counts;
  }
  recount(rows, before);
  for (const [id, old] of before) countRow(counts, old, rows.get(id) ?? null, counted);
  return counts;
}

/** Show the reversal of a mutation whose ``prev`` is given (the server does the real one). */
function undoInPlace(rows, prev, touch) {
  if (!prev) return;
  for (const row of prev.restore ?? []) {
    if (!rows.has(row.id)) {
      touch(row.id);
      rows.set(row.id, row);
    }
  }
  for (const { id, fields } of prev.set ?? []) {
    if (!rows.has(id)) continue;
    touch(id);
    setFields(rows, id, fields);
  }
  for (const id of prev.delete ?? []) {
    touch(id);
    rows.delete(id);
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
      // What the tree did besides (a place, the rows below): put back as they were too.
      const { [m.task_id]: own = {}, ...others } = treeEffects(rows, m);
      const rest = Object.entries(others).map(([id, f]) => ({ id, fields: f }));
      return { set: [{ id: m.task_id, fields: { ...own, ...fields } }, ...rest] };
    }
    case "move": {
      if (!rows.has(m.task_id)) return null;
      const changed = Object.entries(treeEffects(rows, m)).map(([id, f]) => ({ id, fields: f }));
      return { set: changed };
    }
    case "delete": {
      const row = rows.get(m.task_id);
      if (!row) return null;
      return { restore: [row, ...descendantIds(rows, m.task_id).map((id) => rows.get(id))] };
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

const DERIVED = new Set(["subtask_count", "subtasks_done"]); // the server counts them again

/** The old values of every field ``m`` changes on a row it is not simply told to set:
 * ``{id: {field: old value}}`` (worked out by applying it to a copy). */
function treeEffects(rows, m) {
  const copy = new Map(rows);
  const before = new Map();
  const touch = (id) => before.has(id) || before.set(id, copy.get(id) ?? null);
  if (m.kind === "move") {
    placeRow(copy, touch, m.task_id, m.fields?.parent_id ?? null, m.fields?.before_id ?? null);
  } else {
    setWithTree(copy, touch, m.task_id, m.fields);
  }
  const out = {};
  for (const [id, old] of before) {
    const now = copy.get(id);
    if (!old || !now) continue;
    const fields = {};
    for (const [k, v] of Object.entries(now)) {
      if (!DERIVED.has(k) && JSON.stringify(old[k] ?? null) !== JSON.stringify(v ?? null)) {
        fields[k] = old[k] ?? null;
      }
    }
    if (Object.keys(fields).length) out[id] = fields;
  }
  return out;
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

/**
 * The overlay: confirmed rows and counts with ``pending`` applied on top, in order. The
 * counts are of the rows ``counted`` counts (``countedIn``: the view's), and never fewer
 * than the rows held here that it counts.
 */
export function overlay(confirmedRows, counts, pending, counted = everyRow) {
  const rows = new Map(confirmedRows);
  const shown = { total: counts.total, active: counts.active };
  for (const m of pending) applyMutation(rows, shown, m, counted);
  let held = 0;
  for (const row of rows.values()) if (counted(row)) held += 1;
  shown.total = Math.max(shown.total, held);
  shown.active = Math.min(Math.max(shown.active, 0), shown.total);
  return { rows, ...shown };
}

/** Whether the status ``filter`` (all, active, completed) and the search ``query`` show ``row``. */
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
