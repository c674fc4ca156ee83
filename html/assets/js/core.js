// vizrun report: the page's code. It reads the data (script#vz-data) and the
// chart options (window.vzOptions), attaches one to the other and draws.
// What it receives is documented in html/contract.go: charts are found by
// their key in D.charts, series by name, and nothing else is assumed.
//
// Strings from the traced program only ever reach the page as text: through
// vz.esc() into tooltip HTML, as DOM text nodes, or as canvas labels drawn
// by ECharts.
"use strict";
var vz = (function () {
  var vz = { D: null, specs: {}, charts: {}, fmt: {}, tip: {}, gantt: {}, flame: {}, timeCharts: [] };

  vz.esc = function (s) {
    return String(s).replace(/[&<>"']/g, function (c) {
      return { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" }[c];
    });
  };

  // spec is the chart of key k (html/contract.go chartTable).
  vz.spec = function (k) {
    var s = vz.specs[k];
    if (!s) throw new Error("vizrun: no chart " + k);
    return s;
  };

  // seriesIndex is the position of the series called name in chart k.
  vz.seriesIndex = function (k, name) {
    var i = vz.spec(k).series.indexOf(name);
    if (i < 0) throw new Error("vizrun: chart " + k + " has no series " + name);
    return i;
  };

  // el makes an element holding text only.
  vz.el = function (tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined) e.textContent = text;
    return e;
  };

  // A few events tie the parts together: "window" (the time window
  // changed), "cursor" (the time under the mouse), "select" (a goroutine
  // was selected), "theme".
  var handlers = {};
  vz.on = function (ev, fn) { (handlers[ev] = handlers[ev] || []).push(fn); };
  vz.emit = function (ev, a, b) {
    (handlers[ev] || []).forEach(function (fn) { fn(a, b); });
  };

  // Goroutine references (contract: pageData.Gs): "G12 worker".
  vz.gName = function (ref) {
    var g = vz.D.gs[ref - 1];
    if (!g) return "";
    var name = g[1] >= 0 ? vz.D.groupNames[g[1]] : "";
    return "G" + g[0] + (name ? " " + name : "");
  };

  vz.stackHTML = function (ref) {
    var st = ref > 0 ? vz.D.stacks[ref - 1] : null;
    if (!st) return "";
    return '<div class="vz-stack">' + st.map(function (f) { return vz.esc(vz.D.frames[f]); }).join("<br>") + "</div>";
  };

  // wakeText says who woke a goroutine (pageData.Wakes): "woken by G12
  // worker at chan send (pool.go:88)", "woken by a timer".
  vz.wakeText = function (ref) {
    var w = ref > 0 ? vz.D.wakes[ref - 1] : null;
    if (!w) return "";
    if (!(w.g > 0)) return "woken by " + (w.source || "the runtime");
    return "woken by " + vz.gName(w.g) + (w.at ? " at " + w.at : "");
  };
  vz.wakeHTML = function (ref) {
    var t = vz.wakeText(ref);
    return t ? '<div class="vz-wake">' + vz.esc(t) + "</div>" : "";
  };

  return vz;
})();
