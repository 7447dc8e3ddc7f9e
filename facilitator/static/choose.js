// Long lists made short, for browsers that run it; without it every choice stays on the
// page. Three things:
// - a <select data-search="Label"> (the time zones) gets a search box above it: typing
//   "chic" or "new york" leaves only the zones that match and picks the first of them;
// - a list of checkboxes named by an <input data-filters="list-id"> (the meeting types),
//   hidden until now, shows only the boxes whose label matches (ticked ones stay);
// - an element with data-shown-when="name=a,b" shows only while the radio `name` has
//   one of those values (online details for online and hybrid meetings).
(function () {
  "use strict";
  function words(text) {
    return text.toLowerCase().replace(/[_/()-]/g, " ").split(/\s+/).filter(Boolean);
  }
  function matches(query, text) {
    var have = words(text).join(" ");
    return query.every(function (word) { return have.indexOf(word) >= 0; });
  }
  function each(selector, fn) {
    Array.prototype.forEach.call(document.querySelectorAll(selector), fn);
  }

  each("select[data-search]", function (select) {
    var box = document.createElement("div");
    var label = document.createElement("label");
    var input = document.createElement("input");
    var status = document.createElement("p");
    input.type = "search";
    input.id = select.id + "-search";
    input.autocomplete = "off";
    input.setAttribute("aria-controls", select.id);
    label.htmlFor = input.id;
    label.textContent = select.getAttribute("data-search");
    status.className = "hint";
    status.setAttribute("aria-live", "polite");
    box.className = "search-box";
    box.appendChild(label);
    box.appendChild(input);
    box.appendChild(status);
    // Above the list's own label, so "Time zone" stays next to its list.
    var field = select.parentNode;
    field.insertBefore(box, field.querySelector("label[for='" + select.id + "']") || select);
    input.addEventListener("input", function () {
      var query = words(input.value);
      var first = null;
      var shown = {};
      Array.prototype.forEach.call(select.options, function (option) {
        var match = matches(query, option.text);
        option.hidden = !match;
        if (match) {
          shown[option.value] = true;
          if (first === null) first = option;
        }
      });
      each("#" + select.id + " optgroup", function (group) {
        group.hidden = !Array.prototype.some.call(group.children, function (o) {
          return !o.hidden;
        });
      });
      if (first !== null) select.value = first.value;
      var count = Object.keys(shown).length;
      var said = window.pageWords;
      status.textContent = !query.length ? "" : count === 0 ? said("No zone matches.")
        : count === 1 ? said("1 zone matches: %(zone)s is chosen.", {zone: first.text})
        : said("%(count)s zones match; %(zone)s is chosen.", {count: count, zone: first.text});
    });
  });

  each("input[data-filters]", function (input) {
    var list = document.getElementById(input.getAttribute("data-filters"));
    var box = input.closest("[hidden]");
    if (!list) return;
    if (box) box.hidden = false;
    input.addEventListener("input", function () {
      var query = words(input.value);
      Array.prototype.forEach.call(list.children, function (item) {
        var box = item.querySelector("input");
        item.hidden = !(box && box.checked) && !matches(query, item.textContent);
      });
    });
  });

  each("[data-shown-when]", function (element) {
    var rule = element.getAttribute("data-shown-when").split("=");
    var name = rule[0];
    var values = rule[1].split(",");
    var form = element.closest("form");
    function update() {
      var chosen = form.querySelector("input[name='" + name + "']:checked");
      element.hidden = !!chosen && values.indexOf(chosen.value) < 0;
    }
    form.addEventListener("change", update);
    update();
  });
}());
