// Kisei: the budget alarm's banner on every page of the Hangfire dashboard.
(function () {
    var config = document.getElementById('hangfireConfig');
    var pollUrl = config && config.getAttribute('data-pollurl');
    if (!pollUrl) {
        return;
    }
    var url = pollUrl.replace(/\/stats$/, '/kisei/budget');
    fetch(url, { credentials: 'same-origin' })
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (budget) {
            if (!budget || !budget.alarm) {
                return;
            }
            var banner = document.createElement('div');
            banner.className = 'alert alert-danger';
            banner.setAttribute('role', 'alert');
            banner.setAttribute('data-testid', 'budget-alarm');
            banner.textContent = budget.message;
            var container = document.querySelector('#wrap .container') || document.body;
            container.insertBefore(banner, container.firstChild);
        });
})();
