"use strict";
// Renders the issue list, the page table and the site findings from the embedded JSON.
// Every string from the crawl is set with textContent (never innerHTML), so page titles and
// messages are always shown as text.
(function () {
  var data = JSON.parse(document.getElementById("audit-data").textContent);
  var CATS = data.categories;
  var HELPS = data.helps;
  var SEV_NAMES = ["notice", "warning", "error"];
  var SEV_KEYS = ["info", "warning", "error"];
  var nf = new Intl.NumberFormat("en-US");

  function el(tag, attrs) {
    var node = document.createElement(tag);
    if (attrs) {
      Object.keys(attrs).forEach(function (k) {
        if (k === "class") node.className = attrs[k];
        else if (k === "text") node.textContent = attrs[k];
        else node.setAttribute(k, attrs[k]);
      });
    }
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) continue;
      node.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return node;
  }

  // Only web URLs become links: a crawled `javascript:` URL must stay text.
  function urlNode(url) {
    if (/^https?:\/\//i.test(url)) {
      return el("a", { href: url, rel: "noopener noreferrer", target: "_blank", class: "mono" }, url);
    }
    return el("span", { class: "mono" }, url);
  }

  function statusClass(s) {
    if (s === null || s === undefined) return "failed";
    if (s < 300) return "2xx";
    if (s < 400) return "3xx";
    if (s < 500) return "4xx";
    return "5xx";
  }

  function formatBytes(b) {
    if (b < 1024) return b + " B";
    var units = ["KB", "MB", "GB"];
    var v = b / 1024, u = 0;
    while (v >= 1024 && u < units.length - 1) { v /= 1024; u++; }
    return v.toFixed(1) + " " + units[u];
  }

  // Site findings that name a page (as their URL or a related URL), by page URL.
  var siteByUrl = new Map();
  data.site.forEach(function (f, i) {
    [f.u].concat(f.rel || []).forEach(function (u) {
      if (!u) return;
      if (!siteByUrl.has(u)) siteByUrl.set(u, []);
      var list = siteByUrl.get(u);
      if (list[list.length - 1] !== i) list.push(i);
    });
  });

  var rows = data.pages.map(function (p, i) {
    var n = [0, 0, 0], cats = new Set(), codes = new Set();
    (p.x || []).forEach(function (f) { n[f.v]++; cats.add(f.g); codes.add(f.k); });
    return {
      i: i, p: p, n: n, cats: cats,
      cls: statusClass(p.s),
      hay: (p.u + " " + (p.f || "") + " " + (p.t || "") + " " + Array.from(codes).join(" ")).toLowerCase()
    };
  });

  var state = { sort: "errors", dir: -1, page: 0, size: 50, expanded: new Set() };
  var shown = rows;

  var SORT_KEYS = {
    url: function (r) { return r.p.u; },
    status: function (r) { return r.p.s === null || r.p.s === undefined ? 1000 : r.p.s; },
    ms: function (r) { return r.p.ms; },
    bytes: function (r) { return r.p.b; },
    indexable: function (r) { return r.p.ix; },
    errors: function (r) { return r.n[2]; },
    warnings: function (r) { return r.n[1]; },
    infos: function (r) { return r.n[0]; }
  };

  function compare(a, b) {
    var key = SORT_KEYS[state.sort];
    var x = key(a), y = key(b);
    var c = typeof x === "string" ? x.localeCompare(y) : x - y;
    if (c === 0 && state.sort === "errors") c = a.n[1] - b.n[1];
    if (c !== 0) return c * state.dir;
    return a.i - b.i;
  }

  var $ = function (id) { return document.getElementById(id); };
  var fText = $("f-text"), fStatus = $("f-status"), fCat = $("f-category"), fSev = $("f-severity"), fSize = $("f-size");

  var lastFilter = null;

  // Runs on both `input` and `change`; a change that only repeats the last input (a search
  // field losing focus) must not re-render, or the click that moved the focus is lost.
  function filtersChanged() {
    var key = [fText.value, fStatus.value, fCat.value, fSev.value].join("\u0000");
    if (key === lastFilter) return;
    applyFilters();
  }

  function applyFilters() {
    lastFilter = [fText.value, fStatus.value, fCat.value, fSev.value].join("\u0000");
    var terms = fText.value.toLowerCase().split(/\s+/).filter(Boolean);
    var status = fStatus.value, sev = fSev.value;
    var cat = fCat.value === "" ? -1 : CATS.findIndex(function (c) { return c[0] === fCat.value; });
    shown = rows.filter(function (r) {
      if (status && r.cls !== status) return false;
      if (cat >= 0 && !r.cats.has(cat)) return false;
      if (sev === "error" && !r.n[2]) return false;
      if (sev === "warning" && !r.n[1]) return false;
      if (sev === "info" && !r.n[0]) return false;
      if (sev === "none" && r.n[0] + r.n[1] + r.n[2] > 0) return false;
      for (var t = 0; t < terms.length; t++) if (r.hay.indexOf(terms[t]) < 0) return false;
      return true;
    });
    shown.sort(compare);
    state.page = 0;
    document.querySelectorAll(".gauge").forEach(function (g) {
      g.setAttribute("aria-pressed", String(g.getAttribute("data-category") === fCat.value));
    });
    renderTable();
  }

  function countCell(n, cls) {
    return el("td", { class: "num " + (n ? cls : "zero") }, nf.format(n));
  }

  function renderTable() {
    var body = $("pages-body");
    body.textContent = "";
    var pages = Math.max(1, Math.ceil(shown.length / state.size));
    if (state.page >= pages) state.page = pages - 1;
    var start = state.page * state.size;
    var slice = shown.slice(start, start + state.size);
    if (!slice.length) {
      body.appendChild(el("tr", null, el("td", { colspan: "8", class: "empty" },
        rows.length ? "No page matches these filters." : "No pages were crawled.")));
    }
    slice.forEach(function (r) {
      var p = r.p, open = state.expanded.has(r.i);
      var toggle = el("button", { type: "button", class: "toggle mono", "aria-expanded": String(open) }, p.u);
      // Only point at the details row while it exists.
      if (open) toggle.setAttribute("aria-controls", "detail-" + r.i);
      toggle.addEventListener("click", function () {
        if (state.expanded.has(r.i)) state.expanded.delete(r.i); else state.expanded.add(r.i);
        renderTable();
        var again = body.querySelector('tr[data-index="' + r.i + '"] .toggle');
        if (again) again.focus();
      });
      var status = p.s === null || p.s === undefined ? "failed" : String(p.s);
      var tr = el("tr", { class: "page-row", "data-index": String(r.i) },
        el("td", { class: "url-cell" }, toggle, p.t ? el("span", { class: "page-title" }, p.t) : null),
        el("td", null, el("span", { class: "status s" + (r.cls === "failed" ? "f" : r.cls[0]) }, status),
          p.r && p.r.length ? el("span", { class: "hops", title: "Reached after " + p.r.length +
            (p.r.length === 1 ? " redirect" : " redirects") }, "\u21AA" + p.r.length) : null),
        el("td", { class: "num" }, p.s === null || p.s === undefined ? "—" : nf.format(p.ms) + " ms"),
        el("td", { class: "num" }, formatBytes(p.b)),
        el("td", { class: p.ix ? "yes" : "no" }, p.ix ? "Yes" : "No"),
        countCell(r.n[2], "n-error"), countCell(r.n[1], "n-warning"), countCell(r.n[0], "n-info"));
      body.appendChild(tr);
      if (open) body.appendChild(detailRow(r));
    });
    var from = shown.length ? start + 1 : 0;
    $("pages-count").textContent = "Showing " + nf.format(from) + "–" + nf.format(start + slice.length) +
      " of " + nf.format(shown.length) + " pages" +
      (shown.length !== rows.length ? " (filtered from " + nf.format(rows.length) + ")" : "");
    $("pg-info").textContent = "Page " + (state.page + 1) + " of " + pages;
    $("pg-prev").disabled = state.page === 0;
    $("pg-next").disabled = state.page >= pages - 1;
  }

  function findingItem(f, withUrl) {
    var head = el("div", { class: "f-head" },
      el("span", { class: "badge sev-" + f.v }, SEV_NAMES[f.v]),
      el("span", { class: "f-code mono" }, f.k),
      el("span", { class: "f-cat" }, CATS[f.g] ? CATS[f.g][1] : ""),
      f.l ? el("span", { class: "f-pos mono", title: "line:column" }, "line " + f.l + (f.col ? ":" + f.col : "")) : null);
    var li = el("li", { class: "sev-" + f.v }, head, el("div", { class: "f-msg" }, f.m));
    if (withUrl && f.u) li.appendChild(el("div", { class: "f-url" }, urlNode(f.u)));
    if (f.h !== undefined && HELPS[f.h]) li.appendChild(el("div", { class: "f-help" }, HELPS[f.h]));
    if (f.ev) {
      li.appendChild(el("blockquote", { class: "f-evidence" }, "\u201C" + f.ev.q + "\u201D", " \u2014 ",
        urlNode(f.ev.s)));
    }
    if (f.rel && f.rel.length) {
      li.appendChild(el("div", { class: "f-rel-h" }, f.rel.length === 1 ? "Related URL" : "Related URLs"));
      var ul = el("ul", { class: "f-related", "aria-label": "Related URLs" });
      f.rel.slice(0, 25).forEach(function (u) { ul.appendChild(el("li", null, urlNode(u))); });
      if (f.rel.length > 25) ul.appendChild(el("li", null, "and " + nf.format(f.rel.length - 25) + " more"));
      li.appendChild(ul);
    }
    return li;
  }

  function bySeverity(a, b) { return b.v - a.v || (a.l || 0) - (b.l || 0) || a.k.localeCompare(b.k); }

  function detailRow(r) {
    var p = r.p;
    var dl = el("dl", { class: "detail-grid" });
    function item(label, value) {
      if (value === null || value === undefined || value === "") return;
      dl.appendChild(el("dt", null, label));
      dl.appendChild(el("dd", null, value));
    }
    item("URL", urlNode(p.u));
    if (p.t) item("Title", p.t);
    if (p.r && p.r.length) {
      var chain = el("ol", { class: "chain" });
      p.r.forEach(function (h) { chain.appendChild(el("li", null, el("span", { class: "mono" }, h[1] + " "), urlNode(h[0]))); });
      chain.appendChild(el("li", null, el("span", { class: "mono" }, (p.s === null || p.s === undefined ? "failed" : p.s) + " "), urlNode(p.f || p.u)));
      item("Redirect chain", chain);
    } else if (p.f) {
      item("Final URL", urlNode(p.f));
    }
    item("Status", p.s === null || p.s === undefined ? "no response" : String(p.s));
    if (p.err) item("Error", p.err);
    if (p.ct) item("Content type", p.ct);
    if (p.c) {
      var self = p.c === (p.f || p.u);
      item("Canonical", el("span", null, urlNode(p.c), self ? " (self)" : ""));
    }
    item("Indexable", p.ix ? "Yes" : "No" + (p.nr ? ": " + p.nr : ""));
    item("Depth", String(p.d));
    item("In sitemap", p.sm ? "Yes" : "No");
    item("Links", nf.format(p.il) + " in, " + nf.format(p.ol) + " out");
    if (p.w) item("Words", nf.format(p.w));
    item("Response", (p.s === null || p.s === undefined ? "—" : nf.format(p.ms) + " ms") + ", " + formatBytes(p.b));

    var cell = el("td", { colspan: "8" }, dl);
    var findings = (p.x || []).slice().sort(bySeverity);
    cell.appendChild(el("h3", { class: "detail-h" }, "Findings (" + findings.length + ")"));
    if (findings.length) {
      var list = el("ul", { class: "findings" });
      findings.forEach(function (f) { list.appendChild(findingItem(f, false)); });
      cell.appendChild(list);
    } else {
      cell.appendChild(el("p", { class: "empty" }, "No findings on this page."));
    }
    var site = siteByUrl.get(p.u) || (p.f ? siteByUrl.get(p.f) : null);
    if (site && site.length) {
      cell.appendChild(el("h3", { class: "detail-h" }, "Site findings involving this page (" + site.length + ")"));
      var sl = el("ul", { class: "findings" });
      site.slice(0, 50).forEach(function (i) { sl.appendChild(findingItem(data.site[i], true)); });
      cell.appendChild(sl);
    }
    return el("tr", { class: "detail-row", id: "detail-" + r.i }, cell);
  }

  function setSort(key) {
    if (state.sort === key) state.dir = -state.dir;
    else { state.sort = key; state.dir = key === "url" || key === "status" ? 1 : -1; }
    document.querySelectorAll("#pages-table th").forEach(function (th) {
      var b = th.querySelector("button");
      th.setAttribute("aria-sort", b && b.getAttribute("data-sort") === state.sort
        ? (state.dir > 0 ? "ascending" : "descending") : "none");
    });
    shown.sort(compare);
    state.page = 0;
    renderTable();
  }

  function renderRules() {
    var byCode = new Map();
    rows.forEach(function (r) {
      var seen = new Set();
      (r.p.x || []).forEach(function (f) {
        var e = byCode.get(f.k);
        if (!e) { e = { k: f.k, v: f.v, g: f.g, pages: 0, n: 0, m: f.m }; byCode.set(f.k, e); }
        e.v = Math.max(e.v, f.v);
        e.n++;
        if (!seen.has(f.k)) { seen.add(f.k); e.pages++; }
      });
    });
    var list = Array.from(byCode.values()).sort(function (a, b) {
      return b.v - a.v || b.pages - a.pages || a.k.localeCompare(b.k);
    });
    var body = $("rules-body");
    if (!list.length) {
      body.appendChild(el("tr", null, el("td", { colspan: "6", class: "empty" }, "No page-level findings.")));
      return;
    }
    var RULES_SHOWN = 10;
    list.forEach(function (e, n) {
      var link = el("button", { type: "button", class: "rule-link mono", "aria-label": "Show pages with " + e.k }, e.k);
      link.addEventListener("click", function () {
        fText.value = e.k;
        fStatus.value = ""; fCat.value = ""; fSev.value = "";
        applyFilters();
        $("pages-h").scrollIntoView();
        fText.focus();
      });
      var example = e.m.length > 160 ? e.m.slice(0, 157) + "\u2026" : e.m;
      var tr = el("tr", { "data-code": e.k },
        el("td", null, link),
        el("td", null, el("span", { class: "badge sev-" + e.v }, SEV_NAMES[e.v])),
        el("td", { class: "nowrap" }, CATS[e.g] ? CATS[e.g][1] : ""),
        el("td", { class: "num" }, nf.format(e.pages)),
        el("td", { class: "num" }, nf.format(e.n)),
        el("td", { title: e.m }, example));
      // The most severe, most widespread rules first; the rest one click away.
      if (n >= RULES_SHOWN) tr.hidden = true;
      body.appendChild(tr);
    });
    if (list.length > RULES_SHOWN) {
      var all = el("button", { type: "button", class: "btn", id: "rules-more", "aria-expanded": "false" },
        "Show all " + nf.format(list.length) + " rules");
      all.addEventListener("click", function () {
        var open = all.getAttribute("aria-expanded") !== "true";
        body.querySelectorAll("tr").forEach(function (tr, n) { if (n >= RULES_SHOWN) tr.hidden = !open; });
        all.setAttribute("aria-expanded", String(open));
        all.textContent = open ? "Show the top " + RULES_SHOWN + " rules" : "Show all " + nf.format(list.length) + " rules";
      });
      $("rules-table").parentNode.after(el("p", { class: "more" }, all));
    }
  }

  function renderSite() {
    var box = $("site-findings");
    var groups = new Map();
    data.site.forEach(function (f) {
      if (!groups.has(f.k)) groups.set(f.k, []);
      groups.get(f.k).push(f);
    });
    if (!groups.size) {
      box.appendChild(el("p", { class: "empty" }, "No site-level findings."));
      return;
    }
    var list = Array.from(groups.entries()).map(function (g) {
      return { k: g[0], items: g[1], v: Math.max.apply(null, g[1].map(function (f) { return f.v; })) };
    }).sort(function (a, b) { return b.v - a.v || b.items.length - a.items.length || a.k.localeCompare(b.k); });
    list.forEach(function (g) {
      var first = g.items[0];
      var details = el("details", { class: "site-group", "data-code": g.k },
        el("summary", null,
          el("span", { class: "badge sev-" + g.v }, SEV_NAMES[g.v]),
          el("span", { class: "f-code mono" }, g.k),
          el("span", { class: "f-cat" }, CATS[first.g] ? CATS[first.g][1] : ""),
          el("span", { class: "f-count" }, nf.format(g.items.length) + (g.items.length === 1 ? " finding" : " findings")),
          el("span", { class: "f-msg" }, first.m)));
      var ul = el("ul", { class: "findings" });
      details.appendChild(ul);
      var filled = 0;
      var more = el("button", { type: "button", class: "btn" });
      function fill() {
        g.items.slice(filled, filled + 100).forEach(function (f) { ul.appendChild(findingItem(f, true)); });
        filled = Math.min(g.items.length, filled + 100);
        if (filled < g.items.length) {
          more.textContent = "Show " + nf.format(Math.min(100, g.items.length - filled)) + " more of " + nf.format(g.items.length - filled);
          details.appendChild(more);
        } else if (more.parentNode) {
          more.parentNode.removeChild(more);
        }
      }
      more.addEventListener("click", fill);
      // Filled on first open: a site with 50,000 broken links should not build them all upfront.
      details.addEventListener("toggle", function () { if (details.open && !filled) fill(); });
      box.appendChild(details);
    });
  }

  document.querySelectorAll("#pages-table th button").forEach(function (b) {
    b.addEventListener("click", function () { setSort(b.getAttribute("data-sort")); });
  });
  document.querySelectorAll(".gauge").forEach(function (g) {
    g.setAttribute("aria-pressed", "false");
    g.addEventListener("click", function () {
      var key = g.getAttribute("data-category");
      fCat.value = fCat.value === key ? "" : key;
      applyFilters();
      $("pages-h").scrollIntoView();
    });
  });
  // `change` as well as `input`: clearing a field or picking an option by script may fire only one.
  [fText, fStatus, fCat, fSev].forEach(function (c) {
    c.addEventListener("input", filtersChanged);
    c.addEventListener("change", filtersChanged);
  });
  fSize.addEventListener("change", function () { state.size = parseInt(fSize.value, 10) || 50; state.page = 0; renderTable(); });
  $("filters").addEventListener("submit", function (e) { e.preventDefault(); });
  $("filters").addEventListener("reset", function () {
    setTimeout(function () { state.size = parseInt(fSize.value, 10) || 50; applyFilters(); }, 0);
  });
  $("pg-prev").addEventListener("click", function () { if (state.page > 0) { state.page--; renderTable(); } });
  $("pg-next").addEventListener("click", function () { state.page++; renderTable(); });

  renderRules();
  renderSite();
  applyFilters();
  document.documentElement.setAttribute("data-ready", "true");
})();
