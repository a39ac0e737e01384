// Browser test of the page served by `gpu-advisor serve` (issue 14): npm playwright-core
// driving Debian's chromium at desktop (1440x900) and phone (390x844) sizes, as a user
// would: QLoRA 8B on a budget, 70B full fine-tune planned on 8x H100, pretraining on 64 H100
// with a deadline, an SDXL LoRA (images/s), compare 2x RTX 3090 vs 1x RTX 4090, Apply on a
// make-it-fit row, bad input in every field, the share URL round trip and the JSON/CSV
// downloads. Fails on any console error, horizontal scroll on the phone or blank chart
// canvas; saves a screenshot of each state.
//
// Environment: GPUADV_CLI (the binary), GPUADV_SCREENSHOT (PNG path), GPUADV_ARTIFACTS
// (screenshot folder), CHROMIUM (default /usr/bin/chromium). Exit 0 pass, 1 fail, 77
// skipped (no chromium or playwright-core).
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
const artifacts = process.env.GPUADV_ARTIFACTS || path.join(os.tmpdir(), 'gpu-advisor-web-artifacts');
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
  return checkSame(body, web, base);
}

async function checkSame(body, web, base) {
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
function startServer(extra = []) {
  return new Promise((resolve, reject) => {
    const proc = spawn(cli, ['serve', '--host', '127.0.0.1', '--port', '0', ...extra], {stdio: ['ignore', 'pipe', 'pipe']});
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

// A recalculation finished (results or an error) and the selection's make-it-fit with it.
async function waitDone(page) {
  await page.waitForSelector('body[data-state="done"], body[data-state="error"]', {timeout: 90000});
  await page.waitForSelector('body:not([data-fit="busy"])', {timeout: 90000});
}
const text = (page, sel) => page.textContent(sel).then((t) => t.trim());

// Every chart canvas on screen has drawn something (no blank boxes).
async function chartsDrawn(page, what) {
  const blank = await page.evaluate(() => [...document.querySelectorAll('canvas')]
      .filter((c) => c.offsetParent !== null)
      .filter((c) => {
        const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
        for (let i = 3; i < d.length; i += 4) if (d[i] !== 0) return false;
        return true;
      }).map((c) => c.id));
  check(blank.length === 0, `${what}: no chart canvas left blank${blank.length ? ' (' + blank.join(', ') + ')' : ''}`);
}

// WCAG contrast of every visible text against its background: at least 4.5:1.
async function contrast(page, what) {
  const low = await page.evaluate(() => {
    const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
    const lum = ([r, g, b]) => [r, g, b].map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    }).reduce((a, v, i) => a + v * [0.2126, 0.7152, 0.0722][i], 0);
    const background = (e) => {
      for (; e; e = e.parentElement) {
        const c = rgb(getComputedStyle(e).backgroundColor);
        if (c.length === 3 || c[3] > 0) return c;
      }
      return [255, 255, 255];
    };
    const out = [];
    for (const e of document.querySelectorAll('body *')) {
      if (e.offsetParent === null || ![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
      const a = lum(rgb(getComputedStyle(e).color)), b = lum(background(e));
      const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
      if (ratio < 4.5) out.push(`${e.tagName}#${e.id}.${e.className} ${ratio.toFixed(2)}`);
    }
    return out;
  });
  check(low.length === 0, `${what}: text contrast at least 4.5:1${low.length ? ' (' + low.slice(0, 5).join('; ') + ')' : ''}`);
}

async function shot(page, name) {
  fs.mkdirSync(artifacts, {recursive: true});
  await page.screenshot({path: path.join(artifacts, name + '.png'), fullPage: true});
}

// Results on screen are fresh: nothing marked stale, no error.
async function fresh(page, what) {
  check(await page.evaluate(() => !document.querySelector('#results').classList.contains('stale') &&
                                   document.querySelector('#results .stale') === null) &&
        await page.isHidden('#stale-note') && await page.isHidden('#status'), `${what}: results are current`);
}

async function open(page, base, query, name) {
  await page.goto(base + '/?' + query);
  await waitDone(page);
  check(await page.evaluate(() => document.body.dataset.state) === 'done', `${name}: renders results`);
  await fresh(page, name);
  await chartsDrawn(page, name);
  await contrast(page, name);
  await shot(page, name);
}

async function qloraOnBudget(page, base, tag) {
  await open(page, base, 'model=llama-3.1-8b&method=qlora&budget=2000', `${tag}-qlora-8b-budget`);
  const rows = page.locator('#ranking tbody tr.pick');
  check(await rows.count() >= 3, 'QLoRA 8B on $2,000: GPUs are ranked');
  const costs = await page.$$eval('#ranking tbody tr.pick td:nth-child(6)', (t) => t.map((x) => x.textContent));
  check(costs.every((c) => Number(c.replace(/[$,]/g, '')) <= 2000), 'every pick costs at most the budget');
  check((await text(page, '#summary-title')).includes('#1'), 'the top pick is selected');
  check(await rows.first().getAttribute('aria-selected') === 'true', 'the selected row has aria-selected');
  await rows.nth(1).locator('td').nth(1).click();
  await waitDone(page);
  const second = (await rows.nth(1).locator('td').nth(1).textContent()).trim();
  check((await text(page, '#summary-title')).includes(second) && (await text(page, '#memory-caption')).includes(second),
        'a row drives the summary and the memory bar together');
  check(await rows.nth(1).getAttribute('aria-selected') === 'true' &&
        await rows.first().getAttribute('aria-selected') === 'false', 'aria-selected follows the selection');
  check(await page.locator('#memory-table tbody tr').count() >= 7, 'the memory chart has its table of numbers');
  await clickScatterPoint(page);
}

// A point of the time-vs-cost scatter selects its configuration. The point is found after the
// chart is scrolled into view and has settled at its canvas size (a late layout change, such
// as make-it-fit rendering, resizes a responsive chart on a busy machine), and it is one that
// Chart.js's own hit test at its centre returns alone and nothing covers on screen, so the
// click cannot land on a neighbour or an overlay. Chart.js runs onClick on the next frame,
// so the check waits for the selection to change.
async function clickScatterPoint(page) {
  const now = await text(page, '#summary-title');
  await page.locator('#scatter-chart').scrollIntoViewIfNeeded();
  const pt = await page.evaluate(async (now) => {
    const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
    const canvas = document.querySelector('#scatter-chart');
    let last = '';
    for (let i = 0; i < 50; i++) {
      await frame();
      const c = Chart.getChart(canvas);
      if (c.width !== canvas.clientWidth || c.height !== canvas.clientHeight) c.resize();
      const size = `${c.width}x${c.height}`;
      if (size === last) break;
      last = size;
    }
    const c = Chart.getChart(canvas);
    const box = canvas.getBoundingClientRect();
    for (const set of [1, 2]) {
      const points = c.data.datasets[set].data;
      for (let i = 0; i < points.length; i++) {
        const el = c.getDatasetMeta(set).data[i];
        if (now.includes(points[i].label.split(' ')[0] + ' ') || !el) continue;
        const at = {type: 'click', x: el.x, y: el.y, native: null};
        const hits = c.getElementsAtEventForMode(at, 'nearest', {intersect: true}, false)
                         .filter((h) => h.datasetIndex > 0);
        const x = box.left + el.x, y = box.top + el.y;
        if (hits.length === 1 && hits[0].datasetIndex === set && hits[0].index === i &&
            document.elementFromPoint(x, y) === canvas)
          return {x, y, label: points[i].label};
      }
    }
    return null;
  }, now);
  check(pt !== null, 'the scatter has a point to click');
  await page.mouse.click(pt.x, pt.y);
  // Chart.js hands events to onClick on the next animation frame: wait for the selection to
  // change (or give up after 10 s and let the check below say what the summary shows).
  await page.waitForFunction((before) => document.querySelector('#summary-title').textContent.trim() !== before,
                             now, {timeout: 10000}).catch(() => {});
  await waitDone(page);
  const rank = pt.label.split(' ')[0];
  const title = await text(page, '#summary-title');
  check(title.includes(rank + ' '), `clicking the scatter point ${pt.label} selects it (summary: ${title})`);
}

async function seventyBPlan(page, base, tag) {
  await open(page, base, 'model=llama-3.1-70b&method=full&gpu=h100-sxm&count=8&plan=1', `${tag}-70b-full-plan-8xh100`);
  check(await text(page, '#summary .card:nth-child(2) .value') === 'fits', '70B full fine-tune fits 8x H100 via the plan');
  check((await text(page, '#resolved')).includes('planner'), '"as estimated" shows the planner\'s layout');
  check(await page.locator('#plan-table tbody tr.pick').count() >= 1, 'the plan lists layouts');
  check(await page.locator('#plan-table tbody tr').first().getAttribute('aria-selected') === 'true', 'the first plan is chosen');
  check(await page.locator('#step-table tbody tr').count() >= 4, 'the chosen plan\'s step breakdown is shown');
  check(await page.locator('#export-buttons button.engine').count() >= 3, 'the plan has an export button per engine');
  // 70B full fine-tune on 8 GPUs launches with ZeRO-3 + offload (DeepSpeed, accelerate FSDP);
  // Megatron has no layout for it, and the page would show the server's reason.
  for (const engine of ['accelerate-fsdp', 'deepspeed']) {
    await page.click(`#export-buttons button.engine:text-is("${engine}")`);
    await page.waitForSelector(`body[data-export="${engine}"]`, {timeout: 60000});
    const files = await page.$$eval('#export-out pre', (p) => p.map((x) => x.textContent));
    check(files.length >= 1 && files.every((f) => f.length > 20), `${engine}: the config text is shown to copy`);
    check(await page.locator('#export-out button.copy').count() === files.length, `${engine}: each text has a Copy button`);
  }
  const ds = await page.$$eval('#export-out pre', (p) => p.map((x) => x.textContent).join('\n'));
  check(/"stage": 3/.test(ds) && (await text(page, '#export-out')).includes('tp1 pp1 dp8 zero3'),
        'the DeepSpeed config carries its layout (ZeRO-3 on 8 GPUs)');
  await shot(page, `${tag}-export`);
}

async function pretrainDeadline(page, base, tag) {
  const sent = page.waitForRequest((r) => r.url().includes('/api/recommend'));
  await open(page, base, 'model=llama-3.1-8b&method=pretrain&gpu=h100-sxm&count=8&nodes=8&tokens=2e11&deadline=720',
             `${tag}-pretrain-64xh100-deadline`);
  const body = JSON.parse((await sent).postData());
  check(body.constraints.deadline_hours === 720 && body.hardware.nodes === 8, 'pretraining on 64 H100 sends the deadline');
  check((await text(page, '#summary-title')).includes('64x'), 'the estimate is for 64 GPUs');
  check((await text(page, '#summary')).includes('Training time'), 'pretraining reports its time');
}

async function sdxlLora(page, base, tag) {
  await open(page, base, 'model=sdxl&method=lora&gpu=rtx-4090&res=1024&images=5000&cachelat=1&ema=1', `${tag}-sdxl-lora`);
  check(await page.isVisible('#fs-diffusion') && await page.isHidden('#seq_len'), 'SDXL gets image inputs, not a sequence length');
  check((await text(page, '#summary')).includes('Images/s'), 'SDXL reports images/s');
  check(await page.isChecked('#ema') && (await text(page, '#resolved')).includes('EMA copy'),
        'the EMA switch is an input and the estimate says it kept the EMA copy');
  check(await text(page, 'label[for="micro_batch"]') === 'Images per batch', 'the batch is counted in images');
}

// A LoRA base loaded in fp32 (training.lora.base_dtype): the choice comes from /api/schema and
// "as estimated" says which base the estimate held.
async function loraFp32Base(page, base, tag) {
  await open(page, base, 'model=llama-3.2-1b&method=lora&gpu=l40s', `${tag}-lora-base-default`);
  check((await text(page, '#resolved')).includes('LoRA base weights'), '"as estimated" names the LoRA base');
  const before = await text(page, '#resolved');
  await page.selectOption('#lora_base', 'fp32');
  await waitDone(page);
  await fresh(page, 'LoRA base fp32');
  const after = await text(page, '#resolved');
  check(!before.includes('fp32') && after.includes('fp32'), `the LoRA base follows the form (${after.slice(0, 200)})`);
  await shot(page, `${tag}-lora-base-fp32`);
}

async function compareGpus(page, base, tag) {
  await open(page, base, 'model=llama-3.1-8b&method=qlora&cmp=' + encodeURIComponent('2x rtx-3090, rtx-4090'),
             `${tag}-compare-3090-4090`);
  check(await page.locator('#compare-cards article').count() === 2, 'compare shows 2x RTX 3090 beside 1x RTX 4090');
  check((await text(page, '#compare-caption')).includes('wins'), 'compare names the winner');
}

async function applyFit(page, base, tag) {
  await open(page, base, 'model=llama-3.1-8b&method=full&gpu=rtx-4090', `${tag}-fit-before`);
  check(await text(page, '#summary .card:nth-child(2) .value') === 'does not fit', 'full fine-tune of 8B does not fit a 4090');
  check(await page.locator('#fit-table tbody button.apply').count() >= 1, 'make-it-fit rows have Apply');
  await page.locator('#fit-table tbody button.apply').first().click();
  await waitDone(page);
  await fresh(page, 'after Apply');
  check(await text(page, '#summary .card:nth-child(2) .value') !== 'does not fit', 'Apply makes it fit');
  check(new URL(page.url()).searchParams.toString() !== 'model=llama-3.1-8b&method=full&gpu=rtx-4090', 'Apply changes the inputs');
  await shot(page, `${tag}-fit-applied`);
}

// Bad input in every typed field: the error at the field, in its label's words, and the
// results marked out of date; the good value back makes them current again.
const BAD = {micro_batch: 'abc', global_batch: '1.5', seq_len: '0', tokens: '0x10', lora_rank: '-3', count: '1025',
             nodes: 'x', budget: '1e99', deadline: 'soon', tp: '0', pp: 'two', psu: '10', slots: '65',
             electricity: '-1', months: '999', hours: '1000', plan_gpus: '0', model: 'no-such-model',
             compare: 'rtx-4090'};
async function badInputEverywhere(page, base, tag) {
  await open(page, base, 'model=llama-3.1-8b&method=qlora&gpu=rtx-4090', `${tag}-bad-input-start`);
  for (const [id, bad] of Object.entries(BAD)) {
    const good = await page.inputValue('#' + id);
    await page.fill('#' + id, bad);
    await waitDone(page);
    const label = await text(page, `label[for="${id}"]`);
    const msg = await text(page, `#${id}-error`);
    check(msg.startsWith(label + ':') && msg.includes(`'${bad}'`) && msg.includes('Accepted'),
          `${id} = '${bad}': "${msg}"`);
    check(await page.getAttribute('#' + id, 'aria-invalid') === 'true', `${id} is marked invalid`);
    check(await page.evaluate(() => document.querySelector('#results').classList.contains('stale')) &&
          await page.isVisible('#stale-note'), `${id}: old results are marked out of date`);
    if (id === 'micro_batch') {
      await contrast(page, 'an error and stale results');
      await shot(page, `${tag}-bad-input`);
    }
    await page.fill('#' + id, good);
    await waitDone(page);
    await fresh(page, `${id} restored`);
  }
}

async function shareAndDownload(page, base, tag) {
  await open(page, base, 'model=llama-3.1-70b&method=full&gpu=h100-sxm&count=8&plan=1&cmp=' +
             encodeURIComponent('h100-sxm, a100-80gb-sxm'), `${tag}-share`);
  await page.locator('#plan-table tbody tr.pick').nth(1).click();
  await page.locator('#ranking tbody tr.pick').nth(2).locator('td').nth(1).click();
  await waitDone(page);
  const url = await page.inputValue('#share-url');
  check(url === page.url() && url.includes('sel=2') && url.includes('planrow=1'),
        'the share URL holds the inputs and the selected rows');
  const page2 = await page.context().newPage();
  page2.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  await page2.goto(url);
  await waitDone(page2);
  check(await page2.isChecked('#plan_on') && await page2.inputValue('#compare') === 'h100-sxm, a100-80gb-sxm' &&
        await page2.inputValue('#count') === '8', 'the share URL restores every input incl. plan and compare');
  check(await text(page2, '#compare-caption') === await text(page, '#compare-caption') &&
        await page2.locator('#compare-cards article').count() === 2 && await page2.isVisible('#plan-section'),
        'the share URL restores the results');
  check(await page2.locator('#ranking tbody tr').nth(2).getAttribute('aria-selected') === 'true' &&
        await page2.locator('#plan-table tbody tr').nth(1).getAttribute('aria-selected') === 'true' &&
        await text(page2, '#summary-title') === await text(page, '#summary-title'),
        'the share URL restores the selected ranking row and plan');
  await page2.close();
  for (const [button, check1] of [['#download-json', (t) => JSON.parse(t).recommend.recommendations.length > 0],
                                  ['#download-csv', (t) => t.startsWith('rank,gpu,') && t.split('\n').length > 3]]) {
    const [dl] = await Promise.all([page.waitForEvent('download'), page.click(button)]);
    const file = await dl.path();
    check(check1(fs.readFileSync(file, 'utf8')), `${button} downloads the result (${dl.suggestedFilename()})`);
  }
}

// The phone viewport: no horizontal scroll, touch targets of 44 px, a tapped row's summary
// in view.
async function phone(browser, base) {
  const ctx = await browser.newContext({viewport: {width: 390, height: 844}, isMobile: true, hasTouch: true});
  const page = await ctx.newPage();
  watch(page);
  for (const run of [qloraOnBudget, seventyBPlan, sdxlLora, compareGpus]) {
    await run(page, base, 'phone');
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    check(wide <= 390, `phone: no horizontal scroll (${wide} px wide)`);
  }
  await open(page, base, 'model=llama-3.1-8b&method=qlora', 'phone-tap');
  const small = await page.evaluate(() => [...document.querySelectorAll('button, input, select, tr.pick')]
      .filter((e) => e.offsetParent !== null && e.type !== 'checkbox')
      .filter((e) => e.getBoundingClientRect().height < 44).map((e) => e.id || e.tagName));
  check(small.length === 0, `phone: touch targets are at least 44 px${small.length ? ' (' + small.join(', ') + ')' : ''}`);
  await page.locator('#ranking tbody tr.pick').nth(2).tap();
  await waitDone(page);
  const top = await page.evaluate(() => document.querySelector('#summary-section').getBoundingClientRect().top);
  check(top >= -5 && top < 844, 'phone: a tapped row brings its summary into view');
  await shot(page, 'phone-tapped');
  await ctx.close();
}

// A build without npm ships a stub chart bundle: the page says so and shows every chart's
// numbers as tables, never an empty box (the stub served from a --web-root copy of web/).
async function withoutCharts(browser) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-advisor-nocharts-'));
  for (const f of ['index.html', 'app.js', 'style.css']) fs.copyFileSync(path.join(webDir, f), path.join(root, f));
  fs.mkdirSync(path.join(root, 'vendor'));
  fs.writeFileSync(path.join(root, 'vendor', 'chart.umd.min.js'), '// chart.js was not installed when gpu-advisor was built.\n');
  const {proc, base} = await startServer(['--web-root', root]);
  const ctx = await browser.newContext({viewport: {width: 1440, height: 900}});
  try {
    const page = await ctx.newPage();
    const before = base0;
    base0 = base;
    watch(page);
    await page.goto(base + '/?model=llama-3.1-8b&method=full&gpu=rtx-4090');
    await waitDone(page);
    base0 = before;
    check(await page.isVisible('#no-charts'), 'without the chart bundle the page says so');
    check(await page.isHidden('#memory-chart') && await page.isHidden('#scatter-chart'), 'and shows no empty chart boxes');
    check(await page.locator('#memory-table tbody tr').count() >= 7 && await page.locator('#scatter-table tbody tr').count() >= 3,
          'the charts\' numbers are tables instead');
    await shot(page, 'desktop-without-charts');
  } finally {
    await ctx.close();
    proc.kill('SIGTERM');
    fs.rmSync(root, {recursive: true, force: true});
  }
}

const problems = [];
let base0 = '';
function watch(page) {
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('console', (m) => { if (m.type() === 'error') problems.push(`console: ${m.text()}`); });
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (!['http:', 'data:', 'blob:'].includes(u.protocol) || (u.protocol === 'http:' && u.origin !== base0))
      problems.push(`request off the server: ${r.url()}`);
  });
}

async function main() {
  const {proc, base} = await startServer();
  base0 = base;
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'gpu-advisor-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: chromiumPath,
    headless: true,
    acceptDownloads: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    viewport: {width: 1440, height: 900},
  });
  try {
    const page = await context.newPage();
    watch(page);
    await page.goto(base + '/');
    await page.waitForSelector('body[data-state="ready"]');
    check(await page.locator('#model-list option').count() >= 30, 'model search lists the catalog');
    check(await page.locator('#method option').count() >= 5, 'choices come from /api/schema');
    await page.fill('#model', 'meta-llama/Llama-3.1-8B');
    check((await text(page, '#model-info')).includes('parameters'), 'a Hugging Face name of a catalog model is recognised');
    for (const run of [qloraOnBudget, seventyBPlan, pretrainDeadline, sdxlLora, loraFp32Base, compareGpus, applyFit,
                       badInputEverywhere, shareAndDownload]) {
      await run(page, base, 'desktop');
    }
    await page.screenshot({path: screenshot, fullPage: true});
    await sameAnswerEverywhere(context, base);
    await phone(context.browser() || context, base);
    await withoutCharts(context.browser() || context);
    check(problems.length === 0, `no console errors, page errors or off-server requests${problems.length ? ': ' + problems.join('; ') : ''}`);
  } finally {
    await context.close();
    proc.kill('SIGTERM');
    fs.rmSync(profile, {recursive: true, force: true});
  }
  console.log(`browser test: ${checks} checks passed; screenshots in ${artifacts}`);
}

main().catch((e) => {
  console.error(e.stack || String(e));
  process.exit(1);
});
