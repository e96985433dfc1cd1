// "Reveal" is a separate, audited POST: the secret is never in the page until someone asks.
document.addEventListener("click", async (event) => {
  const button = event.target.closest("button.reveal-secret");
  if (!button) return;
  const output = button.nextElementSibling;
  const token = document.querySelector("input[name=csrfmiddlewaretoken]").value;
  const response = await fetch(button.dataset.revealUrl, {
    method: "POST",
    headers: { "X-CSRFToken": token },
    credentials: "same-origin",
  });
  const body = await response.json();
  output.textContent = response.ok ? body.value : body.error;
  output.hidden = false;
  button.hidden = true;
});
