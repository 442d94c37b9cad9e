// Browser test of the service archive's main flow (issue 3, 7.6.4) on a 390×844 phone: a worker
// registers a person (a rare character in the name, which has no pinyin, so the initials skip it; a mistyped ID number refused inline, then
// fixed), sees only the masked number, reveals it, finds the person by pinyin initials in the live
// search, edits them and sees the change in the edit history.
//
//   node tests/browser/persons.mjs        (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, login } from './lib.mjs';

const ID = '11010519491231002X';

run('persons', async ({ page, base, log, shot, allow }) => {
  await login(page, base, 'worker');
  await page.getByRole('link', { name: '服务档案' }).first().click();
  await page.getByRole('link', { name: /服务对象/ }).first().click();
  await page.waitForURL(/\/persons$/);
  await page.getByRole('link', { name: '登记服务对象' }).click();
  await page.waitForURL(/\/persons\/new$/);

  await page.locator('#name').fill('欧阳𠮷祥');
  await page.locator('#id_number').fill('110105194912310021');
  await page.locator('#phone').fill('13812345678');
  await page.locator('#org_code').selectOption({ index: 2 });
  await page.locator('input[name=cat][value=dibao]').check();
  allow(422);
  await page.getByRole('button', { name: '保存' }).click();
  const err = page.locator('#id_number-error');
  await err.waitFor({ state: 'visible' });
  if (!(await err.textContent()).includes('校验码')) throw new Error(`the ID error says: ${await err.textContent()}`);
  if ((await page.locator('#name').inputValue()) !== '欧阳𠮷祥') throw new Error('the typed name was not kept');
  await shot('person-form-error');

  await page.locator('#id_number').fill(ID.toLowerCase());
  await Promise.all([page.waitForURL(/\/persons\/\d+$/), page.getByRole('button', { name: '保存' }).click()]);
  const personUrl = page.url();
  await page.getByRole('heading', { level: 1, name: /欧阳𠮷祥/ }).waitFor();
  const idCell = page.locator('[data-field=id_number]');
  if (!(await idCell.textContent()).includes('1101**********002X')) throw new Error('the ID number is not shown masked');
  if ((await page.content()).includes(ID)) throw new Error('the full ID number is on the page before it was asked for');
  await shot('person-page');
  await page.locator('button[data-reveal=id_number]').click();
  await page.locator('[data-revealed=id_number]').waitFor();
  if ((await page.locator('[data-revealed=id_number]').textContent()).trim() !== ID) throw new Error('the revealed number is wrong');
  log('registered, masked, revealed');

  // Live search by pinyin initials.
  await page.goto(`${base}/persons`);
  await page.locator('#f-q').fill('oyx');
  await page.locator(`#results a[href="${new URL(personUrl).pathname}"]`).waitFor();
  if ((await page.locator('[data-total]').getAttribute('data-total')) !== '1') throw new Error('the search found more than one person');
  await shot('persons-search');
  await Promise.all([page.waitForURL(personUrl), page.locator('#results a', { hasText: '欧阳𠮷祥' }).click()]);

  // Edit, then the history shows who changed what.
  await page.getByRole('link', { name: '修改', exact: true }).click();
  await page.locator('#address').fill('月塘街道某小区 3 栋');
  await Promise.all([page.waitForURL(personUrl), page.getByRole('button', { name: '保存' }).click()]);
  await page.getByRole('link', { name: /修改记录/ }).click();
  await page.getByRole('cell', { name: '住址' }).waitFor();
  await shot('person-history');
  log('found by initials, edited, history shown');
});
