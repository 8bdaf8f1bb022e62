/* A leaderboard page: one panel per cost (parameters, throughput, latency...), each with its table and
 * the chart zoo.charts.figure made (JSON in #chart-data-X), and a switch that shows one panel at a time.
 * The choice is kept in the URL's hash (#x=latency), so a view can be linked, from file:// too.
 * A chart is drawn by the local plotly.min.js when its panel is first shown: Plotly sizes a chart in a
 * hidden element wrongly. On a narrow screen the legend goes below the plot and the title (the page's
 * heading says it) is left out, so the points keep the width. */
(function () {
  "use strict";
  var panels = Array.prototype.slice.call(document.querySelectorAll(".cost-panel[data-x]"));
  if (!panels.length) { return; }
  var radios = Array.prototype.slice.call(document.querySelectorAll(".cost-switch input[name=x]"));
  var first = panels.filter(function (panel) { return !panel.hidden; })[0] || panels[0];
  var fallback = first.getAttribute("data-x");  // the page's default: parameters when a model has them

  function draw(panel) {
    var area = panel.querySelector(".chart-area");
    if (!area || !window.Plotly) { return; }
    if (area.hasAttribute("data-drawn")) {  // the window may have changed size while it was hidden
      window.Plotly.Plots.resize(area);
      return;
    }
    var data = document.getElementById(area.getAttribute("data-chart"));
    if (!data) { return; }
    var figure = JSON.parse(data.textContent);
    var layout = figure.layout;
    layout.autosize = true;
    if (area.clientWidth < 640) {
      layout.title = {text: ""};
      layout.legend = Object.assign({}, layout.legend, {orientation: "h", x: 0, y: -0.35, yanchor: "top"});
      layout.margin = {l: 56, r: 12, t: 28, b: 16};  // room for a top point's label
      var axis = layout.xaxis && layout.xaxis.title;
      if (axis && typeof axis.text === "string") {  // the long axis title on two lines (zoo made this text)
        axis.text = axis.text.replace(", log scale", "<br>log scale");
      }
    }
    area.setAttribute("data-drawn", "");
    window.Plotly.newPlot(area, figure.data, layout, {responsive: true, displaylogo: false});
  }

  function named(x) {
    return panels.filter(function (panel) { return panel.getAttribute("data-x") === x; })[0];
  }

  function chosen() {  // the cost the hash names (#x=latency), else the default
    var match = /^#(?:.*&)?x=([^&]*)/.exec(window.location.hash);
    var x = match ? match[1] : "";  // cost names are plain words: nothing to decode
    return named(x) ? x : fallback;
  }

  function show(x) {
    panels.forEach(function (panel) { panel.hidden = panel.getAttribute("data-x") !== x; });
    radios.forEach(function (radio) { radio.checked = radio.value === x; });
    draw(named(x));
  }

  radios.forEach(function (radio) {
    radio.addEventListener("change", function () {
      if (!radio.checked) { return; }
      var hash = "#x=" + radio.value;
      if (hash !== window.location.hash) { history.replaceState(null, "", hash); }
      show(radio.value);
    });
  });
  window.addEventListener("hashchange", function () { show(chosen()); });
  show(chosen());
}());
