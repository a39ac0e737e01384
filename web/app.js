// gpu-advisor web page: a live workspace over the JSON API of `gpu-advisor serve`.
// Every figure comes from POST /api/recommend, /api/estimate, /api/fit, /api/plan and
// /api/compare, the functions the CLI calls; the form's choices, limits and defaults come
// from GET /api/schema, the table the server checks against, so they cannot disagree.
// Charts from the bundled Chart.js (vendor/chart.umd.min.js); tables when it is missing.
'use strict';

(() => {
  const $ = (sel) => document.querySelector(sel);
  const GiB = 1024 ** 3;  // memory is shown in GiB, labelled GiB (project-wide unit)
  const DEBOUNCE_MS = 350;

  // Form fields <-> scenario keys <-> URL parameters: one table builds the request, restores
  // the share URL and puts errors at their field. `limit` names the schema limit (default:
  // key); `show` ties a field to llm | diffusion | adapter models; `option` fields are query
  // options of recommend, not scenario keys; `ui` fields are page state (plan, compare).
  const FIELDS = parseFields(`
    # id           scenario key                               param     kind    flags
    model          model                                      model     text
    method         training.method                            method    select
    precision      training.precision                         precision select
    optimizer      training.optimizer                         opt       select
    lora_rank      training.lora.rank                         rank      int     show=adapter
    lora_base      training.lora.base_dtype                   lorabase  select  show=adapter
    micro_batch    training.micro_batch                       batch     int
    global_batch   training.global_batch                      gbatch    int
    seq_len        training.seq_len                           seq       int     show=llm
    tokens         training.tokens                            tokens    number  show=llm
    resolution     training.diffusion.resolution              res       int     show=diffusion
    images         training.dataset.samples                   images    number  show=diffusion
    epochs         training.dataset.epochs                    epochs    number  show=diffusion
    cache_latents  training.diffusion.cache_latents           cachelat  bool    show=diffusion
    cache_text     training.diffusion.cache_text_embeddings   cachetext bool    show=diffusion
    train_te       training.diffusion.train_text_encoders     trainte   bool    show=diffusion
    ema            training.diffusion.ema                     ema       bool    show=diffusion
    gpu            hardware.gpu                               gpu       select
    count          hardware.count                             count     int
    nodes          hardware.nodes                             nodes     int
    budget         constraints.budget_usd                     budget    number
    deadline       constraints.deadline_hours                 deadline  number
    acquire        constraints.acquire                        acquire   select
    objective      objective                                  objective select
    framework      training.framework                         stack     select
    zero           parallelism.zero                           zero      int
    tp             parallelism.tp                             tp        int
    pp             parallelism.pp                             pp        int     limit=parallelism.tp
    checkpointing  training.activation_checkpointing          ckpt      select
    offload        parallelism.offload                        offload   select
    loss           training.loss                              loss      select
    psu            system.psu_watts                           psu       number
    slots          system.gpu_slots                           slots     int
    cooling        system.cooling                             cooling   select
    electricity    constraints.electricity_usd_per_kwh        kwh       number
    months         months                                     months    number  option
    hours          hours-per-month                            hours     number  option
    plan_on        plan                                       plan      bool    ui
    plan_gpus      plan.gpus                                  plangpus  int     limit=hardware.nodes ui
    compare        gpus                                       cmp       text    ui
  `);
  // One row of the table above: {id, key, param, kind, show?, limit?, option?, ui?}.
  function parseFields(text) {
    return text.split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#')).map((l) => {
      const [id, key, param, kind, ...flags] = l.split(/\s+/);
      const f = {id, key, param, kind};
      for (const flag of flags) {
        const [name, value] = flag.split('=');
        f[name] = value === undefined ? true : value;
      }
      return f;
    });
  }

  const FORM_DEFAULTS = {model: 'llama-3.1-8b', method: 'qlora', precision: 'bf16-mixed',
                         acquire: 'either', objective: 'value', framework: 'auto'};
  // Selects whose blank choice leaves the knob to the engine (planner, stack defaults).
  const BLANK_CHOICE = {optimizer: 'default', checkpointing: 'default', offload: 'auto',
                        loss: 'default', cooling: 'unknown', framework: null, lora_base: 'default'};
  const LABEL_OF_ENUM = {method: 'training.method', precision: 'training.precision',
                         optimizer: 'training.optimizer', checkpointing: 'training.activation_checkpointing',
                         framework: 'training.framework', offload: 'parallelism.offload',
                         loss: 'training.loss', lora_base: 'training.lora.base_dtype',
                         cooling: 'system.cooling',
                         acquire: 'constraints.acquire', objective: 'objective'};

  const state = {schema: null, models: [], gen: 0, fitGen: 0, input: null, data: null,
                 selection: null, fit: null, planIndex: 0, timer: null, restore: {}};
  const charts = {memory: null, scatter: null};

  // ---- formatting -------------------------------------------------------------------------
  const gb = (bytes) => (bytes == null ? 'unknown' : (bytes / GiB).toFixed(1) + ' GiB');
  const usd = (v) => {
    if (v == null || !isFinite(v)) return 'unknown';
    return v >= 100 ? '$' + Math.round(v).toLocaleString('en-US') : '$' + v.toFixed(2);
  };
  const duration = (s) => {
    if (s == null || !isFinite(s)) return 'unknown';
    if (s < 120) return s.toFixed(1) + ' s';
    if (s < 7200) return (s / 60).toFixed(0) + ' min';
    if (s < 172800) return (s / 3600).toFixed(1) + ' h';
    return (s / 86400).toFixed(1) + ' days';
  };
  const pct = (f) => (f == null ? 'unknown' : Math.round(f * 100) + '%');
  const num = (v, d = 0) => (v == null || !isFinite(v) ? 'unknown'
                                                        : v.toLocaleString('en-US', {maximumFractionDigits: d}));
  const fitLabel = (fit) => ({fits: 'fits', tight: 'tight', does_not_fit: 'does not fit'}[fit] || fit);

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
  const td = (text, cls = '') => el('td', cls ? {class: cls, text} : {text});

  // ---- schema: the form's choices and limits -------------------------------------------------
  const fieldOf = (id) => FIELDS.find((f) => f.id === id);
  const limitOf = (f) => state.schema.limits.find((l) => l.key === (f.limit || f.key)) ||
                         state.schema.options.find((l) => l.key === f.key) || null;
  const labelOf = (f) => $(`label[for="${f.id}"]`).textContent.trim();

  function fillSelect(id, choices) {
    const select = $('#' + id);
    const blank = BLANK_CHOICE[id];
    if (blank) select.append(el('option', {value: '', text: blank}));
    for (const c of choices) select.append(el('option', {value: c.name, text: c.name, title: c.help}));
  }

  function applySchema() {
    for (const [id, key] of Object.entries(LABEL_OF_ENUM)) fillSelect(id, state.schema.enums[key]);
    for (const f of FIELDS) {
      const l = f.kind === 'int' || f.kind === 'number' ? limitOf(f) : null;
      const input = $('#' + f.id);
      if (!l || input.tagName === 'SELECT') continue;
      input.setAttribute('inputmode', l.integer ? 'numeric' : 'decimal');
      if (l.default != null && !input.placeholder) input.placeholder = String(l.default);
      addErrorSlot(f);
    }
    for (const f of FIELDS) if (!$('#' + f.id + '-error')) addErrorSlot(f);
    // On/off knobs: their help from the server's vocabulary.
    for (const sw of state.schema.switches || []) {
      const f = FIELDS.find((x) => x.key === sw.key);
      if (f) $('#' + f.id).title = sw.help;
    }
  }

  function addErrorSlot(f) {
    if ($('#' + f.id + '-error')) return;
    const slot = el('small', {id: f.id + '-error', class: 'field-error', role: 'alert'});
    $('#' + f.id).closest('.field').append(slot);
    const described = $('#' + f.id).getAttribute('aria-describedby');
    $('#' + f.id).setAttribute('aria-describedby', (described ? described + ' ' : '') + slot.id);
  }

  // ---- model kind: which inputs apply ---------------------------------------------------------
  function findModel(text) {
    const id = text.trim().toLowerCase();
    return state.models.find((m) => m.id === id ||
                             (m.aliases || []).some((a) => a.toLowerCase() === id)) || null;
  }
  const isDiffusion = () => (findModel($('#model').value) || {}).kind === 'diffusion';
  // The methods that train adapters (the schema's method traits): the LoRA inputs apply.
  const isAdapter = () => state.schema.enums['training.method']
                            .some((m) => m.adapters && m.name === $('#method').value);

  function shows(tag) {
    if (!tag) return true;
    if (tag === 'adapter') return isAdapter();
    return tag === 'diffusion' ? isDiffusion() : !isDiffusion();
  }

  function updateVisibility() {
    const diffusion = isDiffusion();
    $('#fs-diffusion').hidden = !diffusion;
    for (const f of FIELDS) {
      if (!f.show) continue;
      const box = f.show === 'diffusion' ? null : $('#' + f.id).closest('.field');
      if (box) box.hidden = !shows(f.show);
    }
    const label = $('label[for="micro_batch"]');
    label.textContent = diffusion ? label.dataset.diffusion : label.dataset.llm;
    if (diffusion && !$('#images').value) $('#images').value = '10000';
    describeModel();
  }

  function describeModel() {
    const text = $('#model').value.trim();
    const m = findModel(text);
    $('#model-info').textContent = m
        ? `${m.name}: ${(m.params / 1e9).toFixed(m.params < 1e10 ? 2 : 0)}B parameters, ${m.kind}` +
          (m.moe ? ` (MoE, ${(m.active_params / 1e9).toFixed(1)}B active)` : '') +
          (m.id !== text ? ` (catalog id ${m.id})` : '')
        : (text ? 'not a catalog id or alias: the server will suggest the closest ones' : '');
  }

  // ---- reading the form: every value checked, never a silent default ------------------------------
  const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

  class FieldError extends Error {
    constructor(field, value, accepted, problem) {
      super(`${field}: ${problem} '${value}'; accepted: ${accepted}`);
      Object.assign(this, {field, value, accepted, problem});
    }
  }

  function acceptedText(l) {
    const range = `from ${num(l.min, 3)} to ${num(l.max, 3)}` + (l.unit ? ` ${l.unit}` : '');
    return (l.integer ? 'a whole number ' : 'a number ') + range;
  }

  function parseNumber(f, raw) {
    const l = limitOf(f);
    const v = NUMBER.test(raw) ? Number(raw) : NaN;
    if (!isFinite(v)) throw new FieldError(f.key, raw, acceptedText(l), 'not a number:');
    if (l.integer && !Number.isInteger(v)) throw new FieldError(f.key, raw, acceptedText(l), 'not a whole number:');
    if (v < l.min || v > l.max) throw new FieldError(f.key, raw, acceptedText(l), 'out of range:');
    return v;
  }

  function setKey(obj, dotted, value) {
    const parts = dotted.split('.');
    let o = obj;
    for (const p of parts.slice(0, -1)) o = o[p] ??= {};
    o[parts[parts.length - 1]] = value;
  }

  // One field's value: undefined when blank or not shown (the engine decides).
  function readField(f) {
    const input = $('#' + f.id);
    if (!shows(f.show)) return undefined;
    if (f.kind === 'bool') return input.checked ? true : undefined;
    const raw = input.value.trim();
    if (raw === '') return undefined;
    if (f.kind === 'int' || f.kind === 'number') return parseNumber(f, raw);
    return raw;
  }

  // The form as {scenario, options, ui, params}; throws the first field's FieldError.
  function readForm() {
    const out = {scenario: {}, options: {}, ui: {}, params: {}};
    for (const f of FIELDS) {
      const v = readField(f);
      if (v === undefined) continue;
      out.params[f.param] = f.kind === 'bool' ? '1' : $('#' + f.id).value.trim();
      if (f.ui) out.ui[f.id] = v;
      else if (f.option) out.options[f.key] = v;
      else setKey(out.scenario, f.key, v);
    }
    checkModel(out.scenario.model);
    checkCompare(out.ui.compare);
    if (out.ui.plan_on && !out.scenario.hardware?.gpu) {
      throw new FieldError('hardware.gpu', 'Recommend for me', 'a GPU to plan for', 'a plan needs one GPU kind, not');
    }
    return out;
  }

  // Closest catalog ids: those containing the text, else sharing its first word.
  function suggest(text, ids) {
    const t = text.toLowerCase();
    const head = t.split(/[-_/ .]/).filter((w) => w.length > 1)[0] || t;
    const hits = ids.filter((id) => id.includes(t));
    return (hits.length ? hits : ids.filter((id) => id.includes(head))).slice(0, 3);
  }

  function checkModel(text) {
    if (text && findModel(text)) return;
    const close = text ? suggest(text, state.models.map((m) => m.id)) : [];
    throw new FieldError('model', text || '', 'a catalog model id or Hugging Face name (search the list)' +
                         (close.length ? `, e.g. ${close.join(', ')}` : ''), text ? 'not in the catalog:' : 'missing:');
  }

  function compareItems(text) {
    return (text || '').split(',').map((s) => s.trim()).filter((s) => s !== '');
  }
  function checkCompare(text) {
    if (text === undefined) return;
    const n = compareItems(text).length;
    const accepted = '2 to 4 GPU ids separated by commas, each optionally with a count (2x rtx-3090)';
    if (n < 2 || n > 4) throw new FieldError('gpus', text, accepted, n < 2 ? 'too few GPUs:' : 'too many GPUs:');
    const ids = [...$('#gpu').options].map((o) => o.value).filter((v) => v);
    for (const item of compareItems(text)) {
      const m = /^(\d+)\s*x\s*(.+)$/i.exec(item);
      const id = (m ? m[2] : item).trim().toLowerCase();
      if (m && (Number(m[1]) < 1 || Number(m[1]) > 64)) throw new FieldError('gpus', item, 'a count from 1x to 64x', 'bad count');
      if (!ids.includes(id)) {
        const close = suggest(id, ids);
        throw new FieldError('gpus', item, 'catalog GPU ids' + (close.length ? `, e.g. ${close.join(', ')}` : ''), 'unknown GPU');
      }
    }
  }

  // ---- errors at their field, in the field's words ----------------------------------------------
  function fieldForKey(key) {
    if (!key) return null;
    return FIELDS.find((f) => key === f.key) ||
           FIELDS.find((f) => key.startsWith(f.key + '.')) ||
           (key.startsWith('parallelism.') ? fieldOf('tp') : null) ||
           (key.startsWith('training.diffusion') ? fieldOf('resolution') : null) ||
           (key.startsWith('hardware.') ? fieldOf('gpu') : null);
  }

  // What is accepted, without CLI hints ("see `gpu-advisor models list`").
  const plainAccepted = (text) => (text || '').replace(/\s*\((see|run) `[^`]*`[^)]*\)/g, '')
                                               .replace(/`/g, "'");

  function fieldMessage(f, err) {
    const value = err.value === undefined || err.value === '' ? 'empty' : `'${err.value}'`;
    const problem = (err.problem || 'not accepted').replace(/[:,]\s*$/, '');
    const accepted = plainAccepted(err.accepted);
    return `${labelOf(f)}: ${problem === 'invalid value' ? 'not accepted' : problem} ${value}.` +
           (accepted ? ` Accepted: ${accepted}.` : '');
  }

  function clearErrors() {
    $('#status').hidden = true;
    for (const f of FIELDS) {
      $('#' + f.id).removeAttribute('aria-invalid');
      const slot = $('#' + f.id + '-error');
      if (slot) slot.textContent = '';
    }
  }

  function showError(err) {
    const f = fieldForKey(err.field);
    if (f && $('#' + f.id + '-error')) {
      const input = $('#' + f.id);
      input.setAttribute('aria-invalid', 'true');
      $('#' + f.id + '-error').textContent = fieldMessage(f, err);
      input.closest('fieldset').hidden = false;
      input.closest('.field').hidden = false;
    }
    const box = $('#status');
    box.hidden = false;
    box.className = 'error';
    box.textContent = f ? fieldMessage(f, err) + ' Results below are out of date until it is fixed.'
                        : plainAccepted(err.message || String(err));
  }

  // ---- stale marking and busy state -------------------------------------------------------------
  function markStale(why) {
    if ($('#results').hidden) return;
    $('#results').classList.add('stale');
    $('#results').setAttribute('aria-busy', 'true');
    $('#stale-note').hidden = false;
    $('#stale-note').textContent = why;
  }
  function markFresh() {
    $('#results').classList.remove('stale');
    $('#results').removeAttribute('aria-busy');
    $('#stale-note').hidden = true;
  }
  function setBusy(text) {
    $('#busy').textContent = text;
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

  function recommendPath(input) {
    const q = new URLSearchParams({top: '15'});
    for (const [k, v] of Object.entries(input.options)) q.set(k, String(v));
    return '/api/recommend?' + q;
  }

  function planGpus(input) {
    const h = input.scenario.hardware || {};
    return input.ui.plan_gpus || (h.count || 1) * (h.nodes || 1);
  }

  // Every request of one recalculation, side by side: the fast ones (estimate, plan, compare)
  // and the ranking, which searches the whole catalog and may arrive later.
  function requestAll(input) {
    const s = input.scenario;
    const gpu = s.hardware && s.hardware.gpu;
    const cmp = input.ui.compare;
    const fast = Promise.all([
      gpu ? api('POST', '/api/estimate', s) : null,
      input.ui.plan_on && gpu ? api('POST', `/api/plan?top=5&gpus=${planGpus(input)}`, s) : null,
      cmp ? api('POST', '/api/compare?gpus=' + encodeURIComponent(compareItems(cmp).join(',')), s) : null,
    ]).then(([estimate, plan, compare]) => ({estimate, plan, compare}));
    const ranking = api('POST', recommendPath(input), s);
    ranking.catch(() => {});  // reported where it is awaited
    return {fast, ranking};
  }

  // ---- recalculation ------------------------------------------------------------------------
  function schedule() {
    clearTimeout(state.timer);
    markStale('Updating: these results are for the previous inputs.');
    document.body.dataset.state = 'pending';
    state.timer = setTimeout(recalc, DEBOUNCE_MS);
  }

  async function recalc() {
    clearTimeout(state.timer);
    const gen = ++state.gen;
    clearErrors();
    let input;
    try {
      input = readForm();
    } catch (err) {
      return failed(err);
    }
    markStale('Updating: these results are for the previous inputs.');
    setBusy('updating…');
    document.body.dataset.state = 'busy';
    try {
      const {fast, ranking} = requestAll(input);
      const first = await fast;
      if (gen !== state.gen) return;
      Object.assign(state, {input, data: {...first, recommend: null}, planIndex: 0});
      if (first.estimate) showFirst();
      const recommend = await ranking;
      if (gen !== state.gen) return;
      state.data.recommend = recommend;
      showRanking(!first.estimate);
      shareUrl(input.params);
      document.body.dataset.state = 'done';
    } catch (err) {
      if (gen === state.gen) failed(err);
    }
  }

  function failed(err) {
    showError(err);
    markStale('Out of date: these results are for earlier inputs; fix the highlighted field.');
    setBusy('');
    document.body.dataset.state = 'error';
  }

  // The estimate, plan and compare on screen while the ranking is still searched.
  function showFirst() {
    const d = state.data;
    $('#results').hidden = false;
    renderPlan(d.plan);
    renderCompare(d.compare);
    select(initialSelection());
    markFresh();
    for (const id of ['#ranking-section', '#scatter-section']) $(id).classList.add('stale');
    $('#ranking-caption').textContent = 'Ranking the catalog for these inputs…';
    setBusy('ranking…');
  }

  // The ranking arrived: it, and the rest too when nothing was shown before it.
  function showRanking(all) {
    const d = state.data;
    $('#results').hidden = false;
    renderRanking(d.recommend);
    renderScatter(d.recommend);
    if (all) {
      renderPlan(d.plan);
      renderCompare(d.compare);
    }
    const restored = restoredPick();
    if (all || restored) select(restored || initialSelection());
    const sel = state.selection;
    markRows('#ranking', sel && sel.kind === 'pick' ? sel.index : -1);
    for (const id of ['#ranking-section', '#scatter-section']) $(id).classList.remove('stale');
    markFresh();
    setBusy('');
  }

  // ---- the selection: one resolved scenario drives summary, memory, warnings, make-it-fit ------
  // The row a share URL selected, once, if the ranking still has it.
  function restoredPick() {
    const i = state.restore.sel;
    state.restore.sel = undefined;
    const p = i === undefined ? null : state.data.recommend.recommendations[i];
    return p ? pickSelection(p, i) : null;
  }

  function initialSelection() {
    const d = state.data;
    if (d.estimate) {
      const e = d.estimate;
      return {kind: 'estimate', label: `${e.gpus > 1 ? e.gpus + 'x ' : ''}${e.gpu.name}`, estimate: e,
              gpu: e.gpu.id, count: state.input.scenario.hardware.count || 1, issues: []};
    }
    const top = d.recommend && d.recommend.recommendations[0];
    return top ? pickSelection(top, 0) : null;
  }

  function pickSelection(p, index) {
    const issues = p.compatibility && p.compatibility.applies ? p.compatibility.issues || [] : [];
    return {kind: 'pick', index, label: `#${p.rank} ${pickLabel(p)}`, estimate: p.estimate,
            gpu: p.gpu, count: p.count, nodes: p.nodes, issues};
  }

  function select(sel) {
    state.selection = sel;
    $('#summary-section').hidden = !sel;
    $('#memory-section').hidden = !sel;
    markRows('#ranking', sel && sel.kind === 'pick' ? sel.index : -1);
    if (!sel) {
      renderWarnings(null);
      return renderFit(null);
    }
    document.body.dataset.fit = 'busy';
    if (state.input) shareUrl(state.input.params);
    renderSummary(sel);
    renderResolved(sel.estimate);
    renderMemory(sel.label, sel.estimate);
    renderWarnings(sel);
    loadFit(sel);
  }

  function markRows(table, index) {
    document.querySelectorAll(`${table} tbody tr`).forEach((r, i) => {
      r.classList.toggle('selected', i === index);
      r.setAttribute('aria-selected', String(i === index));
    });
  }

  // Make-it-fit for the selected GPU and count: the same scenario, on that hardware.
  async function loadFit(sel) {
    document.body.dataset.fit = 'busy';
    const gen = state.fitGen + 1;
    await fetchFit(sel);
    if (gen === state.fitGen) document.body.dataset.fit = 'done';
  }

  async function fetchFit(sel) {
    const gen = ++state.fitGen;
    state.fit = null;
    if (sel.estimate.memory.fit === 'fits') return renderFit(null);
    $('#fit-section').hidden = false;
    $('#fit-caption').textContent = `Searching changes that make it fit ${sel.label}…`;
    $('#fit-table tbody').replaceChildren();
    const s = structuredClone(state.input.scenario);
    setKey(s, 'hardware.gpu', sel.gpu);
    setKey(s, 'hardware.count', sel.count || 1);
    if (sel.nodes) setKey(s, 'hardware.nodes', sel.nodes);
    try {
      const fit = await api('POST', '/api/fit', s);
      if (gen !== state.fitGen) return;
      state.fit = fit;
      renderFit(fit, sel);
    } catch (err) {
      if (gen === state.fitGen) $('#fit-caption').textContent = 'Make it fit failed: ' + plainAccepted(err.message);
    }
  }

  // ---- results: summary and "as estimated" ---------------------------------------------------------
  function card(label, value, cls = '') {
    return el('div', {class: 'card ' + cls}, el('span', {class: 'label', text: label}),
              el('span', {class: 'value', text: value}));
  }

  function speedCard(est) {
    const t = est.throughput;
    if (isDiffusion()) return card('Images/s', t.samples_per_s == null ? 'unknown' : num(t.samples_per_s, 2));
    return card('Tokens/s per GPU', num(t.tokens_per_s_per_gpu));
  }

  function renderSummary(sel) {
    const est = sel.estimate;
    $('#summary-title').textContent = 'Estimate: ' + sel.label;
    const m = est.memory, t = est.throughput, tr = est.training, c = est.cost || {};
    $('#summary').replaceChildren(
        card('Memory per GPU', `${gb(m.per_gpu_bytes)} of ${gb(m.capacity_bytes)}`, 'fit-' + m.fit),
        card('Verdict', fitLabel(m.fit), 'fit-' + m.fit),
        speedCard(est),
        card('MFU', pct(t.mfu)),
        card('Bottleneck', t.bottleneck),
        card('Training time', duration(tr.time_s)),
        card('Rent', c.rent_usd == null ? 'no offer' : `${usd(c.rent_usd)} (${c.rent_offer})`),
        card('Buy', c.buy_usd == null ? 'no price' : usd(c.buy_usd)),
        card('Energy', tr.energy_kwh == null ? 'unknown' : tr.energy_kwh.toFixed(1) + ' kWh'));
  }

  function renderResolved(est) {
    const r = est.resolved || {};
    const rows = [['Layout', `${r.layout} (${r.layout_source || 'given'})`],
                  ['Stack', `${r.framework}${r.framework_reason ? ' (' + r.framework_reason + ')' : ''}`],
                  ['Method', r.method], ['Precision', r.precision], ['Optimizer', r.optimizer],
                  ['Checkpointing', r.activation_checkpointing +
                      (r.recompute_modules ? ` (recompute ${r.recompute_modules.join(', ')})` : '')],
                  ['Micro / global batch', `${r.micro_batch} / ${r.global_batch}` + (isDiffusion() ? ' images' : '')]];
    if (!isDiffusion()) rows.push(['Sequence length', r.seq_len], ['Tokens', num(r.tokens)]);
    if (r.ema != null) rows.push(['EMA copy', r.ema ? `on (${gb(est.memory.ema_bytes)} per GPU)` : 'off']);
    if (r.lora_base_dtype != null) rows.push(['LoRA base weights', r.lora_base_dtype]);
    for (const d of r.defaults || []) rows.push([`Default: ${d.knob}`, `${d.value} (${d.why})`]);
    $('#resolved').replaceChildren(...rows.flatMap(([k, v]) => [el('dt', {text: k}), el('dd', {text: String(v)})]));
  }

  // ---- results: memory bar against capacity, with the uncertainty range ---------------------------
  const PARTS = [
    ['weights', '#4e79a7'], ['gradients', '#c85200'], ['optimizer', '#b3261e'],
    ['activations', '#2f7f7a'], ['logits', '#3d7a2e'], ['runtime', '#8a6d00'],
    ['fragmentation', '#7b4f93'],
  ];

  const capacityPlugin = {
    id: 'capacity',
    afterDatasetsDraw(chart, _args, opts) {
      const {ctx, chartArea: area, scales: {x}} = chart;
      ctx.save();
      if (opts.low != null && opts.high != null) drawRange(ctx, area, x, opts);
      if (opts.capacity != null) drawCapacity(ctx, area, x, opts.capacity);
      ctx.restore();
    },
  };
  function drawRange(ctx, area, x, opts) {
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
  function drawCapacity(ctx, area, x, capacity) {
    const cx = x.getPixelForValue(capacity);
    ctx.strokeStyle = '#b3261e';
    ctx.lineWidth = 3;
    ctx.setLineDash([6, 4]);
    ctx.beginPath();
    ctx.moveTo(cx, area.top); ctx.lineTo(cx, area.bottom);
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.fillStyle = '#b3261e';
    ctx.font = 'bold 12px system-ui, sans-serif';
    ctx.textAlign = cx > area.right - 80 ? 'right' : 'left';
    ctx.fillText('capacity ' + capacity.toFixed(1) + ' GiB', cx + (ctx.textAlign === 'left' ? 4 : -4), area.top + 12);
  }

  function renderMemory(label, est) {
    const m = est.memory;
    const b = m.breakdown_bytes || {};
    const [low, high] = m.range_bytes || [null, null];
    $('#memory-caption').textContent =
        `${label}: ${gb(m.per_gpu_bytes)} per GPU` + (low == null ? '' : ` (likely ${gb(low)} to ${gb(high)})`) +
        ` on ${gb(m.capacity_bytes)}: ${fitLabel(m.fit)}.`;
    $('#memory-table tbody').replaceChildren(
        ...PARTS.map(([k]) => el('tr', {}, td(k), td(((b[k] || 0) / GiB).toFixed(2)))),
        el('tr', {class: 'total'}, td('total'), td((m.per_gpu_bytes / GiB).toFixed(2))),
        el('tr', {}, td('capacity'), td((m.capacity_bytes / GiB).toFixed(2))));
    drawMemory(label, m, b, low, high);
  }

  function drawMemory(label, m, b, low, high) {
    if (!window.Chart) return;
    const capacity = m.capacity_bytes / GiB;
    const max = Math.max(capacity, (high || m.per_gpu_bytes) / GiB) * 1.08;
    const data = {labels: [label], datasets: PARTS.map(([k, color]) => ({
      label: k, data: [(b[k] || 0) / GiB], backgroundColor: color, barThickness: 36}))};
    const options = {
      indexAxis: 'y', responsive: true, maintainAspectRatio: false, animation: false,
      scales: {x: {stacked: true, min: 0, max, title: {display: true, text: 'GiB per GPU'}},
               y: {stacked: true, display: false}},
      plugins: {
        legend: {position: 'bottom', labels: {boxWidth: 12}},
        tooltip: {callbacks: {label: (c) => `${c.dataset.label}: ${c.parsed.x.toFixed(2)} GiB`}},
        capacity: {capacity, low: low == null ? null : low / GiB, high: high == null ? null : high / GiB},
      },
    };
    if (charts.memory) charts.memory.destroy();
    charts.memory = new Chart($('#memory-chart'), {type: 'bar', data, options, plugins: [capacityPlugin]});
  }

  // ---- results: warnings of the selection only --------------------------------------------------------
  function renderWarnings(sel) {
    const items = sel ? [...(sel.estimate.warnings || [])] : [];
    for (const i of (sel && sel.issues) || []) items.push(i.message + (i.fix ? ` (fix: ${i.fix})` : ''));
    const unique = [...new Set(items)];
    $('#warnings').replaceChildren(...unique.map((t) => el('li', {text: t})));
    $('#warnings-section').hidden = unique.length === 0;
  }

  // ---- results: make it fit, each row with Apply -------------------------------------------------
  function renderFit(fit, sel) {
    const section = $('#fit-section');
    if (!fit) {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    $('#fit-caption').textContent = fit.already_fits
        ? `Already fits ${sel.label}; these changes would leave more headroom.`
        : `Does not fit ${sel.label} as configured. Changes that make it fit, fastest first:`;
    const rows = (fit.options || []).slice(0, 8).map((o, i) => fitRow(o, i));
    if (rows.length === 0) rows.push(el('tr', {}, el('td', {colspan: '7', text: 'No combination of knobs makes it fit this GPU; try more GPUs or a larger card.'})));
    $('#fit-table tbody').replaceChildren(...rows);
  }

  function fitRow(o, i) {
    const apply = el('button', {type: 'button', class: 'apply', text: 'Apply'});
    apply.addEventListener('click', () => applyFit(o));
    return el('tr', {},
        td(String(i + 1)),
        el('td', {}, el('ul', {class: 'changes'}, ...o.changes.map((c) =>
            el('li', {text: `${c.change} (${c.effect})` + (c.changes_job ? ' [changes the job]' : '')})))),
        td(gb(o.per_gpu_bytes)), td(fitLabel(o.fit), 'fit-' + o.fit), td(duration(o.time_s)),
        td(o.slowdown == null ? '' : (o.slowdown >= 0 ? '+' : '') + pct(o.slowdown)),
        el('td', {}, apply));
  }

  // A make-it-fit change ("optimizer: adamw -> paged-adamw-8bit") as form edits.
  const FIT_KNOBS = {method: 'method', precision: 'precision', optimizer: 'optimizer',
                     activation_checkpointing: 'checkpointing', loss: 'loss', micro_batch: 'micro_batch',
                     'training.seq_len': 'seq_len', 'parallelism.offload': 'offload',
                     'parallelism.zero': 'zero', 'hardware.count': 'count', attention: null};

  function applyFit(option) {
    const sel = state.selection;
    if (sel && sel.gpu && $('#gpu').value !== sel.gpu) setValue('gpu', sel.gpu);
    for (const c of option.changes) applyChange(c.change);
    const p = option.estimate.resolved && option.estimate.resolved.parallelism;
    if (p && option.changes.some((c) => /parallelism|hardware\.count/.test(c.change))) setValue('zero', String(p.zero));
    updateVisibility();
    recalc();
  }

  function applyChange(text) {
    const m = /^([\w.]+): .*? -> (\S+)/.exec(text);
    if (!m || !FIT_KNOBS[m[1]]) return;
    setValue(FIT_KNOBS[m[1]], m[2]);
    const keeps = /keeps the global batch (\d+)/.exec(text);
    if (keeps) setValue('global_batch', keeps[1]);
  }

  function setValue(id, value) {
    const input = $('#' + id);
    if (input.type === 'checkbox') input.checked = value === true || value === '1';
    else input.value = value;
  }

  // ---- results: ranking ---------------------------------------------------------------------------
  function pickLabel(p) {
    return `${p.count > 1 || p.nodes > 1 ? (p.nodes > 1 ? `${p.nodes}x` : '') + p.count + 'x ' : ''}${p.gpu}`;
  }

  function rankingRow(p, i) {
    const why = el('details', {}, el('summary', {text: (p.why && p.why[0]) || 'why'}),
                   el('ul', {}, ...(p.why || []).slice(1).map((w) => el('li', {text: w}))));
    const tr = el('tr', {'data-index': String(i), tabindex: '0', class: 'pick', 'aria-selected': 'false'},
        td(String(p.rank)), td(pickLabel(p)), td(p.estimate.resolved.layout, 'layout'),
        td(p.acquire === 'rent' ? `rent (${p.offer})` : 'buy'),
        td(duration(p.estimate.training.time_s)), td(usd(p.cost && p.cost.total_usd)),
        td(`${gb(p.estimate.memory.per_gpu_bytes)} / ${gb(p.estimate.memory.capacity_bytes)}`, 'fit-' + p.estimate.memory.fit),
        el('td', {}, why));
    const show = () => {
      select(pickSelection(p, i));
      if (matchMedia('(max-width: 700px)').matches) $('#summary-section').scrollIntoView({block: 'start'});
    };
    tr.addEventListener('click', (e) => { if (e.target.tagName !== 'SUMMARY') show(); });
    tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') show(); });
    return tr;
  }

  function renderRanking(rec) {
    const ev = rec.evaluated;
    $('#ranking-caption').textContent = `Ranked by ${rec.objective}. ` +
        (ev ? `${ev.configurations} configurations evaluated, ${ev.feasible} feasible. ` : '') +
        'Select a row to see its estimate, memory, warnings and make-it-fit.';
    const rows = rec.recommendations.map(rankingRow);
    if (rows.length === 0) rows.push(el('tr', {}, el('td', {colspan: '8', text: 'No GPU in the catalog meets the constraints (budget, deadline); see the exclusions below.'})));
    $('#ranking tbody').replaceChildren(...rows);
    $('#excluded').replaceChildren(...(rec.excluded || []).map((x) => el('li', {text: `${x.gpu}: ${x.reason}`})));
    $('#advice').replaceChildren(...(rec.advice || []).map((a) => el('li', {text: a})));
  }

  // ---- results: time vs cost, points clickable, table beside -----------------------------------------
  const logTick = (v) => {
    const e = Math.pow(10, Math.floor(Math.log10(v) + 1e-9));
    return [1, 2, 5].some((k) => Math.abs(v / e - k) < 1e-6);
  };

  function scatterPoints(rec) {
    return rec.recommendations.map((p, i) => ({
      x: p.estimate.training.time_s / 3600, y: p.cost && p.cost.total_usd, index: i, rent: p.acquire === 'rent',
      label: `#${p.rank} ${pickLabel(p)} (${p.acquire === 'rent' ? 'rent ' + p.offer : 'buy'})`,
    })).filter((pt) => pt.x > 0 && pt.y > 0 && isFinite(pt.x) && isFinite(pt.y));
  }

  function paretoPoints(rec) {
    return (rec.pareto || []).map((q) => ({x: q.time_s / 3600, y: q.cost_usd,
        label: `${q.count > 1 ? q.count + 'x ' : ''}${q.gpu} (${q.acquire === 'rent' ? 'rent ' + q.offer : 'buy'})`}))
        .filter((pt) => pt.x > 0 && pt.y > 0).sort((a, b) => a.x - b.x);
  }

  function renderScatter(rec) {
    const points = scatterPoints(rec), front = paretoPoints(rec);
    const onFront = new Set(front.map((f) => f.label));
    $('#scatter-table tbody').replaceChildren(...points.map((pt) => el('tr', {},
        td(pt.label), td(pt.x.toFixed(1)), td(usd(pt.y)),
        td([...onFront].some((l) => pt.label.endsWith(l)) ? 'yes' : ''))));
    drawScatter(points, front);
  }

  function drawScatter(points, front) {
    if (!window.Chart) return;
    const data = {datasets: [
      {label: 'Pareto front', data: front, showLine: true, borderColor: '#222', backgroundColor: '#222', pointRadius: 3, borderWidth: 2, order: 0},
      {label: 'buy', data: points.filter((p) => !p.rent), backgroundColor: '#2f5fb3', pointRadius: 7, order: 1},
      {label: 'rent', data: points.filter((p) => p.rent), backgroundColor: '#c85200', pointRadius: 7, pointStyle: 'rectRot', order: 1},
    ]};
    const options = {
      responsive: true, maintainAspectRatio: false, animation: false,
      onClick: (_e, hits) => {
        const hit = hits.find((h) => h.datasetIndex > 0);
        if (!hit) return;
        const pt = data.datasets[hit.datasetIndex].data[hit.index];
        select(pickSelection(state.data.recommend.recommendations[pt.index], pt.index));
      },
      scales: {
        x: {type: 'logarithmic', title: {display: true, text: 'training time (hours, log)'},
            ticks: {callback: (v) => (logTick(v) ? (v < 1 ? v.toFixed(1) : v.toLocaleString('en-US')) + ' h' : '')}},
        y: {type: 'logarithmic', title: {display: true, text: 'total cost (USD, log)'},
            ticks: {callback: (v) => (logTick(v) ? usd(v) : '')}},
      },
      plugins: {tooltip: {callbacks: {label: (c) => `${c.raw.label}: ${c.raw.x.toFixed(1)} h, ${usd(c.raw.y)}`}}},
    };
    if (charts.scatter) charts.scatter.destroy();
    charts.scatter = new Chart($('#scatter-chart'), {type: 'scatter', data, options});
  }

  // ---- results: plan -----------------------------------------------------------------------------
  function renderPlan(plan) {
    $('#plan-section').hidden = !plan;
    if (!plan) return;
    const gpuName = plan.gpu && plan.gpu.name ? plan.gpu.name : plan.gpu;
    $('#plan-caption').textContent = `${plan.model} on ${plan.gpus}x ${gpuName}: ${plan.plans.length} layouts that fit, ` +
        `fastest first. ${(plan.notes || []).join(' ')}`;
    const rows = plan.plans.map((p, i) => {
      const tr = el('tr', {class: 'pick', tabindex: '0', 'aria-selected': 'false'},
          td(String(p.rank)), td(p.label, 'layout'), td(gb(p.memory.per_gpu_bytes)), td(fitLabel(p.memory.fit), 'fit-' + p.memory.fit),
          td(num(p.throughput.tokens_per_s)), td(pct(p.throughput.mfu)), td(duration(p.training.time_s)));
      const pick = () => selectPlan(i);
      tr.addEventListener('click', pick);
      tr.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') pick(); });
      return tr;
    });
    if (rows.length === 0) rows.push(el('tr', {}, el('td', {colspan: '7', text: 'No layout fits these GPUs.'})));
    $('#plan-table tbody').replaceChildren(...rows);
    const row = state.restore.planrow;
    state.restore.planrow = undefined;
    selectPlan(row !== undefined && row < plan.plans.length ? row : 0);
  }

  function selectPlan(i) {
    const p = state.data.plan.plans[i];
    state.planIndex = i;
    markRows('#plan-table', i);
    if (state.input) shareUrl(state.input.params);
    if (!p) return $('#step-table tbody').replaceChildren();
    $('#step-title').textContent = `Step time of plan #${p.rank} (${p.label}): ${p.throughput.step_time_s.toFixed(2)} s`;
    const parts = Object.entries(p.throughput.breakdown_s || {});
    const total = parts.reduce((a, [, v]) => a + v, 0) || 1;
    $('#step-table tbody').replaceChildren(...parts.map(([k, v]) =>
        el('tr', {}, td(k), td(v.toFixed(3)), td(pct(v / total)))));
    renderExport();
  }

  // ---- results: compare ---------------------------------------------------------------------------
  function renderCompare(cmp) {
    $('#compare-section').hidden = !cmp;
    if (!cmp) return;
    $('#compare-caption').textContent = cmp.summary;
    $('#compare-cards').replaceChildren(...cmp.gpus.map((g) => {
      const e = g.estimate;
      return el('article', {class: 'compare-card verdict-' + g.verdict},
          el('h3', {text: `${g.label}: ${g.verdict}`}),
          el('p', {class: 'fit-' + e.memory.fit, text: `${gb(e.memory.per_gpu_bytes)} of ${gb(e.memory.capacity_bytes)}: ${fitLabel(e.memory.fit)}`}),
          el('p', {text: `${isDiffusion() ? num(e.throughput.samples_per_s, 2) + ' images/s' : num(e.throughput.tokens_per_s) + ' tokens/s'}, ${duration(e.training.time_s)}`}),
          el('ul', {}, ...g.reasons.map((r) => el('li', {text: r}))));
    }));
  }

  // ---- export of the chosen plan (POST /api/export; engines from the schema) -----------------------
  function renderExport() {
    const engines = state.schema.enums.engine;
    $('#export-box').hidden = !engines;
    if (!engines) return;
    $('#export-out').replaceChildren();
    $('#export-buttons').replaceChildren(...engines.map((e) => {
      const b = el('button', {type: 'button', class: 'engine', title: e.help, text: e.name});
      b.addEventListener('click', () => exportPlan(e.name));
      return b;
    }));
  }

  // Each engine launches part of the plan space (DeepSpeed and accelerate FSDP data parallelism
  // only, Megatron offloads only with its distributed optimizer): the export plans the
  // engine's best layout on the plan's GPUs and says when it is not the chosen plan.
  async function exportPlan(engine) {
    const p = state.data.plan.plans[state.planIndex];
    const out = $('#export-out');
    out.replaceChildren(el('p', {class: 'caption', text: `Writing the ${engine} configuration…`}));
    const query = `?engine=${encodeURIComponent(engine)}&gpus=${state.data.plan.gpus}`;
    try {
      const x = await api('POST', '/api/export' + query, state.input.scenario);
      out.replaceChildren(...exportView(x));
      const same = x.layout.label === p.label;
      out.prepend(el('p', {class: 'caption', text: same ? `${engine} launches plan #${p.rank} as chosen.`
          : `${engine} cannot launch plan #${p.rank} (${p.label}) as chosen: this is its own best layout on the same GPUs.`}));
    } catch (err) {
      out.replaceChildren(el('p', {class: 'field-error', text: `${engine}: ${plainAccepted(err.message)}`}));
    }
    document.body.dataset.export = engine;
  }

  function copyBlock(title, text) {
    const copy = el('button', {type: 'button', class: 'copy', text: 'Copy'});
    copy.addEventListener('click', () => navigator.clipboard.writeText(text).then(
        () => { copy.textContent = 'Copied'; }, () => { copy.textContent = 'Select and copy'; }));
    return el('div', {class: 'export-file'}, el('h4', {text: title}), copy, el('pre', {text}));
  }

  function exportView(x) {
    const parts = [el('p', {class: 'caption', text: `${x.engine}: ${x.layout.label} (${x.layout.source}; stack ${x.layout.stack})`})];
    parts.push(...(x.files || []).map((f) => copyBlock(f.name, f.text)));
    if (x.launch) parts.push(copyBlock('launch', Array.isArray(x.launch) ? x.launch.join('\n') : String(x.launch)));
    if ((x.notes || []).length) parts.push(el('ul', {class: 'advice'}, ...x.notes.map((n) => el('li', {text: n}))));
    return parts;
  }

  // ---- share URL and downloads ----------------------------------------------------------------------
  // The inputs plus what is selected: the ranking row (sel) and the plan row (planrow).
  function shareUrl(params) {
    const all = {...params};
    if (state.selection && state.selection.kind === 'pick') all.sel = String(state.selection.index);
    if (state.data && state.data.plan && state.planIndex > 0) all.planrow = String(state.planIndex);
    const url = location.origin + location.pathname + '?' + new URLSearchParams(all).toString();
    history.replaceState(null, '', url);
    $('#share-url').value = url;
  }

  function restoreFromUrl() {
    const q = new URLSearchParams(location.search);
    for (const [id, v] of Object.entries(FORM_DEFAULTS)) $('#' + id).value = v;
    for (const f of FIELDS) {
      const v = q.get(f.param);
      if (v === null) continue;
      const input = $('#' + f.id);
      if (f.kind === 'bool') input.checked = v === '1';
      else if (input.tagName === 'SELECT' && ![...input.options].some((o) => o.value === v)) continue;
      else input.value = v;
    }
    for (const k of ['sel', 'planrow']) if (/^\d+$/.test(q.get(k) || '')) state.restore[k] = Number(q.get(k));
    return q.get('model') !== null;
  }

  function download(name, type, text) {
    const a = el('a', {href: URL.createObjectURL(new Blob([text], {type})), download: name});
    document.body.append(a);
    a.click();
    a.remove();
  }

  function resultJson() {
    const {input, data, selection, fit} = state;
    return JSON.stringify({inputs: input.params, scenario: input.scenario, options: input.options,
                           selected: selection && selection.label, estimate: selection && selection.estimate,
                           fit, recommend: data.recommend, plan: data.plan, compare: data.compare}, null, 2);
  }

  const csvCell = (v) => (/[",\n]/.test(String(v)) ? `"${String(v).replace(/"/g, '""')}"` : String(v));

  function resultCsv() {
    const head = ['rank', 'gpu', 'count', 'acquire', 'layout', 'per_gpu_gib', 'capacity_gib', 'fit',
                  'tokens_per_s', 'images_per_s', 'time_h', 'total_usd'];
    const rows = ((state.data.recommend || {}).recommendations || []).map((p) => {
      const e = p.estimate;
      return [p.rank, p.gpu, p.count, p.acquire, e.resolved.layout, (e.memory.per_gpu_bytes / GiB).toFixed(2),
              (e.memory.capacity_bytes / GiB).toFixed(2), e.memory.fit, e.throughput.tokens_per_s,
              e.throughput.samples_per_s, (e.training.time_s / 3600).toFixed(3), p.cost && p.cost.total_usd];
    });
    return [head, ...rows].map((r) => r.map((v) => csvCell(v == null ? '' : v)).join(',')).join('\n') + '\n';
  }

  // ---- catalog: model search and GPU list --------------------------------------------------------
  async function loadCatalog() {
    const [schema, m, g] = await Promise.all([api('GET', '/api/schema'), api('GET', '/api/models'), api('GET', '/api/gpus')]);
    state.schema = schema;
    state.models = m.models;
    applySchema();
    $('#model-list').replaceChildren(...state.models.map((x) =>
        el('option', {value: x.id, label: `${x.name} (${(x.params / 1e9).toFixed(1)}B, ${x.kind})`})));
    const byVendor = {};
    for (const x of g.gpus) (byVendor[x.vendor] ??= []).push(x);
    for (const [vendor, list] of Object.entries(byVendor)) {
      $('#gpu').append(el('optgroup', {label: vendor}, ...list.map((x) =>
          el('option', {value: x.id, text: `${x.name} (${x.memory_gb == null ? '?' : x.memory_gb} GiB)`}))));
    }
  }

  function wire() {
    $('#scenario').addEventListener('submit', (e) => {
      e.preventDefault();
      recalc();
    });
    $('#scenario').addEventListener('input', () => {
      updateVisibility();
      schedule();
    });
    $('#scenario').addEventListener('change', () => {
      updateVisibility();
      schedule();
    });
    $('#copy').addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText($('#share-url').value);
        $('#copy').textContent = 'Copied';
      } catch (e) {
        $('#share-url').select();
      }
    });
    $('#download-json').addEventListener('click', () => download('gpu-advisor.json', 'application/json', resultJson()));
    $('#download-csv').addEventListener('click', () => download('gpu-advisor.csv', 'text/csv', resultCsv()));
  }

  async function start() {
    wire();
    if (!window.Chart) {
      $('#no-charts').hidden = false;
      document.body.classList.add('no-charts');
    }
    try {
      await loadCatalog();
    } catch (err) {
      showError(err);
      return;
    }
    const restored = restoreFromUrl();
    updateVisibility();
    document.body.dataset.state = 'ready';
    if (restored) recalc();
  }

  start();
})();
