// Debian's chromium driven by playwright-core: a fresh profile per launch, no browser download,
// pages at 1366×768, and screenshots kept under test-artifacts/screenshots for a person to look at.
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const CHROMIUM_PATH = '/usr/bin/chromium';
export const SCREENSHOT_DIR = resolve('test-artifacts', 'screenshots');
export const VIEWPORT = { width: 1366, height: 768 };

export interface BrowserSession {
  context: BrowserContext;
  /** a new tab; its page errors and console errors are collected into `problems` */
  newPage(): Promise<Page>;
  /** uncaught page errors and console errors (CSP violations show up here) */
  problems: string[];
  close(): Promise<void>;
}

export async function launchBrowser(): Promise<BrowserSession> {
  const userDataDir = await mkdtemp(join(tmpdir(), 'spanwatch-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM_PATH,
    headless: true,
    viewport: VIEWPORT,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync',
    ],
  });
  const problems: string[] = [];
  const watch = (page: Page): void => {
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
    page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  };
  for (const p of context.pages()) watch(p);
  return {
    context,
    problems,
    async newPage() {
      const page = await context.newPage();
      // fail with the locator's name well before the test's own timeout
      page.setDefaultTimeout(15_000);
      watch(page);
      return page;
    },
    async close() {
      await context.close().catch(() => undefined);
      await rm(userDataDir, { recursive: true, force: true });
    },
  };
}

/** Saves a full-page PNG as test-artifacts/screenshots/<name>.png and returns its path. */
export async function saveScreenshot(page: Page, name: string): Promise<string> {
  await mkdir(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}
