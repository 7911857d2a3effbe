// Care plan: the three follow-up tracks (iron, vascular, medication) from /api/v1/careplan/, kept for offline.
import { api } from "../api.js";
import { line } from "../chart.js";
import { formatDay } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

export function title() {
  return t("nav.careplan");
}

function followUp(item) {
  return h(
    "li",
    { class: item.overdue ? "followup overdue" : "followup" },
    h("span", { class: "text" }, item.title),
    h(
      "span",
      { class: item.overdue ? "due warn" : "due" },
      item.overdue ? t("careplan.overdueSince", { date: formatDay(item.due_date) }) : t("careplan.dueOn", { date: formatDay(item.due_date) }),
    ),
  );
}

function ironResults(plan) {
  const results = plan.labs.filter((r) => r.ferritin !== null);
  if (!results.length) return h("p", { class: "muted" }, t("careplan.noResults"));
  const sorted = [...results].sort((a, b) => (a.drawn_on < b.drawn_on ? -1 : 1));
  const latest = sorted[sorted.length - 1];
  const values = sorted.map((r) => `${formatDay(r.drawn_on, { day: "numeric", month: "short", year: "numeric" })}: ${r.ferritin} ng/mL`).join(", ");
  return h(
    "div",
    {},
    h("h4", {}, t("careplan.ferritinTrend")),
    line(sorted.map((r) => ({ x: r.drawn_on, y: r.ferritin })), t("careplan.ferritinChart", { values })),
    h(
      "p",
      {},
      t("careplan.latestFerritin", { value: latest.ferritin, date: formatDay(latest.drawn_on) }),
      latest.tsat_percent !== null ? ` · ${t("careplan.tsat", { value: latest.tsat_percent })}` : "",
    ),
  );
}

function medications(plan) {
  if (!plan.medications.length) return h("p", { class: "muted" }, t("careplan.noMedicines"));
  return h(
    "ul",
    { class: "plain" },
    plan.medications.map((med) =>
      h(
        "li",
        { class: "med" },
        h("span", { class: "text" }, med.name, med.dose ? ` · ${med.dose}` : ""),
        med.review_with_clinician ? h("span", { class: "flag" }, t("careplan.reviewFlag")) : null,
        med.review_note ? h("small", { class: "hint full" }, med.review_note) : null,
      ),
    ),
  );
}

/** The server's tracks in its order, each with what is overdue and what is next. */
function renderPlan(plan) {
  return plan.tracks.map((track) =>
    h(
      "section",
      { class: "card", "aria-labelledby": `track-${track.track}` },
      h("h3", { id: `track-${track.track}` }, track.label),
      track.overdue.length || track.next_due
        ? h("ul", { class: "plain" }, track.overdue.map(followUp), track.next_due ? followUp(track.next_due) : null)
        : h("p", { class: "muted" }, t("careplan.nothingDue")),
      track.track === "iron" ? ironResults(plan) : null,
      track.track === "medication" ? medications(plan) : null,
    ),
  );
}

export async function render(app, root) {
  const draw = async (error) => {
    const plan = await app.store.getMeta("careplan");
    // Before the plan has ever loaded, the same heading and disclaimer as the API's (one source: wording.py).
    replace(
      root,
      h("h2", {}, plan ? plan.heading : t("careplan.title")),
      h("p", { class: "disclaimer", role: "note" }, plan ? plan.disclaimer : t("careplan.disclaimer")),
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
