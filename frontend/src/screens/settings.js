// Settings: sync status, the way to the reminders screen (screens/reminders.js), quiet hours and
// time zone, install guidance, storage, the password change link, and sign-out (which wipes this user's
// data from the phone).
import { api, csrfFromCookie } from "../api.js";
import { phoneZone, zoneList } from "../zones.js";
import { formatAgo } from "../dates.js";
import { h, replace } from "../dom.js";
import { errorMessage } from "../errors.js";
import { t } from "../i18n.js";
import { Store } from "../store.js";
import { fetchDay } from "./today.js";

export function title() {
  return t("nav.settings");
}

const errorText = errorMessage;

/** Remove this user's IndexedDB, caches and service worker from the phone. */
async function wipeLocalData(app) {
  app.store.close();
  await Store.wipe(app.userKey);
  for (const name of await caches.keys()) if (name.startsWith("rls-") && name.endsWith(`-${app.userKey}`)) await caches.delete(name);
  const registration = await navigator.serviceWorker?.getRegistration();
  if (registration) await registration.unregister();
}

/** Wipe this user's IndexedDB and caches, forget the service worker, then sign out on the server. */
export async function signOut(app) {
  const pending = await app.store.outboxCount();
  if (pending) {
    await app.sync();
    const left = await app.store.outboxCount();
    if (left && !window.confirm(t("signout.pending", { n: left }))) return;
  }
  await wipeLocalData(app);
  const form = document.getElementById("signout-form");
  form.elements.csrfmiddlewaretoken.value = csrfFromCookie() || form.elements.csrfmiddlewaretoken.value;
  form.submit();
}

function section(id, heading, ...children) {
  return h("section", { class: "card", "aria-labelledby": id }, h("h3", { id }, heading), children);
}

async function syncSection(app) {
  const [pending, lastSynced, rejected] = await Promise.all([app.store.outboxCount(), app.store.getMeta("lastSynced"), app.store.all("rejected")]);
  return section(
    "settings-sync",
    t("settings.sync"),
    h("p", {}, pending ? t("status.pending", { n: pending }) : t("status.allSynced")),
    h("p", { class: "muted" }, lastSynced ? t("status.lastSynced", { when: formatAgo(lastSynced) }) : t("status.neverSynced")),
    h("button", { type: "button", class: "button secondary", onclick: () => app.sync() }, t("settings.syncNow")),
    rejected.length
      ? h(
          "div",
          { class: "rejected" },
          h("p", { class: "warn" }, t("status.rejected", { n: rejected.length })),
          h("ul", {}, rejected.map((r) => h("li", {}, `${r.op.kind} ${r.op.date}: ${Object.values(r.errors || {}).flat().join(" ")}`))),
          h(
            "button",
            {
              type: "button",
              class: "button secondary",
              onclick: async () => {
                // The phone still shows what the server refused: load those days' server state again.
                const dates = new Set(rejected.filter((r) => r.op.kind === "checkoff").map((r) => r.op.date));
                await app.store.dismissRejected();
                await Promise.all([...dates].map((date) => fetchDay(app, date).catch(() => null)));
                app.changed();
              },
            },
            t("settings.dismiss"),
          ),
        )
      : null,
  );
}

/** Reminders live on their own screen: where they go (this phone, email), the test button, each reminder. */
function remindersSection() {
  return section(
    "settings-reminders",
    t("settings.reminders"),
    h("p", {}, t("settings.remindersIntro")),
    h("a", { class: "button secondary", href: "#reminders", id: "open-reminders" }, t("reminders.open")),
  );
}

