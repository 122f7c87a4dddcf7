// The classroom page: pick a scenario, move its levers, run it, and watch
// share, orders, burn, cash and NPL day by day from the server's event
// stream; the previous finished run is drawn dashed for comparison (both
// use the scenario's seed, so they share their random draws).
"use strict";

const COLORS = ["#d62728", "#1f77b4", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b"];
const CHARTS = ["share", "orders", "burn", "cash", "npl"];

const state = {
  scenario: null,   // the scenario's info and levers, from the server
  run: null,        // the run being watched: {id, platforms, lenders, days, series, status}
  previous: null,   // the last finished run before it, for the overlay
  last: null,       // the last finished run
  source: null,     // the EventSource of the run being watched
  plots: {},        // uPlot per chart
  drawPending: false,
};
window.flywheel = state; // for the browser tests and the curious

const $ = (id) => document.getElementById(id);

async function getJSON(url, options) {
  const r = await fetch(url, options);
  const body = await r.json().catch(() => ({ error: `HTTP ${r.status}` }));
  if (!r.ok) throw new Error(body.error || `HTTP ${r.status}`);
  return body;
}

function showError(message) {
  const e = $("error");
  e.textContent = message || "";
  e.hidden = !message;
}

function setStatus(text) {
  $("status").textContent = text;
}

// ---- scenarios and levers -------------------------------------------------

async function loadScenarios() {
  const { scenarios } = await getJSON("/api/scenarios");
  const select = $("scenario");
  select.innerHTML = "";
  for (const s of scenarios) {
    const o = document.createElement("option");
    o.value = s.id;
    o.textContent = `${s.id} — ${s.platforms.length} platforms, ${s.days} days`;
    select.appendChild(o);
  }
  const preferred = scenarios.find((s) => s.id === "quickstart");
  if (preferred) select.value = preferred.id;
  await loadLevers(select.value);
}

async function loadLevers(id) {
  showError("");
  // A new scenario ends the run being watched.
  if (state.source) {
    await stopRun();
    state.source.close();
    state.source = null;
    $("run").disabled = false;
    $("stop").disabled = true;
  }
  state.run = null;
  const data = await getJSON(`/api/scenarios/${encodeURIComponent(id)}`);
  state.scenario = data;
  state.previous = null;
  state.last = null;
  $("about").textContent = data.scenario.about;
  renderLevers(data);
  setStatus(`${data.scenario.name}: ${data.scenario.consumers} consumers, ${data.scenario.days} days, ` +
    `${data.scenario.replications} replications, seed ${data.scenario.seed}. Press Run.`);
  clearCharts();
}

function fmt(v, step) {
  const digits = step < 0.1 ? 2 : step < 1 ? 1 : 0;
  return Number(v).toLocaleString("en", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

function sliderRow(lever, part, label, value, min, max, step, unit) {
  const row = document.createElement("div");
  row.className = "lever";
  const name = document.createElement("div");
  name.className = "name";
  const l = document.createElement("span");
  l.textContent = label;
  l.title = `${lever.doc}\nkey: ${lever.key}\nrange: ${lever.range}`;
  const v = document.createElement("span");
  v.className = "value";
  name.append(l, v);
  const input = document.createElement("input");
  input.type = lever.widget === "field" ? "number" : "range";
  input.min = min;
  input.max = max;
  input.step = step;
  input.value = value;
  input.dataset.key = lever.key;
  input.dataset.part = part;
  input.dataset.initial = value;
  const show = () => {
    v.textContent = `${fmt(input.value, step)} ${unit}`;
    row.classList.toggle("changed", Number(input.value) !== Number(input.dataset.initial));
  };
  input.addEventListener("input", show);
  show();
  row.append(name, input);
  return row;
}

function renderLevers(data) {
  const box = $("levers");
  box.innerHTML = "";
  const groups = data.scenario.platforms.map((name) => {
    const f = document.createElement("fieldset");
    const legend = document.createElement("legend");
    legend.textContent = name;
    f.appendChild(legend);
    box.appendChild(f);
    return f;
  });
  const general = document.createElement("fieldset");
  const gl = document.createElement("legend");
  gl.textContent = "Run";
  general.appendChild(gl);
  box.appendChild(general);
  for (const lever of data.levers) {
    const parent = lever.platform === null ? general : groups[lever.platform];
    const short = lever.label.replace(/^.*: /, "");
    if (lever.widget === "coupon") {
      const c = lever.value;
      parent.appendChild(sliderRow(lever, "per_order", "coupon", c.per_order, lever.min, lever.max, lever.step, "yuan/order"));
      const w = document.createElement("div");
      w.className = "window";
      for (const [part, text] of [["from_day", "from day"], ["to_day", "to day"]]) {
        const label = document.createElement("label");
        label.textContent = `${text} `;
        const input = document.createElement("input");
        input.type = "number";
        input.min = 0;
        input.max = data.scenario.days;
        input.step = 1;
        input.value = c[part];
        input.dataset.key = lever.key;
        input.dataset.part = part;
        input.dataset.initial = c[part];
        label.appendChild(input);
        w.appendChild(label);
      }
      parent.appendChild(w);
    } else if (lever.widget === "toggle") {
      const label = document.createElement("label");
      label.className = "check";
      const input = document.createElement("input");
      input.type = "checkbox";
      input.checked = true;
      input.dataset.key = lever.key;
      input.dataset.part = "toggle";
      label.append(input, ` ${short}`);
      label.title = lever.doc;
      parent.appendChild(label);
    } else {
      parent.appendChild(sliderRow(lever, "value", short, lever.value, lever.min, lever.max, lever.step, lever.unit));
    }
  }
}

// The `set` of a run request: only the levers moved from the scenario's
// values, so the request reads as "what this run changes".
function leverSettings() {
  const set = {};
  const inputs = (key) => document.querySelectorAll(`#levers input[data-key="${CSS.escape(key)}"]`);
  for (const lever of state.scenario.levers) {
    const els = inputs(lever.key);
    if (lever.widget === "coupon") {
      const v = {};
      let changed = false;
      for (const el of els) {
        v[el.dataset.part] = Number(el.value);
        if (Number(el.value) !== Number(el.dataset.initial)) changed = true;
      }
      if (!changed) continue;
      if (lever.value.windows > 1) {
        set[`${lever.key}[0].per_order`] = v.per_order;
        set[`${lever.key}[0].from_day`] = Math.round(v.from_day);
        set[`${lever.key}[0].to_day`] = Math.round(v.to_day);
      } else {
        set[lever.key] = v.per_order > 0
          ? [{ from_day: Math.round(v.from_day), to_day: Math.round(v.to_day), per_order: v.per_order }]
          : [];
      }
    } else if (lever.widget === "toggle") {
      if (!els[0].checked) set[lever.key] = [];
    } else {
      const el = els[0];
      if (Number(el.value) === Number(el.dataset.initial)) continue;
      set[lever.key] = lever.key === "replications" ? Math.round(Number(el.value)) : Number(el.value);
    }
  }
  return set;
}

function describe(set) {
  const keys = Object.keys(set);
  if (keys.length === 0) return "the scenario as written";
  return keys.map((k) => `${k} = ${JSON.stringify(set[k])}`).join(", ");
}

// ---- runs -------------------------------------------------------------------

async function startRun() {
  showError("");
  if (state.source) stopRun();
  const set = leverSettings();
  let run;
  try {
    run = await getJSON("/api/runs", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ scenario: state.scenario.scenario.id, set, day_ms: Number($("speed").value) }),
    });
  } catch (e) {
    showError(e.message);
    setStatus("The run did not start.");
    return;
  }
  state.previous = state.last;
  state.run = {
    id: run.id, platforms: run.platforms, lenders: run.lenders, days: run.days,
    replications: run.replications, seed: run.seed, set, status: run.status, result: null,
    series: emptySeries(run.platforms.length, run.lenders.length), lastDay: -1,
    postedAt: performance.now(), firstDayMs: null,
  };
  buildCharts();
  $("run").disabled = true;
  $("stop").disabled = false;
  setStatus(run.status === "queued" ? `Waiting for a free slot (place ${run.position}).` : "Running…");
  const es = new EventSource(`/api/runs/${run.id}/events`);
  state.source = es;
  es.addEventListener("status", (m) => {
    const d = JSON.parse(m.data);
    state.run.status = d.status;
    setStatus(d.status === "queued" ? `Waiting for a free slot (place ${d.position}).` : "Running…");
  });
  es.addEventListener("day", (m) => onDay(JSON.parse(m.data)));
  es.addEventListener("done", (m) => finish("done", JSON.parse(m.data)));
  es.addEventListener("stopped", (m) => finish("stopped", JSON.parse(m.data)));
  es.addEventListener("failed", (m) => finish("failed", JSON.parse(m.data)));
  es.onerror = () => {
    if (state.source === es && state.run && !["done", "stopped", "failed"].includes(state.run.status)) {
      setStatus("Lost the connection to the server; reconnecting…");
    }
  };
}

