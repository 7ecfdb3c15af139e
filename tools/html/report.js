/*
 * tools/html/report.js - draws the memwatch HTML report from the JSON in
 * #mw-data (written by tools/report_html.c): per process a timeline of
 * captures per region (SVG; regions down, time across, one mark per
 * version, or bins where marks would overlap), the selected capture's
 * fields, YARA matches, disassembly and diff from the previous version, and
 * per watched variable its accesses over time by reads and writes and by
 * accessing function.  No network, no libraries.  When everything is drawn,
 * #mw-status reads data-state="ready"; a script error sets "error".
 */
(function () {
  'use strict';

  var statusEl = document.getElementById('mw-status');
  function setStatus(state, text) {
    statusEl.setAttribute('data-state', state);
    statusEl.textContent = text;
  }
  window.addEventListener('error', function (e) {
    setStatus('error', 'script error: ' + e.message + ' (line ' + e.lineno + ')');
  });

  var DATA = JSON.parse(document.getElementById('mw-data').textContent);

  /* ---- small helpers ---- */

  function esc(s) {
    return String(s === null || s === undefined ? '-' : s)
      .replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
  }
  function num(n) { return Number(n).toLocaleString('en-US'); }
  function plural(n, one, many) { return num(n) + ' ' + (n === 1 ? one : many || one + 's'); }
  function fmtNs(ns) {
    var a = Math.abs(ns);
    if (a >= 1e9) return (ns / 1e9).toFixed(a >= 1e10 ? 1 : 2) + ' s';
    if (a >= 1e6) return (ns / 1e6).toFixed(a >= 1e7 ? 1 : 2) + ' ms';
    if (a >= 1e3) return (ns / 1e3).toFixed(a >= 1e4 ? 1 : 2) + ' \u00b5s';
    return Math.round(ns) + ' ns';
  }
  function addHex(base, off) {
    if (!base) return '+0x' + off.toString(16);
    return '0x' + (BigInt(base) + BigInt(off)).toString(16);
  }
  function spacedHex(h) { return h.replace(/(..)(?=.)/g, '$1 '); }
  function hashColor(hash) {
    if (!hash) return '#999';
    var v = parseInt(hash.slice(-6), 16) || 0;
    return 'hsl(' + (v % 360) + ',55%,' + (42 + (v >> 9) % 18) + '%)';
  }
  function el(id) { return document.getElementById(id); }

  /* ---- per process: derived tables ---- */

  function prepare(p) {
    var n = p.caps.length, i, r, k;
    p.order = [];
    for (i = 0; i < n; i++) p.order.push(i);
    p.order.sort(function (a, b) {
      var sa = p.caps[a].seq, sb = p.caps[b].seq;
      return (sa === null || sb === null || sa === sb) ? a - b : sa - sb;
    });
    /* Time of each capture for the timeline: its timestamp, or (when the dump
     * has none) its place in seq order. */
    p.byOrder = !p.t0 || p.span === 0;
    var last = 0;
    for (k = 0; k < n; k++) {
      var c = p.caps[p.order[k]];
      if (p.byOrder) c.x = k;
      else { c.x = c.t === null ? last : c.t; last = c.x; }
    }
    p.tmax = p.byOrder ? Math.max(1, n - 1) : p.span;
    /* The hash the dump recorded, else the one the report computed (the same XXH3). */
    p.caps.forEach(function (c) { c.h = c.hash || c.content; });
    for (r = 0; r < p.regions.length; r++) {
      var caps = p.regions[r].caps;
      for (k = 0; k < caps.length; k++) {
        p.caps[caps[k]].row = r;
        p.caps[caps[k]].pos = k;
      }
    }
    p.hits = [];
    for (k = 0; k < n; k++) {
      var cc = p.caps[p.order[k]];
      if ((cc.y && cc.y.length) || (cc.yl && cc.yl.length) || cc.yerr) p.hits.push(p.order[k]);
    }
    p.view = { v0: 0, v1: p.tmax, page: 0, sel: null, hitsShown: 100 };
  }

  var ROWS_PER_PAGE = 30;
  var state = { proc: 0 };
  DATA.processes.forEach(prepare);

  /* ---- process tabs and summary ---- */

  function drawTabs() {
    var nav = el('mw-procs');
    if (DATA.processes.length < 2) { nav.innerHTML = ''; return; }
    nav.innerHTML = DATA.processes.map(function (p, i) {
      return '<button type="button" data-proc="' + i + '"' + (i === state.proc ? ' class="mw-on"' : '') +
        '>' + esc(p.name) + ' <small>' + plural(p.caps.length, 'capture') + ', ' +
        plural(p.naccs, 'access', 'accesses') + '</small></button>';
    }).join('');
  }

  function summaryHtml(p) {
    var distinct = {};
    p.caps.forEach(function (c) { if (c.content || c.hash) distinct[c.content || c.hash] = 1; });
    var h = '<section class="mw-summary"><h2>' + esc(p.name) + '</h2><p>' + esc(p.dir) + '</p><p>' +
      plural(p.caps.length, 'capture') + ' in ' + plural(p.regions.length, 'region') + ', ' +
      plural(Object.keys(distinct).length, 'distinct content') + '; ' +
      plural(p.naccs, 'logged access', 'logged accesses') +
      (!p.byOrder ? '; over ' + fmtNs(p.span)
        : p.caps.length > 1 ? '; no time span: captures are placed in seq order' : '') + '.</p>';
    if (p.warnings.length) {
      h += '<details class="mw-warn"><summary>' + plural(p.warnings.length, 'warning') +
        ' while reading the dump</summary><ul>' +
        p.warnings.map(function (w) { return '<li>' + esc(w) + '</li>'; }).join('') + '</ul></details>';
    }
    return h + '</section>';
  }

  /* ---- YARA ---- */

  function matchText(m) {
    var s = '<b>' + esc(m.rule) + '</b>';
    if (m.namespace && m.namespace !== 'default') s += ' <small>(' + esc(m.namespace) + ')</small>';
    if (m.tags.length) s += ' <span class="mw-tags">' + m.tags.map(esc).join(' ') + '</span>';
    if (m.strings.length) {
      s += ': ' + m.strings.map(function (x) {
        return esc(x.id) + ' at +0x' + x.offset.toString(16) + ' = ' + esc(x.addr);
      }).join(', ');
    }
    if (m.strings_not_listed) s += ' (and ' + m.strings_not_listed + ' more)';
    return s;
  }

  function yaraHtml(p) {
    if (!p.yara && !p.live) return '';
    var h = '<section id="mw-yara"><h2>YARA matches</h2><p>';
    if (p.yara) {
      h += 'Rules <code>' + esc(p.yara.rules) + '</code>: ' + plural(p.yara.captures, 'capture') + ', ' +
        plural(p.yara.scanned, 'distinct content') + ' scanned (' + p.yara.from_cache +
        ' from cache); ' + plural(p.yara.matched, 'capture') + ' matched. ';
    }
    if (p.live) h += 'Matches recorded while the program ran (yara.jsonl) are marked <i>live</i>.';
    h += '</p>';
    if (!p.hits.length) return h + '<p>No rule matched.</p></section>';
    h += '<table class="mw-table mw-hits"><thead><tr><th>seq</th><th>region</th><th>version</th>' +
      '<th>source</th><th>match</th></tr></thead><tbody>';
    var shown = Math.min(p.hits.length, p.view.hitsShown);
    for (var k = 0; k < shown; k++) {
      var i = p.hits[k], c = p.caps[i];
      var rows = [];
      (c.y || []).forEach(function (m) { rows.push(['rules', matchText(m)]); });
      (c.yl || []).forEach(function (m) { rows.push(['live', matchText(m)]); });
      if (c.yerr) rows.push(['rules', 'scan incomplete: ' + esc(c.yerr)]);
      rows.forEach(function (row) {
        h += '<tr data-cap="' + i + '"><td class="mw-num">' + esc(c.seq) + '</td><td>' + esc(c.region) +
          '</td><td class="mw-num">#' + esc(c.capture_sequence) + '</td><td>' + row[0] + '</td><td>' + row[1] +
          '</td></tr>';
      });
    }
    h += '</tbody></table>';
    if (shown < p.hits.length) {
      h += '<p><button type="button" id="mw-hits-more">show all ' + p.hits.length +
        ' matching captures</button></p>';
    }
    return h + '</section>';
  }

  /* ---- the timeline ---- */

  var W = 1000, LABEL = 190, RIGHT = 12, ROWH = 22, TOP = 26;
  var PLOT = W - LABEL - RIGHT;

  /* About n round values in [v0, v1], never closer than 1 apart (whole ns, whole captures). */
  function ticks(v0, v1, n) {
    var span = v1 - v0;
    if (span <= 0) return [v0];
    var step = Math.max(1, Math.pow(10, Math.floor(Math.log10(span / n))));
    [1, 2, 5, 10].some(function (m) { if (span / (step * m) <= n) { step *= m; return true; } return false; });
    var out = [];
    for (var t = Math.ceil(v0 / step) * step; t <= v1 + 1e-9; t += step) out.push(t);
    return out;
  }

  function timelineHtml(p) {
    var v = p.view, nreg = p.regions.length;
    if (!p.caps.length) {
      return '<section id="mw-timeline"><h2>Captures over time, by region</h2><p class="mw-note">' +
        'No captures' + (p.has_captures ? '' : ' (no captures.jsonl)') + '.</p></section>';
    }
    var pages = Math.max(1, Math.ceil(nreg / ROWS_PER_PAGE));
    var first = v.page * ROWS_PER_PAGE, last = Math.min(nreg, first + ROWS_PER_PAGE);
    var h = '<section id="mw-timeline"><h2>Captures over time, by region</h2>' +
      '<div class="mw-tools">' +
      '<button type="button" data-act="zoom-in">zoom in</button>' +
      '<button type="button" data-act="zoom-out">zoom out</button>' +
      '<button type="button" data-act="reset">whole run</button>' +
      '<span class="mw-sep"></span>' +
      '<button type="button" data-act="page-prev"' + (v.page ? '' : ' disabled') + '>&larr; regions</button>' +
      '<span>regions ' + (nreg ? first + 1 : 0) + '&ndash;' + last + ' of ' + nreg + '</span>' +
      '<button type="button" data-act="page-next"' + (v.page + 1 < pages ? '' : ' disabled') +
      '>regions &rarr;</button>' +
      '<span class="mw-sep"></span>' +
      '<label>seq <input id="mw-goto" type="number" min="1" size="6"></label>' +
      '<button type="button" data-act="goto">show</button>' +
      '</div><p class="mw-hint">One mark per version of a region (colour: its content hash; ' +
      'red outline: a YARA match). Click a mark to see it; drag across the time axis to zoom; ' +
      '&larr; and &rarr; step through the versions of the selected region.</p>';
    return h + '<div id="mw-tl-svg">' + timelineSvg(p, first, last) + '</div></section>';
  }

  function timelineSvg(p, first, last) {
    var v = p.view, span = Math.max(v.v1 - v.v0, 1e-9);
    var H = TOP + Math.max(1, last - first) * ROWH + 6;
    var x = function (t) { return LABEL + (t - v.v0) / span * PLOT; };
    var s = ['<svg id="mw-tl" class="mw-svg" viewBox="0 0 ' + W + ' ' + H + '" width="100%" ' +
      'data-first="' + first + '" role="img" aria-label="captures over time">'];
    s.push('<rect id="mw-tl-axis" class="mw-axis" x="' + LABEL + '" y="0" width="' + PLOT + '" height="' +
      (TOP - 2) + '"><title>drag to zoom</title></rect>');
    var tk = ticks(v.v0, v.v1, 8);
    tk.forEach(function (t) {
      var xx = x(t).toFixed(1);
      s.push('<line class="mw-grid" x1="' + xx + '" x2="' + xx + '" y1="' + (TOP - 4) + '" y2="' + H + '"/>' +
        '<text class="mw-tick' + (xx > W - 40 ? ' mw-end' : '') + '" x="' + xx + '" y="' + (TOP - 8) + '">' +
        (p.byOrder ? '#' + Math.round(t + 1) : fmtNs(t)) + '</text>');
    });
    var marks = 0, bins = 0;
    for (var r = first; r < last; r++) {
      var y = TOP + (r - first) * ROWH, reg = p.regions[r];
      s.push('<rect class="mw-row' + ((r & 1) ? ' mw-odd' : '') + '" x="0" y="' + y + '" width="' + W +
        '" height="' + ROWH + '"/>' +
        '<text class="mw-rlabel" x="6" y="' + (y + ROWH / 2 + 4) + '">' + esc(reg.region) + ' \u00b7 ' +
        plural(reg.caps.length, 'version') + '</text>');
      var vis = reg.caps.filter(function (i) { var t = p.caps[i].x; return t >= v.v0 && t <= v.v1; });
      if (vis.length) {
        var xa = x(p.caps[vis[0]].x), xb = x(p.caps[vis[vis.length - 1]].x);
        s.push('<line class="mw-life" x1="' + xa.toFixed(1) + '" x2="' + xb.toFixed(1) + '" y1="' +
          (y + ROWH / 2) + '" y2="' + (y + ROWH / 2) + '"/>');
      }
      var mark = function (i) {
        var c = p.caps[i], hit = (c.y && c.y.length) || (c.yl && c.yl.length);
        s.push('<rect class="mw-mark' + (hit ? ' mw-hit' : '') + (i === v.sel ? ' mw-sel' : '') +
          '" data-cap="' + i + '" x="' + (x(c.x) - 3).toFixed(1) + '" y="' + (y + 4) +
          '" width="6" height="' + (ROWH - 8) + '" fill="' + hashColor(c.h) + '"><title>seq ' +
          esc(c.seq) + ', version #' + esc(c.capture_sequence) + ', ' + esc(c.len) + ' bytes, hash ' + esc(c.h) +
          (p.byOrder ? '' : ', at ' + fmtNs(c.x)) + (hit ? ', YARA match' : '') + '</title></rect>');
        marks++;
      };
      if (vis.length <= PLOT / 6) {
        vis.forEach(mark);
      } else {
        var nb = Math.floor(PLOT / 6), cnt = [], hitb = [], lo = [], hi = [], max = 1, b;
        vis.forEach(function (i) {
          var c = p.caps[i];
          b = Math.min(nb - 1, Math.floor((c.x - v.v0) / span * nb));
          cnt[b] = (cnt[b] || 0) + 1;
          if ((c.y && c.y.length) || (c.yl && c.yl.length)) hitb[b] = 1;
          if (lo[b] === undefined) lo[b] = c.seq;
          hi[b] = c.seq;
          if (cnt[b] > max) max = cnt[b];
        });
        for (b = 0; b < nb; b++) {
          if (!cnt[b]) continue;
          var hh = 4 + (ROWH - 10) * Math.log(1 + cnt[b]) / Math.log(1 + max);
          s.push('<rect class="mw-bin' + (hitb[b] ? ' mw-hit' : '') + '" data-t0="' +
            (v.v0 + span * b / nb) + '" data-t1="' + (v.v0 + span * (b + 1) / nb) + '" x="' +
            (LABEL + PLOT * b / nb).toFixed(1) + '" y="' + (y + ROWH / 2 - hh / 2).toFixed(1) +
            '" width="' + (PLOT / nb - 1).toFixed(1) + '" height="' + hh.toFixed(1) + '"><title>' +
            plural(cnt[b], 'version') + ' (seq ' + lo[b] + '\u2013' + hi[b] + '); click to zoom in' +
            '</title></rect>');
          bins++;
        }
        /* The selected version stays visible among the bins. */
        if (v.sel !== null && p.caps[v.sel].row === r && vis.indexOf(v.sel) >= 0) mark(v.sel);
      }
    }
    s.push('<rect id="mw-tl-brush" class="mw-brush" x="0" y="0" width="0" height="' + H + '"/>');
    s.push('</svg>');
    state.marks = marks;
    state.bins = bins;
    return s.join('');
  }

  /* ---- the selected capture ---- */

  /* A listing or diff line: its address, bytes (padded to width) and text. */
  function codeLine(p, base, off, insn, width) {
    var ins = p.insns[insn], addr = addHex(base, off);
    if (ins[0] === '') return { zero: true, text: addr + '  ' + ins[1] };
    var hx = spacedHex(ins[0]);
    return { zero: false, addr: addr, hex: hx + ' '.repeat(Math.max(0, width - hx.length)), text: ins[1] };
  }
  function hexWidth(p, idxs) {
    var w = 0;
    idxs.forEach(function (k) { w = Math.max(w, spacedHex(p.insns[k][0]).length); });
    return w;
  }

  function listingHtml(p, c) {
    if (c.l === null) return '<p class="mw-note">No bytes: ' + esc(c.problem || 'not loaded') + '</p>';
    var L = p.listings[c.l];
    var width = hexWidth(p, L.lines.map(function (ln) { return ln[1]; }));
    var out = L.lines.map(function (ln) {
      var x = codeLine(p, L.addr, ln[0], ln[1], width);
      if (x.zero) return '<span class="mw-zero">' + esc(x.text) + '</span>';
      return esc(x.addr) + '  <span class="mw-bytes">' + esc(x.hex) + '</span>  ' + esc(x.text);
    });
    var h = '<pre class="mw-code" id="mw-listing">' + out.join('\n') + '</pre>';
    if (L.more) {
      h += '<p class="mw-note">&hellip; ' + num(L.more) + ' more bytes not listed here (the first ' +
        DATA.limits.insns + ' instructions are; <code>memwatch report --full</code> lists all).</p>';
    }
    return h;
  }

  function diffHtml(p, c) {
    if (c.p === null) return '<p class="mw-note">The first version of this region.</p>';
    var prev = p.caps[c.p], D = p.diffs[c.d];
    var h = '<p>From seq ' + esc(prev.seq) + ' (version #' + esc(prev.capture_sequence) + '):</p>';
    if (D.identical) return h + '<p class="mw-note">Identical to the previous version (same hash).</p>';
    if (!D.hunks.length) return h + '<p class="mw-note">No instruction changed.</p>';
    var out = [], all = [];
    D.hunks.forEach(function (hunk) { hunk.forEach(function (ln) { all.push(ln[2]); }); });
    var width = hexWidth(p, all);
    D.hunks.forEach(function (hunk, k) {
      if (k) out.push('<span class="mw-hunk">\u22ef</span>');
      hunk.forEach(function (ln) {
        var cls = ln[0] === '+' ? 'mw-add' : ln[0] === '-' ? 'mw-del' : 'mw-ctx';
        var x = codeLine(p, ln[0] === '-' ? prev.addr : c.addr, ln[1], ln[2], width);
        out.push('<span class="' + cls + '">' + esc(ln[0] + ' ' + (x.zero ? x.text : x.addr + '  ' + x.hex +
          '  ' + x.text)) + '</span>');
      });
    });
    h += '<pre class="mw-code" id="mw-diff">' + out.join('\n') + '</pre>';
    if (D.cut) {
      h += '<p class="mw-note">&hellip; ' + plural(D.cut, 'more line') + ' of this diff not shown ' +
        '(<code>memwatch report --diff</code> has them all).</p>';
    }
    return h;
  }

  function detailHtml(p) {
    var i = p.view.sel;
    if (!p.caps.length) return '<section id="mw-detail" hidden></section>';
    if (i === null || i === undefined) return '<section id="mw-detail"><p>No capture selected.</p></section>';
    var c = p.caps[i], reg = p.regions[c.row];
    var kv = [
      ['address', c.addr], ['length', c.len === null ? '-' : num(c.len) + ' bytes'],
      ['region', c.region + ', version #' + esc(c.capture_sequence) + ' of ' + reg.caps.length],
      ['thread', c.tid], ['time', c.t === null ? '-' : '+' + fmtNs(c.t)],
      ['fault address', c.fault_addr], ['rip', c.rip], ['hash', c.h],
      ['bytes', (c.file || '-') + (c.offset !== null ? ' at offset ' + c.offset : '')]
    ];
    if (c.problem) kv.push(['problem', c.problem]);
    var h = '<section id="mw-detail" data-cap="' + i + '"><h2>Capture seq ' + esc(c.seq) + '</h2>' +
      '<div class="mw-tools"><button type="button" data-act="prev-version"' + (c.pos ? '' : ' disabled') +
      '>&larr; previous version</button><button type="button" data-act="next-version"' +
      (c.pos + 1 < reg.caps.length ? '' : ' disabled') + '>next version &rarr;</button></div>' +
      '<table class="mw-kv">' + kv.map(function (r) {
        return '<tr><th>' + r[0] + '</th><td>' + esc(r[1]) + '</td></tr>';
      }).join('') + '</table>';
    var m = [];
    (c.y || []).forEach(function (x) { m.push('<li>' + matchText(x) + '</li>'); });
    (c.yl || []).forEach(function (x) { m.push('<li><i>live</i>: ' + matchText(x) + '</li>'); });
    if (c.yerr) m.push('<li>scan incomplete: ' + esc(c.yerr) + '</li>');
    if (m.length) h += '<h3>YARA matches</h3><ul class="mw-matches">' + m.join('') + '</ul>';
    h += '<div class="mw-cols"><div><h3>Disassembly</h3>' + listingHtml(p, c) + '</div>' +
      '<div><h3>Changes from the previous version</h3>' + diffHtml(p, c) + '</div></div>';
    return h + '</section>';
  }

  /* ---- accesses ---- */

  var CW = 1000, CH = 150, CL = 60, CB = 22;

  function chartSvg(p, v) {
    var n = v.r.length, max = 1, i;
    for (i = 0; i < n; i++) max = Math.max(max, v.r[i] + v.w[i]);
    var pw = CW - CL - 10, ph = CH - CB - 10, bw = pw / n;
    var s = ['<svg class="mw-svg mw-chart" viewBox="0 0 ' + CW + ' ' + CH + '" width="100%" role="img" ' +
      'aria-label="accesses over time">'];
    (max > 1 ? [0, 0.5, 1] : [0, 1]).forEach(function (f) {
      var yy = (10 + ph * (1 - f)).toFixed(1);
      s.push('<line class="mw-grid" x1="' + CL + '" x2="' + (CW - 10) + '" y1="' + yy + '" y2="' + yy +
        '"/><text class="mw-ytick" x="' + (CL - 6) + '" y="' + (+yy + 4) + '">' + num(Math.round(max * f)) +
        '</text>');
    });
    for (i = 0; i < n; i++) {
      if (!v.r[i] && !v.w[i]) continue;
      var hr = ph * v.r[i] / max, hw = ph * v.w[i] / max, xx = (CL + i * bw).toFixed(1);
      var t0 = p.span * i / n, t1 = p.span * (i + 1) / n;
      s.push('<g><title>' + fmtNs(t0) + '\u2013' + fmtNs(t1) + ': ' + num(v.r[i]) + ' reads, ' +
        num(v.w[i]) + ' writes</title>' +
        '<rect class="mw-reads" x="' + xx + '" y="' + (10 + ph - hr).toFixed(1) + '" width="' +
        Math.max(bw - 1, 1).toFixed(1) + '" height="' + hr.toFixed(1) + '"/>' +
        '<rect class="mw-writes" x="' + xx + '" y="' + (10 + ph - hr - hw).toFixed(1) + '" width="' +
        Math.max(bw - 1, 1).toFixed(1) + '" height="' + hw.toFixed(1) + '"/></g>');
    }
    ticks(0, p.span, 8).forEach(function (t) {
      var xx = (CL + pw * t / Math.max(p.span, 1)).toFixed(1);
      s.push('<text class="mw-tick' + (xx > CW - 40 ? ' mw-end' : '') + '" x="' + xx + '" y="' + (CH - 6) +
        '">' + fmtNs(t) + '</text>');
    });
    s.push('</svg>');
    return s.join('');
  }

  function sparkSvg(row) {
    var n = row.r.length, max = 1, i, s = [];
    for (i = 0; i < n; i++) max = Math.max(max, row.r[i] + row.w[i]);
    s.push('<svg class="mw-spark" viewBox="0 0 ' + n * 2 + ' 20" width="' + n * 2 + '" height="20">');
    for (i = 0; i < n; i++) {
      if (!row.r[i] && !row.w[i]) continue;
      var hr = 20 * row.r[i] / max, hw = 20 * row.w[i] / max;
      if (hr) s.push('<rect class="mw-reads" x="' + i * 2 + '" y="' + (20 - hr).toFixed(1) +
        '" width="2" height="' + hr.toFixed(1) + '"/>');
      if (hw) s.push('<rect class="mw-writes" x="' + i * 2 + '" y="' + (20 - hr - hw).toFixed(1) +
        '" width="2" height="' + hw.toFixed(1) + '"/>');
    }
    return s.join('') + '</svg>';
  }

  function accessesHtml(p) {
    var h = '<section id="mw-accesses"><h2>Watched variables</h2>';
    if (!p.has_accesses) return h + '<p class="mw-note">No accesses were logged (no accesses.jsonl).</p></section>';
    if (!p.vars.length) return h + '<p class="mw-note">accesses.jsonl is empty.</p></section>';
    h += '<p class="mw-hint">Accesses per time bin (' + DATA.limits.bins + ' bins over the run): ' +
      '<span class="mw-key mw-reads"></span> reads, <span class="mw-key mw-writes"></span> writes ' +
      '(a read-modify-write counts as both).</p>';
    p.vars.forEach(function (v) {
      var range = v.lo + '..' + v.hi;
      h += '<div class="mw-var"><h3>' + esc(v.var) + (range !== v.var ? ' <small>(' + esc(range) +
        ')</small>' : '') + '</h3><p>' + plural(v.count, 'access', 'accesses') + ', ' +
        plural(v.reads, 'read') + ', ' + plural(v.writes, 'write') + '</p>' + chartSvg(p, v) +
        '<table class="mw-table"><thead><tr><th>accessing function</th><th>count</th><th>reads</th>' +
        '<th>writes</th><th>first</th><th>last</th><th>over time</th></tr></thead><tbody>';
      var rows = v.who.slice();
      if (v.other) rows.push({ who: '(' + plural(v.other.functions, 'other function') + ')', count: v.other.count,
        reads: v.other.reads, writes: v.other.writes, first: '', last: '', r: v.other.r, w: v.other.w });
      rows.forEach(function (w) {
        h += '<tr><td>' + esc(w.who) + '</td><td class="mw-num">' + num(w.count) + '</td><td class="mw-num">' +
          num(w.reads) + '</td><td class="mw-num">' + num(w.writes) + '</td><td>' + esc(w.first) +
          '</td><td>' + esc(w.last) + '</td><td>' + sparkSvg(w) + '</td></tr>';
      });
      h += '</tbody></table></div>';
    });
    return h + '</section>';
  }

  /* ---- drawing and events ---- */

  function proc() { return DATA.processes[state.proc]; }

  function drawTimeline() {
    var p = proc();
    el('mw-timeline').outerHTML = timelineHtml(p);
  }
  function drawDetail() {
    el('mw-detail').outerHTML = detailHtml(proc());
  }
  function drawAll() {
    var p = proc();
    drawTabs();
    el('mw-app').innerHTML = summaryHtml(p) + yaraHtml(p) + timelineHtml(p) + detailHtml(p) + accessesHtml(p);
  }

  function select(i, keepView) {
    var p = proc(), c = p.caps[i];
    p.view.sel = i;
    p.view.page = Math.floor(c.row / ROWS_PER_PAGE);
    if (!keepView && (c.x < p.view.v0 || c.x > p.view.v1)) {
      var half = (p.view.v1 - p.view.v0) / 2;
      p.view.v0 = Math.max(0, c.x - half);
      p.view.v1 = p.view.v0 + 2 * half;
    }
    drawTimeline();
    drawDetail();
    try {
      history.replaceState(null, '', '#p=' + state.proc + '&seq=' + c.seq);
    } catch (e) { /* some file:// setups refuse; the selection still stands */ }
  }

  function zoom(t0, t1) {
    var p = proc();
    if (t1 - t0 < 1e-6) t1 = t0 + 1e-6;
    p.view.v0 = Math.max(0, t0);
    p.view.v1 = Math.min(p.tmax, t1);
    if (p.view.v1 <= p.view.v0) { p.view.v0 = 0; p.view.v1 = p.tmax; }
    drawTimeline();
  }

  function findSeq(p, seq) {
    for (var i = 0; i < p.caps.length; i++) if (p.caps[i].seq === seq) return i;
    return -1;
  }

  function act(name) {
    var p = proc(), v = p.view, mid = (v.v0 + v.v1) / 2, half = (v.v1 - v.v0) / 2, c;
    if (name === 'zoom-in') zoom(mid - half / 2, mid + half / 2);
    else if (name === 'zoom-out') zoom(mid - half * 2, mid + half * 2);
    else if (name === 'reset') zoom(0, p.tmax);
    else if (name === 'page-prev' && v.page > 0) { v.page--; drawTimeline(); }
    else if (name === 'page-next' && (v.page + 1) * ROWS_PER_PAGE < p.regions.length) { v.page++; drawTimeline(); }
    else if (name === 'goto') {
      var i = findSeq(p, parseInt(el('mw-goto').value, 10));
      if (i >= 0) select(i);
    } else if ((name === 'prev-version' || name === 'next-version') && v.sel !== null) {
      c = p.caps[v.sel];
      var caps = p.regions[c.row].caps, k = c.pos + (name === 'next-version' ? 1 : -1);
      if (k >= 0 && k < caps.length) select(caps[k]);
    }
  }

  function svgX(svg, clientX) {
    var r = svg.getBoundingClientRect();
    return (clientX - r.left) / r.width * W;
  }
  function timeAt(p, x) {
    return p.view.v0 + (Math.min(Math.max(x, LABEL), LABEL + PLOT) - LABEL) / PLOT * (p.view.v1 - p.view.v0);
  }

  var drag = null;
  document.addEventListener('mousedown', function (e) {
    var svg = e.target.closest && e.target.closest('#mw-tl');
    if (!svg || e.target.classList.contains('mw-mark') || e.target.classList.contains('mw-bin')) return;
    drag = { svg: svg, x0: svgX(svg, e.clientX) };
    e.preventDefault();
  });
  document.addEventListener('mousemove', function (e) {
    if (!drag) return;
    var x1 = svgX(drag.svg, e.clientX), b = el('mw-tl-brush');
    b.setAttribute('x', Math.min(drag.x0, x1));
    b.setAttribute('width', Math.abs(x1 - drag.x0));
  });
  document.addEventListener('mouseup', function (e) {
    if (!drag) return;
    var p = proc(), x1 = svgX(drag.svg, e.clientX), x0 = drag.x0;
    drag = null;
    if (Math.abs(x1 - x0) > 4) zoom(timeAt(p, Math.min(x0, x1)), timeAt(p, Math.max(x0, x1)));
    else el('mw-tl-brush').setAttribute('width', 0);
  });
  document.addEventListener('click', function (e) {
    var t = e.target, m;
    if ((m = t.closest('[data-proc]'))) {
      state.proc = +m.getAttribute('data-proc');
      drawAll();
    } else if ((m = t.closest('.mw-mark')) || (m = t.closest('tr[data-cap]'))) {
      select(+m.getAttribute('data-cap'), !!t.closest('.mw-mark'));
    } else if ((m = t.closest('.mw-bin'))) {
      zoom(+m.getAttribute('data-t0'), +m.getAttribute('data-t1'));
    } else if ((m = t.closest('[data-act]'))) {
      act(m.getAttribute('data-act'));
    } else if (t.id === 'mw-hits-more') {
      proc().view.hitsShown = Infinity;
      el('mw-yara').outerHTML = yaraHtml(proc());
    }
  });
  document.addEventListener('keydown', function (e) {
    if (e.target.tagName === 'INPUT') {
      if (e.key === 'Enter') act('goto');
      return;
    }
    if (e.key === 'ArrowLeft') act('prev-version');
    else if (e.key === 'ArrowRight') act('next-version');
    else return;
    e.preventDefault();
  });

  /* ---- start: the process and capture the address names (#p=0&seq=3), else the first ---- */

  var want = {};
  location.hash.replace(/^#/, '').split('&').forEach(function (kv) {
    var a = kv.split('=');
    if (a.length === 2) want[a[0]] = parseInt(a[1], 10);
  });
  if (want.p >= 0 && want.p < DATA.processes.length) state.proc = want.p;
  var p0 = proc(), total = 0;
  if (p0 && p0.caps.length) {
    var i0 = want.seq !== undefined ? findSeq(p0, want.seq) : -1;
    p0.view.sel = i0 >= 0 ? i0 : p0.order[0];
    p0.view.page = Math.floor(p0.caps[p0.view.sel].row / ROWS_PER_PAGE);
  }
  if (!DATA.processes.length) {
    el('mw-app').innerHTML = '<p class="mw-note">No process directories.</p>';
  } else {
    drawAll();
  }
  DATA.processes.forEach(function (p) { total += p.caps.length; });
  setStatus('ready', 'ready: ' + plural(DATA.processes.length, 'process', 'processes') +
    ', ' + plural(total, 'capture') + ', ' + plural(state.marks || 0, 'mark') + ' and ' +
    plural(state.bins || 0, 'bin') + ' drawn');
})();
