// Browser test of the page served by `gpu-advisor serve`: npm playwright-core driving
// Debian's chromium. Fills the form, submits, checks the ranked table, both charts, the
// make-it-fit table and the shareable URL, restores a scenario from its URL, shows a field
// error, and saves a screenshot.
//
// Environment: GPUADV_CLI (the binary), GPUADV_SCREENSHOT (PNG path), CHROMIUM (default
// /usr/bin/chromium). Exit 0 pass, 1 fail, 77 skipped (no chromium or playwright-core).
import {spawn, spawnSync} from 'node:child_process';
import fs from 'node:fs';
import {createRequire} from 'node:module';
import os from 'node:os';
import path from 'node:path';
import {fileURLToPath} from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const webDir = path.resolve(here, '../../web');
const cli = process.env.GPUADV_CLI || path.resolve(here, '../../build/gpu-advisor');
const screenshot = process.env.GPUADV_SCREENSHOT || path.join(os.tmpdir(), 'gpu-advisor-web.png');
const chromiumPath = process.env.CHROMIUM || '/usr/bin/chromium';

function skip(why) {
  console.log(`SKIP: ${why}`);
  process.exit(77);
}
if (!fs.existsSync(chromiumPath)) skip(`${chromiumPath} not installed (scripts/setup.sh installs chromium)`);
let chromium;
try {
  ({chromium} = createRequire(path.join(webDir, 'package.json'))('playwright-core'));
} catch (e) {
  skip('web/node_modules/playwright-core missing (scripts/setup.sh runs npm ci in web/)');
}

let checks = 0;
function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
  checks++;
  console.log(`ok ${checks} - ${what}`);
}

// The scenario keys the CLI has named flags for (tools/cli/main.cc); the rest go as --set.
const FLAG_OF = {'model': '--model', 'training.method': '--method', 'training.precision': '--precision',
                 'training.micro_batch': '--micro-batch', 'training.seq_len': '--seq-len',
                 'training.tokens': '--tokens', 'hardware.gpu': '--gpu', 'hardware.count': '--count',
                 'constraints.budget_usd': '--budget', 'constraints.acquire': '--acquire',
                 'objective': '--objective', 'system.psu_watts': '--psu-watts'};

function flatten(o, prefix = '') {
  return Object.entries(o).flatMap(([k, v]) =>
    v !== null && typeof v === 'object' ? flatten(v, prefix + k + '.') : [[prefix + k, v]]);
}
function toYaml(o, indent = '') {
  return Object.entries(o).map(([k, v]) => v !== null && typeof v === 'object'
    ? `${indent}${k}:\n${toYaml(v, indent + '  ')}` : `${indent}${k}: ${v}`).join('\n') + '\n';
}
function cliJson(args) {
  const r = spawnSync(cli, ['--format', 'json', ...args], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`gpu-advisor ${args.join(' ')}: exit ${r.status}: ${r.stderr}`);
  return JSON.parse(r.stdout);
}

// Issue 12: the job the page estimates, asked as CLI flags, a YAML file, a JSON file and a
// raw API body, gives the same JSON, figure for figure.
async function sameAnswerEverywhere(context, base) {
  const page = await context.newPage();
  const sent = page.waitForRequest((r) => r.url().endsWith('/api/estimate') && r.method() === 'POST');
  const answered = page.waitForResponse((r) => r.url().endsWith('/api/estimate'));
  await page.goto(base + '/?model=mistral-7b&method=qlora&gpu=rtx-4060&seq=4096&batch=2');
  const body = (await sent).postData();
  const web = await (await answered).json();
  await waitDone(page);
  await page.close();
  const scenario = JSON.parse(body);
  check(scenario.model === 'mistral-7b' && scenario.hardware.gpu === 'rtx-4060', 'the page sends the form as a scenario');
  const api = await (await fetch(base + '/api/estimate', {method: 'POST', body,
                                                           headers: {'Content-Type': 'application/json'}})).json();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-advisor-same-'));
  fs.writeFileSync(path.join(dir, 'job.json'), body);
  fs.writeFileSync(path.join(dir, 'job.yaml'), toYaml(scenario));
  const flags = flatten(scenario).flatMap(([k, v]) => FLAG_OF[k] ? [FLAG_OF[k], String(v)] : ['--set', `${k}=${v}`]);
  const answers = {
    'API body': api,
    'JSON file': cliJson(['estimate', path.join(dir, 'job.json')]),
    'YAML file': cliJson(['estimate', path.join(dir, 'job.yaml')]),
    'CLI flags': cliJson(['estimate', ...flags]),
  };
  fs.rmSync(dir, {recursive: true, force: true});
  const want = JSON.stringify(web);
  check(web.resolved.optimizer === 'paged-adamw' && web.resolved.activation_checkpointing === 'full',
        'qlora resolves to its stack defaults (paged AdamW, full checkpointing)');
  for (const [how, got] of Object.entries(answers))
    check(JSON.stringify(got) === want, `${how} gives the page's JSON figure for figure (${flags.join(' ')})`);
}

