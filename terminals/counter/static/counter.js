// The counter's only script, and the pages work without it. It
// (1) previews a typed amount as the server reads it (the server's own parser answers: the page
//     never reads an amount its own way), and fills in the quick-amount buttons;
// (2) on submit of a form that waits for a tap or the ledger, disables its button (one click,
//     one sale) and says what it waits for;
// (3) catches a keyboard-wedge scanner on any screen: a burst of keys faster than a person types,
//     ending in Enter, is a scanned code: it goes to the codes screen (what the burst typed into
//     a field is taken out of it again);
// (4) on the codes screen, scans with the camera: frames go to the counter, which decodes them.
"use strict";

// The field staff type into first has the focus (browsers skip `autofocus` on some loads).
var firstField = document.querySelector("[autofocus]");
if (firstField && (!document.activeElement || document.activeElement === document.body)) {
  firstField.focus();
}

// --- (1) amounts ---------------------------------------------------------------------------
function unitOf(input) {
  var program = document.getElementById("program");
  if (input.id !== "amount" || !program) return "VND";
  var chosen = program.options[program.selectedIndex];
  return chosen && chosen.dataset.unit === "PTS" ? "PTS" : "VND";
}
document.querySelectorAll("input[data-amount]").forEach(function (input) {
  var preview = document.getElementById(input.id + "-preview");
  var timer = null;
  var asked = 0;
  function show() {
    if (!preview) return;
    var mine = ++asked;
    var query = new URLSearchParams({typed: input.value, unit: unitOf(input)});
    if (input.hasAttribute("data-zero")) query.set("zero", "true");
    fetch("/amount-preview?" + query.toString(), {credentials: "same-origin"})
      .then(function (r) { return r.json(); })
      .then(function (answer) {
        if (mine !== asked) return;  // a later keystroke already asked again
        preview.textContent = answer.text;
        preview.classList.toggle("preview-error", !answer.ok && answer.text !== "");
      })
      .catch(function () { preview.textContent = ""; });
  }
  input.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(show, 120);
  });
  show();
});
document.querySelectorAll("button.quick-amount").forEach(function (button) {
  button.addEventListener("click", function () {
    var input = document.getElementById(button.dataset.for || "amount");
    input.value = button.dataset.value;
    input.dispatchEvent(new Event("input"));
    input.focus();
  });
});
var programSelect = document.getElementById("program");
if (programSelect) {
  programSelect.addEventListener("change", function () {
    var label = document.getElementById("amount-label");
    var points = unitOf(document.getElementById("amount")) === "PTS";
    if (label) label.textContent = points ? label.dataset.points : label.dataset.money;
    document.getElementById("amount").dispatchEvent(new Event("input"));
  });
  programSelect.dispatchEvent(new Event("change"));
}

// --- (2) one click, one sale ---------------------------------------------------------------
document.querySelectorAll("form[data-wait]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    var waiting = document.getElementById("waiting");
    if (form.dataset.waitText) waiting.textContent = form.dataset.waitText;
    waiting.hidden = false;
  });
});
window.addEventListener("pageshow", function () {
  // back from the browser's history: the form may be used again (same sale id: safe)
  document.querySelectorAll("form[data-wait]").forEach(function (form) {
    delete form.dataset.sent;
    // a button drawn disabled (a reward the member cannot buy) stays so
    form.querySelectorAll("button:not([data-locked])").forEach(function (b) { b.disabled = false; });
  });
  var waiting = document.getElementById("waiting");
  if (waiting) waiting.hidden = true;
});
document.querySelectorAll("[data-print]").forEach(function (button) {
  button.addEventListener("click", function () { window.print(); });
});

