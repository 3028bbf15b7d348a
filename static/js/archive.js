// Archive scan page: a keyboard-wedge scanner types a code and Enter into the focused field.
// Scans arrive faster than the server answers, so they are queued here and sent one by one,
// in order; the field clears at once and stays focused. No inline scripts (strict CSP).
(function () {
  "use strict";

  function init() {
    var form = document.querySelector("[data-archive-scan]");
    if (!form) return;
    var input = form.querySelector("[data-scan-input]");
    var boxField = document.getElementById("scan-box");
    var result = document.getElementById("scan-result");
    var log = document.getElementById("scan-log");
    var pending = document.getElementById("scan-pending");
    var sound = document.getElementById("scan-sound");
    var currentBox = document.getElementById("scan-current-box");
    var token = (form.querySelector("input[name=csrf_token]") || {}).value || "";
    var modeField = form.querySelector("input[name=mode]");
    var mode = modeField ? modeField.value : "lookup";
    var tallyBox = document.getElementById("scan-tally");
    var tally = { placed: 0, issued: 0, returned: 0, repeat: 0 };
    // A scanner may read one label twice within milliseconds; in the modes that change
    // something, the same code again within REPEAT_MS is one scan (the server agrees).
    var REPEAT_MS = 1000;
    var last = { code: null, at: 0 };
    var queue = [];
    var busy = false;
    var seq = 0;

    function showTally() {
      if (!tallyBox) return;
      var parts = mode === "place" ? [["placed", "размещено"]] :
        [["issued", "выдано"], ["returned", "возвращено"]];
      parts.push(["repeat", "повторов не учтено"]);
      tallyBox.textContent = "За этот сеанс: " + parts.map(function (p) {
        return p[1] + " — " + tally[p[0]];
      }).join(", ");
      Object.keys(tally).forEach(function (k) { tallyBox.setAttribute("data-" + k, String(tally[k])); });
    }

    function count(action) {
      if (Object.prototype.hasOwnProperty.call(tally, action)) {
        tally[action] += 1;
        showTally();
      }
    }

    function refocus() {
      var active = document.activeElement;
      // The employee and due date of the issue mode may be changed; anything else goes back.
      if (active && active !== input && form.contains(active) &&
          /^(SELECT|INPUT)$/.test(active.tagName) && active.type !== "checkbox") return;
      input.focus();
    }

    function showPending() {
      pending.textContent = queue.length ? "в очереди: " + queue.length : "";
      form.setAttribute("data-pending", String(queue.length + (busy ? 1 : 0)));
    }

    function beep() {
      if (!sound || !sound.checked) return;
      try {
        var Ctx = window.AudioContext || window.webkitAudioContext;
        var ctx = new Ctx();
        var osc = ctx.createOscillator();
        osc.type = "square";
        osc.frequency.value = 880;
        osc.connect(ctx.destination);
        osc.start();
        osc.stop(ctx.currentTime + 0.35);
      } catch (e) { /* no audio: the visual alarm is enough */ }
    }

    function alarm() {
      document.body.classList.remove("scan-alarm");
      void document.body.offsetWidth; // restart the flash animation
      document.body.classList.add("scan-alarm");
      beep();
    }

    function addLog(item, card, failed) {
      var li = document.createElement("li");
      li.setAttribute("data-code", item.code);
      li.setAttribute("data-seq", String(item.seq));
      var isAlarm = failed || (card && card.getAttribute("data-alarm") === "1");
      li.className = isAlarm ? "alarm" : "ok";
      li.textContent = card ? card.getAttribute("data-summary") : item.code + ": нет ответа сервера";
      log.insertBefore(li, log.firstChild);
      if (isAlarm) alarm();
    }

    function handle(item, html, boxCode) {
      result.innerHTML = html;
      var card = result.querySelector(".scan-card");
      if (boxField && boxCode !== null) boxField.value = boxCode;
      var label = card && card.getAttribute("data-box-label");
      if (currentBox && label && boxCode) currentBox.textContent = "Короб: " + label;
      addLog(item, card, false);
      if (card) count(card.getAttribute("data-action"));
    }

    function next() {
      if (busy || !queue.length) { showPending(); return; }
      var item = queue[0];
      if (item.repeat) {
        queue.shift();
        var li = document.createElement("li");
        li.className = "repeat";
        li.setAttribute("data-code", item.code);
        li.setAttribute("data-seq", String(item.seq));
        li.textContent = item.code + ": повторное считывание — учтено один раз";
        log.insertBefore(li, log.firstChild);
        count("repeat");
        next();
        return;
      }
      busy = true;
      showPending();
      var body = item.data;
      if (boxField) body.set("box", boxField.value);
      fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: { "HX-Request": "true", "X-CSRFToken": token }
      }).then(function (response) {
        return response.text().then(function (html) {
          if (response.status >= 500 || response.status === 401 || response.status === 403) {
            throw new Error("status " + response.status);
          }
          handle(item, html, response.headers.get("X-Scan-Box"));
          queue.shift();
        });
      }).catch(function () {
        // Keep the scan and try again: nothing typed is lost on a network hiccup.
        item.tries += 1;
        if (item.tries >= 5) { queue.shift(); addLog(item, null, true); }
        return new Promise(function (resolve) { setTimeout(resolve, 1000); });
      }).then(function () {
        busy = false;
        next();
      });
    }

    function enqueue() {
      var code = input.value.trim();
      input.value = "";
      input.focus();
      if (!code) return;
      var now = Date.now();
      seq += 1;
      if (mode !== "lookup" && code === last.code && now - last.at < REPEAT_MS) {
        // Not sent; logged in its turn, so the log keeps the order of the scans.
        last.at = now;
        queue.push({ code: code, seq: seq, repeat: true });
        next();
        return;
      }
      last = { code: code, at: now };
      var data = new FormData(form);
      data.set("code", code);
      queue.push({ code: code, data: data, seq: seq, tries: 0 });
      next();
    }

    // Enter in the field is the scanner's end of code (a form with several text fields
    // would not submit on Enter by itself); the button does the same for typed codes.
    input.addEventListener("keydown", function (ev) {
      if (ev.key !== "Enter") return;
      ev.preventDefault();
      enqueue();
    });
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      enqueue();
    });

    input.addEventListener("blur", function () { setTimeout(refocus, 0); });
    // After choosing the employee or the due date, the scanner field takes over again.
    form.addEventListener("change", function (ev) {
      if (ev.target !== input && ev.target.id !== "scan-sound") input.focus();
    });
    document.addEventListener("click", function (ev) {
      if (ev.target.closest("a, button, select, label, input, textarea")) return;
      input.focus();
    });
    document.body.addEventListener("animationend", function () {
      document.body.classList.remove("scan-alarm");
    });
    input.focus();
    showPending();
    showTally();
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
