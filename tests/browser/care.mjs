// Browser test of the care archives (issue 3 points 4 and 5) on a 390×844 phone: a worker opens an
// old person's elderly archive and records a home visit (8.2.1.1), corrects and deletes it with a
// reason and finds both in the edit history; records a young child left
// unattended, sees the guardianship-gap alert on the station's list, and records the report to the
// responsible department, after which the alert leaves the open list (8.3.1.2).
//
//   node tests/browser/care.mjs           (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, login } from './lib.mjs';

async function register(page, base, name, birth) {
  await page.goto(`${base}/persons/new`);
  await page.locator('#name').fill(name);
  await page.locator('#org_code').selectOption({ index: 2 });
  await page.locator('summary', { hasText: '更多信息' }).click();
  await page.locator('#birth_date').fill(birth);
  await Promise.all([page.waitForURL(/\/persons\/\d+$/), page.getByRole('button', { name: '保存' }).click()]);
  return page.url();
}

run('care', async ({ page, base, log, shot }) => {
  await login(page, base, 'worker');

  const elder = await register(page, base, '刘奶奶', '1938-03-08');
  await page.getByRole('link', { name: /老年人档案与走访/ }).click();
  await page.locator('#living_arrangement').selectOption('alone');
  await Promise.all([page.waitForURL(/\/elderly/), page.locator('form[action$="/elderly"] button[type=submit]').click()]);
  await page.locator('[data-due]').waitFor();
  await page.locator('#visitor').fill('王社工');
  await page.locator('#findings').fill('血压偏高,已提醒按时服药');
  await Promise.all([page.waitForURL(/\/elderly/), page.locator('form[action$="/visits"] button[type=submit]').click()]);
  const due = await page.locator('[data-due]').getAttribute('data-due');
  if (!due) throw new Error('no next visit date after the visit');
  await shot('care-elderly');

  // A visit is corrected, then deleted, each with a reason; both are in the edit history (8.2.1.1).
  const editLink = page.locator('a[href*="/visits/"][href$="/edit"]');
  await editLink.first().click();
  await page.locator('#visitor').fill('李社工');
  await page.locator('#reason').fill('走访人填错');
  await Promise.all([page.waitForURL(/done=corrected/), page.getByRole('button', { name: /保存更正/ }).click()]);
  await editLink.first().click();
  await page.locator('#delete_reason').fill('重复录入');
  await shot('care-visit-edit');
  await Promise.all([page.waitForURL(/done=deleted/), page.locator('form[action$="/delete"] button[type=submit]').click()]);
  if ((await editLink.count()) !== 0) throw new Error('the deleted visit is still listed');
  await page.goto(`${elder}/history`);
  const history = await page.locator('main').textContent();
  if (!history.includes('走访人填错') || !history.includes('重复录入')) throw new Error('the correction and the deletion are not in the edit history');
  await shot('care-history');
  log('visit corrected and deleted with reasons, both in the edit history');
  await page.goto(elder);
  if (!(await page.locator('.timeline').textContent()).includes('关爱'))
    throw new Error('the visit is not on the person’s timeline');
  log(`elderly archive opened, visit recorded, next visit ${due}`);

  await register(page, base, '小宝', '2022-05-01');
  await page.getByRole('link', { name: /儿童监护档案/ }).click();
  await page.locator('#living_situation').selectOption('unattended');
  await Promise.all([page.waitForURL(/\/guardianship/), page.locator('form[action$="/guardianship"] button[type=submit]').click()]);
  // The demo station has alerts of its own: this child's row is the one that matters.
  const row = page.locator('tr', { has: page.getByRole('link', { name: '小宝', exact: true }) });
  const open = row.locator('a.button[href^="/care/alerts/"]');
  await page.goto(`${base}/care/alerts`);
  if ((await open.count()) !== 1) throw new Error(`expected one open alert for the child, found ${await open.count()}`);
  await shot('care-alerts');
  await open.click();
  await page.locator('#reported_by').fill('王社工');
  await page.locator('#department').fill('街道派出所');
  await Promise.all([page.waitForURL((u) => !u.pathname.endsWith('/report')), page.getByRole('button', { name: '记录报告' }).click()]);
  await page.goto(`${base}/care/alerts`);
  if ((await open.count()) !== 0) throw new Error('the alert is still open after the report');
  log('gap alert raised, reported, closed');
});