async function profileSection(app) {
  const me = (await app.store.getMeta("me")) || {};
  // Current names only: the server's list (no Asia/Calcutta, Europe/Kiev), kept for offline; before it
  // has ever loaded, the browser's own names mapped through nothing.
  const { zones: current, links } = await zoneList(app.store);
  const zones = current.length ? current : typeof Intl.supportedValuesOf === "function" ? Intl.supportedValuesOf("timeZone") : [];
  if (me.time_zone && !zones.includes(me.time_zone)) zones.unshift(me.time_zone);
  const phone = phoneZone(links);
  const note = h("p", { role: "status", class: "muted", id: "time-zone-note" });
  const form = h(
    "form",
    {
      class: "form",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        const start = data.get("quiet_start") || null;
        const end = data.get("quiet_end") || null;
        if (!zones.includes(data.get("time_zone"))) {
          note.textContent = t("field.time_zone");
          return;
        }
        try {
          const profile = await api("/api/v1/me/", {
            method: "PATCH",
            body: { time_zone: data.get("time_zone"), quiet_hours_start: start, quiet_hours_end: end },
          });
          await app.store.setMeta("me", profile);
          await app.store.setMeta("tripAsked", null);
          document.getElementById("trip")?.remove();
          note.textContent = t("settings.saved");
          await app.setTimeZone(profile.time_zone); // Today moves to the new date now, not at a reload
        } catch (error) {
          note.textContent = errorText(error);
        }
      },
    },
    h(
      "div",
      { class: "field" },
      h("label", { for: "time_zone" }, t("settings.timeZone")),
      h("p", { class: "hint", id: "time-zone-hint" }, t("settings.timeZoneHint")),
      h("input", { type: "text", id: "time_zone", name: "time_zone", list: "time-zones", value: me.time_zone || "", autocomplete: "off", spellcheck: "false", "aria-describedby": "time-zone-hint" }),
      h("datalist", { id: "time-zones" }, zones.map((zone) => h("option", { value: zone }))),
    ),
    phone && phone !== me.time_zone
      ? h(
          "button",
          {
            type: "button",
            class: "button secondary",
            id: "use-phone-zone",
            onclick: () => {
              form.elements.time_zone.value = phone;
              form.requestSubmit();
            },
          },
          t("settings.usePhoneZone", { zone: phone }),
        )
      : null,
    h("p", { class: "hint" }, t("settings.quietHint")),
    h("div", { class: "field inline" }, h("label", { for: "quiet_start" }, t("settings.quietStart")), h("input", { type: "time", id: "quiet_start", name: "quiet_start", value: (me.quiet_hours_start || "").slice(0, 5) })),
    h("div", { class: "field inline" }, h("label", { for: "quiet_end" }, t("settings.quietEnd")), h("input", { type: "time", id: "quiet_end", name: "quiet_end", value: (me.quiet_hours_end || "").slice(0, 5) })),
    h("button", { type: "submit", class: "button secondary" }, t("settings.save")),
    note,
  );
  return section("settings-profile", t("settings.profile"), form);
}

function installSection(app) {
  const standalone = window.matchMedia("(display-mode: standalone)").matches;
  return section(
    "settings-install",
    t("install.title"),
    standalone ? h("p", {}, t("install.installed")) : null,
    app.installPrompt && !standalone
      ? h("button", { type: "button", class: "button", onclick: () => app.installPrompt.prompt() }, t("install.button"))
      : null,
    h("p", {}, t("install.android")),
    h("p", {}, t("install.ios")),
  );
}

async function storageSection() {
  const persisted = navigator.storage?.persisted ? await navigator.storage.persisted() : false;
  return section("settings-storage", t("settings.storage"), h("p", {}, persisted ? t("storage.persisted") : t("storage.notPersisted")));
}

/** The patient's own questions for their next appointment (printed on the visit report), and the report. */
async function visitSection(app) {
  const me = (await app.store.getMeta("me")) || {};
  const note = h("p", { role: "status", class: "muted" });
  const form = h(
    "form",
    {
      class: "form",
      id: "visit-questions-form",
      onsubmit: async (event) => {
        event.preventDefault();
        try {
          const profile = await api("/api/v1/me/", { method: "PATCH", body: { visit_questions: new FormData(form).get("visit_questions") || "" } });
          await app.store.setMeta("me", profile);
          note.textContent = t("settings.saved");
        } catch (error) {
          note.textContent = errorText(error);
        }
      },
    },
    h("div", { class: "field" }, h("label", { for: "visit_questions" }, t("visit.questions")), h("textarea", { id: "visit_questions", name: "visit_questions", maxlength: 1000, rows: 4 }, me.visit_questions || "")),
    h("p", { class: "hint" }, t("visit.questionsHint")),
    h("button", { type: "submit", class: "button secondary" }, t("settings.save")),
    note,
  );
  return section(
    "settings-visit",
    t("visit.title"),
    form,
    h("p", {}, h("a", { class: "button secondary", href: "/api/v1/me/report/", id: "visit-report", target: "_blank", rel: "noopener" }, t("visit.report"))),
  );
}

