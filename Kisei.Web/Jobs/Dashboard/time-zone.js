// Kisei: every absolute time on Hangfire's dashboard in the billing time zone (Billing:TimeZone), with the zone
// named, in the page's language, as on Kisei's own pages. Hangfire formats its times with moment.js in the
// browser's zone from three attributes, once on DOM ready and again every 30 s: data-moment (a relative time, the
// absolute one in its title), data-moment-title (the absolute time in its title) and data-moment-local (the
// absolute time as its text). This script asks the server for the zone, then writes those titles and texts with
// the browser's Intl.DateTimeFormat, and again whenever Hangfire or Bootstrap's tooltip (which moves a title into
// data-original-title) writes them. Relative times ("3 分前") do not depend on the zone and stay as they are.
(function () {
    var config = document.getElementById('hangfireConfig');
    var pollUrl = config && config.getAttribute('data-pollurl');
    if (!pollUrl) {
        return;
    }
    var language = document.documentElement.lang || undefined;
    var selector = '[data-moment], [data-moment-title], [data-moment-local]';
    var titles = ['title', 'data-original-title'];

    function start(zone) {
        var format = new Intl.DateTimeFormat(language, { dateStyle: 'medium', timeStyle: 'medium', hourCycle: 'h23', timeZone: zone });
        function shown(seconds) {
            var time = format.format(new Date(seconds * 1000));
            return language === 'ja' ? time + '（' + zone + '）' : time + ' (' + zone + ')';
        }

        function rewrite(element) {
            var seconds = Number(element.getAttribute('data-moment') || element.getAttribute('data-moment-title'));
            if (seconds) {
                for (var i = 0; i < titles.length; i++) {
                    var title = element.getAttribute(titles[i]);
                    if (title && title !== shown(seconds)) {
                        element.setAttribute(titles[i], shown(seconds));
                    }
                }
            }
            seconds = Number(element.getAttribute('data-moment-local'));
            if (seconds && element.textContent !== shown(seconds)) {
                element.textContent = shown(seconds);
            }
        }

        function rewriteWithin(node) {
            var element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
            if (!element) {
                return;
            }
            var own = element.closest(selector);
            if (own) {
                rewrite(own);
            }
            element.querySelectorAll(selector).forEach(rewrite);
        }

        rewriteWithin(document.body);
        new MutationObserver(function (mutations) {
            mutations.forEach(function (mutation) {
                rewriteWithin(mutation.target);
            });
        }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: titles });
    }

    fetch(pollUrl.replace(/\/stats$/, '/kisei/time-zone'), { credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (answer) {
            if (answer && answer.zone) {
                start(answer.zone);
            }
        });
})();
