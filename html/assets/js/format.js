// Numbers and times as the page prints them. Durations have three
// significant digits (as the Go side's units.Duration); a time since the
// trace start is printed in one unit for the whole trace, with the digits
// the current zoom needs; axis ticks are round, and when absolute labels
// would need too many digits, the first tick is absolute and the others
// are offsets from it.
(function (vz) {
  var f = vz.fmt;
  var UNITS = [["ns", 1], ["µs", 1e3], ["ms", 1e6], ["s", 1e9]];

  function unitFor(ns) {
    var u = UNITS[0];
    for (var i = 0; i < UNITS.length; i++) if (ns >= UNITS[i][1]) u = UNITS[i];
    return u;
  }
  f.unitFor = unitFor;

  f.dur = function (ns) {
    ns = Number(ns);
    var neg = ns < 0 ? "-" : "";
    ns = Math.abs(ns);
    function sig3(x) { return x >= 99.95 ? x.toFixed(0) : x >= 9.995 ? x.toFixed(1) : x.toFixed(2); }
    if (ns < 1000) return neg + Math.round(ns) + " ns";
    if (ns < 999500) return neg + sig3(ns / 1e3) + " µs";
    if (ns < 999500000) return neg + sig3(ns / 1e6) + " ms";
    if (ns < 100e9) return neg + sig3(ns / 1e9) + " s";
    var s = Math.floor(ns / 1e9);
    if (s < 3600) return neg + Math.floor(s / 60) + "m" + String(s % 60).padStart(2, "0") + "s";
    return neg + Math.floor(s / 3600) + "h" + String(Math.floor(s % 3600 / 60)).padStart(2, "0") + "m";
  };

  // decimals needed to show a multiple of prec in unit u.
  function decimals(prec, u) {
    var p = prec / u[1];
    if (p >= 1) return 0;
    return Math.min(9, Math.ceil(-Math.log10(p) - 1e-9));
  }

  // traceUnit is the unit of times since the trace start.
  // off is where the model starts in the trace (a window report).
  function off() { return vz.D.offset || 0; }
  f.traceUnit = function () { return unitFor(Math.max(vz.D.duration + off(), 1)); };

  // time prints t (ns since the trace start) to precision prec (ns).
  f.time = function (t, prec) {
    var u = f.traceUnit();
    return ((t + off()) / u[1]).toFixed(decimals(Math.max(prec || 1, 1), u)) + " " + u[0];
  };

  // goTime prints t as Go's time.ParseDuration reads it, in the trace's
  // unit, to precision prec, rounded down (up with ceil): the form of the
  // times in `vizrun report -window START:END`.
  f.goTime = function (t, prec, ceil) {
    var u = f.traceUnit();
    var d = decimals(Math.max(prec, 1), u);
    var k = Math.pow(10, d);
    var v = (t + off()) / u[1] * k;
    v = (ceil ? Math.ceil(v - 1e-6) : Math.floor(v + 1e-6)) / k;
    var str = v.toFixed(d);
    if (str.indexOf(".") >= 0) str = str.replace(/0+$/, "").replace(/\.$/, "");
    return str + u[0];
  };

  // windowCommand is the command that writes a report of every span in
  // [a, b].
  f.windowCommand = function (a, b) {
    var prec = Math.max((b - a) / 1000, 1);
    return "vizrun report -window " + f.goTime(a, prec, false) + ":" + f.goTime(b, prec, true) + " " + vz.D.source;
  };

  // niceStep is a round tick interval (1, 2 or 5 × 10^k ns) giving about n
  // ticks over span.
  f.niceStep = function (span, n) {
    var raw = span / Math.max(n, 1);
    var p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
    var m = raw / p;
    return Math.max(1, (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p);
  };

  // The time axes' context: the step of their ticks, and whether labels
  // are offsets. window.js sets it whenever the window changes.
  f.axis = { a: 0, b: 1, step: 1, relative: false, first: 0 };
  f.setAxis = function (a, b, ticks) {
    var step = f.niceStep(b - a, ticks);
    var u = f.traceUnit();
    var first = Math.ceil(a / step) * step;
    // Absolute labels with more than five significant digits read badly:
    // then label the first tick in full and the others from it.
    // A window report's ticks are round from its start: offsets too.
    var digits = Math.log10(Math.max(b + off(), 1) / step);
    f.axis = { a: a, b: b, step: step, relative: off() > 0 || digits > 4.2 && decimals(step, u) > 0, first: first };
    return step;
  };

  f.timeAxis = function (v) {
    var ax = f.axis;
    v = Number(v);
    if (v === 0 && ax.a === 0 && !off()) return "0";
    if (!ax.relative || Math.abs(v - ax.first) < ax.step / 2) return f.time(v, ax.step);
    var delta = v - ax.first;
    var u = unitFor(Math.max(ax.b - ax.a, 1));
    return "+" + (delta / u[1]).toFixed(decimals(ax.step, u)) + " " + u[0];
  };

  f.durAxis = function (v) { return Number(v) === 0 ? "0" : f.dur(v); };

  f.bytes = function (n) {
    n = Number(n);
    if (n >= 1 << 30) return (n / (1 << 30)).toFixed(1) + " GiB";
    if (n >= 1 << 20) return (n / (1 << 20)).toFixed(1) + " MiB";
    if (n >= 1 << 10) return (n / (1 << 10)).toFixed(1) + " KiB";
    return n + " B";
  };
  f.bytesAxis = function (v) { return Number(v) === 0 ? "0" : f.bytes(v); };

  f.count = function (v) {
    v = Number(v);
    if (v > 0 && v < 0.005) return "<0.01";
    return v >= 100 || v === Math.round(v) ? String(Math.round(v)) : String(Number(v.toFixed(2)));
  };
  f.countAxis = function (v) { return f.count(v); };

  // rowLabel cuts a long axis label in the middle: its start (a goroutine
  // id) and its end (the function, a group's count) tell rows apart.
  f.rowLabel = function (label) {
    label = String(label);
    return label.length > 38 ? label.slice(0, 15) + "…" + label.slice(label.length - 22) : label;
  };

  f.bucketLabel = function (v) { return f.dur(v); };
})(vz);
