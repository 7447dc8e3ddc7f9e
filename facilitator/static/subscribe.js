/* The subscribe buttons (templates/_subscribe.html): this device's first (static/copy.js
   adds the address's Copy button). Reads the User-Agent here in the browser only, so the page the
   server sends is the same for every visitor and nothing about the device is sent back
   or kept. Without this script every button is still there, the address selectable. */
(function () {
  "use strict";
  var agent = navigator.userAgent;
  // iPadOS asks for desktop pages and says "Macintosh"; a Mac has Apple Calendar too.
  var device = /Android/.test(agent) ? "android"
    : /iPhone|iPad|iPod|Macintosh/.test(agent) ? "apple"
    : /Windows/.test(agent) ? "windows" : "";

  function putFirst(section) {
    var list = section.querySelector("ul.subscribe-apps");
    var suits = device ? list.querySelectorAll('li[data-for="' + device + '"]') : [];
    for (var i = suits.length - 1; i >= 0; i--) {
      list.insertBefore(suits[i], list.firstChild);
    }
    if (suits.length) {
      suits[0].classList.add("suggested");
      section.querySelector(".suggestion").hidden = false;
    }
  }

  var sections = document.querySelectorAll("section.subscribe:not([data-ready])");
  for (var i = 0; i < sections.length; i++) {
    sections[i].setAttribute("data-ready", "");
    putFirst(sections[i]);
  }
})();
