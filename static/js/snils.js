// СНИЛС checked as it is typed: the twin of onewindow/core/snils.py (a browser test
// compares the two). A wrong control number is said next to the field before the submit.
(function () {
  "use strict";

  var THRESHOLD = 1001998;  // numbers issued before the checksum: any control accepted
  var SEPARATORS = /[\s\-\u2010\u2011\u2012\u2013\u2014\u2212]/g;

  function checksum(first9) {
    var total = 0;
    for (var i = 0; i < 9; i++) total += Number(first9[i]) * (9 - i);
    if (total < 100) return total;
    if (total === 100 || total === 101) return 0;
    var rem = total % 101;
    return rem === 100 ? 0 : rem;
  }

  // "" when the number is right (or not finished yet), else the message of snils.py.
  function problem(raw) {
    var digits = String(raw || "").replace(SEPARATORS, "");
    if (digits === "") return "";
    if (!/^[0-9]*$/.test(digits) || digits.length > 11) return "СНИЛС должен содержать 11 цифр";
    if (digits.length < 11) return "";
    var first9 = digits.slice(0, 9);
    if (Number(first9) <= THRESHOLD) return "";
    return checksum(first9) === Number(digits.slice(9)) ? "" : "Неверная контрольная сумма СНИЛС";
  }

  function show(input) {
    var message = problem(input.value);
    var box = input.closest(".field") || input.parentNode;
    var note = box.querySelector("[data-snils-live]");
    if (!note) {
      note = document.createElement("p");
      note.className = "error";
      note.setAttribute("data-snils-live", "");
      note.setAttribute("aria-live", "polite");
      box.appendChild(note);
    }
    note.textContent = message;
    note.hidden = !message;
    input.setAttribute("aria-invalid", message ? "true" : "false");
    box.classList.toggle("has-error", !!message);
  }

  document.addEventListener("input", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-snils]")) show(ev.target);
  });

  window.owSnils = { problem: problem, checksum: checksum };
})();
