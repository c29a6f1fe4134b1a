/**
 * Date templates in input and output paths, such as `sensors/date={{date}}/`. They resolve from the time a
 * run was *scheduled for* (a schedule's action time, or a backfill's), never the wall clock, so a backfill of
 * 2026-11-01..2026-11-07 scores exactly those seven partitions, whenever it actually runs.
 *
 * | template | value (in the job's time zone) |
 * |---|---|
 * | `{{date}}` | 2026-11-01 |
 * | `{{date-1}}`, `{{date+2}}` | that many days earlier / later (a nightly 02:00 run scoring yesterday) |
 * | `{{yyyy}}` `{{mm}}` `{{dd}}` | year, month, day, zero-padded; each takes its own `-N` / `+N` offset, so the day before is `{{yyyy-1}}/{{mm-1}}/{{dd-1}}` |
 * | `{{hh}}` | hour, 00-23 |
 */

const TEMPLATE = /\{\{\s*([a-z]+)\s*(?:([+-])\s*(\d{1,4})\s*)?\}\}/gi;
const ANY_TEMPLATE = /\{\{[^}]*\}\}/;
const NAMES = ['date', 'yyyy', 'mm', 'dd', 'hh'] as const;

export function hasTemplates(text: string): boolean {
  return ANY_TEMPLATE.test(text);
}

/** Problems with the templates of one field, for the job spec's field-by-field error list. */
export function templateProblems(text: string): string[] {
  const problems: string[] = [];
  const unresolved = text.replace(TEMPLATE, (match, name: string, sign?: string) => {
    const lower = name.toLowerCase();
    if (!(NAMES as readonly string[]).includes(lower))
      problems.push(`unknown template ${match}; known: ${NAMES.map((n) => `{{${n}}}`).join(' ')}`);
    else if (sign && lower === 'hh') problems.push(`${match}: {{hh}} takes no day offset`);
    return '';
  });
  const stray = unresolved.match(ANY_TEMPLATE);
  if (stray) problems.push(`malformed template ${stray[0]} (expected e.g. {{date}} or {{date-1}})`);
  return problems;
}

/** True when `timeZone` is an IANA zone this runtime knows (e.g. Europe/Berlin, UTC). */
export function isTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone });
    return true;
  } catch {
    return false;
  }
}

/** Replaces every template in `text` with the calendar values of `scheduledAt` in `timeZone`. */
export function resolveTemplates(text: string, scheduledAt: Date, timeZone: string): string {
  const local = calendarParts(scheduledAt, timeZone);
  return text.replace(TEMPLATE, (_match, name: string, sign?: string, amount?: string) => {
    const days = sign ? (sign === '-' ? -1 : 1) * Number(amount) : 0;
    // Day arithmetic on the calendar date (not on instants), so offsets cross DST and month ends correctly.
    const shifted = new Date(Date.UTC(local.year, local.month - 1, local.day + days));
    const yyyy = String(shifted.getUTCFullYear()).padStart(4, '0');
    const mm = String(shifted.getUTCMonth() + 1).padStart(2, '0');
    const dd = String(shifted.getUTCDate()).padStart(2, '0');
    switch (name.toLowerCase()) {
      case 'date':
        return `${yyyy}-${mm}-${dd}`;
      case 'yyyy':
        return yyyy;
      case 'mm':
        return mm;
      case 'dd':
        return dd;
      default:
        return String(local.hour).padStart(2, '0');
    }
  });
}

function calendarParts(
  at: Date,
  timeZone: string,
): { year: number; month: number; day: number; hour: number } {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    hourCycle: 'h23',
  }).formatToParts(at);
  const get = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour') };
}
