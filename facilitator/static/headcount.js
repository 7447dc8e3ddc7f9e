// The headcount page's +/− buttons without a page reload, and the count kept in step
// with other phones counting the same meeting. Without this script the buttons post the
// form and the page comes back, as before; with it, a tap posts the same form (CSRF
// token included) and the page shows the numbers the server answers. While the page is
// visible it asks for the numbers every few seconds, so two counters agree. Only
// anonymous totals travel, as on the page.
(function () {
  "use strict";

  var POLL_MS = 2500;
  var FAILED = window.pageWords("That button did not work; reload the page and try again.");
  var form = document.querySelector("form.counters[data-state]");
  if (!form || !window.fetch || !window.FormData) {
    return;
  }
  var error = document.getElementById("tap-error");
  var tallies = document.getElementById("tallies");
  var numbers = document.getElementById("headcount-form");
  // Answers are shown in the order their requests were sent: a poll sent before a tap
  // but answered after it must not put the older number back.
  var sent = 0;
  var shown = 0;
  var lastTallies = null;

  function say(message) {
    error.textContent = message || "";
    error.hidden = !message;
  }

  function show(state, number) {
    if (number < shown) {
      return;
    }
    shown = number;
    Object.keys(state.counts).forEach(function (name) {
      var value = state.counts[name];
      // Not counted is not 0: "–" until someone taps or saves the numbers.
      var text = state.counted === false ? "\u2013" : String(value);
      var output = document.getElementById("value-" + name);
      if (output && output.textContent !== text) {
        output.textContent = text;
      }
      var minus = form.querySelector('button[value="' + name + ':-1"]');
      if (minus) {
        minus.disabled = value === 0;
      }
      // The typed-in numbers follow too, unless the person is typing there.
      var input = numbers && numbers.elements.namedItem(name);
      if (input && state.counted !== false && input !== document.activeElement &&
          input.value === input.defaultValue) {
        input.value = input.defaultValue = value;
      }
    });
    if (state.tallies !== lastTallies) {
      // The server's own rendering of the page's part (manage/_tallies.html), escaped.
      tallies.innerHTML = lastTallies = state.tallies;
    }
  }

  function ask(url, options) {
    var number = ++sent;
    options.headers = { Accept: "application/json" };
    options.credentials = "same-origin";
    return fetch(url, options).then(function (response) {
      var type = response.headers.get("Content-Type") || "";
      if (type.indexOf("application/json") !== 0) {
        throw new Error("not an answer of the page's");
      }
      return response.json().then(function (state) {
        show(state, number);
        return state;
      });
    });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button || !button.value) {
      return; // let the browser post the form
    }
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    ask(form.action, { method: "POST", body: data }).then(function (state) {
      say(state.error);
    }, function () {
      say(FAILED);
    });
  });

  function poll() {
    if (document.visibilityState === "visible") {
      ask(form.dataset.state, { method: "GET" }).catch(function () {
        // Offline for a moment: the next poll tries again.
      });
    }
  }

  window.setInterval(poll, POLL_MS);
  document.addEventListener("visibilitychange", poll);
})();
