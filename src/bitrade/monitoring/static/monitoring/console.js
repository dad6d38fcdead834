// The alarm console: listens to the server-sent events of new alarms, reloads the list, and for an
// alarm that needs immediate intervention shows a visible cue and plays a short beep (WebAudio).
(function () {
  "use strict";
  var box = document.getElementById("em-console");
  if (!box || !window.EventSource) { return; }
  var cue = document.getElementById("em-cue");
  var audio = null;

  function beep() {
    try {
      audio = audio || new (window.AudioContext || window.webkitAudioContext)();
      var osc = audio.createOscillator();
      var gain = audio.createGain();
      osc.type = "square";
      osc.frequency.value = 880;
      gain.gain.value = 0.1;
      osc.connect(gain);
      gain.connect(audio.destination);
      osc.start();
      osc.stop(audio.currentTime + 0.4);
    } catch (e) { /* no sound available: the visible cue remains */ }
  }

  function reload() {
    fetch(box.dataset.fragment, { credentials: "same-origin" })
      .then(function (r) { return r.text(); })
      .then(function (html) { box.innerHTML = html; });
  }

  var source = new EventSource(box.dataset.stream + "?after=" + encodeURIComponent(box.dataset.last || "0"));
  source.addEventListener("alarm", function (event) {
    var data = JSON.parse(event.data);
    if (data.immediate) {
      cue.hidden = false;
      cue.textContent = "Nytt larm som kräver omedelbart ingripande: " + data.label;
      document.body.classList.add("em-flash");
      beep();
    }
    reload();
  });
  document.addEventListener("click", function () {
    cue.hidden = true;
    document.body.classList.remove("em-flash");
  });
}());
