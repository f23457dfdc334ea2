/**
 * The page's actions on the shape of a list: moving a task among its siblings, nesting it
 * under the task above or taking it out one level, collapsing a parent, and adding a
 * sub-task. A move is one mutation of the kind "move" (``{parent_id, before_id}``, as the
 * server's change_kinds.py takes it), so it paints in the same frame, waits in the outbox,
 * is applied once and is undone by Ctrl+Z like any other change.
 *
 * Why apart from interactions.js: these are the tree's actions and keys, which grow with
 * drag and drop; interactions.js keeps the rest of the page. ``Structure`` is the base class
 * of ``Interactions`` (and so of ``Engine``): it builds on the engine's ``current()``,
 * ``mutate()``, ``emit()`` and ``io``. Pure: the DOM is touched only to clear a field.
 */

import { descendantIds, siblingsOf } from "./tree.js";

export const COLLAPSED_KEY = "todo.collapsed.v1";
const COLLAPSED_MAX = 500; // ids remembered; the oldest go first
export const MANUAL_ONLY = 'Choose the "Manual" sort to put tasks in your own order.';

export class Structure {
  constructor() {
    this.collapsed = null; // Set of task ids, read from storage on first use
  }

  // --- moving ---

  /** Put ``taskId`` (with its sub-tasks) right before ``beforeId`` among ``parentId``'s
   * children (null: the top level of its list), or last there. */
  move(taskId, parentId = null, beforeId = null) {
    const { rows } = this.current();
    const row = rows.get(taskId);
    if (!row || parentId === taskId || beforeId === taskId) return null;
    const fields = { parent_id: parentId || null, before_id: beforeId || null };
    if (this.alreadyThere(rows, row, fields)) return null;
    return this.mutate("move", { taskId, fields });
  }

  /** Whether ``row`` already sits where ``fields`` would put it (a move that moves nothing). */
  alreadyThere(rows, row, { parent_id, before_id }) {
    if ((row.parent_id ?? null) !== parent_id) return false;
    const sibs = siblingsOf(rows, parent_id, row.list_id ?? null);
    const at = sibs.findIndex((s) => s.id === row.id);
    return before_id ? sibs[at + 1]?.id === before_id : at === sibs.length - 1;
  }

  /** The row and its siblings as the page holds them, if the view is in manual order. */
  placeOf(taskId) {
    if (this.spec?.sort !== "manual") {
      this.io.notify(MANUAL_ONLY, null, "info");
      return null;
    }
    const { rows } = this.current();
    const row = rows.get(taskId);
    if (!row) return null;
    const sibs = siblingsOf(rows, row.parent_id ?? null, row.list_id ?? null);
    return { rows, row, sibs, at: sibs.findIndex((s) => s.id === taskId) };
  }

  /** Alt+ArrowUp (``step`` -1) / Alt+ArrowDown (+1): one place among its siblings. */
  moveBy(taskId, step) {
    const place = this.placeOf(taskId);
    if (!place) return null;
    const { row, sibs, at } = place;
    const parent = row.parent_id ?? null;
    if (step < 0) return at > 0 ? this.move(taskId, parent, sibs[at - 1].id) : null;
    if (at < 0 || at >= sibs.length - 1) return null;
    return this.move(taskId, parent, sibs[at + 2]?.id ?? null);
  }

  /** Ctrl+]: a sub-task of the task above it at its level (its last one). A collapsed new
   * parent opens, so the task stays in sight (and keeps focus). */
  indent(taskId) {
    const place = this.placeOf(taskId);
    if (!place || place.at <= 0) return null;
    const parentId = place.sibs[place.at - 1].id;
    if (this.collapsedIds().has(parentId)) this.toggleCollapsed(parentId);
    return this.move(taskId, parentId, null);
  }

  /** Ctrl+[: out one level, right after its parent. */
  outdent(taskId) {
    const place = this.placeOf(taskId);
    if (!place?.row.parent_id) return null;
    const parent = place.rows.get(place.row.parent_id);
    if (!parent) return null;
    const up = siblingsOf(place.rows, parent.parent_id ?? null, parent.list_id ?? null);
    const next = up[up.findIndex((s) => s.id === parent.id) + 1];
    return this.move(taskId, parent.parent_id ?? null, next?.id ?? null);
  }

  /**
   * A drop (dnd.js): ``taskId`` takes ``overId``'s place among ``overId``'s siblings, before
   * it when dragged up the list and after it when dragged down (so a row can reach either
   * end). Nesting is the keys' job (Ctrl+], Ctrl+[): a drop never changes the depth of
   * what it drops on. Never into its own sub-tasks.
   */
  dropOn(taskId, overId) {
    if (!overId || overId === taskId) return null;
    const place = this.placeOf(taskId);
    const over = place?.rows.get(overId);
    if (!over || descendantIds(place.rows, taskId).includes(overId)) return null;
    const shown = this.getSnapshot().tasks.map((t) => t.id);
    const down = shown.indexOf(overId) > shown.indexOf(taskId);
    const parent = over.parent_id ?? null;
    const sibs = siblingsOf(place.rows, parent, over.list_id ?? null, taskId);
    const at = sibs.findIndex((s) => s.id === overId);
    return this.move(taskId, parent, down ? (sibs[at + 1]?.id ?? null) : overId);
  }

  /** The tree's keys (Alt+ArrowUp/Down, Ctrl+], Ctrl+[) on ``taskId``; null: not one. */
  treeKey(key, { ctrl = false, meta = false, alt = false, shift = false } = {}, taskId = "") {
    let act = null;
    if (alt && !ctrl && !meta && !shift && key === "ArrowUp") act = () => this.moveBy(taskId, -1);
    if (alt && !ctrl && !meta && !shift && key === "ArrowDown") act = () => this.moveBy(taskId, 1);
    if (ctrl && !alt && !meta && key === "]") act = () => this.indent(taskId);
    if (ctrl && !alt && !meta && key === "[") act = () => this.outdent(taskId);
    if (!act) return null;
    if (!taskId) return { handled: true };
    act();
    this.selectedId = taskId;
    this.emit();
    return { focus: `check-${taskId}` };
  }

  // --- collapsing ---

  collapsedIds() {
    if (!this.collapsed) {
      let ids = [];
      try {
        ids = JSON.parse(this.io?.storage?.getItem(COLLAPSED_KEY) ?? "[]");
      } catch {
        ids = [];
      }
      this.collapsed = new Set(Array.isArray(ids) ? ids.map(String) : []);
    }
    return this.collapsed;
  }

  /** "Collapse <title>" / "Expand <title>": remembered per task in this browser. */
  toggleCollapsed(taskId) {
    const ids = this.collapsedIds();
    if (ids.has(taskId)) ids.delete(taskId);
    else ids.add(taskId);
    const kept = [...ids].slice(-COLLAPSED_MAX);
    this.collapsed = new Set(kept);
    try {
      this.io?.storage?.setItem(COLLAPSED_KEY, JSON.stringify(kept));
    } catch {
      // storage full or blocked: the state holds for this page
    }
    this.emit();
  }

  // --- adding a sub-task ---

  /** "Add sub-task" in the details dialog: a task under the open one (quick add applies). */
  addSubtaskFromForm(formData, inputId) {
    const parentId = String(formData?.parent_id ?? this.detailsId ?? "");
    if (!parentId || !this.current().rows.has(parentId)) return;
    if (this.add(formData?.title, parentId) && inputId) {
      const input = globalThis.document?.getElementById(inputId);
      if (input) input.value = "";
    }
  }
}
