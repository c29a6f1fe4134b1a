const GLOB_CHARS = /[*?{}]/;

export function isGlob(pattern: string): boolean {
  return GLOB_CHARS.test(pattern);
}

/** The part of a glob before its first wildcard segment: where listing starts. */
export function globBase(pattern: string): string {
  const segments = pattern.split('/');
  const index = segments.findIndex((s) => isGlob(s));
  return index < 0 ? pattern : segments.slice(0, index).join('/');
}

/** `**` crosses folders, `*` and `?` do not, `{a,b}` alternates. */
export function globToRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '*') {
      if (pattern[i + 1] === '*') {
        const slash = pattern[i + 2] === '/';
        re += slash ? '(?:.*/)?' : '.*';
        i += slash ? 2 : 1;
      } else re += '[^/]*';
    } else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const close = pattern.indexOf('}', i);
      if (close < 0) re += '\\{';
      else {
        const options = pattern
          .slice(i + 1, close)
          .split(',')
          .map(escapeRegExp);
        re += `(?:${options.join('|')})`;
        i = close;
      }
    } else re += escapeRegExp(c);
  }
  return new RegExp(`^${re}$`);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
