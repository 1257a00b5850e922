/* Everyday-use enhancements. Every page works without this file; it only saves round trips:
   dependent people pickers, add/remove rows in place, TLP:RED recipients shown only for RED,
   copy and print buttons. */
(function () {
  "use strict";

  // --- People filtered by the chosen organisation: <select data-depends-on="source-id">, options data-group.
  function filterDependent(select) {
    var source = document.getElementById(select.getAttribute("data-depends-on"));
    if (!source) return;
    if (!select._allOptions) {
      select._allOptions = Array.prototype.slice.call(select.querySelectorAll("option"));
    }
    var wanted = source.value;
    var current = select.value;
    while (select.firstChild) select.removeChild(select.firstChild);
    var keep = false;
    select._allOptions.forEach(function (option) {
      var group = option.getAttribute("data-group");
      if (group === null || group === wanted) {
        select.appendChild(option);
        if (option.value === current) keep = true;
      }
    });
    select.value = keep ? current : "";
  }

  // --- Repeatable rows (see templates/_macros/rows.html and app/form_rows.py).
  function renumber(row, list, index) {
    var pattern = new RegExp("^" + list + "-\\d+-");
    var replacement = list + "-" + index + "-";
    row.querySelectorAll("[name], [id], [for], [aria-describedby]").forEach(function (el) {
      ["name", "id", "for"].forEach(function (attr) {
        var value = el.getAttribute(attr);
        if (value) el.setAttribute(attr, value.replace(pattern, replacement));
      });
      var described = el.getAttribute("aria-describedby");
      if (described) {
        el.setAttribute("aria-describedby", described.split(" ").map(function (id) {
          return id.replace(pattern, replacement);
        }).join(" "));
      }
    });
    var remove = row.querySelector("[data-remove-row]");
    if (remove) remove.value = "remove:" + list + "-" + index;
  }

  function addRow(container) {
    var list = container.getAttribute("data-repeatable");
    var rows = container.querySelectorAll("[data-repeatable-row]");
    if (!rows.length) return false; // nothing to copy: let the server draw the row
    var max = parseInt(container.getAttribute("data-max-rows") || "0", 10);
    if (max && rows.length >= max) return true;
    var highest = -1;
    container.querySelectorAll("[name^='" + list + "-']").forEach(function (el) {
      var match = el.getAttribute("name").match(/-(\d+)-/);
      if (match) highest = Math.max(highest, parseInt(match[1], 10));
    });
    var row = rows[rows.length - 1].cloneNode(true);
    renumber(row, list, highest + 1);
    row.querySelectorAll("input, textarea").forEach(function (el) {
      if (el.type === "checkbox" || el.type === "radio") el.checked = false;
      else if (el.type !== "hidden") el.value = "";
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll("select").forEach(function (el) {
      var blank = el.querySelector("option[value='']");
      var preset = el.querySelector("option[selected]");
      el.value = blank ? "" : (preset ? preset.value : el.value);
      el.classList.remove("is-invalid");
      el.removeAttribute("aria-invalid");
    });
    row.querySelectorAll(".invalid-feedback").forEach(function (el) { el.remove(); });
    var legend = row.querySelector("legend");
    if (legend) legend.textContent = legend.textContent.replace(/\d+$/, String(rows.length + 1));
    rows[rows.length - 1].parentNode.appendChild(row);
    var first = row.querySelector("input:not([type=hidden]), select, textarea");
    if (first) first.focus();
    return true;
  }

  document.addEventListener("click", function (event) {
    var add = event.target.closest("[data-add-row]");
    if (add) {
      var container = add.closest("[data-repeatable]");
      if (container && addRow(container)) event.preventDefault();
      return;
    }
    var remove = event.target.closest("[data-remove-row]");
    if (remove) {
      var row = remove.closest("[data-repeatable-row]");
      if (row) {
        event.preventDefault();
        var box = row.closest("[data-repeatable]");
        row.remove();
        var next = box && box.querySelector("[data-add-row]");
        if (next) next.focus();
      }
      return;
    }
    var copy = event.target.closest("[data-copy-text]");
    if (copy && navigator.clipboard) {
      var status = document.querySelector("[data-copy-status]");
      navigator.clipboard.writeText(copy.getAttribute("data-copy-text")).then(function () {
        if (status) status.textContent = "Copied to the clipboard.";
      }, function () {
        if (status) status.textContent = "Copying failed: select the codes and copy them.";
      });
      return;
    }
    if (event.target.closest("[data-print]")) window.print();
  });

  // --- TLP:RED recipients: visible only while the form's TLP label is RED. A form whose label cannot be RED
  // (an advisory goes to organisations: its "recipients" are the recipient organisations) is left alone.
  function syncRecipients(form) {
    var tlp = form.querySelector("select[name='tlp']");
    var box = form.querySelector("fieldset#recipients");
    if (!tlp || !box || !tlp.querySelector("option[value='red']")) return;
    var red = tlp.value === "red";
    box.classList.toggle("is-hidden-by-tlp", !red);
  }

  document.addEventListener("change", function (event) {
    var el = event.target;
    if (!el.form) return;
    if (el.name === "tlp") syncRecipients(el.form);
    el.form.querySelectorAll("select[data-depends-on='" + el.id + "']").forEach(filterDependent);
  });

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("select[data-depends-on]").forEach(filterDependent);
    document.querySelectorAll("form").forEach(syncRecipients);
    document.querySelectorAll("[data-copy-text], [data-print]").forEach(function (el) { el.hidden = false; });
  });
})();
