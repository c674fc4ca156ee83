// Drawing the report, and a diff page.
(function (vz) {
  function load() {
    vz.D = JSON.parse(document.getElementById("vz-data").textContent);
    vz.D.charts.forEach(function (s) { vz.specs[s.key] = s; });
  }

  vz.start = function () {
    load();
    vz.view = { a: 0, b: vz.D.duration };
    vz.fmt.setAxis(0, Math.max(vz.D.duration, 1), 7);
    var url = vz.readFragment();
    if (url.w) {
      vz.view = { a: Math.max(0, url.w[0]), b: Math.min(vz.D.duration, url.w[1]) };
      if (vz.view.b <= vz.view.a) vz.view = { a: 0, b: vz.D.duration };
      vz.fmt.setAxis(vz.view.a, vz.view.b, 7);
    }
    var o = window.vzOptions;
    vz.timeline(o.timeline);
    vz.procs(o.procs);
    vz.lines("running", vz.D.series.running);
    vz.lines("waiting", vz.D.series.waiting);
    if (o.blocked) vz.lines("blocked", vz.D.series.blocked);
    if (document.getElementById(vz.spec("heap").id)) vz.lines("heap", vz.D.series.heap);
    vz.waterfall();
    vz.pathChart();
    vz.bindPaths();
    vz.bars("reasons", vz.D.bars.reasons);
    if (o.groups) vz.bars("groups", vz.D.bars.groups);
    vz.latency();
    vz.spans(o.spans);
    vz.flame.draw();
    vz.bindWindowBar();
    if (url.g && vz.tl) {
      var r = vz.rowOfG(url.g);
      if (r >= 0) { vz.tl.relayout(); vz.selectRow(r, true); }
    }
    // Section links scroll without replacing the fragment, which holds the view.
    var nav = document.querySelectorAll("nav a[href^='#']");
    for (var i = 0; i < nav.length; i++) {
      nav[i].addEventListener("click", function (e) {
        var t = document.getElementById(e.currentTarget.getAttribute("href").slice(1));
        if (t) { e.preventDefault(); t.scrollIntoView(); }
      });
    }
    window.addEventListener("resize", function () {
      Object.keys(vz.charts).forEach(function (k) { vz.charts[k].resize(); });
      vz.timeCharts.forEach(function (tc) { tc.update(); });
    });
    // On paper the charts take the page's width (print.css scales the
    // canvases; resizing makes them crisp).
    window.addEventListener("beforeprint", function () {
      Object.keys(vz.charts).forEach(function (k) { vz.charts[k].resize(); });
    });
    window.addEventListener("afterprint", function () {
      Object.keys(vz.charts).forEach(function (k) { vz.charts[k].resize(); });
    });
    vz.on("theme", function () { location.reload(); });
    vz.painted();
  };

  vz.startDiff = function () {
    load();
    ["diff-reasons", "diff-groups", "diff-regions", "diff-path"].forEach(function (k) { vz.bars(k, vz.D.bars[k]); });
    window.addEventListener("resize", function () {
      Object.keys(vz.charts).forEach(function (k) { vz.charts[k].resize(); });
    });
    vz.painted();
  };
})(vz);
