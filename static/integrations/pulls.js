// Live progress bars: poll the running pulls shown on the page until they end.
(() => {
  const POLL_MS = 1000;
  const RETRY_MS = 5000; // a failed poll (a restart, a dropped request) is tried again, not the end
  async function refresh(url) {
    const bars = [...document.querySelectorAll("progress.pull-progress")];
    if (!bars.length) return;
    const query = bars.map((bar) => "id=" + bar.dataset.run).join("&");
    let next = RETRY_MS;
    try {
      const response = await fetch(url + "?" + query, { credentials: "same-origin" });
      if (response.status === 403 || response.status === 404) return; // signed out, or no such page
      if (response.ok) {
        const runs = await response.json();
        for (const bar of bars) {
          const run = runs[bar.dataset.run];
          if (run) bar.parentElement.innerHTML = run.html;
        }
        next = POLL_MS;
      }
    } catch (error) {
      // No answer at all: as for an error status, wait longer and try again.
    }
    setTimeout(() => refresh(url), next);
  }
  document.addEventListener("DOMContentLoaded", () => {
    const url = document.body.dataset.pullProgressUrl || "/admin/integrations/pullrun/progress/";
    setTimeout(() => refresh(url), POLL_MS);
  });
})();
