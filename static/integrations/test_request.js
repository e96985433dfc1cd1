// The test request page: live preview, Send without a reload, and polling until a run ends.
(() => {
  const POLL_MS = 400;

  async function poll(url, onUpdate) {
    for (;;) {
      const response = await fetch(url, { credentials: "same-origin" });
      if (!response.ok) return;
      const body = await response.json();
      onUpdate(body);
      if (body.done) return;
      await new Promise((resolve) => setTimeout(resolve, POLL_MS));
    }
  }

  function setupTestPage() {
    const form = document.getElementById("test-form");
    if (!form) return;
    const chooser = document.getElementById("id_endpoint");
    chooser.addEventListener("change", () => {
      window.location.search = "?endpoint=" + encodeURIComponent(chooser.value);
    });

    const preview = document.getElementById("request-preview");
    let timer = null;
    form.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(async () => {
        const params = new URLSearchParams(new FormData(form));
        params.delete("csrfmiddlewaretoken");
        const response = await fetch(form.dataset.previewUrl + "?" + params, { credentials: "same-origin" });
        if (response.ok) preview.innerHTML = (await response.json()).html;
      }, 250);
    });

    document.addEventListener("click", (event) => {
      if (!event.target.matches("button.copy-curl")) return;
      const line = event.target.previousElementSibling.textContent;
      navigator.clipboard?.writeText(line);
      event.target.textContent = "Copied";
    });

    const result = document.getElementById("test-result");
    if (result.dataset.statusUrl) {
      // A run shown by ?run= that has not ended yet (e.g. just confirmed): follow it.
      poll(result.dataset.statusUrl, (update) => { result.innerHTML = update.html; });
    }
    // A request that changes something at the vendor goes through the server's confirm step.
    if (form.dataset.confirmFirst === "true") return;
    const send = document.getElementById("send-test");
    if (!send) return;
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      send.disabled = true;
      try {
        const response = await fetch(window.location.pathname, {
          method: "POST",
          body: new FormData(form),
          headers: { "X-Requested-With": "fetch" },
          credentials: "same-origin",
        });
        const body = await response.json();
        if (!response.ok) {
          result.innerHTML = "";
          const list = document.createElement("ul");
          list.className = "errorlist";
          for (const message of body.errors || ["The test could not be started."]) {
            const item = document.createElement("li");
            item.textContent = message;
            list.appendChild(item);
          }
          result.appendChild(list);
          return;
        }
        result.innerHTML = body.html;
        await poll(body.status_url, (update) => { result.innerHTML = update.html; });
      } finally {
        send.disabled = false;
      }
    });
  }

  function setupBatchPage() {
    const table = document.getElementById("batch-summary");
    if (!table || table.dataset.done === "true") return;
    poll(table.dataset.statusUrl, (update) => {
      table.querySelector("tbody").innerHTML = update.html;
    });
  }

  document.addEventListener("DOMContentLoaded", () => {
    setupTestPage();
    setupBatchPage();
  });
})();
