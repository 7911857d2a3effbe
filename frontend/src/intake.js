// The intake log on the phone: for each current medicine, taken or skipped (with an optional reason) at
// each of its dose times on a day, or an extra as-needed dose. Saved on the phone with its outbox op in
// one transaction (store.recordIntake), so it works offline and reaches the server once. The dose times
// and the medicine's entry are the clinician's, shown as written: the app never suggests a dose.
import { api } from "./api.js";
import { addDays, todayIso } from "./dates.js";
import { h, replace } from "./dom.js";
import { t } from "./i18n.js";
import { formatTime } from "./screens/inbox.js";

export const INTAKE_MAX_PAST_DAYS = 56; // the server's INTAKE_MAX_PAST_DAYS: older days are refused
export const REASON_MAX_LENGTH = 200; // IntakeRecord.reason

const daysBetween = (from, to) => Math.round((Date.parse(`${to}T12:00:00Z`) - Date.parse(`${from}T12:00:00Z`)) / 86_400_000);

/** The medicine's dose times ("HH:MM", sorted) on `date`, by the care-plan API's rules; [] for as-needed or an off day. */
export function slotsOn(med, date) {
  if (med.as_needed) return [];
  if (!med.dose_times) return date === todayIso() ? med.schedule || [] : []; // a server without the day rules
  if (med.start_date && date < med.start_date) return [];
  if (med.stop_date && date > med.stop_date) return [];
  if (med.every_other_day) {
    if (!med.start_date || daysBetween(med.start_date, date) % 2 !== 0) return [];
  } else {
    const weekday = (new Date(`${date}T12:00:00Z`).getUTCDay() + 6) % 7; // 0 = Monday
    if (med.days && !med.days.includes(weekday)) return [];
  }
  return [...new Set(med.dose_times.map((d) => d.time))].sort();
}

/** "19:00 (evening)" when the clinician wrote a time of day, "21:00" when they wrote the time. */
function slotLabel(med, slot) {
  const entered = (med.dose_times || []).filter((d) => d.time === slot && d.entered !== slot).map((d) => d.entered);
  return entered.length ? t("intake.slotEntered", { time: slot, entered: entered.join(", ") }) : slot;
}

function stateText(record) {
  const when = formatTime(record.at);
  if (record.status === "taken") return t("intake.takenAt", { when });
  if (record.status === "skipped") return record.reason ? t("intake.skippedBecause", { when, reason: record.reason }) : t("intake.skippedAt", { when });
  return t("intake.extraAt", { when });
}

/** One dose time of a medicine on a day: its state, Taken, and Skipped with an optional reason. */
function doseRow(app, med, date, slot, record) {
  const base = `dose-${med.id}-${date}-${slot.replace(":", "")}`;
  const reasonForm = h(
    "form",
    {
      class: "reason",
      hidden: true,
      onsubmit: async (event) => {
        event.preventDefault();
        await record_(app, { medication: med.id, date, slot, status: "skipped", reason: reasonForm.elements.reason.value.trim() });
      },
    },
    h("label", { for: `${base}-reason` }, t("intake.reason")),
    h("input", { type: "text", id: `${base}-reason`, name: "reason", maxlength: REASON_MAX_LENGTH, value: record?.reason || "" }),
    h("button", { type: "submit", class: "button secondary" }, t("intake.saveSkipped")),
  );
  return h(
    "li",
    { class: "dose", "data-testid": "dose", "data-medication": med.id, "data-slot": slot, "data-status": record?.status || "" },
    h("span", { class: "slot" }, slotLabel(med, slot)),
    h("span", { class: record ? "state recorded" : "state", "data-testid": "dose-state" }, record ? stateText(record) : t("intake.notRecorded"), record?.pending ? ` · ${t("intake.waiting")}` : ""),
    h(
      "span",
      { class: "dose-actions" },
      h(
        "button",
        {
          type: "button",
          class: "button secondary",
          "aria-pressed": record?.status === "taken" ? "true" : "false",
          "aria-label": t("intake.takenLabel", { name: med.name, time: slot }),
          onclick: () => record?.status === "taken" || record_(app, { medication: med.id, date, slot, status: "taken" }),
        },
        t("intake.taken"),
      ),
      h(
        "button",
        {
          type: "button",
          class: "button secondary",
          "aria-pressed": record?.status === "skipped" ? "true" : "false",
          "aria-expanded": "false",
          "aria-label": t("intake.skippedLabel", { name: med.name, time: slot }),
          onclick: (event) => {
            reasonForm.hidden = false;
            event.currentTarget.setAttribute("aria-expanded", "true");
            reasonForm.elements.reason.focus();
          },
        },
        t("intake.skipped"),
      ),
    ),
    reasonForm,
  );
}

/** Save a dose (local record + outbox op), redraw from the store, and send it when the phone is online. */
async function record_(app, dose) {
  await app.store.recordIntake(dose);
  app.changed();
  app.sync();
}

