// When to seek care now: the safety net of the clinical content (checklists/careplan/wording.py).
// Its words are in the page (frontend/strings.py), so this screen works offline with no request; the care
// plan adds the situations that apply to this patient now (the care-plan API's safety_net).
import { h } from "../dom.js";
import { t } from "../i18n.js";

// Every situation, in the order the clinical content lists them (checklists/careplan/safety.py Situation).
export const SITUATIONS = ["vein_procedure", "iron_infusion", "dopamine_medicine"];

export function title() {
  return t("safety.title");
}

/** The link every screen with clinical content carries to this screen. */
export function safetyLink() {
  return h("p", { class: "safety-link" }, h("a", { href: "#safety", "data-testid": "safety-link" }, t("safety.link")));
}

/** The foot of Today and the diary: the short disclaimer and the link to this screen. */
export function safetyFooter() {
  return h("footer", { class: "safety-footer" }, h("p", { class: "hint" }, t("safety.supports")), safetyLink());
}

/** One situation's title and lines, as a card. */
export function situationCard(situation, headingLevel = "h3") {
  const id = `safety-${situation}`;
  return h(
    "section",
    { class: "card safety", "aria-labelledby": id, "data-situation": situation },
    h(headingLevel, { id }, t(`safety.${situation}.title`)),
    h("ul", {}, t(`safety.${situation}.lines`).split("\n").map((line) => h("li", {}, line))),
  );
}

/** What everyone reads: the app is not watched in real time, and self-harm. */
export function generalLines() {
  return [
    h("p", { class: "alert safety-general", role: "note", "data-testid": "not-watched" }, t("safety.notWatched")),
    h("p", { class: "safety-general" }, t("safety.selfHarm")),
  ];
}

export async function render(app, root) {
  root.append(h("h2", {}, t("safety.title")), ...generalLines(), ...SITUATIONS.map((situation) => situationCard(situation)));
  return null;
}
