// The patient's data on this device, in one IndexedDB database per user ("rls-<user key>"):
//   days     the Today data per date (checklists with items and done state), as last seen plus local changes
//   diary    diary entries per date
//   outbox   sync ops not yet confirmed by the server, in the order they were made (autoIncrement key)
//   rejected ops the server refused, kept to show the patient
//   intake   the medicine intake log: one record per (medicine, date, dose time), an extra dose per op id
//   meta     key/value: sync cursor, last synced time, CSRF token, care plan, profile, the last Progress answer
// A local change and its outbox op are written in the same transaction, so neither exists without the other.
import { done, open, remove, req } from "./idb.js";

const VERSION = 2; // 2: the intake store
const STORES = ["days", "diary", "outbox", "rejected", "meta", "intake"];

export function dbName(userKey) {
  return `rls-${userKey}`;
}

function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const hex = [...b].map((x) => x.toString(16).padStart(2, "0")).join("");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** The client clock of a change, ISO-8601 with the device's UTC offset (as the sync contract asks). */
export function nowWithOffset(date = new Date()) {
  const pad = (n, w = 2) => String(Math.abs(n)).padStart(w, "0");
  const offset = -date.getTimezoneOffset();
  const sign = offset >= 0 ? "+" : "-";
  return (
    `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}` +
    `T${pad(date.getHours())}:${pad(date.getMinutes())}:${pad(date.getSeconds())}.${pad(date.getMilliseconds(), 3)}` +
    `${sign}${pad(Math.trunc(offset / 60))}:${pad(offset % 60)}`
  );
}

/** The intake log's key: one record per (medicine, date, dose time); an extra dose is its own, by op id. */
export function intakeKey({ medication, date, slot, op_id: opId }) {
  return slot ? `${medication}|${date}|${slot}` : `extra|${opId}`;
}

export class Store {
  constructor(db) {
    this.db = db;
  }

  static async open(userKey) {
    const db = await open(dbName(userKey), VERSION, (database) => {
      // Each version adds stores; an upgrade keeps the ones (and the outbox) a phone already has.
      const make = (name, options) => database.objectStoreNames.contains(name) || database.createObjectStore(name, options);
      make("days", { keyPath: "date" });
      make("diary", { keyPath: "date" });
      make("outbox", { keyPath: "seq", autoIncrement: true });
      make("rejected", { keyPath: "op_id" });
      make("meta", { keyPath: "key" });
      make("intake", { keyPath: "key" });
    });
    // Another tab deleting this database (sign-out) must not be blocked by us.
    db.onversionchange = () => db.close();
    return new Store(db);
  }

  static wipe(userKey) {
    return remove(dbName(userKey));
  }

  close() {
    this.db.close();
  }

  async get(storeName, key) {
    const tx = this.db.transaction(storeName);
    return req(tx.objectStore(storeName).get(key));
  }

  async all(storeName) {
    const tx = this.db.transaction(storeName);
    return req(tx.objectStore(storeName).getAll());
  }

  async put(storeName, value) {
    const tx = this.db.transaction(storeName, "readwrite");
    tx.objectStore(storeName).put(value);
    return done(tx);
  }

  async getMeta(key, fallback = null) {
    const row = await this.get("meta", key);
    return row ? row.value : fallback;
  }

  setMeta(key, value) {
    return this.put("meta", { key, value });
  }

  async outboxCount() {
    const tx = this.db.transaction("outbox");
    return req(tx.objectStore("outbox").count());
  }

  /** Pending ops in the order they were made: [{seq, op}]. */
  async outbox(limit) {
    const tx = this.db.transaction("outbox");
    return req(tx.objectStore("outbox").getAll(null, limit));
  }

  /** Store a day fetched from the server, keeping local changes that are still waiting in the outbox. */
  async putServerDay(day) {
    const tx = this.db.transaction(["days", "outbox"], "readwrite");
    const pending = await req(tx.objectStore("outbox").getAll());
    const local = new Map();
    for (const { op } of pending) if (op.kind === "checkoff" && op.date === day.date) local.set(op.item, op.done);
    for (const list of day.checklists) for (const item of list.items) if (local.has(item.id)) item.done = local.get(item.id);
    tx.objectStore("days").put(day);
    await done(tx);
    return day;
  }

  /** Check or uncheck `item` on `date`: the day's local state and the outbox op in one transaction. */
  async setCheck({ item, date, done: isDone }) {
    const op = { op_id: uuid(), kind: "checkoff", item, date, done: isDone, at: nowWithOffset() };
    const tx = this.db.transaction(["days", "outbox"], "readwrite");
    const days = tx.objectStore("days");
    const day = await req(days.get(date));
    if (day) {
      for (const list of day.checklists) for (const row of list.items) if (row.id === item) row.done = isDone;
      days.put(day);
    }
    tx.objectStore("outbox").add({ op });
    await done(tx);
    return op;
  }

