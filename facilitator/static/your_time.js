/* "Your time" beside an online meeting's start: the reader's own clock, for one who
   joins from another zone than the list's ("7:00 pm your time · 4:00 pm Pacific Time").
   Each .other-times[data-your-time] follows the <time datetime> of its meeting, an
   instant with its offset; data-zone is the zone the list is shown in. The reader's
   zone is the browser's own (Intl): it is used here and never sent anywhere. Nothing is
   added where the reader's clock says what the list says. Without this script the list
   still gives every time in the list's zone. */
(function () {
  "use strict";

  if (!window.Intl || !Intl.DateTimeFormat) { return; }
  var yourZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

  function parts(instant, zone) {
    var found = {};
    var options = { hour: "numeric", minute: "2-digit", hour12: true, weekday: "short" };
    if (zone) { options.timeZone = zone; }
    new Intl.DateTimeFormat("en-US", options).formatToParts(instant).forEach(function (p) {
      found[p.type] = p.value;
    });
    // "7:00 pm", as the server writes times.
    found.clock = found.hour + ":" + found.minute + " " + (found.dayPeriod || "").toLowerCase();
    return found;
  }

  function yourTime(instant, listZone) {
    var yours = parts(instant);
    var listed;
    try { listed = parts(instant, listZone); } catch (error) { return ""; }
    if (yours.clock === listed.clock && yours.weekday === listed.weekday) { return ""; }
    var day = yours.weekday === listed.weekday ? "" : " " + yours.weekday;
    return yours.clock + day + " your time";
  }

  var shown = 0;
  var places = document.querySelectorAll(".other-times[data-your-time]:not([data-ready])");
  for (var i = 0; i < places.length; i++) {
    var place = places[i];
    place.setAttribute("data-ready", "");
    var item = place.closest("li");
    var start = item && item.querySelector("time[datetime]");
    var instant = start && new Date(start.getAttribute("datetime"));
    if (!instant || isNaN(instant.getTime())) { continue; }
    var text = yourTime(instant, place.getAttribute("data-zone"));
    if (!text) { continue; }
    var span = document.createElement("span");
    span.className = "your-time";
    span.textContent = text + (place.querySelector(".own-time") ? " · " : "");
    place.insertBefore(span, place.firstChild);
    shown += 1;
  }

  var note = document.getElementById("your-zone");
  if (note && shown && yourZone) {
    note.textContent = "“Your time” is for your device's time zone, " + yourZone +
      ". It stays on your device.";
    note.hidden = false;
  }
})();
