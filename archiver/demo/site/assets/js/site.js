/* The Meridian Post – site behaviour (trimmed for the demo site) */
(function () {
  'use strict';
  var toggle = document.querySelector('.menu-toggle');
  if (toggle) { toggle.addEventListener('click', function () { document.body.classList.toggle('menu-open'); }); }
  var accept = document.getElementById('cn-accept-cookie');
  if (accept) { accept.addEventListener('click', function (e) { e.preventDefault(); document.cookie = 'cookie_notice_accepted=true; path=/; max-age=31536000'; document.getElementById('cookie-notice').style.display = 'none'; }); }
  document.querySelectorAll('img[data-src]').forEach(function (img) {
    img.src = img.getAttribute('data-src');
    if (img.getAttribute('data-srcset')) { img.srcset = img.getAttribute('data-srcset'); }
  });
}());
