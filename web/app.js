// gpu-advisor web page: a scenario form over the JSON API of `gpu-advisor serve`.
// Everything it shows comes from POST /api/recommend, /api/estimate and /api/fit, the same
// functions the CLI calls. No network access beyond this server; charts from the bundled
// Chart.js (vendor/chart.umd.min.js).
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const GiB = 1024 ** 3;  // memory is shown in GiB, labelled GiB (GPU capacities are GiB-sized)

  // Form fields <-> scenario keys <-> URL parameters. One table serves building the request,
  // restoring from the URL and pointing errors at the field they name.
  const FIELDS = [
    {id: 'model', key: 'model', param: 'model', kind: 'text'},
    {id: 'method', key: 'training.method', param: 'method', kind: 'text'},
    {id: 'precision', key: 'training.precision', param: 'precision', kind: 'text'},
    {id: 'micro_batch', key: 'training.micro_batch', param: 'batch', kind: 'int'},
    {id: 'seq_len', key: 'training.seq_len', param: 'seq', kind: 'int'},
    {id: 'tokens', key: 'training.tokens', param: 'tokens', kind: 'number'},
    {id: 'gpu', key: 'hardware.gpu', param: 'gpu', kind: 'text'},
    {id: 'count', key: 'hardware.count', param: 'count', kind: 'int'},
    {id: 'budget', key: 'constraints.budget_usd', param: 'budget', kind: 'number'},
    {id: 'acquire', key: 'constraints.acquire', param: 'acquire', kind: 'text'},
    {id: 'objective', key: 'objective', param: 'objective', kind: 'text'},
    {id: 'psu', key: 'system.psu_watts', param: 'psu', kind: 'number'},
    {id: 'slots', key: 'system.gpu_slots', param: 'slots', kind: 'int'},
    {id: 'cooling', key: 'system.cooling', param: 'cooling', kind: 'text'},
  ];
  const DEFAULTS = {model: 'llama-3.1-8b'};

  const charts = {memory: null, scatter: null};
  let models = [];
  let lastRecommend = null;

  // ---- formatting -------------------------------------------------------------------------
  const gb = (bytes) => (bytes == null ? 'unknown' : (bytes / GiB).toFixed(1) + ' GiB');
  const usd = (v) => {
    if (v == null || !isFinite(v)) return 'unknown';
    if (v >= 100) return '$' + Math.round(v).toLocaleString('en-US');
    return '$' + v.toFixed(2);
  };
  const duration = (s) => {
    if (s == null || !isFinite(s)) return 'unknown';
    if (s < 120) return s.toFixed(1) + ' s';
    if (s < 7200) return (s / 60).toFixed(0) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' days';
  };
  const pct = (f) => (f == null ? 'unknown' : Math.round(f * 100) + '%');
  const fitLabel = (fit) => ({'fits': 'fits', 'tight': 'tight', 'does_not_fit': 'does not fit'}[fit] || fit);

  function el(tag, attrs = {}, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) {
      if (k === 'class') e.className = v;
      else if (k === 'text') e.textContent = v;
      else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c);
    return e;
  }

  // ---- the scenario -----------------------------------------------------------------------
  function setKey(obj, dotted, value) {
    const parts = dotted.split('.');
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p] ??= {};
    o[parts[parts.length - 1]] = value;
  }

  // The form as a DESIGN.md scenario; blank optional fields are left to the engine.
  function readScenario() {
    const scenario = {};
    const state = {};
    for (const f of FIELDS) {
      const raw = $('#' + f.id).value.trim();
      if (raw === '') continue;
      state[f.param] = raw;
      let v = raw;
      if (f.kind === 'int' || f.kind === 'number') {
        v = Number(raw);
        if (!isFinite(v)) throw {field: f.key, message: `${f.key}: not a number '${raw}'`};
      }
      setKey(scenario, f.key, v);
    }
    return {scenario, state};
  }

  function restoreFromUrl() {
    const q = new URLSearchParams(location.search);
    let any = false;
    for (const f of FIELDS) {
      const v = q.get(f.param);
      if (v === null) continue;
      const input = $('#' + f.id);
      if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === v)) continue;
      input.value = v;
      any = true;
    }
    if (!$('#model').value) $('#model').value = DEFAULTS.model;
    return any && q.get('model') !== null;
  }

  function shareUrl(state) {
    const q = new URLSearchParams(state);
    const url = location.origin + location.pathname + '?' + q.toString();
    history.replaceState(null, '', url);
    $('#share-url').value = url;
  }

  // ---- API --------------------------------------------------------------------------------
  async function api(method, path, body) {
    const init = {method, headers: {}};
    if (body !== undefined) {
      init.headers['Content-Type'] = 'application/json';
      init.body = JSON.stringify(body);
    }
    const res = await fetch(path, init);
    let data = null;
    try {
      data = await res.json();
    } catch (e) {
      throw {message: `${path}: HTTP ${res.status} without a JSON body`};
    }
    if (!res.ok) throw data.error || {message: `${path}: HTTP ${res.status}`};
    return data;
  }

  // ---- status -----------------------------------------------------------------------------
  function showError(err) {
    const box = $('#status');
    box.hidden = false;
    box.className = 'error';
    box.textContent = err.message || String(err);
    for (const f of FIELDS) $('#' + f.id).removeAttribute('aria-invalid');
    if (err.field) {
      const f = FIELDS.find((x) => err.field === x.key || err.field.startsWith(x.key + '.'));
      if (f) {
        $('#' + f.id).setAttribute('aria-invalid', 'true');
        $('#' + f.id).focus();
      }
    }
  }
  function clearError() {
    $('#status').hidden = true;
    for (const f of FIELDS) $('#' + f.id).removeAttribute('aria-invalid');
  }

  // ---- results: summary cards -------------------------------------------------------------
  function card(label, value, cls = '') {
    return el('div', {class: 'card ' + cls}, el('span', {class: 'label', text: label}),
              el('span', {class: 'value', text: value}));
  }

  function renderSummary(title, est) {
    $('#summary-title').textContent = title;
    const m = est.memory, t = est.throughput, tr = est.training, c = est.cost;
    const box = $('#summary');
    box.replaceChildren(
        card('Memory per GPU', `${gb(m.per_gpu_bytes)} of ${gb(m.capacity_bytes)}`,
             'fit-' + m.fit),
        card('Verdict', fitLabel(m.fit), 'fit-' + m.fit),
        card('Tokens/s per GPU', t.tokens_per_s_per_gpu == null ? 'unknown'
                                     : Math.round(t.tokens_per_s_per_gpu).toLocaleString('en-US')),
        card('MFU', pct(t.mfu)),
        card('Bottleneck', t.bottleneck),
        card('Training time', duration(tr.time_s)),
        card('Rent', c.rent_usd == null ? 'no offer' : `${usd(c.rent_usd)} (${c.rent_offer})`),
        card('Buy', c.buy_usd == null ? 'no price' : usd(c.buy_usd)),
        card('Energy', tr.energy_kwh == null ? 'unknown' : tr.energy_kwh.toFixed(1) + ' kWh'));
  }

  // ---- results: memory bar against capacity, with the uncertainty range --------------------
  const PARTS = [
    ['weights', '#4e79a7'], ['gradients', '#f28e2b'], ['optimizer', '#e15759'],
    ['activations', '#76b7b2'], ['logits', '#59a14f'], ['runtime', '#edc948'],
    ['fragmentation', '#b07aa1'],
  ];

  // Draws the capacity line and the estimate's range over the stacked bar.
  const capacityPlugin = {
    id: 'capacity',
    afterDatasetsDraw(chart, _args, opts) {
      const {ctx, chartArea: area, scales: {x}} = chart;
      ctx.save();
      if (opts.low != null && opts.high != null) {
        const x0 = x.getPixelForValue(opts.low), x1 = x.getPixelForValue(opts.high);
        const y = (area.top + area.bottom) / 2;
        ctx.strokeStyle = '#222';
        ctx.lineWidth = 2;
        ctx.beginPath();
        ctx.moveTo(x0, y); ctx.lineTo(x1, y);
        ctx.moveTo(x0, y - 10); ctx.lineTo(x0, y + 10);
        ctx.moveTo(x1, y - 10); ctx.lineTo(x1, y + 10);
        ctx.stroke();
      }
      if (opts.capacity != null) {
        const cx = x.getPixelForValue(opts.capacity);
        ctx.strokeStyle = '#c00';
        ctx.lineWidth = 3;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(cx, area.top); ctx.lineTo(cx, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = '#c00';
        ctx.font = 'bold 12px system-ui, sans-serif';
        ctx.textAlign = cx > area.right - 80 ? 'right' : 'left';
        ctx.fillText('capacity ' + (opts.capacity).toFixed(1) + ' GiB',
                     cx + (ctx.textAlign === 'left' ? 4 : -4), area.top + 12);
      }
      ctx.restore();
    },
  };

  function renderMemory(label, est) {
    const m = est.memory;
    const b = m.breakdown_bytes || {};
    const [low, high] = m.range_bytes || [null, null];
    $('#memory-caption').textContent =
        `${label}: ${gb(m.per_gpu_bytes)} per GPU (likely ${gb(low)} to ${gb(high)}) on ` +
        `${gb(m.capacity_bytes)}: ${fitLabel(m.fit)}.`;
    const capacity = m.capacity_bytes / GiB;
    const max = Math.max(capacity, (high || m.per_gpu_bytes) / GiB) * 1.08;
    const data = {
      labels: [label],
      datasets: PARTS.map(([k, color]) => ({
        label: k, data: [(b[k] || 0) / GiB], backgroundColor: color, barThickness: 44,
      })),
    };
    const options = {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
      scales: {
        x: {stacked: true, min: 0, max, title: {display: true, text: 'GiB per GPU'}},
        y: {stacked: true, display: false},
      },
      plugins: {
        legend: {position: 'bottom'},
        tooltip: {callbacks: {label: (c) => `${c.dataset.label}: ${c.parsed.x.toFixed(2)} GiB`}},
        capacity: {capacity, low: low == null ? null : low / GiB, high: high == null ? null : high / GiB},
      },
    };
    if (!window.Chart) return;
    if (charts.memory) charts.memory.destroy();
    charts.memory = new Chart($('#memory-chart'), {type: 'bar', data, options, plugins: [capacityPlugin]});
  }

  // ---- results: warnings ------------------------------------------------------------------
  function renderWarnings(est, rec) {
    const items = [];
    for (const w of (est && est.warnings) || []) items.push(w);
    for (const p of (rec && rec.recommendations) || []) {
      const comp = p.compatibility;
      if (!comp || !comp.applies) continue;
      for (const i of comp.issues || []) {
        items.push(`${p.gpu}: ${i.message}` + (i.fix ? ` (fix: ${i.fix})` : ''));
      }
    }
    const unique = [...new Set(items)];
    $('#warnings').replaceChildren(...unique.map((t) => el('li', {text: t})));
    $('#warnings-section').hidden = unique.length === 0;
  }

  // ---- results: make it fit ---------------------------------------------------------------
  function renderFit(fit) {
    const section = $('#fit-section');
    if (!fit) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    $('#fit-caption').textContent = fit.already_fits
        ? `Already fits ${fit.gpu}; these changes would leave more headroom.`
        : `Does not fit ${fit.gpu} as configured. Changes that make it fit, fastest first:`;
    const rows = (fit.options || []).slice(0, 8).map((o, i) => el('tr', {},
        el('td', {text: String(i + 1)}),
        el('td', {}, el('ul', {class: 'changes'}, ...o.changes.map((c) =>
            el('li', {text: `${c.change} (${c.effect})` + (c.changes_job ? ' [changes the job]' : '')})))),
        el('td', {text: gb(o.per_gpu_bytes)}),
        el('td', {class: 'fit-' + o.fit, text: fitLabel(o.fit)}),
        el('td', {text: duration(o.time_s)}),
        el('td', {text: o.slowdown == null ? '' : (o.slowdown >= 0 ? '+' : '') + pct(o.slowdown)})));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', {colspan: '6', text: 'No combination of knobs makes it fit this GPU; try more GPUs or a larger card.'})));
    $('#fit-table tbody').replaceChildren(...rows);
  }

  // ---- results: ranking -------------------------------------------------------------------
  function pickLabel(p) {
    return `${p.count > 1 || p.nodes > 1 ? (p.nodes > 1 ? `${p.nodes}x` : '') + p.count + 'x ' : ''}${p.gpu}`;
  }

  function renderRanking(rec) {
    lastRecommend = rec;
    $('#ranking-caption').textContent =
        `Ranked by ${rec.objective}. ${rec.evaluated ? `${rec.evaluated.configurations} configurations evaluated, ${rec.evaluated.feasible} feasible.` : ''}`;
    const rows = rec.recommendations.map((p, i) => {
      const why = el('details', {}, el('summary', {text: (p.why && p.why[0]) || 'why'}),
                     el('ul', {}, ...(p.why || []).slice(1).map((w) => el('li', {text: w}))));
      const tr = el('tr', {'data-index': String(i), tabindex: '0', class: 'pick'},
          el('td', {text: String(p.rank)}),
          el('td', {text: pickLabel(p)}),
          el('td', {class: 'layout', text: p.estimate.resolved.layout}),
          el('td', {text: p.acquire === 'rent' ? `rent (${p.offer})` : 'buy'}),
          el('td', {text: duration(p.estimate.training.time_s)}),
          el('td', {text: usd(p.cost && p.cost.total_usd)}),
          el('td', {class: 'fit-' + p.estimate.memory.fit,
                    text: `${gb(p.estimate.memory.per_gpu_bytes)} / ${gb(p.estimate.memory.capacity_bytes)}`}),
          el('td', {text: p.score == null ? '' : p.score.toFixed(2)}),
          el('td', {}, why));
      const show = () => {
        renderMemory(`#${p.rank} ${pickLabel(p)}`, p.estimate);
        renderSummary(`Estimate: #${p.rank} ${pickLabel(p)}`, p.estimate);
        document.querySelectorAll('#ranking tr.selected').forEach((r) => r.classList.remove('selected'));
        tr.classList.add('selected');
      };
      tr.addEventListener('click', (e) => { if (e.target.tagName !== 'SUMMARY') show(); });
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter') show(); });
      return tr;
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', {colspan: '9', text: 'No GPU in the catalog meets the constraints; see the exclusions below.'})));
    $('#ranking tbody').replaceChildren(...rows);
    $('#excluded').replaceChildren(...(rec.excluded || []).map((x) => el('li', {text: `${x.gpu}: ${x.reason}`})));
    $('#advice').replaceChildren(...(rec.advice || []).map((a) => el('li', {text: a})));
  }

  // ---- results: time vs cost --------------------------------------------------------------
  // Log axes label only 1, 2 and 5 times a power of ten.
  const logTick = (v) => {
    const e = Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    const m = v / e;
    return [1, 2, 5].some((k) => Math.abs(m - k) < 1e-6);
  };

  function renderScatter(rec) {
    const point = (p) => ({
      x: p.estimate.training.time_s / 3600, y: p.cost && p.cost.total_usd,
      label: `#${p.rank} ${pickLabel(p)} (${p.acquire === 'rent' ? 'rent ' + p.offer : 'buy'})`,
    });
    const valid = (pt) => pt.x > 0 && pt.y > 0 && isFinite(pt.x) && isFinite(pt.y);
    const buy = rec.recommendations.filter((p) => p.acquire !== 'rent').map(point).filter(valid);
    const rent = rec.recommendations.filter((p) => p.acquire === 'rent').map(point).filter(valid);
    const front = (rec.pareto || [])
        .map((q) => ({x: q.time_s / 3600, y: q.cost_usd,
                      label: `${q.count > 1 ? q.count + 'x ' : ''}${q.gpu} (${q.acquire === 'rent' ? 'rent ' + q.offer : 'buy'})`}))
        .filter(valid).sort((a, b) => a.x - b.x);
    const data = {datasets: [
      {label: 'Pareto front', data: front, showLine: true, borderColor: '#222', backgroundColor: '#222',
       pointRadius: 3, borderWidth: 2, order: 0},
      {label: 'buy', data: buy, backgroundColor: '#4e79a7', pointRadius: 6, order: 1},
      {label: 'rent', data: rent, backgroundColor: '#f28e2b', pointRadius: 6, pointStyle: 'rectRot', order: 1},
    ]};
    const options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      scales: {
        x: {type: 'logarithmic', title: {display: true, text: 'training time (hours, log)'},
            ticks: {callback: (v) => (logTick(v) ? (v < 1 ? v.toFixed(1) : v.toLocaleString('en-US')) + ' h' : '')}},
        y: {type: 'logarithmic', title: {display: true, text: 'total cost (USD, log)'},
            ticks: {callback: (v) => (logTick(v) ? usd(v) : '')}},
      },
      plugins: {tooltip: {callbacks: {label: (c) => `${c.raw.label}: ${c.raw.x.toFixed(1)} h, ${usd(c.raw.y)}`}}},
    };
    if (!window.Chart) return;
    if (charts.scatter) charts.scatter.destroy();
    charts.scatter = new Chart($('#scatter-chart'), {type: 'scatter', data, options});
  }

  // ---- submit -----------------------------------------------------------------------------
  async function advise() {
    clearError();
    let input;
    try {
      input = readScenario();
    } catch (err) {
      showError(err);
      return;
    }
    const {scenario, state} = input;
    document.body.dataset.state = 'busy';
    $('#busy').hidden = false;
    $('#submit').disabled = true;
    try {
      const gpu = scenario.hardware && scenario.hardware.gpu;
      const recP = api('POST', '/api/recommend?top=15', scenario);
      const estP = gpu ? api('POST', '/api/estimate', scenario) : Promise.resolve(null);
      const [rec, est] = await Promise.all([recP, estP]);
      const fit = est && est.memory.fit !== 'fits' ? await api('POST', '/api/fit', scenario) : null;
      shareUrl(state);
      $('#results').hidden = false;
      renderRanking(rec);
      renderScatter(rec);
      const top = rec.recommendations[0];
      if (est) {
        renderSummary(`Estimate on ${est.gpus > 1 ? est.gpus + 'x ' : ''}${est.gpu.name}`, est);
        renderMemory(est.gpu.id, est);
      } else if (top) {
        renderSummary(`Estimate: #1 ${pickLabel(top)}`, top.estimate);
        renderMemory(`#1 ${pickLabel(top)}`, top.estimate);
        document.querySelector('#ranking tr.pick')?.classList.add('selected');
      }
      $('#summary-section').hidden = !(est || top);
      $('#memory-section').hidden = !(est || top);
      renderWarnings(est || (top && top.estimate), rec);
      renderFit(fit);
      document.body.dataset.state = 'done';
    } catch (err) {
      showError(err);
      document.body.dataset.state = 'error';
    } finally {
      $('#busy').hidden = true;
      $('#submit').disabled = false;
    }
  }

  // ---- catalog: model search and GPU list ----------------------------------------------------
  function describeModel() {
    const id = $('#model').value.trim().toLowerCase();
    const m = models.find((x) => x.id === id || (x.aliases || []).includes(id));
    $('#model-info').textContent = m
        ? `${m.name}: ${(m.params / 1e9).toFixed(m.params < 1e10 ? 2 : 0)}B parameters, ${m.kind}` +
          (m.moe ? ` (MoE, ${(m.active_params / 1e9).toFixed(1)}B active)` : '')
        : (id ? 'not in the catalog: the server will suggest the closest ids' : '');
  }

  async function loadCatalog() {
    const [m, g] = await Promise.all([api('GET', '/api/models'), api('GET', '/api/gpus')]);
    models = m.models;
    $('#model-list').replaceChildren(...models.map((x) =>
        el('option', {value: x.id, label: `${x.name} (${(x.params / 1e9).toFixed(1)}B)`})));
    const byVendor = {};
    for (const x of g.gpus) (byVendor[x.vendor] ??= []).push(x);
    const select = $('#gpu');
    for (const [vendor, list] of Object.entries(byVendor)) {
      const group = el('optgroup', {label: vendor});
      for (const x of list) {
        group.append(el('option', {value: x.id,
                                   text: `${x.name} (${x.memory_gb == null ? '?' : x.memory_gb} GiB)`}));
      }
      select.append(group);
    }
  }

  async function start() {
    $('#scenario').addEventListener('submit', (e) => {
      e.preventDefault();
      advise();
    });
    $('#model').addEventListener('input', describeModel);
    $('#copy').addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText($('#share-url').value);
        $('#copy').textContent = 'Copied';
      } catch (e) {
        $('#share-url').select();
      }
    });
    if (!window.Chart) {
      showError({message: 'Charts are unavailable: this build has no Chart.js bundle (run scripts/setup.sh, then rebuild).'});
    }
    try {
      await loadCatalog();
    } catch (err) {
      showError(err);
      return;
    }
    const restored = restoreFromUrl();
    describeModel();
    document.body.dataset.state = 'ready';
    if (restored) advise();
  }

  start();
})();
