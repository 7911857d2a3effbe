// The RLS Care app: one page, five screens behind hash routes (#today, #careplan, #diary, #progress,
// #settings). Data comes from IndexedDB first (works offline), then from the API when it answers.
import { api, ApiError, csrfFromCookie, failureKind, onApiSuccess } from "./api.js";
import { configure, formatAgo, todayIso } from "./dates.js";
import { h, replace } from "./dom.js";
import { errorMessage } from "./errors.js";
import { phoneZone, zoneList } from "./zones.js";
import { load as loadStrings, t } from "./i18n.js";
import { Store } from "./store.js";
import { flush, SYNC_TAG } from "./sync.js";
import * as careplan from "./screens/careplan.js";
import * as diary from "./screens/diary.js";
import * as inbox from "./screens/inbox.js";
import * as progress from "./screens/progress.js";
import * as reminders from "./screens/reminders.js";
import * as safety from "./screens/safety.js";
import * as settings from "./screens/settings.js";
import * as today from "./screens/today.js";

const SCREENS = { today, careplan, diary, progress, settings, inbox, reminders, safety };
const RETRY_FIRST_MS = 15_000;
const RETRY_SOON_MS = 1_000; // after a sign of life (a request answered, "online", back in front)
const RETRY_MAX_MS = 5 * 60_000;
const body = document.body;

class App {
  constructor(store) {
    this.store = store;
    this.userKey = body.dataset.userKey;
    this.version = body.dataset.version;
    this.main = document.getElementById("main");
    this.listeners = new Set();
    this.syncing = false;
    this.syncError = null;
    this.installPrompt = null;
    this.retryDelay = RETRY_FIRST_MS;
    this.retryTimer = null;
  }

  /** Re-render the status line and tell the current screen that data changed. */
  changed() {
    this.renderStatus();
    inbox.updateBadge(this);
    for (const listener of this.listeners) listener();
  }

  onChange(listener) {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Flush the outbox; never throws (a failed flush keeps its ops and is shown in the status line). */
  async sync() {
    if (this.syncing) {
      // A change made during a flush goes out right after it, not at the next trigger.
      this.syncAgain = true;
      return this.syncPromise;
    }
    this.syncing = true;
    this.renderStatus();
    this.syncPromise = (async () => {
      try {
        await this.store.setMeta("csrf", csrfFromCookie());
        await flush(this.store, { userKey: this.userKey, csrf: csrfFromCookie() });
        this.syncError = null;
        this.failure = null;
        this.retryDelay = RETRY_FIRST_MS;
      } catch (error) {
        // Try again by itself (the server may come back without an "online" event), backing off.
        clearTimeout(this.retryTimer);
        this.retryTimer = setTimeout(() => this.sync(), this.retryDelay);
        this.retryDelay = Math.min(this.retryDelay * 2, RETRY_MAX_MS);
        this.syncError = error instanceof ApiError ? error : "offline";
        this.failure = failureKind(error);
        if (error instanceof ApiError && error.status === 403) this.signedOut = true;
        // getRegistration, not ready: ready never settles where no worker is registered (private mode).
        const registration = await navigator.serviceWorker?.getRegistration().catch(() => null);
        if (registration?.sync) registration.sync.register(SYNC_TAG).catch(() => {});
      } finally {
        this.syncing = false;
        this.changed();
      }
      if (this.syncAgain && !this.syncError) {
        this.syncAgain = false;
        await this.sync();
      }
    })();
    return this.syncPromise;
  }

  /** A read failed (e.g. Today's day): the top bar says what kind of failure it was. */
  noteFailure(error) {
    this.failure = failureKind(error);
    this.renderStatus();
  }

  /** The server may be back: reset the backoff and flush soon, not at the end of the current wait. */
  retrySoon() {
    this.retryDelay = RETRY_FIRST_MS;
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => this.sync(), RETRY_SOON_MS);
  }

  /** Use `zone` for every date from now on; redraw the screen when it moves today to another date. */
  async setTimeZone(zone) {
    const before = todayIso();
    configure({ timeZone: zone, language: document.documentElement.lang });
    // Settings keeps its own form and note; the dated screens redraw on the new date.
    if (todayIso() !== before && route().name !== "settings") await show(this);
  }

  async renderStatus() {
    const status = document.getElementById("sync-status");
    const [pending, lastSynced, rejected] = await Promise.all([
      this.store.outboxCount(),
      this.store.getMeta("lastSynced"),
      this.store.all("rejected"),
    ]);
    const parts = [];
    const failure = !navigator.onLine ? "offline" : this.failure;
    const pill = { offline: "status.offline", unreachable: "status.unreachable", server: "status.serverError" }[failure];
    if (pill) parts.push(h("span", { class: "pill offline", "data-testid": "connection" }, t(pill)));
    parts.push(
      h("span", { "data-testid": "pending" }, pending ? t("status.pending", { n: pending }) : t("status.allSynced")),
    );
    if (lastSynced) parts.push(h("span", { class: "muted" }, t("status.lastSynced", { when: formatAgo(lastSynced) })));
    if (this.syncError instanceof ApiError && !this.signedOut) parts.push(h("span", { class: "warn" }, t("status.failed")));
    if (pill && !this.signedOut)
      parts.push(h("button", { type: "button", class: "retry", onclick: () => this.retrySoon() }, t("status.retry")));
    if (this.signedOut) parts.push(h("a", { href: "/accounts/login/?next=/", class: "warn" }, t("status.signInAgain")));
    if (rejected.length)
      parts.push(h("a", { href: "#settings", class: "warn", "data-testid": "rejected" }, t("status.rejected", { n: rejected.length })));
    replace(status, parts);
  }
}

