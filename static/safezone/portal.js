// The public portal's quick exit: the red button, or Esc anywhere on the page, replaces this page
// with a neutral site. location.replace takes the page out of the tab's history, and moving
// between the portal's own pages replaces too, so the whole visit is one history entry: Back from
// the neutral site does not return to the portal. No other script runs on the portal; without it
// the pages still work (the button is a plain link).
(function () {
  "use strict";
  function leave(event) {
    var target = document.body.getAttribute("data-quick-exit");
    if (!target) { return; }
    if (event) { event.preventDefault(); }
    document.body.textContent = "";  // nothing of the page stays on screen while the next one loads
    window.location.replace(target);
  }
  function ours(url) {
    return url.origin === window.location.origin && url.pathname.indexOf("/help/") === 0;
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" || event.key === "Esc") { leave(event); }
  });
  document.addEventListener("click", function (event) {
    if (!event.target.closest) { return; }
    if (event.target.closest("[data-quick-exit-button]")) { leave(event); return; }
    var link = event.target.closest("a[href]");
    if (!link || event.ctrlKey || event.metaKey || event.shiftKey || event.button !== 0) { return; }
    var url = new URL(link.href, window.location.href);
    if (ours(url)) { event.preventDefault(); window.location.replace(url.href); }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if ((form.method || "get").toLowerCase() !== "get") { return; }
    var url = new URL(form.action, window.location.href);
    if (!ours(url)) { return; }
    event.preventDefault();
    url.search = new URLSearchParams(new FormData(form)).toString();
    window.location.replace(url.href);
  });
})();