function emptySeries(np, nl) {
  const per = (n) => Array.from({ length: n }, () => []);
  return { day: [], share: per(np), orders: per(np), burn: per(np), cash: per(np), npl: per(nl) };
}

// The first replication is drawn live; further replications only advance
// the status line, and the mean over all of them replaces the live line
// at the end.
function onDay(d) {
  const run = state.run;
  if (!run) return;
  if (run.firstDayMs === null) run.firstDayMs = performance.now() - run.postedAt;
  run.status = "running";
  if (d.rep === 0) {
    const s = run.series;
    s.day.push(d.day + 1);
    for (const k of ["share", "orders", "burn", "cash", "npl"]) d[k].forEach((v, i) => s[k][i].push(v));
    run.lastDay = d.day;
    scheduleDraw();
  }
  setStatus(`Running: day ${d.day + 1} of ${run.days}, replication ${d.rep + 1} of ${run.replications}.`);
}

function finish(kind, d) {
  const run = state.run;
  if (state.source) state.source.close();
  state.source = null;
  $("run").disabled = false;
  $("stop").disabled = true;
  if (!run) return;
  run.status = kind;
  if (kind === "done") {
    run.result = d.result;
    const m = d.result.mean;
    run.series = { day: Array.from({ length: run.days }, (_, i) => i + 1), ...m };
    state.last = run;
    setStatus(`Done: ${d.result.replications} replications in ${d.result.wall_seconds.toFixed(1)} s ` +
      `(charts show their mean; first points after ${Math.round(run.firstDayMs ?? 0)} ms).`);
  } else if (kind === "stopped") {
    setStatus(`Stopped after day ${run.lastDay + 1}.`);
  } else {
    showError(`The run failed: ${d.error}`);
    setStatus("Failed.");
  }
  scheduleDraw();
  writeCaptions();
}

