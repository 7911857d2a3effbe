// Care plan: the three follow-up tracks (iron, vascular, medication) from /api/v1/careplan/, kept for offline.
// Everything the API sends the patient is shown; what it keeps back (interpretations, notes) it never sends.
import { api } from "../api.js";
import { valueLine } from "../chart.js";
import { formatDay } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { recordDoses } from "../intake.js";
import { generalLines, safetyLink, situationCard } from "./safety.js";

export function title() {
  return t("nav.careplan");
}

const UNITS = { "ug/L": "µg/L" };
const unitOf = (lab) => UNITS[lab.ferritin_unit] || lab.ferritin_unit || "ng/mL";
const dueText = (item) => (item.overdue ? t("careplan.overdueSince", { date: formatDay(item.due_date) }) : t("careplan.dueOn", { date: formatDay(item.due_date) }));

function followUp(item, trackLabel) {
  return h(
    "li",
    { class: item.overdue ? "followup overdue" : "followup" },
    h("span", { class: "text" }, item.title, trackLabel ? h("small", { class: "hint full" }, trackLabel) : null),
    h("span", { class: item.overdue ? "due warn" : "due" }, dueText(item)),
  );
}

/** What to do about an overdue follow-up: whom to contact, with the clinic's details when it set them. */
function nextStep(contact) {
  const name = contact && contact.name;
  const details = contact
    ? [
        contact.phone ? h("a", { href: `tel:${contact.phone.replace(/[^\d+]/g, "")}` }, t("careplan.phone", { phone: contact.phone })) : null,
        contact.email ? h("a", { href: `mailto:${contact.email}` }, t("careplan.email", { email: contact.email })) : null,
        contact.hours ? h("span", {}, t("careplan.hours", { hours: contact.hours })) : null,
      ].filter(Boolean)
    : [];
  return h(
    "div",
    { class: "alert next-step", "data-testid": "next-step" },
    h("p", {}, contact ? t("careplan.nextStep", { name: name || t("careplan.yourCareTeam") }) : t("careplan.nextStepNoContact")),
    details.length ? h("p", { class: "contact" }, details) : null,
  );
}

function glossary() {
  return h(
    "details",
    { class: "glossary" },
    h("summary", {}, t("careplan.glossary")),
    h("p", {}, t("careplan.tsatMeaning")),
    h("p", {}, t("careplan.morningDrawMeaning")),
  );
}

function resultLine(lab) {
  const parts = [
    lab.ferritin !== null ? t("careplan.ferritinValue", { value: lab.ferritin, unit: unitOf(lab) }) : null,
    lab.tsat_percent !== null ? t("careplan.tsatValue", { value: lab.tsat_percent }) : null,
    lab.laboratory ? t("careplan.laboratory", { name: lab.laboratory }) : null,
  ].filter(Boolean);
  return h("li", { class: "result" }, h("span", { class: "text" }, formatDay(lab.drawn_on)), h("span", {}, parts.join(" · ")));
}

function ironResults(plan) {
  const labs = [...plan.labs].sort((a, b) => (a.drawn_on < b.drawn_on ? -1 : 1));
  if (!labs.length) return [h("p", { class: "muted" }, t("careplan.noResults")), glossary()];
  const ferritin = labs.filter((r) => r.ferritin !== null);
  const latest = ferritin[ferritin.length - 1];
  const chartDate = (iso) => formatDay(iso, { day: "numeric", month: "short", year: "numeric" });
  const values = ferritin.map((r) => `${chartDate(r.drawn_on)}: ${r.ferritin} ${unitOf(r)}`).join(", ");
  const latestTsat = labs[labs.length - 1].tsat_percent;
  return [
    ferritin.length
      ? h(
          "div",
          {},
          h("h4", {}, t("careplan.ferritinTrend")),
          valueLine(
            ferritin.map((r) => ({ y: Number(r.ferritin), value: String(r.ferritin), date: chartDate(r.drawn_on) })),
            t("careplan.ferritinChart", { values }),
            { unit: unitOf(latest) },
          ),
          h(
            "p",
            {},
            t("careplan.latestFerritin", { value: latest.ferritin, unit: unitOf(latest), date: formatDay(latest.drawn_on) }),
            latestTsat !== null && latestTsat !== undefined ? ` · ${t("careplan.tsat", { value: latestTsat })}` : "",
          ),
        )
      : null,
    h("h4", {}, t("careplan.results")),
    h("ul", { class: "plain", "data-testid": "lab-results" }, [...labs].reverse().map(resultLine)),
    glossary(),
  ];
}

