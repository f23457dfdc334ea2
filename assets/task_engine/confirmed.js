/**
 * What the server has confirmed: the rows and counts of the last load, with every confirmed
 * change after it applied once, from both of the streams that bring them.
 *
 * Why apart from the engine: this is the half of the sync protocol that only listens. It
 * never sends; engine.js hands it the Reflex state's props (``sync``) and learns from it which
 * of this page's changes are settled and whether any were missed. Pure: no React, no Reflex.
 */

import { countKey, countRow, countedIn } from "./overlay.js";

/**
 * The confirmed rows and counts: the list and counts the server sent at ``rows_seq`` (a
 * load), with every confirmed change after it applied once. Changes come two ways:
 *
 * - this page's own, answered by the server in the Reflex state (``changes``, numbered by
 *   ``seq`` per base); they settle the outbox;
 * - everyone else's (another tab, device, the REST API), sent straight down the socket by
 *   todo_app/tasks/live.py (``remote``: ``{epoch, changes}``, numbered per load, the last
 *   few re-sent each time). Entries for a load not seen yet wait in the prop until it is.
 *
 * The two streams are not ordered with each other, so a row is applied only if it is not
 * older (by ``version``) than the one held, and a removed row only comes back newer than it
 * went.
 *
 * The counts are the view's, as the server counted them at the load (the view and search of
 * that load, whatever the status filter: ``countedIn``). Each change says what every row it
 * wrote was before (``was``: null when it is new; for a row still there, the fields that
 * changed), so a row moves the counts only as it enters or leaves the view, even a row this
 * page never loaded. A change that wrote nothing (a "Load more" page, a stale refusal's
 * stored row) moves nothing, and so does an entry from elsewhere that brings nothing new
 * (the load already read it). ``sync`` returns this page's settled changes and
 * ``gap: true`` when changes were missed (more arrived at once than are re-sent), or when an
 * entry from elsewhere says ``reload`` (the lists its user may see changed): the page then
 * loads its list again.
 */
export class Confirmed {
  constructor() {
    this.rows = new Map();
    this.rowsSeq = -1;
    this.epoch = "";
    this.seq = 0;
    this.remoteSeq = 0;
    this.counts = { total: 0, active: 0 };
    this.counted = countedIn(null, ""); // what the counts count: the view of the load
    this.countKey = countKey(null, "");
    this.gone = new Map(); // id -> version when removed (-1: not known here)
  }

  sync(server) {
    const { rows, rowsSeq, changes, epoch, total = 0, active = 0, remote = null } = server;
    const { spec, query, userId } = server; // userId: whose "Assigned to me" the view is
    if (epoch !== this.epoch || rowsSeq !== this.rowsSeq) {
      this.rows = new Map(rows.map((r) => [r.id, r]));
      this.counts = { total, active };
      this.counted = countedIn(spec ?? null, query ?? "", userId ?? "");
      this.countKey = countKey(spec, query);
      this.gone = new Map();
      if (epoch !== this.epoch) this.remoteSeq = 0; // a new load: numbered afresh
      this.rowsSeq = rowsSeq;
      this.epoch = epoch;
      this.seq = rowsSeq;
    }
    const fresh = (changes ?? []).filter((c) => c.seq > this.seq).sort((a, b) => a.seq - b.seq);
    if (fresh.length && fresh[0].seq !== this.seq + 1) return { gap: true, settled: [] };
    for (const change of fresh) {
      this.apply(change);
      this.count(change);
      this.seq = change.seq;
    }
    return { gap: !this.takeRemote(remote), settled: fresh };
  }

  /** Entries from elsewhere for this load; false on a gap or when told to load again. */
  takeRemote(remote) {
    if (!remote || remote.epoch !== this.epoch) return true;
    const fresh = (remote.changes ?? [])
      .filter((c) => c.seq > this.remoteSeq)
      .sort((a, b) => a.seq - b.seq);
    if (fresh.length && fresh[0].seq !== this.remoteSeq + 1) return false;
    for (const change of fresh) {
      if (change.reload) {
        // The lists this page may see changed (a list shared with its user, or no longer):
        // load again, as on a gap, once (the entry may be sent again while recent).
        this.remoteSeq = change.seq;
        return false;
      }
      const news = this.isNews(change);
      this.apply(change);
      if (news) this.count(change);
      this.remoteSeq = change.seq;
    }
    return true;
  }

  /** Whether a change says anything the confirmed rows do not already show. */
  isNews(change) {
    for (const row of change.rows ?? []) {
      const held = this.rows.get(row.id);
      if (held ? row.version > held.version : !this.isGone(row)) return true;
    }
    return (change.removed ?? []).some((id) => !this.gone.has(id));
  }

  isGone(row) {
    return this.gone.has(row.id) && row.version <= this.gone.get(row.id);
  }

  apply(change) {
    for (const row of change.rows ?? []) {
      const held = this.rows.get(row.id);
      if ((held && row.version < held.version) || this.isGone(row)) continue;
      this.rows.set(row.id, row);
      this.gone.delete(row.id);
    }
    for (const id of change.removed ?? []) {
      this.gone.set(id, this.rows.get(id)?.version ?? -1);
      this.rows.delete(id);
    }
  }

  /** Move the counts by each row ``change`` wrote, as it entered or left the view. */
  count(change) {
    const moved = { ...this.counts };
    const now = new Map((change.rows ?? []).map((r) => [r.id, r]));
    for (const [id, was] of Object.entries(change.was ?? {})) {
      const after = now.get(id) ?? null;
      countRow(moved, was === null ? null : { ...after, ...was }, after, this.counted);
    }
    const total = Math.max(0, moved.total);
    const active = Math.min(Math.max(0, moved.active), total);
    this.counts = { total, active };
  }
}