  /** Save the diary entry for `date` locally and queue it for the server, in one transaction. */
  async saveDiary(date, entry) {
    const op = { op_id: uuid(), kind: "diary", date, at: nowWithOffset(), entry };
    const tx = this.db.transaction(["diary", "outbox"], "readwrite");
    tx.objectStore("diary").put({ date, ...entry, pending: true });
    tx.objectStore("outbox").add({ op });
    await done(tx);
    return op;
  }

  /**
   * Record a dose of `medication` on `date`: taken or skipped (with an optional reason) at its dose time
   * `slot`, or an extra as-needed dose (slot null, each its own record). The local record and the outbox
   * op, with an op id made here once, in one transaction.
   */
  async recordIntake({ medication, date, slot, status, reason = "" }) {
    const op = { op_id: uuid(), kind: "intake", medication, date, slot: status === "extra" ? null : slot, status, at: nowWithOffset() };
    if (status === "skipped" && reason) op.reason = reason;
    const tx = this.db.transaction(["intake", "outbox"], "readwrite");
    tx.objectStore("intake").put({ key: intakeKey(op), medication, date, slot: op.slot, status, reason: op.reason || "", at: op.at, op_id: op.op_id, pending: true });
    tx.objectStore("outbox").add({ op });
    await done(tx);
    return op;
  }

  /** The intake records of `date` (all medicines). */
  async intakeOn(date) {
    return (await this.all("intake")).filter((row) => row.date === date);
  }

  /**
   * Apply a sync response: drop the ops the server has settled (applied, duplicate or rejected), keep
   * the rejected ones to show, and apply the server's changes except where a newer local op still waits.
   */
  async applySync(sentSeqs, response) {
    const tx = this.db.transaction(STORES, "readwrite");
    const outbox = tx.objectStore("outbox");
    const rejected = tx.objectStore("rejected");
    const sent = await req(outbox.getAll());
    const settled = new Set([...response.applied, ...response.duplicates]);
    const refused = new Map(response.rejected.map((r) => [r.op_id, r.errors]));
    for (const { seq, op } of sent) {
      if (!sentSeqs.has(seq)) continue;
      if (settled.has(op.op_id) || refused.has(op.op_id)) outbox.delete(seq);
      if (refused.has(op.op_id)) rejected.put({ op_id: op.op_id, op, errors: refused.get(op.op_id) });
    }
    const waiting = new Set();
    const waitingDiary = new Set();
    const waitingIntake = new Set();
    for (const { seq, op } of sent) {
      if (sentSeqs.has(seq) && (settled.has(op.op_id) || refused.has(op.op_id))) continue;
      if (op.kind === "checkoff") waiting.add(`${op.item}|${op.date}`);
      if (op.kind === "diary") waitingDiary.add(op.date);
      if (op.kind === "intake") waitingIntake.add(intakeKey(op));
    }
    const days = tx.objectStore("days");
    const diary = tx.objectStore("diary");
    const intake = tx.objectStore("intake");
    const byDate = new Map();
    for (const change of response.changes) {
      if (change.kind === "checkoff") {
        if (waiting.has(`${change.item}|${change.date}`)) continue;
        if (!byDate.has(change.date)) byDate.set(change.date, []);
        byDate.get(change.date).push(change);
      } else if (change.kind === "diary" && !waitingDiary.has(change.date)) {
        diary.put({ ...change.entry, date: change.date, pending: false });
      } else if (change.kind === "intake" && !waitingIntake.has(intakeKey(change))) {
        const { kind, seq, ...record } = change;
        intake.put({ ...record, key: intakeKey(change), reason: change.reason || "", pending: false });
      }
    }
    for (const [date, changes] of byDate) {
      const day = await req(days.get(date));
      if (!day) continue;
      for (const change of changes)
        for (const list of day.checklists) for (const row of list.items) if (row.id === change.item) row.done = change.done;
      days.put(day);
    }
    for (const row of await req(diary.getAll())) {
      if (row.pending && !waitingDiary.has(row.date)) diary.put({ ...row, pending: false });
    }
    // A refused dose is not kept as if recorded; an accepted one is no longer waiting.
    for (const row of await req(intake.getAll())) {
      if (refused.has(row.op_id)) intake.delete(row.key);
      else if (row.pending && !waitingIntake.has(row.key)) intake.put({ ...row, pending: false });
    }
    const meta = tx.objectStore("meta");
    meta.put({ key: "cursor", value: response.cursor });
    meta.put({ key: "lastSynced", value: new Date().toISOString() });
    await done(tx);
  }

  async dismissRejected() {
    const tx = this.db.transaction("rejected", "readwrite");
    tx.objectStore("rejected").clear();
    return done(tx);
  }
}
