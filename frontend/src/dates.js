// Dates as the patient sees them: ISO dates (YYYY-MM-DD) in the patient's own time zone.
let zone;
let lang = "en";

/**
 * The locale dates are written in: the app's language, with the region of the browser's own locale
 * when that locale is in the same language (an en-GB phone writes "Tuesday 1 December" in English).
 */
export function localeFor(language, browserLocales = typeof navigator === "undefined" ? [] : navigator.languages || [navigator.language]) {
  const base = (language || "en").split("-")[0].toLowerCase();
  const match = browserLocales.find((locale) => locale && locale.split("-")[0].toLowerCase() === base && locale.includes("-"));
  return match || language || "en";
}

export function configure({ timeZone, language }) {
  if (timeZone !== undefined) zone = timeZone || undefined;
  lang = localeFor(language || document.documentElement.lang || "en");
}

/** The patient's zone as configured (undefined until the profile has loaded: the device's zone). */
export function timeZone() {
  return zone;
}

/** Today's date in the patient's zone (the device's zone until the profile has loaded). */
export function todayIso(now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

/**
 * The night `now` belongs to, as the date of the evening it started (checklists/diary/rules.py
 * night_of): before `startsAt` ("HH:MM", NIGHT_STARTS_AT) the patient's wall clock is still last night.
 */
export function nightIso(now = new Date(), startsAt = "04:00") {
  const parts = new Intl.DateTimeFormat("en-GB", { timeZone: zone, hour: "2-digit", minute: "2-digit", hourCycle: "h23" }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  const today = todayIso(now);
  return `${get("hour")}:${get("minute")}` < startsAt ? addDays(today, -1) : today;
}

export function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

/** A date in the patient's language and region, with its year when that is not this year (unless `options` say). */
export function formatDay(iso, options = { weekday: "long", day: "numeric", month: "long" }) {
  const withYear = "year" in options || iso.slice(0, 4) === todayIso().slice(0, 4) ? options : { ...options, year: "numeric" };
  return new Intl.DateTimeFormat(lang, { ...withYear, timeZone: "UTC" }).format(new Date(`${iso}T12:00:00Z`));
}

export function formatShort(iso) {
  return formatDay(iso, { day: "numeric", month: "short" });
}

/** "5 minutes ago", "yesterday", in the page's language. */
export function formatAgo(isoInstant, now = Date.now()) {
  const seconds = Math.round((new Date(isoInstant).getTime() - now) / 1000);
  const rtf = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const abs = Math.abs(seconds);
  if (abs < 60) return rtf.format(seconds, "second");
  if (abs < 3600) return rtf.format(Math.round(seconds / 60), "minute");
  if (abs < 86400) return rtf.format(Math.round(seconds / 3600), "hour");
  return rtf.format(Math.round(seconds / 86400), "day");
}
