// Reminders: where reminders go (push on this phone, email, or only the inbox) with "Send a test
// reminder", and each reminder with what it is for, its next time in the patient's zone, on/off, days,
// "only if not done", "remind again until done" and snooze. Changes are saved on the server at once
// (online only, as the screen says); the list is kept for offline reading. API: /api/v1/reminders/...
import { api, ApiError } from "../api.js";
import { formatAgo, formatDay } from "../dates.js";
import { h, replace } from "../dom.js";
import { errorMessage } from "../errors.js";
import { t } from "../i18n.js";
import { formatWhen } from "./inbox.js";

export const SNOOZE_MINUTES = [10, 30, 60]; // REMINDER_SNOOZE_MINUTES
export const REPEAT_EVERY_MINUTES = [10, 15, 30, 60]; // REMINDER_REPEAT_EVERY_MINUTES
export const REPEAT_MAX_TIMES = 6; // REMINDER_REPEAT_MAX_TIMES
const ALL_FIELDS = ["active", "local_time", "weekdays", "only_if_not_done", "repeat_every_minutes", "repeat_max_times"];

export function title() {
  return t("nav.reminders");
}

function base64UrlToBytes(value) {
  const padded = (value + "=".repeat((4 - (value.length % 4)) % 4)).replace(/-/g, "+").replace(/_/g, "/");
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** This browser's push subscription, or null (no worker, no permission, none made yet). */
async function currentSubscription() {
  if (!("serviceWorker" in navigator) || !("PushManager" in window)) return null;
  const registration = await navigator.serviceWorker.getRegistration().catch(() => null);
  return (await registration?.pushManager.getSubscription().catch(() => null)) || null;
}

/** Subscribe this browser to Web Push and register it with the server (from a tap only); resolves with a sentence. */
async function enablePush() {
  if (!("Notification" in window) || !("PushManager" in window)) return t("push.unsupported");
  const permission = await Notification.requestPermission();
  if (permission !== "granted") return t("push.denied");
  const { public_key: key } = await api("/api/v1/push/vapid-public-key/");
  const registration = await navigator.serviceWorker.ready;
  const subscription =
    (await registration.pushManager.getSubscription()) ||
    (await registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: base64UrlToBytes(key) }));
  await api("/api/v1/push-subscriptions/", { method: "POST", body: subscription.toJSON() });
  return null;
}

/** Where reminders go, as the server sees it, with "Turn on" (when push can be had here) and the test button. */
function channelSection(app) {
  const status = h("p", { "data-testid": "channel", class: "channel" }, t("app.loading"));
  const note = h("p", { role: "status", class: "muted", "data-testid": "channel-note" });
  const actions = h("div", { class: "actions" });
  const check = async () => {
    try {
      const subscription = await currentSubscription();
      const channel = await api("/api/v1/reminders/channel/", { method: "POST", body: { endpoint: subscription?.endpoint ?? null } });
      await app.store.setMeta("channel", channel);
      draw(channel, false);
    } catch (error) {
      draw(await app.store.getMeta("channel"), error);
    }
  };
  const draw = (channel, error) => {
    status.className = `channel ${channel ? channel.code : "unknown"}`;
    status.textContent = channel ? channel.message : error ? t("reminders.channelUnknown") : t("app.loading");
    const canTurnOn = !channel || (channel.push?.configured !== false && !channel.push?.this_device);
    replace(
      actions,
      canTurnOn
        ? h(
            "button",
            {
              type: "button",
              class: "button",
              id: "enable-push",
              onclick: async () => {
                note.textContent = "";
                try {
                  note.textContent = (await enablePush()) || "";
                } catch (failure) {
                  note.textContent = errorMessage(failure);
                }
                await check();
              },
            },
            t("push.enable"),
          )
        : null,
      h(
        "button",
        {
          type: "button",
          class: "button secondary",
          id: "test-reminder",
          onclick: async () => {
            note.textContent = "";
            try {
              const sent = await api("/api/v1/reminders/test/", { method: "POST" });
              note.textContent = sent.message;
            } catch (failure) {
              note.textContent = failure instanceof ApiError && failure.status === 429 ? t("reminders.testTooSoon") : errorMessage(failure);
            }
            await check();
          },
        },
        t("reminders.test"),
      ),
      error && channel ? h("p", { class: "hint" }, t("reminders.channelAsOf")) : null,
    );
  };
  check();
  return h(
    "section",
    { class: "card", "aria-labelledby": "reminders-channel" },
    h("h3", { id: "reminders-channel" }, t("reminders.channel")),
    h("p", { class: "hint" }, t("settings.remindersIntro")),
    status,
    actions,
    note,
    h("p", { class: "hint" }, t("install.iosPush")),
  );
}

