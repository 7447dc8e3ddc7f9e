/* "Show the code full screen" (templates/manage/checkin.html): where the browser can, the
   QR code itself fills the screen, and Escape or a tap on it brings the page back. Where
   it cannot (an iPhone's Safari) or without this script, the link opens a page with only
   the code, large. */
(function () {
  "use strict";
  if (!document.fullscreenEnabled) {
    return;
  }
  var links = document.querySelectorAll("a[data-fullscreen]");
  Array.prototype.forEach.call(links, function (link) {
    var target = document.getElementById(link.getAttribute("data-fullscreen"));
    if (!target) {
      return;
    }
    link.addEventListener("click", function (event) {
      event.preventDefault();
      target.requestFullscreen().catch(function () {
        window.location.href = link.href;
      });
    });
    target.addEventListener("click", function () {
      if (document.fullscreenElement === target) {
        document.exitFullscreen();
      }
    });
  });
})();
