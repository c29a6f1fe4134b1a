import { existsSync } from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import type { TestContext } from 'vitest';

/**
 * Debian's chromium (CI installs it): BATCH_SCORE_CHROMIUM, else `chromium` on PATH, else /usr/bin/chromium.
 * A missing browser fails the test with how to get one; it never skips.
 */
export function chromiumPath(): string {
  const fromEnv = process.env.BATCH_SCORE_CHROMIUM;
  if (fromEnv) {
    if (!existsSync(fromEnv))
      throw new Error(
        `BATCH_SCORE_CHROMIUM=${fromEnv} does not exist: point it at a Chromium binary, or unset it and install Debian's chromium (\`apt-get install chromium\`, as CI does)`,
      );
    return fromEnv;
  }
  for (const dir of [...(process.env.PATH ?? '').split(path.delimiter), '/usr/bin']) {
    const candidate = dir && path.join(dir, 'chromium');
    if (candidate && existsSync(candidate)) return candidate;
  }
  throw new Error(
    "chromium not found: the Web UI test drives headless Chromium; install Debian's package (`apt-get install chromium`, as CI does) or set BATCH_SCORE_CHROMIUM to a Chromium binary",
  );
}

/** Headless Chromium, offline-minded: no sync, component updates or background fetches of its own. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: chromiumPath(),
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** Keeps a full-page screenshot of `page` at `file` when the test fails, and says where it is. */
export function screenshotOnFailure(
  onTestFailed: TestContext['onTestFailed'],
  page: Page,
  file: string,
): void {
  onTestFailed(async () => {
    await page.screenshot({ path: file, fullPage: true }).then(
      () => console.error(`Web UI screenshot at failure: ${file} (page ${page.url()})`),
      (error: unknown) => console.error(`could not take a screenshot of the Web UI: ${String(error)}`),
    );
  });
}

/**
 * Clicks the list's Refresh until `ready` holds: the Web UI's workflow list does not follow a running
 * workflow by itself.
 */
export async function refreshUntil(
  page: Page,
  ready: () => Promise<boolean>,
  { timeoutMs = 90_000, what = 'the workflow list to show the expected rows' } = {},
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000}s waiting for ${what}`);
    await page.waitForTimeout(1_000);
    await page.getByRole('button', { name: 'Refresh' }).click();
  }
}
