import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { findConsoleDir } from '../../src/http/console';

/** Debian's Chromium (`apt-get install -y chromium`); playwright-core downloads no browser of its own. */
export const CHROMIUM = process.env.SDES_CHROMIUM ?? '/usr/bin/chromium';
export const HAS_CHROMIUM = fs.existsSync(CHROMIUM);
export const SKIPPED_LINE = `console browser tests skipped: ${CHROMIUM} is missing (install it with \`apt-get install -y chromium\`; .ci/run does)`;

const REPO = path.resolve(__dirname, '../..');
/** Where the tests leave a screenshot of each page, for docs/console.md. */
export const SHOTS = path.join(REPO, 'docs/console');

/** The console must be built (npm test's pretest does it; a lone jest run may not have). */
export function ensureConsoleBuilt(): void {
  if (findConsoleDir()) return;
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: REPO, stdio: 'inherit', timeout: 180_000 });
}

/** Flags for a root user on a closed network (shared/STACK.md): nothing is fetched from outside. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
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

export async function shoot(page: Page, name: string): Promise<void> {
  fs.mkdirSync(SHOTS, { recursive: true });
  // A full-page shot of a scrolled page draws the fixed header where the viewport was.
  await page.evaluate('window.scrollTo(0, 0)');
  await page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
}

/** The number a dashboard figure shows now (NaN while it loads). */
export async function figure(page: Page, label: string): Promise<number> {
  return Number(await page.locator(`[data-figure="${label}"] p`).nth(1).textContent());
}
