// Browser smoke test (issue 2 point 11): Playwright driving Debian's chromium logs in as the demo
// `worker` on a 390×844 phone viewport through the HTML login form and reaches the home page.
//
//   node tests/browser/smoke.mjs          (after `cargo build`; run by crates/shegong/tests/browser.rs)
//
// Environment: SHEGONG_BIN (default target/debug/shegong), SHEGONG_SCREENSHOT_DIR (default
// target/browser), CHROMIUM (default /usr/bin/chromium). Exits non-zero on any failure.

import { chromium } from 'playwright-core';
import { spawn } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, openSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const bin = process.env.SHEGONG_BIN || join(root, 'target/debug/shegong');
const shots = process.env.SHEGONG_SCREENSHOT_DIR || join(root, 'target/browser');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';
const PASSWORD = 'Smoke#2026test';
const STATION = '月塘街道';

function log(msg) {
  console.log(`browser smoke: ${msg}`);
}

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

async function main() {
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
      if (m.type() === 'error') errors.push(`console error: ${m.text()}`);
    });
    page.on('response', (r) => {
      if (r.status() >= 400) errors.push(`${r.status()} for ${r.url()}`);
    });
    page.setDefaultTimeout(30_000);
    mkdirSync(shots, { recursive: true });

    // Not logged in: the home page sends us to the login form.
    const first = await page.goto(`${base}/`);
    if (!first.ok()) throw new Error(`GET / answered ${first.status()}`);
    await page.waitForURL(/\/login/);
    await page.locator('#username').fill('worker');
    await page.locator('#password').fill(PASSWORD);
    await page.screenshot({ path: join(shots, 'login.png'), fullPage: true });
    await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.locator('form button[type=submit]').click()]);

    // The home page of a social worker at 月塘街道.
    if (new URL(page.url()).pathname !== '/') throw new Error(`after login the browser is at ${page.url()}, not the home page`);
    await page.getByRole('heading', { level: 1, name: STATION }).waitFor({ state: 'visible' });
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    await page.screenshot({ path: join(shots, 'worker-home.png'), fullPage: true });
    log(`home page shows ${STATION}; screenshots in ${shots} (login.png, worker-home.png)`);
    if (overflow > 0) throw new Error(`the home page is ${overflow} px wider than the 390 px phone screen`);
    if (errors.length) throw new Error(errors.join('\n'));
  } catch (e) {
    failed = true;
    console.error(`browser smoke: FAILED: ${e.message}`);
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

main().catch((e) => {
  console.error(`browser smoke: FAILED: ${e.stack || e}`);
  process.exit(1);
});
