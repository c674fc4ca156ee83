// Gantt charts: rows of segments over time (the goroutine and processor
// timelines, tasks and regions). The data comes in tiles (html/lod.go):
// for each row, the page draws from the coarsest tile that is fine enough
// for the view and covers it, then merges what would be narrower than
// MIN_PX pixels, so that what is drawn stays proportional to the pixels
// whatever the zoom. ECharts draws each visible row as one item of a
// custom series: a group of paths, one per colour.
//
// Only the rows in view are given to ECharts; a scrollbar at the right
// moves through the others (the wheel scrolls the page, not the rows).
(function (vz) {
  var ROW = 22, MAX_VISIBLE = 30, MIN_PX = 2;
  var byName = {};

  function Gantt(key, block, hooks) {
    var g = this;
    g.key = key;
    g.spec = vz.spec(key);
    g.block = block;
    g.rows = block.rows || [];
    g.tiles = block.tiles || [];
    g.hooks = hooks || {};
    g.maxVisible = g.hooks.maxVisible || MAX_VISIBLE;
    g.rowTiles = g.rows.map(function () { return []; });
    g.tiles.forEach(function (t, ti) {
      t.rows.forEach(function (r, k) { g.rowTiles[r].push([ti, k]); });
    });
    g.dec = g.tiles.map(function () { return []; });
    g.expanded = new Set();
    g.highlight = new Set();
    g.selected = -1;
    g.query = "";
    g.first = 0;
    g.draw = [];
    g.coarse = 0;
    g.coarseMembers = 0;
    g.steps = null; // a highlighted chain: row -> [[start, end]...]
    g.only = null; // a Set: the rows displayed, when not all are
    byName[g.spec.series[0]] = g;
    g.layout();
  }

  // decode turns a tile's flat, delta-encoded row into arrays.
  Gantt.prototype.decode = function (ti, k) {
    var d = this.dec[ti][k];
    if (d) return d;
    var t = this.tiles[ti], f = t.segs[k], n = f.length / 5;
    d = { n: n, s: new Float64Array(n), e: new Float64Array(n), c: new Int16Array(n), r: new Int32Array(n), x: new Int32Array(n) };
    var prev = t.from;
    for (var i = 0, j = 0; i < n; i++, j += 5) {
      d.s[i] = prev + f[j];
      d.e[i] = d.s[i] + f[j + 1];
      d.c[i] = f[j + 2];
      d.r[i] = f[j + 3];
      d.x[i] = f[j + 4];
      prev = d.e[i];
    }
    this.dec[ti][k] = d;
    return d;
  };

  // pick chooses the tile a row is drawn from for [a, b] at nsPerPx:
  // among those covering the view, the coarsest fine enough, else the
  // finest. It returns [tile index, position, effective resolution].
  Gantt.prototype.pick = function (r, a, b, nsPerPx) {
    var best = null, bestRes = 0, finest = null, finestRes = Infinity;
    var coarsened = vz.D.coarsened || 0;
    var cands = this.rowTiles[r];
    for (var i = 0; i < cands.length; i++) {
      var t = this.tiles[cands[i][0]];
      if (t.from > a || t.to < b) continue;
      var res = Math.max(t.res, coarsened);
      if (res <= nsPerPx * MIN_PX && (best === null || res > bestRes)) { best = cands[i]; bestRes = res; }
      if (res < finestRes || finest === null) { finest = cands[i]; finestRes = res; }
    }
    if (best) return [best[0], best[1], bestRes];
    if (finest) return [finest[0], finest[1], finestRes];
    return cands.length ? [cands[0][0], cands[0][1], Math.max(this.tiles[cands[0][0]].res, coarsened)] : null;
  };

  // items is what row r draws over [a, b] at nsPerPx: segments at least
  // MIN_PX wide as they are, narrower ones merged into runs. An item is
  // {s, e, c, r, x, m}: m is true for a merged run or segment.
  Gantt.prototype.items = function (r, a, b, nsPerPx) {
    var p = this.pick(r, a, b, nsPerPx);
    var out = [];
    if (!p) return { items: out, res: 0 };
    var d = this.decode(p[0], p[1]);
    var lo = 0, hi = d.n;
    while (lo < hi) { var mid = (lo + hi) >> 1; if (d.e[mid] <= a) lo = mid + 1; else hi = mid; }
    var minNs = nsPerPx * MIN_PX;
    var run = null, times = null, touched = null;
    function flush() {
      if (!run) return;
      var best = -1, bestT = -1, total = 0;
      for (var i = 0; i < touched.length; i++) {
        var c = touched[i], t = times[c];
        total += t;
        if (t > bestT || (t === bestT && c < best)) { best = c; bestT = t; }
      }
      out.push({ s: run.s, e: run.e, c: best, r: run.unknown ? -1 : -run.n, x: total > 0 ? Math.floor(100 * bestT / total) : 0, m: true, busy: run.busy });
      run = null;
    }
    for (var i = lo; i < d.n && d.s[i] < b; i++) {
      var s = d.s[i], e = d.e[i], w = e - s;
      var merged = d.r[i] < 0;
      if (w >= minNs) {
        flush();
        out.push({ s: s, e: e, c: d.c[i], r: d.r[i], x: d.x[i], m: merged });
        continue;
      }
      if (run && s - run.e >= minNs) flush();
      if (!run) {
        run = { s: s, e: e, n: 0, unknown: false, busy: 0 };
        times = {};
        touched = [];
      }
      run.e = e;
      run.n += merged ? (d.r[i] === -1 ? 1 : -d.r[i]) : 1;
      run.unknown = run.unknown || d.r[i] === -1;
      // Processors: aux is the busy percent of a merged segment.
      var busy = merged ? w * d.x[i] / 100 : w;
      run.busy += busy;
      if (times[d.c[i]] === undefined) { times[d.c[i]] = 0; touched.push(d.c[i]); }
      times[d.c[i]] += Math.max(this.hooks.busy ? busy : w, 1);
      if (run.e - run.s >= minNs) flush();
    }
    flush();
    if (this.hooks.busy) {
      out.forEach(function (it) {
        if (it.busy !== undefined) it.x = Math.min(100, Math.round(100 * it.busy / Math.max(it.e - it.s, 1)));
      });
    }
    return { items: out, res: p[2] };
  };

  // layout decides which rows are displayed, in order: the rows shown at
  // first, each expanded group followed by its members; with a filter,
  // the rows (members included) whose label or group matches.
  Gantt.prototype.layout = function () {
    var g = this, q = g.query, rows = g.rows, order = [];
    var members = {};
    rows.forEach(function (row, i) {
      if (row.parent >= 0) (members[row.parent] = members[row.parent] || []).push(i);
    });
    function match(i) {
      var row = rows[i], group = row.group >= 0 ? vz.D.groupNames[row.group] || "" : "";
      return row.label.toLowerCase().indexOf(q) >= 0 || (row.full || "").toLowerCase().indexOf(q) >= 0 || group.toLowerCase().indexOf(q) >= 0;
    }
    rows.forEach(function (row, i) {
      if (g.only) {
        // Only these rows (a highlighted path's), members included.
        if (g.only.has(i) && (q === "" || match(i))) order.push(i);
        return;
      }
      if (row.parent >= 0) return;
      if (q === "") {
        order.push(i);
        if (g.expanded.has(i) && members[i]) order.push.apply(order, members[i]);
        return;
      }
      if (match(i)) order.push(i);
      if (members[i]) members[i].forEach(function (m) { if (match(m)) order.push(m); });
    });
    g.members = members;
    g.order = order;
    if (g.only) {
      // Only some rows: the chart keeps its height (no resize, nothing
      // below it moves).
      g.visible = g.fullVisible || Math.max(1, Math.min(order.length, g.maxVisible));
    } else {
      g.visible = Math.max(1, Math.min(order.length, g.maxVisible));
      g.fullVisible = g.visible;
    }
    g.first = Math.max(0, Math.min(g.first, order.length - g.visible));
  };

  Gantt.prototype.height = function () {
    var gs = this.tc ? this.tc.gridSpec : { top: 8, bottom: 28 };
    return this.visible * ROW + gs.top + gs.bottom + 2;
  };

  // prepare computes what the visible rows draw at the current window.
  Gantt.prototype.prepare = function () {
    var g = this, v = vz.view, tc = g.tc;
    var width = tc ? vz.gridOf(tc).width : 1000;
    var nsPerPx = (v.b - v.a) / Math.max(width, 1);
    g.draw = [];
    g.coarse = 0;
    g.coarseMembers = 0;
    for (var i = 0; i < g.visible && g.first + i < g.order.length; i++) {
      var r = g.order[g.first + i];
      var it = g.items(r, v.a, v.b, nsPerPx);
      if (it.res > nsPerPx * MIN_PX && it.items.length) {
        if (g.rows[r].parent >= 0) {
          // Rows of an expanded group have a smaller budget: said apart.
          g.coarseMembers = Math.max(g.coarseMembers || 0, it.res);
        } else {
          g.coarse = Math.max(g.coarse, it.res);
        }
      }
      g.draw.push({ row: r, items: it.items });
    }
    g.nsPerPx = nsPerPx;
  };

  Gantt.prototype.label = function (r) {
    var row = this.rows[r];
    var l = this.hooks.label ? this.hooks.label(r, row) : row.label;
    return (r === this.selected ? "▶ " : "") + l;
  };

  // render gives ECharts the visible rows.
  Gantt.prototype.render = function () {
    var g = this, v = vz.view;
    if (!g.chart) return;
    var labels = g.draw.map(function (d) { return g.label(d.row); });
    var data = g.draw.map(function (d, i) { return [i]; });
    g.chart.setOption({
      xAxis: [{ min: v.a, max: v.b, interval: vz.fmt.axis.step }],
      yAxis: [{ data: labels }],
      series: [{ data: data }]
    });
    g.scrollbar();
    if (g.hooks.rendered) g.hooks.rendered(g);
  };

  Gantt.prototype.refresh = function () { this.prepare(); this.render(); };

  // relayout applies a change of the displayed rows (filter, expansion).
  Gantt.prototype.relayout = function () {
    var g = this;
    g.layout();
    var h = g.height() + "px";
    if (g.el.style.height !== h) {
      g.el.style.height = h;
      g.chart.resize();
    }
    g.refresh();
  };

  // The row scrollbar, when there are more rows than fit.
  Gantt.prototype.scrollbar = function () {
    var g = this, gr = vz.gridOf(g.tc);
    if (!g.bar) {
      g.bar = vz.el("div", "vz-rows");
      g.bar.setAttribute("aria-hidden", "true");
      g.bar.appendChild(vz.el("div"));
      g.tc.box.appendChild(g.bar);
      g.bar.addEventListener("scroll", function () {
        var first = Math.round(g.bar.scrollTop / ROW);
        if (first === g.first || g.scrolling) return;
        g.scrolling = true;
        requestAnimationFrame(function () {
          g.scrolling = false;
          g.first = Math.max(0, Math.min(Math.round(g.bar.scrollTop / ROW), g.order.length - g.visible));
          g.refresh();
        });
      });
    }
    g.bar.hidden = g.order.length <= g.visible;
    g.bar.style.top = gr.top + "px";
    g.bar.style.height = gr.height + "px";
    g.bar.firstChild.style.height = g.order.length * ROW + "px";
    var want = g.first * ROW;
    if (Math.abs(g.bar.scrollTop - want) >= ROW / 2) {
      g.scrolling = true;
      g.bar.scrollTop = want;
      g.scrolling = false;
    }
  };

  // show scrolls so that displayed index i is in view.
  Gantt.prototype.show = function (i) {
    if (i < this.first) this.first = i;
    else if (i >= this.first + this.visible) this.first = i - this.visible + 1;
    this.first = Math.max(0, Math.min(this.first, this.order.length - this.visible));
  };

  // select makes row r the selected one.
  Gantt.prototype.select = function (r) {
    this.selected = r;
    var i = this.order.indexOf(r);
    if (i >= 0) this.show(i);
    this.refresh();
    if (this.hooks.selected) this.hooks.selected(r);
  };

  // at finds the row and item under pixel (x, y) of the chart.
  Gantt.prototype.at = function (x, y) {
    var gr = vz.gridOf(this.tc);
    var i = Math.floor((y - gr.top) / ROW);
    if (i < 0 || i >= this.draw.length) return null;
    var d = this.draw[i], hit = null;
    if (x >= gr.left && x <= gr.left + gr.width) {
      var t = vz.toTime(this.tc, x), tol = this.nsPerPx * 1.5;
      var its = d.items, lo = 0, hi = its.length;
      while (lo < hi) { var mid = (lo + hi) >> 1; if (its[mid].e < t - tol) lo = mid + 1; else hi = mid; }
      for (var k = lo; k < its.length && its[k].s <= t + tol; k++) {
        if (t >= its[k].s && t <= its[k].e) { hit = its[k]; break; }
        if (!hit) hit = its[k];
      }
    }
    return { row: d.row, index: i, item: hit, label: x < gr.left };
  };

  function r1(v) { return Math.round(v * 10) / 10; }

  // renderItem draws one visible row (ECharts custom series).
  vz.gantt.renderItem = function (params, api) {
    var g = byName[params.seriesName];
    var d = g && g.draw[params.dataIndex];
    if (!d) return;
    var v = vz.view, cs = params.coordSys;
    var y = api.coord([v.a, params.dataIndex])[1];
    var rowH = api.size([0, 1])[1];
    var k = cs.width / (v.b - v.a);
    var full = rowH * 0.72, thin = rowH * 0.42;
    var paths = {}, keys = [], texts = [];
    var children = [];
    if (g.highlight.has(d.row) || g.selected === d.row) {
      children.push({ type: "rect", silent: true, shape: { x: cs.x, y: y - rowH / 2, width: cs.width, height: rowH },
        style: { fill: vz.css("--hl"), stroke: g.selected === d.row ? vz.css("--accent") : null, lineWidth: 1 } });
    }
    for (var i = 0; i < d.items.length; i++) {
      var it = d.items[i];
      var x0 = Math.max(cs.x + (it.s - v.a) * k, cs.x), x1 = Math.min(cs.x + (it.e - v.a) * k, cs.x + cs.width);
      if (x1 < cs.x || x0 > cs.x + cs.width) continue;
      var w = Math.max(x1 - x0, 1), h, top;
      if (g.hooks.busy && it.m) {
        h = Math.max(full * it.x / 100, 1.5);
        top = y + full / 2 - h;
      } else {
        h = it.m ? thin : full;
        top = y - h / 2;
      }
      var key = it.c + (it.m ? "m" + Math.round(h) : "");
      if (!paths[key]) { paths[key] = []; keys.push([key, it.c]); }
      paths[key].push("M" + r1(x0) + " " + r1(top) + "h" + r1(w) + "v" + r1(h) + "h" + r1(-w) + "Z");
      if (g.hooks.text && !it.m && w > 60) {
        var txt = g.hooks.text(it);
        if (txt) texts.push({ type: "text", silent: true, style: { x: x0 + 4, y: y, text: txt, width: w - 8, overflow: "truncate",
          fill: "#fff", font: "11px system-ui, sans-serif", verticalAlign: "middle" } });
      }
    }
    keys.forEach(function (kc) {
      children.push({ type: "path", silent: true, shape: { pathData: paths[kc[0]].join("") }, style: { fill: vz.fill(kc[1]) } });
    });
    children.push.apply(children, texts);
    var steps = g.steps && g.steps[d.row];
    if (steps) {
      steps.forEach(function (st) {
        var a = cs.x + (st[0] - v.a) * k, b = cs.x + (st[1] - v.a) * k;
        if (b < cs.x || a > cs.x + cs.width) return;
        a = Math.max(a, cs.x); b = Math.min(b, cs.x + cs.width);
        children.push({ type: "rect", silent: true, shape: { x: a - 1, y: y - full / 2 - 2, width: Math.max(b - a, 1) + 2, height: full + 4 },
          style: { fill: null, stroke: vz.css("--fg"), lineWidth: 2 } });
        if (st[2] !== undefined && st[2] !== null && st[1] >= v.a && st[1] <= v.b) {
          // The hand-off: down (or up) to the next step's row, or to the
          // chart's edge when that row is out of view.
          var j = -1;
          for (var q = 0; q < g.draw.length; q++) if (g.draw[q].row === st[2]) { j = q; break; }
          var y2;
          if (j >= 0) y2 = api.coord([v.a, j])[1];
          else y2 = g.order.indexOf(st[2]) < g.first ? cs.y : cs.y + cs.height;
          children.push({ type: "line", silent: true, shape: { x1: b, y1: y, x2: b, y2: y2 }, style: { stroke: vz.css("--fg"), lineWidth: 1.5, lineDash: [3, 2] } });
          children.push({ type: "circle", silent: true, shape: { cx: b, cy: y2, r: 2.5 }, style: { fill: vz.css("--fg") } });
        }
      });
    }
    return { type: "group", children: children };
  };

  // mount draws the gantt in its chart element and wires it to the time
  // window, the pointer and the keys.
  Gantt.prototype.mount = function (option) {
    var g = this, el = document.getElementById(g.spec.id);
    if (!el) return null;
    g.el = el;
    g.option = option;
    var tc = { key: g.key, el: el, box: el.parentNode, option: option, update: function () { g.refresh(); } };
    g.tc = tc;
    vz.registerTimeChart(tc);
    el.style.height = g.height() + "px";
    g.chart = vz.init(g.key, el, option);
    tc.chart = g.chart;
    g.prepare();
    g.render();
    var zr = g.chart.getZr();
    zr.on("mousemove", function (e) {
      var hit = g.at(e.offsetX, e.offsetY);
      if (!hit || !hit.item || !g.hooks.tip) { vz.hideTip(); return; }
      vz.showTip(g.hooks.tip(hit.row, hit.item, g), e.event.clientX, e.event.clientY);
    });
    zr.on("globalout", function () { vz.hideTip(); });
    zr.on("click", function (e) {
      if (vz.dragged) { vz.dragged = false; return; }
      var hit = g.at(e.offsetX, e.offsetY);
      if (hit && g.hooks.click) g.hooks.click(hit, g, e);
    });
    tc.keys = function (e) {
      var n = g.order.length;
      if (!n) return false;
      var i = g.order.indexOf(g.selected);
      switch (e.key) {
        case "ArrowDown": g.select(g.order[Math.min(i + 1, n - 1)]); return true;
        case "ArrowUp": g.select(g.order[Math.max(i - 1, 0)]); return true;
        case "PageDown": g.select(g.order[Math.min(Math.max(i, 0) + g.visible, n - 1)]); return true;
        case "PageUp": g.select(g.order[Math.max(i - g.visible, 0)]); return true;
        case "Home": g.select(g.order[0]); return true;
        case "End": g.select(g.order[n - 1]); return true;
      }
      return g.hooks.keys ? g.hooks.keys(e, g) : false;
    };
    return g.chart;
  };

  vz.gantt.create = function (key, block, hooks) { return new Gantt(key, block, hooks); };
  vz.gantt.ROW = ROW;
})(vz);
