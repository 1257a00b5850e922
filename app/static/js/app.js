/* Palisade page behaviour. No inline scripts: the Content-Security-Policy only allows files
   served by the app. Everything here is progressive enhancement; pages work without it. */
(function () {
  "use strict";

  // data-confirm="Are you sure?" on a form (asked on submit) or on a button/link (asked on click).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement)) return;
    var submitter = event.submitter;
    if (submitter && submitter.hasAttribute("data-confirm")) return; // already asked on click
    var message = form.getAttribute("data-confirm");
    if (message && !window.confirm(message)) event.preventDefault();
  });

  document.addEventListener("click", function (event) {
    var el = event.target.closest("button[data-confirm], a[data-confirm], input[type=submit][data-confirm]");
    if (el && !window.confirm(el.getAttribute("data-confirm"))) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  });

  // Forms: prevent double submission (a second click while the first POST is in flight).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("method") || "get").toLowerCase() !== "post") return;
    if (form.dataset.submitting === "1") { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    window.setTimeout(function () { delete form.dataset.submitting; }, 8000);
  });

  // Filter bars: <select data-autosubmit> submits its form when changed.
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("select[data-autosubmit]") && el.form) {
      if (typeof el.form.requestSubmit === "function") el.form.requestSubmit();
      else el.form.submit();
    }
  });

  document.addEventListener("DOMContentLoaded", function () {
    // Move focus to the form error summary so screen readers announce it.
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  });

  // Document renders (templates/documents/render_status.html): follow the job, download when ready.
  var render = document.querySelector("[data-render-state]");
  if (render && window.fetch) {
    var message = render.querySelector("[data-render-message]");
    var poll = function () {
      fetch(render.getAttribute("data-render-state"), {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (state) {
          if (!state) return;
          if (state.download_url) {
            window.location.assign(state.download_url);
            window.setTimeout(function () { window.location.reload(); }, 1500);
            return;
          }
          if (state.status === "failed" || state.status === "expired") { window.location.reload(); return; }
          if (message && state.status === "running") message.textContent = "Rendering the document\u2026";
          window.setTimeout(poll, 1500);
        })
        .catch(function () { window.setTimeout(poll, 4000); });
    };
    if (message) window.setTimeout(poll, 1000);
  }
})();
