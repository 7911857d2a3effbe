// Today: the checklists due on a day, grouped by checklist; tap an item to check it, tap again to undo.
import { api, failureKind } from "../api.js";
import { addDays, formatDay, todayIso } from "../dates.js";
import { h, replace } from "../dom.js";
import { t } from "../i18n.js";
import { todaySection } from "../intake.js";
import { safetyFooter } from "./safety.js";

export const HISTORY_DAYS = 30; // how far back late entries are offered

export function title() {
  return t("nav.today");
}

/** The API's day (TodayOutput) in the shape the store keeps: {date, checklists: [{id, name, category, items: [{id, text, help_text, done}]}]}. */
export function normalizeDay(data) {
  return {
    date: data.date,
    checklists: data.checklists.map((list) => ({
      id: list.id,
      name: list.name,
      category: list.category,
      items: list.items.map((item) => ({ id: item.id, text: item.text, help_text: item.help_text, done: item.done, weekly_target: item.weekly_target ?? null })),
    })),
  };
}

export async function fetchDay(app, date) {
  const data = await api(`/api/v1/today/?date=${date}`);
  return app.store.putServerDay(normalizeDay(data));
}

function counts(lists) {
  let doneCount = 0;
  let total = 0;
  // A weekly-target item may be done any day but is owed per week (plan.rules): never in a day's count.
  for (const list of lists) for (const item of list.items) if (!item.weekly_target) (total += 1), (doneCount += item.done ? 1 : 0);
  return { done: doneCount, total };
}

export async function render(app, root, param) {
  const today = todayIso();
  const date = param && /^\d{4}-\d{2}-\d{2}$/.test(param) && param <= today ? param : today;
  let loadError = null;
  const doses = todaySection(app, date); // made once: it redraws itself when the store changes

  const draw = async () => {
    const day = await app.store.get("days", date);
    const heading = date === today ? t("today.heading", { date: formatDay(date) }) : formatDay(date);
    const nav = h(
      "div",
      { class: "daynav" },
      date > addDays(today, -HISTORY_DAYS)
        ? h("a", { class: "button secondary", href: `#today/${addDays(date, -1)}`, "aria-label": t("today.previousDay") }, "‹ ", t("today.previous"))
        : null,
      date < today
        ? h("a", { class: "button secondary", href: date === addDays(today, -1) ? "#today" : `#today/${addDays(date, 1)}`, "aria-label": t("today.nextDay") }, t("today.next"), " ›")
        : null,
    );
    if (!day) {
      if (!loadError) return replace(root, h("h2", {}, heading), nav, h("p", { class: "muted" }, t("app.loading")));
      // Say what really happened: only a phone without a network is "offline".
      const kind = failureKind(loadError);
      const message = { offline: "today.unavailable", server: "today.serverError" }[kind] || "today.unreachable";
      replace(
        root,
        h("h2", {}, heading),
        nav,
        h("p", { class: "alert", role: "alert", "data-testid": "day-error" }, t(message)),
        h("button", { type: "button", class: "button secondary", onclick: load }, t("today.retry")),
        safetyFooter(),
      );
      return;
    }
    const { done, total } = counts(day.checklists);
    const sections = day.checklists
      .filter((list) => list.items.length)
      .map((list) => {
        const c = counts([list]);
        const headingId = `list-${list.id}`;
        return h(
          "section",
          { class: "card", "aria-labelledby": headingId },
          h("h3", { id: headingId }, list.name, " ", h("span", { class: "count" }, t("today.count", { done: c.done, total: c.total }))),
          h(
            "ul",
            { class: "checklist" },
            list.items.map((item) =>
              h(
                "li",
                {},
                h(
                  "label",
                  { class: item.done ? "check done" : "check" },
                  h("input", {
                    type: "checkbox",
                    checked: item.done,
                    "data-item": item.id,
                    onchange: async (event) => {
                      await app.store.setCheck({ item: item.id, date, done: event.target.checked });
                      app.changed();
                      app.sync();
                    },
                  }),
                  h(
                    "span",
                    { class: "text" },
                    item.text,
                    item.weekly_target ? h("small", { "data-testid": "weekly-target" }, t("today.weeklyTarget", { n: item.weekly_target })) : null,
                    item.help_text ? h("small", {}, item.help_text) : null,
                  ),
                ),
              ),
            ),
          ),
        );
      });
    const focused = document.activeElement?.dataset?.item;
    replace(
      root,
      h("h2", {}, heading),
      h(
        "div",
        { class: "summary" },
        h("p", { class: "big", "data-testid": "progress", "data-date": date }, t("today.count", { done, total })),
        h("progress", { max: total || 1, value: done, "aria-label": t("today.progressLabel") }),
      ),
      nav,
      sections.length ? sections : h("p", { class: "muted" }, t("today.nothing")),
      doses,
      safetyFooter(),
    );
    if (focused) root.querySelector(`[data-item="${focused}"]`)?.focus();
  };

  const load = () =>
    fetchDay(app, date)
      .then(() => {
        loadError = null;
        return draw();
      })
      .catch((error) => {
        loadError = error;
        app.noteFailure(error);
        return draw();
      });
  app.onChange(draw);
  await draw();
  load();
  return null;
}