/** "Mon", "Tue", ... in the page's language, 0 = Monday. */
function weekdayName(n) {
  return formatDay(`2024-01-0${n + 1}`, { weekday: "short", year: undefined }); // 1 January 2024 was a Monday
}

function nextText(reminder) {
  if (!reminder.active) return t("reminders.off");
  if (!reminder.next_fire_at) return t("reminders.noNext");
  return t("reminders.next", { when: formatWhen(reminder.next_fire_at) });
}

/** One reminder as a card; every control saves at once and is put back when the server says no. */
function reminderCard(app, reminder, onSaved) {
  const editable = new Set(reminder.editable || ALL_FIELDS);
  const id = `reminder-${reminder.id}`;
  const note = h("p", { role: "status", class: "note", "data-testid": "reminder-note" });
  const save = async (body, restore) => {
    note.textContent = "";
    try {
      const updated = await api(`/api/v1/reminders/${reminder.id}/`, { method: "PATCH", body });
      onSaved(updated, t("settings.saved"));
    } catch (error) {
      restore();
      note.textContent = errorMessage(error);
    }
  };
  const snooze = async (method, minutes) => {
    note.textContent = "";
    try {
      const updated = await api(`/api/v1/reminders/${reminder.id}/snooze/`, method === "POST" ? { method, body: { minutes } } : { method });
      onSaved(updated, method === "POST" ? t("settings.saved") : t("reminders.snoozeCleared"));
    } catch (error) {
      note.textContent = errorMessage(error);
    }
  };
  const checkbox = (field, label, extra = {}) => {
    const input = h("input", {
      type: "checkbox",
      id: `${id}-${field}`,
      checked: reminder[field],
      disabled: !editable.has(field),
      onchange: (event) => save({ [field]: event.target.checked }, () => (event.target.checked = reminder[field])),
      ...extra,
    });
    return h("div", { class: "field check-row" }, input, h("label", { for: `${id}-${field}` }, label));
  };
  const days = h(
    "fieldset",
    { class: "days", disabled: !editable.has("weekdays") || reminder.on_date ? true : null },
    h("legend", {}, t("reminders.days")),
    [0, 1, 2, 3, 4, 5, 6].map((n) =>
      h(
        "label",
        { class: "day" },
        h("input", {
          type: "checkbox",
          value: n,
          checked: reminder.weekdays.includes(n),
          onchange: (event) => {
            const chosen = [...days.querySelectorAll("input:checked")].map((box) => Number(box.value));
            save({ weekdays: chosen }, () => (event.target.checked = !event.target.checked));
          },
        }),
        h("span", {}, weekdayName(n)),
      ),
    ),
  );
  const repeatEvery = h(
    "select",
    {
      id: `${id}-repeat`,
      disabled: !editable.has("repeat_every_minutes"),
      onchange: (event) => {
        const value = event.target.value ? Number(event.target.value) : null;
        save({ repeat_every_minutes: value }, () => (event.target.value = reminder.repeat_every_minutes ?? ""));
      },
    },
    h("option", { value: "", selected: !reminder.repeat_every_minutes }, t("reminders.repeatOff")),
    REPEAT_EVERY_MINUTES.map((m) => h("option", { value: m, selected: reminder.repeat_every_minutes === m }, t("reminders.repeatEvery", { n: m }))),
  );
  const repeatMax = h(
    "select",
    {
      id: `${id}-repeat-max`,
      disabled: !editable.has("repeat_max_times") || !reminder.repeat_every_minutes,
      onchange: (event) => save({ repeat_max_times: Number(event.target.value) }, () => (event.target.value = reminder.repeat_max_times)),
    },
    Array.from({ length: REPEAT_MAX_TIMES }, (_, i) => i + 1).map((n) => h("option", { value: n, selected: (reminder.repeat_max_times ?? 3) === n }, t("reminders.repeatTimes", { n }))),
  );
  const titleId = `${id}-title`;
  return h(
    "article", // not a landmark: two reminders of one checklist share its name
    { class: reminder.active ? "card reminder" : "card reminder off", "aria-labelledby": titleId, "data-testid": "reminder", "data-id": reminder.id },
    h("h3", { id: titleId }, reminder.title || reminder.label || t("settings.reminder")),
    reminder.subtitle ? h("p", { class: "hint" }, reminder.subtitle) : null,
    h("p", { class: "next", "data-testid": "reminder-next" }, nextText(reminder)),
    checkbox("active", t("reminders.on"), { role: "switch" }),
    h(
      "div",
      { class: "field inline" },
      h("label", { for: `${id}-time` }, t("reminders.time")),
      h("input", {
        type: "time",
        id: `${id}-time`,
        value: reminder.local_time,
        disabled: !editable.has("local_time"),
        onchange: (event) => save({ local_time: event.target.value }, () => (event.target.value = reminder.local_time)),
      }),
    ),
    reminder.on_date ? h("p", { class: "hint" }, t("reminders.onDate", { date: formatDay(reminder.on_date) })) : days,
    checkbox("only_if_not_done", t("reminders.onlyIfNotDone")),
    h("div", { class: "field inline" }, h("label", { for: `${id}-repeat` }, t("reminders.repeat")), repeatEvery),
    reminder.repeat_every_minutes ? h("div", { class: "field inline" }, h("label", { for: `${id}-repeat-max` }, t("reminders.repeatMax")), repeatMax) : null,
    h(
      "div",
      { class: "snooze", role: "group", "aria-label": t("reminders.snooze") },
      reminder.snoozed_until
        ? [
            h("p", { "data-testid": "snoozed" }, t("reminders.snoozedUntil", { when: formatWhen(reminder.snoozed_until) })),
            h("button", { type: "button", class: "button secondary", id: `${id}-unsnooze`, onclick: () => snooze("DELETE") }, t("reminders.unsnooze")),
          ]
        : reminder.active
          ? [
              h("span", { class: "snooze-label", "aria-hidden": "true" }, t("reminders.snooze")),
              SNOOZE_MINUTES.map((m) =>
                h("button", { type: "button", class: "button secondary", id: `${id}-snooze-${m}`, "aria-label": t("reminders.snoozeFor", { n: m }), onclick: () => snooze("POST", m) }, t("reminders.minutes", { n: m })),
              ),
            ]
          : null,
    ),
    note,
  );
}

