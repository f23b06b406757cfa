// Kisei: the narrow screen's menu button in Hangfire's navbar shows only three bars; give it a name that a
// screen reader can say, in the page's language.
(function () {
    var name = document.documentElement.lang === 'ja' ? 'メニュー' : 'Menu';
    document.querySelectorAll('button.navbar-toggle').forEach(function (button) {
        if (!button.getAttribute('aria-label') && !button.textContent.trim()) {
            button.setAttribute('aria-label', name);
        }
    });
})();
