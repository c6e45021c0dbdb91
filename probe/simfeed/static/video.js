// simfeed's video player: reports the media time played (the sum of the
// played ranges) to the recommender as a page view's running total, on
// pause, on end, every few seconds while playing and when the page hides.
(function () {
  var v = document.querySelector('video.fp-video[data-item-id]');
  if (!v) return;
  var item = v.getAttribute('data-item-id');
  var view = Math.random().toString(36).slice(2, 12);
  var sent = -1;
  function played() {
    var t = 0;
    for (var i = 0; i < v.played.length; i++) t += v.played.end(i) - v.played.start(i);
    return Math.round(t * 1000);
  }
  function report() {
    var ms = played();
    if (ms <= sent) return;
    sent = ms;
    v.setAttribute('data-reported-ms', String(ms));
    fetch('/api/event', {method: 'POST', keepalive: true, headers: {'Content-Type': 'application/json'},
      body: JSON.stringify({type: 'play', item: item, ms: ms, view: view})}).catch(function () {});
  }
  v.addEventListener('pause', report);
  v.addEventListener('ended', report);
  setInterval(function () { if (!v.paused) report(); }, 2000);
  window.addEventListener('pagehide', report);
  document.addEventListener('visibilitychange', function () { if (document.hidden) report(); });
})();
