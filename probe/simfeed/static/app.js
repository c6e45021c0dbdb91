// simfeed page script. It builds DOM only with textContent and
// setAttribute: item data is never parsed as HTML.
(function () {
  'use strict';

  var sf = window.simfeed;
  var card = sf.card, api = sf.api, like = sf.like, sendDwell = sf.sendDwell;

  function initFeed(feed) {
    var visit = feed.getAttribute('data-visit');
    var sentinel = document.getElementById('fp-sentinel');
    var page = 1;
    var loading = false;
    var retryTimer = null;

    function sentinelVisible() {
      var r = sentinel.getBoundingClientRect();
      return r.top < window.innerHeight + 200;
    }

    function loadMore() {
      if (loading) return;
      loading = true;
      api('/api/feed?visit=' + encodeURIComponent(visit) + '&page=' + (page + 1))
        .then(function (data) {
          var frag = document.createDocumentFragment();
          (data.items || []).forEach(function (it) { frag.appendChild(card(it)); });
          feed.appendChild(frag);
          page = data.page;
          loading = false;
          // A tall viewport may still show the sentinel: keep loading.
          if (data.items && data.items.length > 0 && sentinelVisible()) loadMore();
        })
        .catch(function (e) {
          console.error(e);
          loading = false;
          if (retryTimer === null) {
            retryTimer = setTimeout(function () {
              retryTimer = null;
              if (sentinelVisible()) loadMore();
            }, 1000);
          }
        });
    }

    if ('IntersectionObserver' in window) {
      new IntersectionObserver(function (entries) {
        if (entries.some(function (e) { return e.isIntersecting; })) loadMore();
      }, { rootMargin: '200px' }).observe(sentinel);
    }
    // Scrolling checks too: the observer reports changes only, so a page
    // that arrives while the sentinel is out of view, followed by a scroll
    // back to it before the next frame, would leave it "still
    // intersecting" with no report, and the feed would stop growing.
    window.addEventListener('scroll', function () { if (sentinelVisible()) loadMore(); }, { passive: true });

    sf.detail(feed);
  }

  function initItemPage(art) {
    var id = art.getAttribute('data-item-id');
    var shownAt = performance.now();
    var sent = false;
    var likeButton = art.querySelector('.fp-like');
    if (likeButton) likeButton.addEventListener('click', function () { like(id, likeButton); });
    window.addEventListener('pagehide', function () {
      if (sent) return;
      sent = true;
      sendDwell(id, performance.now() - shownAt);
    });
  }

  var feed = document.getElementById('feed');
  if (feed) {
    initFeed(feed);
  } else {
    var art = document.querySelector('article.fp-detail[data-item-id]');
    if (art) initItemPage(art);
  }
})();
