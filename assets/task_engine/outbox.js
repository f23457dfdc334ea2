/**
 * The durable outbox: the mutations this browser has made and the server has not confirmed
 * yet, kept in localStorage (one list per signed-in user).
 *
 * Why here and not in memory: a change must survive a reload, a browser restart and an outage
 * (DESIGN.md principle 3). The engine (engine.js) adds each mutation here before sending it
 * and removes it when the change that settles it arrives. Pure: storage is injected.
 */

export const OUTBOX_PREFIX = "todo.outbox.v1.";

/**
 * The unconfirmed mutations of one user, kept in ``storage`` (localStorage).
 *
 * Several tabs of one user share the stored list. Each tab keeps its own entries (and, after
 * a load, whatever was stored then) in memory, and changes the stored list only by mutation
 * id, read-modify-write, so no tab ever erases another tab's waiting changes.
 */
export class Outbox {
  constructor(storage, userId) {
    this.storage = storage;
    this.key = OUTBOX_PREFIX + userId;
    this.items = this.stored();
  }

  stored() {
    try {
      const saved = JSON.parse(this.storage?.getItem(this.key) ?? "[]");
      return Array.isArray(saved) ? saved.filter((m) => m && m.mid && m.kind) : [];
    } catch {
      return []; // unreadable: start empty rather than break the page
    }
  }

  write(change) {
    try {
      const next = change(this.stored());
      if (next.length) this.storage?.setItem(this.key, JSON.stringify(next));
      else this.storage?.removeItem(this.key);
    } catch {
      // Storage full or disabled: the mutations still live in memory until confirmed.
    }
  }

  add(mutation) {
    this.items = [...this.items, mutation];
    this.write((stored) => [...stored.filter((m) => m.mid !== mutation.mid), mutation]);
  }

  remove(mids) {
    const gone = new Set(mids);
    if (!gone.size) return;
    this.items = this.items.filter((m) => !gone.has(m.mid));
    this.write((stored) => stored.filter((m) => !gone.has(m.mid)));
  }

  clear() {
    this.items = [];
    this.write(() => []);
  }

  /** The newest unconfirmed mutation of ``taskId`` (what a new one is made on top of). */
  lastFor(taskId) {
    for (let i = this.items.length - 1; i >= 0; i--) {
      const m = this.items[i];
      if (m.task_id === taskId) return m;
    }
    return null;
  }
}
