// Time zones the app offers: the server's current names, and this phone's own zone by its current name.
import { api } from "./api.js";

/** The current zone names and the old aliases' current names, from the server (kept for offline). */
export async function zoneList(store) {
  try {
    const zones = await api("/api/v1/time-zones/");
    await store.setMeta("zones", zones);
    return zones;
  } catch {
    return (await store.getMeta("zones")) || { zones: [], links: {} };
  }
}

/** This phone's own zone, by its current name (Chromium still reports some old aliases). */
export function phoneZone(links = {}) {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return links[zone] || zone;
}
