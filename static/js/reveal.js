// Adds a Show/Hide control to each secret field. Without JavaScript the
// fields stay plain password inputs, which is fine: the page works either
// way.
(function () {
  "use strict";
  document.querySelectorAll("button.reveal-toggle").forEach(function (btn) {
    var input = document.getElementById(btn.getAttribute("aria-controls"));
    if (!input) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      var show = input.type === "password";
      input.type = show ? "text" : "password";
      btn.textContent = show ? "Hide" : "Show";
      btn.setAttribute("aria-pressed", show ? "true" : "false");
    });
  });
  document.querySelectorAll("button.copy-link").forEach(function (btn) {
    var source = document.getElementById(btn.getAttribute("aria-controls"));
    if (!source || !navigator.clipboard) { return; }
    btn.hidden = false;
    btn.addEventListener("click", function () {
      navigator.clipboard.writeText(source.value || source.textContent).then(function () {
        btn.textContent = "Copied";
      });
    });
  });
})();
