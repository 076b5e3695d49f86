// The dashboard's charts (Chart.js) from the JSON the page carries in #chart-data.
(function () {
  if (!window.Chart) { return; }
  var d = JSON.parse(document.getElementById("chart-data").textContent);
  var trend = document.getElementById("chart-trend");
  if (trend) {
    new Chart(trend, {type: "line", data: {labels: d.trend.labels, datasets: [d.trend.community
      ? {label: d.text.met, data: d.trend.met, borderColor: "#0b4f8a", tension: 0.2}
      : {label: d.text.share, data: d.trend.share.map(function (v) { return v === null ? null : Math.round(v * 1000) / 10; }), borderColor: "#0b4f8a", tension: 0.2}]},
      options: {animation: false, scales: {y: d.trend.community ? {min: 0, max: 8} : {min: 0, max: 100}}}});
  }
  var bars = document.getElementById("chart-standards");
  if (bars) {
    new Chart(bars, {type: "bar", data: {labels: d.standards.labels, datasets: [
      {label: d.text.passing, data: d.standards.passing, backgroundColor: "#1b7f3b"},
      {label: d.text.failing, data: d.standards.failing, backgroundColor: "#b3261e"}]},
      options: {animation: false, scales: {x: {stacked: true}, y: {stacked: true, beginAtZero: true, ticks: {precision: 0}}}}});
  }
})();
