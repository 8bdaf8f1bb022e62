/* Copy buttons: <button data-copy="ID"> copies the text of the element ID (a reproduce command).
 * The clipboard API where the page may use it (http://localhost), else a selection and the older
 * copy command (file:// pages); the status line says which happened. */
(function () {
  "use strict";
  var status = document.querySelector(".copy-status");

  function say(message) { if (status) { status.textContent = message; } }

  function copyBySelection(element) {
    var range = document.createRange();
    range.selectNodeContents(element);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    var copied = false;
    try { copied = document.execCommand("copy"); } catch (error) { copied = false; }
    say(copied ? "Copied." : "Selected: press Ctrl+C (or Cmd+C) to copy.");
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("button[data-copy]");
    if (!button) { return; }
    var element = document.getElementById(button.getAttribute("data-copy"));
    if (!element) { return; }
    var command = element.textContent;
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(command).then(function () { say("Copied."); },
                                                  function () { copyBySelection(element); });
    } else {
      copyBySelection(element);
    }
  });
}());
