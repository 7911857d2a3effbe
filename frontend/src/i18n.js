// Translated strings: the catalog Django renders (gettext) into <body data-i18n>. t("key", {n: 3}).
let catalog = {};

export function load(json) {
  catalog = JSON.parse(json || "{}");
}

export function t(key, vars = {}) {
  let text = catalog[key] ?? key;
  if (typeof text === "object") text = vars.n === 1 ? text.one : text.other;
  return text.replace(/\{(\w+)\}/g, (_, name) => (name in vars ? String(vars[name]) : `{${name}}`));
}

export function strings() {
  return catalog;
}
