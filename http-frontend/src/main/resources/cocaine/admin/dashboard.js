// The cluster dashboard: live spans and per-node totals from /api/events (server-sent events, the
// peers' included), charts of the last 15 minutes from /api/history plus the latest sample of each
// stats event, a request's waterfall from /api/traces/<id>. No build step, no library: plain
// browser JavaScript drawing its own SVG.
(function () {
  'use strict';
  const MAX_REQUESTS = 200;
  const requests = [];          // first hop of each request (proxy, or app-service without parent), newest first
  const slotsByTrace = new Map(); // trace -> [{node, app, slot}] from slot spans, for the flow tree
  let lastStats = null;
  let selected = null;
  const SVG = 'http://www.w3.org/2000/svg';
  const COLORS = ['#4a7bd0', '#d0884a', '#3a9d5d', '#9b59b6', '#c0392b', '#16a085', '#7f8c8d', '#d4ac0d'];
  const series = new Map();     // node -> app -> rows [t, requests, errors, p50_us, p99_us, queue_depth], oldest first
  let historyMs = 15 * 60 * 1000;
  let intervalMs = 1000;
  const routingSeen = [];       // [{at, totals: group -> member -> count}], the last minute's

  const $ = (sel) => document.querySelector(sel);
  const el = (tag, attrs, ...children) => {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) e.append(c instanceof Node ? c : document.createTextNode(String(c)));
    return e;
  };
  const ms = (micros) => (micros / 1000).toFixed(micros < 10000 ? 2 : 0);
  const time = (micros) => new Date(micros / 1000).toISOString().substring(11, 23);

  function isFirstHop(s) {
    return s.name === 'proxy' || (s.name === 'app-service' && !s.parent);
  }

  function onSpans(spans) {
    for (const s of spans) {
      if (isFirstHop(s)) {
        requests.unshift(s);
      } else if (s.name === 'slot') {
        const list = slotsByTrace.get(s.trace) || [];
        list.push(s);
        slotsByTrace.set(s.trace, list);
      }
    }
    requests.length = Math.min(requests.length, MAX_REQUESTS);
    if (slotsByTrace.size > 4 * MAX_REQUESTS) {
      const keep = new Set(requests.map((r) => r.trace));
      for (const k of slotsByTrace.keys()) if (!keep.has(k)) slotsByTrace.delete(k);
    }
    renderRequests();
    renderTree();
  }

  function renderRequests() {
    const body = el('tbody');
    for (const r of requests) {
      const status = r.attributes && r.attributes.status !== undefined ? r.attributes.status : (r.error ? 'error' : 'ok');
      const row = el('tr', { class: 'request' + (r.error ? ' error' : '') + (r.trace === selected ? ' selected' : ''),
        'data-trace': r.trace },
        el('td', {}, time(r.start)), el('td', {}, r.trace), el('td', {}, r.app),
        el('td', {}, (r.attributes && r.attributes.event) || ''), el('td', {}, status),
        el('td', {}, ms(r.duration)), el('td', {}, r.node));
      if (r.error) row.title = r.error;
      row.addEventListener('click', () => showTrace(r.trace));
      body.append(row);
    }
    $('#requests tbody').replaceWith(body);
  }

  function renderTree() {
    const tree = new Map(); // node -> app -> slot -> {count, errors}
    for (const r of requests) {
      for (const s of slotsByTrace.get(r.trace) || []) {
        const apps = tree.get(s.node) || new Map(); tree.set(s.node, apps);
        const slots = apps.get(s.app) || new Map(); apps.set(s.app, slots);
        const c = slots.get(s.slot) || { count: 0, errors: 0 }; slots.set(s.slot, c);
        c.count++; if (s.error) c.errors++;
      }
    }
    const root = el('ul');
    for (const [node, apps] of tree) {
      const appList = el('ul');
      for (const [app, slots] of apps) {
        const slotList = el('ul');
        for (const [slot, c] of slots) {
          slotList.append(el('li', { class: c.errors ? 'error' : '' }, 'slot ' + slot.substring(0, 8) + ' ',
            el('span', { class: 'count' }, c.count + ' req' + (c.errors ? ', ' + c.errors + ' failed' : ''))));
        }
        appList.append(el('li', {}, 'app ' + app, slotList));
      }
      root.append(el('li', {}, 'node ' + node, appList));
    }
    $('#tree').replaceChildren(root);
  }

  // per-app totals of all nodes: counters summed, where it ran united
  function clusterApps(stats) {
    const apps = {};
    for (const n of Object.values(stats.nodes || { [stats.node]: stats })) {
      for (const [app, a] of Object.entries(n.apps || {})) {
        const c = apps[app] || (apps[app] = { requests: 0, errors: 0, micros: 0, queue_depth: 0, nodes: [], slots: 0 });
        c.requests += a.requests; c.errors += a.errors; c.micros += a.micros; c.queue_depth += a.queue_depth;
        for (const node of a.nodes) if (!c.nodes.includes(node)) c.nodes.push(node);
        c.slots += a.slots.length;
      }
    }
    return apps;
  }

  function onStats(stats) {
    const nodes = Object.keys(stats.nodes || {});
    $('#node').textContent = 'node ' + stats.node + (stats.tracing ? '' : ' (tracing off)');
    $('#cluster').textContent = nodes.length > 1 ? 'cluster of ' + nodes.length + ': ' + nodes.join(', ') : '';
    $('#unreachable').textContent = Object.entries(stats.unreachable || {}).map(([p, why]) => p + ' unreachable: ' + why).join('; ');
    $('#dropped').textContent = stats.dropped ? stats.dropped + ' spans dropped for this view (too slow)' : '';
    stats.cluster = clusterApps(stats);
    const body = el('tbody');
    for (const [app, a] of Object.entries(stats.cluster).sort()) {
      const before = lastStats && lastStats.cluster[app];
      const seconds = lastStats ? Math.max(0.001, (stats.at - lastStats.at) / 1000) : 1;
      const dReq = before ? a.requests - before.requests : 0;
      const dErr = before ? a.errors - before.errors : 0;
      const dMicros = before ? a.micros - before.micros : 0;
      const avg = dReq > 0 ? ms(dMicros / dReq) : (a.requests > 0 ? ms(a.micros / a.requests) : '-');
      body.append(el('tr', { class: dErr > 0 ? 'error' : '', 'data-app': app },
        el('td', {}, app), el('td', {}, (dReq / seconds).toFixed(1)), el('td', {}, (dErr / seconds).toFixed(1)),
        el('td', {}, avg), el('td', {}, a.queue_depth), el('td', {}, a.nodes.join(', ')),
        el('td', {}, a.slots)));
    }
    $('#apps tbody').replaceWith(body);
    for (const [node, n] of Object.entries(stats.nodes || {})) {
      for (const [app, row] of Object.entries(n.latest || {})) addSample(node, app, row);
    }
    renderCharts();
    renderRouting(stats);
    lastStats = stats;
  }

  function addSample(node, app, row) {
    const apps = series.get(node) || new Map(); series.set(node, apps);
    const rows = apps.get(app) || []; apps.set(app, rows);
    if (rows.length && rows[rows.length - 1][0] >= row[0]) return;
    rows.push(row);
    const oldest = row[0] - historyMs;
    while (rows.length && rows[0][0] < oldest) rows.shift();
  }

  const METRICS = [
    { name: 'req/s', lines: [{ cls: 'requests', value: (r) => r[1] * 1000 / intervalMs }] },
    { name: 'errors/s', lines: [{ cls: 'errors', value: (r) => r[2] * 1000 / intervalMs }] },
    { name: 'latency ms', lines: [{ cls: 'p99', value: (r) => r[4] < 0 ? null : r[4] / 1000 },
      { cls: 'p50', value: (r) => r[3] < 0 ? null : r[3] / 1000 }] },
    { name: 'queue', lines: [{ cls: 'queue', value: (r) => r[5] }] },
  ];

  function renderCharts() {
    const nodes = [...series.keys()].sort();
    const apps = [...new Set(nodes.flatMap((n) => [...series.get(n).keys()]))].sort();
    if (!apps.length) return;
    const now = Math.max(...nodes.flatMap((n) => [...series.get(n).values()].map((rows) => rows.length ? rows[rows.length - 1][0] : 0)));
    $('#legend').replaceChildren(...nodes.map((n, i) => {
      const swatch = el('i'); swatch.style.background = COLORS[i % COLORS.length];
      return el('span', {}, swatch, 'node ' + n);
    }));
    const rows = apps.map((app) => el('div', { class: 'app', 'data-app': app }, el('b', { title: app }, app),
      ...METRICS.map((m) => chart(app, m, nodes, now))));
    $('#charts').replaceChildren(...rows);
  }

  function svg(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
    return e;
  }

  // one metric of one app: a line per node (two for latency), x the last historyMs up to now
  function chart(app, metric, nodes, now) {
    const W = 300, H = 90, LEFT = 34, TOP = 12, BOTTOM = 4;
    const lines = [];
    let max = 0;
    nodes.forEach((node, i) => {
      const rows = series.get(node).get(app) || [];
      for (const line of metric.lines) {
        const points = rows.map((r) => [r[0], line.value(r)]);
        for (const [, v] of points) if (v !== null && v > max) max = v;
        lines.push({ node, color: COLORS[i % COLORS.length], cls: line.cls, points });
      }
    });
    const top = max > 0 ? niceCeiling(max) : 1;
    // the samples there are, at least a minute, at most the whole history
    const oldest = Math.min(now, ...lines.flatMap((l) => l.points.length ? [l.points[0][0]] : []));
    const span = Math.min(historyMs, Math.max(60000, now - oldest));
    const x = (t) => LEFT + (W - LEFT) * (1 - (now - t) / span);
    const y = (v) => TOP + (H - TOP - BOTTOM) * (1 - v / top);
    const box = svg('svg', { class: 'chart', viewBox: '0 0 ' + W + ' ' + H, preserveAspectRatio: 'none',
      'data-app': app, 'data-metric': metric.name });
    box.append(svg('line', { class: 'grid', x1: LEFT, x2: W, y1: y(top), y2: y(top) }),
      svg('line', { class: 'grid', x1: LEFT, x2: W, y1: y(0), y2: y(0) }));
    const label = svg('text', { x: 2, y: 10 }); label.textContent = metric.name + ' ≤ ' + format(top);
    const spanLabel = svg('text', { x: W - 2, y: 10, 'text-anchor': 'end' });
    spanLabel.textContent = 'last ' + (span >= 120000 ? Math.round(span / 60000) + ' min' : Math.round(span / 1000) + ' s');
    box.append(label, spanLabel);
    for (const line of lines) {
      let d = '';
      let pen = 'M';
      let n = 0;
      for (const [t, v] of line.points) {
        if (v === null) continue; // an interval without requests: the line goes on to the next one
        d += pen + x(t).toFixed(1) + ',' + y(v).toFixed(1) + ' ';
        pen = 'L';
        n++;
      }
      if (n) {
        box.append(svg('path', { class: 'line ' + line.cls, d: d.trim(), stroke: line.color, 'data-node': line.node,
          'data-points': n }));
      }
    }
    return box;
  }

  function niceCeiling(v) {
    const p = Math.pow(10, Math.floor(Math.log10(v)));
    for (const m of [1, 2, 5, 10]) if (m * p >= v) return m * p;
    return 10 * p;
  }

  function format(v) {
    return v >= 100 ? v.toFixed(0) : v >= 1 ? String(Math.round(v * 10) / 10) : String(Math.round(v * 100) / 100);
  }

  // the routing groups' split over all nodes: requests per member, the last minute and since start
  function renderRouting(stats) {
    const totals = {};
    for (const n of Object.values(stats.nodes || {})) {
      for (const [group, members] of Object.entries(n.routing || {})) {
        const g = totals[group] || (totals[group] = {});
        for (const [member, count] of Object.entries(members)) g[member] = (g[member] || 0) + count;
      }
    }
    routingSeen.push({ at: stats.at, totals });
    while (routingSeen.length > 1 && routingSeen[0].at < stats.at - 60000) routingSeen.shift();
    const minuteAgo = routingSeen[0].totals;
    const body = el('tbody');
    for (const [group, members] of Object.entries(totals).sort()) {
      const recent = Object.fromEntries(Object.entries(members).map(([m, c]) => [m, c - ((minuteAgo[group] || {})[m] || 0)]));
      const sumRecent = Object.values(recent).reduce((a, b) => a + b, 0);
      const sumAll = Object.values(members).reduce((a, b) => a + b, 0);
      for (const [member, count] of Object.entries(members).sort()) {
        const share = sumRecent ? recent[member] / sumRecent : 0;
        const bar = el('span', { class: 'bar' }); bar.style.width = Math.round(share * 100) + 'px';
        body.append(el('tr', { 'data-group': group, 'data-member': member }, el('td', {}, group), el('td', {}, member),
          el('td', { class: 'share' }, bar, (share * 100).toFixed(0) + '% (' + recent[member] + ')'),
          el('td', {}, (sumAll ? count / sumAll * 100 : 0).toFixed(0) + '% (' + count + ')')));
      }
    }
    $('#routing tbody').replaceWith(body);
  }

  async function showTrace(trace) {
    selected = trace;
    renderRequests();
    $('#waterfall-trace').textContent = trace;
    let data;
    try {
      const r = await fetch('/api/traces/' + trace);
      data = await r.json();
    } catch (e) {
      $('#waterfall').replaceChildren(el('span', { class: 'error' }, 'cannot load trace ' + trace + ': ' + e));
      return;
    }
    renderWaterfall(data.spans);
    for (const [peer, why] of Object.entries(data.unreachable || {})) {
      $('#waterfall').append(el('div', { class: 'error' }, 'spans of ' + peer + ' missing: ' + why));
    }
  }

  function renderWaterfall(spans) {
    if (!spans.length) {
      $('#waterfall').replaceChildren(el('span', { class: 'muted' }, 'no spans of this trace are kept any more'));
      return;
    }
    // parents before children, siblings by start
    const byId = new Map(spans.map((s) => [s.span, s]));
    const depth = (s) => { let d = 0; let p = s; while (p.parent && byId.has(p.parent) && d < 20) { p = byId.get(p.parent); d++; } return d; };
    const start = Math.min(...spans.map((s) => s.start));
    const end = Math.max(...spans.map((s) => s.start + s.duration));
    const total = Math.max(1, end - start);
    const rows = [];
    for (const s of [...spans].sort((a, b) => a.start - b.start || depth(a) - depth(b))) {
      const where = [s.node, s.app, s.slot ? 'slot ' + s.slot.substring(0, 8) : ''].filter((x) => x).join(' · ');
      const bar = el('div', { class: 'bar' });
      bar.style.left = ((s.start - start) / total * 100) + '%';
      bar.style.width = (s.duration / total * 100) + '%';
      const row = el('div', { class: 'row span' + (s.error ? ' error' : ''), 'data-name': s.name },
        el('div', { class: 'label' }, '\u00a0'.repeat(2 * depth(s)), el('b', {}, s.name), ' ', el('span', { class: 'muted' }, where)),
        el('div', { class: 'bar-box' }, bar),
        el('div', {}, ms(s.duration) + ' ms'));
      row.title = s.error ? s.error : JSON.stringify(s.attributes);
      rows.push(row);
    }
    $('#waterfall').replaceChildren(...rows);
  }

  function connect() {
    const source = new EventSource('/api/events');
    source.addEventListener('open', () => { $('#status').textContent = 'live'; $('#status').className = ''; });
    source.addEventListener('error', () => { $('#status').textContent = 'reconnecting…'; $('#status').className = 'down'; });
    source.addEventListener('spans', (e) => onSpans(JSON.parse(e.data)));
    source.addEventListener('stats', (e) => { const s = JSON.parse(e.data); s.at = Date.now(); onStats(s); });
  }

  // what happened before the page was opened: this node's latest spans, every node's samples
  const history = fetch('/api/history').then((r) => r.json()).then((h) => {
    intervalMs = h.interval_ms;
    historyMs = h.interval_ms * h.size;
    for (const [node, apps] of Object.entries(h.nodes)) {
      for (const [app, rows] of Object.entries(apps)) for (const row of rows) addSample(node, app, row);
    }
    renderCharts();
  }).catch(() => {});
  fetch('/api/spans?limit=2000').then((r) => r.json()).then((d) => onSpans(d.spans)).finally(() => history.finally(connect));
})();
