// vizrun report: attaches the trace data to the chart options and draws them.
// Strings from the traced program only ever reach the page as text: through
// esc() into tooltip HTML, or as canvas labels drawn by ECharts.
"use strict";
var vz = (function () {
  var D = null;
  var charts = {};

  function esc(s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  }

  // fmtDur formats ns with three significant digits, like vizrun's Go side.
  function fmtDur(ns) {
    ns = Number(ns);
    var neg = ns < 0 ? "-" : "";
    ns = Math.abs(ns);
    function sig3(f) { return f >= 99.95 ? f.toFixed(0) : f >= 9.995 ? f.toFixed(1) : f.toFixed(2); }
    if (ns < 1000) return neg + Math.round(ns) + " ns";
    if (ns < 999500) return neg + sig3(ns / 1e3) + " µs";
    if (ns < 999500000) return neg + sig3(ns / 1e6) + " ms";
    if (ns < 100e9) return neg + sig3(ns / 1e9) + " s";
    var s = Math.floor(ns / 1e9);
    return neg + Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
  }

  function fmtAxis(v) { return Number(v) === 0 ? "0" : fmtDur(v); }

  function fmtRow(label) {
    label = String(label);
    return label.length > 36 ? label.slice(0, 35) + "…" : label;
  }

  // items expands flat segment arrays (start, duration, code, ref, share)
  // into ECharts data items: [row, start, end, code, ref, share].
  function items(segs) {
    var out = [];
    for (var row = 0; row < segs.length; row++) {
      var s = segs[row];
      for (var k = 0; k + 4 < s.length; k += 5) {
        out.push([row, s[k], s[k] + s[k + 1], s[k + 2], s[k + 3], s[k + 4]]);
      }
    }
    return out;
  }

  function renderSegment(params, api) {
    var row = api.value(0);
    var start = api.coord([api.value(1), row]);
    var end = api.coord([api.value(2), row]);
    var h = api.size([0, 1])[1] * 0.72;
    var cs = params.coordSys;
    var rect = echarts.graphic.clipRectByRect(
      { x: start[0], y: start[1] - h / 2, width: Math.max(end[0] - start[0], 1), height: h },
      { x: cs.x, y: cs.y, width: cs.width, height: cs.height });
    if (!rect) return;
    var share = api.value(5);
    return {
      type: "rect", shape: rect, transition: [],
      style: { fill: D.colors[api.value(3)] || "#999", opacity: share >= 100 ? 1 : 0.45 + 0.55 * share / 100 }
    };
  }

  function stackHTML(ref) {
    if (!(ref > 0) || !D.stacks[ref - 1]) return "";
    var lines = D.stacks[ref - 1].map(function (f) { return esc(D.frames[f]); });
    return '<div class="vz-stack">' + lines.join("<br>") + "</div>";
  }

  function when(v) {
    return fmtDur(v[1]) + " → " + fmtDur(v[2]) + " (" + fmtDur(v[2] - v[1]) + ")";
  }

  function mergedHTML(v, what) {
    return "<div>" + (-v[4]) + " " + what + " merged at this zoom level; mostly " +
      esc(D.names[v[3]]) + " (" + v[5] + "% of the time)</div>";
  }

  function tipTimeline(p) {
    var v = p.value, tl = D.timeline, row = rowOf(v[0]);
    var h = "<b>" + esc(tl.labels[row]) + "</b><br>";
    if (tl.kinds[row] === "fold") {
      return h + "group of " + esc(tl.info[row]) + " goroutines, mostly <b>" + esc(D.names[v[3]]) +
        "</b> (" + v[5] + "% of their time)<br>" + when(v);
    }
    h += '<span class="vz-dot" style="background:' + esc(D.colors[v[3]]) + '"></span><b>' + esc(D.names[v[3]]) + "</b> " + when(v);
    if (v[4] < 0) return h + mergedHTML(v, "spans");
    return h + stackHTML(v[4]) + '<div class="vz-hint">click for details</div>';
  }

  function tipProcs(p) {
    var v = p.value, pd = D.procs;
    var h = "<b>" + esc(pd.labels[v[0]]) + "</b><br>";
    if (v[4] < 0) return h + (-v[4]) + " goroutines ran here, busy " + v[5] + "% of " + when(v);
    if (v[4] > 0) return h + esc(pd.gs[v[4] - 1]) + "<br>" + when(v);
    return h + esc(D.names[v[3]]) + "<br>" + when(v);
  }

  function tipSpans(p) {
    var v = p.value;
    return "<b>" + esc(D.spans.labels[v[0]]) + "</b><br>" + esc(D.spans.info[v[4] - 1] || "") + "<br>" + when(v);
  }

  // The flame graph: items are [depth, start, end, name index, value].
  var flameColors = ["#e8743b", "#f2a516", "#d9463b", "#f0b35a", "#e85d4a", "#f7c566"];
  function renderFlame(params, api) {
    var depth = api.value(0);
    var a = api.coord([api.value(1), depth]);
    var b = api.coord([api.value(2), depth + 1]);
    var cs = params.coordSys;
    var rect = echarts.graphic.clipRectByRect(
      { x: a[0], y: a[1], width: Math.max(b[0] - a[0] - 0.5, 0.5), height: b[1] - a[1] - 1 },
      { x: cs.x, y: cs.y, width: cs.width, height: cs.height });
    if (!rect) return;
    var name = D.flame.names[api.value(3)];
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    var label = rect.width > 40 ? fmtRow(name.replace(/^.*\//, "")) : "";
    return {
      type: "rect", shape: rect, transition: [],
      style: { fill: flameColors[Math.abs(h) % flameColors.length], text: label, fontSize: 11,
        textFill: "#222", textPosition: "insideLeft", textDistance: 4, truncate: { outerWidth: rect.width - 8 } }
    };
  }

  function tipFlame(p) {
    var v = p.value;
    return "<b>" + esc(D.flame.names[v[3]]) + "</b><br>" + fmtDur(v[4]) + " of goroutine time (" +
      (100 * v[4] / D.flame.total).toFixed(1) + "%)";
  }

  function flame() {
    var o = window.vzOptions["vz-flame"];
    if (!o || !D.flame) return;
    o.series[0].data = D.flame.nodes.map(function (n) { return [n[0], n[1], n[1] + n[2], n[3], n[2]]; });
    draw("vz-flame", o, Math.min(D.flame.depth, 40) * 20 + 70);
  }

  function tipSeries(ps) {
    if (!ps.length) return "";
    var t = Number(ps[0].axisValue);
    var h = fmtDur(t) + " – " + fmtDur(t + D.parallel.width) + " (average)<br>";
    ps.forEach(function (p) {
      if (p.value > 0) h += p.marker + esc(p.seriesName) + ": " + p.value + "<br>";
    });
    return h;
  }

  function tipBars(ps) {
    if (!ps.length) return "";
    var h = "<b>" + esc(ps[0].name) + "</b><br>";
    ps.forEach(function (p) {
      if (p.value > 0) h += p.marker + esc(p.seriesName) + ": " + fmtDur(p.value) + "<br>";
    });
    return h;
  }

  function tipWaterfall(ps) {
    var p = ps[ps.length - 1];
    if (!p) return "";
    var cap = D.waterfall.series[1].values[0];
    return "<b>" + esc(p.name) + "</b><br>" + fmtDur(p.value) + " of P-time (" + (100 * p.value / cap).toFixed(1) + "% of GOMAXPROCS × wall time)";
  }

  function waterfall() {
    var o = window.vzOptions["vz-waterfall"];
    var w = D.waterfall;
    if (!o || !w || !w.labels) return;
    o.yAxis[0].data = w.labels;
    o.series[0].data = w.series[0].values;
    o.series[1].data = w.series[1].values.map(function (v, k) { return { value: v, itemStyle: { color: w.colors[k] } }; });
    draw("vz-waterfall", o, w.labels.length * 26 + 50);
  }

  // focus shows a finding's moment: the timeline zoomed to [from, to] with
  // some margin, scrolled to the first goroutine concerned.
  function focus(from, to, gs) {
    var f = document.getElementById("vz-filter");
    if (f && f.value !== "") { f.value = ""; filterTimeline(""); }
    var c = charts["vz-timeline"];
    var sec = document.getElementById("timeline");
    if (sec) sec.scrollIntoView({ behavior: "smooth" });
    if (!c) return;
    var pad = Math.max((to - from) * 0.15, D.duration / 2000, 1000);
    c.dispatchAction({ type: "dataZoom", dataZoomIndex: 0, startValue: Math.max(0, from - pad), endValue: Math.min(D.duration, to + pad) });
    var rows = D.timeline.info, kinds = D.timeline.kinds, n = rows.length;
    for (var i = 0; i < gs.length; i++) {
      for (var r = 0; r < n; r++) {
        if (kinds[r] === "g" && rows[r] === String(gs[i])) {
          if (n > 30) {
            var start = Math.max(0, r - 3);
            c.dispatchAction({ type: "dataZoom", dataZoomIndex: 2, startValue: start, endValue: Math.min(n - 1, start + 29) });
          }
          return;
        }
      }
    }
  }

  function bindFocus() {
    var links = document.querySelectorAll("a.vz-jump");
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("click", function (ev) {
        ev.preventDefault();
        var a = ev.currentTarget;
        var gs = (a.getAttribute("data-g") || "").split(",").filter(function (x) { return x !== ""; }).map(Number);
        focus(Number(a.getAttribute("data-from")), Number(a.getAttribute("data-to")), gs);
      });
    }
  }

  function empty(id, text) {
    var el = document.getElementById(id);
    if (el) { el.classList.add("empty"); el.textContent = text; }
  }

  // pending counts charts still painting; the page is marked ready (for
  // tests and screenshots) when every chart has finished, progressive
  // rendering included.
  var pending = 1;
  function painted() {
    if (--pending === 0) {
      window.vzReadyMs = performance.now();
      document.body.setAttribute("data-vz-ready", "1");
    }
  }

  function draw(id, option, height) {
    var el = document.getElementById(id);
    if (!el) return null;
    if (height) el.style.height = height + "px";
    var c = echarts.init(el, null, { renderer: "canvas" });
    pending++;
    var done = false;
    c.on("finished", function () {
      if (!done) { done = true; painted(); }
    });
    var t0 = performance.now();
    c.setOption(option);
    (window.vzTimes = window.vzTimes || {})[id] = performance.now() - t0;
    charts[id] = c;
    return c;
  }

  function ganttHeight(rows) { return Math.min(rows, 30) * 24 + 90; }

  // narrow adapts a chart's left margin to the window: long labels get
  // less room on a phone.
  function narrow(o) {
    if (window.innerWidth < 700 && o.grid) {
      var g = Array.isArray(o.grid) ? o.grid[0] : o.grid;
      if (g && Number(g.left) > 120) g.left = 110;
    }
  }

  // Gantt charts have two levels of detail: block.segs for the whole trace
  // and block.fine, when there is one, for a window under a third of it.
  var level = {};

  function levelSegs(id, block) { return level[id] === "fine" ? block.fine : block.segs; }

  function gantt(id, block) {
    var o = window.vzOptions[id];
    if (!block || !block.labels || !block.labels.length) return empty(id, "Nothing to show.");
    o.yAxis[0].data = block.labels;
    o.series[0].data = items(block.segs);
    level[id] = "coarse";
    narrow(o);
    var c = draw(id, o, ganttHeight(block.labels.length));
    if (c && block.fine) {
      c.on("datazoom", function () {
        var z = c.getOption().dataZoom[0];
        var want = (z.end - z.start) < 100 / 3 ? "fine" : "coarse";
        if (want === level[id]) return;
        level[id] = want;
        if (id === "vz-timeline") refilter();
        else c.setOption({ series: [{ data: items(levelSegs(id, block)) }] });
      });
    }
    return c;
  }

  // The goroutine timeline can be filtered by name or group; rows maps the
  // rows shown to the rows of the data.
  var shown = null;

  var query = "";

  function refilter() { filterTimeline(query); }

  function filterTimeline(q) {
    var c = charts["vz-timeline"], tl = D.timeline;
    if (!c) return;
    q = q.trim().toLowerCase();
    query = q;
    var level = levelSegs("vz-timeline", tl);
    var segs = [], labels = [];
    shown = [];
    for (var r = 0; r < tl.labels.length; r++) {
      if (q === "" || tl.labels[r].toLowerCase().indexOf(q) >= 0 || tl.groups[r].toLowerCase().indexOf(q) >= 0) {
        shown.push(r);
        labels.push(tl.labels[r]);
        segs.push(level[r]);
      }
    }
    var n = document.getElementById("vz-filter-count");
    if (n) n.textContent = q === "" ? "" : shown.length + " of " + tl.labels.length + " rows";
    c.setOption({ yAxis: [{ data: labels }], series: [{ data: items(segs) }] });
    var el = document.getElementById("vz-timeline");
    var h = ganttHeight(Math.max(labels.length, 1)) + "px";
    if (el.style.height !== h) {
      el.style.height = h;
      c.resize();
    }
  }

  function rowOf(shownRow) { return shown ? shown[shownRow] : shownRow; }

  // The detail panel: built with text nodes only.
  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function stackList(ref) {
    var ul = el("ul", "vz-frames");
    var st = ref > 0 ? D.stacks[ref - 1] : null;
    if (!st) { ul.appendChild(el("li", "", "(no stack)")); return ul; }
    st.forEach(function (f) { ul.appendChild(el("li", "", D.frames[f])); });
    return ul;
  }

  function showDetail(row) {
    var det = D.timeline.details[row];
    var panel = document.getElementById("vz-detail");
    if (!det || !panel) return;
    var body = document.getElementById("vz-detail-body");
    body.textContent = "";
    body.appendChild(el("h3", "", det.title));
    var tbl = el("table");
    det.facts.forEach(function (f) {
      var tr = el("tr");
      tr.appendChild(el("th", "", f[0]));
      tr.appendChild(el("td", "num", f[1]));
      tbl.appendChild(tr);
    });
    body.appendChild(tbl);
    if (det.create > 0) {
      body.appendChild(el("h4", "", "created at"));
      body.appendChild(stackList(det.create));
    }
    if (det.blocking && det.blocking.length) {
      body.appendChild(el("h4", "", "where it blocked"));
      det.blocking.forEach(function (b) {
        body.appendChild(el("p", "vz-what", b.what));
        body.appendChild(stackList(b.stack));
      });
    }
    panel.hidden = false;
    panel.setAttribute("data-row", String(row));
  }

  function bindDetail() {
    var c = charts["vz-timeline"];
    if (c) {
      c.on("click", function (p) { if (p.value) showDetail(rowOf(p.value[0])); });
      c.getZr().on("click", function (e) {
        // A click on a row's label or empty part of a row opens it too.
        if (e.target) return;
        var pt = c.convertFromPixel({ seriesIndex: 0 }, [e.offsetX, e.offsetY]);
        if (pt && pt[1] >= 0 && pt[1] < (shown ? shown.length : D.timeline.labels.length)) showDetail(rowOf(Math.round(pt[1])));
      });
    }
    var close = document.getElementById("vz-detail-close");
    if (close) close.addEventListener("click", function () { document.getElementById("vz-detail").hidden = true; });
    var f = document.getElementById("vz-filter");
    if (f) f.addEventListener("input", function () { filterTimeline(f.value); });
  }

  function area(id, list, withProcs) {
    narrow(window.vzOptions[id]);
    var o = window.vzOptions[id];
    if (!list || !list.length) return empty(id, "No goroutine was in these states.");
    var w = D.parallel.width, n = list[0].values.length, xs = [];
    for (var k = 0; k < n; k++) xs.push(k * w);
    o.xAxis[0].data = xs;
    list.forEach(function (s, i) { o.series[i].data = s.values; });
    if (withProcs) {
      // GOMAXPROCS as a step function over the buckets.
      var ch = D.parallel.procs, v = [], j = 0, cur = ch.length ? ch[0][1] : D.gomaxprocs;
      for (k = 0; k < n; k++) {
        while (j < ch.length && ch[j][0] <= k * w) cur = ch[j++][1];
        v.push(cur);
      }
      o.series[list.length].data = v;
    }
    var c = draw(id, o);
    if (c) c.group = "vz-time";
  }

  function bars(id, block, byLabel) {
    var o = window.vzOptions[id];
    narrow(o);
    if (!block.labels || !block.labels.length) return empty(id, "Nothing to compare.");
    o.yAxis[0].data = block.labels;
    block.series.forEach(function (s, i) {
      o.series[i].data = s.values.map(function (v, k) {
        // One bar per reason: each in the colour of its reason.
        var c = byLabel ? D.reasonColors[block.labels[k]] : s.color;
        return c ? { value: v, itemStyle: { color: c } } : v;
      });
    });
    draw(id, o, Math.max(160, block.labels.length * 26 + 80));
  }

  function start() {
    D = JSON.parse(document.getElementById("vz-data").textContent);
    gantt("vz-timeline", D.timeline);
    if (document.getElementById("vz-procs")) gantt("vz-procs", D.procs);
    area("vz-parallel", D.parallel.running, true);
    area("vz-waiting", D.parallel.blocked, false);
    echarts.connect("vz-time");
    bars("vz-reasons", D.reasons, true);
    bars("vz-groups", D.groups, false);
    if (document.getElementById("vz-spans")) gantt("vz-spans", D.spans);
    flame();
    waterfall();
    bindFocus();
    bindDetail();
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    painted();
  }

  // startDiff draws the charts of a diff page.
  function startDiff() {
    D = JSON.parse(document.getElementById("vz-data").textContent);
    bars("vz-diff-reasons", D.reasons, false);
    bars("vz-diff-groups", D.groups, false);
    bars("vz-diff-regions", D.regions, false);
    window.addEventListener("resize", function () {
      Object.keys(charts).forEach(function (k) { charts[k].resize(); });
    });
    painted();
  }

  return {
    start: start, startDiff: startDiff, esc: esc, fmtDur: fmtDur, fmtAxis: fmtAxis, fmtRow: fmtRow,
    renderSegment: renderSegment, tipTimeline: tipTimeline, tipProcs: tipProcs,
    tipSpans: tipSpans, tipSeries: tipSeries, tipBars: tipBars, charts: charts,
    renderFlame: renderFlame, tipFlame: tipFlame, tipWaterfall: tipWaterfall, focus: focus,
    filterTimeline: filterTimeline, showDetail: showDetail
  };
})();
