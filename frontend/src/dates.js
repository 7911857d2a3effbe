// Dates as the patient sees them: ISO dates (YYYY-MM-DD) in the patient's own time zone.
let zone;
let lang = "en";

export function configure({ timeZone, language }) {
  zone = timeZone || undefined;
  lang = language || document.documentElement.lang || "en";
}

/** Today's date in the patient's zone (the device's zone until the profile has loaded). */
export function todayIso(now = new Date()) {
  const parts = new Intl.DateTimeFormat("en-CA", { timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit" }).formatToParts(now);
  const get = (type) => parts.find((p) => p.type === type).value;
  return `${get("year")}-${get("month")}-${get("day")}`;
}

export function addDays(iso, n) {
  const d = new Date(`${iso}T12:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
}

export function formatDay(iso, options = { weekday: "long", day: "numeric", month: "long" }) {
  return new Intl.DateTimeFormat(lang, { ...options, timeZone: "UTC" }).format(new Date(`${iso}T12:00:00Z`));
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
