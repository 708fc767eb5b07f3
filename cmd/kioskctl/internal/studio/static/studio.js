// Kiosk Studio's only script: it refreshes the parts of a page marked
// data-refresh (the fleet table, the rollout) from the server every
// data-every seconds, and hides screenshots a site has not sent.
(function () {
  'use strict';

  function hideMissing(root) {
    root.querySelectorAll('img.screenshot').forEach(function (img) {
      img.addEventListener('error', function () { img.classList.add('missing'); });
      if (img.complete && img.naturalWidth === 0 && img.getAttribute('loading') !== 'lazy') {
        img.classList.add('missing');
      }
    });
  }

  function refresh(el) {
    var url = el.getAttribute('data-refresh');
    var every = Math.max(2, parseInt(el.getAttribute('data-every') || '10', 10)) * 1000;
    var busy = false;
    window.setInterval(function () {
      if (busy || document.hidden) { return; }
      busy = true;
      fetch(url, { credentials: 'same-origin', cache: 'no-store' })
        .then(function (r) {
          if (!r.ok) { throw new Error('HTTP ' + r.status); }
          return r.text();
        })
        .then(function (html) {
          el.innerHTML = html;
          el.classList.remove('stale');
          hideMissing(el);
        })
        .catch(function () { el.classList.add('stale'); })
        .finally(function () { busy = false; });
    }, every);
  }

  document.addEventListener('DOMContentLoaded', function () {
    document.querySelectorAll('[data-refresh]').forEach(refresh);
    hideMissing(document);
    // A passphrase typed is never kept in the page, not even when the
    // browser brings the page back from its history.
    window.addEventListener('pageshow', function () {
      document.querySelectorAll('input[type=password]').forEach(function (i) { i.value = ''; });
    });
  });
})();
