/* A Copy button after every read-only address to hand on (input.copy): a calendar's
   address, a check-in link, an invitation. The one copy script of the app.
   The field says what it holds (data-what: "address", "link"), which names the button
   "Copy link", and what to do once copied (data-copied); the note goes to the live
   region whose id is the field's with "-status". Where the browser refuses to copy, the
   text is left selected for the device's own Copy. Without this script the field is
   still there, selectable. */
(function () {
  "use strict";

  function addCopyButton(field) {
    var what = field.getAttribute("data-what") || "address";
    var said = window.pageWords;
    var copiedNote = field.getAttribute("data-copied") || said("Copied.");
    var status = document.getElementById(field.id + "-status");
    var button = document.createElement("button");
    button.type = "button";
    button.className = "copy-button";
    button.textContent = said("Copy %(what)s", {what: what});
    field.insertAdjacentElement("afterend", button);
    function say(note) { if (status) { status.textContent = note; } }
    function copied() { say(copiedNote); }
    function selectOnly() {
      field.focus();
      field.select();
      var done = false;
      try { done = document.execCommand("copy"); } catch (error) { done = false; }
      say(done ? copiedNote : said("The %(what)s is selected: copy it with your device's Copy.",
                                   {what: what}));
    }
    button.addEventListener("click", function () {
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(copied, selectOnly);
      } else {
        selectOnly();
      }
    });
  }

  var fields = document.querySelectorAll("input.copy:not([data-ready])");
  for (var i = 0; i < fields.length; i++) {
    fields[i].setAttribute("data-ready", "");
    addCopyButton(fields[i]);
  }
})();
