// Browser smoke test (issue 2 point 11): Playwright driving Debian's chromium logs in as the demo
// `worker` on a 390×844 phone viewport through the HTML login form and reaches the home page.
//
//   node tests/browser/smoke.mjs          (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, PASSWORD } from './lib.mjs';

const STATION = '月塘街道';

run('smoke', async ({ page, base, log, shot }) => {
  // Not logged in: the home page sends us to the login form.
  const first = await page.goto(`${base}/`);
  if (!first.ok()) throw new Error(`GET / answered ${first.status()}`);
  await page.waitForURL(/\/login/);
  await page.locator('#username').fill('worker');
  await page.locator('#password').fill(PASSWORD);
  await shot('login');
  await Promise.all([page.waitForURL((u) => !u.pathname.startsWith('/login')), page.locator('form button[type=submit]').click()]);
  // The home page of a social worker at 月塘街道.
  if (new URL(page.url()).pathname !== '/') throw new Error(`after login the browser is at ${page.url()}, not the home page`);
  await page.getByRole('heading', { level: 1, name: STATION }).waitFor({ state: 'visible' });
  await shot('worker-home');
  log(`home page shows ${STATION} (login.png, worker-home.png)`);
});
