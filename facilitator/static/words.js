/* The page's words for what the app's scripts write (templates/base.html): on a page in
   another language than English, a JSON block (#page-words) maps each English sentence
   of the scripts to the page's language (i18n.SCRIPT_WORDS lists them); an English page
   has none, and the English stays. `pageWords("Starting %(date)s", {date: d})` fills the
   named placeholders after translation, as the server does. Loaded before the other
   scripts (every script is deferred, so they run in the page's order). */
(function () {
  "use strict";
  var block = document.getElementById("page-words");
  var words = {};
  try { words = block ? JSON.parse(block.textContent) : {}; } catch (error) { words = {}; }
  window.pageWords = function (english, values) {
    var text = words[english] || english;
    return text.replace(/%\((\w+)\)s/g, function (whole, name) {
      return values && name in values ? String(values[name]) : whole;
    });
  };
  /* The page's language (<html lang>), for Intl's dates and times. */
  window.pageLanguage = document.documentElement.lang || "en";
})();
