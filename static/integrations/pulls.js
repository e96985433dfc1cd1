// Live progress bars: poll the running pulls shown on the page until they end.
(() => {
  const POLL_MS = 1000;
  async function refresh(url) {
    const bars = [...document.querySelectorAll("progress.pull-progress")];
    if (!bars.length) return;
    const query = bars.map((bar) => "id=" + bar.dataset.run).join("&");
    const response = await fetch(url + "?" + query, { credentials: "same-origin" });
    if (!response.ok) return;
    const runs = await response.json();
    for (const bar of bars) {
      const run = runs[bar.dataset.run];
      if (run) bar.parentElement.innerHTML = run.html;
    }
    setTimeout(() => refresh(url), POLL_MS);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const url = document.body.dataset.pullProgressUrl || "/admin/integrations/pullrun/progress/";
    setTimeout(() => refresh(url), POLL_MS);
  });
})();
