// One time axis for every time chart: a single window [a, b] that zooming
// and panning any of them changes, a cursor shown across all of them, a
// range selected by dragging (its length shown), and the window and the
// selected goroutine kept in the URL fragment (#w=START:END&g=ID), so that
// a link opens the same view.
//
// The mouse wheel scrolls the page. Ctrl or ⌘ + wheel zooms at the
// pointer, a horizontal wheel or swipe pans, dragging zooms to the range
// dragged (with Shift it only measures it), and on a focused chart the keys
// pan (← →), zoom (+ −) and show the whole trace (0).
(function (vz) {
  var MIN_SPAN = 50; // ns
  vz.view = { a: 0, b: 1 };
  vz.measure = null; // {a, b} of a range selected with Shift-drag
  vz.dragged = false; // the last mouse press was a drag, not a click

  function clamp(a, b) {
    var d = vz.D.duration;
    var span = Math.min(Math.max(b - a, MIN_SPAN), Math.max(d, MIN_SPAN));
    if (a < 0) a = 0;
    if (a + span > d) a = Math.max(0, d - span);
    return [a, a + span];
  }

  // setWindow shows [a, b] in every time chart.
  vz.setWindow = function (a, b) {
    var w = clamp(a, b);
    if (w[0] === vz.view.a && w[1] === vz.view.b) return;
    vz.view = { a: w[0], b: w[1] };
    vz.fmt.setAxis(w[0], w[1], 7);
    schedule();
    windowBar();
    vz.saveFragment();
    vz.emit("window", w[0], w[1]);
  };
  vz.zoomBy = function (factor, center) {
    var v = vz.view, span = v.b - v.a;
    if (center === undefined) center = v.a + span / 2;
    var ns = span * factor;
    var a = center - (center - v.a) * factor;
    vz.setWindow(a, a + ns);
  };
  vz.panBy = function (frac) {
    var v = vz.view, d = (v.b - v.a) * frac;
    vz.setWindow(v.a + d, v.b + d);
  };
  vz.resetWindow = function () { vz.setWindow(0, vz.D.duration); };

  // Redrawing: charts on screen at once, the others a little later, so
  // that an interaction costs what the reader sees.
  var pending = null;
  function onScreen(tc) {
    var r = tc.box.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight && r.height > 0;
  }
  function schedule() {
    var now = [], later = [];
    vz.timeCharts.forEach(function (tc) { (onScreen(tc) ? now : later).push(tc); });
    now.forEach(function (tc) { tc.dirty = false; tc.update(); });
    later.forEach(function (tc) { tc.dirty = true; });
    if (pending) clearTimeout(pending);
    pending = setTimeout(function flushLater() {
      pending = null;
      var tc = vz.timeCharts.filter(function (t) { return t.dirty; })[0];
      if (!tc) return;
      tc.dirty = false;
      tc.update();
      pending = setTimeout(flushLater, 0);
    }, 30);
  }
  vz.windowSettled = function () {
    return !pending && vz.timeCharts.every(function (t) { return !t.dirty; });
  };
  // A chart scrolled into view catches up at once.
  var scrolled = false;
  window.addEventListener("scroll", function () {
    if (scrolled) return;
    scrolled = true;
    requestAnimationFrame(function () {
      scrolled = false;
      vz.timeCharts.forEach(function (tc) { if (tc.dirty && onScreen(tc)) { tc.dirty = false; tc.update(); } });
    });
  }, { passive: true });

  // gridOf is the plot area of a time chart, in pixels of its box.
  function gridOf(tc) {
    var g = tc.gridSpec;
    var left = g.left + tc.el.clientLeft, right = g.right;
    var top = g.top + tc.el.clientTop, bottom = g.bottom;
    var w = tc.el.clientWidth, h = tc.el.clientHeight;
    return { left: left, width: Math.max(w - left - right, 1), top: top, height: Math.max(h - top - bottom, 1) };
  }
  vz.gridOf = gridOf;
  function toTime(tc, x) {
    var g = gridOf(tc), v = vz.view;
    return v.a + (x - g.left) / g.width * (v.b - v.a);
  }
  function toPx(tc, t) {
    var g = gridOf(tc), v = vz.view;
    return g.left + (t - v.a) / (v.b - v.a) * g.width;
  }
  vz.toTime = toTime;
  vz.toPx = toPx;

  // The cursor and the selection, drawn over every time chart.
  function overlay(tc) {
    if (tc.cursor) return;
    tc.cursor = vz.el("div", "vz-cursor");
    tc.cursorLabel = vz.el("div", "vz-cursor-label");
    tc.sel = vz.el("div", "vz-sel");
    tc.selLabel = vz.el("div", "vz-sel-label");
    tc.sel.appendChild(tc.selLabel);
    [tc.cursor, tc.cursorLabel, tc.sel].forEach(function (e) { e.hidden = true; tc.box.appendChild(e); });
  }
  var cursorAt = null, cursorFrom = null;
  vz.setCursor = function (t, from) {
    cursorAt = t;
    cursorFrom = from;
    vz.timeCharts.forEach(drawCursor);
    vz.emit("cursor", t);
  };
  function drawCursor(tc) {
    overlay(tc);
    var t = cursorAt, v = vz.view;
    if (t === null || t < v.a || t > v.b || (tc !== cursorFrom && !onScreen(tc))) {
      tc.cursor.hidden = tc.cursorLabel.hidden = true;
      return;
    }
    var g = gridOf(tc), x = toPx(tc, t);
    tc.cursor.hidden = false;
    tc.cursor.style.left = x + "px";
    tc.cursor.style.top = g.top + "px";
    tc.cursor.style.height = g.height + "px";
    tc.cursorLabel.hidden = tc !== cursorFrom;
    if (tc === cursorFrom) {
      tc.cursorLabel.textContent = vz.fmt.time(t, vz.fmt.axis.step / 100);
      tc.cursorLabel.style.left = Math.min(Math.max(x, g.left + 40), g.left + g.width - 40) + "px";
    }
  }
  var selection = null; // {a, b} while dragging or measuring
  function drawSelection(tc) {
    overlay(tc);
    var s = selection || vz.measure, v = vz.view;
    if (!s || s.b <= v.a || s.a >= v.b) { tc.sel.hidden = true; return; }
    var g = gridOf(tc);
    var x0 = Math.max(toPx(tc, s.a), g.left), x1 = Math.min(toPx(tc, s.b), g.left + g.width);
    tc.sel.hidden = false;
    tc.sel.style.left = x0 + "px";
    tc.sel.style.width = Math.max(x1 - x0, 1) + "px";
    tc.sel.style.top = g.top + "px";
    tc.sel.style.height = g.height + "px";
    tc.selLabel.textContent = vz.fmt.dur(s.b - s.a);
  }
  vz.selection = function () { return selection || vz.measure; };
  function redrawOverlays() {
    vz.timeCharts.forEach(function (tc) { drawCursor(tc); drawSelection(tc); });
  }
  vz.on("window", redrawOverlays);
  vz.clearMeasure = function () {
    if (vz.measure) { vz.measure = null; redrawOverlays(); }
  };

  // register makes a chart a time chart: tc = {key, el, box, chart,
  // option (the options it was drawn with), update(), keys(event)}.
  vz.registerTimeChart = function (tc) {
    var g = Array.isArray(tc.option.grid) ? tc.option.grid[0] : tc.option.grid;
    tc.gridSpec = { left: Number(g.left), right: Number(g.right), top: Number(g.top), bottom: Number(g.bottom) };
    vz.timeCharts.push(tc);
    overlay(tc);
    var box = tc.box;
    box.addEventListener("wheel", function (e) {
      if (e.ctrlKey || e.metaKey) {
        e.preventDefault();
        var r = box.getBoundingClientRect();
        vz.zoomBy(Math.pow(1.0025, e.deltaY * (e.deltaMode === 1 ? 30 : 1)), toTime(tc, e.clientX - r.left));
      } else if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) {
        e.preventDefault();
        vz.panBy(e.deltaX / Math.max(gridOf(tc).width, 1));
      }
      // Otherwise the page scrolls.
    }, { passive: false });
    // Capture: ECharts stops the mouse's events on its canvas.
    box.addEventListener("mousemove", function (e) {
      var r = box.getBoundingClientRect(), g = gridOf(tc), x = e.clientX - r.left;
      if (x < g.left || x > g.left + g.width) { if (cursorAt !== null) vz.setCursor(null); return; }
      vz.setCursor(toTime(tc, x), tc);
    }, true);
    box.addEventListener("mouseleave", function () { vz.setCursor(null); }, true);
    box.addEventListener("mousedown", function (e) {
      if (e.button !== 0) return;
      var r = box.getBoundingClientRect(), g = gridOf(tc), x0 = e.clientX - r.left;
      if (x0 < g.left || x0 > g.left + g.width || e.clientY - r.top > g.top + g.height) return;
      vz.dragged = false;
      var t0 = toTime(tc, x0);
      function move(ev) {
        var x = ev.clientX - r.left;
        if (!vz.dragged && Math.abs(x - x0) < 4) return;
        vz.dragged = true;
        var t = toTime(tc, Math.min(Math.max(x, g.left), g.left + g.width));
        selection = { a: Math.min(t0, t), b: Math.max(t0, t) };
        vz.timeCharts.forEach(drawSelection);
        ev.preventDefault();
      }
      function up(ev) {
        document.removeEventListener("mousemove", move);
        document.removeEventListener("mouseup", up);
        if (!vz.dragged) return;
        var s = selection;
        selection = null;
        if (ev.shiftKey) {
          vz.measure = s;
          redrawOverlays();
        } else {
          vz.measure = null;
          redrawOverlays();
          vz.setWindow(s.a, s.b);
        }
      }
      document.addEventListener("mousemove", move);
      document.addEventListener("mouseup", up);
    }, true);
    tc.el.addEventListener("keydown", function (e) {
      if (e.altKey || e.ctrlKey || e.metaKey) return;
      var done = true;
      switch (e.key) {
        case "ArrowLeft": vz.panBy(-0.2); break;
        case "ArrowRight": vz.panBy(0.2); break;
        case "+": case "=": vz.zoomBy(0.5); break;
        case "-": case "_": vz.zoomBy(2); break;
        case "0": vz.resetWindow(); break;
        default: done = tc.keys ? tc.keys(e) : false;
      }
      if (done) e.preventDefault();
    });
  };

  // The window bar in the header: where the window is, and its controls.
  function windowBar() {
    var v = vz.view, d = Math.max(vz.D.duration, 1);
    var text = document.getElementById("vz-window-text");
    if (text) {
      var prec = Math.max((v.b - v.a) / 1000, 1);
      text.textContent = v.a === 0 && v.b >= vz.D.duration ? "whole trace, " + vz.fmt.dur(vz.D.duration) :
        vz.fmt.time(v.a, prec) + " – " + vz.fmt.time(v.b, prec) + " (" + vz.fmt.dur(v.b - v.a) + ")";
    }
    var thumb = document.getElementById("vz-overview-thumb");
    if (thumb) {
      thumb.style.left = (100 * v.a / d) + "%";
      thumb.style.width = (100 * (v.b - v.a) / d) + "%";
    }
  }
  vz.bindWindowBar = function () {
    windowBar();
    function btn(id, f) { var b = document.getElementById(id); if (b) b.addEventListener("click", f); }
    btn("vz-zoom-in", function () { vz.zoomBy(0.5); });
    btn("vz-zoom-out", function () { vz.zoomBy(2); });
    btn("vz-zoom-reset", vz.resetWindow);
    var ov = document.getElementById("vz-overview");
    if (!ov) return;
    ov.addEventListener("mousedown", function (e) {
      if (e.button !== 0) return;
      e.preventDefault();
      var r = ov.getBoundingClientRect(), d = vz.D.duration;
      var v = vz.view, span = v.b - v.a;
      var at = (e.clientX - r.left) / r.width * d;
      var grab = at >= v.a && at <= v.b ? at - v.a : span / 2;
      if (!(at >= v.a && at <= v.b)) vz.setWindow(at - grab, at - grab + span);
      function move(ev) {
        var t = (ev.clientX - r.left) / r.width * d;
        vz.setWindow(t - grab, t - grab + span);
      }
      function up() {
        document.removeEventListener("mousemove", move);
        document.removeEventListener("mouseup", up);
      }
      document.addEventListener("mousemove", move);
      document.addEventListener("mouseup", up);
    });
  };

  // The URL fragment: #w=START:END&g=ID, times as Go durations since the
  // trace start.
  var urlTimer = null;
  vz.selectedG = 0;
  vz.saveFragment = function () {
    if (urlTimer) clearTimeout(urlTimer);
    urlTimer = setTimeout(function () {
      urlTimer = null;
      var v = vz.view, parts = [];
      if (v.a > 0 || v.b < vz.D.duration) {
        var prec = Math.max((v.b - v.a) / 10000, 1);
        parts.push("w=" + vz.fmt.goTime(v.a, prec) + ":" + vz.fmt.goTime(v.b, prec, true));
      }
      if (vz.selectedG) parts.push("g=" + vz.selectedG);
      var h = parts.length ? "#" + parts.join("&") : location.pathname + location.search;
      if (location.hash !== (parts.length ? h : "")) history.replaceState(null, "", h);
    }, 120);
  };
  // parseGoDuration reads what goTime writes (and Go's plain forms).
  vz.parseGoDuration = function (s) {
    var m = /^([0-9]*\.?[0-9]+)(ns|us|µs|μs|ms|s|m|h)$/.exec(s);
    if (!m) return NaN;
    var k = { ns: 1, us: 1e3, "µs": 1e3, "μs": 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 }[m[2]];
    return Number(m[1]) * k;
  };
  vz.readFragment = function () {
    var h = decodeURIComponent(location.hash.replace(/^#/, "")), out = {};
    h.split("&").forEach(function (p) {
      var kv = p.split("=");
      if (kv.length !== 2) return;
      if (kv[0] === "w") {
        var o = vz.D.offset || 0;
        var ab = kv[1].split(":"), a = vz.parseGoDuration(ab[0]) - o, b = vz.parseGoDuration(ab[1]) - o;
        if (ab.length === 2 && a >= 0 && b > a) out.w = [a, b];
      } else if (kv[0] === "g" && /^[0-9]+$/.test(kv[1])) {
        out.g = Number(kv[1]);
      }
    });
    return out;
  };
})(vz);
