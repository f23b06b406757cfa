// Kisei: names that Hangfire's controls lack, in the page's language, for a screen reader: the narrow screen's
// menu button (three bars), the breadcrumb's link home (an icon) and the job lists' checkboxes (select all,
// select one job).
(function () {
    var ja = document.documentElement.lang === 'ja';
    function name(element, text) {
        if (!element.getAttribute('aria-label') && !element.textContent.trim()) {
            element.setAttribute('aria-label', text);
        }
    }

    document.querySelectorAll('button.navbar-toggle').forEach(function (button) {
        name(button, ja ? 'メニュー' : 'Menu');
    });
    document.querySelectorAll('.breadcrumb a').forEach(function (link) {
        name(link, ja ? '概要' : 'Overview');
    });
    document.querySelectorAll('input.js-jobs-list-select-all').forEach(function (box) {
        name(box, ja ? 'すべてのジョブを選ぶ' : 'Select all jobs');
    });
    document.querySelectorAll('input.js-jobs-list-checkbox').forEach(function (box) {
        name(box, ja ? 'ジョブ ' + box.value + ' を選ぶ' : 'Select job ' + box.value);
    });
})();
