// html_check.mjs - opens a looplint HTML report in headless Chromium and
// checks that it works offline: the findings render, the filter works, and
// nothing from the analysed code ran as script (tests/looplint/html.sh).
//
//   node html_check.mjs REPORT.html COUNT CHECK CHECK_COUNT [TEXT]
//
// COUNT is how many findings the text format printed, CHECK a check id to
// filter on and CHECK_COUNT its findings; TEXT, when given, must appear in
// the page's text as text (the test's XSS payload: escaped, it shows; run,
// it would create an element or a dialog). Prints `ok:` and `FAIL:` lines;
// exits 1 on any failure, 2 when Chromium cannot be driven.
import { chromium } from 'playwright-core';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

const [file, countText, check, checkCountText, payload] = process.argv.slice(2);
if (!file || !countText || !check || !checkCountText) {
  console.error('usage: node html_check.mjs REPORT.html COUNT CHECK CHECK_COUNT [TEXT]');
  process.exit(2);
}
const url = pathToFileURL(resolve(file)).href;
const count = Number(countText);
const checkCount = Number(checkCountText);
const failures = [];

function expect(condition, what, detail = '') {
  if (condition) {
    console.log(`ok: ${what}`);
  } else {
    failures.push(what);
    console.log(`FAIL: ${what}${detail ? `: ${detail}` : ''}`);
  }
}

// Every event that would mean the page is not self-contained or not safe.
function watch(page, events) {
  page.on('request', (request) => {
    if (request.url() !== url) events.push(`request to ${request.url()}`);
  });
  page.on('console', (message) => {
    if (message.type() === 'error') events.push(`console error: ${message.text()}`);
  });
  page.on('pageerror', (error) => events.push(`page error: ${error.message}`));
  page.on('dialog', async (dialog) => {
    events.push(`dialog: ${dialog.message()}`);
    await dialog.dismiss();
  });
}

async function open(browser, options) {
  const context = await browser.newContext(options);
  // Only the report itself may load; anything else is recorded by watch().
  await context.route('**', (route) =>
    route.request().url() === url ? route.continue() : route.abort());
  const page = await context.newPage();
  const events = [];
  watch(page, events);
  await page.goto(url, { waitUntil: 'load' });
  return { context, page, events };
}

const visible = (page) => page.locator('article.finding:visible').count();
const shown = (page) => page.locator('#shown').textContent();

async function checkSafety(page) {
  const planted = await page.evaluate(() => ({
    pwned: window.__pwned !== undefined,
    images: document.querySelectorAll('img').length,
    scripts: document.querySelectorAll('script').length,
    handlers: document.querySelectorAll('[onerror], [onload], [onclick]').length,
  }));
  expect(!planted.pwned, 'the payload did not run (window.__pwned unset)');
  expect(planted.images === 0, 'no element came from the payload', `${planted.images} img`);
  expect(planted.scripts === 1, 'only the report\'s own script', `${planted.scripts} scripts`);
  expect(planted.handlers === 0, 'no event handler attributes', `${planted.handlers}`);
  if (payload) {
    const text = await page.locator('body').textContent();
    expect(text.includes(payload), 'the payload shows as text');
  }
}

async function checkFilters(page) {
  expect(await page.locator('#filters').isVisible(), 'the script shows the filters');
  expect(await shown(page) === `${count} of ${count} findings shown`, 'the counter starts full',
    await shown(page));
  await page.selectOption('select[name="rule"]', check);
  const rules = await page.locator('article.finding:visible')
    .evaluateAll((nodes) => nodes.map((node) => node.dataset.rule));
  expect(rules.length === checkCount && rules.every((rule) => rule === check),
    `filtering on ${check} shows its ${checkCount} finding(s) only`, rules.join(' '));
  expect(await shown(page) === `${checkCount} of ${count} findings shown`,
    'the counter follows the filter', await shown(page));
  await page.click('button[type="reset"]');
  await page.waitForFunction((want) =>
    document.querySelectorAll('article.finding:not([hidden])').length === want, count);
  expect(await visible(page) === count, 'clearing the filter shows every finding again');
  const fingerprint = await page.locator('article.finding').first().getAttribute('id');
  await page.fill('input[name="text"]', fingerprint);
  expect(await visible(page) === 1, 'the text box finds a finding by its fingerprint');
  await page.fill('input[name="text"]', '');
  expect(await visible(page) === count, 'emptying the text box shows every finding');
}

async function checkRendering(page, events, what) {
  expect(await page.locator('article.finding').count() === count,
    `${what}: ${count} finding(s) rendered`, String(await page.locator('article.finding').count()));
  expect(await visible(page) === count, `${what}: all of them visible`);
  expect(events.length === 0, `${what}: no requests, errors or dialogs`, events.join('; '));
}

let browser;
try {
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
} catch (error) {
  console.error(`cannot start /usr/bin/chromium (run scripts/setup.sh): ${error.message}`);
  process.exit(2);
}
try {
  const live = await open(browser, {});
  await checkRendering(live.page, live.events, 'with the script');
  await checkSafety(live.page);
  if (count > 0)
    await checkFilters(live.page);
  expect(live.events.length === 0, 'still no requests, errors or dialogs', live.events.join('; '));
  await live.context.close();

  const still = await open(browser, { javaScriptEnabled: false });
  await checkRendering(still.page, still.events, 'without the script');
  expect(!(await still.page.locator('#filters').isVisible()),
    'without the script the filters stay hidden');
  await still.context.close();
} finally {
  await browser.close();
}
process.exit(failures.length ? 1 : 0);
