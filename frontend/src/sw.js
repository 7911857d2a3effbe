// The RLS Care service worker (served at /serviceworker.js, root scope). Plain JavaScript, no Workbox:
// the strategies we need are three short functions, and the push/outbox handlers share the page's own
// store and sync modules. self.RLS_CONFIG (version, user key, precache list, shell URL) is prepended by
// the Django view that serves this file.
import { Store } from "./store.js";
import { api } from "./api.js";
import { flush, SYNC_TAG } from "./sync.js";

const CONFIG = self.RLS_CONFIG;
const STATIC_CACHE = `rls-static-${CONFIG.version}`;
const SHELL_CACHE = `rls-shell-${CONFIG.version}-${CONFIG.user || "anonymous"}`;
const NAVIGATION_TIMEOUT_MS = 3000;
// Paths the worker leaves alone: the API (never an HTML fallback for an API call), sign-in and admin.
const PASS_THROUGH = ["/api/", "/accounts/", "/admin/", "/serviceworker.js"];

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const statics = await caches.open(STATIC_CACHE);
      await statics.addAll(CONFIG.precache);
      if (CONFIG.user) {
        // The shell page is personal (it names the user's database), so it lives in the user's cache.
        try {
          const response = await fetch(CONFIG.shell, { credentials: "same-origin", cache: "no-store" });
          if (response.ok && !response.redirected) await (await caches.open(SHELL_CACHE)).put(CONFIG.shell, response);
        } catch {
          // Offline during install: the first online navigation caches the shell.
        }
      }
      // Safe to take over at once: the outbox lives in IndexedDB, not in the worker; the page says so.
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      // Drop every other version's and every other user's caches (a shared phone keeps no one else's shell).
      for (const name of await caches.keys()) {
        if (name.startsWith("rls-") && name !== STATIC_CACHE && name !== SHELL_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
      for (const client of await self.clients.matchAll({ type: "window" })) {
        client.postMessage({ type: "sw-activated", version: CONFIG.version });
      }
    })(),
  );
});

function withTimeout(promise, ms) {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("timeout")), ms);
    promise.then(
      (value) => (clearTimeout(timer), resolve(value)),
      (error) => (clearTimeout(timer), reject(error)),
    );
  });
}

async function navigation(request) {
  const url = new URL(request.url);
  const isShell = url.pathname === CONFIG.shell;
  try {
    const response = await withTimeout(fetch(request), NAVIGATION_TIMEOUT_MS);
    if (isShell && CONFIG.user && response.ok && !response.redirected) {
      const copy = response.clone();
      caches.open(SHELL_CACHE).then((cache) => cache.put(CONFIG.shell, copy));
    }
    return response;
  } catch (error) {
    const cached = CONFIG.user ? await (await caches.open(SHELL_CACHE)).match(CONFIG.shell) : undefined;
    if (cached) return cached;
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(STATIC_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok) cache.put(request, response.clone());
  return response;
}

self.addEventListener("fetch", (event) => {
  const { request } = event;
  if (request.method !== "GET") return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin || PASS_THROUGH.some((p) => url.pathname.startsWith(p))) return;
  if (request.mode === "navigate") {
    event.respondWith(navigation(request));
  } else if (url.pathname.startsWith("/static/") || url.pathname === "/manifest.json") {
    event.respondWith(cacheFirst(request));
  }
});

// --- Outbox: background sync, and the "Done" action of a reminder ---------------------------------------

async function withStore(fn) {
  if (!CONFIG.user) return undefined;
  const store = await Store.open(CONFIG.user);
  try {
    return await fn(store);
  } finally {
    store.close();
  }
}

function flushOutbox() {
  return withStore((store) => flush(store, { userKey: CONFIG.user }));
}

async function tellPages(message) {
  for (const client of await self.clients.matchAll({ type: "window" })) client.postMessage(message);
}

self.addEventListener("sync", (event) => {
  if (event.tag === SYNC_TAG) event.waitUntil(flushOutbox().then(() => tellPages({ type: "synced" })));
});

// --- Push: a generic reminder ("You have 3 care tasks due"), no health details ---------------------------

/** Show the reminder of a push payload (the server's reminder_payload: title, body, tag, url, date, items,
 * reminder_ids, doses, repeat). Doses are ids, a date and a dose time: never a medicine's name. */
async function showReminder(data) {
  // Button labels in the patient's language, saved by the page (the payload carries no text but title/body).
  const strings = (await withStore((store) => store.getMeta("swStrings", {}))) || {};
  const doses = data.doses || [];
  const actions = [];
  // Two buttons at most show on most phones: "Taken" for due doses, else "Done" for due items.
  if (doses.length) actions.push({ action: "taken", title: strings.taken || "Taken" });
  else if (data.items.length) actions.push({ action: "done", title: strings.done || "Done" });
  if (data.reminder_ids.length) actions.push({ action: "snooze", title: strings.snooze || "Snooze 30 min" });
  const icon = CONFIG.precache.find((url) => url.includes("icon-192"));
  await self.registration.showNotification(data.title, {
    body: data.body,
    tag: data.tag,
    icon,
    badge: icon,
    data: { url: data.url, date: data.date, items: data.items, reminder_ids: data.reminder_ids, doses },
    renotify: Boolean(data.repeat), // "remind again": sound again though the tag may repeat
    actions,
  });
}

self.addEventListener("push", (event) => {
  // Our server sends JSON only; a push it did not send gets the browser's own generic notification.
  // The open pages refresh their inbox badge: the server wrote the feed entry before it pushed.
  event.waitUntil(showReminder(event.data.json()).then(() => tellPages({ type: "pushed" })));
});

async function markDone(data) {
  await withStore(async (store) => {
    for (const item of data.items) await store.setCheck({ item, date: data.date, done: true });
  });
  await sendOutbox();
}

/** "Taken": record each due dose of the reminder as taken, through the outbox (the intake op). */
async function markTaken(data) {
  await withStore(async (store) => {
    for (const dose of data.doses || []) {
      await store.recordIntake({ medication: dose.medication, date: dose.date, slot: dose.slot, status: "taken" });
    }
  });
  await sendOutbox();
}

async function sendOutbox() {
  await tellPages({ type: "changed" });
  try {
    await flushOutbox();
    await tellPages({ type: "synced" });
  } catch {
    // Offline: the ops wait in the outbox; ask for a background sync where the browser has one.
    if (self.registration.sync) await self.registration.sync.register(SYNC_TAG).catch(() => {});
  }
}

async function snooze(data) {
  const csrf = await withStore((store) => store.getMeta("csrf", ""));
  await Promise.all(
    data.reminder_ids.map((id) => api(`/api/v1/reminders/${id}/snooze/`, { method: "POST", body: { minutes: 30 }, csrf }).catch(() => {})),
  );
}

async function openToday(url) {
  const target = new URL(url, self.location.origin).href;
  for (const client of await self.clients.matchAll({ type: "window", includeUncontrolled: true })) {
    if (new URL(client.url).origin === self.location.origin) {
      await client.focus();
      if (client.navigate) return client.navigate(target).catch(() => client);
      return client;
    }
  }
  return self.clients.openWindow(target);
}

/** What a tap on a reminder does: "done" checks its items, "taken" records its doses, "snooze" snoozes it,
 * anything else opens Today. */
function handleNotification(notification, action) {
  const { data } = notification;
  notification.close();
  if (action === "done") return markDone(data);
  if (action === "taken") return markTaken(data);
  if (action === "snooze") return snooze(data);
  return openToday(data.url);
}

self.addEventListener("notificationclick", (event) => {
  event.waitUntil(handleNotification(event.notification, event.action));
});