function route() {
  const [name, ...rest] = (location.hash.replace(/^#/, "") || "today").split("/");
  return { name: SCREENS[name] ? name : "today", param: rest.join("/") || null };
}

async function show(app) {
  const { name, param } = route();
  for (const link of document.querySelectorAll("nav a, #inbox-link")) {
    if (link.getAttribute("href") === `#${name}`) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
  if (app.cleanup) app.cleanup();
  app.listeners.clear();
  const screen = h("div", { class: "screen" });
  replace(app.main, screen);
  app.cleanup = await SCREENS[name].render(app, screen, param);
  document.title = `${SCREENS[name].title()} · ${t("app.name")}`;
}

async function registerServiceWorker(app) {
  if (!("serviceWorker" in navigator)) return;
  navigator.serviceWorker.addEventListener("message", (event) => {
    const { type, version } = event.data || {};
    if (type === "synced" || type === "changed") app.changed();
    if (type === "pushed") inbox.refreshFeed(app.store).then(() => app.changed(), () => {}); // badge and inbox
    // A worker of another version took over: this page still runs the old code, so offer a reload.
    if (type === "sw-activated" && version !== app.version) showUpdateBanner();
  });
  try {
    await navigator.serviceWorker.register("/serviceworker.js", { scope: "/", updateViaCache: "none" });
  } catch {
    // No service worker (e.g. private mode): the app still works online.
  }
}

function showUpdateBanner() {
  const banner = document.getElementById("banner");
  replace(
    banner,
    h("p", {}, t("update.ready")),
    h("button", { type: "button", class: "button", onclick: () => location.reload() }, t("update.reload")),
  );
  banner.hidden = false;
}

/**
 * A trip: the phone's zone differs from the profile's. Ask once per difference (keep or switch); the
 * answer is remembered, so the banner comes back only when the difference changes.
 */
async function offerTrip(app, profile) {
  const { links } = await zoneList(app.store);
  const phone = phoneZone(links);
  const key = `${phone}|${profile.time_zone}`;
  if (!phone || phone === profile.time_zone || (await app.store.getMeta("tripAsked")) === key) return;
  let banner = document.getElementById("trip");
  if (!banner) {
    banner = h("div", { id: "trip", class: "banner", role: "region", "aria-label": t("trip.label") });
    document.getElementById("banner").after(banner);
  }
  const note = h("p", { role: "status", class: "muted" });
  const close = async () => {
    await app.store.setMeta("tripAsked", key);
    banner.remove();
  };
  replace(
    banner,
    h("p", {}, t("trip.question", { phone, profile: profile.time_zone })),
    h(
      "button",
      {
        type: "button",
        class: "button",
        onclick: async () => {
          try {
            const updated = await api("/api/v1/me/", { method: "PATCH", body: { time_zone: phone } });
            await app.store.setMeta("me", updated);
            await close();
            await app.setTimeZone(updated.time_zone);
            if (route().name === "settings") await show(app); // its form shows the new zone
          } catch (error) {
            note.textContent = errorMessage(error);
          }
        },
      },
      t("trip.switch", { zone: phone }),
    ),
    h("button", { type: "button", class: "button secondary", onclick: close }, t("trip.keep", { zone: profile.time_zone })),
    note,
  );
}

/** Fetch the patient's profile and keep it for offline starts. */
async function loadProfile(store) {
  const profile = await api("/api/v1/me/");
  await store.setMeta("me", profile);
  return profile;
}

async function main() {
  loadStrings(body.dataset.i18n);
  configure({ language: document.documentElement.lang });
  const store = await Store.open(body.dataset.userKey);
  const app = new App(store);
  window.rlsApp = app; // for the browser tests and the curious
  // The first start after signing in (always online) learns the patient's zone before showing any
  // date; later starts use the stored profile, offline too, and refresh it below.
  const me = (await store.getMeta("me")) || (await loadProfile(store).catch(() => null));
  if (me) configure({ timeZone: me.time_zone, language: document.documentElement.lang });
  await store.setMeta("csrf", csrfFromCookie());
  await store.setMeta("swStrings", { done: t("push.done"), snooze: t("push.snooze"), taken: t("push.taken") });

  window.addEventListener("hashchange", () => show(app));
  window.addEventListener("online", () => app.retrySoon());
  onApiSuccess((path) => {
    if (app.syncError && path !== "/api/v1/sync/") app.retrySoon();
    else if (!app.syncError && app.failure) (app.failure = null), app.renderStatus();
  });
  window.addEventListener("offline", () => app.renderStatus());
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible") app.retrySoon();
  });
  window.addEventListener("beforeinstallprompt", (event) => {
    event.preventDefault();
    app.installPrompt = event;
  });
  document.querySelector(".topbar").append(inbox.link());
  await show(app);
  app.renderStatus();
  inbox.refreshFeed(store).then(() => inbox.updateBadge(app), () => {});
  registerServiceWorker(app);
  app.sync();
  const shownToday = todayIso();
  loadProfile(store)
    .then(async (profile) => {
      configure({ timeZone: profile.time_zone, language: document.documentElement.lang });
      if (todayIso() !== shownToday) show(app); // the zone changed, and with it today's date
      await offerTrip(app, profile);
    })
    .catch(() => {});
  if (navigator.storage?.persist) {
    const persisted = await navigator.storage.persisted();
    if (!persisted) await navigator.storage.persist().catch(() => false);
  }
}

main().catch((error) => {
  const mainEl = document.getElementById("main");
  replace(mainEl, h("p", { role: "alert" }, t("error.start")));
  console.error(error);
});

