/** Calendar dates in an IANA time zone, turned into instants; Temporal speaks instants, people speak dates. */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** The instant a calendar date (YYYY-MM-DD) begins in `timeZone`. */
export function startOfDay(date: string, timeZone: string): Date {
  const match = DATE.exec(date);
  if (!match) throw new RangeError(`"${date}" is not a date like 2026-11-01`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const wall = Date.UTC(year, month - 1, day);
  if (new Date(wall).getUTCDate() !== day) throw new RangeError(`"${date}" is not a calendar date`);
  // The zone's offset at the guess, then again at the corrected instant, which settles DST changes.
  let instant = wall - offsetMs(new Date(wall), timeZone);
  instant = wall - offsetMs(new Date(instant), timeZone);
  return new Date(instant);
}

/** The calendar date one day after `date`. */
export function nextDay(date: string): string {
  const next = new Date(Date.parse(`${date}T00:00:00Z`) + 86_400_000);
  return next.toISOString().slice(0, 10);
}

/** How far the zone's wall clock is ahead of UTC at `at`. */
function offsetMs(at: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(at.getTime() / 1000) * 1000;
}
