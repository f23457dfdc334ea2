/**
 * Sub-tasks and manual order in the browser: where a row goes when it is moved, nested or
 * added, what a parent does to the rows below it, and how "Manual" sorts a view.
 *
 * Why apart from overlay.js: these are the tree's rules (todo_app/tasks/subtasks.py and
 * placing.py on the server), which the overlay applies to pending mutations and views.js's
 * order reads; the overlay stays about mutations. The keys come from the same algorithm as
 * the server's (fractional-indexing.js, vendored from npm fractional-indexing 3.2.0; the server uses
 * its Python port), so a place shown here is, in the usual case, the key the server writes.
 * The page holds only the rows it loaded, so a place is worked out among the loaded
 * siblings; the server's answer replaces it once confirmed. Pure: no React, no Reflex.
 */

import { generateKeyBetween } from "./fractional-indexing.js";

/** A key after ``low`` and before ``high`` (null: no bound). Never throws: two equal
 * neighbours (the server spreads those) give a key just before ``high``. */
export function keyBetween(low, high) {
  const tries = [
    [low ?? null, high ?? null],
    [null, high ?? null],
    [low ?? null, null],
  ];
  for (const [a, b] of tries) {
    try {
      return generateKeyBetween(a, b);
    } catch {
      // the bounds are out of order or not keys: try a looser pair
    }
  }
  return "a0";
}

const byPosition = (a, b) =>
  a.position === b.position ? 0 : (a.position ?? "") < (b.position ?? "") ? -1 : 1;

/** The loaded children of ``parentId`` (null: the top level of ``listId``), in key order. */
export function siblingsOf(rows, parentId, listId, exceptId = null) {
  const found = [];
  for (const row of rows.values()) {
    if (row.id === exceptId || (row.parent_id ?? null) !== (parentId ?? null)) continue;
    if (!parentId && (row.list_id ?? null) !== (listId ?? null)) continue;
    found.push(row);
  }
  return found.sort(byPosition);
}

/** Ids of every loaded row below ``id`` (children, their children, ...). */
export function descendantIds(rows, id) {
  const children = new Map();
  for (const row of rows.values()) {
    if (!row.parent_id) continue;
    if (!children.has(row.parent_id)) children.set(row.parent_id, []);
    children.get(row.parent_id).push(row.id);
  }
  const out = [];
  const stack = [...(children.get(id) ?? [])];
  while (stack.length) {
    const next = stack.pop();
    if (out.includes(next)) continue; // a cycle never comes from the server; never loop
    out.push(next);
    stack.push(...(children.get(next) ?? []));
  }
  return out;
}

/** The key of a task added among these siblings: last under a parent; at the top level of a
 * list (or the Inbox), first, or last when ``last`` (the list's "Add tasks to: Bottom",
 * placing.py ``new_key``). */
export function newKey(rows, parentId, listId, last = false) {
  const sibs = siblingsOf(rows, parentId, listId);
  if (parentId || last) return keyBetween(sibs.at(-1)?.position ?? null, null);
  return keyBetween(null, sibs[0]?.position ?? null);
}

/** ``touch(id)`` records a row before it changes (overlay.js's ``applyMutation``). */
function setRow(rows, touch, id, fields) {
  const row = rows.get(id);
  if (!row) return;
  touch(id);
  rows.set(id, { ...row, ...fields });
}

/** Rows below ``id`` follow it into ``listId`` (a sub-task lives in its parent's list). */
function carryList(rows, touch, id, listId) {
  for (const below of descendantIds(rows, id)) {
    if ((rows.get(below)?.list_id ?? null) !== (listId ?? null)) {
      setRow(rows, touch, below, { list_id: listId ?? null });
    }
  }
}

/** A move: ``id`` (with its sub-tasks) right before ``beforeId`` among ``parentId``'s
 * children (null: the top level of its list), or last there. */
export function placeRow(rows, touch, id, parentId, beforeId) {
  const row = rows.get(id);
  if (!row) return;
  const parent = parentId ? rows.get(parentId) : null;
  const listId = parent ? (parent.list_id ?? null) : (row.list_id ?? null);
  const sibs = siblingsOf(rows, parentId, listId, id);
  const at = beforeId ? sibs.findIndex((s) => s.id === beforeId) : -1;
  const position =
    at >= 0
      ? keyBetween(sibs[at - 1]?.position ?? null, sibs[at].position)
      : keyBetween(sibs.at(-1)?.position ?? null, null);
  setRow(rows, touch, id, { parent_id: parentId ?? null, list_id: listId, position });
  carryList(rows, touch, id, listId);
}

