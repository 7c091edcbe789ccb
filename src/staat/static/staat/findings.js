// SPDX-License-Identifier: EUPL-1.2
// Findings: turn a text selection into character offsets of Source.text, and keyboard review.
// Progressive enhancement: every form also works by typing the offsets and submitting.
(function () {
  "use strict";

  // ---- selection -> offsets --------------------------------------------------------------
  // Passages are rendered verbatim inside elements with data-char-start (the offset of their
  // first character in Source.text); marks inside add no characters. The offset of a point
  // in the DOM is data-char-start + the length of the text from the element's start to it.
  function passageOf(node) {
    var el = node && (node.nodeType === 1 ? node : node.parentElement);
    return el ? el.closest("[data-char-start]") : null;
  }

  function offsetAt(container, node, offset) {
    var range = document.createRange();
    range.selectNodeContents(container);
    range.setEnd(node, offset);
    return parseInt(container.getAttribute("data-char-start"), 10) + range.toString().length;
  }

  function selectionOffsets(region, selection) {
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var passages = Array.prototype.filter.call(
      region.querySelectorAll("[data-char-start]"),
      function (p) { return range.intersectsNode(p); }
    );
    if (!passages.length) return null;
    var first = passages[0], last = passages[passages.length - 1];
    var start = passageOf(range.startContainer) === first && first.contains(range.startContainer)
      ? offsetAt(first, range.startContainer, range.startOffset)
      : parseInt(first.getAttribute("data-char-start"), 10);
    var end = passageOf(range.endContainer) === last && last.contains(range.endContainer)
      ? offsetAt(last, range.endContainer, range.endOffset)
      : parseInt(last.getAttribute("data-char-start"), 10) + last.textContent.length;
    if (end <= start) return null;
    return { start: start, end: end, text: range.toString() };
  }
  window.staatSelectionOffsets = selectionOffsets;

  function fillForm(region, span) {
    var form = document.getElementById(region.getAttribute("data-span-form"));
    if (!form || !span) return;
    var start = form.querySelector("[data-span-start]");
    var end = form.querySelector("[data-span-end]");
    if (start) start.value = span.start;
    if (end) end.value = span.end;
    var preview = form.querySelector("[data-span-preview]");
    if (preview) preview.textContent = "“" + span.text.replace(/\s+/g, " ").trim() + "”";
    var details = form.closest("details");
    if (details && form.hasAttribute("data-open-on-select")) details.open = true;
  }

  document.addEventListener("mouseup", function (event) {
    var region = event.target.closest && event.target.closest("[data-span-form]");
    if (!region) return;
    fillForm(region, selectionOffsets(region, window.getSelection()));
  });
  document.addEventListener("keyup", function (event) {
    if (!event.shiftKey) return;
    var selection = window.getSelection();
    if (!selection || !selection.anchorNode) return;
    var el = selection.anchorNode.nodeType === 1 ? selection.anchorNode : selection.anchorNode.parentElement;
    var region = el && el.closest("[data-span-form]");
    if (region) fillForm(region, selectionOffsets(region, selection));
  });

  // ---- keyboard review ---------------------------------------------------------------------
  var queue = document.querySelector("[data-review]");
  if (!queue) return;
  var current = 0;

  function cards() { return Array.prototype.slice.call(queue.querySelectorAll(".staat-review-card")); }

  function focusCard(index, scroll) {
    var all = cards();
    if (!all.length) return;
    current = Math.max(0, Math.min(index, all.length - 1));
    all.forEach(function (card, i) { card.classList.toggle("is-current", i === current); });
    var card = all[current];
    card.focus({ preventScroll: !scroll });
    if (scroll) card.scrollIntoView({ block: "start", behavior: "auto" });
    var status = document.getElementById("review-position");
    if (status) status.textContent = (current + 1) + " / " + all.length;
  }

  function currentCard() { return cards()[current]; }

  function openPanel(name) {
    var card = currentCard();
    if (!card) return;
    var details = card.querySelector("details[data-action='" + name + "']");
    if (!details) return;
    details.open = true;
    var field = details.querySelector("[data-autofocus]") || details.querySelector("input, select, textarea");
    if (field) field.focus();
  }

  function isTyping(target) {
    return target && (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName));
  }

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) return;
    if (event.key === "Escape") {
      var card = currentCard();
      if (card) {
        card.querySelectorAll("details[open]").forEach(function (d) { d.open = false; });
        focusCard(current, false);
      }
      return;
    }
    if (isTyping(event.target)) return;
    var handled = true;
    switch (event.key) {
      case "j": case "ArrowDown": focusCard(current + 1, true); break;
      case "k": case "ArrowUp": focusCard(current - 1, true); break;
      case "c": {
        var form = currentCard() && currentCard().querySelector("form[data-action='confirm']");
        if (form) form.requestSubmit();
        break;
      }
      case "r": openPanel("reject"); break;
      case "e": openPanel("edit"); break;
      default: handled = false;
    }
    if (handled) event.preventDefault();
  });

  queue.addEventListener("focusin", function (event) {
    var card = event.target.closest(".staat-review-card");
    var index = cards().indexOf(card);
    if (index >= 0 && index !== current) {
      current = index;
      cards().forEach(function (c, i) { c.classList.toggle("is-current", i === current); });
    }
  });

  // after a decision the card is swapped (htmx); go on with the next one
  document.body.addEventListener("htmx:afterSettle", function () {
    var card = queue.querySelector(".staat-review-card[data-just-decided]");
    if (!card) return;
    card.removeAttribute("data-just-decided");
    var index = cards().indexOf(card);
    if (card.hasAttribute("data-error")) { focusCard(index, false); return; }
    focusCard(index + 1, true);
  });

  focusCard(0, false);
})();
