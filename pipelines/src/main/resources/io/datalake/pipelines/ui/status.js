// The status page: reads /api/* (JSON, made by StatusPage) every few seconds and draws the tables,
// the sparklines and the lineage graph. Everything shown is set as text (never as HTML), so a
// table name or a dead letter's reason cannot inject markup.
'use strict';

const REFRESH_MILLIS = 5000;
const SVG = 'http://www.w3.org/2000/svg';

function el(tag, attrs, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') e.className = v; else e.setAttribute(k, v);
  }
  for (const c of children) e.append(c instanceof Node ? c : String(c));
  return e;
}

function svg(tag, attrs) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs || {})) e.setAttribute(k, v);
  return e;
}

function utc(seconds) {
  if (!seconds) return '-';
  return new Date(seconds * 1000).toISOString().replace('T', ' ').slice(0, 19) + ' UTC';
}

function span(seconds) {
  if (seconds < 0) return '-';
  if (seconds < 120) return seconds + ' s';
  if (seconds < 7200) return Math.round(seconds / 60) + ' min';
  if (seconds < 172800) return Math.round(seconds / 3600) + ' h';
  return Math.round(seconds / 86400) + ' d';
}

function ago(now, seconds) {
  return seconds ? span(now - seconds) + ' ago' : '-';
}

function num(n) {
  return Number(n).toLocaleString('en-US');
}

/** Shows why a section's source answered nothing, or hides the message. */
function unavailable(section, reason) {
  const box = section.querySelector('.unavailable');
  box.hidden = !reason;
  box.textContent = reason ? 'Unavailable: ' + reason : '';
}

function fill(section, rows, columns, empty) {
  const body = section.querySelector('tbody');
  body.replaceChildren();
  if (rows.length === 0) {
    body.append(el('tr', {class: 'empty'}, el('td', {colspan: columns}, empty)));
  }
  for (const row of rows) body.append(row);
}

/** Rows per minute as a polyline, the last point the current minute. */
function sparkline(counts) {
  const w = 180, h = 24, max = Math.max(1, ...counts);
  const s = svg('svg', {class: 'spark', width: w, height: h, viewBox: `0 0 ${w} ${h}`});
  const total = counts.reduce((a, b) => a + b, 0);
  const title = svg('title');
  title.textContent = `${num(total)} rows in the last hour, at most ${num(max)} a minute`;
  s.append(title, svg('line', {x1: 0, y1: h - 1, x2: w, y2: h - 1}));
  const step = w / (counts.length - 1);
  const points = counts.map((c, i) => `${(i * step).toFixed(1)},${(h - 2 - (c / max) * (h - 4)).toFixed(1)}`);
  s.append(svg('polyline', {points: points.join(' ')}));
  return s;
}

function lagClass(lag) {
  if (lag < 300) return 'lag-ok';
  return lag < 3600 ? 'lag-warn' : 'lag-bad';
}

function drawFreshness(data) {
  const section = document.getElementById('freshness');
  unavailable(section, data.available ? null : data.reason);
  if (!data.available) return;
  fill(section, data.tables.map(t => el('tr', {'data-table': t.table},
      el('td', {}, t.table), el('td', {}, t.kind), el('td', {}, t.org_id),
      el('td', {}, utc(t.newest_event_time)),
      el('td', {class: lagClass(t.event_lag_seconds)}, span(t.event_lag_seconds)),
      el('td', {title: utc(t.last_write)}, ago(data.now, t.last_write)),
      el('td', {class: 'num'}, num(t.rows_last_hour)), el('td', {class: 'num'}, num(t.rows_last_day)),
      el('td', {class: 'num'}, num(t.rows_total)),
      el('td', {class: 'num', title: num(t.late_rows_last_hour) + ' in the last hour'}, num(t.late_rows)),
      el('td', {}, sparkline(t.rows_per_minute)))),
    11, 'No rows in the warehouse database ' + data.database + ' yet.');
}

function drawDeadLetters(data) {
  const section = document.getElementById('dead-letters');
  unavailable(section, data.available ? null : data.reason);
  if (!data.available) return;
  fill(section, data.dead_letters.map(d => el('tr', {},
      el('td', {}, d.kind), el('td', {}, d.table || '-'), el('td', {}, d.step),
      el('td', {class: 'reason'}, d.reason),
      el('td', {class: 'num'}, num(d.dead_letters_last_hour)),
      el('td', {class: 'num'}, num(d.dead_letters_last_day)),
      el('td', {class: 'num'}, num(d.dead_letters_total)),
      el('td', {title: utc(d.last_dead_letter)}, ago(data.now, d.last_dead_letter)))),
    8, 'No dead letters.');
}

/** A count the run recorded, or '-' when it recorded none (a stream, a run without its end). */
function counted(counts, name) {
  return counts && counts[name] !== undefined ? num(counts[name]) : '-';
}

function drawRuns(data) {
  const section = document.getElementById('runs');
  unavailable(section, data.available ? null : data.reason);
  if (!data.available) return;
  fill(section, data.runs.map(r => el('tr', {'data-run': r.run_id},
      el('td', {title: r.run_id}, r.run_id.slice(0, 16)), el('td', {}, r.mode),
      r.lost
        ? el('td', {class: 'run-lost', title: 'Still running by its record, but the JVM that waits on it '
            + 'has not said so since ' + utc(r.alive_at) + ': it was killed or its host is gone, or it '
            + 'could not write the end to ClickHouse (see its log and the lake\'s _runs/' + r.run_id
            + '.json). A job on a Flink cluster or Dataflow may run on: see their job lists.'},
            'lost')
        : el('td', {class: 'run-' + r.state}, r.state),
      el('td', {title: utc(r.started_at)}, ago(data.now, r.started_at)),
      el('td', {class: 'num'}, r.ended_at ? span(r.ended_at - r.started_at) : '-'),
      el('td', {class: 'num'}, counted(r.counts, 'input_records')),
      el('td', {class: 'num'}, counted(r.counts, 'dead_letters')),
      el('td', {}, r.runner), el('td', {}, r.lake))),
    9, 'No runs recorded in ' + data.database + ' yet.');
}

