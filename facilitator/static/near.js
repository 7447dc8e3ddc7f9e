/* "Near me", worked out in the browser alone. The directory's link to the near-me list
   (p[data-near-link]) is shown only where this script runs and the browser can tell
   where it is. On the list (ol#near-list, each item with the data-lat and data-lon of
   its place), "Sort by distance from me" asks the browser for its position and puts the
   meetings nearest first, each with its distance. The position goes nowhere: no
   request, no storage, no address; it lives in this function's variables until the
   page is left. An address ending in #nearest (the directory's link, a day's link)
   sorts as soon as the page opens. Without this script the list is in order of time. */
(function () {
  "use strict";

  var said = window.pageWords;
  var canLocate = "geolocation" in navigator;

  var links = document.querySelectorAll("[data-near-link]");
  for (var i = 0; i < links.length; i++) {
    if (canLocate) { links[i].hidden = false; }
  }

  var list = document.getElementById("near-list");
  var button = document.getElementById("near-sort");
  var status = document.getElementById("near-status");
  var needsScript = document.getElementById("near-needs-script");
  if (!button || !status) { return; }
  if (needsScript) { needsScript.hidden = true; }
  if (!canLocate) {
    status.textContent = said("This browser cannot tell where it is, so the list stays in order of time.");
    return;
  }
  if (!list || !list.querySelector("li[data-lat]")) { return; }
  button.hidden = false;

  /* Miles where people count in miles (the United States, the United Kingdom, Liberia,
     Myanmar; English without a country, as most of our visitors), kilometres elsewhere,
     Canada included. */
  function usesMiles() {
    var language = (navigator.languages && navigator.languages[0]) || navigator.language || "en";
    var parts = language.split(/[-_]/);
    var country = parts.length > 1 ? parts[parts.length - 1].toUpperCase() : "";
    if (!country || country.length !== 2) { return parts[0].toLowerCase() === "en"; }
    return ["US", "GB", "LR", "MM"].indexOf(country) !== -1;
  }

  var EARTH_KM = 6371.0088;
  var KM_PER_MILE = 1.609344;

  function radians(degrees) { return degrees * Math.PI / 180; }

  /* Great-circle distance in km (haversine). */
  function distanceKm(lat1, lon1, lat2, lon2) {
    var dLat = radians(lat2 - lat1);
    var dLon = radians(lon2 - lon1);
    var a = Math.sin(dLat / 2) * Math.sin(dLat / 2) +
      Math.cos(radians(lat1)) * Math.cos(radians(lat2)) * Math.sin(dLon / 2) * Math.sin(dLon / 2);
    return 2 * EARTH_KM * Math.asin(Math.min(1, Math.sqrt(a)));
  }

  function distanceText(km, miles) {
    var value = miles ? km / KM_PER_MILE : km;
    if (value < 0.1) { return said(miles ? "under 0.1 miles" : "under 100 m"); }
    var shown = value < 10 ? value.toFixed(1) : String(Math.round(value));
    var one = shown === "1.0";
    if (window.pageLanguage !== "en") { shown = shown.replace(".", ","); }
    if (!miles) { return shown + " km"; }
    return said(one ? "%(distance)s mile" : "%(distance)s miles", {distance: shown});
  }

  function sortFrom(latitude, longitude) {
    var miles = usesMiles();
    var items = Array.prototype.slice.call(list.querySelectorAll("li[data-lat]"));
    var measured = items.map(function (item, index) {
      var km = distanceKm(latitude, longitude, parseFloat(item.getAttribute("data-lat")),
                          parseFloat(item.getAttribute("data-lon")));
      return { item: item, km: km, index: index };
    });
    // Equal distances (one place, several meetings) keep their order of time.
    measured.sort(function (a, b) { return a.km - b.km || a.index - b.index; });
    measured.forEach(function (entry) {
      var label = entry.item.querySelector(".distance");
      if (!label) {
        label = document.createElement("strong");
        label.className = "distance";
        entry.item.insertBefore(label, entry.item.firstChild);
      }
      label.textContent = distanceText(entry.km, miles) + ": ";
      list.appendChild(entry.item);
    });
    list.classList.add("sorted");
    status.textContent = said("Nearest first, from where your device says you are.");
    button.textContent = said("Sort again from where I am now");
    button.disabled = false;
  }

  function failed(error) {
    button.disabled = false;
    var why = {
      1: said("Your browser did not share your position, so the list stays in order of time. To sort it, allow this site to know your location in the browser's settings, then try again."),
      2: said("Your device could not tell where it is just now; the list stays in order of time. Try again in a moment."),
      3: said("Finding your position took too long; the list stays in order of time. Try again.")
    };
    status.textContent = why[error && error.code] || why[2];
  }

  function locate() {
    button.disabled = true;
    status.textContent = said("Finding where you are…");
    navigator.geolocation.getCurrentPosition(function (position) {
      sortFrom(position.coords.latitude, position.coords.longitude);
    }, failed, { enableHighAccuracy: false, timeout: 20000, maximumAge: 300000 });
  }

  button.addEventListener("click", locate);
  if (window.location.hash === "#nearest") { locate(); }
})();