/** One medicine on one day: what the clinician wrote, each dose time, and extra doses for an as-needed one. */
function medicineBlock(app, med, date, records, compact) {
  const slots = slotsOn(med, date);
  const bySlot = new Map(records.filter((r) => r.medication === med.id && r.slot).map((r) => [r.slot, r]));
  const extras = records.filter((r) => r.medication === med.id && r.status === "extra").sort((a, b) => (a.at < b.at ? -1 : 1));
  return h(
    "div",
    { class: "medicine", "data-testid": "intake-medicine", "data-medication": med.id },
    compact ? null : h("p", { class: "med-name" }, h("strong", {}, med.name), med.dose ? ` · ${med.dose}` : ""),
    compact || !(med.as_written || med.times_of_day) ? null : h("p", { class: "hint" }, t("careplan.medicineWhen", { times: med.as_written || med.times_of_day })),
    slots.length ? h("ul", { class: "plain doses" }, slots.map((slot) => doseRow(app, med, date, slot, bySlot.get(slot)))) : null,
    !slots.length && !med.as_needed ? h("p", { class: "muted" }, t("intake.noDoseThisDay")) : null,
    med.as_needed
      ? [
          extras.length ? h("ul", { class: "plain extras" }, extras.map((r) => h("li", { "data-testid": "extra" }, stateText(r), r.pending ? ` · ${t("intake.waiting")}` : ""))) : null,
          h(
            "button",
            { type: "button", class: "button secondary", "aria-label": t("intake.extraLabel", { name: med.name }), onclick: () => record_(app, { medication: med.id, date, slot: null, status: "extra" }) },
            t("intake.extra"),
          ),
        ]
      : null,
  );
}

/**
 * The intake log of `date` for `meds` (the care plan's current medicines), redrawn whenever the store
 * changes (a tap, a sync's changes). `onlyDue`: leave out scheduled medicines with no dose that day.
 */
export function intakeLog(app, meds, date, { onlyDue = false, compact = false } = {}) {
  const root = h("div", { class: "intake", "data-testid": "intake", "data-date": date });
  const shown = meds.filter((med) => !onlyDue || med.as_needed || slotsOn(med, date).length);
  const draw = async () => {
    const records = await app.store.intakeOn(date);
    const focused = document.activeElement?.getAttribute("aria-label");
    replace(root, shown.length ? shown.map((med) => medicineBlock(app, med, date, records, compact)) : h("p", { class: "muted" }, t("intake.nothingDue")));
    if (focused) [...root.querySelectorAll("button")].find((b) => b.getAttribute("aria-label") === focused)?.focus();
  };
  app.onChange(draw);
  draw();
  return root;
}

let planFetched = false;

/**
 * Today's section: the doses of `date`, from the care plan kept on the phone (fetched once per start
 * so that a medicine the clinician added shows without opening the care plan). Made once per screen.
 */
export function todaySection(app, date) {
  const holder = h("div", {});
  let shownIds = null;
  const fill = async () => {
    const all = (await app.store.getMeta("careplan"))?.medications || [];
    const meds = all.filter((med) => med.as_needed || slotsOn(med, date).length); // nothing to record: no card
    const ids = JSON.stringify(meds.map((m) => [m.id, m.schedule, m.dose_times]));
    if (ids === shownIds) return;
    shownIds = ids;
    replace(
      holder,
      meds.length
        ? h(
            "section",
            { class: "card", "aria-labelledby": "intake-today" },
            h("h3", { id: "intake-today" }, t("intake.title")),
            h("p", { class: "hint" }, t("intake.hint")),
            intakeLog(app, meds, date, { onlyDue: true }),
          )
        : null,
    );
  };
  fill();
  if (!planFetched) {
    planFetched = true;
    api("/api/v1/careplan/")
      .then((plan) => app.store.setMeta("careplan", plan))
      .then(fill, () => (planFetched = false));
  }
  return holder;
}

/** The care plan's "Record doses" for one medicine: any day of the last INTAKE_MAX_PAST_DAYS. */
export function recordDoses(app, med) {
  if (!med.as_needed && !(med.dose_times || med.schedule || []).length) return null; // no schedule entered
  const today = todayIso();
  const id = `intake-day-${med.id}`;
  const holder = h("div", {});
  const picker = h("input", {
    type: "date",
    id,
    value: today,
    min: addDays(today, -INTAKE_MAX_PAST_DAYS),
    max: today,
    onchange: () => {
      const day = picker.value;
      if (day && day <= today && day >= picker.min) replace(holder, intakeLog(app, [med], day, { compact: true }));
    },
  });
  replace(holder, intakeLog(app, [med], today, { compact: true }));
  return h(
    "details",
    { class: "record-doses", "data-testid": "record-doses" },
    h("summary", {}, t("intake.record")),
    h("div", { class: "field inline" }, h("label", { for: id }, t("intake.day")), picker),
    holder,
  );
}