function drawJobs(data) {
  const section = document.getElementById('jobs');
  unavailable(section, data.available ? null : data.reason);
  const overview = section.querySelector('.overview');
  overview.textContent = data.available
    ? `Flink ${data.flink_version} at ${data.url}: ${data.task_managers} TaskManagers, ` +
      `${data.slots_free} of ${data.slots_total} slots free.`
    : '';
  fill(section, (data.jobs || []).map(j => el('tr', {},
      el('td', {}, j.id.slice(0, 8)), el('td', {}, j.name),
      el('td', {class: 'state-' + j.state}, j.state), el('td', {}, j.startTime),
      el('td', {class: 'num'}, span(Math.round(j.durationMillis / 1000))))),
    5, data.available ? 'No jobs on the cluster.' : 'No cluster.');
}

/**
 * The lineage as boxes in columns: a node's column is its longest path from a source (kinds
 * first, then lake tables, then ClickHouse tables); nodes without edges go last.
 */
function drawLineage(data) {
  const section = document.getElementById('lineage');
  unavailable(section, data.available ? null : data.reason);
  if (!data.available) return;
  const incoming = new Map(data.nodes.map(n => [n.id, []]));
  const linked = new Set();
  for (const e of data.edges) {
    incoming.get(e.to).push(e.from);
    linked.add(e.from); linked.add(e.to);
  }
  const depth = new Map();
  const depthOf = id => {
    if (!depth.has(id)) {
      depth.set(id, 0); // a cycle cannot recurse forever
      depth.set(id, Math.max(0, ...incoming.get(id).map(f => depthOf(f) + 1)));
    }
    return depth.get(id);
  };
  data.nodes.forEach(n => depthOf(n.id));
  const deepest = Math.max(0, ...depth.values());
  const columns = [];
  for (const n of data.nodes) {
    const c = linked.has(n.id) ? depth.get(n.id) : deepest + 1;
    (columns[c] = columns[c] || []).push(n);
  }
  const boxW = 200, boxH = 20, gapX = 90, gapY = 6, pad = 4;
  const at = new Map();
  columns.forEach((col, c) => (col || []).forEach((n, r) =>
    at.set(n.id, {x: pad + c * (boxW + gapX), y: pad + r * (boxH + gapY)})));
  const width = pad * 2 + columns.length * (boxW + gapX) - gapX;
  const height = pad * 2 + Math.max(...columns.map(c => (c || []).length)) * (boxH + gapY);
  const graph = svg('svg', {width, height, viewBox: `0 0 ${width} ${height}`, role: 'img'});
  for (const e of data.edges) {
    const a = at.get(e.from), b = at.get(e.to);
    const x1 = a.x + boxW, y1 = a.y + boxH / 2, x2 = b.x, y2 = b.y + boxH / 2;
    const path = svg('path', {class: 'edge',
      d: `M${x1},${y1} C${x1 + gapX / 2},${y1} ${x2 - gapX / 2},${y2} ${x2},${y2}`});
    const title = svg('title');
    title.textContent = `${e.from} -> ${e.to}: ${e.relation}` +
      (e.steps.length ? '; steps ' + e.steps.join(' > ') : '');
    path.append(title);
    graph.append(path);
  }
  for (const n of data.nodes) {
    const p = at.get(n.id);
    const g = svg('g', {class: 'node node-' + n.role, 'data-id': n.id});
    const title = svg('title');
    title.textContent = n.id + (n.detail ? ': ' + n.detail : '');
    const text = svg('text', {x: p.x + 6, y: p.y + 14});
    text.textContent = (n.role === 'warehouse_table' ? 'ClickHouse ' : n.role === 'lake_table' ? 'lake ' : '') + n.name;
    g.append(title, svg('rect', {x: p.x, y: p.y, width: boxW, height: boxH, rx: 4}), text);
    graph.append(g);
  }
  section.querySelector('.graph').replaceChildren(graph);
}

async function load(name) {
  const answer = await fetch('api/' + name, {cache: 'no-store'});
  if (!answer.ok) return {available: false, reason: `the page's server answered ${answer.status}`};
  return answer.json();
}

async function guarded(name, draw) {
  try {
    draw(await load(name));
  } catch (e) {
    // The page's own server stopped (./datalake ui ended): say so, keep the last figures.
    draw({available: false, reason: `no answer from the status page's server (${e.message})`});
  }
}

let refreshes = 0;

async function refresh() {
  await Promise.all([
    guarded('freshness', drawFreshness),
    guarded('dead-letters', drawDeadLetters),
    guarded('runs', drawRuns),
    guarded('jobs', drawJobs),
  ]);
  refreshes++;
  document.body.dataset.refreshes = refreshes;
  document.getElementById('refreshed').textContent =
    'refreshed ' + utc(Math.floor(Date.now() / 1000)) + ', every ' + REFRESH_MILLIS / 1000 + ' s';
  setTimeout(refresh, REFRESH_MILLIS);
}

guarded('lineage', drawLineage).then(refresh);