// --- (3) the keyboard-wedge scanner --------------------------------------------------------
// A scanner types a whole code in well under a second, keys a few milliseconds apart; people
// type a key every 80 ms or more. A scan is the run of keys before an Enter, at a mean under
// SCAN_GAP_MS a key, at least SCAN_MIN keys long; a pause up to SCAN_PAUSE_MS inside it is a busy
// machine, not the end of the scan; keys typed at a person's pace just before it are not part
// of it. The last keys are kept (bounded).
var SCAN_PAUSE_MS = 400;
var SCAN_GAP_MS = 40;
var SCAN_MIN = 6;
var KEPT_MAX = 1300;  // more than the longest code (a QR payload: 1200 characters)
var kept = [];  // {key, at, field, before}
function isField(el) {
  return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA");
}
function lastBurst(now) {
  var start = kept.length;
  var last = now;
  while (start > 0 && last - kept[start - 1].at <= SCAN_PAUSE_MS) {
    start -= 1;
    last = kept[start].at;
  }
  while (start < kept.length - 1 && kept[start + 1].at - kept[start].at > SCAN_GAP_MS) start += 1;
  var run = kept.slice(start);
  if (run.length < SCAN_MIN) return null;
  var mean = (run[run.length - 1].at - run[0].at) / (run.length - 1);
  return mean <= SCAN_GAP_MS ? run : null;
}
document.addEventListener("keydown", function (event) {
  var now = performance.now();
  if (event.key === "Enter") {
    var run = lastBurst(now);
    kept = [];
    if (!run) return;
    var scanned = run.map(function (k) { return k.key; }).join("");
    var first = run[0];
    var onCodes = document.getElementById("code-form");
    var codeField = document.getElementById("code");
    if (onCodes && first.field === codeField) {
      codeField.value = scanned;  // the scan alone, whatever the field held; Enter submits
      return;
    }
    event.preventDefault();
    if (first.field) first.field.value = first.before;  // the scan was not meant for that field
    if (onCodes) {
      codeField.value = scanned;
      onCodes.submit();
      return;
    }
    window.location.assign("/codes?code=" + encodeURIComponent(scanned));
    return;
  }
  if (event.key.length !== 1 || event.ctrlKey || event.altKey || event.metaKey) return;
  var el = document.activeElement;
  kept.push({key: event.key, at: now, field: isField(el) ? el : null,
             before: isField(el) ? el.value : ""});
  if (kept.length > KEPT_MAX) kept.shift();
}, true);

// --- (4) the camera --------------------------------------------------------------------------
var cameraStart = document.getElementById("camera-start");
if (cameraStart) {
  cameraStart.addEventListener("click", function () {
    var video = document.getElementById("camera");
    var status = document.getElementById("camera-status");
    var canvas = document.createElement("canvas");
    var busy = false;
    var stream = null;
    var timer = null;
    function stop() {
      clearInterval(timer);
      if (stream) stream.getTracks().forEach(function (track) { track.stop(); });
      video.hidden = true;
    }
    function found(text) {
      stop();
      document.getElementById("code").value = text;
      document.getElementById("code-form").submit();
    }
    function look() {
      if (busy || !video.videoWidth) return;
      busy = true;
      canvas.width = video.videoWidth;
      canvas.height = video.videoHeight;
      canvas.getContext("2d").drawImage(video, 0, 0);
      canvas.toBlob(function (blob) {
        fetch("/codes/frame", {method: "POST", body: blob, headers: {"Content-Type": "image/jpeg"}})
          .then(function (r) { return r.json(); })
          .then(function (answer) { busy = false; if (answer.text) found(answer.text); })
          .catch(function () { busy = false; });
      }, "image/jpeg", 0.9);
    }
    navigator.mediaDevices.getUserMedia({video: {facingMode: "environment"}, audio: false})
      .then(function (s) {
        stream = s;
        video.srcObject = s;
        video.hidden = false;
        status.textContent = status.dataset.looking;
        return video.play();
      })
      .then(function () { timer = setInterval(look, 250); })
      .catch(function () { status.textContent = status.dataset.denied; stop(); });
  });
}
