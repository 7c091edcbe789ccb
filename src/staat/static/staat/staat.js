// SPDX-License-Identifier: EUPL-1.2
// Progressive enhancement only: every form works without this file.
// A form marked data-staat-busy-form shows its status text (role="status", aria-live) while
// the server processes the upload, and guards against a second submission.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute || !form.hasAttribute("data-staat-busy-form")) return;
    if (form.getAttribute("aria-busy") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("aria-busy", "true");
    var status = form.querySelector("[data-busy-text]");
    if (status) status.textContent = status.getAttribute("data-busy-text");
    var button = form.querySelector("button[type=submit]");
    if (button) button.classList.add("utrecht-button--busy");
  });
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-staat-busy-form]").forEach(function (form) {
      form.removeAttribute("aria-busy");
    });
  });
})();
