/**
 * Which rows a view shows, in what order, and how a due reads ("Today 17:00", "Overdue").
 *
 * The server parses the URL into a view (todo_app/tasks/views.py) and hands the browser its
 * ``spec``; this module only applies it to rows, so a task added or changed here shows where
 * the server will put it before the server has it. "Manual" reads depth-first by each row's
 * chain of keys (tree.js), as the server's ``sort=manual``. Pure: no React, no Reflex.
 */

import { comparePaths, pathOf } from "./tree.js";

const PRIORITY_RANK = { none: 0, low: 1, medium: 2, high: 3 };
const WEEKDAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/**
 * Does ``row`` belong in the view ``spec`` (list, assignee, tags, priorities, due window)?
 * ``me`` is the signed-in user's id, for "Assigned to me" (``spec.assignee === "me"``).
 */
export function inView(row, spec, me = "") {
  if (!spec) return true;
  if (spec.assignee === "me" && (!me || row.assignee_id !== me)) return false;
  if (spec.list_id === "inbox" && row.list_id) return false;
  if (spec.list_id && spec.list_id !== "inbox" && row.list_id !== spec.list_id) return false;
  if (spec.priorities?.length && !spec.priorities.includes(row.priority ?? "none")) return false;
  if (spec.tags?.length) {
    const have = new Set((row.tags ?? []).map((t) => t.toLocaleLowerCase()));
    if (!spec.tags.every((t) => have.has(t.toLocaleLowerCase()))) return false;
  }
  const due = row.due_date ?? null;
  const today = spec.today;
  if (spec.due === "none" && due) return false;
  if (spec.due && spec.due !== "none") {
    if (!due) return false;
    if (spec.due === "overdue" && !(due < today)) return false;
    if (spec.due === "today" && due !== today) return false;
    if (spec.due === "upcoming" && !(due > today)) return false;
  }
  if (spec.due_before && !(due && due <= spec.due_before)) return false;
  if (spec.due_after && !(due && due >= spec.due_after)) return false;
  return true;
}

function byCreated(a, b) {
  if (a.created_at !== b.created_at) return a.created_at < b.created_at ? -1 : 1;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * The comparator for a view's sort, as the server orders (ties: newest first). "Manual"
 * needs the rows held (``rows``, id -> row), to read each row's chain of keys: the Inbox,
 * then the lists in their order (``spec.list_order``), each depth-first.
 */
export function comparator(spec, rows = new Map()) {
  const sort = spec?.sort ?? "created";
  const descending = spec?.descending === undefined ? sort === "created" : spec.descending;
  const sign = descending ? -1 : 1;
  const newest = (a, b) => -byCreated(a, b);
  if (sort === "manual") return manualOrder(spec, rows, sign, newest);
  return (a, b) => {
    let c = 0;
    if (sort === "created") return sign * byCreated(a, b);
    if (sort === "due") {
      const ad = a.due_date ?? null;
      const bd = b.due_date ?? null;
      if (!ad !== !bd) return ad ? -1 : 1; // undated last, either way
      if (ad !== bd) c = ad < bd ? -1 : 1;
      else {
        const at = a.due_time ?? null;
        const bt = b.due_time ?? null;
        if (!at !== !bt) return at ? -1 : 1;
        if (at !== bt) c = at < bt ? -1 : 1;
      }
    } else if (sort === "priority") {
      c = (PRIORITY_RANK[a.priority] ?? 0) - (PRIORITY_RANK[b.priority] ?? 0);
    } else if (sort === "title") {
      const at = a.title.toLocaleLowerCase();
      const bt = b.title.toLocaleLowerCase();
      c = at < bt ? -1 : at > bt ? 1 : 0;
    }
    return c ? sign * c : newest(a, b);
  };
}

function manualOrder(spec, rows, sign, newest) {
  const order = spec?.list_order ?? [];
  const rank = (row) => {
    if (!row.list_id) return -1;
    const at = order.indexOf(row.list_id);
    return at < 0 ? order.length : at;
  };
  const paths = new Map();
  const path = (row) => {
    if (!paths.has(row.id)) paths.set(row.id, pathOf(rows, row));
    return paths.get(row.id);
  };
  return (a, b) => {
    const r = rank(a) - rank(b);
    if (r) return r;
    const c = comparePaths(path(a), path(b));
    return c ? sign * c : newest(a, b);
  };
}

function addDays(isoDate, days) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** Today's date and the time of day where the user is (their zone, not the browser's). */
export function localNow(now, timeZone) {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat("en-CA", {
      timeZone: timeZone || "UTC",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      hourCycle: "h23",
    })
      .formatToParts(new Date(now))
      .map((p) => [p.type, p.value]),
  );
  return { date: `${parts.year}-${parts.month}-${parts.day}`, time: `${parts.hour}:${parts.minute}` };
}

/**
 * How a due reads: "Today", "Tomorrow", "Yesterday", a weekday within the week ahead, else
 * "5 Dec" (with the year when it is not this year); the time after it when set. ``overdue``
 * is true before today, and today once a set time has passed.
 */
export function dueLabel(row, today, nowTime) {
  const due = row.due_date;
  if (!due) return { text: "", overdue: false };
  let day;
  if (due === today) day = "Today";
  else if (due === addDays(today, 1)) day = "Tomorrow";
  else if (due === addDays(today, -1)) day = "Yesterday";
  else if (due > today && due <= addDays(today, 6)) {
    day = WEEKDAYS[new Date(`${due}T00:00:00Z`).getUTCDay()];
  } else {
    const [y, m, d] = due.split("-");
    day = `${Number(d)} ${MONTHS[Number(m) - 1]}${y === today.slice(0, 4) ? "" : ` ${y}`}`;
  }
  const time = row.due_time ? ` ${row.due_time}` : "";
  const overdue =
    due < today || (due === today && !!row.due_time && row.due_time < (nowTime ?? "99:99"));
  return { text: day + time, overdue };
}

/** The browser's own zone (IANA name), adopted by a new account at sign-up. */
export function browserTimeZone() {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
}