async function stopRun() {
  const run = state.run;
  if (!run) return;
  try {
    await getJSON(`/api/runs/${run.id}/stop`, { method: "POST" });
  } catch (e) {
    showError(e.message);
  }
}

// ---- charts -----------------------------------------------------------------

const money = (v) => v == null ? "" : Math.abs(v) >= 1e9 ? `¥${(v / 1e9).toFixed(2)} B` : `¥${(v / 1e6).toFixed(2)} M`;
const burned = (v) => `${v >= 0 ? "burned" : "earned"} ${money(Math.abs(v))}`;
const pct = (v) => v == null ? "" : `${(v * 100).toFixed(1)}%`;
const AXIS = {
  share: { fmt: pct, range: [0, 1] },
  orders: { fmt: (v) => v == null ? "" : Math.round(v).toLocaleString("en") },
  burn: { fmt: money },
  cash: { fmt: money },
  npl: { fmt: pct },
};

function clearCharts() {
  for (const k of CHARTS) {
    if (state.plots[k]) state.plots[k].destroy();
    state.plots[k] = null;
    $(`chart-${k}`).innerHTML = "";
    $(`chart-${k}`).dataset.points = "0";
    $(`caption-${k}`).textContent = captionText(k);
  }
  $("card-npl").hidden = !(state.scenario && state.scenario.scenario.lenders.length);
}

function names(k, run) {
  return k === "npl" ? run.lenders : run.platforms;
}

function overlay() {
  const run = state.run;
  const prev = state.previous;
  return $("compare").checked && prev && prev.series && run &&
    prev.platforms.length === run.platforms.length && prev.lenders.length === run.lenders.length;
}

function buildCharts() {
  clearCharts();
  const run = state.run;
  for (const k of CHARTS) {
    const labels = names(k, run);
    if (labels.length === 0) continue;
    const el = $(`chart-${k}`);
    const series = [{ label: "day" }];
    labels.forEach((n, i) => series.push({ label: n, stroke: COLORS[i % COLORS.length], width: 2, value: (u, v) => AXIS[k].fmt(v) }));
    if (overlay()) {
      labels.forEach((n, i) => series.push({ label: `${n} (previous)`, stroke: COLORS[i % COLORS.length], width: 1.5, dash: [6, 4], value: (u, v) => AXIS[k].fmt(v) }));
    }
    const opts = {
      width: Math.max(320, el.clientWidth || 420),
      height: 220,
      series,
      scales: { x: { time: false, range: [0, run.days] }, ...(AXIS[k].range ? { y: { range: AXIS[k].range } } : {}) },
      axes: [{ label: "day" }, { values: (u, vals) => vals.map(AXIS[k].fmt), size: 80 }],
      legend: { live: true },
    };
    state.plots[k] = new uPlot(opts, chartData(k), el);
  }
}