// Starts `serve --port 0` and resolves with its base URL (the address it prints).
function startServer() {
  return new Promise((resolve, reject) => {
    const proc = spawn(cli, ['serve', '--host', '127.0.0.1', '--port', '0'], {stdio: ['ignore', 'pipe', 'pipe']});
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start: ${out}`)), 15000);
    proc.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/127\.0\.0\.1:\d+)\//);
      if (m) {
        clearTimeout(timer);
        resolve({proc, base: m[1]});
      }
    });
    proc.stderr.on('data', (d) => process.stderr.write(d));
    proc.on('exit', (code) => reject(new Error(`server exited with ${code}: ${out}`)));
  });
}

const waitDone = (page) =>
  page.waitForSelector('body[data-state="done"], body[data-state="error"]', {timeout: 90000});

async function main() {
  const {proc, base} = await startServer();
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-advisor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1280, height: 900},
  });
  const problems = [];
  try {
    const page = await context.newPage();
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      // The bad-input step expects its 400; anything else logged as an error is a problem.
      if (m.type() === 'error' && !m.text().includes('status of 400')) problems.push(`console: ${m.text()}`);
    });
    page.on('request', (r) => {
      const u = new URL(r.url());
      if (!['http:', 'data:'].includes(u.protocol) || (u.protocol === 'http:' && u.origin !== base))
        problems.push(`request off the server: ${r.url()}`);
    });

    // 1. The form, filled as a user would.
    await page.goto(base + '/');
    await page.waitForSelector('body[data-state="ready"]');
    check(await page.locator('#model-list option').count() >= 30, 'model search lists the catalog');
    check(await page.locator('#gpu option').count() >= 50, 'GPU list has the catalog plus "recommend for me"');
    await page.fill('#model', 'llama-3.1-8b');
    check((await page.textContent('#model-info')).includes('parameters'), 'model search describes the pick');
    await page.selectOption('#method', 'full');
    await page.selectOption('#precision', 'bf16-mixed');
    await page.fill('#micro_batch', '1');
    await page.fill('#seq_len', '2048');
    await page.selectOption('#gpu', 'rtx-4090');
    await page.fill('#budget', '400000');
    await page.fill('#psu', '850');
    await page.fill('#slots', '2');
    await page.selectOption('#cooling', 'air');
    await page.click('#submit');
    await waitDone(page);
    check(await page.evaluate(() => document.body.dataset.state) === 'done', 'submit renders results');

    // 2. Ranked table with reasons.
    const rows = page.locator('#ranking tbody tr.pick');
    check(await rows.count() >= 3, 'ranked table has picks');
    check((await rows.first().locator('td').first().textContent()).trim() === '1', 'first row is rank 1');
    check((await rows.first().locator('details summary').textContent()).length > 5, 'each pick says why');
    check((await rows.first().locator('td.layout').textContent()).length >= 1, 'each pick shows its layout');

    // 3. Memory bar against capacity, with the range; time-vs-cost scatter with the front.
    const mem = await page.evaluate(() => {
      const c = Chart.getChart(document.querySelector('#memory-chart'));
      const o = c.options.plugins.capacity;
      return {sets: c.data.datasets.length, total: c.data.datasets.reduce((s, d) => s + d.data[0], 0),
              capacity: o.capacity, low: o.low, high: o.high};
    });
    check(mem.sets === 7, 'memory bar has the seven breakdown parts');
    check(Math.abs(mem.capacity - 24) < 0.5, 'memory bar marks the RTX 4090 capacity (24 GB)');
    check(mem.low < mem.total && mem.total < mem.high, 'memory bar carries the uncertainty range');
    check(mem.total > mem.capacity, 'full fine-tune of 8B does not fit 24 GB');
    check((await page.textContent('#memory-caption')).includes('does not fit'), 'memory caption says it does not fit');
    const scatter = await page.evaluate(() => {
      const c = Chart.getChart(document.querySelector('#scatter-chart'));
      return Object.fromEntries(c.data.datasets.map((d) => [d.label, d.data.length]));
    });
    check(scatter['Pareto front'] >= 1, 'scatter draws the Pareto front');
    check(scatter.buy + scatter.rent >= 3, 'scatter plots the ranked configurations');

    // 4. Warnings and make-it-fit.
    check(await page.isVisible('#warnings-section'), 'compatibility warnings are shown');
    check(await page.locator('#fit-table tbody tr').count() >= 1, 'make-it-fit suggestions are listed');
    check((await page.textContent('#fit-table tbody')).includes('->'), 'suggestions name the knob changes');

    // 5. Shareable URL, and a new tab restoring the scenario from it.
    const url = page.url();
    const q = new URL(url).searchParams;
    check(q.get('model') === 'llama-3.1-8b' && q.get('method') === 'full' && q.get('gpu') === 'rtx-4090' &&
          q.get('budget') === '400000' && q.get('cooling') === 'air', 'URL holds the scenario');
    check(await page.inputValue('#share-url') === url, 'share box holds the URL');
    await page.screenshot({path: screenshot, fullPage: true});
    check(fs.statSync(screenshot).size > 10000, `screenshot saved to ${screenshot}`);

    const page2 = await context.newPage();
    await page2.goto(url);
    await waitDone(page2);
    check(await page2.inputValue('#method') === 'full' && await page2.inputValue('#gpu') === 'rtx-4090' &&
          await page2.inputValue('#slots') === '2', 'shared URL restores the form');
    check(await page2.locator('#ranking tbody tr.pick').count() >= 3, 'shared URL restores the results');
    await page2.close();

    // 6. "Recommend for me", then a row click moves the memory bar to that pick.
    await page.selectOption('#method', 'qlora');
    await page.selectOption('#gpu', '');
    await page.click('#submit');
    await waitDone(page);
    check((await page.textContent('#memory-caption')).startsWith('#1'), 'recommend mode charts the top pick');
    check(await page.isHidden('#fit-section'), 'no make-it-fit without a chosen GPU');
    await page.locator('#ranking tbody tr.pick').nth(1).locator('td').nth(1).click();
    check((await page.textContent('#memory-caption')).startsWith('#2'), 'clicking a pick charts its memory');

    // 7. A bad value is reported on its field.
    await page.fill('#seq_len', '0');
    await page.click('#submit');
    await waitDone(page);
    check(await page.isVisible('#status'), 'error box is shown');
    check((await page.textContent('#status')).includes('training.seq_len'), 'error names the field');
    check(await page.getAttribute('#seq_len', 'aria-invalid') === 'true', 'the field is marked invalid');

    // 8. One question, one answer across the five front ends.
    await sameAnswerEverywhere(context, base);

    check(problems.length === 0, `no page errors or off-server requests${problems.length ? ': ' + problems.join('; ') : ''}`);
  } finally {
    await context.close();
    proc.kill('SIGTERM');
    fs.rmSync(profile, {recursive: true, force: true});
  }
  console.log(`browser test: ${checks} checks passed`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
