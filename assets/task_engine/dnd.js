/**
 * Drag and drop for the task list, on dnd-kit (@dnd-kit/core 6.3.1, @dnd-kit/sortable 10.0.0,
 * @dnd-kit/utilities 3.2.2; installed by todo_app/tasks/components/dragging.py): its
 * accessible pattern, not a home-made one.
 *
 * - ``SortableTasks`` wraps the list: the sensors (mouse, touch after a short press, and the
 *   keyboard: Space or Enter picks up, the arrows move, Space or Enter drops, Escape
 *   cancels) and the live region that announces each step by the tasks' titles.
 * - ``SortableRow`` is one list item (``<li>``) that moves while it is dragged;
 * - ``DragHandle`` is the row's "Move <title>" button, the only place a drag starts, so the
 *   rest of the row keeps its clicks, its text selection and the page's scrolling by touch.
 *
 * A drop calls ``onMove(taskId, overId)``, which the page binds to the engine's ``dropOn``
 * (structure.js): the same "move" mutation as the keys make. Why its own module: it is the
 * only part of the engine that needs dnd-kit; it knows nothing of the engine.
 */
import { createContext, createElement, useContext, useRef } from "react";
import {
  DndContext,
  KeyboardSensor,
  MouseSensor,
  TouchSensor,
  closestCenter,
  useSensor,
  useSensors,
} from "@dnd-kit/core";
import {
  SortableContext,
  sortableKeyboardCoordinates,
  useSortable,
  verticalListSortingStrategy,
} from "@dnd-kit/sortable";
import { CSS } from "@dnd-kit/utilities";

const RowContext = createContext(null);

const INSTRUCTIONS =
  "To move a task, press Space or Enter on its Move button. Use the arrow keys to move it, " +
  "Space or Enter to drop it where it is, or Escape to put it back.";

/** What the live region says at each step, by the tasks' titles (``titles``: id -> title).
 * ``seen`` keeps the row last announced as the one under the task, so a step is said once
 * (dnd-kit reports the task over its own place as soon as it is picked up). */
export function announcements(titles, seen = { over: null }) {
  const name = (id) => `"${titles?.[id] ?? "the task"}"`;
  return {
    onDragStart: ({ active }) => {
      seen.over = active.id;
      return `Picked up ${name(active.id)}.`;
    },
    onDragOver: ({ active, over }) => {
      const now = over?.id ?? null;
      if (now === seen.over) return undefined;
      seen.over = now;
      if (now === null) return `${name(active.id)} is not over any task.`;
      return now === active.id
        ? `${name(active.id)} is back in its place.`
        : `${name(active.id)} is over ${name(now)}.`;
    },
    onDragEnd: ({ active, over }) =>
      over && over.id !== active.id
        ? `${name(active.id)} was dropped at ${name(over.id)}.`
        : `${name(active.id)} was dropped in its place.`,
    onDragCancel: ({ active }) => `Moving ${name(active.id)} was cancelled; it is back in its place.`,
  };
}

export function SortableTasks({ ids, titles, onMove, children }) {
  const seen = useRef({ over: null }).current;
  const sensors = useSensors(
    useSensor(MouseSensor, { activationConstraint: { distance: 4 } }),
    useSensor(TouchSensor, { activationConstraint: { delay: 180, tolerance: 6 } }),
    useSensor(KeyboardSensor, { coordinateGetter: sortableKeyboardCoordinates }),
  );
  return createElement(
    DndContext,
    {
      sensors,
      collisionDetection: closestCenter,
      accessibility: {
        announcements: announcements(titles, seen),
        screenReaderInstructions: { draggable: INSTRUCTIONS },
      },
      onDragEnd: ({ active, over }) => {
        if (over && over.id !== active.id) onMove?.(String(active.id), String(over.id));
      },
    },
    createElement(
      SortableContext,
      { items: ids ?? [], strategy: verticalListSortingStrategy },
      children,
    ),
  );
}

/** One list item that follows the pointer (or the keys) while its task is dragged. */
export function SortableRow({ taskId, disabled = false, children, style, ...rest }) {
  const sortable = useSortable({ id: taskId, disabled });
  const moving = {
    transform: CSS.Translate.toString(sortable.transform),
    transition: sortable.transition,
    position: "relative",
    zIndex: sortable.isDragging ? 2 : undefined,
    boxShadow: sortable.isDragging ? "0 4px 16px var(--black-a5)" : undefined,
    background: sortable.isDragging ? "var(--color-panel-solid)" : undefined,
  };
  return createElement(
    RowContext.Provider,
    { value: sortable },
    createElement(
      "li",
      {
        ...rest,
        ref: sortable.setNodeRef,
        style: { ...style, ...moving },
        "data-dragging": sortable.isDragging ? "true" : "false",
      },
      children,
    ),
  );
}

/** The row's "Move <title>" button (``label``): where a drag starts, by any sensor. */
export function DragHandle({ label, children }) {
  const sortable = useContext(RowContext);
  if (!sortable) return null;
  const { role, tabIndex, ...aria } = sortable.attributes; // a <button> is already both
  return createElement(
    "button",
    {
      type: "button",
      "aria-label": label,
      title: label,
      ...aria,
      ...sortable.listeners,
      ref: sortable.setActivatorNodeRef,
      className: "rt-reset rt-BaseButton rt-r-size-2 rt-variant-ghost rt-IconButton task-drag-handle",
      style: { touchAction: "none", cursor: sortable.isDragging ? "grabbing" : "grab" },
    },
    children,
  );
}
