// onewindow: electronic queue — desk shortcuts, kiosk keypad, board resilience.
(function () {
  "use strict";

  // Desk: F-keys press the button carrying data-shortcut (F2 call next / start, F8 finish…).
  document.addEventListener("keydown", function (ev) {
    if (!/^F\d{1,2}$/.test(ev.key)) return;
    var button = document.querySelector('[data-shortcut="' + ev.key + '"]');
    if (!button) return;
    ev.preventDefault();
    button.click();
  });

  // Kiosk: an on-screen keypad types the booking code.
  document.addEventListener("click", function (ev) {
    var key = ev.target.closest && ev.target.closest("[data-digit]");
    if (!key) return;
    var form = key.closest("[data-keypad]");
    var input = form && form.querySelector("input[name=code]");
    if (!input) return;
    var digit = key.getAttribute("data-digit");
    input.value = digit === "clear" ? input.value.slice(0, -1) : (input.value + digit).slice(0, 8);
  });

  // Kiosk: large type and high contrast for visually impaired visitors, switched on the
  // kiosk itself; a cookie keeps it for the next pages (the server sets the class, no flash).
  document.addEventListener("click", function (ev) {
    var toggle = ev.target.closest && ev.target.closest("[data-large-type]");
    if (!toggle) return;
    var on = !document.body.classList.contains("kiosk-large");
    document.body.classList.toggle("kiosk-large", on);
    toggle.setAttribute("aria-pressed", on ? "true" : "false");
    document.cookie = "onewindow_kiosk_large=" + (on ? "1" : "0") +
      "; path=/; max-age=" + (on ? 400 * 24 * 3600 : 0) + "; samesite=lax";
  });

  // Kiosk: after a ticket is issued, return to the purposes screen by itself.
  document.addEventListener("DOMContentLoaded", function () {
    var issued = document.querySelector("[data-return-after]");
    if (issued) {
      var seconds = parseInt(issued.getAttribute("data-return-after"), 10) || 30;
      window.setTimeout(function () {
        window.location.assign(issued.getAttribute("data-return-to"));
      }, seconds * 1000);
    }
  });

  // Kiosk ticket page: print the ticket document (the hidden frame) as soon as it has
  // loaded — Chromium started with --kiosk --kiosk-printing sends it to the default printer
  // without a dialog — then go back to the start screen for the next visitor.
  function printFrame() {
    var frame = document.querySelector("[data-print-frame]");
    if (!frame || !frame.contentWindow) return false;
    frame.contentWindow.focus();
    frame.contentWindow.print();
    return true;
  }
  document.addEventListener("DOMContentLoaded", function () {
    var frame = document.querySelector("[data-print-frame]");
    if (!frame) return;
    var printed = false;
    function loaded() {
      if (printed) return;
      printed = true;
      printFrame();
      var issued = document.querySelector("[data-return-to]");
      var seconds = parseInt(frame.getAttribute("data-return-after-print"), 10) || 6;
      var note = document.querySelector("[data-printing-note]");
      if (note) note.textContent = "Возьмите талон из принтера";
      window.setTimeout(function () {
        window.location.assign(issued ? issued.getAttribute("data-return-to") : "/kiosk");
      }, seconds * 1000);
    }
    var doc = frame.contentDocument;
    if (doc && doc.readyState === "complete" && doc.URL !== "about:blank") loaded();
    else frame.addEventListener("load", loaded);
  });
  document.addEventListener("click", function (ev) {
    if (ev.target.closest && ev.target.closest("[data-print-again]")) printFrame();
  });

  // Board: each new call (a new data-call-key, F3 included) is announced aloud — the chime,
  // then the spoken text built by the server («Талон А пятнадцать, окно три»). Browsers play
  // sound only after a user gesture: a one-time «Включить звук» prompt; the choice (on/off)
  // is remembered in this browser.
  var SOUND_KEY = "onewindow.board.sound";
  var announced = {};
  var pending = [];
  var speaking = false;
  var chime = null;

  function soundPref() {
    try { return window.localStorage.getItem(SOUND_KEY); } catch (e) { return null; }
  }
  function setSoundPref(value) {
    try { window.localStorage.setItem(SOUND_KEY, value); } catch (e) { /* private mode */ }
    showSoundControls();
  }
  function showSoundControls(blocked) {
    var pref = soundPref();
    var prompt = document.querySelector("[data-sound-prompt]");
    if (prompt) prompt.hidden = !(pref === null || (pref === "on" && blocked));
    var setting = document.querySelector("[data-sound-setting]");
    if (setting) setting.checked = pref !== "off";
  }
  function autoplayBlocked() {
    // Chromium tells whether sound may start without a gesture (kiosk flags allow it).
    return !!navigator.getAutoplayPolicy &&
      navigator.getAutoplayPolicy("mediaelement") !== "allowed" &&
      !(navigator.userActivation && navigator.userActivation.hasBeenActive);
  }
  function playChime() {
    return new Promise(function (resolve) {
      var board = document.querySelector("[data-chime]");
      if (!board || typeof window.Audio !== "function") { resolve(); return; }
      if (!chime) {
        chime = new window.Audio(board.getAttribute("data-chime"));
        chime.addEventListener("ended", function () { if (chime.onDone) chime.onDone(); });
        chime.addEventListener("error", function () { if (chime.onDone) chime.onDone(); });
      }
      var timer = window.setTimeout(done, 4000);  // never hold the queue of announcements
      function done() { window.clearTimeout(timer); chime.onDone = null; resolve(); }
      chime.onDone = done;
      try { chime.currentTime = 0; } catch (e) { /* not loaded yet */ }
      var played = chime.play();
      if (played && played.catch) {
        played.catch(function () { showSoundControls(true); done(); });
      }
    });
  }
  function russianVoice() {
    var voices = window.speechSynthesis.getVoices ? window.speechSynthesis.getVoices() : [];
    for (var i = 0; i < voices.length; i++) {
      if (/^ru(-|_|$)/i.test(voices[i].lang)) return voices[i];
    }
    return null;
  }
  function speak(text) {
    return new Promise(function (resolve) {
      if (!window.speechSynthesis || typeof window.SpeechSynthesisUtterance !== "function") {
        resolve(); return;
      }
      var utterance = new window.SpeechSynthesisUtterance(text);
      utterance.lang = "ru-RU";
      utterance.rate = 0.9;
      var voice = russianVoice();
      if (voice) utterance.voice = voice;
      var timer = window.setTimeout(done, 15000);
      function done() { window.clearTimeout(timer); resolve(); }
      utterance.addEventListener("end", done);
      utterance.addEventListener("error", done);
      window.speechSynthesis.speak(utterance);
    });
  }
  function nextAnnouncement() {
    var text = pending.shift();
    if (text === undefined) { speaking = false; return; }
    speaking = true;
    playChime().then(function () { return speak(text); }).then(nextAnnouncement, nextAnnouncement);
  }
  function announce(text) {
    if (soundPref() === "off") return;
    pending.push(text);
    if (!speaking) nextAnnouncement();
  }
  // Compare the calls shown with those already announced; forget the ones that left
  // (the board runs for days: nothing may grow without bound).
  function checkCalls(silently) {
    var rows = document.querySelectorAll("[data-board] [data-call-key]");
    var seen = {};
    var fresh = [];
    for (var i = 0; i < rows.length; i++) {
      var key = rows[i].getAttribute("data-call-key");
      seen[key] = true;
      if (!announced[key]) fresh.push(rows[i].getAttribute("data-speech"));
    }
    announced = seen;
    if (silently) return;
    // Rows are newest first: announce in the order the calls were made.
    for (var j = fresh.length - 1; j >= 0; j--) announce(fresh[j]);
  }
  document.addEventListener("DOMContentLoaded", function () {
    if (!document.querySelector("[data-board]")) return;
    checkCalls(true);  // what is on the board at load was announced before
    showSoundControls(soundPref() === "on" && autoplayBlocked());
  });
  document.addEventListener("htmx:afterSwap", function (ev) {
    if (ev.detail.target && ev.detail.target.hasAttribute("data-board")) checkCalls(false);
  });
  document.addEventListener("click", function (ev) {
    if (!ev.target.closest) return;
    if (ev.target.closest("[data-sound-enable]")) {
      setSoundPref("on");
      // Inside the gesture: unlock the audio element and the speech engine.
      playChime();
      if (window.speechSynthesis && window.speechSynthesis.resume) window.speechSynthesis.resume();
    } else if (ev.target.closest("[data-sound-disable]")) {
      setSoundPref("off");
    }
  });
  document.addEventListener("change", function (ev) {
    if (ev.target.matches && ev.target.matches("[data-sound-setting]")) {
      setSoundPref(ev.target.checked ? "on" : "off");
      if (ev.target.checked) playChime();
    }
  });

  // Board: a failed poll (server restarting, network down) never replaces the calls shown;
  // polling simply goes on and the board recovers by itself.
  function isOk(xhr) {
    return !!xhr && xhr.status >= 200 && xhr.status < 300;
  }
  function boardOffline(show) {
    var note = document.querySelector("[data-board-offline]");
    if (note) note.hidden = !show;
  }
  document.addEventListener("htmx:beforeSwap", function (ev) {
    var target = ev.detail.target;
    if (target && target.hasAttribute("data-board") && !isOk(ev.detail.xhr)) {
      ev.detail.shouldSwap = false;
      ev.detail.isError = false;
      boardOffline(true);
    }
  });
  document.addEventListener("htmx:sendError", function (ev) {
    if (ev.detail.elt && ev.detail.elt.hasAttribute("data-board")) boardOffline(true);
  });
  document.addEventListener("htmx:afterRequest", function (ev) {
    if (ev.detail.elt && ev.detail.elt.hasAttribute("data-board") && isOk(ev.detail.xhr)) {
      boardOffline(false);
    }
  });
})();
