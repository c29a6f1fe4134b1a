import { describe, expect, it } from 'vitest';
import { hasTemplates, resolveTemplates, templateProblems } from '../../domain/path-templates.js';
import { nextDay, startOfDay } from '../../domain/zoned-time.js';

describe('date templates', () => {
  const at = new Date('2026-11-01T16:30:00Z');

  it('resolve in the given time zone, with day offsets across month ends', () => {
    expect(resolveTemplates('s/date={{date}}/h={{hh}}', at, 'UTC')).toBe('s/date=2026-11-01/h=16');
    // 01:30 the next day in Tokyo.
    expect(resolveTemplates('s/date={{date}}/h={{hh}}', at, 'Asia/Tokyo')).toBe('s/date=2026-11-02/h=01');
    // Each template shifts its own date: give every part the same offset for the day before.
    expect(resolveTemplates('{{date-1}} {{date+30}} {{yyyy-1}}/{{mm-1}}/{{dd-1}}', at, 'UTC')).toBe(
      '2026-10-31 2026-12-01 2026/10/31',
    );
    expect(resolveTemplates('{{ DATE - 1 }}', new Date('2026-03-01T00:00:00Z'), 'UTC')).toBe('2026-02-28');
  });

  it('name every malformed template', () => {
    expect(hasTemplates('plain/path')).toBe(false);
    expect(templateProblems('a/{{date}}/{{day}}/{{hh-1}}/{{date')).toEqual([
      'unknown template {{day}}; known: {{date}} {{yyyy}} {{mm}} {{dd}} {{hh}}',
      '{{hh-1}}: {{hh}} takes no day offset',
    ]);
    expect(templateProblems('x/{{date/2}}')).toEqual([
      'malformed template {{date/2}} (expected e.g. {{date}} or {{date-1}})',
    ]);
  });
});

describe('zoned calendar days', () => {
  it('start at local midnight, also on DST change days', () => {
    expect(startOfDay('2026-11-01', 'Asia/Tokyo').toISOString()).toBe('2026-10-31T15:00:00.000Z');
    expect(startOfDay('2026-11-01', 'America/New_York').toISOString()).toBe('2026-11-01T04:00:00.000Z');
    expect(startOfDay('2026-11-02', 'America/New_York').toISOString()).toBe('2026-11-02T05:00:00.000Z');
    expect(startOfDay('2026-03-29', 'Europe/Berlin').toISOString()).toBe('2026-03-28T23:00:00.000Z');
    expect(nextDay('2026-12-31')).toBe('2027-01-01');
    expect(() => startOfDay('2026-02-30', 'UTC')).toThrow(/not a calendar date/);
    expect(() => startOfDay('1 Nov', 'UTC')).toThrow(/not a date like/);
  });
});
