// Kisei: every absolute time on Hangfire's dashboard in the billing time zone (Billing:TimeZone), with the zone
// named, in the page's language, as on Kisei's own pages. Hangfire formats its times with moment.js in the
// browser's zone from three attributes, once on DOM ready and again every 30 s: data-moment (a relative time, the
// absolute one in its title), data-moment-title (the absolute time in its title) and data-moment-local (the
// absolute time as its text). This script asks the server for the zone, then writes those titles and texts with
// the browser's Intl.DateTimeFormat, and again whenever Hangfire or Bootstrap's tooltip (which moves a title into
// data-original-title) writes them. The graphs (Chart.js, whose axis and tooltip times moment.js formats) get the
// zone's wall clock and the zone's name under their time axis. Relative times ("3 分前") do not depend on the zone
// and stay as they are.
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

        // The instant's wall clock in the zone, as a UTC moment that formats like one of Hangfire's own.
        var wall = new Intl.DateTimeFormat('en-US', {
            timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric'
        });
        function onZoneClock(time) {
            var parts = {};
            wall.formatToParts(new Date(time)).forEach(function (part) {
                parts[part.type] = Number(part.value);
            });
            return moment.utc(Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour % 24, parts.minute, parts.second, Number(time) % 1000));
        }

        if (window.Chart && window.moment && Chart._adapters && Chart._adapters._date) {
            Chart._adapters._date.override({
                format: function (time, pattern) {
                    return onZoneClock(time).format(pattern);
                }
            });
            var nameZone = function (chart) {
                var axes = chart.options.scales && chart.options.scales.xAxes;
                if (axes && axes.length) {
                    axes[0].scaleLabel = { display: true, labelString: zone };
                }
            };
            Chart.plugins.register({ beforeInit: nameZone });
            Chart.helpers.each(Chart.instances, function (chart) {
                nameZone(chart);
                chart.update();
            });
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
