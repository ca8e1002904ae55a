// Scan a QR code with the camera where the browser has the BarcodeDetector API (Chrome on
// Android); elsewhere the button stays hidden and the code is typed or pasted.
(function () {
  "use strict";
  if (!("BarcodeDetector" in window) || !navigator.mediaDevices) { return; }
  var button = document.getElementById("scan");
  var video = document.getElementById("camera");
  var input = document.getElementById("q");
  var form = document.getElementById("check-form");
  button.hidden = false;
  button.addEventListener("click", function () {
    var detector = new window.BarcodeDetector({ formats: ["qr_code"] });
    navigator.mediaDevices.getUserMedia({ video: { facingMode: "environment" } })
      .then(function (stream) {
        video.srcObject = stream; video.hidden = false; video.play();
        var tries = 0;
        var timer = setInterval(function () {
          tries += 1;
          if (tries > 600) { stop(); return; }  // give up after about two minutes
          detector.detect(video).then(function (codes) {
            if (codes.length) { input.value = codes[0].rawValue; stop(); form.submit(); }
          }).catch(stop);
        }, 200);
        function stop() {
          clearInterval(timer);
          stream.getTracks().forEach(function (tr) { tr.stop(); });
          video.hidden = true;
        }
      }).catch(function () { button.hidden = true; });
  });
})();
