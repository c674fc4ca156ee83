// The goroutine timeline (rows that can be filtered, groups that expand to
// their members, a detail panel, findings' moments), the processor
// timeline and the tasks-and-regions timeline, on top of gantt.js.
(function (vz) {
  var tl = null; // the goroutine timeline's gantt

  function dot(code) {
    return '<span class="vz-dot vz-c' + Number(code) + '"></span>';
  }
  function when(it) {
    var prec = Math.max(vz.fmt.axis.step / 1000, Math.min(it.e - it.s, vz.fmt.axis.step) / 100, 1);
    return vz.fmt.time(it.s, prec) + " → " + vz.fmt.time(it.e, prec) + " (" + vz.fmt.dur(it.e - it.s) + ")";
  }
  function name(code) { var p = vz.D.palette[code]; return p ? p.name : "?"; }

  // mergedHTML explains a merged segment.
  function mergedHTML(it, what) {
    if (it.r === -1) {
      return "<div>" + what + " merged when the trace was read (it keeps spans of " + vz.esc(vz.fmt.dur(vz.D.coarsened)) +
        " and longer), mostly <b>" + vz.esc(name(it.c)) + "</b></div>";
    }
    return "<div>" + (-it.r) + " " + what + " merged at this zoom, mostly <b>" + vz.esc(name(it.c)) + "</b>" +
      (it.x ? " (" + it.x + "% of the time)" : "") + "; zoom in for each</div>";
  }

  function tipTimeline(r, it) {
    var row = tl.rows[r];
    var h = "<b>" + vz.esc(row.full || row.label) + "</b><br>";
    if (row.kind === "fold") {
      return h + "group of " + row.n + " goroutines, mostly " + dot(it.c) + "<b>" + vz.esc(name(it.c)) + "</b>" +
        (it.x ? " (" + it.x + "% of their time)" : "") + "<br>" + when(it);
    }
    h += dot(it.c) + "<b>" + vz.esc(name(it.c)) + "</b><br>" + when(it);
    if (it.m) return h + mergedHTML(it, "spans");
    return h + vz.wakeHTML(it.x) + vz.stackHTML(it.r) + '<div class="vz-hint">click for details</div>';
  }

  function label(r, row) {
    if (row.kind === "fold") return (tl.expanded.has(r) ? "▾ " : "▸ ") + row.label;
    if (row.parent >= 0) return "· " + row.label;
    return row.label;
  }

  // The detail panel: text nodes only.
  function stackList(ref) {
    var ul = vz.el("ul", "vz-frames");
    var st = ref > 0 ? vz.D.stacks[ref - 1] : null;
    if (!st) { ul.appendChild(vz.el("li", "", "(no stack)")); return ul; }
    st.forEach(function (f) { ul.appendChild(vz.el("li", "", vz.D.frames[f])); });
    return ul;
  }

  // gotoG selects goroutine id's row (expanding its group), scrolled to,
  // with at (a time) in the window, and opens its details.
  vz.gotoG = function (id, at) {
    var r = vz.rowOfG(id);
    if (r < 0) return false;
    if (tl.el.style.height !== tl.height() + "px") tl.relayout(); // its group was expanded
    var v = vz.view;
    if (at !== undefined && (at < v.a || at > v.b)) {
      var half = (v.b - v.a) / 2;
      vz.setWindow(Math.max(0, at - half), Math.min(vz.D.duration, at + half));
    }
    tl.highlight = new Set([r]);
    vz.selectRow(r, true);
    return true;
  };

  // spanBlock is the detail panel's part about the span clicked: what it
  // was, and for a blocked span who woke it, the waker a link to its row.
  function spanBlock(it) {
    var box = vz.el("div", "vz-span");
    box.appendChild(vz.el("h4", "", "the span clicked"));
    box.appendChild(vz.el("p", "vz-what", name(it.c) + ": " + vz.fmt.time(it.s, Math.max((it.e - it.s) / 1000, 1)) + " → " + vz.fmt.time(it.e, Math.max((it.e - it.s) / 1000, 1)) + " (" + vz.fmt.dur(it.e - it.s) + ")"));
    var w = it.x > 0 ? vz.D.wakes[it.x - 1] : null;
    if (w) {
      var p = vz.el("p", "vz-wake");
      if (w.g > 0) {
        p.appendChild(document.createTextNode("woken by "));
        var a = vz.el("button", "vz-link vz-waker", vz.gName(w.g));
        a.type = "button";
        a.title = "select the goroutine that woke it";
        var gid = vz.D.gs[w.g - 1][0], at = it.e;
        a.addEventListener("click", function () {
          if (!vz.gotoG(gid, at)) a.title = "this goroutine has no row in the report";
        });
        p.appendChild(a);
        if (w.at) p.appendChild(document.createTextNode(" at " + w.at));
      } else {
        p.textContent = vz.wakeText(it.x);
      }
      box.appendChild(p);
      if (w.stack > 0) {
        box.appendChild(vz.el("h4", "", "the waker's stack"));
        box.appendChild(stackList(w.stack));
      }
    }
    if (it.r > 0) {
      box.appendChild(vz.el("h4", "", "where it waited"));
      box.appendChild(stackList(it.r));
    }
    return box;
  }

  vz.showDetail = function (r, item) {
    var row = tl && tl.rows[r], det = row && row.detail;
    var panel = document.getElementById("vz-detail");
    if (!det || !panel) return;
    var body = document.getElementById("vz-detail-body");
    body.textContent = "";
    body.appendChild(vz.el("h3", "", det.title));
    if (det.path > 0) {
      var pa = vz.el("div", "vz-actions");
      var on = vz.pathShown === det.path - 1;
      var pb = vz.el("button", "vz-path-button", on ? "hide the critical path" : "show critical path");
      pb.type = "button";
      pb.title = "what decided when this goroutine ended: its own work and waits, and the goroutines it waited for";
      pb.addEventListener("click", function () {
        if (vz.pathShown === det.path - 1) vz.showPath(-1); else vz.showPath(det.path - 1, true);
        vz.showDetail(r, item);
      });
      pa.appendChild(pb);
      body.appendChild(pa);
    }
    if (item && !item.m && row.kind === "g") body.appendChild(spanBlock(item));
    if (row.kind === "fold" && tl.members[r]) {
      var acts = vz.el("div", "vz-actions");
      var b = vz.el("button", "", tl.expanded.has(r) ? "Collapse the group" : "Expand the group (" + tl.members[r].length + " rows)");
      b.type = "button";
      b.addEventListener("click", function () { toggle(r); vz.showDetail(r); });
      acts.appendChild(b);
      body.appendChild(acts);
    }
    var tbl = vz.el("table");
    det.facts.forEach(function (f) {
      var tr = vz.el("tr");
      if (f[1] === "") {
        var th = vz.el("th", "sub", f[0]);
        th.colSpan = 2;
        tr.appendChild(th);
      } else {
        tr.appendChild(vz.el("th", "", f[0]));
        tr.appendChild(vz.el("td", "", f[1]));
      }
      tbl.appendChild(tr);
    });
    body.appendChild(tbl);
    if (det.create > 0) {
      body.appendChild(vz.el("h4", "", "created at"));
      body.appendChild(stackList(det.create));
    }
    if (det.blocking && det.blocking.length) {
      body.appendChild(vz.el("h4", "", "where it blocked"));
      det.blocking.forEach(function (bl) {
        body.appendChild(vz.el("p", "vz-what", bl.what));
        body.appendChild(stackList(bl.stack));
      });
    }
    panel.hidden = false;
    panel.setAttribute("data-row", String(r));
    vz.hideTip();
  };
  vz.closeDetail = function () {
    var p = document.getElementById("vz-detail");
    if (p && !p.hidden) { p.hidden = true; return true; }
    return false;
  };

  function toggle(r) {
    if (!tl.members[r]) return;
    if (tl.expanded.has(r)) tl.expanded.delete(r); else tl.expanded.add(r);
    tl.relayout();
  }
  vz.toggleGroup = function (r) { toggle(r); };

  // selectRow selects row r of the timeline, scrolls to it and opens it
  // (with item, the segment clicked, if any).
  vz.selectRow = function (r, open, item) {
    tl.select(r);
    var row = tl.rows[r];
    vz.selectedG = row && row.kind === "g" ? row.g : 0;
    vz.saveFragment();
    if (open) vz.showDetail(r, item);
  };

  // rowOfG finds (or makes visible) the row of goroutine id.
  vz.rowOfG = function (id) {
    for (var r = 0; r < tl.rows.length; r++) {
      var row = tl.rows[r];
      if (row.kind === "g" && row.g === id) {
        if (row.parent >= 0 && !tl.expanded.has(row.parent)) { tl.expanded.add(row.parent); tl.layout(); }
        return r;
      }
    }
    return -1;
  };

  // focus shows a finding's moment: the window around [from, to], every
  // goroutine it names highlighted, the first one selected.
  vz.focus = function (from, to, gs) {
    var f = document.getElementById("vz-filter");
    if (f && f.value !== "") { f.value = ""; filter(""); }
    var sec = document.getElementById("timeline");
    if (sec) sec.scrollIntoView({ block: "start" });
    if (!tl) return;
    if (to > from) {
      var pad = Math.max((to - from) * 0.15, vz.D.duration / 2000, 1000);
      vz.setWindow(Math.max(0, from - pad), Math.min(vz.D.duration, to + pad));
    }
    tl.highlight = new Set();
    var first = -1;
    gs.forEach(function (id) {
      var r = vz.rowOfG(id);
      if (r >= 0) { tl.highlight.add(r); if (first < 0) first = r; }
    });
    tl.relayout();
    if (first >= 0) vz.selectRow(first, false);
  };

  // highlightPath draws a chain of segments (pageData.Paths, issue 16's
  // critical paths) over the timeline: each step outlined, the hand-offs
  // between rows dashed. null clears it.
  function setSteps(steps) {
    tl.steps = null;
    if (steps && steps.length) {
      tl.steps = {};
      steps.forEach(function (s, i) {
        var next = steps[i + 1];
        (tl.steps[s[0]] = tl.steps[s[0]] || []).push([s[1], s[2], next && next[0] !== s[0] ? next[0] : null]);
      });
    }
  }
  vz.highlightPath = function (steps) {
    if (!tl) return;
    setSteps(steps);
    tl.refresh();
  };

  // showPath highlights path i of pageData.Paths (-1: none): its steps
  // outlined, its rows marked, the window fitted to it when fit is set
  // and the goroutine it ends on selected.
  vz.pathShown = -1;
  vz.showPath = function (i, fit) {
    if (!tl) return;
    var p = i >= 0 ? vz.D.paths[i] : null;
    var note = document.getElementById("vz-path-note");
    vz.pathShown = p ? i : -1;
    if (!p || !p.steps.length) {
      setSteps(null);
      tl.highlight = new Set();
      tl.only = null;
      tl.relayout();
      if (note) note.hidden = true;
      return;
    }
    var rows = new Set();
    p.steps.forEach(function (s) {
      var row = tl.rows[s[0]];
      if (row && row.parent >= 0 && !tl.expanded.has(row.parent)) tl.expanded.add(row.parent);
      rows.add(s[0]);
    });
    tl.highlight = rows;
    tl.only = vz.pathOnly === false ? null : rows;
    setSteps(p.steps);
    // The path's rows from the top (the chart keeps its height), the row
    // it ends on selected; drawn once, with the new window if it moves.
    tl.layout();
    var firstRow = tl.order.length;
    rows.forEach(function (r) { var k = tl.order.indexOf(r); if (k >= 0) firstRow = Math.min(firstRow, k); });
    tl.first = Math.max(0, Math.min(firstRow, tl.order.length - tl.visible));
    tl.selected = p.steps[p.steps.length - 1][0];
    var from = p.steps[0][1], to = p.steps[p.steps.length - 1][2], moved = false;
    if (fit && to > from) {
      var pad = Math.max((to - from) * 0.05, 1000), a = Math.max(0, from - pad), b = Math.min(vz.D.duration, to + pad);
      moved = a !== vz.view.a || b !== vz.view.b;
      if (moved) vz.setWindow(a, b);
    }
    if (!moved) tl.refresh();
    if (note) {
      note.textContent = "";
      var hops = 0;
      for (var k = 1; k < p.steps.length; k++) if (p.steps[k][0] !== p.steps[k - 1][0]) hops++;
      note.appendChild(document.createTextNode("Critical path of " + p.name + ": " + vz.fmt.dur(to - from) + " on " + rows.size + " row" +
        (rows.size === 1 ? "" : "s") + ", " + hops + " hand-off" + (hops === 1 ? "" : "s") + " between rows (dashed)" +
        (p.cut ? "; its first " + p.cut + " steps are left out" : "") + ". "));
      var o = vz.el("button", "", tl.only ? "show every row" : "only the path's rows");
      o.type = "button";
      o.addEventListener("click", function () { vz.pathOnly = !tl.only; vz.showPath(i); });
      note.appendChild(o);
      var b = vz.el("button", "", "clear");
      b.type = "button";
      b.addEventListener("click", function () { vz.showPath(-1); });
      note.appendChild(b);
      note.hidden = false;
    }
  };

  // bindPaths wires the Critical path section's buttons and the copy
  // buttons of commands.
  vz.bindPaths = function () {
    var bs = document.querySelectorAll("button.vz-show-path");
    for (var i = 0; i < bs.length; i++) {
      bs[i].addEventListener("click", function (e) {
        var k = Number(e.currentTarget.getAttribute("data-path"));
        var sec = document.getElementById("timeline");
        if (sec) sec.scrollIntoView({ block: "start" });
        vz.showPath(k, true);
      });
    }
    var cs = document.querySelectorAll("button.vz-copy");
    for (var j = 0; j < cs.length; j++) {
      cs[j].addEventListener("click", function (e) {
        var b = e.currentTarget, text = b.getAttribute("data-copy");
        if (navigator.clipboard) navigator.clipboard.writeText(text).then(function () { b.textContent = "copied"; }, function () {});
      });
    }
  };

  function filter(q) {
    if (!tl) return;
    tl.query = q.trim().toLowerCase();
    tl.first = 0;
    tl.relayout();
    var n = document.getElementById("vz-filter-count");
    if (n) n.textContent = tl.query === "" ? "" : tl.order.length + " rows match";
  }
  vz.filterTimeline = filter;

  // notice says when the view is coarser than the data, and the command
  // that writes a report of every span in the window.
  function notice(id, g) {
    var el = document.getElementById(id);
    if (!el) return;
    if (!g.coarse && !g.coarseMembers) { el.hidden = true; el.removeAttribute("data-res"); return; }
    var v = vz.view, cmd = vz.fmt.windowCommand(v.a, v.b);
    if (el.getAttribute("data-cmd") === cmd && !el.hidden) return;
    el.textContent = "";
    var why;
    if (!g.coarse) {
      why = "The rows of expanded groups hold less detail than the others: runs of spans shorter than " + vz.fmt.dur(g.coarseMembers) + " are merged there. ";
    } else if (vz.D.coarsened && g.coarse <= vz.D.coarsened) {
      why = "This trace was read at a resolution of " + vz.fmt.dur(vz.D.coarsened) + ": shorter spans were merged while reading it, so this view is coarser than the trace. ";
    } else {
      why = "This view is coarser than the report holds: runs of spans shorter than " + vz.fmt.dur(g.coarse) + " are merged here. ";
    }
    el.appendChild(document.createTextNode(why + "For every span from " + vz.fmt.time(v.a, (v.b - v.a) / 1000) + " to " +
      vz.fmt.time(v.b, (v.b - v.a) / 1000) + ", run "));
    var code = vz.el("code", "vz-command", cmd);
    el.appendChild(code);
    var b = vz.el("button", "", "copy");
    b.type = "button";
    b.addEventListener("click", function () {
      if (navigator.clipboard) navigator.clipboard.writeText(cmd).then(function () { b.textContent = "copied"; }, function () {});
    });
    el.appendChild(b);
    el.setAttribute("data-cmd", cmd);
    el.setAttribute("data-res", String(g.coarse || g.coarseMembers));
    el.hidden = false;
  }

  vz.timeline = function (option) {
    var block = vz.D.timeline;
    var note = document.getElementById("vz-timeline-note");
    if (note) note.textContent = block.note || "";
    if (!block.rows || !block.rows.length) return vz.empty(vz.spec("timeline").id, "No goroutines.");
    tl = vz.gantt.create("timeline", block, {
      label: label,
      tip: tipTimeline,
      rendered: function (g) { notice("vz-timeline-notice", g); },
      click: function (hit) {
        var row = tl.rows[hit.row];
        if (hit.label && row.kind === "fold") { toggle(hit.row); return; }
        vz.selectRow(hit.row, true, hit.label ? null : hit.item);
      },
      keys: function (e) {
        if (e.key === "Enter") { if (tl.selected >= 0) vz.showDetail(tl.selected); return true; }
        if (e.key === "e" || e.key === "E" || e.key === " ") {
          var r = tl.selected;
          if (r < 0) return false;
          var row = tl.rows[r];
          if (row.kind === "fold") toggle(r);
          else if (row.parent >= 0) { toggle(row.parent); tl.select(row.parent); }
          return true;
        }
        if (e.key === "Escape") {
          if (!vz.closeDetail()) { vz.clearMeasure(); if (vz.pathShown >= 0) vz.showPath(-1); tl.highlight = new Set(); tl.refresh(); }
          return true;
        }
        return false;
      }
    });
    vz.tl = tl;
    tl.mount(option);
    var f = document.getElementById("vz-filter");
    if (f) f.addEventListener("input", function () { filter(f.value); });
    var close = document.getElementById("vz-detail-close");
    if (close) close.addEventListener("click", function () { vz.closeDetail(); });
    document.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && vz.closeDetail()) e.preventDefault();
    });
    var links = document.querySelectorAll("a.vz-jump");
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener("click", function (ev) {
        ev.preventDefault();
        var fr = vz.D.findings[Number(ev.currentTarget.getAttribute("data-finding"))];
        if (fr) vz.focus(fr.from, fr.to, fr.gs);
      });
    }
  };

  // The processor timeline.
  vz.procs = function (option) {
    var block = vz.D.procs;
    if (!document.getElementById(vz.spec("procs").id)) return;
    if (!block.rows || !block.rows.length) return vz.empty(vz.spec("procs").id, "No processor ran.");
    var g = vz.gantt.create("procs", block, {
      busy: true,
      text: function (it) { return it.r > 0 ? vz.gName(it.r) : ""; },
      tip: function (r, it) {
        var row = g.rows[r], h = "<b>" + vz.esc(row.label) + "</b><br>";
        if (row.kind === "gc") {
          if (it.m) return h + (-it.r) + " " + vz.esc(name(it.c)) + (it.r === -1 ? "" : "s") + ", " + it.x + "% of " + when(it);
          return h + vz.esc(name(it.c)) + "<br>" + when(it);
        }
        if (it.m && it.r === -1) return h + "goroutines merged when the trace was read, busy " + it.x + "%<br>" + when(it);
        if (it.m) return h + (-it.r) + " goroutine runs, busy " + it.x + "%, mostly " + dot(it.c) + vz.esc(name(it.c)) + "<br>" + when(it);
        return h + dot(it.c) + vz.esc(vz.gName(it.r)) + "<br>" + when(it) + '<div class="vz-hint">click to find it in the goroutine timeline</div>';
      },
      rendered: function (gg) { notice("vz-procs-notice", gg); },
      click: function (hit) {
        if (!hit.item || hit.item.m || !(hit.item.r > 0) || !tl) return;
        var id = vz.D.gs[hit.item.r - 1][0], r = vz.rowOfG(id);
        if (r >= 0) { tl.relayout(); vz.selectRow(r, true); }
      }
    });
    g.mount(option);
  };

  // Tasks and regions.
  vz.spans = function (option) {
    var block = vz.D.spans;
    if (!document.getElementById(vz.spec("spans").id)) return;
    if (!block.rows || !block.rows.length) return vz.empty(vz.spec("spans").id, "No tasks or regions.");
    var g = vz.gantt.create("spans", block, {
      maxVisible: 20,
      tip: function (r, it) {
        var h = "<b>" + vz.esc(g.rows[r].label) + "</b><br>";
        if (it.r > 0) h += (g.rows[r].kind === "task" ? "created by " : "on ") + vz.esc(vz.gName(it.r)) + "<br>";
        return h + when(it);
      }
    });
    g.mount(option);
  };
})(vz);
