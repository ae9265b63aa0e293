// The tracing dashboard: live spans and per-app totals from /api/events (server-sent events),
// a request's waterfall from /api/traces/<id>. No build step: plain browser JavaScript.
(function () {
  'use strict';
  const MAX_REQUESTS = 200;
  const requests = [];          // first hop of each request (proxy, or app-service without parent), newest first
  const slotsByTrace = new Map(); // trace -> [{node, app, slot}] from slot spans, for the flow tree
  let lastStats = null;
  let selected = null;

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

  function onStats(stats) {
    $('#node').textContent = 'node ' + stats.node + (stats.tracing ? '' : ' (tracing off)');
    $('#dropped').textContent = stats.dropped ? stats.dropped + ' spans dropped for this view (too slow)' : '';
    const body = el('tbody');
    for (const [app, a] of Object.entries(stats.apps)) {
      const before = lastStats && lastStats.apps[app];
      const seconds = lastStats ? Math.max(0.001, (stats.at - lastStats.at) / 1000) : 1;
      const dReq = before ? a.requests - before.requests : 0;
      const dErr = before ? a.errors - before.errors : 0;
      const dMicros = before ? a.micros - before.micros : 0;
      const avg = dReq > 0 ? ms(dMicros / dReq) : (a.requests > 0 ? ms(a.micros / a.requests) : '-');
      body.append(el('tr', { class: dErr > 0 ? 'error' : '', 'data-app': app },
        el('td', {}, app), el('td', {}, (dReq / seconds).toFixed(1)), el('td', {}, (dErr / seconds).toFixed(1)),
        el('td', {}, avg), el('td', {}, a.queue_depth), el('td', {}, a.nodes.join(', ')),
        el('td', {}, a.slots.length)));
    }
    $('#apps tbody').replaceWith(body);
    lastStats = stats;
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

  // what happened before the page was opened
  fetch('/api/spans?limit=2000').then((r) => r.json()).then((d) => onSpans(d.spans)).finally(connect);
})();
