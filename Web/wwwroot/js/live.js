// Says so when the live connection drops and when it is back; htmx's SSE extension does the reconnecting.
(() => {
  const status = document.getElementById("live-status");
  if (!status) return;
  let lost = false;
  const root = document.documentElement;
  document.body.addEventListener("htmx:sseError", () => {
    lost = true;
    root.dataset.live = "lost";
    status.textContent = status.dataset.lost;
    status.className = "live-status lost";
  });
  document.body.addEventListener("htmx:sseOpen", () => {
    root.dataset.live = "open";
    if (!lost) return;
    lost = false;
    status.textContent = status.dataset.back;
    status.className = "live-status back";
    setTimeout(() => { if (!lost) { status.textContent = ""; status.className = "live-status"; } }, 4000);
  });
})();
