// The meeting form's "Next dates", worked out as the schedule is filled in, and its
// choice of week named by date. It follows the rule of facilitator/domain/recurrence.py
// (first_dates and preview) and MeetingForm.recurrence(); the browser test
// tests/browser/test_scheduling.py holds it to the same answers as Python on many
// schedules. Without it the form's "Preview dates" button asks the server.
(function () {
  "use strict";
  var DAY = 86400000;
  var EARLIEST = Date.UTC(1970, 0, 1);
  var LATEST = Date.UTC(2199, 11, 31);
  var DAY_NAMES = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday",
                   "Sunday"];
  var MONTH_NAMES = ["January", "February", "March", "April", "May", "June", "July",
                     "August", "September", "October", "November", "December"];

  // Dates are UTC midnights in milliseconds: no daylight saving to trip over.
  function parse(text) {
    var m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text || "");
    if (!m) return null;
    var when = Date.UTC(+m[1], +m[2] - 1, +m[3]);
    var d = new Date(when);
    if (d.getUTCFullYear() !== +m[1] || d.getUTCMonth() !== +m[2] - 1) return null;
    return when;
  }
  function iso(when) { return new Date(when).toISOString().slice(0, 10); }
  function weekday(when) { return (new Date(when).getUTCDay() + 6) % 7; } // Monday = 0

  // recurrence.first_dates
  function firstDates(rec, onOrAfter) {
    if (rec.frequency !== "weekly" || rec.interval === 1) return [onOrAfter];
    var first = onOrAfter;
    while (rec.weekdays.indexOf(weekday(first)) < 0) first += DAY;
    var monday = first - weekday(first) * DAY;
    var dates = [first];
    for (var k = 1; k < rec.interval; k++) dates.push(monday + (7 * k + rec.weekdays[0]) * DAY);
    return dates;
  }

  // The days of one month that a monthly rule names, in order.
  function monthDays(rec, year, month) {
    var days = [];
    var first = Date.UTC(year, month, 1);
    var next = Date.UTC(year, month + 1, 1);
    var firstOfDay = first + ((rec.weekdays[0] - weekday(first) + 7) % 7) * DAY;
    var lastOfDay = next - DAY - ((weekday(next - DAY) - rec.weekdays[0] + 7) % 7) * DAY;
    rec.ordinals.forEach(function (n) {
      var day = n === -1 ? lastOfDay : firstOfDay + (n - 1) * 7 * DAY;
      if (day < next && days.indexOf(day) < 0) days.push(day);
    });
    return days.sort(function (a, b) { return a - b; });
  }

  // recurrence.preview: the next `count` dates from today, or from the first date.
  function preview(rec, first, last, today, count) {
    if (last !== null && last < first) return [];
    var start = Math.max(today, first);
    var dates = [];
    if (rec.frequency === "once") return first >= today && count > 0 ? [first] : [];
    if (rec.frequency === "weekly") {
      var monday = first - weekday(first) * DAY;
      for (var day = start; dates.length < count && day <= LATEST; day += DAY) {
        if (last !== null && day > last) break;
        var week = Math.round((day - weekday(day) * DAY - monday) / (7 * DAY));
        if (rec.weekdays.indexOf(weekday(day)) >= 0 && week % rec.interval === 0) {
          dates.push(day);
        }
      }
      return dates;
    }
    var d = new Date(start);
    for (var m = 0; dates.length < count && m < 1200; m++) {
      var days = monthDays(rec, d.getUTCFullYear(), d.getUTCMonth() + m);
      for (var i = 0; i < days.length && dates.length < count; i++) {
        if (last !== null && days[i] > last) return dates;
        if (days[i] >= start) dates.push(days[i]);
      }
    }
    return dates;
  }

  // MeetingForm.recurrence(), from plain values; null when it is not complete.
  function recurrence(repeats, weekdays, monthWeeks, monthWeekday) {
    var sorted = function (list) {
      return list.filter(function (v, i) { return list.indexOf(v) === i; })
        .sort(function (a, b) { return (a === -1 ? 6 : a) - (b === -1 ? 6 : b); });
    };
    if (repeats === "weekly" || repeats === "biweekly") {
      if (!weekdays.length) return null;
      return {frequency: "weekly", interval: repeats === "biweekly" ? 2 : 1,
              weekdays: sorted(weekdays), ordinals: []};
    }
    if (repeats === "monthly") {
      if (!monthWeeks.length || isNaN(monthWeekday)) return null;
      return {frequency: "monthly", interval: 1, weekdays: [monthWeekday],
              ordinals: sorted(monthWeeks)};
    }
    return {frequency: "once", interval: 1, weekdays: [], ordinals: []};
  }

  // For the test: the same questions as recurrence.first_dates and preview, in ISO dates.
  window.facilitatorSchedule = {
    firstDates: function (rec, onOrAfter) { return firstDates(rec, parse(onOrAfter)).map(iso); },
    preview: function (rec, first, last, today, count) {
      return preview(rec, parse(first), last ? parse(last) : null, parse(today), count).map(iso);
    },
    recurrence: recurrence
  };

  var form = document.getElementById("meeting-form");
  var box = document.getElementById("schedule-preview");
  if (!form || !box) return;
  var today = parse(box.getAttribute("data-today"));
  var list = document.getElementById("preview-dates");
  var startWeek = document.getElementById("start-week");
  // The dates show as one types: the button is not needed, and as the form's first
  // button it would take the Enter key from "Add meeting".
  var button = document.getElementById("preview-button");
  if (button) button.remove();

  function checked(name) {
    return Array.prototype.map.call(
      form.querySelectorAll("input[name='" + name + "']:checked"),
      function (input) { return input.value; });
  }
  // English as the server writes it ("Thu 3 Dec"); another page language from Intl, in
  // the page's language ("jue, 3 dic"), as Babel words it on the server.
  var said = window.pageWords;
  var language = window.pageLanguage;
  function inLanguage(when, options) {
    options.timeZone = "UTC";
    return new Intl.DateTimeFormat(language, options).format(new Date(when));
  }
  function shortDate(when) {
    var d = new Date(when);
    if (language !== "en" && window.Intl) {
      var options = {weekday: "short", day: "numeric", month: "short"};
      if (d.getUTCFullYear() !== new Date(today).getUTCFullYear()) options.year = "numeric";
      var text = inLanguage(when, options);
      return when === today ? text + " " + said("(today)") : text;
    }
    var text = DAY_NAMES[weekday(when)].slice(0, 3) + " " + d.getUTCDate() + " " +
      MONTH_NAMES[d.getUTCMonth()].slice(0, 3);
    if (d.getUTCFullYear() !== new Date(today).getUTCFullYear()) text += " " + d.getUTCFullYear();
    return when === today ? text + " (today)" : text;
  }
  function longDate(when) {
    if (language !== "en" && window.Intl) {
      return inLanguage(when, {weekday: "long", day: "numeric", month: "long", year: "numeric"});
    }
    var d = new Date(when);
    return DAY_NAMES[weekday(when)] + " " + d.getUTCDate() + " " +
      MONTH_NAMES[d.getUTCMonth()] + " " + d.getUTCFullYear();
  }
  function show(dates) {
    list.textContent = "";
    if (!dates.length) {
      var hint = document.createElement("p");
      hint.className = "hint";
      hint.textContent = said("The dates show here once the days and the first date are chosen.");
      list.appendChild(hint);
      return;
    }
    var ol = document.createElement("ol");
    ol.className = "dates";
    dates.forEach(function (when) {
      var li = document.createElement("li");
      li.textContent = shortDate(when);
      ol.appendChild(li);
    });
    list.appendChild(ol);
  }

  function update() {
    var repeats = (checked("repeats")[0] || "");
    var rec = recurrence(repeats, checked("weekdays").map(Number),
                         checked("month_weeks").map(Number),
                         Number(form.elements.month_weekday.value));
    var first = parse(form.elements.first_date.value);
    var lastText = form.elements.last_date.value;
    var last = lastText ? parse(lastText) : null;
    if (startWeek) startWeek.hidden = repeats !== "biweekly";
    if (!rec || first === null || first < EARLIEST || first > LATEST ||
        (lastText && last === null)) {
      show([]);
      return;
    }
    var starts = firstDates(rec, first);
    var radios = form.querySelectorAll("input[name='start_week']");
    if (starts.length === 2) {
      Array.prototype.forEach.call(radios, function (radio) {
        var label = form.querySelector("label[for='" + radio.id + "']");
        var when = starts[Number(radio.value)];
        if (label && when !== undefined) {
          label.textContent = said(radio.value === "1" ? "Starting %(date)s, the week after"
                                   : "Starting %(date)s", {date: longDate(when)});
        }
      });
    }
    var week = Number(checked("start_week")[0] || 0);
    var chosen = starts[Math.min(week, starts.length - 1)];
    show(chosen > LATEST ? [] : preview(rec, chosen, last, today, 4));
  }

  form.addEventListener("input", update);
  form.addEventListener("change", update);
  update();
}());
