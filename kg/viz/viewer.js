// kg viz: search, type toggles, focus on click, the details panel and export.
// Inlined into the page after the network is built. Every string from the
// data is put into the page with textContent (never innerHTML), and into an
// exported file as data (CSV cells quoted and formula-guarded, JSON.stringify).
(function () {
  "use strict";
  var kv = window.kgViz, network = kv.network, nodes = kv.nodes, edges = kv.edges;
  var details = window.kgDetails || {};
  var FADED = 0.15, MAX_HITS = 12;
  var hiddenKinds = {}, hiddenRels = {}, minMentions = 0, focused = null, only = null;

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) { e.className = cls; }
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    return e;
  }
  // Accent- and case-insensitive form for search: NFD, combining marks dropped, lower case.
  function fold(s) {
    return String(s).normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  }

  // ------------------------------------------------------------ visibility: type toggles, mention slider, hops
  function nodeVisible(n) {
    if (only && !only[n.id]) { return false; }
    if (hiddenKinds[n.kind]) { return false; }
    var d = details[n.id];
    if (minMentions > 0 && n.kind !== "Paper" && (!d || d.mention_count < minMentions)) { return false; }
    return true;
  }
  // The nodes' kinds and the edges' ends are read once; a change updates only the items whose state changes.
  var nodeFacts = nodes.get({fields: ["id", "kind"]});
  var edgeList = edges.get({fields: ["id", "from", "to", "rel", "color"]});
  var nodeHidden = {}, edgeHidden = {};
  function applyVisibility() {
    var shown = {}, nodeCounts = {}, edgeCounts = {}, nodeUpdates = [], edgeUpdates = [];
    nodeFacts.forEach(function (n) {
      var vis = nodeVisible(n);
      if (vis) { shown[n.id] = true; nodeCounts[n.kind] = (nodeCounts[n.kind] || 0) + 1; }
      if (!!nodeHidden[n.id] === vis) { nodeHidden[n.id] = !vis; nodeUpdates.push({id: n.id, hidden: !vis}); }
    });
    edgeList.forEach(function (e) {
      var vis = !hiddenRels[e.rel] && shown[e.from] === true && shown[e.to] === true;
      if (vis) { edgeCounts[e.rel] = (edgeCounts[e.rel] || 0) + 1; }
      if (!!edgeHidden[e.id] === vis) { edgeHidden[e.id] = !vis; edgeUpdates.push({id: e.id, hidden: !vis}); }
    });
    if (nodeUpdates.length) { nodes.update(nodeUpdates); }
    if (edgeUpdates.length) { edges.update(edgeUpdates); }
    document.querySelectorAll("#kg-legend .kg-legend-node").forEach(function (row) {
      row.querySelector(".kg-count").textContent = "(" + (nodeCounts[row.getAttribute("data-kind")] || 0) + ")";
    });
    document.querySelectorAll("#kg-legend .kg-legend-edge").forEach(function (row) {
      row.querySelector(".kg-count").textContent = "(" + (edgeCounts[row.getAttribute("data-rel")] || 0) + ")";
    });
    kv.visible = Object.keys(shown);
    if (focused !== null && !shown[focused]) { reset(); } else if (focused !== null) { fade(focused); }
  }
  document.querySelectorAll("#kg-legend input[data-toggle]").forEach(function (box) {
    box.addEventListener("change", function () {
      var table = box.getAttribute("data-toggle") === "kind" ? hiddenKinds : hiddenRels;
      table[box.value] = !box.checked;
      applyVisibility();
    });
  });
  var slider = document.getElementById("kg-min-mentions");
  var sliderValue = document.getElementById("kg-min-mentions-value");
  if (slider) {
    slider.addEventListener("input", function () {
      minMentions = parseInt(slider.value, 10) || 0;
      sliderValue.textContent = String(minMentions);
      applyVisibility();
    });
  }

  // ------------------------------------------------------------ focus: highlight a node and its neighbours
  // Fading sets the opacity vis-network draws with on its own node and edge objects, then redraws once.
  // Going through the DataSets instead re-parses every item's options: on a 2,000-node page a click took
  // ~0.35 s that way, ~0.04 s this way. Only items whose opacity changes are touched; the edges' colours
  // live in the same options, so a later update (a type toggle) keeps them, and fade runs again after one.
  var body = network.body;
  var nodeAlpha = {}, edgeAlpha = {};
  function fade(id) {  // id: the focused node, or null to fade nothing
    var near = null;
    if (id !== null) {
      near = {};
      near[id] = true;
      network.getConnectedNodes(id).forEach(function (n) { near[n] = true; });
    }
    var faded = [], changed = false;
    nodeFacts.forEach(function (n) {
      var alpha = !near || near[n.id] ? 1 : FADED, drawn = body.nodes[n.id];
      if (alpha !== 1) { faded.push(n.id); }
      if ((nodeAlpha[n.id] || 1) !== alpha && drawn) { nodeAlpha[n.id] = alpha; drawn.options.opacity = alpha; changed = true; }
    });
    edgeList.forEach(function (e) {
      var alpha = !near || e.from === id || e.to === id ? 1 : FADED, drawn = body.edges[e.id];
      if ((edgeAlpha[e.id] || 1) !== alpha && drawn) { edgeAlpha[e.id] = alpha; drawn.options.color.opacity = alpha; changed = true; }
    });
    if (changed) { network.redraw(); }
    kv.faded = faded;
  }
  function focusOn(id, centre) {
    if (!nodes.get(id)) { return; }
    if (nodes.get(id).hidden) {  // chosen from the panel or the search while filtered out: show it again
      hiddenKinds[nodes.get(id).kind] = false;
      var box = document.querySelector('#kg-legend input[data-toggle="kind"][value="' + CSS.escape(nodes.get(id).kind) + '"]');
      if (box) { box.checked = true; }
      if (only && !only[id]) { only = null; }
      minMentions = 0;
      if (slider) { slider.value = "0"; sliderValue.textContent = "0"; }
      applyVisibility();
    }
    focused = id;
    network.selectNodes([id]);
    fade(id);
    if (centre) { network.focus(id, {scale: Math.max(network.getScale(), 1.0), animation: false}); }
    showDetails(id);
    kv.focused = id;
    document.getElementById("kg-reset").disabled = false;
  }
  function reset() {
    focused = null;
    kv.focused = null;
    if (only) { only = null; applyVisibility(); }
    network.unselectAll();
    fade(null);
    clearDetails();
    document.getElementById("kg-reset").disabled = true;
  }
  function showOnly(id, hops) {
    var within = {};
    within[id] = true;
    var frontier = [id];
    for (var h = 0; h < hops; h++) {
      var next = [];
      frontier.forEach(function (n) {
        network.getConnectedNodes(n).forEach(function (m) { if (!within[m]) { within[m] = true; next.push(m); } });
      });
      frontier = next;
    }
    only = within;
    applyVisibility();
    focusOn(id, false);
    network.fit({nodes: Object.keys(within).filter(function (n) { return !nodes.get(n).hidden; }), animation: false});
  }
  kv.focusOn = function (id) { focusOn(id, true); };
  kv.reset = reset;
  kv.showOnly = showOnly;

  network.on("click", function (p) {
    if (p.nodes.length) { focusOn(p.nodes[0], false); } else if (p.edges.length === 0) { reset(); }
  });
  network.on("doubleClick", function (p) { if (p.nodes.length) { showOnly(p.nodes[0], 1); } });
  document.getElementById("kg-reset").addEventListener("click", reset);
  document.addEventListener("keydown", function (ev) {
    if (ev.key === "Escape") { hideHits(); reset(); }
  });

  // ------------------------------------------------------------ details panel
  var panel = document.getElementById("kg-details");
  function nameOf(id) { return details[id] ? details[id].name : id; }
  function link(id, text) {
    var b = el("button", "kg-link", text === undefined ? nameOf(id) : text);
    b.type = "button";
    b.setAttribute("data-node", id);
    b.addEventListener("click", function () { focusOn(id, true); });
    return b;
  }
  function row(label, value) {
    var r = el("div", "kg-row");
    r.appendChild(el("span", "kg-label", label + ": "));
    if (typeof value === "string") { r.appendChild(el("span", "kg-value", value)); } else { r.appendChild(value); }
    return r;
  }
  // Entities as a comma list; papers (long titles) one a line.
  function links(ids, extra) {
    var box = el("span", "kg-links");
    ids.forEach(function (id, i) {
      var paper = details[id] && details[id].kind === "Paper";
      var item = paper ? el("div", "kg-item") : box;
      if (i && !paper) { box.appendChild(document.createTextNode(", ")); }
      item.appendChild(link(id));
      if (extra) { item.appendChild(document.createTextNode(extra(i))); }
      if (paper) { box.appendChild(item); }
    });
    return box;
  }
  function clearDetails() {
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    panel.appendChild(el("div", "kg-hint", "Click a node, or search, to see its details. Esc resets."));
    panel.setAttribute("data-node", "");
    panel.classList.add("kg-idle");
  }
  function showDetails(id) {
    var d = details[id];
    while (panel.firstChild) { panel.removeChild(panel.firstChild); }
    panel.setAttribute("data-node", id);
    panel.classList.remove("kg-idle");
    if (!d) { panel.appendChild(el("div", "kg-hint", id)); return; }
    panel.appendChild(el("div", "kg-kind", d.kind));
    panel.appendChild(el("h2", "kg-name", d.name));
    if (d.kind === "Paper") {
      if (d.authors.length) { panel.appendChild(row("Authors", d.authors.join(", "))); }
      if (d.year) { panel.appendChild(row("Year", d.year)); }
      if (d.arxiv_id) { panel.appendChild(row("arXiv", d.arxiv_id)); }
      if (d.url) {
        var a = el("a", "kg-source", d.url);
        a.href = d.url;  // http(s) only: checked when the page was written
        a.target = "_blank";
        a.rel = "noopener noreferrer";
        panel.appendChild(row("Source", a));
      }
      if (d.sources.length) { panel.appendChild(row("Read from", d.sources.join(", "))); }
      if (d.abstract.length) {
        var abs = el("div", "kg-abstract");
        d.abstract.forEach(function (run) {
          if (run[1] && details[run[1]]) {
            var m = link(run[1], run[0]);
            m.className = "kg-link kg-mention";
            abs.appendChild(m);
          } else { abs.appendChild(document.createTextNode(run[0])); }
        });
        panel.appendChild(abs);
      }
      if (d.mentions.length) { panel.appendChild(row("Mentions", links(d.mentions))); }
      if (d.cites.length) { panel.appendChild(row("Builds on", links(d.cites))); }
      if (d.cited_by.length) { panel.appendChild(row("Built on by", links(d.cited_by))); }
    } else {
      if (d.aliases.length) { panel.appendChild(row("Aliases", d.aliases.join(", "))); }
      if (d.description) { panel.appendChild(el("div", "kg-description", d.description)); }
      if (d.vendor) { panel.appendChild(row("Vendor", d.vendor)); }
      if (d.year) { panel.appendChild(row("Year", d.year)); }
      panel.appendChild(row("Mentioned by", d.mention_count + (d.mention_count === 1 ? " paper" : " papers")));
      if (d.introduced_by.length) { panel.appendChild(row("Introduced by", links(d.introduced_by))); }
      if (d.papers.length) {
        var listed = links(d.papers);
        if (d.papers_more) { listed.appendChild(el("div", "kg-item", "and " + d.papers_more + " more")); }
        panel.appendChild(row("Papers (in view)", listed));
      }
      if (d.co_mentioned.length) {
        var co = d.co_mentioned;
        panel.appendChild(row("Mentioned with (in view)", links(co.map(function (c) { return c[0]; }),
          function (i) { return " \u00d7" + co[i][1]; })));
      }
      if (d.family.length) { panel.appendChild(row("Family", links(d.family))); }
    }
    var tools = el("div", "kg-tools");
    [[1, "Only 1 hop"], [2, "Only 2 hops"]].forEach(function (h) {
      var b = el("button", "kg-hops", h[1]);
      b.type = "button";
      b.setAttribute("data-hops", String(h[0]));
      b.addEventListener("click", function () { showOnly(id, h[0]); });
      tools.appendChild(b);
    });
    panel.appendChild(tools);
  }
  clearDetails();

  // ------------------------------------------------------------ search with type-ahead
  var index = nodes.get().map(function (n) {
    var d = details[n.id] || {name: String(n.label || n.id), aliases: []};
    var names = [d.name].concat(d.aliases || []);
    return {id: n.id, name: d.name, kind: n.kind, degree: n.degree || 0, keys: names.map(fold)};
  });
  var input = document.getElementById("kg-search");
  var hits = document.getElementById("kg-hits");
  var current = [], active = -1;
  function hideHits() { hits.style.display = "none"; current = []; active = -1; }
  function find(q) {
    q = fold(q).trim();
    if (!q) { return []; }
    var found = [];
    index.forEach(function (item) {
      var best = -1;
      item.keys.forEach(function (k, i) {
        var at = k.indexOf(q);
        if (at < 0) { return; }
        var score = (k === q ? 0 : at === 0 ? 1 : 2) + (i === 0 ? 0 : 0.5);
        if (best < 0 || score < best) { best = score; }
      });
      if (best >= 0) { found.push({item: item, score: best}); }
    });
    found.sort(function (a, b) {
      return a.score - b.score || b.item.degree - a.item.degree || (a.item.name < b.item.name ? -1 : 1);
    });
    return found.slice(0, MAX_HITS).map(function (f) { return f.item; });
  }
  function mark(i) {
    active = i;
    Array.prototype.forEach.call(hits.children, function (c, j) {
      c.classList.toggle("kg-active", j === i);
      c.setAttribute("aria-selected", j === i ? "true" : "false");
    });
  }
  function choose(item) {
    input.value = item.name;
    hideHits();
    focusOn(item.id, true);
  }
  input.addEventListener("input", function () {
    current = find(input.value);
    while (hits.firstChild) { hits.removeChild(hits.firstChild); }
    current.forEach(function (item, i) {
      var h = el("div", "kg-hit");
      h.setAttribute("data-node", item.id);
      h.setAttribute("role", "option");
      h.appendChild(el("span", "kg-hit-name", item.name));
      h.appendChild(el("span", "kg-hit-kind", " " + item.kind));
      h.addEventListener("mousedown", function (ev) { ev.preventDefault(); choose(item); });
      hits.appendChild(h);
      if (i === 0) { mark(0); }
    });
    if (!current.length && input.value.trim()) { hits.appendChild(el("div", "kg-hit kg-none", "no match")); }
    hits.style.display = input.value.trim() ? "block" : "none";
  });
  input.addEventListener("keydown", function (ev) {
    if (ev.key === "ArrowDown" && current.length) { mark(Math.min(active + 1, current.length - 1)); ev.preventDefault(); }
    else if (ev.key === "ArrowUp" && current.length) { mark(Math.max(active - 1, 0)); ev.preventDefault(); }
    else if (ev.key === "Enter" && current.length) { choose(current[Math.max(active, 0)]); ev.preventDefault(); }
    else if (ev.key === "Escape") { hideHits(); input.blur(); }
  });
  input.addEventListener("blur", function () { setTimeout(hideHits, 0); });

  // ------------------------------------------------------------ export: the view as PNG, CSV and JSON
  // A file made in the page is saved through a Blob's object URL clicked as an <a download>: a download
  // (not a fetch, which the page's CSP forbids), so nothing leaves the page and nothing is requested.
  var container = document.getElementById("mynetwork");
  function download(blob, name) {
    var url = URL.createObjectURL(blob);
    var a = document.createElement("a");
    a.href = url;
    a.download = name;
    a.style.display = "none";
    document.body.appendChild(a);
    a.click();
    document.body.removeChild(a);
    setTimeout(function () { URL.revokeObjectURL(url); }, 10000);  // some browsers read it after click() returns
  }
  // vis-network draws on a transparent canvas: the PNG gets the canvas's background painted behind.
  function exportPng() {
    var drawn = container.querySelector("canvas");
    var out = document.createElement("canvas");
    out.width = drawn.width;
    out.height = drawn.height;
    var ctx = out.getContext("2d");
    var bg = getComputedStyle(container).backgroundColor;
    ctx.fillStyle = !bg || bg === "transparent" || bg === "rgba(0, 0, 0, 0)" ? "#ffffff" : bg;
    ctx.fillRect(0, 0, out.width, out.height);
    ctx.drawImage(drawn, 0, 0);
    out.toBlob(function (blob) { if (blob) { download(blob, "kg-view.png"); } }, "image/png");
  }
  // The nodes in view, in the page's order: not hidden by a type toggle, the mention slider or a 1/2-hop
  // view. Nodes faded around a focus are still drawn (and back at a click), so they are exported too.
  // degree: among the page's nodes (what the node's size shows); mentions: papers naming an entity, in the
  // whole graph (blank for a paper).
  function viewNodes() {
    return nodes.get({filter: function (n) { return !n.hidden; }}).map(function (n) {
      var d = details[n.id] || {};
      var paper = n.kind === "Paper";
      return {
        key: n.id,
        kind: n.kind,
        name: d.name !== undefined ? d.name : String(n.label || n.id),
        mentions: paper || d.mention_count === undefined ? null : d.mention_count,
        degree: n.degree || 0,
        arxiv_id: paper && d.arxiv_id ? d.arxiv_id : "",
        url: paper && d.url ? d.url : ""
      };
    });
  }
  function viewRelationships() {
    return edges.get({filter: function (e) { return !e.hidden; }}).map(function (e) {
      return {source: e.from, type: e.rel, target: e.to};
    });
  }
  var CSV_COLUMNS = ["key", "kind", "name", "mentions", "degree", "arxiv_id", "url"];
  // One CSV cell. Titles are untrusted: a spreadsheet runs a text cell starting with = + - @ as a formula
  // (and some skip a leading tab or CR first), so such a cell gets a leading apostrophe; then RFC 4180
  // quoting for a comma, a quote or a line break, quotes doubled.
  function csvCell(v) {
    if (v === null || v === undefined) { return ""; }
    var s = String(v);
    if (typeof v === "string" && /^[=+\-@\t\r]/.test(s)) { s = "'" + s; }
    return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
  }
  function exportCsv() {
    var lines = [CSV_COLUMNS.join(",")].concat(viewNodes().map(function (r) {
      return CSV_COLUMNS.map(function (c) { return csvCell(r[c]); }).join(",");
    }));
    download(new Blob([lines.join("\r\n") + "\r\n"], {type: "text/csv;charset=utf-8"}), "kg-view.csv");
  }
  // JSON: the page's view line (what was drawn from the graph), then the nodes and relationships in view.
  function exportJson() {
    var line = document.getElementById("kg-view");
    var data = {
      view: line ? line.textContent.replace(/\s+/g, " ").trim() : "",
      nodes: viewNodes(),
      relationships: viewRelationships()
    };
    download(new Blob([JSON.stringify(data, null, 2) + "\n"], {type: "application/json"}), "kg-view.json");
  }
  document.getElementById("kg-export-png").addEventListener("click", exportPng);
  document.getElementById("kg-export-csv").addEventListener("click", exportCsv);
  document.getElementById("kg-export-json").addEventListener("click", exportJson);
  kv.csvCell = csvCell;  // the cell rule, for the tests of what no title can hold (a line break)

  kv.visible = nodes.getIds();
  kv.faded = [];
  kv.focused = null;
  kv.viewerReady = true;
})();