export async function render(app, root) {
  const list = h("div", { "data-testid": "reminders" });
  // A saved change redraws only its own card, and keeps the keyboard focus on the same control.
  const card = (reminder) => {
    const node = reminderCard(app, reminder, async (updated, message) => {
      const current = await app.store.getMeta("reminders");
      if (current) await app.store.setMeta("reminders", { ...current, items: current.items.map((r) => (r.id === updated.id ? updated : r)) });
      const focused = document.activeElement?.id;
      const next = card(updated);
      node.replaceWith(next);
      next.querySelector("[data-testid=reminder-note]").textContent = message;
      (document.getElementById(focused) || next.querySelector(".snooze button"))?.focus();
    });
    return node;
  };
  const drawList = async (error) => {
    const saved = await app.store.getMeta("reminders");
    if (!saved) return replace(list, h("p", { class: "muted" }, error ? t("reminders.unavailable") : t("app.loading")));
    replace(
      list,
      error ? h("p", { class: "muted", role: "status" }, t("reminders.asOf", { when: formatAgo(saved.at) })) : null,
      saved.items.length ? saved.items.map(card) : h("p", { class: "muted" }, t("settings.noReminders")),
    );
  };
  replace(
    root,
    h("h2", {}, t("reminders.title")),
    channelSection(app),
    h("h3", { class: "list-heading" }, t("reminders.yours")),
    h("p", { class: "hint", "data-testid": "online-only" }, t("reminders.onlineOnly")),
    list,
  );
  await drawList();
  api("/api/v1/reminders/")
    .then((items) => app.store.setMeta("reminders", { items, at: new Date().toISOString() }))
    .then(() => drawList())
    .catch((error) => drawList(error));
  return null;
}
