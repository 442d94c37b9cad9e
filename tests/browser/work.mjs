// Browser test of child protection and the work list (8.3.4.1, R-8.3.4; issue 4 point 7) on a
// 390×844 phone: a worker records suspected harm to a child without the report to the police and
// sees the red banner; the station head sees the banner and the notification on the work list; the
// worker completes the report and the banner is gone.
//
//   node tests/browser/work.mjs           (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, login } from './lib.mjs';

async function api(page, method, path, data) {
  const csrf = JSON.parse(await page.locator('body').getAttribute('hx-headers'))['X-CSRF-Token'];
  const r = await page.request.fetch(path, { method, data, headers: { 'X-CSRF-Token': csrf } });
  if (r.status() !== 201) throw new Error(`${method} ${path}: ${r.status()} ${await r.text()}`);
  return (await r.json()).id;
}

async function logout(page) {
  await Promise.all([page.waitForURL(/\/login/), page.locator('header.top form button[type=submit]').click()]);
}

run('work', async ({ page, base, log, shot }) => {
  await login(page, base, 'worker');
  // The case is opened through the API (the case pages belong to another module).
  const today = new Date(Date.now() + 8 * 3600_000).toISOString().slice(0, 10);
  const pid = await api(page, 'POST', `${base}/api/v1/persons`, {
    name: '小明', birth_date: '2017-05-01', org_code: '430202001001', sensitivity: 'ordinary',
  });
  const id = await api(page, 'POST', `${base}/api/v1/persons/${pid}/cases`, {
    intake: { source: 'home_visit', received_on: today, presenting_problem: '监护缺失', consent: true, consent_by: '奶奶', eligible: true },
  });
  log(`case ${id} opened`);

  // Suspected harm, the police not told yet: the page says so in red, on every page.
  await page.goto(`${base}/cases/${id}/protection`);
  await page.locator('#finding').selectOption('suspected');
  await page.locator('input[name=harms][value=physical]').check();
  await page.locator('#description').fill('手臂有多处淤青,孩子说是被打的');
  await Promise.all([
    page.waitForURL(new RegExp(`/cases/${id}/protection$`)),
    page.locator('#record-harm button[type=submit]').click(),
  ]);
  await page.locator('.report-unfinished').waitFor();
  await page.goto(`${base}/`);
  const banner = page.locator('#protection-banner');
  if (!(await banner.textContent()).includes('个儿童保护报告未完成')) throw new Error('no red banner for the worker');
  await shot('protection-banner');
  log('worker sees the unfinished-report banner');
  await logout(page);

  // The head: the banner, and the notification on the work list with the red menu count.
  await login(page, base, 'head');
  await banner.waitFor();
  await page.locator('nav.menu a[href="/work"]').click();
  await page.waitForURL(/\/work$/);
  const notes = await page.locator('#work-notifications').textContent();
  if (!notes.includes(`个案 #${id} 有未完成的儿童保护报告`)) throw new Error('no notification on the head’s work list');
  if ((await page.locator('nav.menu .nav-count.red').count()) !== 1) throw new Error('the menu count is not red');
  if (!(await page.locator('#work-unfinished').textContent()).includes('已逾期')) throw new Error('the unfinished report is not marked overdue');
  await shot('work-list');
  log('head sees the banner and the notification');
  await logout(page);

  // The worker completes the report: the banner is gone.
  await login(page, base, 'worker');
  await page.locator('#protection-banner a').first().click();
  await page.waitForURL(new RegExp(`/cases/${id}/protection$`));
  const found = await page.locator('#found_at').inputValue();
  const form = page.locator('form[id^=complete-]');
  await form.locator('input[name=reported_at]').fill(found);
  await form.locator('input[name=unit]').fill('月塘派出所');
  await form.locator('input[name=officer]').fill('刘警官');
  await form.locator('select[name=method]').selectOption('call_110');
  await Promise.all([
    page.waitForURL(new RegExp(`/cases/${id}/protection$`)),
    form.locator('button[type=submit]').click(),
  ]);
  await page.locator('.report-done').waitFor();
  if ((await banner.count()) !== 0) throw new Error('the banner is still shown after the report');
  await page.goto(`${base}/`);
  if ((await banner.count()) !== 0) throw new Error('the banner is still shown on the home page');
  log('report completed, banner gone');
});
