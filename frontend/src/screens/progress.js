// Progress: the server's adherence (its windows of complete days, overall and per checklist), the streak and
// 30 days of bars, all from one GET /api/v1/days/. The last answer is kept on the phone for offline visits.
import { api } from "../api.js";
import { bars } from "../chart.js";
import { addDays, formatAgo, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

const HISTORY_DAYS = 30; // the longest adherence window the server reports, plus today for the streak
const META_KEY = "progress";
const NOTHING_DUE = { share: null, done: 0, due: 0 }; // a checklist the server lists no figure for

export function title() {
  return t("nav.progress");
}

/** Days in a row, ending on `last` (or the day before while `last` is still open), with everything done. */
function streak(days, last) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const complete = (date) => {
    const day = byDate.get(date);
    return Boolean(day) && day.due > 0 && day.done === day.due;
  };
  let date = complete(last) ? last : addDays(last, -1);
  let n = 0;
  while (complete(date)) (n += 1), (date = addDays(date, -1));
  return n;
}

/**
 * `share` (0..1) as a whole percentage, rounded as the clinicians' list rounds it (Python's format rounds
 * an exact half to even), so the patient and the clinician read the same figure.
 */
function percent(share) {
  const x = share * 100;
  const whole = x - Math.floor(x) === 0.5 ? 2 * Math.round(x / 2) : Math.round(x);
  return new Intl.NumberFormat(document.documentElement.lang || "en", { style: "percent" }).format(whole / 100);
}

function figure({ share, done, due }) {
  return share === null ? t("progress.none") : t("progress.share", { percent: percent(share), done, due });
}

/** One dt/dd pair per adherence window, the server's label and figure as sent. */
function stats(windows, pick) {
  return h(
    "dl",
    { class: "stats" },
    windows.map((window) => {
      const row = pick(window) || NOTHING_DUE;
      return h("div", {}, h("dt", {}, window.label), h("dd", { "data-days": window.days }, figure(row)));
    }),
  );
}

/** Share done per day of `window` for checklist `id` (null where nothing of it was due). */
function series(data, window, id) {
  const byDate = new Map(data.days.map((d) => [d.date, d]));
  const values = [];
  for (let date = window.from; date <= window.to; date = addDays(date, 1)) {
    const row = byDate.get(date)?.checklists.find((c) => c.id === id);
    values.push(row && row.due ? row.done / row.due : null);
  }
  return values;
}

function draw(root, saved, { failed }) {
  if (!saved) {
    replace(root, h("h2", {}, t("progress.title")), h("p", { class: "muted" }, failed ? t("progress.unavailable") : t("app.loading")));
    return;
  }
  const { data, at } = saved;
  const windows = data.adherence;
  const longest = windows.reduce((a, b) => (b.days > a.days ? b : a));
  const n = streak(data.days, data.to);
  replace(
    root,
    h("h2", {}, t("progress.title")),
    failed ? h("p", { class: "muted", "data-testid": "progress-as-of" }, t("progress.asOf", { when: formatAgo(at) })) : null,
    h("section", { class: "card" }, h("p", { class: "big", "data-testid": "streak" }, t("progress.streak", { n })), h("p", { class: "muted" }, t("progress.streakHint"))),
    h(
      "section",
      { class: "card", "aria-labelledby": "progress-all", "data-testid": "adherence" },
      h("h3", { id: "progress-all" }, t("progress.overall")),
      stats(windows, (window) => window),
    ),
    data.checklists.map((list) => {
      const headingId = `progress-${list.id}`;
      const longestRow = longest.checklists.find((c) => c.id === list.id) || NOTHING_DUE;
      return h(
        "section",
        { class: "card", "aria-labelledby": headingId, "data-checklist": list.id },
        h("h3", { id: headingId }, list.name),
        stats(windows, (window) => window.checklists.find((c) => c.id === list.id)),
        bars(series(data, longest, list.id), t("progress.chartLabel", { name: list.name, label: longest.label, rate: figure(longestRow) })),
      );
    }),
  );
}

export async function render(app, root) {
  const today = todayIso();
  const saved = await app.store.getMeta(META_KEY);
  draw(root, saved, { failed: false });
  api(`/api/v1/days/?from=${addDays(today, -HISTORY_DAYS)}&to=${today}`)
    .then(
      (data) => {
        const fresh = { data, at: new Date().toISOString() };
        draw(root, fresh, { failed: false });
        return app.store.setMeta(META_KEY, fresh);
      },
      // Offline or refused: the last answer stays on screen, marked as such.
      () => draw(root, saved, { failed: true }),
    )
    .catch((error) => console.warn("Progress: the server's answer could not be shown or kept", error));
  return null;
}
