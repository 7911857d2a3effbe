// Flush the outbox to POST /api/v1/sync/ in order, in batches; used by the page and the service worker.
// A failed flush keeps every op; the server's applied/duplicates/rejected settle them.
import { api } from "./api.js";

export const BATCH = 200; // well under the server's 1000-op limit
export const SYNC_TAG = "rls-outbox";

async function flushOnce(store, csrf) {
  const rows = await store.outbox(BATCH);
  const since = await store.getMeta("cursor", null);
  const response = await api("/api/v1/sync/", {
    method: "POST",
    body: { ops: rows.map((row) => row.op), since },
    csrf,
  });
  await store.applySync(new Set(rows.map((row) => row.seq)), response);
  return rows.length;
}

/**
 * Send every pending op and pull the server's changes. Resolves with {sent} or rejects (ops kept).
 * One flush at a time per user across the page and the service worker (Web Locks where available).
 */
export async function flush(store, { userKey, csrf } = {}) {
  const token = csrf || (await store.getMeta("csrf", ""));
  const run = async () => {
    let sent = 0;
    for (;;) {
      const n = await flushOnce(store, token);
      sent += n;
      if (n < BATCH) return { sent };
    }
  };
  if (typeof navigator !== "undefined" && navigator.locks) {
    return navigator.locks.request(`rls-sync-${userKey}`, run);
  }
  return run();
}
