// Colours and patterns (html/palette.go): each category has a fill per
// theme, and some a pattern drawn over it, so that no two meanings in a
// chart differ by hue alone. The theme follows prefers-color-scheme.
(function (vz) {
  var dark = window.matchMedia && window.matchMedia("(prefers-color-scheme: dark)");
  var cache = {};

  vz.isDark = function () { return !!(dark && dark.matches); };

  vz.colour = function (code) {
    var p = vz.D.palette[code];
    if (!p) return vz.isDark() ? "#a0a4aa" : "#5f6368";
    return vz.isDark() ? p.dark : p.light;
  };

  // css reads a colour of the page's style (assets/css/base.css).
  vz.css = function (name) {
    return getComputedStyle(document.documentElement).getPropertyValue(name).trim();
  };

  function patternCanvas(base, pattern) {
    var c = document.createElement("canvas");
    c.width = c.height = 8;
    var g = c.getContext("2d");
    g.fillStyle = base;
    g.fillRect(0, 0, 8, 8);
    g.strokeStyle = g.fillStyle = vz.isDark() ? "rgba(0,0,0,.6)" : "rgba(255,255,255,.75)";
    g.lineWidth = 1.5;
    if (pattern === "hatch" || pattern === "cross") {
      g.beginPath();
      g.moveTo(-2, 10); g.lineTo(10, -2);
      g.moveTo(-2, 2); g.lineTo(2, -2);
      g.moveTo(6, 10); g.lineTo(10, 6);
      if (pattern === "cross") {
        g.lineWidth = 1;
        g.moveTo(-2, -2); g.lineTo(10, 10);
        g.moveTo(6, -2); g.lineTo(10, 2);
        g.moveTo(-2, 6); g.lineTo(2, 10);
      }
      g.stroke();
    } else if (pattern === "dots") {
      g.beginPath();
      g.arc(2, 2, 1.1, 0, 7);
      g.arc(6, 6, 1.1, 0, 7);
      g.fill();
    }
    return c;
  }

  // fill is what a segment of category code is painted with: its colour,
  // or a pattern over it (a zrender pattern object).
  vz.fill = function (code) {
    var key = (vz.isDark() ? "d" : "l") + code;
    if (cache[key]) return cache[key];
    var p = vz.D.palette[code];
    var base = vz.colour(code);
    var v = base;
    if (p && p.pattern) v = { image: patternCanvas(base, p.pattern), repeat: "repeat" };
    cache[key] = v;
    return v;
  };

  // chartStyle is the theme's text and axis colours, for every chart.
  vz.chartStyle = function () {
    var fg = vz.css("--fg"), muted = vz.css("--muted"), line = vz.css("--line");
    return {
      textStyle: { color: fg },
      axis: { axisLine: { lineStyle: { color: muted } }, axisTick: { lineStyle: { color: muted } },
        axisLabel: { color: muted }, splitLine: { lineStyle: { color: line } }, nameTextStyle: { color: muted } },
      legend: { textStyle: { color: fg }, pageTextStyle: { color: fg } },
      tooltip: { backgroundColor: vz.css("--bg"), borderColor: line, textStyle: { color: fg } },
      fg: fg
    };
  };

  if (dark && dark.addEventListener) {
    dark.addEventListener("change", function () { cache = {}; vz.emit("theme"); });
  }
})(vz);
