// The counter's only script, and the pages work without it. It (1) shows the typed amount as
// đồng (1.250.000 ₫) so 200000 and 2000000 are told apart at a glance, and (2) on submit of a
// form that waits for a tap, disables its button (one click, one sale) and asks for the tap.
"use strict";
function groupDong(digits) {
  return digits.replace(/^0+(?=\d)/, "").replace(/\B(?=(\d{3})+(?!\d))/g, ".") + " ₫";
}
document.querySelectorAll("input[data-amount]").forEach(function (input) {
  var preview = document.getElementById("amount-preview");
  function show() {
    var digits = input.value.replace(/[\s.₫đ]/gi, "");
    preview.textContent = /^\d{1,13}$/.test(digits) ? groupDong(digits) : "";
  }
  input.addEventListener("input", show);
  show();
});
document.querySelectorAll("form[data-wait]").forEach(function (form) {
  form.addEventListener("submit", function (event) {
    if (form.dataset.sent) { event.preventDefault(); return; }
    form.dataset.sent = "1";
    form.querySelectorAll("button").forEach(function (b) { b.disabled = true; });
    document.getElementById("waiting").hidden = false;
  });
});
window.addEventListener("pageshow", function () {
  // back from the browser's history: the form may be used again (same sale id: safe)
  document.querySelectorAll("form[data-wait]").forEach(function (form) {
    delete form.dataset.sent;
    form.querySelectorAll("button").forEach(function (b) { b.disabled = false; });
  });
  document.getElementById("waiting").hidden = true;
});