/** What a "set" does beyond its own fields, as the server does it: a new parent places the
 * task last under it, in its list; a new list alone takes a sub-task out of its parent; a
 * completion completes the open rows below; a parent's list carries its sub-tasks along.
 * A new list places the task first in it, or last when ``last`` (the list adds at the bottom). */
export function setWithTree(rows, touch, id, fields, last = false) {
  const row = rows.get(id);
  if (!row) return;
  setRow(rows, touch, id, fields);
  if ("parent_id" in fields && (fields.parent_id ?? null) !== (row.parent_id ?? null)) {
    placeRow(rows, touch, id, fields.parent_id ?? null, null);
  } else if ("list_id" in fields && (fields.list_id ?? null) !== (row.list_id ?? null)) {
    const listId = fields.list_id ?? null;
    setRow(rows, touch, id, { parent_id: null, position: newKey(rows, null, listId, last) });
    carryList(rows, touch, id, listId);
  }
  if (fields.completed === true && !row.completed) {
    for (const below of descendantIds(rows, id)) {
      if (!rows.get(below).completed) setRow(rows, touch, below, { completed: true });
    }
  }
}

/** A new row's place: with a parent, last under it and in its list; else first in its list,
 * or last when ``last`` (the create's own ``last``: its list adds at the bottom). */
export function placeNew(rows, row, last = false) {
  const parent = row.parent_id ? rows.get(row.parent_id) : null;
  const listId = parent ? (parent.list_id ?? null) : (row.list_id ?? null);
  const position = row.position ?? newKey(rows, row.parent_id ?? null, listId, last);
  return { ...row, list_id: listId, parent_id: row.parent_id ?? null, position };
}

/**
 * Keep each loaded parent's "2/5" in step with the rows that changed (``before``: id -> the
 * row before, null when new). A parent that is itself new or restored here already counts
 * its own sub-tasks (its row came whole); the server sends the true counts once confirmed.
 */
export function recount(rows, before) {
  const bump = (parentId, completed, by) => {
    if (!parentId || before.get(parentId) === null) return;
    const parent = rows.get(parentId);
    if (!parent) return;
    rows.set(parentId, {
      ...parent,
      subtask_count: Math.max(0, (parent.subtask_count ?? 0) + by),
      subtasks_done: Math.max(0, (parent.subtasks_done ?? 0) + (completed ? by : 0)),
    });
  };
  for (const [id, old] of before) {
    const now = rows.get(id) ?? null;
    const same =
      old && now && (old.parent_id ?? null) === (now.parent_id ?? null) && !!old.completed === !!now.completed;
    if (same) continue;
    if (old?.parent_id) bump(old.parent_id, !!old.completed, -1);
    if (now?.parent_id) bump(now.parent_id, !!now.completed, 1);
  }
}

/** Ancestors of ``row`` held in ``rows``, nearest first (stops at the first not loaded). */
export function ancestorsOf(rows, row) {
  const out = [];
  let at = row;
  while (at?.parent_id && out.length < 16) {
    const parent = rows.get(at.parent_id);
    if (!parent) break;
    out.push(parent);
    at = parent;
  }
  return out;
}

/** The chain of keys from the top-level ancestor down to ``row`` (as far as loaded). */
export function pathOf(rows, row) {
  return [...ancestorsOf(rows, row).reverse().map((r) => r.position ?? ""), row.position ?? ""];
}

/** Compare two key chains: depth-first, a parent before its sub-tasks. */
export function comparePaths(a, b) {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
  }
  return a.length - b.length;
}

/**
 * The rows a view lists (``sorted``, in its order) as the page shows them: a row below a
 * collapsed row that is shown is hidden; in "Manual" (``manual``) a row is indented by its
 * shown ancestors; a sub-task whose parent is not shown just above it says whose it is
 * (``context``: the parent's title, from the rows held or ``titles`` the server sent, else ""
 * rather than a guess). ``progress``: "2/5" for a task with sub-tasks.
 */
export function arrange(sorted, rows, { manual = false, collapsed = new Set(), titles = {} } = {}) {
  const shown = new Set(sorted.map((r) => r.id));
  const out = [];
  for (const row of sorted) {
    const chain = ancestorsOf(rows, row);
    if (chain.some((a) => collapsed.has(a.id) && shown.has(a.id))) continue;
    const under = manual && row.parent_id && shown.has(row.parent_id);
    const count = row.subtask_count ?? 0;
    out.push({
      ...row,
      depth: manual ? Math.min(chain.filter((a) => shown.has(a.id)).length, 4) : 0,
      context: row.parent_id && !under ? (rows.get(row.parent_id)?.title ?? titles[row.parent_id] ?? "") : "",
      collapsed: count > 0 && collapsed.has(row.id),
      progress: count > 0 ? `${row.subtasks_done ?? 0}/${count}` : "",
    });
  }
  return out;
}
