import path from 'node:path';
import { parseArgs, type ParseArgsConfig } from 'node:util';

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values<T extends Options> = { [K in keyof T]?: T[K]['type'] extends 'boolean' ? boolean : string } & {
  help?: boolean;
};

/** util.parseArgs with our usage errors: unknown flags and missing values name the flag. */
export function parse<T extends Options>(
  argv: string[],
  options: T,
  allowPositionals = false,
): { values: Values<T>; positionals: string[] } {
  try {
    const parsed = parseArgs({
      args: argv,
      options: { ...options, help: { type: 'boolean', short: 'h' } },
      allowPositionals,
      strict: true,
    });
    return { values: parsed.values, positionals: parsed.positionals };
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
}

export function required(values: Record<string, unknown>, names: string[]): void {
  const missing = names.filter((n) => values[n] === undefined || values[n] === '');
  if (missing.length > 0) throw new UsageError(`missing ${missing.map((m) => `--${m}`).join(', ')}`);
}

export function positiveInt(value: string | undefined, flag: string): number | undefined {
  return wholeNumber(value, flag, 1);
}

/** A whole-number flag from `min` up to `max`; a bad one is a usage error that states the range. */
export function wholeNumber(
  value: string | undefined,
  flag: string,
  min: number,
  max?: number,
): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (value.trim() === '' || !Number.isInteger(n) || n < min || (max !== undefined && n > max)) {
    const range =
      max !== undefined
        ? `a whole number from ${min} to ${max}`
        : min === 0
          ? 'a whole number, 0 or more'
          : 'a positive whole number';
    throw new UsageError(`--${flag} ${value}: expected ${range}`);
  }
  return n;
}

export function list(value: string | undefined): string[] | undefined {
  return value === undefined
    ? undefined
    : value
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean);
}

/** Local paths made absolute (the worker may run elsewhere); URIs such as az://... stay as they are. */
export function absolute(uri: string): string {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(uri) ? uri : path.resolve(uri);
}

/** Drops unset flags, so the job spec's own defaults apply. */
export function stripUndefined<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined && v !== '')) as T;
}
