// Browser test of case work (issue 4 points 1-3, 8, 9; section 10) on a phone: a worker opens a
// case for a person (intake), writes the needs assessment (10.1) and the plan (10.2) and submits
// it; the station head logs in and approves it; the worker records a home visit on the phone
// service form (10.3) at 360 px.
//
//   node tests/browser/cases.mjs           (after `cargo build`; run by crates/shegong/tests/browser.rs)

import { run, login } from './lib.mjs';

async function logout(page) {
  await Promise.all([page.waitForURL(/\/login/), page.getByRole('button', { name: '退出' }).click()]);
}

function iso(offsetDays) {
  const d = new Date(Date.now() + offsetDays * 86_400_000 + 8 * 3_600_000);
  return d.toISOString().slice(0, 10);
}

run('cases', async ({ page, base, log, shot }) => {
  await login(page, base, 'worker');
  await page.goto(`${base}/persons/new`);
  await page.locator('#name').fill('陈爷爷');
  await page.locator('#org_code').selectOption({ index: 2 });
  await page.locator('summary', { hasText: '更多信息' }).click();
  await page.locator('#birth_date').fill('1940-06-01');
  await Promise.all([page.waitForURL(/\/persons\/\d+$/), page.getByRole('button', { name: '保存' }).click()]);

  // Intake (9.1): the person page offers it.
  await page.getByRole('link', { name: '开案', exact: true }).click();
  await page.locator('#presenting_problem').fill('独居,近期情绪低落,子女在外务工');
  await Promise.all([page.waitForURL(/\/cases\/\d+\?done=opened/), page.getByRole('button', { name: '开案' }).click()]);
  const caseUrl = page.url().split('?')[0];
  log(`case opened at ${caseUrl}`);
  await Promise.all([page.waitForURL(/done=step/), page.locator('[data-event="accept"]').click()]);

  // Needs assessment (10.1).
  await page.getByRole('link', { name: /填写 需求评估/ }).click();
  await page.locator('#individual').fill('82 岁,独居,高血压');
  await page.locator('#family').fill('儿子在广东务工');
  await page.locator('#community').fill('村里有老年协会');
  await page.locator('#strengths').fill('性格开朗,邻里关系好');
  await page.locator('#problem_summary').fill('缺少照料,情绪低落');
  await page.locator('#need_1').fill('精神慰藉');
  await Promise.all([page.waitForURL(/done=saved/), page.getByRole('button', { name: '保存需求评估' }).click()]);
  await Promise.all([page.waitForURL(/done=step/), page.locator('[data-event="advance"]').click()]);

  // Plan (10.2): one goal linked to the need, one intervention delivering 8.2.5.
  await page.getByRole('link', { name: /填写 服务计划/ }).click();
  await page.locator('#goal_1').fill('缓解孤独感');
  await page.locator('#indicator_1').fill('每周参加老年协会活动 2 次');
  await page.locator('#target_1').fill(iso(90));
  await page.locator('input[name="needs_1"][value="1"]').check();
  await page.locator('#action_1').fill('每两周入户陪伴一次');
  const group = page.locator('fieldset', { hasText: '介入措施 1' }).locator('summary', { hasText: '8.2' });
  await group.click();
  await page.locator('input[name="items_1"][value="8.2.5"]').check();
  await Promise.all([page.waitForURL(/done=saved/), page.getByRole('button', { name: '保存服务计划' }).click()]);
  await Promise.all([page.waitForURL(/done=step/), page.locator('[data-event="submit_plan"]').click()]);
  if (!(await page.locator('[data-review]').textContent()).includes('待站长审批')) throw new Error('the plan does not wait for the head');
  await logout(page);

  // The head approves (10.2).
  await login(page, base, 'head');
  await page.goto(caseUrl);
  await Promise.all([page.waitForURL(/done=step/), page.locator('[data-event="approve"]').click()]);
  const stage = await page.locator('[data-stage]').textContent();
  if (!stage.includes('服务执行')) throw new Error(`after approval the stage is ${stage}`);
  log('plan approved by the head');
  await logout(page);

  // The worker records a home visit on the phone (10.3, point 9), at 360 px.
  await login(page, base, 'worker');
  await page.setViewportSize({ width: 360, height: 780 });
  await page.goto(caseUrl);
  await page.locator('a[href$="/services/new"]').first().click();
  await page.locator('input[name="minutes"][value="45"]').check();
  await page.locator('summary', { hasText: '8.2 老年' }).click();
  await page.locator('input[name="items"][value="8.2.1"]').check();
  await page.locator('input[name="items"][value="8.2.5"]').check();
  await page.locator('input[name="goals"][value="1"]').check();
  await page.locator('#content').fill('入户陪伴聊天,测量血压 135/85');
  await page.locator('#next_step').fill('下周电话回访');
  await shot('case-service-phone');
  await Promise.all([page.waitForURL(/done=service/), page.getByRole('button', { name: '保存服务记录' }).click()]);
  const services = await page.locator('#services').textContent();
  if (!services.includes('入户陪伴聊天')) throw new Error('the service record is not on the case page');
  await shot('case-page');
  log('home visit recorded on the phone form');
});
