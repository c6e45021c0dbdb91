// simfeed layouts script (see layouts.go): the vertical video feed, the
// hot-search list, the first-screen grid, the feed in a scrolling box and
// the "load more" feed with its consent dialog (the last two open items in
// the same dialog as the main feed). Like app.js it builds DOM only with
// textContent and setAttribute.
(function () {
  'use strict';

  var sf = window.simfeed;
  var el = sf.el, labels = sf.labels, card = sf.card;
  var api = sf.api;

  function page(visit, n) {
    return api('/api/feed?visit=' + encodeURIComponent(visit) + '&page=' + n);
  }

  // A list that appends pages of cards to feed when more() is called.
  function pager(feed) {
    var visit = feed.getAttribute('data-visit');
    var n = 1;
    var loading = false;
    return function more(done) {
      if (loading) return;
      loading = true;
      page(visit, n + 1).then(function (data) {
        var frag = document.createDocumentFragment();
        (data.items || []).forEach(function (it) { frag.appendChild(card(it)); });
        feed.appendChild(frag);
        n = data.page;
        loading = false;
        if (done) done();
      }).catch(function (e) { console.error(e); loading = false; if (done) done(); });
    };
  }

  // The vertical video feed: all items are kept in memory, but the DOM
  // holds only the current one and its neighbours.
  function initShorts(root) {
    var state = JSON.parse(document.getElementById('sf-shorts-state').textContent);
    var items = state.items || [];
    var visit = state.visit;
    var pageN = state.page;
    var cur = 0;
    var pending = 0;
    var loading = false;
    var nodes = {}; // item id -> section

    function section(it) {
      var s = el('section', 'sf-short');
      s.setAttribute('data-item-id', it.id);
      s.setAttribute('data-topic', it.topic);
      s.setAttribute('lang', it.lang);
      s.appendChild(el('div', 'sf-short-video'));
      s.appendChild(el('h2', 'sf-short-title', it.title));
      var a = el('a', 'sf-short-author', '@' + it.author);
      a.setAttribute('href', it.url);
      s.appendChild(a);
      labels(s, it);
      return s;
    }

    function render() {
      var keep = {};
      for (var i = Math.max(0, cur - 1); i <= Math.min(items.length - 1, cur + 1); i++) {
        var it = items[i];
        keep[it.id] = true;
        var s = nodes[it.id];
        if (!s) { s = section(it); nodes[it.id] = s; root.appendChild(s); }
        s.setAttribute('data-pos', String(i - cur));
      }
      Object.keys(nodes).forEach(function (id) {
        if (!keep[id]) { nodes[id].remove(); delete nodes[id]; }
      });
    }

    function fetchMore() {
      if (loading) return;
      loading = true;
      page(visit, pageN + 1).then(function (data) {
        items = items.concat(data.items || []);
        pageN = data.page;
        loading = false;
        if (pending > 0) { pending = 0; next(); } else { render(); }
      }).catch(function (e) { console.error(e); loading = false; });
    }

    function next() {
      if (cur + 1 >= items.length) { pending++; fetchMore(); return; }
      cur++;
      render();
      if (items.length - cur <= 3) fetchMore();
    }

    function prev() { if (cur > 0) { cur--; render(); } }

    document.addEventListener('keydown', function (ev) {
      if (ev.key === 'ArrowDown' || ev.key === 'PageDown' || ev.key === 'j') { ev.preventDefault(); next(); }
      if (ev.key === 'ArrowUp' || ev.key === 'PageUp' || ev.key === 'k') { ev.preventDefault(); prev(); }
    });
    var wheelAt = 0;
    root.addEventListener('wheel', function (ev) {
      ev.preventDefault();
      var now = Date.now();
      if (now - wheelAt < 400) return;
      wheelAt = now;
      if (ev.deltaY > 0) next(); else if (ev.deltaY < 0) prev();
    }, { passive: false });
    var touchY = null;
    root.addEventListener('touchstart', function (ev) { touchY = ev.touches[0].clientY; }, { passive: true });
    root.addEventListener('touchend', function (ev) {
      if (touchY === null) return;
      var dy = touchY - ev.changedTouches[0].clientY;
      touchY = null;
      if (dy > 40) next(); else if (dy < -40) prev();
    });
    render();
  }

  function initHot(list) {
    var state = JSON.parse(document.getElementById('sf-hot-state').textContent);
    ((state.data && state.data.realtime) || []).forEach(function (e) {
      var li = el('li', 'sf-hot-row');
      li.setAttribute('data-rank', String(e.rank));
      li.appendChild(el('span', 'sf-hot-rank', String(e.rank)));
      var a = el('a', 'sf-hot-word', e.word);
      a.setAttribute('href', e.url);
      li.appendChild(a);
      li.appendChild(el('span', 'sf-hot-heat', String(e.heat)));
      if (e.is_ad) li.appendChild(el('span', 'sf-hot-ad', '广告'));
      list.appendChild(li);
    });
  }

  // The first-screen grid is fetched after load, as many single-page
  // applications do.
  function initGrid(grid) {
    page(grid.getAttribute('data-visit'), 1).then(function (data) {
      (data.items || []).forEach(function (it) {
        var t = el('div', 'sf-tile');
        t.setAttribute('data-id', it.id);
        t.setAttribute('data-topic', it.topic);
        t.setAttribute('data-author', it.author);
        var meta = { ad: false, aigc: false };
        (it.labels || []).forEach(function (l) {
          if (l.kind === 'sponsored') meta.ad = true;
          if (l.kind === 'synthetic') meta.aigc = true;
        });
        if (it.price_attr) { meta.price = it.price_attr; meta.price_text = it.price_text; }
        t.setAttribute('data-meta', JSON.stringify(meta));
        var a = el('a', 'sf-tile-link');
        a.setAttribute('href', it.url);
        a.appendChild(el('div', 'sf-tile-cover'));
        a.appendChild(el('h3', 'sf-tile-title', it.title));
        t.appendChild(a);
        grid.appendChild(t);
      });
      grid.removeAttribute('aria-busy');
    }).catch(function (e) { console.error(e); });
  }

  function initBoxed(feed) {
    sf.detail(feed);
    var box = document.getElementById('sf-box');
    var sentinel = document.getElementById('sf-box-sentinel');
    var more = pager(feed);
    function near() {
      return sentinel.getBoundingClientRect().top < box.getBoundingClientRect().bottom + 200;
    }
    new IntersectionObserver(function (entries) {
      if (entries.some(function (e) { return e.isIntersecting; })) more(function () { if (near()) more(); });
    }, { root: box, rootMargin: '200px' }).observe(sentinel);
  }

  function initMore(feed) {
    sf.detail(feed);
    var more = pager(feed);
    var button = document.getElementById('sf-more');
    button.addEventListener('click', function () {
      button.disabled = true;
      more(function () { button.disabled = false; });
    });
    var consent = document.getElementById('sf-consent');
    if (!consent) return;
    function answer(v) {
      document.cookie = 'sf_consent=' + v + '; path=/; max-age=31536000; SameSite=Lax';
      consent.remove();
    }
    document.getElementById('sf-consent-accept').addEventListener('click', function () { answer('all'); });
    document.getElementById('sf-consent-reject').addEventListener('click', function () { answer('none'); });
  }

  var n;
  if ((n = document.getElementById('sf-shorts'))) initShorts(n);
  else if ((n = document.getElementById('sf-hot'))) initHot(n);
  else if ((n = document.getElementById('sf-grid'))) initGrid(n);
  else if ((n = document.getElementById('sf-boxed-feed'))) initBoxed(n);
  else if ((n = document.getElementById('sf-more-feed'))) initMore(n);
})();
