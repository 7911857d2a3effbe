// Diary: one entry per night (our own wording, not a licensed scale), saved on the phone first and synced.
// A night belongs to the evening it started (checklists/diary/rules.py night_of): at 00:30 "Tonight's
// diary" is still the evening before's. Past nights come from the phone's store, which the sync fills.
import { addDays, formatDay, nightIso, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { safetyFooter } from "./safety.js";

export const PAST_NIGHTS = 14; // the list under the form
export const PICKER_DAYS = 56; // "any night of the last 8 weeks"

/** The server's diary rules rendered into <body data-diary> (one definition, in checklists/diary/rules.py). */
function rules() {
  let given = {};
  try {
    given = JSON.parse(document.body.dataset.diary || "{}");
  } catch {
    // An old shell without the attribute: the same defaults as the server.
  }
  return { startsAt: given.night_starts_at || "04:00", noteMax: given.note_max_length || 2000 };
}

export function title() {
  return t("nav.diary");
}

function field(id, label, control, hint) {
  return h("div", { class: "field" }, h("label", { for: id }, label), control, hint ? h("p", { class: "hint", id: `${id}-hint` }, hint) : null);
}

function scale(id, value, hintKey) {
  const output = h("output", { for: id, id: `${id}-out`, class: "scale-value" }, String(value));
  const input = h("input", {
    type: "range", id, name: id, min: 0, max: 10, step: 1, value,
    "aria-describedby": `${id}-hint`,
    oninput: (event) => (output.textContent = event.target.value),
  });
  return [h("div", { class: "scale" }, input, output), hintKey];
}

/** The note, with a counter of what is left; maxlength and the counter both count UTF-16 units, which
 * the server's limit (characters) always accepts. A paste that does not fit is said, never cut silently. */
function noteField(value, max) {
  const left = () => t("diary.noteLeft", { n: max - textarea.value.length });
  const counter = h("p", { class: "hint", id: "note-count", "data-testid": "note-count" });
  const cut = h("p", { class: "warn", id: "note-cut", role: "status" });
  const textarea = h("textarea", {
    id: "note", name: "note", rows: 3, maxlength: max, "aria-describedby": "note-count note-cut",
    oninput: () => (counter.textContent = left()),
    onbeforeinput: (event) => {
      const added = event.data ?? event.dataTransfer?.getData("text/plain") ?? "";
      const room = max - textarea.value.length + (textarea.selectionEnd - textarea.selectionStart);
      cut.textContent = added.length > room ? t("diary.noteCut", { kept: Math.max(room, 0), pasted: added.length, max }) : "";
    },
  }, value);
  counter.textContent = left();
  return h("div", { class: "field" }, h("label", { for: "note" }, t("diary.note")), textarea, counter, cut);
}

function summary(entry) {
  if (!entry) return h("span", { class: "muted" }, t("diary.notRecorded"));
  const parts = [t("diary.rowSeverity", { n: entry.severity })];
  if (entry.onset_time) parts.push(t("diary.rowOnset", { time: entry.onset_time.slice(0, 5) }));
  if (entry.sleep_quality !== null && entry.sleep_quality !== undefined) parts.push(t("diary.rowSleep", { n: entry.sleep_quality }));
  return h("span", {}, parts.join(" · "));
}

async function pastNights(app, list, tonight, shown) {
  const entries = new Map((await app.store.all("diary")).map((row) => [row.date, row]));
  const rows = [];
  for (let back = 1; back <= PAST_NIGHTS; back += 1) {
    const night = addDays(tonight, -back);
    rows.push(
      h(
        "li",
        {},
        h(
          "a",
          { class: "night", href: `#diary/${night}`, "data-night": night, "aria-current": night === shown ? "page" : null },
          h("span", { class: "night-date" }, formatDay(night, { weekday: "short", day: "numeric", month: "short" })),
          summary(entries.get(night)),
        ),
      ),
    );
  }
  replace(list, rows);
}

function nightPicker(tonight, shown) {
  const input = h("input", { type: "date", id: "night-date", name: "night", required: true, min: addDays(tonight, -PICKER_DAYS), max: tonight, value: shown });
  return h(
    "form",
    {
      class: "card",
      onsubmit: (event) => {
        event.preventDefault();
        location.hash = input.value === tonight ? "#diary" : `#diary/${input.value}`;
      },
    },
    h("h3", {}, t("diary.openNight")),
    h("div", { class: "field" }, h("label", { for: "night-date" }, t("diary.nightDate")), input),
    h("button", { type: "submit", class: "button secondary" }, t("diary.open")),
  );
}

export async function render(app, root, param) {
  const { startsAt, noteMax } = rules();
  const tonight = nightIso(new Date(), startsAt);
  const date = param && /^\d{4}-\d{2}-\d{2}$/.test(param) && param < tonight ? param : tonight;
  let entry = await app.store.get("diary", date);
  if (!entry && navigator.onLine) {
    // A sync brings every diary entry the server has into the phone's store (no request that can 404
    // for a night without an entry); offline or failing, the night starts empty.
    await app.sync().catch(() => null);
    entry = await app.store.get("diary", date);
  }
  entry = entry || { severity: 0, onset_time: "", sleep_quality: 5, arms_involved: false, note: "" };
  const [severity] = scale("severity", entry.severity);
  const [sleep] = scale("sleep_quality", entry.sleep_quality ?? 5);
  const message = h("p", { role: "status", class: "muted", id: "diary-status" }, entry.pending ? t("diary.savedLocally") : "");
  const form = h(
    "form",
    {
      class: "card form",
      onsubmit: async (event) => {
        event.preventDefault();
        const data = new FormData(form);
        await app.store.saveDiary(date, {
          severity: Number(data.get("severity")),
          onset_time: data.get("onset_time") || null,
          sleep_quality: Number(data.get("sleep_quality")),
          arms_involved: data.get("arms_involved") === "on",
          note: String(data.get("note") || "").trim(),
        });
        message.textContent = t("diary.savedLocally");
        app.changed();
        await app.sync();
        const saved = await app.store.get("diary", date);
        message.textContent = saved && !saved.pending ? t("diary.synced") : t("diary.savedLocally");
      },
    },
    field("severity", t("diary.severity"), severity, t("diary.severityHint")),
    field("onset_time", t("diary.onset"), h("input", { type: "time", id: "onset_time", name: "onset_time", value: (entry.onset_time || "").slice(0, 5) })),
    field("sleep_quality", t("diary.sleep"), sleep, t("diary.sleepHint")),
    h(
      "div",
      { class: "field" },
      h("label", { class: "check" }, h("input", { type: "checkbox", name: "arms_involved", id: "arms_involved", checked: Boolean(entry.arms_involved) }), h("span", { class: "text" }, t("diary.arms"))),
    ),
    noteField(entry.note || "", noteMax),
    h("button", { type: "submit", class: "button" }, t("diary.save")),
    message,
  );
  const isTonight = date === tonight;
  const list = h("ul", { class: "plain nights", "aria-labelledby": "past-nights" });
  replace(
    root,
    h("h2", { "data-testid": "diary-night", "data-date": date }, isTonight ? t("diary.tonight") : t("diary.nightOf", { date: formatDay(date) })),
    isTonight && tonight !== todayIso() ? h("p", { class: "hint" }, t("diary.afterMidnight", { date: formatDay(tonight) })) : null,
    isTonight ? null : h("p", {}, h("a", { href: "#diary" }, t("diary.backToTonight"))),
    h("p", { class: "muted" }, t("diary.intro")),
    form,
    h("section", { class: "card" }, h("h3", { id: "past-nights" }, t("diary.pastNights")), h("p", { class: "hint" }, t("diary.pastIntro")), list),
    nightPicker(tonight, date),
    safetyFooter(),
  );
  await pastNights(app, list, tonight, date);
  // The first sync brings the nights recorded on other devices: refresh the list, never the form.
  app.onChange(() => pastNights(app, list, tonight, date).catch(() => {}));
  return null;
}
