// simfeed page script. It builds DOM only with textContent and
// setAttribute: item data is never parsed as HTML.
(function () {
  'use strict';

  var sf = window.simfeed;
  var el = sf.el, card = sf.card;
  var device = sf.deviceID();

  function api(path, opts) {
    opts = opts || {};
    var headers = opts.headers || {};
    headers['X-SF-Device'] = device;
    opts.headers = headers;
    opts.credentials = 'same-origin';
    return fetch(path, opts).then(function (r) {
      if (!r.ok) throw new Error(path + ': HTTP ' + r.status);
      return r.status === 204 ? null : r.json();
    });
  }

  function sendDwell(id, ms) {
    var body = JSON.stringify({ type: 'dwell', item: id, ms: Math.max(0, Math.round(ms)) });
    if (navigator.sendBeacon && navigator.sendBeacon('/api/event', body)) return;
    fetch('/api/event', { method: 'POST', body: body, keepalive: true, credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', 'X-SF-Device': device } });
  }

  function like(id, button) {
    api('/api/like', { method: 'POST', headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ item: id }) })
      .then(function () { button.classList.add('fp-liked'); })
      .catch(function (e) { console.error(e); });
  }

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
    } else {
      window.addEventListener('scroll', function () { if (sentinelVisible()) loadMore(); }, { passive: true });
    }

    var dialog = document.getElementById('fp-detail');
    var dTitle = dialog.querySelector('.fp-detail-title');
    var dMeta = dialog.querySelector('.fp-detail-meta');
    var dBody = dialog.querySelector('.fp-detail-body');
    var dLike = dialog.querySelector('.fp-like');
    var dNot = dialog.querySelector('.fp-not-interested');
    var dClose = dialog.querySelector('.fp-close');
    var openID = null;
    var openedAt = 0;

    function openDetail(id) {
      api('/api/item/' + encodeURIComponent(id)).then(function (d) {
        if (dialog.open) {
          // Replacing an open item: report its dwell now.
          if (openID !== null) sendDwell(openID, performance.now() - openedAt);
          openID = null;
          dialog.close();
        }
        dTitle.textContent = d.title;
        dMeta.textContent = d.author + ' · ' + d.topic + (d.price_text ? ' · ' + d.price_text : '');
        dBody.textContent = d.body;
        dLike.classList.toggle('fp-liked', !!d.liked);
        if (dNot) dNot.classList.remove('fp-done');
        dialog.setAttribute('data-item-id', d.id);
        openID = d.id;
        openedAt = performance.now();
        if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
      }).catch(function (e) { console.error(e); });
    }

    feed.addEventListener('click', function (ev) {
      var a = ev.target.closest('a.fp-link');
      if (!a || !feed.contains(a)) return;
      var art = a.closest('article.fp-item');
      if (!art) return;
      ev.preventDefault();
      openDetail(art.getAttribute('data-item-id'));
    });

    dLike.addEventListener('click', function () { if (openID) like(openID, dLike); });
    if (dNot) dNot.addEventListener('click', function () {
      if (!openID) return;
      api('/api/not-interested', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ item: openID }) })
        .then(function () { dNot.classList.add('fp-done'); })
        .catch(function (e) { console.error(e); });
    });
    dClose.addEventListener('click', function () {
      if (dialog.close) dialog.close(); else { dialog.removeAttribute('open'); onClosed(); }
    });
    // Every way of closing (button, Escape) reports dwell once.
    function onClosed() {
      if (openID === null || dialog.open) return;
      sendDwell(openID, performance.now() - openedAt);
      openID = null;
    }
    dialog.addEventListener('close', onClosed);
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
