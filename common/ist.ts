// The AePS day: a calendar day in India Standard Time (UTC+05:30, no daylight saving), the day NPCI's Daily KYC
// gate is counted in. Pure arithmetic, so the workflow sandbox, the simulator and clients agree by construction.

export const IST_OFFSET_MS = (5 * 60 + 30) * 60_000;
export const DAY_MS = 24 * 60 * 60_000;

/** The IST date (`YYYY-MM-DD`) of an instant. */
export function istDate(ms: number): string {
  return new Date(ms + IST_OFFSET_MS).toISOString().slice(0, 10);
}

/** The instant the IST day holding `ms` began (00:00:00.000 IST). */
export function istDayStart(ms: number): number {
  return Math.floor((ms + IST_OFFSET_MS) / DAY_MS) * DAY_MS - IST_OFFSET_MS;
}

/** The next IST midnight after `ms` (strictly later). */
export function nextIstMidnight(ms: number): number {
  return istDayStart(ms) + DAY_MS;
}
