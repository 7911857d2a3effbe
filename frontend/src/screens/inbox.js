// Inbox: the in-app notification feed (GET /api/v1/notifications/, newest first), kept for offline.
// Each entry opens what it was about; opening marks it read. The API has no way to mark an entry read
// yet, so read state is kept per phone (meta "inboxRead"); an entry the server has as read (read_at)
// counts as read too.
import { api } from "../api.js";
import { formatAgo, formatDay, timeZone, todayIso } from "../dates.js";
import { h, replace, svg } from "../dom.js";
import { t } from "../i18n.js";

export function title() {
  return t("nav.inbox");
}

/** "21:00" in the patient's zone for an ISO instant. */
export function formatTime(isoInstant) {
  return new Intl.DateTimeFormat(document.documentElement.lang || "en", { timeZone: timeZone(), hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).format(new Date(isoInstant));
}

/** The patient-local date (YYYY-MM-DD) of an ISO instant. */
export function localDate(isoInstant) {
  return todayIso(new Date(isoInstant));
}

/** "Today, 21:00" / "Tuesday 1 December, 21:00" for an ISO instant, in the patient's zone. */
export function formatWhen(isoInstant) {
  const day = localDate(isoInstant);
  const time = formatTime(isoInstant);
  return day === todayIso() ? t("inbox.todayAt", { time }) : t("inbox.dayAt", { day: formatDay(day), time });
}

/** Where an entry leads: its own link, on its own date where the screen has dates (Today). */
export function targetOf(entry) {
  const hash = (entry.url || "/#today").replace(/^\/?/, "").replace(/^[^#]*/, "") || "#today";
  if (hash === "#today" && entry.date && entry.date !== todayIso()) return `#today/${entry.date}`;
  return hash;
}

async function readIds(store) {
  return new Set(await store.getMeta("inboxRead", []));
}

/** The feed as last seen (null before it has ever loaded), each entry with `unread`. */
async function entries(store) {
  const feed = await store.getMeta("notifications");
  if (!feed) return null;
  const read = await readIds(store);
  return feed.items.map((entry) => ({ ...entry, unread: !entry.read_at && !read.has(entry.id) }));
}

/** Fetch the feed (online) and keep it for offline. */
export async function refreshFeed(store) {
  const items = await api("/api/v1/notifications/");
  await store.setMeta("notifications", { items, at: new Date().toISOString() });
  return items;
}

/** Mark `ids` read on this phone (the feed holds the newest 50, so the newest 500 marks are plenty). */
export async function markRead(app, ids) {
  const read = await readIds(app.store);
  for (const id of ids) read.add(id);
  await app.store.setMeta("inboxRead", [...read].slice(-500));
  await updateBadge(app);
}

/** How many entries are unread, as this phone knows. */
export async function unreadCount(store) {
  return ((await entries(store)) || []).filter((entry) => entry.unread).length;
}

/** The top bar's link to the inbox: a bell; updateBadge() adds the unread count. */
export function link() {
  const bell = svg(
    "svg",
    { viewBox: "0 0 24 24", width: 24, height: 24, "aria-hidden": "true", focusable: "false" },
    svg("path", { d: "M12 3a6 6 0 0 0-6 6v4l-2 3h16l-2-3V9a6 6 0 0 0-6-6Zm-2 15a2 2 0 0 0 4 0", fill: "none", stroke: "currentColor", "stroke-width": 2, "stroke-linejoin": "round" }),
  );
  return h("a", { href: "#inbox", id: "inbox-link", class: "inbox-link", "aria-label": t("inbox.link") }, bell);
}

/** Draw the top bar's inbox link with its badge (no badge when nothing is unread). */
export async function updateBadge(app) {
  const link = document.getElementById("inbox-link");
  if (!link) return;
  const n = await unreadCount(app.store);
  link.setAttribute("aria-label", n ? t("inbox.linkUnread", { n }) : t("inbox.link"));
  const badge = link.querySelector(".badge");
  if (n && badge) badge.textContent = String(n);
  else if (n) link.append(h("span", { class: "badge", "data-testid": "inbox-badge", "aria-hidden": "true" }, String(n)));
  else if (badge) badge.remove();
}

function entryRow(app, entry) {
  const href = targetOf(entry);
  return h(
    "li",
    {},
    h(
      "a",
      {
        href,
        class: entry.unread ? "entry unread" : "entry",
        "data-testid": "inbox-entry",
        "data-id": entry.id,
        onclick: async (event) => {
          if (!entry.unread) return;
          event.preventDefault();
          await markRead(app, [entry.id]);
          location.hash = href;
        },
      },
      h("span", { class: "text" }, entry.body),
      h("span", { class: "when" }, formatWhen(entry.slot)),
      entry.unread ? h("span", { class: "flag new" }, t("inbox.new")) : null,
    ),
  );
}

export async function render(app, root) {
  let error = null; // the last refresh's failure: the list is then as last seen
  const draw = async () => {
    const list = await entries(app.store);
    const feed = await app.store.getMeta("notifications");
    const unread = (list || []).filter((entry) => entry.unread);
    const focused = document.activeElement?.closest?.("[data-testid=inbox-entry]")?.dataset.id;
    replace(
      root,
      h("h2", {}, t("inbox.title")),
      h("p", { class: "hint" }, t("inbox.intro")),
      error && feed ? h("p", { class: "muted", role: "status" }, t("inbox.asOf", { when: formatAgo(feed.at) })) : null,
      !list
        ? h("p", { class: "muted" }, error ? t("inbox.unavailable") : t("app.loading"))
        : list.length
          ? [
              unread.length
                ? h("button", { type: "button", class: "button secondary", onclick: async () => (await markRead(app, unread.map((e) => e.id)), draw()) }, t("inbox.markAll"))
                : null,
              h("ul", { class: "plain inbox" }, list.map((entry) => entryRow(app, entry))),
            ]
          : h("p", { class: "muted" }, t("inbox.empty")),
    );
    if (focused) root.querySelector(`[data-testid=inbox-entry][data-id="${focused}"]`)?.focus();
    await updateBadge(app);
  };
  app.onChange(() => draw()); // a push arrived, or a sync
  await draw();
  refreshFeed(app.store)
    .then(() => draw())
    .catch((failure) => ((error = failure), draw()));
  return null;
}
