// Care plan: the three follow-up tracks (iron, vascular, medication) from /api/v1/careplan/, kept for offline.
import { api } from "../api.js";
import { line } from "../chart.js";
import { formatDay } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

const TRACKS = ["iron", "vascular", "medication"];

export function title() {
  return t("nav.careplan");
}

function followUp(item, overdue) {
  return h(
    "li",
    { class: overdue ? "followup overdue" : "followup" },
    h("span", { class: "text" }, item.title || item.kind_display || item.kind),
    h("span", { class: overdue ? "due warn" : "due" }, overdue ? t("careplan.overdueSince", { date: formatDay(item.due_date) }) : t("careplan.dueOn", { date: formatDay(item.due_date) })),
  );
}

function trackOf(plan, name) {
  const tracks = plan.tracks || {};
  if (Array.isArray(tracks)) return tracks.find((tr) => tr.track === name || tr.name === name) || {};
  return tracks[name] || {};
}

function ironResults(track, plan) {
  const results = (plan.labs || []).filter((r) => r.ferritin !== null && r.ferritin !== undefined);
  if (!results.length) return h("p", { class: "muted" }, t("careplan.noResults"));
  const sorted = [...results].sort((a, b) => (a.drawn_on < b.drawn_on ? -1 : 1));
  const latest = sorted[sorted.length - 1];
  const values = sorted.map((r) => `${formatDay(r.drawn_on, { day: "numeric", month: "short", year: "numeric" })}: ${Number(r.ferritin)} ng/mL`).join(", ");
  return h(
    "div",
    {},
    h("h4", {}, t("careplan.ferritinTrend")),
    line(sorted.map((r) => ({ x: r.drawn_on, y: Number(r.ferritin) })), t("careplan.ferritinChart", { values })),
    h(
      "p",
      {},
      t("careplan.latestFerritin", { value: Number(latest.ferritin), date: formatDay(latest.drawn_on) }),
      latest.tsat_percent !== null && latest.tsat_percent !== undefined ? ` · ${t("careplan.tsat", { value: Number(latest.tsat_percent) })}` : "",
    ),
  );
}

function medications(track, plan) {
  const meds = plan.medications || [];
  if (!meds.length) return h("p", { class: "muted" }, t("careplan.noMedicines"));
  return h(
    "ul",
    { class: "plain" },
    meds.map((med) =>
      h(
        "li",
        { class: "med" },
        h("span", { class: "text" }, med.name, med.dose ? ` · ${med.dose}` : ""),
        med.review_with_clinician ? h("span", { class: "flag" }, t("careplan.reviewFlag")) : null,
        med.review_with_clinician && med.review_note ? h("small", { class: "hint full" }, med.review_note) : null,
      ),
    ),
  );
}

function renderPlan(plan) {
  return TRACKS.map((name) => {
    const track = trackOf(plan, name);
    const overdue = track.overdue || [];
    const next = track.next_due || track.next || null;
    return h(
      "section",
      { class: "card", "aria-labelledby": `track-${name}` },
      h("h3", { id: `track-${name}` }, track.label || t(`careplan.track.${name}`)),
      overdue.length || next
        ? h("ul", { class: "plain" }, overdue.map((item) => followUp(item, true)), next ? followUp(next, false) : null)
        : h("p", { class: "muted" }, t("careplan.nothingDue")),
      name === "iron" ? ironResults(track, plan) : null,
      name === "medication" ? medications(track, plan) : null,
    );
  });
}

export async function render(app, root) {
  const draw = async (error) => {
    const plan = await app.store.getMeta("careplan");
    replace(
      root,
      h("h2", {}, plan?.heading || t("careplan.title")),
      h("p", { class: "disclaimer", role: "note" }, plan?.disclaimer || t("careplan.disclaimer")),
      plan ? renderPlan(plan) : h("p", { class: "muted" }, error ? t("careplan.unavailable") : t("app.loading")),
    );
  };
  await draw();
  api("/api/v1/careplan/")
    .then((plan) => app.store.setMeta("careplan", plan))
    .then(() => draw())
    .catch((error) => draw(error));
  return null;
}
