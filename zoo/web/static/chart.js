/* A leaderboard's chart: the figure zoo.charts.figure made (JSON in #chart-data), drawn by the
 * local plotly.min.js into #chart. */
(function () {
  "use strict";
  var data = document.getElementById("chart-data");
  var area = document.getElementById("chart");
  if (!data || !area || !window.Plotly) { return; }
  var figure = JSON.parse(data.textContent);
  figure.layout.autosize = true;
  window.Plotly.newPlot(area, figure.data, figure.layout, {responsive: true, displaylogo: false});
}());
