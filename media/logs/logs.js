// The Slipway log panel (a webview view). The extension streams an app's log here in batches
// ({type:'lines', lines:[[time, source, dyno, message], …]}, every ~75 ms). The DOM is bounded:
// the panel keeps the last `cap` lines as data and draws only the rows in sight, reusing a pool
// of row nodes (a virtual list), at most once an animation frame. Filters (dyno, source, text)
// apply to the kept lines; follow sticks to the bottom; pause freezes what is shown while lines
// keep arriving (held, then added on resume).
(function () {
  'use strict';
  const vscode = acquireVsCodeApi();
  const $ = (id) => document.getElementById(id);
  const ui = { app: $('app'), dyno: $('dyno'), source: $('source'), text: $('text'), follow: $('follow'), pause: $('pause'), clear: $('clear'), status: $('status'), viewport: $('viewport'), spacer: $('spacer'), rows: $('rows'), empty: $('empty') };

  let cap = 10000;
  let lines = []; // [time, source, dyno, message] as they arrive (no copy): kept lines, oldest first
  let matches = []; // indices into `lines` of the lines that pass the filters, from `mHead`
  let mHead = 0;
  let dropped = 0; // lines dropped from the front of `lines` since the last compaction
  let held = []; // arrived while paused
  let heldDropped = 0;
  let received = 0; // lines received since the last reset
  let overflowMarkers = 0;
  let follow = true;
  let paused = false;
  let filter = { dyno: '', source: '', text: '' };
  let rowH = 18;
  let scheduled = false;
  let expectedTop = -1;
  const seenDynos = new Set();
  const pool = [];

  const COLORS = 8;
  const colors = new Map();
  function colorOf(dyno) {
    let c = colors.get(dyno);
    if (c === undefined) {
      let h = 0;
      for (let i = 0; i < dyno.length; i++) h = (h * 31 + dyno.charCodeAt(i)) | 0;
      c = 'c' + (Math.abs(h) % COLORS);
      colors.set(dyno, c);
    }
    return c;
  }

  function passes(l) {
    const d = l[2];
    if (d === 'logplex') return true; // a drop marker shows whatever the filters (as the platform sends it)
    if (filter.dyno && d !== filter.dyno && !d.startsWith(filter.dyno + '.')) return false;
    if (filter.source && l[1] !== filter.source) return false;
    if (filter.text && l[3].toLowerCase().indexOf(filter.text) < 0) return false;
    return true;
  }

  function noteDyno(d) {
    if (seenDynos.has(d) || d === 'logplex') return;
    seenDynos.add(d);
    const type = d.replace(/\.\d+$/, '');
    if (type !== d) seenDynos.add(type);
    renderDynoOptions();
  }

  function renderDynoOptions() {
    const current = ui.dyno.value || filter.dyno;
    const names = Array.from(seenDynos).sort();
    if (current && !seenDynos.has(current)) names.unshift(current);
    ui.dyno.textContent = '';
    ui.dyno.appendChild(new Option('all dynos', ''));
    for (const n of names) ui.dyno.appendChild(new Option(n, n));
    ui.dyno.value = current;
  }

  function ingest(batch) {
    for (const l of batch) {
      if (l[2] === 'logplex') overflowMarkers++;
      noteDyno(l[2]);
      lines.push(l);
      if (passes(l)) matches.push(lines.length - 1 + dropped);
    }
    received += batch.length;
    trim();
    invalidate();
  }

  /** Keeps the last `cap` lines; indices in `matches` are absolute (they count dropped lines). */
  function trim() {
    const excess = lines.length - cap;
    if (excess <= 0) return;
    // amortised: cut once the surplus is a quarter of the cap
    if (excess < Math.max(256, cap >> 2)) return;
    lines = lines.slice(excess);
    dropped += excess;
    let k = mHead;
    while (k < matches.length && matches[k] < dropped) k++;
    const removedRows = k - mHead;
    mHead = k;
    if (mHead > 4096 && mHead > matches.length >> 1) {
      matches = matches.slice(mHead);
      mHead = 0;
    }
    if (!follow && removedRows > 0) scrollTo(ui.viewport.scrollTop - removedRows * rowH);
  }

  function refilter() {
    expectedTop = -1; // the list shrinks or grows: a moved scrollTop says nothing about the user
    matches = [];
    mHead = 0;
    for (let i = 0; i < lines.length; i++) if (passes(lines[i])) matches.push(i + dropped);
    invalidate();
  }

  function reset() {
    lines = [];
    matches = [];
    mHead = 0;
    dropped = 0;
    held = [];
    heldDropped = 0;
    received = 0;
    overflowMarkers = 0;
    invalidate();
  }

  function scrollTo(top) {
    const max = Math.max(0, ui.viewport.scrollHeight - ui.viewport.clientHeight);
    const t = Math.max(0, Math.min(max, top));
    expectedTop = t;
    ui.viewport.scrollTop = t;
  }

  function rowNode(i) {
    while (pool.length <= i) {
      const row = document.createElement('div');
      row.className = 'row';
      const t = row.appendChild(document.createElement('span'));
      t.className = 't';
      const d = row.appendChild(document.createElement('span'));
      const m = row.appendChild(document.createElement('span'));
      m.className = 'm';
      ui.rows.appendChild(row);
      pool.push({ row, t, d, m, key: -1 });
    }
    return pool[i];
  }

  const pad = (n, w) => String(n).padStart(w, '0');
  function clock(iso) {
    const d = new Date(iso);
    if (isNaN(d.getTime())) return iso;
    return `${pad(d.getHours(), 2)}:${pad(d.getMinutes(), 2)}:${pad(d.getSeconds(), 2)}.${pad(d.getMilliseconds(), 3)}`;
  }

  function tag(l) {
    return l[1] === 'api' ? 'app[api]' : `${l[1]}[${l[2]}]`;
  }

  let renderedRows = 0;
  /** Draws on the next animation frame (once, however many batches arrive before it). */
  function invalidate() {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(render);
  }

  function render() {
    scheduled = false;
    // the user moved the view up since we last set it, and its scroll event has not come yet
    if (follow && expectedTop >= 0 && ui.viewport.scrollTop < expectedTop - 1) setFollow(false);
    const count = matches.length - mHead;
    const height = count * rowH;
    if (ui.spacer.style.height !== height + 'px') ui.spacer.style.height = height + 'px';
    if (follow) scrollTo(height);
    const top = ui.viewport.scrollTop;
    const first = Math.max(0, Math.floor(top / rowH) - 2);
    const visible = Math.ceil(ui.viewport.clientHeight / rowH) + 5;
    const last = Math.min(count, first + visible);
    ui.rows.style.transform = `translateY(${first * rowH}px)`;
    let n = 0;
    for (let r = first; r < last; r++, n++) {
      const abs = matches[mHead + r];
      const p = rowNode(n);
      if (p.key === abs && p.row.hidden === false) continue;
      const l = lines[abs - dropped];
      p.key = abs;
      p.row.hidden = false;
      p.row.className = l[2] === 'logplex' ? 'row s-' + l[1] + ' warn' : 'row s-' + l[1];
      p.t.textContent = clock(l[0]);
      p.d.className = 'd ' + colorOf(l[2]);
      p.d.textContent = tag(l);
      p.m.textContent = l[3];
    }
    for (let i = n; i < pool.length; i++) {
      if (!pool[i].row.hidden) {
        pool[i].row.hidden = true;
        pool[i].key = -1;
      }
    }
    renderedRows = n;
    ui.empty.hidden = count > 0;
    if (count === 0) ui.empty.textContent = lines.length ? 'No line matches the filters.' : 'No log lines yet.';
    updateStatus();
  }

  let statusText = '';
  function updateStatus() {
    const shown = matches.length - mHead;
    const parts = [statusText];
    parts.push(`${shown.toLocaleString()} ${shown === 1 ? 'line' : 'lines'}${shown !== lines.length ? ` of ${lines.length.toLocaleString()}` : ''}`);
    if (paused) parts.push(`paused · ${(held.length + heldDropped).toLocaleString()} new`);
    if (overflowMarkers) parts.push(`${overflowMarkers} drop marker${overflowMarkers === 1 ? '' : 's'} (L10)`);
    const text = parts.filter(Boolean).join(' · ');
    if (ui.status.textContent !== text) ui.status.textContent = text;
    // read by the harness's load measurement (test/extension/harness/mode-logs-load.ts)
    document.body.dataset.received = String(received);
    document.body.dataset.markers = String(overflowMarkers);
  }

  function setFollow(on) {
    follow = on;
    ui.follow.setAttribute('aria-pressed', String(on));
    if (on) invalidate();
  }

  function setPaused(on) {
    paused = on;
    ui.pause.setAttribute('aria-pressed', String(on));
    ui.pause.textContent = on ? 'Resume' : 'Pause';
    if (!on && (held.length || heldDropped)) {
      const batch = held;
      held = [];
      heldDropped = 0;
      ingest(batch);
    }
    invalidate();
  }

  function measureRow() {
    const probe = rowNode(0);
    probe.row.hidden = false;
    probe.m.textContent = 'Xy';
    const h = probe.row.getBoundingClientRect().height;
    if (h > 0) rowH = h;
    probe.row.hidden = true;
  }

  function state() {
    const rows = pool.filter((p) => !p.row.hidden);
    return {
      app: ui.app.value,
      received,
      kept: lines.length,
      matching: matches.length - mHead,
      held: held.length,
      rendered: renderedRows,
      domRows: ui.rows.childElementCount,
      overflowMarkers,
      follow,
      paused,
      filter,
      dynos: Array.from(seenDynos).sort(),
      firstRow: rows.length ? rows[0].d.textContent + ' ' + rows[0].m.textContent : null,
      lastRow: rows.length ? rows[rows.length - 1].d.textContent + ' ' + rows[rows.length - 1].m.textContent : null,
      rowHeight: rowH,
    };
  }

  window.addEventListener('message', (event) => {
    const msg = event.data;
    switch (msg.type) {
      case 'init':
        cap = msg.cap;
        break;
      case 'apps': {
        ui.app.textContent = '';
        if (!msg.apps.length) ui.app.appendChild(new Option('(no apps)', ''));
        for (const a of msg.apps) ui.app.appendChild(new Option(a, a));
        ui.app.value = msg.app || '';
        break;
      }
      case 'reset':
        reset();
        if (msg.app !== undefined) ui.app.value = msg.app;
        seenDynos.clear();
        renderDynoOptions();
        break;
      case 'lines':
        if (paused) {
          for (const l of msg.lines) held.push(l);
          if (held.length > cap) {
            heldDropped += held.length - cap;
            held = held.slice(held.length - cap);
          }
          updateStatus();
        } else ingest(msg.lines);
        break;
      case 'filter':
        if (msg.dyno !== undefined) {
          filter.dyno = msg.dyno;
          renderDynoOptions();
          ui.dyno.value = msg.dyno;
        }
        if (msg.source !== undefined) ui.source.value = filter.source = msg.source;
        if (msg.text !== undefined) {
          ui.text.value = msg.text;
          filter.text = msg.text.toLowerCase();
        }
        refilter();
        break;
      case 'status':
        statusText = msg.text;
        ui.status.className = 'status ' + (msg.state || '');
        updateStatus();
        break;
      case 'hello': // shown again with this page kept: start over
        vscode.postMessage({ type: 'ready' });
        break;
      case 'probe':
        vscode.postMessage({ type: 'probe', id: msg.id, state: state() });
        break;
    }
  });

  ui.app.addEventListener('change', () => vscode.postMessage({ type: 'app', app: ui.app.value }));
  ui.dyno.addEventListener('change', () => {
    filter.dyno = ui.dyno.value;
    refilter();
  });
  ui.source.addEventListener('change', () => {
    filter.source = ui.source.value;
    refilter();
  });
  let textTimer = 0;
  ui.text.addEventListener('input', () => {
    clearTimeout(textTimer);
    textTimer = setTimeout(() => {
      filter.text = ui.text.value.toLowerCase();
      refilter();
    }, 120);
  });
  ui.follow.addEventListener('click', () => setFollow(!follow));
  ui.pause.addEventListener('click', () => setPaused(!paused));
  ui.clear.addEventListener('click', () => vscode.postMessage({ type: 'clear' }));
  // Scrolling up stops following at once (a frame drawn meanwhile would scroll back down).
  ui.viewport.addEventListener('wheel', (e) => e.deltaY < 0 && follow && setFollow(false), { passive: true });
  ui.viewport.addEventListener('keydown', (e) => ['ArrowUp', 'PageUp', 'Home'].includes(e.key) && follow && setFollow(false));
  ui.viewport.addEventListener('mousedown', (e) => e.offsetX >= ui.viewport.clientWidth && follow && setFollow(false)); // on the scrollbar
  ui.viewport.addEventListener('scroll', () => {
    const top = ui.viewport.scrollTop;
    if (Math.abs(top - expectedTop) > 1) {
      // the user scrolled: follow again only at the bottom
      const atBottom = top + ui.viewport.clientHeight >= ui.viewport.scrollHeight - rowH;
      if (atBottom !== follow) setFollow(atBottom);
      expectedTop = top;
    }
    invalidate();
  });
  window.addEventListener('resize', () => {
    expectedTop = -1; // the browser may move scrollTop itself
    invalidate();
  });

  measureRow();
  invalidate();
  vscode.postMessage({ type: 'ready' });
})();
