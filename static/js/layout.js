// onewindow: keyboard layouts — the twin of onewindow/core/layout.py (a browser test
// compares the two). Text typed in ЙЦУКЕН read as QWERTY and back; service codes matched
// letter by letter whatever the layout («ПФЯ», «газ», «есп» begin GAZ and ESP).
(function () {
  "use strict";

  // Latin and Russian letters on the same physical keys, lower and upper case.
  var LATIN = "`qwertyuiop[]asdfghjkl;'zxcvbnm,.~QWERTYUIOP{}ASDFGHJKL:\"ZXCVBNM<>";
  var RUSSIAN = "ёйцукенгшщзхъфывапролджэячсмитьбюЁЙЦУКЕНГШЩЗХЪФЫВАПРОЛДЖЭЯЧСМИТЬБЮ";
  var SOUNDS = {
    "а": "a", "б": "b", "в": "vw", "г": "g", "д": "d", "е": "e", "ё": "e", "з": "z",
    "и": "i", "й": "jy", "к": "kcq", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p",
    "р": "r", "с": "sc", "т": "t", "у": "u", "ф": "f", "х": "hx", "ц": "c", "ы": "y",
    "э": "e"
  };
  var LOOKS = { "а": "a", "в": "b", "е": "e", "к": "k", "м": "m", "н": "h", "о": "o",
    "р": "p", "с": "c", "т": "t", "у": "y", "х": "x" };

  function translate(text, from, to) {
    var out = "";
    for (var i = 0; i < text.length; i++) {
      var at = from.indexOf(text[i]);
      out += at < 0 ? text[i] : to[at];
    }
    return out;
  }

  function toLatin(text) { return translate(text, RUSSIAN, LATIN); }
  function toCyrillic(text) { return translate(text, LATIN, RUSSIAN); }

  function latinCandidates(ch) {
    var low = ch.toLowerCase();
    var found = /^[\x00-\x7f]$/.test(low) ? low :
      toLatin(low) + (SOUNDS[low] || "") + (LOOKS[low] || "");
    var out = "";
    for (var i = 0; i < found.length; i++) {
      var up = found[i].toUpperCase();
      if (/^[A-Z]$/.test(up) && out.indexOf(up) < 0) out += up;
    }
    return out;
  }

  function codeMatches(typed, code) {
    typed = typed.trim();
    if (!typed || typed.length > code.length) return false;
    for (var i = 0; i < typed.length; i++) {
      if (latinCandidates(typed[i]).indexOf(code[i].toUpperCase()) < 0) return false;
    }
    return true;
  }

  window.owLayout = { toLatin: toLatin, toCyrillic: toCyrillic,
    latinCandidates: latinCandidates, codeMatches: codeMatches };
})();
