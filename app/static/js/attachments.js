/* Upload progress for the attachments panel (and status updates that carry files).
   Progressive enhancement: without this script the multipart form posts normally. With it, a
   form with files is sent by XMLHttpRequest so the browser reports progress; then the browser goes
   to the page the server redirected to, or shows next to the form why a file was refused. */
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " kB";
    return bytes + " bytes";
  }

  function fileInputs(form) {
    return Array.prototype.slice.call(form.querySelectorAll("input[type=file]"));
  }

  function chosenFiles(form) {
    var files = [];
    fileInputs(form).forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    return files;
  }

  // Tell about a file over the limit before sending it (the server checks again).
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!(input instanceof HTMLInputElement) || input.type !== "file") return;
    var form = input.form;
    if (!form || !form.dataset.maxFileBytes) return;
    var status = form.querySelector(".attachment-status");
    var limit = parseInt(form.dataset.maxFileBytes, 10);
    var tooLarge = Array.prototype.filter.call(input.files || [], function (f) { return f.size > limit; });
    var message = tooLarge.length ? tooLarge.map(function (f) { return f.name; }).join(", ") +
      ": larger than " + formatSize(limit) + " (the limit per file)." : "";
    input.setCustomValidity(message);
    if (status) status.textContent = message;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (event.defaultPrevented || !(form instanceof HTMLFormElement)) return;
    if ((form.getAttribute("enctype") || "") !== "multipart/form-data") return;
    var files = chosenFiles(form);
    if (!files.length || !window.XMLHttpRequest || !window.FormData) return; // plain post
    event.preventDefault();
    var progress = form.querySelector(".attachment-progress");
    var status = form.querySelector(".attachment-status");
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      if (progress) { progress.hidden = false; progress.value = percent; }
      if (status) status.textContent = "Uploading " + files.length + " file" + (files.length > 1 ? "s" : "") +
        " (" + formatSize(total) + "): " + percent + " %";
    });
    request.addEventListener("load", function () {
      if (request.status < 400 && request.responseURL) {
        if (status) status.textContent = "Uploaded; loading the page…";
        window.location.assign(request.responseURL);
        return;
      }
      // Refused (400) or too large (413): show the server's reason next to the form.
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var parts = page.querySelectorAll(".error-page .lead, .error-page .error-detail, .error-page .upload-limits");
      var reason = Array.prototype.map.call(parts, function (p) { return p.textContent.trim(); }).join(" ");
      if (status) {
        status.textContent = reason || "The upload was refused (" + request.status + ").";
        status.classList.add("text-danger");
      }
      if (progress) progress.hidden = true;
      delete form.dataset.submitting;
    });
    request.addEventListener("error", function () {
      if (status) status.textContent = "The upload failed (connection lost). Try again.";
      delete form.dataset.submitting;
      if (progress) progress.hidden = true;
    });
    request.send(new FormData(form));
  });
})();
