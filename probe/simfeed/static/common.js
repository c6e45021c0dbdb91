// simfeed's shared page code, loaded before app.js and layouts.js: the
// item card (the simfeed adapter's DOM contract, the same markup as the
// server-rendered template) and the device id. It builds DOM only with
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

  window.simfeed = { deviceID: deviceID, el: el, labels: labels, card: card };
})();
