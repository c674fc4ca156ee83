// Every chart but the gantts: series over time (linked to the time
// window), bars, the latency histogram and the flame graph; and what all
// charts share: drawing with the theme's colours, the tooltip (which never
// covers the detail panel), and knowing when the page has painted.
(function (vz) {
  // pending counts charts still painting; the page is marked ready (for
  // tests and screenshots) when every chart has finished.
  var pending = 1;
  vz.painted = function () {
    if (--pending === 0) {
      window.vzReadyMs = performance.now();
      document.body.setAttribute("data-vz-ready", "1");
    }
  };

  // style puts the theme's colours on an option's axes, legend and text.
  function style(o) {
    var s = vz.chartStyle();
    o.textStyle = s.textStyle;
    o.backgroundColor = "transparent";
    ["xAxis", "yAxis"].forEach(function (ax) {
      (o[ax] || []).forEach(function (a) {
        a.axisLine = Object.assign({}, a.axisLine, s.axis.axisLine);
        a.axisTick = Object.assign({}, a.axisTick, s.axis.axisTick);
        a.axisLabel = Object.assign({}, a.axisLabel, s.axis.axisLabel);
        a.splitLine = Object.assign({}, a.splitLine, s.axis.splitLine);
        a.nameTextStyle = s.axis.nameTextStyle;
      });
    });
    (Array.isArray(o.legend) ? o.legend : [o.legend]).forEach(function (l) {
      if (l) { l.textStyle = s.legend.textStyle; l.pageTextStyle = s.legend.pageTextStyle; }
    });
    (Array.isArray(o.tooltip) ? o.tooltip : [o.tooltip]).forEach(function (t) {
      if (t) { t.backgroundColor = s.tooltip.backgroundColor; t.borderColor = s.tooltip.borderColor; t.textStyle = s.tooltip.textStyle; t.confine = true; }
    });
    if (window.innerWidth < 700) {
      (Array.isArray(o.grid) ? o.grid : [o.grid]).forEach(function (g) {
        if (g && Number(g.left) > 120) g.left = 110;
      });
    }
    return o;
  }

  // init draws chart key in el with option.
  vz.init = function (key, el, option) {
    style(option);
    var c = echarts.init(el, null, { renderer: "canvas" });
    pending++;
    var done = false;
    c.on("finished", function () { if (!done) { done = true; vz.painted(); } });
    var t0 = performance.now();
    c.setOption(option);
    (window.vzTimes = window.vzTimes || {})[key] = performance.now() - t0;
    vz.charts[key] = c;
    return c;
  };

  vz.empty = function (id, text) {
    var el = document.getElementById(id);
    if (el) { el.classList.add("empty"); el.textContent = text; }
    return null;
  };

  // The tooltip of the gantts, placed near the pointer, inside the window
  // and never over the detail panel.
  var tip = null;
  function avoid(x, y, w, h) {
    var vw = window.innerWidth, vh = window.innerHeight;
    if (x + w > vw - 8) x = Math.max(8, x - w - 28);
    if (y + h > vh - 8) y = Math.max(8, vh - h - 8);
    var p = document.getElementById("vz-detail");
    if (p && !p.hidden) {
      var r = p.getBoundingClientRect();
      var overlaps = x < r.right && x + w > r.left && y < r.bottom && y + h > r.top;
      if (overlaps) x = Math.max(4, r.left - w - 8);
      if (x < r.right && x + w > r.left && y < r.bottom && y + h > r.top) {
        // No room beside the panel: above or below it.
        y = r.top - h - 8 >= 0 ? r.top - h - 8 : r.bottom + 8;
      }
    }
    return [x, y];
  }
  vz.showTip = function (html, cx, cy) {
    tip = tip || document.getElementById("vz-tip");
    if (!tip) return;
    tip.innerHTML = html;
    tip.hidden = false;
    var w = tip.offsetWidth, h = tip.offsetHeight;
    var p = avoid(cx + 14, cy + 14, w, h);
    tip.style.left = p[0] + "px";
    tip.style.top = p[1] + "px";
  };
  vz.hideTip = function () { if (tip) tip.hidden = true; };

  // tip.position places ECharts' own tooltips the same way.
  vz.tip.position = function (point, params, dom, rect, size) {
    var box = dom.parentNode.getBoundingClientRect();
    var p = avoid(box.left + point[0] + 14, box.top + point[1] + 14, size.contentSize[0], size.contentSize[1]);
    return [p[0] - box.left, p[1] - box.top];
  };

  // Series over time.
  // Stacked lines are drawn as cumulative areas (later ones on top of
  // earlier ones); tooltips show each line's own value.
  vz.lineRaw = {};
  vz.tip.lines = function (ps) {
    if (!ps.length) return "";
    var key = String(ps[0].seriesId).split(":")[0], raw = vz.lineRaw[key] || {};
    var t = Number(ps[0].axisValue), unit = raw.unit;
    var h = vz.esc(vz.fmt.time(t, vz.fmt.axis.step / 10)) + "<br>";
    ps.forEach(function (p) {
      var vals = raw[p.seriesIndex], v = vals ? vals[p.dataIndex] : (Array.isArray(p.value) ? p.value[1] : p.value);
      if (v === undefined && vals) v = vals[vals.length - 1];
      if (v > 0 || p.seriesName === "GOMAXPROCS") h += p.marker + vz.esc(p.seriesName) + ": " + vz.esc(unit === "bytes" ? vz.fmt.bytes(v) : vz.fmt.count(v)) + "<br>";
    });
    return h;
  };

  function lineData(block, l) {
    if (block.width > 0) {
      var out = new Array(l.values.length + 1);
      for (var i = 0; i < l.values.length; i++) out[i] = [i * block.width, l.values[i]];
      out[l.values.length] = [Math.min(l.values.length * block.width, vz.D.duration), l.values[l.values.length - 1] || 0];
      return out;
    }
    var pts = l.points.slice();
    if (pts.length) pts.push([vz.D.duration, pts[pts.length - 1][1]]);
    return pts;
  }

  vz.lines = function (key, block) {
    var spec = vz.spec(key), o = window.vzOptions[key], el = document.getElementById(spec.id);
    if (!o || !el) return;
    if (!block.lines || !block.lines.length || !block.lines.some(function (l) { return (l.values || l.points || []).length; })) {
      return vz.empty(spec.id, "Nothing to show.");
    }
    var raw = vz.lineRaw[key] = { unit: block.unit }, sums = {}, n = block.lines.length;
    block.lines.forEach(function (l, li) {
      var i = vz.seriesIndex(key, l.name), s = o.series[i];
      var col = l.code >= 0 ? vz.colour(l.code) : vz.chartStyle().fg;
      var vals = l.values || l.points.map(function (p) { return p[1]; });
      raw[i] = vals;
      var shown = l;
      if (l.stack) {
        var sum = sums[l.stack] = sums[l.stack] || new Array(vals.length).fill(0);
        for (var k = 0; k < vals.length; k++) sum[k] = Math.round((sum[k] + vals[k]) * 1000) / 1000;
        shown = { values: sum.slice() };
        s.z = 2 + n - li;
      } else {
        s.z = 3 + n;
      }
      s.data = lineData(block, shown);
      s.lineStyle = Object.assign({}, s.lineStyle, { color: col });
      s.itemStyle = { color: col };
      if (s.areaStyle) s.areaStyle = Object.assign({}, s.areaStyle, { color: l.code >= 0 ? vz.fill(l.code) : col });
      s.id = key + ":" + i;
    });
    var c = vz.init(key, el, o);
    var tc = { key: key, el: el, box: el.parentNode, chart: c, option: o, update: function () {
      c.setOption({ xAxis: [{ min: vz.view.a, max: vz.view.b, interval: vz.fmt.axis.step }] });
    } };
    vz.registerTimeChart(tc);
    tc.update();
  };

  // Bars.
  vz.tip.bars = function (ps) {
    if (!ps.length) return "";
    var h = "<b>" + vz.esc(ps[0].name) + "</b><br>";
    ps.forEach(function (p) {
      if (p.value > 0) h += p.marker + vz.esc(p.seriesName) + ": " + vz.esc(vz.fmt.dur(p.value)) + "<br>";
    });
    return h;
  };

  vz.bars = function (key, block, height) {
    var spec = vz.spec(key), o = window.vzOptions[key], el = document.getElementById(spec.id);
    if (!o || !el) return;
    if (!block || !block.labels || !block.labels.length) return vz.empty(spec.id, "Nothing to compare.");
    o.yAxis[0].data = block.labels;
    block.series.forEach(function (s) {
      var i = vz.seriesIndex(key, s.name), ser = o.series[i];
      ser.data = s.values.map(function (v, k) {
        var code = s.code >= 0 ? s.code : block.codes ? block.codes[k] : -1;
        return code >= 0 ? { value: v, itemStyle: { color: vz.fill(code) } } : v;
      });
      if (s.code >= 0) ser.itemStyle = { color: vz.colour(s.code) };
    });
    el.style.height = (height || Math.max(160, block.labels.length * 26 + 80)) + "px";
    vz.init(key, el, o);
  };

  // The critical paths: bar k of series "part k" is the k-th largest part
  // of that path (pageData.PathChart), coloured by its category.
  vz.tip.paths = function (p) {
    var parts = vz.D.pathChart.parts[p.dataIndex] || [], part = parts[p.seriesIndex];
    if (!part) return "";
    var total = parts.reduce(function (s, x) { return s + x.ns; }, 0);
    return "<b>" + vz.esc(vz.D.pathChart.labels[p.dataIndex]) + "</b><br>" + p.marker + vz.esc(part.name) + ": " +
      vz.esc(vz.fmt.dur(part.ns)) + " (" + (100 * part.ns / Math.max(total, 1)).toFixed(1) + "% of the path)";
  };
  vz.pathChart = function () {
    var key = "paths", o = window.vzOptions[key], pc = vz.D.pathChart;
    var el = document.getElementById(vz.spec(key).id);
    if (!el) return;
    if (!o || !pc.labels.length) return vz.empty(vz.spec(key).id, "No critical path.");
    o.yAxis[0].data = pc.labels;
    vz.spec(key).series.forEach(function (name, k) {
      o.series[vz.seriesIndex(key, name)].data = pc.parts.map(function (parts) {
        var part = parts[k];
        return part ? { value: part.ns, itemStyle: { color: vz.fill(part.code), borderColor: vz.css("--bg"), borderWidth: 1 } } : "-";
      });
    });
    el.style.height = Math.max(120, pc.labels.length * 30 + 50) + "px";
    vz.init(key, el, o);
  };

  vz.tip.waterfall = function (ps) {
    var p = ps[ps.length - 1];
    if (!p) return "";
    var cap = vz.D.bars.waterfall.series[vz.seriesIndex("waterfall", "P-time")].values[0];
    return "<b>" + vz.esc(p.name) + "</b><br>" + vz.esc(vz.fmt.dur(p.value)) + " of P-time (" + (100 * p.value / cap).toFixed(1) + "% of GOMAXPROCS × wall time)";
  };

  vz.waterfall = function () {
    var key = "waterfall", w = vz.D.bars.waterfall, o = window.vzOptions[key];
    var el = document.getElementById(vz.spec(key).id);
    if (!o || !el || !w.labels || !w.labels.length) return;
    var base = vz.seriesIndex(key, "base"), part = vz.seriesIndex(key, "P-time");
    o.yAxis[0].data = w.labels;
    o.series[base].data = w.series[base].values;
    o.series[base].itemStyle = { color: "transparent" };
    o.series[base].tooltip = { show: false };
    o.series[part].data = w.series[part].values.map(function (v, k) { return { value: v, itemStyle: { color: vz.fill(w.codes[k]) } }; });
    el.style.height = w.labels.length * 26 + 50 + "px";
    vz.init(key, el, o);
  };

  // The latency histogram of the row picked in the latency table.
  var latRow = 0;
  vz.tip.histogram = function (ps) {
    var p = ps[0], r = vz.D.latency.rows[latRow];
    if (!p || !r) return "";
    var b = r.buckets[p.dataIndex], next = r.buckets[p.dataIndex + 1];
    var hi = next ? next[0] : r.max;
    return vz.esc(vz.fmt.dur(b[0]) + " – " + vz.fmt.dur(hi)) + "<br>" + p.value + " of " + r.count;
  };
  vz.latency = function () {
    var key = "latency", spec = vz.spec(key), o = window.vzOptions[key], el = document.getElementById(spec.id);
    var rows = vz.D.latency.rows;
    if (!o || !el || !rows || !rows.length) return;
    var i = vz.seriesIndex(key, "count");
    function show(k) {
      latRow = k;
      var r = rows[k], fg = vz.chartStyle().fg;
      var title = document.getElementById("vz-latency-title");
      if (title) title.textContent = r.name + ": " + r.count + " in all; p50 " + vz.fmt.dur(r.p50) + ", p90 " + vz.fmt.dur(r.p90) + ", p99 " + vz.fmt.dur(r.p99);
      var cats = r.buckets.map(function (b) { return b[0]; });
      function at(v) { // the bucket holding v
        var j = 0;
        while (j + 1 < cats.length && cats[j + 1] <= v) j++;
        return j;
      }
      var opt = {
        xAxis: [{ data: cats }],
        series: [{ data: r.buckets.map(function (b) { return b[1]; }), itemStyle: { color: vz.colour(0) },
          markLine: { symbol: ["none", "none"], silent: true, lineStyle: { color: fg, type: "dashed" },
            label: { color: fg, formatter: "{b}" },
            data: [["p50", r.p50], ["p90", r.p90], ["p99", r.p99]].map(function (q) { return { name: q[0], xAxis: at(q[1]) }; }) } }]
      };
      if (vz.charts[key]) vz.charts[key].setOption(opt);
      else { o.xAxis[0].data = opt.xAxis[0].data; Object.assign(o.series[i], opt.series[0]); vz.init(key, el, o); }
      var trs = document.querySelectorAll("#vz-latency-table tbody tr");
      for (var t = 0; t < trs.length; t++) trs[t].classList.toggle("selected", Number(trs[t].getAttribute("data-row")) === k);
    }
    show(0);
    var tbody = document.querySelector("#vz-latency-table tbody");
    if (tbody) {
      function pick(e) {
        var tr = e.target.closest("tr");
        if (tr && tr.hasAttribute("data-row")) show(Number(tr.getAttribute("data-row")));
      }
      tbody.addEventListener("click", pick);
      tbody.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { pick(e); e.preventDefault(); } });
    }
  };

  // The flame graph: items are [depth, start, end, name index, value].
  var flameColors = ["#e8743b", "#f2a516", "#d9463b", "#c98a2b", "#e35d2f", "#b85c1e"];
  vz.flame.renderItem = function (params, api) {
    var depth = api.value(0), start = api.coord([api.value(1), depth]), end = api.coord([api.value(2), depth + 1]);
    var cs = params.coordSys;
    var rect = echarts.graphic.clipRectByRect(
      { x: start[0], y: start[1], width: Math.max(end[0] - start[0] - 0.5, 0.5), height: end[1] - start[1] - 1 },
      { x: cs.x, y: cs.y, width: cs.width, height: cs.height });
    if (!rect) return;
    var name = vz.D.flame.names[api.value(3)] || "";
    var h = 0;
    for (var i = 0; i < name.length; i++) h = (h * 31 + name.charCodeAt(i)) | 0;
    var label = rect.width > 40 ? vz.fmt.rowLabel(name.replace(/^.*\//, "")) : "";
    return {
      type: "rect", shape: rect, transition: [],
      style: { fill: flameColors[Math.abs(h) % flameColors.length], text: label, fontSize: 11,
        textFill: "#222", textPosition: "insideLeft", textDistance: 4, truncate: { outerWidth: rect.width - 8 } }
    };
  };
  vz.tip.flame = function (p) {
    var v = p.value;
    return "<b>" + vz.esc(vz.D.flame.names[v[3]]) + "</b><br>" + vz.esc(vz.fmt.dur(v[4])) + " of goroutine time (" +
      (100 * v[4] / vz.D.flame.total).toFixed(1) + "%)";
  };
  vz.flame.draw = function () {
    var key = "flame", o = window.vzOptions[key], f = vz.D.flame;
    if (!o || !f) return;
    var el = document.getElementById(vz.spec(key).id);
    o.series[vz.seriesIndex(key, "wall clock")].data = f.nodes.map(function (n) { return [n[0], n[1], n[1] + n[2], n[3], n[2]]; });
    el.style.height = Math.min(f.depth, 40) * 20 + 40 + "px";
    vz.init(key, el, o);
  };
})(vz);
