/* The reports' one script, inlined in every page by base.html.j2 (no file to fetch, no
   framework, no network). Without it the tables read as plain tables; with it every
   table.data gets a toolbar (filter, CSV download), sortable headers and, when long, only
   its first rows until "show all". The search page (search.html) finds products, markets
   and sectors in the index embedded in it.
   Safety: page text is only ever read with textContent and written with textContent or
   createTextNode, never parsed as HTML; a CSV text cell that a spreadsheet would run as a
   formula gets a leading apostrophe, as `observatory sql --format csv` does. */
(function () {
  "use strict";
  var TOP_ROWS = 25;
  var FORMULA = /^[=+\-@\t\r]/;
  var NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;

  function texts() {
    var node = document.getElementById("report-texts");
    try { return node ? JSON.parse(node.textContent) : {}; } catch (e) { return {}; }
  }
  var T = texts();
  function say(key, values) {
    var text = T[key] || key;
    for (var name in values || {}) { text = text.split("{" + name + "}").join(values[name]); }
    return text;
  }
  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var name in attrs || {}) { node.setAttribute(name, attrs[name]); }
    if (text !== undefined) { node.textContent = text; }
    return node;
  }
  function cellText(cell) { return (cell.textContent || "").replace(/\s+/g, " ").trim(); }
  // The machine value of a cell: data-v when the page wrote one (numbers as stored).
  function cellValue(cell) {
    return cell.hasAttribute("data-v") ? cell.getAttribute("data-v") : cellText(cell);
  }
  function sortKey(cell) {
    var raw = cellValue(cell);
    if (cell.hasAttribute("data-v") && raw !== "" && !isNaN(Number(raw))) { return Number(raw); }
    // A formatted number (1 234,5 % or 1,234.5): digits kept, the last separator the decimal.
    var compact = raw.replace(/[\s\u00a0\u202f%]/g, "").replace(/^\u2212/, "-");
    if (/^[-+]?[\d.,]+$/.test(compact) && /\d/.test(compact)) {
      var cut = Math.max(compact.lastIndexOf(","), compact.lastIndexOf("."));
      var decimals = cut >= 0 && compact.length - cut - 1 !== 3 ? compact.slice(cut + 1) : "";
      var whole = (decimals ? compact.slice(0, cut) : compact).replace(/[.,]/g, "");
      return Number(whole + (decimals ? "." + decimals : ""));
    }
    return raw === "\u2014" || raw === "-" ? null : raw.toLowerCase();
  }
  function compare(a, b) {
    if (a === b) { return 0; }
    if (a === null) { return 1; }
    if (b === null) { return -1; }
    if (typeof a === "number" && typeof b === "number") { return a - b; }
    return String(a).localeCompare(String(b), document.documentElement.lang || undefined,
                                   { numeric: true });
  }
  function csvField(value, isMachine) {
    var text = String(value);
    if (!(isMachine && NUMBER.test(text)) && FORMULA.test(text)) { text = "'" + text; }
    return /[",\r\n]/.test(text) ? '"' + text.replace(/"/g, '""') + '"' : text;
  }
  function tableCsv(table) {
    var lines = [];
    var head = table.tHead ? table.tHead.rows : [];
    for (var h = 0; h < head.length; h++) {
      lines.push(Array.prototype.map.call(head[h].cells, function (c) {
        return csvField(c.getAttribute("data-label") || cellText(c), false);
      }).join(","));
    }
    for (var b = 0; b < table.tBodies.length; b++) {
      var rows = table.tBodies[b].rows;
      for (var r = 0; r < rows.length; r++) {
        lines.push(Array.prototype.map.call(rows[r].cells, function (c) {
          return csvField(cellValue(c), c.hasAttribute("data-v"));
        }).join(","));
      }
    }
    return "\ufeff" + lines.join("\r\n") + "\r\n";
  }
  function download(table) {
    var blob = new Blob([tableCsv(table)], { type: "text/csv;charset=utf-8" });
    var link = el("a", { href: URL.createObjectURL(blob),
                         download: (table.id || "table") + ".csv" });
    document.body.appendChild(link);
    link.click();
    setTimeout(function () { URL.revokeObjectURL(link.href); link.remove(); }, 0);
  }

  // A table drawn without its scrolling box gets one: nothing wider than the screen.
  function boxed(table) {
    var wrap = table.parentElement;
    if (!wrap || !wrap.classList.contains("table-wrap")) {
      wrap = el("div", { "class": "table-wrap" });
      table.parentNode.insertBefore(wrap, table);
      wrap.appendChild(table);
    }
    return wrap;
  }

  function enhance(table) {
    var bodies = table.tBodies;
    if (!bodies.length || !table.tHead) { return; }
    var rows = [];
    for (var b = 0; b < bodies.length; b++) {
      rows = rows.concat(Array.prototype.slice.call(bodies[b].rows));
    }
    var spanned = table.querySelector("[rowspan],[colspan]") !== null;
    var sortable = bodies.length === 1 && !spanned && rows.length > 1;
    var state = { filter: "", all: rows.length <= TOP_ROWS + 5 };
    var bar = el("div", { "class": "table-tools" });
    var label = el("label", {});
    label.appendChild(el("span", { "class": "visually-hidden" }, say("ui_filter")));
    var input = el("input", { type: "search", placeholder: say("ui_filter"),
                              "aria-controls": table.id || "" });
    label.appendChild(input);
    var count = el("span", { "class": "table-count", "aria-live": "polite" });
    var more = el("button", { type: "button", "class": "show-all" });
    var csv = el("button", { type: "button", "class": "csv" }, say("ui_download_csv"));
    bar.appendChild(label);
    bar.appendChild(count);
    bar.appendChild(csv);
    var wrap = boxed(table);
    wrap.parentNode.insertBefore(bar, wrap);
    if (!state.all) { wrap.parentNode.insertBefore(more, wrap.nextSibling); }

    function update() {
      var words = state.filter.toLowerCase().split(/\s+/).filter(Boolean);
      var matched = 0, shown = 0;
      rows.forEach(function (row) {
        var text = cellText(row).toLowerCase();
        var hit = words.every(function (w) { return text.indexOf(w) >= 0; });
        if (hit) { matched++; }
        var visible = hit && (state.all || words.length > 0 || matched <= TOP_ROWS);
        row.hidden = !visible;
        // Rows left out only by the cut to the first ones still print (report.css).
        if (hit && !visible) { row.setAttribute("data-cut", ""); }
        else { row.removeAttribute("data-cut"); }
        if (visible) { shown++; }
      });
      count.textContent = say("ui_rows_shown", { shown: shown, total: rows.length });
      more.hidden = state.all || words.length > 0;
      more.textContent = say("ui_show_all", { total: rows.length });
    }
    input.addEventListener("input", function () { state.filter = input.value; update(); });
    csv.addEventListener("click", function () { download(table); });
    more.addEventListener("click", function () { state.all = true; update(); });

    if (sortable) {
      var headers = table.tHead.rows[table.tHead.rows.length - 1].cells;
      Array.prototype.forEach.call(headers, function (th, column) {
        var button = el("button", { type: "button", "class": "sort" });
        while (th.firstChild) { button.appendChild(th.firstChild); }
        th.setAttribute("data-label", cellText(button));
        button.setAttribute("title", say("ui_sort"));
        th.appendChild(button);
        th.setAttribute("aria-sort", "none");
        button.addEventListener("click", function () {
          var ascending = th.getAttribute("aria-sort") !== "ascending";
          Array.prototype.forEach.call(headers, function (other) {
            other.setAttribute("aria-sort", "none");
          });
          th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
          var keyed = rows.map(function (row, i) {
            var cell = row.cells[column];
            return { row: row, key: cell ? sortKey(cell) : null, i: i };
          });
          keyed.sort(function (a, b) {
            if (a.key === null || b.key === null) { return compare(a.key, b.key) || a.i - b.i; }
            return (ascending ? 1 : -1) * compare(a.key, b.key) || a.i - b.i;
          });
          rows = keyed.map(function (k) { return k.row; });
          rows.forEach(function (row) { bodies[0].appendChild(row); });
          update();
        });
      });
    }
    table.classList.add("enhanced");
    update();
  }

  // --- search page -------------------------------------------------------------------
  function fold(text) {
    return String(text).toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function search() {
    var data = document.getElementById("search-index");
    var form = document.getElementById("search-form");
    var list = document.getElementById("search-results");
    if (!data || !form || !list) { return; }
    var entries = JSON.parse(data.textContent).entries;
    entries.forEach(function (e) { e.folded = fold(e.code + " " + e.label + " " + e.words); });
    var input = form.querySelector("input");
    var status = document.getElementById("search-status");
    var LIMIT = 50;
    function run() {
      var query = fold(input.value).trim();
      var words = query.split(/[\s,;]+/).filter(Boolean);
      while (list.firstChild) { list.removeChild(list.firstChild); }
      if (!words.length) { status.textContent = ""; return; }
      var hits = [];
      entries.forEach(function (e) {
        if (!words.every(function (w) { return e.folded.indexOf(w) >= 0; })) { return; }
        var code = fold(e.code);
        var score = code === query ? 0 : code.indexOf(query) === 0 ? 1 : 2;
        hits.push({ e: e, score: score });
      });
      hits.sort(function (a, b) {
        return a.score - b.score || a.e.rank - b.e.rank || a.e.code.localeCompare(b.e.code);
      });
      status.textContent = say("ui_search_found", { n: hits.length });
      hits.slice(0, LIMIT).forEach(function (hit) {
        var item = el("li", { "class": "hit hit-" + hit.e.kind });
        var link = el("a", { href: hit.e.href });
        link.appendChild(el("span", { "class": "hit-kind" }, T["ui_kind_" + hit.e.kind] || ""));
        link.appendChild(el("span", { "class": "hit-code" }, hit.e.code));
        link.appendChild(document.createTextNode(" " + hit.e.label));
        item.appendChild(link);
        list.appendChild(item);
      });
      if (location.hash.slice(1) !== "q=" + encodeURIComponent(input.value)) {
        history.replaceState(null, "", "#q=" + encodeURIComponent(input.value));
      }
    }
    form.addEventListener("submit", function (event) {
      event.preventDefault();
      run();
      var first = list.querySelector("a");
      if (first) { first.focus(); }
    });
    input.addEventListener("input", run);
    var match = /^#q=(.*)$/.exec(location.hash);
    if (match) { input.value = decodeURIComponent(match[1]); }
    run();
  }

  function start() {
    Array.prototype.forEach.call(document.querySelectorAll("table.data"), enhance);
    Array.prototype.forEach.call(document.querySelectorAll("main table:not(.data)"), boxed);
    search();
    document.documentElement.classList.add("js");
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
