// simfeed's shared page code, loaded before app.js and layouts.js: the
// item card (the simfeed adapter's DOM contract, the same markup as the
// server-rendered template), the device id, the API calls, and the item
// dialog (open, like, not interested, dwell). It builds DOM only with
// textContent and setAttribute: item data is never parsed as HTML.
(function () {
  'use strict';

  var DEVICE_KEY = 'sf_device';
  var DEVICE_RE = /^[A-Za-z0-9_-]{1,64}$/;

  function randomHex(bytes) {
    var a = new Uint8Array(bytes);
    if (window.crypto && window.crypto.getRandomValues) {
      window.crypto.getRandomValues(a);
    } else {
      for (var i = 0; i < a.length; i++) a[i] = Math.floor(Math.random() * 256);
    }
    var s = '';
    for (var j = 0; j < a.length; j++) s += (a[j] < 16 ? '0' : '') + a[j].toString(16);
    return s;
  }

  // deviceID is the id this browser keeps in local storage (a new one when
  // there is none or it is malformed).
  function deviceID() {
    var id = null;
    try { id = window.localStorage.getItem(DEVICE_KEY); } catch (e) { /* storage disabled */ }
    if (!id || !DEVICE_RE.test(id)) {
      id = 'd-' + randomHex(12);
      try { window.localStorage.setItem(DEVICE_KEY, id); } catch (e) { /* storage disabled */ }
    }
    return id;
  }

  var device = deviceID();

  function el(tag, cls, text) {
    var n = document.createElement(tag);
    if (cls) n.setAttribute('class', cls);
    if (text !== undefined && text !== null) n.textContent = text;
    return n;
  }

  function labels(node, it) {
    (it.labels || []).forEach(function (l) { node.appendChild(el('span', 'fp-label fp-' + l.kind, l.text)); });
  }

  // card builds the same markup as the server-rendered template.
  function card(it) {
    var art = el('article', 'fp-item');
    art.setAttribute('data-item-id', it.id);
    art.setAttribute('lang', it.lang);
    var a = el('a', 'fp-link');
    a.setAttribute('href', it.url);
    a.appendChild(el('h2', 'fp-title', it.title));
    art.appendChild(a);
    var meta = el('div', 'fp-meta');
    meta.appendChild(el('span', 'fp-author', it.author));
    meta.appendChild(document.createTextNode(' · '));
    meta.appendChild(el('span', 'fp-topic', it.topic));
    art.appendChild(meta);
    labels(art, it);
    if (it.price_attr) {
      var p = el('span', 'fp-price', it.price_text);
      p.setAttribute('data-price', it.price_attr);
      art.appendChild(p);
    }
    return art;
  }

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

  // detail makes a click on an item's link inside container open the item
  // in the page's #fp-detail dialog (like, not interested, close), and
  // reports the dwell when it closes. A page without the dialog keeps its
  // links as they are.
  function detail(container) {
    var dialog = document.getElementById('fp-detail');
    if (!dialog) return;
    var dTitle = dialog.querySelector('.fp-detail-title');
    var dMeta = dialog.querySelector('.fp-detail-meta');
    var dBody = dialog.querySelector('.fp-detail-body');
    var dLike = dialog.querySelector('.fp-like');
    var dNot = dialog.querySelector('.fp-not-interested');
    var dFollow = dialog.querySelector('.fp-follow');
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
        if (dFollow) dFollow.classList.toggle('fp-followed', !!d.followed);
        dialog.setAttribute('data-item-id', d.id);
        openID = d.id;
        openedAt = performance.now();
        if (dialog.showModal) dialog.showModal(); else dialog.setAttribute('open', '');
      }).catch(function (e) { console.error(e); });
    }

    container.addEventListener('click', function (ev) {
      var a = ev.target.closest('a.fp-link');
      if (!a || !container.contains(a)) return;
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
    if (dFollow) dFollow.addEventListener('click', function () {
      if (!openID) return;
      api('/api/follow', { method: 'POST', headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ item: openID }) })
        .then(function () { dFollow.classList.add('fp-followed'); })
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

  window.simfeed = { device: device, el: el, labels: labels, card: card, api: api, sendDwell: sendDwell, like: like, detail: detail };
})();
