// Browser test of the Excel import and export (issue 3 points 10 and 11) on a 390×844 phone: a
// worker uploads a roster with bad rows and sees each one with its row, column and reason, nothing
// imported; uploads the household roster, checks the dry run, commits it and sees the report; then
// exports the household list, whose file name carries no personal data.
//
//   node tests/browser/imports.mjs        (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, login } from './lib.mjs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../../examples');

async function upload(page, base, file) {
  await page.goto(`${base}/imports/new`);
  await page.locator('#file').setInputFiles(join(examples, file));
  await Promise.all([page.waitForURL(/\/imports\/\d+$/), page.getByRole('button', { name: /上传并检查/ }).click()]);
}

run('imports', async ({ page, base, log, shot }) => {
  await login(page, base, 'worker');

  await upload(page, base, 'roster-bad-rows.xlsx');
  const errors = page.locator('#row-errors tbody tr');
  if ((await errors.count()) === 0) throw new Error('the bad rows are not listed');
  const first = await errors.first().locator('td').allTextContents();
  if (!/^\d+$/.test(first[0].trim()) || !first[1].trim() || !/[\u4e00-\u9fff]/.test(first[2]))
    throw new Error(`a bad row needs its row number, column and a Chinese reason: ${first}`);
  if ((await page.getByRole('button', { name: /确认导入/ }).count()) !== 0) throw new Error('a file with bad rows can be committed');
  await shot('import-errors');
  log(`${await errors.count()} bad rows listed, no commit offered`);

  await upload(page, base, 'roster-households.xlsx');
  if ((await page.locator('#dry-run [data-bad]').getAttribute('data-bad')) !== '0') throw new Error('the household roster has bad rows');
  const households = await page.locator('#dry-run [data-households]').getAttribute('data-households');
  if (households === '0') throw new Error('the dry run puts nobody into households');
  await Promise.all([page.waitForURL(/\/imports\/\d+/), page.getByRole('button', { name: /确认导入/ }).click()]);
  await page.locator('#report').waitFor();
  const created = await page.locator('#report [data-created]').getAttribute('data-created');
  if (created === '0') throw new Error('the commit created nobody');
  await shot('import-report');
  log(`household roster imported: ${created} people, ${households} households`);

  await page.goto(`${base}/households`);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: /导出/ }).first().click()]);
  const name = download.suggestedFilename();
  if (!/^家庭档案-\d{4}-\d{2}-\d{2}\.xlsx$/.test(name)) throw new Error(`unexpected export file name ${name}`);
  const path = await download.path();
  if (!path) throw new Error('the export did not download');
  log(`household list exported as ${name}`);
});
