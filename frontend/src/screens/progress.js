// Progress: how the legs have been (the diary's symptoms and sleep over 30 and 90 days), the server's
// adherence (its windows of complete days, overall and per checklist, weekly items per week), the streak
// and personal patterns, all from one GET /api/v1/days/ of 90 days. The last answer is kept on the phone
// for offline visits.
import { api } from "../api.js";
import { bars, scores } from "../chart.js";
import { addDays, formatAgo, formatShort, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";

const HISTORY_DAYS = 90; // the longest diary chart; 90 days fit in one call (API_DAYS_MAX_RANGE is 92)
const SHORT_DAYS = 30;
const META_KEY = "progress";
const NOTHING_DUE = { share: null, done: 0, due: 0 }; // a checklist the server lists no figure for

export function title() {
  return t("nav.progress");
}

/**
 * Days in a row, ending on `last` (or the day before while `last` is still open), that the server calls
 * complete (plan.rules.day_complete: every daily item done, no weekly item out of reach).
 */
function streak(days, last) {
  const byDate = new Map(days.map((d) => [d.date, d]));
  const complete = (date) => {
    const day = byDate.get(date);
    if (!day) return false;
    return "complete" in day ? day.complete : day.due > 0 && day.done === day.due; // an answer kept from before
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

function decimal(value) {
  return new Intl.NumberFormat(document.documentElement.lang || "en", { minimumFractionDigits: 1, maximumFractionDigits: 1 }).format(value);
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

function datesOf(first, last) {
  const dates = [];
  for (let date = first; date <= last; date = addDays(date, 1)) dates.push(date);
  return dates;
}

/** Share done per day of `window` for checklist `id` (null where nothing of it was due). */
function series(data, dates, id) {
  const byDate = new Map(data.days.map((d) => [d.date, d]));
  return dates.map((date) => {
    const row = byDate.get(date)?.checklists.find((c) => c.id === id);
    return row && row.due ? row.done / row.due : null;
  });
}

/** The diary's symptoms and sleep over the last `n` days of the answer, with its legend's classes. */
function diaryChart(data, n) {
  const dates = datesOf(addDays(data.to, 1 - n), data.to);
  const byDate = new Map(data.days.map((d) => [d.date, d]));
  const pick = (key) => dates.map((date) => byDate.get(date)?.[key] ?? null);
  const severity = pick("severity");
  const nights = severity.filter((v) => v !== null).length;
  const label = t("progress.scoresLabel", { from: formatShort(dates[0]), to: formatShort(dates[dates.length - 1]), n: nights });
  return h(
    "figure",
    { class: "diary-chart", "data-days": n },
    h("figcaption", {}, h("h4", {}, t("progress.lastDays", { n }))),
    nights
      ? scores(
          [
            { values: severity, kind: "severity" },
            { values: pick("sleep_quality"), kind: "sleep" },
          ],
          dates.map(formatShort),
          label,
        )
      : h("p", { class: "muted" }, t("progress.noDiary")),
  );
}

function legend(entries) {
  return h(
    "ul",
    { class: "legend" },
    entries.map(([kind, text]) => h("li", {}, h("span", { class: `swatch ${kind}`, "aria-hidden": "true" }), text)),
  );
}

/** A weekly-target item: its target and its weeks, newest first (the current one may still be going). */
function weeklyItem(item) {
  const weeks = [...item.weeks].reverse().slice(0, 4);
  return h(
    "li",
    { "data-weekly": item.id },
    h("strong", {}, t("progress.weeklyTarget", { text: item.text, n: item.target })),
    h(
      "ul",
      { class: "weekly" },
      weeks.map((week) =>
        h(
          "li",
          { "data-week": week.from, class: week.done >= week.target ? "complete" : null },
          t(week.done >= week.target ? "progress.weekComplete" : "progress.weekDone", { from: formatShort(week.from), done: week.done, target: week.target }),
        ),
      ),
    ),
  );
}

function patternsCard(patterns) {
  if (!patterns || !patterns.length) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "progress-patterns", "data-testid": "patterns" },
    h("h3", { id: "progress-patterns" }, t("progress.patterns")),
    patterns.map((p) =>
      h(
        "p",
        { class: "pattern", "data-item": p.id },
        t("progress.pattern", {
          text: p.text,
          kept: p.kept.nights,
          keptAverage: decimal(p.kept.average),
          notKept: p.not_kept.nights,
          notKeptAverage: decimal(p.not_kept.average),
        }),
      ),
    ),
    h("p", { class: "muted" }, t("progress.patternCaveat")),
  );
}

function draw(root, saved, { failed }) {
  if (!saved) {
    replace(root, h("h2", {}, t("progress.title")), h("p", { class: "muted" }, failed ? t("progress.unavailable") : t("app.loading")));
    return;
  }
  const { data, at } = saved;
  const windows = data.adherence;
  const longest = windows.reduce((a, b) => (b.days > a.days ? b : a));
  const barDates = datesOf(longest.from, longest.to);
  const weekly = data.weekly || [];
  const n = streak(data.days, data.to);
  replace(
    root,
    h("h2", {}, t("progress.title")),
    failed ? h("p", { class: "muted", "data-testid": "progress-as-of" }, t("progress.asOf", { when: formatAgo(at) })) : null,
    h("section", { class: "card" }, h("p", { class: "big", "data-testid": "streak" }, t("progress.streak", { n })), h("p", { class: "muted" }, t("progress.streakHint"))),
    h(
      "section",
      { class: "card", "aria-labelledby": "progress-legs", "data-testid": "legs" },
      h("h3", { id: "progress-legs" }, t("progress.legs")),
      legend([
        ["severity", t("progress.severity")],
        ["sleep", t("progress.sleep")],
      ]),
      diaryChart(data, SHORT_DAYS),
      data.days.length >= HISTORY_DAYS ? diaryChart(data, HISTORY_DAYS) : null,
    ),
    h(
      "section",
      { class: "card", "aria-labelledby": "progress-all", "data-testid": "adherence" },
      h("h3", { id: "progress-all" }, t("progress.overall")),
      stats(windows, (window) => window),
      h("p", { class: "muted", "data-testid": "bars-key" }, t("progress.barsKey")),
      legend([
        ["full", t("progress.keyFull")],
        ["part", t("progress.keyPart")],
        ["none", t("progress.keyNone")],
      ]),
    ),
    data.checklists.map((list) => {
      const headingId = `progress-${list.id}`;
      const longestRow = longest.checklists.find((c) => c.id === list.id) || NOTHING_DUE;
      const items = weekly.filter((item) => item.checklist === list.id);
      return h(
        "section",
        { class: "card", "aria-labelledby": headingId, "data-checklist": list.id },
        h("h3", { id: headingId }, list.name),
        stats(windows, (window) => window.checklists.find((c) => c.id === list.id)),
        bars(series(data, barDates, list.id), t("progress.chartLabel", { name: list.name, label: longest.label, rate: figure(longestRow) }), barDates.map(formatShort)),
        items.length ? [h("ul", { class: "weekly" }, items.map(weeklyItem)), h("p", { class: "muted" }, t("progress.weeklyHint"))] : null,
      );
    }),
    patternsCard(data.patterns),
  );
}

export async function render(app, root) {
  const today = todayIso();
  const saved = await app.store.getMeta(META_KEY);
  draw(root, saved, { failed: false });
  api(`/api/v1/days/?from=${addDays(today, 1 - HISTORY_DAYS)}&to=${today}`)
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
