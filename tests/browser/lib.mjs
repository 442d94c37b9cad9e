// Shared by the browser tests: starts `shegong serve --demo` over a temporary database, opens
// Debian's chromium through Playwright on a 390×844 phone screen, logs in, and fails the run on
// any page error, console error or 4xx/5xx answer.
//
// Environment: SHEGONG_BIN (default target/debug/shegong), SHEGONG_SCREENSHOT_DIR (default
// target/browser), CHROMIUM (default /usr/bin/chromium).

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SHEGONG_BIN || join(root, 'target/debug/shegong');
export const shots = process.env.SHEGONG_SCREENSHOT_DIR || join(root, 'target/browser');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
export const PASSWORD = 'Smoke#2026test';

/** Starts `shegong serve --demo` on a free port over a temporary database; resolves to its URL. */
function startServer(dir) {
  const server = spawn(bin, ['serve', '--demo'], {
    cwd: dir,
    env: {
      ...process.env,
      SHEGONG_DATABASE_URL: `sqlite://${join(dir, 'shegong.db')}`,
      SHEGONG_DATA_KEY_FILE: join(dir, 'shegong.key'),
      SHEGONG_ADDR: '127.0.0.1:0',
      SHEGONG_DEMO_PASSWORD: PASSWORD,
    },
    stdio: ['ignore', 'pipe', openSync(join(dir, 'server.log'), 'w')],
  });
  const url = new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error('the server did not start within 120 s')), 120_000);
    server.on('exit', (code) => fail(new Error(`the server exited early (code ${code}); see ${dir}/server.log`)));
    createInterface({ input: server.stdout }).on('line', (line) => {
      const m = line.match(/^shegong listening on (http:\/\/\S+)/);
      if (m) {
        clearTimeout(timer);
        ok(m[1]);
      }
    });
  });
  return { server, url };
}

/**
 * Runs `test({ page, base, log, shot, allow })` against a fresh demo server in a phone-sized browser.
 * `shot(name)` saves target/browser/NAME.png and checks the page fits the screen's width.
 */
export async function run(name, test) {
  const log = (msg) => console.log(`browser ${name}: ${msg}`);
  const dir = mkdtempSync(join(tmpdir(), 'shegong-browser-'));
  const { server, url } = startServer(dir);
  let browser;
  let failed = false;
  try {
    const base = await url;
    log(`server at ${base}`);
    browser = await chromium.launch({
      executablePath: chromiumPath,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
    const context = await browser.newContext({
      viewport: { width: 390, height: 844 },
      deviceScaleFactor: 2,
      isMobile: true,
      hasTouch: true,
      locale: 'zh-CN',
    });
    const page = await context.newPage();
    const errors = [];
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    // Every asset must load, the icon included.
    page.on('console', (m) => {
      // A failed load is reported (or allowed) by the response handler below.
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource: the server responded'))
        errors.push(`console error: ${m.text()}`);
    });
    // A test announces the refusals it provokes (a form sent with mistakes answers 422).
    const allowed = [];
    const allow = (status) => allowed.push(status);
    page.on('response', (r) => {
      if (r.status() < 400) return;
      const i = allowed.indexOf(r.status());
      if (i >= 0) allowed.splice(i, 1);
      else errors.push(`${r.status()} for ${r.url()}`);
    });
    page.setDefaultTimeout(30_000);
    mkdirSync(shots, { recursive: true });
    const shot = async (file) => {
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
      await page.screenshot({ path: join(shots, `${file}.png`), fullPage: true });
      if (overflow > 0) throw new Error(`${file}: the page is ${overflow} px wider than the 390 px phone screen`);
    };
    await test({ page, base, log, shot, allow });
    if (errors.length) throw new Error(errors.join('\n'));
  } catch (e) {
    failed = true;
    console.error(`browser ${name}: FAILED: ${e.stack || e.message}`);
    console.error(`(server log: ${join(dir, 'server.log')})`);
  } finally {
    if (browser) await browser.close();
    server.kill('SIGINT');
    await new Promise((ok) => {
      if (server.exitCode !== null) return ok();
      const t = setTimeout(() => {
        server.kill('SIGKILL');
        ok();
      }, 10_000);
      server.on('exit', () => {
        clearTimeout(t);
        ok();
      });
    });
    if (!failed) rmSync(dir, { recursive: true, force: true });
  }
  if (failed) process.exit(1);
  log('passed');
}

/** Logs in through the HTML form as a demo account and waits for the home page. */
export async function login(page, base, username) {
  await page.goto(`${base}/`);
  await page.waitForURL(/\/login/);
  await page.locator('#username').fill(username);
  await page.locator('#password').fill(PASSWORD);
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.locator('form button[type=submit]').click()]);
}
