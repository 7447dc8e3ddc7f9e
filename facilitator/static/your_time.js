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
  var said = window.pageWords;
  var english = window.pageLanguage === "en";

  function parts(instant, zone) {
    var found = {};
    // English "7:00 pm", as the server writes times; another language in its own habit
    // ("19:00", "mar"), from Intl in the page's language.
    var options = english ? { hour: "numeric", minute: "2-digit", hour12: true, weekday: "short" }
      : { hour: "numeric", minute: "2-digit", weekday: "short" };
    if (zone) { options.timeZone = zone; }
    var format = new Intl.DateTimeFormat(english ? "en-US" : window.pageLanguage, options);
    format.formatToParts(instant).forEach(function (p) {
      found[p.type] = p.value;
    });
    found.clock = english
      ? found.hour + ":" + found.minute + " " + (found.dayPeriod || "").toLowerCase()
      : found.hour + ":" + found.minute;
    return found;
  }

  function yourTime(instant, listZone) {
    var yours = parts(instant);
    var listed;
    try { listed = parts(instant, listZone); } catch (error) { return ""; }
    if (yours.clock === listed.clock && yours.weekday === listed.weekday) { return ""; }
    var day = yours.weekday === listed.weekday ? "" : " " + yours.weekday;
    return said("%(time)s your time", {time: yours.clock + day});
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
    note.textContent = said("“Your time” is for your device's time zone, %(zone)s. It stays on your device.",
                            {zone: yourZone});
    note.hidden = false;
  }
})();