function chartData(k) {
  const run = state.run;
  const n = names(k, run).length;
  const xs = overlay() ? Array.from({ length: run.days }, (_, i) => i + 1) : run.series.day.slice();
  const pad = (arr) => xs.map((_, i) => (i < arr.length ? arr[i] : null));
  const data = [xs];
  for (let i = 0; i < n; i++) data.push(pad(run.series[k][i]));
  if (overlay()) for (let i = 0; i < n; i++) data.push(pad(state.previous.series[k][i]));
  return data;
}

function scheduleDraw() {
  if (state.drawPending) return;
  state.drawPending = true;
  requestAnimationFrame(() => {
    state.drawPending = false;
    for (const k of CHARTS) {
      const p = state.plots[k];
      if (!p) continue;
      p.setData(chartData(k));
      $(`chart-${k}`).dataset.points = String(state.run.series.day.length);
    }
  });
}

function captionText(k) {
  return {
    share: "Each platform's share of the day's orders placed through platforms. A coupon buys share while it runs; watch whether the share stays once the coupon stops.",
    orders: "Orders placed through each platform each day: the whole market grows when someone pays for cheaper orders.",
    burn: "Money spent so far: funding received minus cash. A rising line is a platform losing money; a falling one is earning.",
    cash: "Cash in the bank. A platform whose cash reaches zero leaves the market.",
    npl: "Share of the loan book in default (non-performing loans over loans outstanding): the cost of lending.",
  }[k];
}

// After a run: what happened, in a sentence per chart, against the
// previous run when there is one.
function writeCaptions() {
  const run = state.run;
  if (!run || !run.result) {
    for (const k of CHARTS) $(`caption-${k}`).textContent = captionText(k);
    return;
  }
  const prev = state.previous && state.previous.result && state.previous.platforms.join() === run.platforms.join() ? state.previous : null;
  const last = (arr) => arr[arr.length - 1];
  const sum = run.result.summary;
  const vs = (now, before, f) => (before === undefined ? "" : ` (previous run: ${f(before)})`);
  const pieces = {
    share: sum.map((s, i) => `${s.platform} ended with ${pct(s.final_share)} of orders${prev ? vs(0, prev.result.summary[i].final_share, pct) : ""}`).join("; "),
    orders: sum.map((s, i) => `${s.platform} took ${Math.round(s.orders).toLocaleString("en")} orders in all${prev ? vs(0, prev.result.summary[i].orders, (v) => Math.round(v).toLocaleString("en")) : ""}`).join("; "),
    burn: sum.map((s, i) => `${s.platform} ${burned(s.cumulative_burn)}${prev ? vs(0, prev.result.summary[i].cumulative_burn, burned) : ""}`).join("; "),
    cash: sum.map((s, i) => `${s.platform} finished with ${money(s.final_cash)}${s.exited ? ` and ran out of cash in ${s.exited} of ${run.result.replications} replications` : ""}`).join("; "),
    npl: run.lenders.map((n, i) => `${n}: NPL ratio ${pct(last(run.series.npl[i]))} at the end`).join("; "),
  };
  for (const k of CHARTS) {
    $(`caption-${k}`).textContent = `${captionText(k)} This run (${describe(run.set)}): ${pieces[k]}.`;
  }
}

// ---- wiring -----------------------------------------------------------------

$("scenario").addEventListener("change", (e) => loadLevers(e.target.value).catch((err) => showError(err.message)));
$("run").addEventListener("click", () => startRun());
$("stop").addEventListener("click", () => stopRun());
$("reset").addEventListener("click", () => state.scenario && renderLevers(state.scenario));
$("compare").addEventListener("change", () => {
  if (state.run) {
    buildCharts();
    scheduleDraw();
  }
});
loadScenarios().catch((e) => showError(`Cannot load the scenarios: ${e.message}`));
