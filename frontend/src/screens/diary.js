// Diary: tonight's entry (our own wording, not a licensed scale), saved on the phone first and synced.
import { api } from "../api.js";
import { formatDay, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

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

export async function render(app, root, param) {
  const date = param && /^\d{4}-\d{2}-\d{2}$/.test(param) ? param : todayIso();
  let entry = await app.store.get("diary", date);
  if (!entry && navigator.onLine) {
    try {
      entry = await api(`/api/v1/diary/${date}/`);
    } catch {
      // 404 (no entry yet) or offline: start empty.
    }
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
    field("note", t("diary.note"), h("textarea", { id: "note", name: "note", rows: 3, maxlength: 2000 }, entry.note || "")),
    h("button", { type: "submit", class: "button" }, t("diary.save")),
    message,
  );
  replace(root, h("h2", {}, date === todayIso() ? t("diary.tonight") : formatDay(date)), h("p", { class: "muted" }, t("diary.intro")), form);
  return null;
}
