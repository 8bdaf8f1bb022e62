/* The catalogue and runs tables of zoo serve and zoo site build.
 *
 * Rows come from a data script (catalogue-data.js sets window.ZOO_CATALOGUE, runs-data.js
 * window.ZOO_RUNS): a script, not fetched JSON, so a page opened from file:// works too. Each
 * section is filtered, sorted and paged here; the view is kept in the URL's hash
 * (#models&task=image-classification&sort=top1&page=2), so a filtered view can be linked.
 * Every value from the data goes into the page with textContent: none is read as HTML.
 */
(function () {
  "use strict";

  var PAGE_ROWS = 50;
  var main = document.getElementById("main");
  var root = (main && main.getAttribute("data-root")) || "";
  var data = window.ZOO_CATALOGUE || (window.ZOO_RUNS ? {runs: window.ZOO_RUNS} : null);
  if (!data) { return; }

  // Which fields the search box looks in, per section; the other filters match a field by name.
  var SEARCHED = {
    models: ["name", "id", "description", "tags"],
    datasets: ["name", "id", "description", "tags"],
    metrics: ["name", "id", "description"],
    plugins: ["plugin", "distribution", "status", "contributed", "error"],
    runs: ["model", "dataset", "task", "device", "error"]
  };
  var SUBSTRING = {model: true, dataset: true};  // runs: typed names match a part of the field
  var higherIsBetter = {};
  (data.sort_metrics || []).forEach(function (metric) { higherIsBetter[metric.name] = metric.higher_is_better; });

  function formatCount(value) {  // 25557032 -> 25.6M, as zoo list writes sizes
    if (typeof value !== "number") { return "-"; }
    var units = [["B", 1e9], ["M", 1e6], ["K", 1e3]];
    for (var i = 0; i < units.length; i++) {
      if (value >= units[i][1]) { return (value / units[i][1]).toFixed(1) + units[i][0]; }
    }
    return String(value);
  }

  function formatMetrics(metrics) {
    return Object.keys(metrics || {}).map(function (name) {
      return name + " " + Number(metrics[name].toPrecision(4));
    }).join(", ");
  }

  function text(value) {
    if (value === null || value === undefined || value === "") { return "-"; }
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  function link(label, href) {
    var anchor = document.createElement("a");
    anchor.href = root + href;  // a path zoo made from the site root, never a URL from the data
    anchor.textContent = label;
    return anchor;
  }

  function cell(key, row, state) {
    if (key === "reported" && state.on && row.on) {  // the numbers on the dataset asked for
      return formatMetrics(row.on[state.on]) + " (" + state.on + ")";
    }
    if ((key === "name" || key === "id") && row.href) { return link(String(row[key]), row.href); }
    if (key === "params") { return formatCount(row.params); }
    if (key === "metrics") { return formatMetrics(row.metrics) || "-"; }
    if (key === "status" && row.error) { return row.status + ": " + row.error; }
    if (key === "split" && row.whole_split === false) { return text(row.split) + " (part)"; }
    return text(row[key]);
  }

  // -- one section: its rows, controls and state -------------------------------------------------

  function Section(element) {
    this.name = element.getAttribute("data-section");
    this.element = element;
    this.rows = data[this.name] || [];
    this.searched = SEARCHED[this.name] || ["name"];
    this.rows.forEach(function (row) {  // what the search box matches, lower-cased once
      row._text = this.searched.map(function (key) { return text(row[key]); }).join(" ").toLowerCase();
    }, this);
    this.columns = Array.prototype.map.call(element.querySelectorAll("th[data-col]"), function (th) {
      return th.getAttribute("data-col");
    });
    this.wrapped = Array.prototype.map.call(element.querySelectorAll("th[data-col]"), function (th) {
      return th.hasAttribute("data-wrap");  // long text: these cells wrap, the others stay on one line
    });
    this.controls = Array.prototype.slice.call(element.querySelectorAll("[data-filter]"));
    this.body = element.querySelector("table[data-rows] tbody");
    this.status = element.querySelector("[data-status]");
    this.pager = element.querySelector("[data-pager]");
    this.state = {page: 1};
    this.lastRenderMs = 0;
  }

  Section.prototype.matches = function (row) {
    var state = this.state;
    return Object.keys(state).every(function (key) {
      var wanted = state[key];
      if (key === "page" || key === "sort" || wanted === "") { return true; }
      if (key === "q") {
        return wanted.toLowerCase().split(/\s+/).every(function (word) { return row._text.indexOf(word) >= 0; });
      }
      if (key === "here" && wanted === "runs") { return row.here === "bundled" || row.here === "cached"; }
      if (key === "on") { return Boolean((row.on || {})[wanted]); }  // reports numbers on that dataset
      var field = row[key === "tag" ? "tags" : key];
      if (Array.isArray(field)) { return field.indexOf(wanted) >= 0; }
      if (SUBSTRING[key]) { return String(field || "").toLowerCase().indexOf(wanted.toLowerCase()) >= 0; }
      return String(field) === wanted;
    });
  };

  Section.prototype.sorted = function (rows) {
    var sort = this.state.sort;
    if (!sort) { return rows; }  // the data's own order: by name (runs: newest first)
    var on = this.state.on;  // a dataset: its numbers, so that a sort never ranks one dataset against another
    var value = sort === "params" ? function (row) { return row.params; }
                                  : function (row) { return ((on ? (row.on || {})[on] : row.metrics) || {})[sort]; };
    var sign = sort === "params" || higherIsBetter[sort] === false ? 1 : -1;
    return rows.slice().sort(function (a, b) {
      var x = value(a), y = value(b);
      var xMissing = typeof x !== "number", yMissing = typeof y !== "number";
      if (xMissing || yMissing) { return xMissing - yMissing; }  // models without the value last
      return sign * (x - y) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
    });
  };

  Section.prototype.render = function () {
    var started = performance.now();
    var self = this;
    var found = this.sorted(this.rows.filter(function (row) { return self.matches(row); }));
    var pages = Math.max(1, Math.ceil(found.length / PAGE_ROWS));
    var page = Math.min(Math.max(1, this.state.page || 1), pages);
    this.state.page = page;
    var shown = found.slice((page - 1) * PAGE_ROWS, page * PAGE_ROWS);
    var rows = document.createDocumentFragment();
    shown.forEach(function (row) {
      var tr = document.createElement("tr");
      self.columns.forEach(function (key, position) {
        var td = document.createElement(position === 0 ? "th" : "td");
        if (position === 0) { td.setAttribute("scope", "row"); }
        if (self.wrapped[position]) { td.className = "wrap"; }
        var content = cell(key, row, self.state);
        if (typeof content === "string") { td.textContent = content; } else { td.appendChild(content); }
        tr.appendChild(td);
      });
      rows.appendChild(tr);
    });
    this.body.replaceChildren(rows);
    var noun = this.name === "runs" ? "records" : this.name;
    if (this.rows.length === 1) { noun = noun.replace(/s$/, ""); }  // 1 record
    this.status.textContent = found.length === this.rows.length
      ? found.length.toLocaleString("en") + " " + noun
      : found.length.toLocaleString("en") + " of " + this.rows.length.toLocaleString("en") + " " + noun + " match";
    if (this.pager) {
      this.pager.hidden = pages < 2;
      this.pager.querySelector("[data-page-label]").textContent = "Page " + page + " of " + pages;
      this.pager.querySelector("[data-page=previous]").disabled = page <= 1;
      this.pager.querySelector("[data-page=next]").disabled = page >= pages;
    }
    this.lastRenderMs = performance.now() - started;
  };

  Section.prototype.showState = function () {  // the controls show the state read from the hash
    var state = this.state;
    this.controls.forEach(function (control) {
      var value = state[control.getAttribute("data-filter")] || "";
      if (control.tagName === "SELECT" && !Array.prototype.some.call(control.options, function (option) {
        return option.value === value;
      })) { value = ""; }
      control.value = value;
    });
  };

  // -- the page: sections, tabs and the hash -----------------------------------------------------

  var sections = {};
  var order = [];
  Array.prototype.forEach.call(document.querySelectorAll("[data-section]"), function (element) {
    var section = new Section(element);
    sections[section.name] = section;
    order.push(section.name);
  });
  var current = null;

  function readHash() {  // "#models&task=x&page=2" -> ["models", {task: "x", page: 2}]
    var parts = window.location.hash.replace(/^#/, "").split("&");
    var name = sections[parts[0]] ? parts[0] : order[0];
    var state = {page: 1};
    new URLSearchParams(parts.slice(sections[parts[0]] ? 1 : 0).join("&")).forEach(function (value, key) {
      state[key] = key === "page" ? parseInt(value, 10) || 1 : value;
    });
    return [name, state];
  }

  function writeHash() {
    var section = sections[current];
    var params = new URLSearchParams();
    var keys = section.controls.map(function (control) { return control.getAttribute("data-filter"); });
    keys.concat(["page"]).forEach(function (key) {  // in the controls' order: one view, one address
      var value = section.state[key];
      if (value !== undefined && value !== "" && !(key === "page" && value === 1)) { params.set(key, value); }
    });
    var query = params.toString();
    var hash = "#" + current + (query ? "&" + query : "");
    if (hash !== window.location.hash) { history.replaceState(null, "", hash); }
  }

  function show(name, state) {
    current = name;
    order.forEach(function (other) { sections[other].element.hidden = other !== name; });
    Array.prototype.forEach.call(document.querySelectorAll("[data-tab]"), function (tab) {
      if (tab.getAttribute("data-tab") === name) { tab.setAttribute("aria-current", "true"); }
      else { tab.removeAttribute("aria-current"); }
    });
    sections[name].state = state;
    sections[name].showState();
    sections[name].render();
  }

  order.forEach(function (name) {
    var section = sections[name];
    section.controls.forEach(function (control) {
      control.addEventListener(control.tagName === "SELECT" ? "change" : "input", function () {
        section.state[control.getAttribute("data-filter")] = control.value;
        section.state.page = 1;
        section.render();
        writeHash();
      });
    });
    var form = section.element.querySelector("form");
    if (form) { form.addEventListener("submit", function (event) { event.preventDefault(); }); }
    if (section.pager) {
      section.pager.addEventListener("click", function (event) {
        var button = event.target.closest("[data-page]");
        if (!button) { return; }
        section.state.page += button.getAttribute("data-page") === "next" ? 1 : -1;
        section.render();
        writeHash();
        section.element.querySelector("table").scrollIntoView({block: "nearest"});
      });
    }
  });

  window.addEventListener("hashchange", function () {
    var read = readHash();
    show(read[0], read[1]);
  });
  var first = readHash();
  show(first[0], first[1]);

  window.zooTables = {sections: sections};  // for tests and measurements: each section's lastRenderMs
}());