/** Download my data, sign out on other devices, delete my account (password and confirmation). */
function dataSection(app) {
  const everywhereNote = h("p", { role: "status", class: "muted" });
  const deleteNote = h("p", { role: "alert", class: "warn" });
  const deleteForm = h(
    "form",
    {
      class: "form",
      id: "delete-account",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(deleteForm);
        deleteNote.textContent = "";
        try {
          await api("/api/v1/me/delete/", {
            method: "POST",
            body: { password: data.get("password") || "", confirm: data.get("confirm") === "on" },
          });
        } catch (error) {
          deleteNote.textContent = errorText(error);
          return;
        }
        await wipeLocalData(app);
        window.location.assign("/accounts/login/?deleted=1");
      },
    },
    h("p", {}, t("data.deleteHint")),
    h("div", { class: "field" }, h("label", { for: "delete-password" }, t("data.password")), h("input", { type: "password", id: "delete-password", name: "password", autocomplete: "current-password", required: true })),
    h("div", { class: "field inline" }, h("input", { type: "checkbox", id: "delete-confirm", name: "confirm", required: true }), h("label", { for: "delete-confirm" }, t("data.deleteConfirm"))),
    h("button", { type: "submit", class: "button danger" }, t("data.deleteButton")),
    deleteNote,
  );
  // Deleting is final: the form stays closed until the patient asks for it.
  deleteForm.hidden = true;
  const reveal = h(
    "button",
    {
      type: "button",
      class: "button danger",
      id: "delete-step",
      "aria-expanded": "false",
      "aria-controls": "delete-account",
      onclick: () => {
        deleteForm.hidden = false;
        reveal.setAttribute("aria-expanded", "true");
        reveal.hidden = true;
        deleteForm.elements.password.focus();
      },
    },
    t("data.deleteStep"),
  );
  const deleteStep = h("div", {}, reveal, deleteForm);
  return section(
    "settings-data",
    t("data.title"),
    h("p", {}, t("data.downloadHint")),
    h("a", { class: "button secondary", href: "/api/v1/me/export/", download: "", id: "download-data" }, t("data.download")),
    h("p", { class: "hint" }, t("data.everywhereHint")),
    h(
      "button",
      {
        type: "button",
        class: "button secondary",
        id: "sign-out-everywhere",
        onclick: async () => {
          try {
            const { ended } = await api("/api/v1/me/sign-out-everywhere/", { method: "POST" });
            everywhereNote.textContent = t("data.everywhereDone", { n: ended });
          } catch (error) {
            everywhereNote.textContent = errorText(error);
          }
        },
      },
      t("data.everywhere"),
    ),
    everywhereNote,
    deleteStep,
  );
}

export async function render(app, root) {
  const sync = h("div", {}, await syncSection(app));
  app.onChange(async () => replace(sync, await syncSection(app)));
  const draw = async () => {
    replace(
      root,
      h("h2", {}, t("settings.title")),
      sync,
      remindersSection(),
      await profileSection(app),
      await visitSection(app),
      installSection(app),
      await storageSection(),
      section(
        "settings-account",
        t("settings.account"),
        h("p", {}, t("settings.signedInAs", { name: document.body.dataset.name })),
        h("p", {}, h("a", { class: "button secondary", href: "/accounts/password_change/", id: "change-password" }, t("settings.changePassword"))),
        h("p", { class: "hint" }, t("signout.hint")),
        h("button", { type: "button", class: "button danger", id: "sign-out", onclick: () => signOut(app) }, t("signout.button")),
        h("p", { class: "muted" }, t("settings.version", { version: app.version })),
      ),
      dataSection(app),
    );
  };
  await draw();
  return null;
}
