// The program metrics charts (/program/). The figures come from the page's
// <script type="application/json" id="program-metrics-data"> (the metrics API's shape); every
// chart has a table with the same numbers next to it, and colour is never the only signal:
// axes and legends are labelled, and the two series of the stage chart differ by fill
// (solid) and outline.
document.addEventListener("DOMContentLoaded", () => {
  const source = document.getElementById("program-metrics-data");
  if (!source || typeof window.Chart === "undefined") {
    return;
  }
  const figures = JSON.parse(source.textContent);
  const reduceMotion = window.matchMedia("(prefers-reduced-motion: reduce)").matches;
  const blue = "#0d6efd";
  const green = "#198754";
  const red = "#b02a37";
  const percent = (value) => (value === null ? null : Math.round(value * 1000) / 10);

  const base = (yTitle, extra = {}) => ({
    responsive: true,
    maintainAspectRatio: false,
    ...(reduceMotion ? { animation: false } : {}),
    plugins: { legend: { display: false } },
    scales: {
      y: { beginAtZero: true, title: { display: true, text: yTitle }, ticks: { precision: 0 } },
    },
    ...extra,
  });

  const charts = {
    stages: () => {
      const pipeline = figures.counts_by_stage.filter((row) => !row.off_track);
      return {
        type: "bar",
        data: {
          labels: pipeline.map((row) => row.label),
          datasets: [
            {
              label: "Ever reached",
              data: pipeline.map((row) => row.reached),
              backgroundColor: blue,
              borderColor: blue,
              borderWidth: 2,
            },
            {
              label: "In it now",
              data: pipeline.map((row) => row.current),
              backgroundColor: "rgba(255, 255, 255, 0)",
              borderColor: "#212529",
              borderWidth: 2,
            },
          ],
        },
        options: {
          ...base("Integrations"),
          plugins: { legend: { display: true, position: "bottom" } },
        },
      };
    },
    durations: () => ({
      type: "bar",
      data: {
        labels: figures.median_days_in_stage.map((row) => row.label),
        datasets: [
          {
            label: "Median days (completed stays)",
            data: figures.median_days_in_stage.map((row) => row.median_days),
            backgroundColor: blue,
          },
        ],
      },
      options: base("Median days"),
    }),
    runs: () => ({
      type: "line",
      data: {
        labels: figures.verification_pass_rate.map((week) => week.week),
        datasets: [
          {
            label: "Pass rate (%)",
            data: figures.verification_pass_rate.map((week) => percent(week.pass_rate)),
            borderColor: green,
            backgroundColor: green,
            pointRadius: 4,
            spanGaps: false,
          },
        ],
      },
      options: base("Pass rate (%)", {
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: "Pass rate (%)" } },
        },
      }),
    }),
    sla: () => ({
      type: "bar",
      data: {
        labels: figures.sla_compliance.map((row) => row.label),
        datasets: [
          {
            label: "Compliance (%)",
            data: figures.sla_compliance.map((row) => percent(row.compliance)),
            backgroundColor: green,
          },
        ],
      },
      options: base("Met within the SLA (%)", {
        scales: {
          y: { min: 0, max: 100, title: { display: true, text: "Met within the SLA (%)" } },
        },
      }),
    }),
    breaches: () => ({
      type: "bar",
      data: {
        labels: figures.breaches_by_partner.map((row) => row.name),
        datasets: [
          {
            label: "Breaches",
            data: figures.breaches_by_partner.map((row) => row.breaches),
            backgroundColor: red,
          },
        ],
      },
      options: {
        ...base("Breaches"),
        indexAxis: "y",
        scales: {
          x: { beginAtZero: true, title: { display: true, text: "Breaches" }, ticks: { precision: 0 } },
        },
      },
    }),
  };

  document.querySelectorAll("canvas[data-chart]").forEach((canvas) => {
    const build = charts[canvas.dataset.chart];
    if (build) {
      new window.Chart(canvas, build());
    }
  });
});
