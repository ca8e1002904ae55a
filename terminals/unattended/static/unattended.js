// The gate's and the kiosk's pages: a keyboard-wedge scanner typing anywhere lands in the scan
// field (Enter submits it), the camera sends frames to the app to decode, an answer sounds,
// and an idle page goes back to the start.
(function () {
  "use strict";
  var body = document.body;
  var scan = document.getElementById("scan");

  // --- scanner: keys typed outside any field go to the scan field ---------------------------
  document.addEventListener("keydown", function (e) {
    if (!scan || e.ctrlKey || e.altKey || e.metaKey) return;
    var target = e.target;
    var typing = target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA");
    if (!typing && e.key.length === 1) {
      scan.focus();
      scan.value += e.key;
      e.preventDefault();
    } else if (!typing && e.key === "Enter" && scan.value) {
      scan.form.requestSubmit();
      e.preventDefault();
    }
  });
  if (scan) scan.focus();

  // --- one submission per form: a double tap does not ask twice -------------------------------
  document.querySelectorAll("form").forEach(function (form) {
    form.addEventListener("submit", function (e) {
      if (form.dataset.sent) { e.preventDefault(); return; }
      form.dataset.sent = "1";
      var wait = form.querySelector("[data-waiting]");
      if (wait) wait.textContent = wait.dataset.waiting;
      body.classList.add("busy");
    });
  });

  // --- the answer's sound ---------------------------------------------------------------------
  function tone(freq, start, length, ctx) {
    var osc = ctx.createOscillator(), gain = ctx.createGain();
    osc.frequency.value = freq;
    osc.type = "square";
    gain.gain.value = 0.15;
    osc.connect(gain); gain.connect(ctx.destination);
    osc.start(ctx.currentTime + start); osc.stop(ctx.currentTime + start + length);
  }
  var sound = body.dataset.sound;
  if (sound && window.AudioContext) {
    try {
      var ctx = new AudioContext();
      if (sound === "ok") { tone(1320, 0, 0.12, ctx); tone(1760, 0.16, 0.12, ctx); }
      else { tone(220, 0, 0.6, ctx); }
      body.dataset.played = sound;
    } catch (err) { body.dataset.played = "none"; }
  }

  // --- back to the start after a while without a touch or a key ------------------------------
  var after = parseFloat(body.dataset.returnS || "0");
  if (after > 0) {
    var timer = null;
    var rearm = function () {
      if (timer) clearTimeout(timer);
      timer = setTimeout(function () { window.location.href = body.dataset.returnUrl || "/"; },
                         after * 1000);
    };
    ["keydown", "pointerdown", "touchstart", "input"].forEach(function (ev) {
      document.addEventListener(ev, rearm, { passive: true });
    });
    rearm();
  }

  // --- camera: frames to the app, which decodes them with the project's QR library ------------
  var button = document.getElementById("camera");
  if (!button || !navigator.mediaDevices) return;
  var video = document.getElementById("camera-view");
  var problem = document.getElementById("camera-problem");
  var stream = null, polling = null, sending = false;
  function stop() {
    if (polling) clearInterval(polling);
    if (stream) stream.getTracks().forEach(function (tr) { tr.stop(); });
    stream = null; polling = null;
    video.hidden = true;
    button.textContent = button.dataset.start;
  }
  function frame() {
    if (sending || !video.videoWidth) return;
    var canvas = document.createElement("canvas");
    canvas.width = video.videoWidth; canvas.height = video.videoHeight;
    canvas.getContext("2d").drawImage(video, 0, 0);
    sending = true;
    canvas.toBlob(function (blob) {
      fetch("/frame", { method: "POST", body: blob, headers: { "Content-Type": "image/jpeg" } })
        .then(function (r) { return r.json(); })
        .then(function (found) {
          sending = false;
          if (found.text && scan) { stop(); scan.value = found.text; scan.form.requestSubmit(); }
        })
        .catch(function () { sending = false; });
    }, "image/jpeg", 0.85);
  }
  button.addEventListener("click", function () {
    if (stream) { stop(); return; }
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (s) {
        stream = s; video.srcObject = s; video.hidden = false; video.play();
        button.textContent = button.dataset.stop;
        polling = setInterval(frame, 400);
      })
      .catch(function () { problem.hidden = false; });
  });
})();
