// Progress: streaks and 7/30-day adherence per checklist, from the days on this phone (local changes included).
import { bars } from "../chart.js";
import { addDays, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { fetchDay } from "./today.js";

const WINDOW = 30;
const SHORT_WINDOW = 7;
const PARALLEL_FETCHES = 4;

export function title() {
  return t("nav.progress");
}

/** Per-day, per-checklist totals from the days on this phone: [{date, checklists: [{id, name, done, total}]}]. */
function totals(localDays) {
  return localDays
    .map((day) => ({
      date: day.date,
      checklists: day.checklists.map((c) => ({ id: c.id, name: c.name, done: c.items.filter((i) => i.done).length, total: c.items.length })),
    }))
    .sort((a, b) => (a.date < b.date ? -1 : 1));
}

/**
 * Load the window's days the phone does not have yet (and always today and yesterday) from /today/,
 * a few at a time. The per-checklist split needs each day's items; /days/ only has per-day totals.
 */
async function fetchMissing(app, dates) {
  const have = new Set((await app.store.all("days")).map((d) => d.date));
  const queue = dates.filter((date, i) => !have.has(date) || i >= dates.length - 2);
  const worker = async () => {
    while (queue.length) await fetchDay(app, queue.shift());
  };
  await Promise.all(Array.from({ length: PARALLEL_FETCHES }, worker));
}

function rate(days, id, from) {
  let done = 0;
  let total = 0;
  for (const day of days) {
    if (day.date < from) continue;
    for (const c of day.checklists) if (id === null || c.id === id) (done += c.done), (total += c.total);
  }
  return total ? done / total : null;
}

/** Days in a row, ending today (or yesterday while today is still open), with everything done. */
export function streak(days, today) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  let date = today;
  const complete = (d) => {
    const day = byDate.get(d);
    if (!day) return false;
    const total = day.checklists.reduce((s, c) => s + c.total, 0);
    const done = day.checklists.reduce((s, c) => s + c.done, 0);
    return total > 0 && done === total;
  };
  if (!complete(date)) date = addDays(date, -1);
  let n = 0;
  while (complete(date)) (n += 1), (date = addDays(date, -1));
  return n;
}

const pct = (value) => (value === null ? t("progress.none") : `${Math.round(value * 100)}%`);

export async function render(app, root) {
  const today = todayIso();
  const from = addDays(today, -(WINDOW - 1));
  const draw = async (error) => {
    const local = (await app.store.all("days")).filter((d) => d.date >= from && d.date <= today);
    const days = totals(local);
    if (!days.length) {
      replace(root, h("h2", {}, t("progress.title")), h("p", { class: "muted" }, error ? t("progress.unavailable") : t("app.loading")));
      return;
    }
    const lists = new Map();
    for (const day of days) for (const c of day.checklists) lists.set(c.id, c.name);
    const series = (id) => {
      const byDate = new Map(days.map((d) => [d.date, d]));
      const values = [];
      for (let i = WINDOW - 1; i >= 0; i--) {
        const day = byDate.get(addDays(today, -i));
        const rows = day ? day.checklists.filter((c) => id === null || c.id === id) : [];
        const total = rows.reduce((s, c) => s + c.total, 0);
        values.push(total ? rows.reduce((s, c) => s + c.done, 0) / total : null);
      }
      return values;
    };
    const n = streak(days, today);
    replace(
      root,
      h("h2", {}, t("progress.title")),
      h("section", { class: "card" }, h("p", { class: "big", "data-testid": "streak" }, t("progress.streak", { n })), h("p", { class: "muted" }, t("progress.streakHint"))),
      [...lists].map(([id, name]) =>
        h(
          "section",
          { class: "card", "aria-labelledby": `progress-${id}` },
          h("h3", { id: `progress-${id}` }, name),
          h(
            "dl",
            { class: "stats" },
            h("div", {}, h("dt", {}, t("progress.last7")), h("dd", {}, pct(rate(days, id, addDays(today, -(SHORT_WINDOW - 1)))))),
            h("div", {}, h("dt", {}, t("progress.last30")), h("dd", {}, pct(rate(days, id, from)))),
          ),
          bars(series(id), t("progress.chartLabel", { name, rate: pct(rate(days, id, from)) })),
        ),
      ),
    );
  };
  app.onChange(draw);
  await draw();
  const dates = Array.from({ length: WINDOW }, (_, i) => addDays(from, i));
  fetchMissing(app, dates)
    .then(() => draw())
    .catch((error) => draw(error));
  return null;
}
