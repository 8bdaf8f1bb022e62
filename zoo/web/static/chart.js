/* A leaderboard's chart: the figure zoo.charts.figure made (JSON in #chart-data), drawn by the
 * local plotly.min.js into #chart. On a narrow screen the legend goes below the plot and the title
 * (the page's heading says it) is left out, so the points keep the width. */
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  var area = document.getElementById("chart");
  if (!data || !area || !window.Plotly) { return; }
  var figure = JSON.parse(data.textContent);
  var layout = figure.layout;
  layout.autosize = true;
  if (area.clientWidth < 640) {
    layout.title = {text: ""};
    layout.legend = Object.assign({}, layout.legend, {orientation: "h", x: 0, y: -0.35, yanchor: "top"});
    layout.margin = {l: 56, r: 12, t: 16, b: 16};
  }
  window.Plotly.newPlot(area, figure.data, layout, {responsive: true, displaylogo: false});
}());
