// SafeZone's own small behaviours. No third-party requests; works without it too.
(function () {
  "use strict";
  // Selects marked data-autosubmit submit their form on change (language switch).
  document.addEventListener("change", function (event) {
    if (event.target.matches("[data-autosubmit]")) { event.target.form.submit(); }
  });
  // Ctrl+Enter submits the form being edited.
  document.addEventListener("keydown", function (event) {
    if (event.key === "Enter" && (event.ctrlKey || event.metaKey) && event.target.form) {
      event.preventDefault();
      event.target.form.requestSubmit();
    }
  });
  // Forms marked data-confirm ask before a step that changes many records (undoing a merge).
  document.addEventListener("submit", function (event) {
    var question = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (question && !window.confirm(question)) { event.preventDefault(); }
  });
  // Intake: choosing a found person (or "new person") fills the hidden field the server reads.
  document.addEventListener("change", function (event) {
    if (!event.target.matches("input[name=candidate]")) { return; }
    var chosen = event.target.value;
    event.target.form.querySelector("input[name=existing_person]").value = chosen === "new" ? "" : chosen;
    document.querySelectorAll("[data-new-person]").forEach(function (el) {
      el.classList.toggle("opacity-50", chosen !== "new");
    });
  });
})();
