// Live updates: a server-sent-event stream says "something changed"; the element then re-fetches
// its fragment with htmx. The stream carries no data, so a fragment shows only what its own
// route lets this person see.
//
//   <section id="answers"
//            data-live-events="/live/17/events"       the event stream (text/event-stream)
//            data-live-refresh="/live/17/answers"     the fragment fetched on each `change` event
//            data-live-swap="innerHTML">              optional: innerHTML (default) or outerHTML
//
// With outerHTML the fragment must carry the same data-live-* attributes: the new element takes
// over the stream. When the stream fails again and again, never delivers its first event (a school
// proxy that blocks or buffers streams) or is refused (too many tabs), the element polls its
// fragment every 2 seconds instead. No inline script and no eval: it fits Lupe's CSP.
(function () {
  "use strict";
  var POLL_MS = 2000;
  var FIRST_EVENT_MS = 10000;
  var MAX_FAILURES = 3;
  var live = {}; // events URL → {element, source, failures, busy, again, waiting, poller}

  function refresh(entry) {
    if (!entry.element.isConnected) { stop(entry); return; }
    if (entry.busy) { entry.again = true; return; } // one fetch at a time; one more after it
    entry.busy = true;
    var swap = entry.element.getAttribute("data-live-swap") === "outerHTML" ? "outerHTML" : "innerHTML";
    htmx.ajax("GET", entry.element.getAttribute("data-live-refresh"), { target: entry.element, swap: swap })
      .catch(function () { /* the next event or poll tries again */ })
      .then(function () {
        entry.busy = false;
        if (entry.again) { entry.again = false; refresh(entry); }
      });
  }

  function poll(entry) {
    if (entry.source) { entry.source.close(); entry.source = null; }
    clearTimeout(entry.waiting);
    if (!entry.poller) { entry.poller = setInterval(function () { refresh(entry); }, POLL_MS); }
  }

  function stop(entry) {
    if (entry.source) { entry.source.close(); }
    clearTimeout(entry.waiting);
    clearInterval(entry.poller);
    delete live[entry.url];
  }

  function listen(entry) {
    var source = new EventSource(entry.url);
    entry.source = source;
    // The server sends a first event at once; nothing within 10 s means something holds it back.
    entry.waiting = setTimeout(function () { poll(entry); }, FIRST_EVENT_MS);
    source.addEventListener("change", function () {
      clearTimeout(entry.waiting);
      entry.failures = 0;
      refresh(entry);
    });
    source.addEventListener("error", function () {
      entry.failures += 1;
      // CLOSED: the browser gave up (e.g. 429 for too many tabs); otherwise it reconnects by itself.
      if (source.readyState === EventSource.CLOSED || entry.failures >= MAX_FAILURES) { poll(entry); }
    });
  }

  function attach(element) {
    var url = element.getAttribute("data-live-events");
    if (!url || !element.getAttribute("data-live-refresh")) { return; }
    if (live[url]) { live[url].element = element; return; } // an outerHTML swap brought a new element
    var entry = { url: url, element: element, source: null, failures: 0, busy: false, again: false };
    live[url] = entry;
    if (window.EventSource) { listen(entry); } else { poll(entry); }
  }

  function start() {
    document.querySelectorAll("[data-live-events]").forEach(attach);
    htmx.onLoad(function (root) { // content swapped in later
      if (root.hasAttribute && root.hasAttribute("data-live-events")) { attach(root); }
      if (root.querySelectorAll) { root.querySelectorAll("[data-live-events]").forEach(attach); }
    });
  }

  if (window.htmx) { start(); } else { document.addEventListener("DOMContentLoaded", start); }
})();
