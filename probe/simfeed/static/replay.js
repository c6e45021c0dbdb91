// simfeed replay pages: fetch pages in a real platform's response shape
// (window.__rp says which) and draw one card per item. DOM is built only
// with textContent and setAttribute: item data is never parsed as HTML.
(function () {
  'use strict';
  var rp = window.__rp;
  var feed = document.getElementById('rp-feed');
  var sentinel = document.getElementById('rp-sentinel');
  var page = 0, loading = false;

  function text(runs) { return runs && runs.runs && runs.runs[0] ? runs.runs[0].text : ''; }

  // Each platform's list of cards: {id, title, author, ad, ai}.
  var read = {
    douyin: function (d) { return (d.aweme_list || []).map(function (a) {
      return {id: a.aweme_id, title: a.desc, author: a.author && a.author.nickname, ad: a.is_ads, ai: a.aigc_info && a.aigc_info.created_by_ai}; }); },
    tiktok: function (d) { return (d.itemList || []).map(function (a) {
      return {id: a.id, title: a.desc, author: a.author && a.author.uniqueId, ad: a.isAd, ai: !!a.AIGCDescription}; }); },
    xiaohongshu: function (d) { return ((d.data && d.data.items) || []).map(function (a) { var c = a.note_card || {};
      return {id: a.id, title: c.display_title, author: c.user && c.user.nickname, ad: a.model_type === 'ads', ai: !!c.ai_label}; }); },
    bilibili: function (d) { return ((d.data && d.data.item) || []).map(function (a) {
      return {id: a.bvid, title: a.title, author: a.owner && a.owner.name, ad: a.goto === 'ad', ai: a.is_aigc === 1}; }); },
    youtube: function (d) {
      var acts = d.onResponseReceivedActions || [];
      var list = acts.length ? acts[0].appendContinuationItemsAction.continuationItems : [];
      return list.map(function (e) { var c = e.richItemRenderer.content;
        if (c.adSlotRenderer) return {id: c.adSlotRenderer.adSlotMetadata.slotId, ad: true};
        var v = c.videoRenderer;
        return {id: v.videoId, title: text(v.title), author: text(v.ownerText), ai: !!(v.badges && v.badges.length)}; }); },
    'youtube-shorts': function (d) { return (d.entries || []).map(function (e) { var ep = e.command.reelWatchEndpoint;
      return {id: ep.videoId, ad: !!ep.adClientParams}; }); },
    weibo: function (d) { var list = (d.data && (d.data.realtime || d.data.band_list)) || [];
      return list.map(function (a) { return {id: a.word, title: a.note, ad: a.is_ad === 1}; }); }
  };

  function card(it) {
    var el = document.createElement('div');
    el.className = 'rp-card';
    el.setAttribute('data-rp-id', it.id);
    var h = document.createElement('h3'); h.className = 'rp-title'; h.textContent = it.title || ''; el.appendChild(h);
    var a = document.createElement('span'); a.className = 'rp-author'; a.textContent = it.author || ''; el.appendChild(a);
    if (it.ad) { var s = document.createElement('span'); s.className = 'rp-ad'; s.textContent = 'Sponsored'; el.appendChild(s); }
    if (it.ai) { var g = document.createElement('span'); g.className = 'rp-ai'; g.textContent = 'AI-generated'; el.appendChild(g); }
    return el;
  }

  function draw(data) {
    var frag = document.createDocumentFragment();
    read[rp.name](data).forEach(function (it) { frag.appendChild(card(it)); });
    feed.appendChild(frag);
  }

  function request(n) {
    var path = rp.path, opts = {method: rp.method, headers: {}};
    if (rp.name === 'weibo' && n === 2) path = '/ajax/statuses/hot_band';
    if (rp.method === 'POST') {
      opts.headers['Content-Type'] = 'application/json';
      opts.body = JSON.stringify({page: n, cursor_score: String(n - 1), continuation: String(n)});
    } else {
      path += '?page=' + n;
    }
    return fetch(path, opts).then(function (r) { return r.json(); });
  }

  function more() {
    if (loading || page >= rp.pages) return;
    loading = true;
    request(page + 1).then(function (d) { page++; draw(d); loading = false; check(); })
      .catch(function (e) { console.error(e); loading = false; });
  }

  function check() {
    if (sentinel.getBoundingClientRect().top < window.innerHeight + 200) more();
  }

  if (rp.name === 'youtube' && window.ytInitialData) {
    // The first page is in the document: draw it, then fetch the second.
    var grid = window.ytInitialData.contents.twoColumnBrowseResultsRenderer.tabs[0].tabRenderer.content.richGridRenderer;
    draw({onResponseReceivedActions: [{appendContinuationItemsAction: {continuationItems: grid.contents}}]});
    page = 1;
  }
  new IntersectionObserver(function (es) { if (es.some(function (e) { return e.isIntersecting; })) more(); },
    {rootMargin: '200px'}).observe(sentinel);
  if (page === 0) more();
})();
