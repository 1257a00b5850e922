/* Upload progress for the forms that upload files: those holding a <progress class="attachment-progress">
   (the attachments panel, status updates that carry files). Every other form, /verify included, posts
   as the browser posts it.
   Progressive enhancement: without this script the multipart form posts normally. With it, a form
   with files is sent by XMLHttpRequest so the browser reports progress, with the X-Upload-Progress
   header: instead of a redirect the server then answers {"location": …} (app/attachments/routes.py),
   and the browser loads that page itself, so its flash message and #anchor are shown as without
   the script. A refusal is shown next to the form; any other answer is left to a plain submission. */
(function () {
  "use strict";

  function formatSize(bytes) {
    if (bytes >= 1048576) return (bytes / 1048576).toFixed(1) + " MB";
    if (bytes >= 1024) return Math.round(bytes / 1024) + " kB";
    return bytes + " bytes";
  }

  function chosenFiles(form) {
    var files = [];
    form.querySelectorAll("input[type=file]").forEach(function (input) {
      Array.prototype.forEach.call(input.files || [], function (file) { files.push(file); });
    });
    return files;
  }

  function isUploadForm(form) {
    return (form.getAttribute("enctype") || "") === "multipart/form-data" &&
      form.querySelector("progress.attachment-progress") !== null;
  }

  // Go where the server sent us, as a normal navigation (a reload when only the #anchor differs:
  // assigning the same page with another fragment would only scroll).
  function follow(location) {
    var target = new URL(location, window.location.href);
    var here = new URL(window.location.href);
    if (target.origin === here.origin && target.pathname === here.pathname && target.search === here.search) {
      if (target.hash !== here.hash) window.history.replaceState(null, "", target.href);
      window.location.reload();
    } else {
      window.location.assign(target.href);
    }
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
    if (event.defaultPrevented || !(form instanceof HTMLFormElement) || !isUploadForm(form)) return;
    var files = chosenFiles(form);
    if (!files.length || !window.XMLHttpRequest || !window.FormData || !window.URL) return; // plain post
    event.preventDefault();
    var progress = form.querySelector(".attachment-progress");
    var status = form.querySelector(".attachment-status");
    var total = files.reduce(function (sum, f) { return sum + f.size; }, 0);
    var data = new FormData(form);
    if (event.submitter && event.submitter.name) data.append(event.submitter.name, event.submitter.value);
    var request = new XMLHttpRequest();
    request.open("POST", form.action);
    request.setRequestHeader("X-Upload-Progress", "1");
    request.upload.addEventListener("progress", function (e) {
      if (!e.lengthComputable) return;
      var percent = Math.round((e.loaded / e.total) * 100);
      if (progress) { progress.hidden = false; progress.value = percent; }
      if (status) status.textContent = "Uploading " + files.length + " file" + (files.length > 1 ? "s" : "") +
        " (" + formatSize(total) + "): " + percent + " %";
    });
    request.addEventListener("load", function () {
      var type = request.getResponseHeader("Content-Type") || "";
      if (request.status === 200 && type.indexOf("application/json") === 0) {
        var answer = JSON.parse(request.responseText);
        if (status) status.textContent = "Uploaded; loading the page…";
        follow(answer.location);
        return;
      }
      // Refused (400) or too large (413): the server's error page says why; show it next to the form.
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      var parts = page.querySelectorAll(".error-page .lead, .error-page .error-detail, .error-page .upload-limits");
      var reason = Array.prototype.map.call(parts, function (p) { return p.textContent.trim(); }).join(" ");
      if (!reason) {
        // Any other answer (the form drawn again with its errors…) is the server's to show.
        HTMLFormElement.prototype.submit.call(form);
        return;
      }
      if (status) {
        status.textContent = reason;
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
    request.send(data);
  });
})();