function medications(plan, app) {
  if (!plan.medications.length) return h("p", { class: "muted" }, t("careplan.noMedicines"));
  return h(
    "ul",
    { class: "plain" },
    plan.medications.map((med) =>
      h(
        "li",
        { class: "med" },
        h("span", { class: "text" }, med.name, med.dose ? ` · ${med.dose}` : ""),
        med.as_written || med.times_of_day ? h("span", { class: "when" }, t("careplan.medicineWhen", { times: med.as_written || med.times_of_day })) : null,
        med.review_with_clinician ? h("span", { class: "flag" }, t("careplan.reviewFlag")) : null,
        med.review_note ? h("small", { class: "hint full" }, med.review_note) : null,
        recordDoses(app, med),
      ),
    ),
  );
}

function severity(plan) {
  const score = plan.severity;
  return h(
    "section",
    { class: "card", "aria-labelledby": "careplan-severity", "data-testid": "severity" },
    h("h3", { id: "careplan-severity" }, t("careplan.severity")),
    score
      ? [
          h("p", {}, t("careplan.irlsTotal", { total: score.irls_total, date: formatDay(score.scored_on), band: score.band, range: score.band_range || "" })),
          score.meaning ? h("p", { class: "hint" }, score.meaning) : null,
        ]
      : h("p", { class: "muted" }, t("careplan.noSeverity")),
  );
}

function timeline(plan, labels) {
  const items = plan.timeline || [];
  return h(
    "section",
    { class: "card", "aria-labelledby": "careplan-timeline", "data-testid": "timeline" },
    h("h3", { id: "careplan-timeline" }, t("careplan.timeline")),
    h("p", { class: "hint" }, t("careplan.timelineHint")),
    items.length ? h("ol", { class: "plain" }, items.map((item) => followUp(item, labels[item.track]))) : h("p", { class: "muted" }, t("careplan.nothingPlanned")),
  );
}

/** The safety net: what everyone reads, the situations that apply to this patient now, the full list. */
function safetyNet(plan) {
  const situations = (plan && plan.safety_net && plan.safety_net.situations) || [];
  return h(
    "section",
    { class: "card", "aria-labelledby": "careplan-safety", "data-testid": "safety-net" },
    h("h3", { id: "careplan-safety" }, t("safety.title")),
    generalLines(),
    situations.length ? [h("h4", {}, t("safety.forYou")), situations.map((situation) => situationCard(situation, "h5"))] : null,
    safetyLink(),
  );
}

/** The server's tracks in its order, each with what is overdue and what is next; then the timeline and IRLS. */
function renderPlan(plan, app) {
  const labels = Object.fromEntries(plan.tracks.map((track) => [track.track, track.label]));
  const contact = plan.contact || null;
  return [
    plan.tracks.map((track) =>
      h(
        "section",
        { class: "card", "aria-labelledby": `track-${track.track}` },
        h("h3", { id: `track-${track.track}` }, track.label),
        track.overdue.length || track.next_due
          ? h("ul", { class: "plain" }, track.overdue.map((item) => followUp(item)), track.next_due ? followUp(track.next_due) : null)
          : h("p", { class: "muted" }, t("careplan.nothingDue")),
        track.overdue.length ? nextStep(contact) : null,
        track.track === "iron" ? ironResults(plan) : null,
        track.track === "medication" ? medications(plan, app) : null,
      ),
    ),
    timeline(plan, labels),
    severity(plan),
  ];
}

export async function render(app, root) {
  const draw = async (error) => {
    const plan = await app.store.getMeta("careplan");
    // Before the plan has ever loaded, the same heading and disclaimer as the API's (one source: wording.py).
    replace(
      root,
      h("h2", {}, plan ? plan.heading : t("careplan.title")),
      h("p", { class: "disclaimer", role: "note" }, plan ? plan.disclaimer : t("careplan.disclaimer")),
      plan ? renderPlan(plan, app) : h("p", { class: "muted" }, error ? t("careplan.unavailable") : t("app.loading")),
      safetyNet(plan),
    );
  };
  await draw();
  const shown = JSON.stringify(await app.store.getMeta("careplan"));
  api("/api/v1/careplan/")
    .then((plan) => app.store.setMeta("careplan", plan).then(() => plan))
    // The same plan again is not redrawn: an open "Record doses" stays open.
    .then((plan) => JSON.stringify(plan) !== shown && draw())
    .catch((error) => draw(error));
  return null;
}
