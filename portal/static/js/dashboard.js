/* Trend charts on /maal. Data comes from each canvas's data-chart attribute (JSON written by
   the server), because the CSP allows no inline scripts. The same numbers are in the table
   next to every chart, so nothing is lost without JavaScript. */
(function () {
  "use strict";

  function formatNumber(value) {
    return value === null ? "–" : value.toLocaleString("da-DK");
  }

  function drawChart(canvas) {
    var data = JSON.parse(canvas.getAttribute("data-chart"));
    var datasets = [{
      label: data.label,
      data: data.values,
      borderColor: "#0059b3",
      backgroundColor: "#0059b3",
      spanGaps: false,
      tension: 0.2
    }];
    if (data.target !== null) {
      datasets.push({
        label: "Mål",
        data: data.labels.map(function () { return data.target; }),
        borderColor: "#008139",
        borderDash: [6, 4],
        pointRadius: 0
      });
    }
    var chart = new window.Chart(canvas, {
      type: "line",
      data: { labels: data.labels, datasets: datasets },
      options: {
        animation: false,
        scales: { y: { beginAtZero: true, suggestedMax: data.unit === "%" ? 100 : undefined,
                       title: { display: true, text: data.unit } } },
        plugins: { tooltip: { callbacks: { label: function (ctx) {
          return ctx.dataset.label + ": " + formatNumber(ctx.parsed.y) + (data.unit === "%" ? " %" : "");
        } } } }
      }
    });
    canvas.setAttribute("data-rendered", "true");
    return chart;
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (!window.Chart) { return; }
    document.querySelectorAll("canvas[data-chart]").forEach(drawChart);
  });
}());
