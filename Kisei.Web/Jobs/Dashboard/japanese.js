// Kisei: Hangfire's dashboard in Japanese on a Japanese page (Hangfire ships no Japanese). Hangfire renders its
// text from English resources and its times with moment.js, whose bundle has no Japanese locale; this script runs
// before Hangfire starts its page (on DOM ready), so it gives moment a Japanese locale that Hangfire then picks
// from <html lang>, and puts Hangfire's English into Japanese, again whenever Hangfire changes the page (its
// "More details..." toggle, its buttons' loading text). Exception types, messages and stack traces stay as the
// job threw them, marked as English.
(function () {
    if (document.documentElement.lang !== 'ja') {
        return;
    }

    if (window.moment && moment.locales().indexOf('ja') < 0) {
        moment.defineLocale('ja', {
            months: '1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月'.split('_'),
            monthsShort: '1月_2月_3月_4月_5月_6月_7月_8月_9月_10月_11月_12月'.split('_'),
            weekdays: '日曜日_月曜日_火曜日_水曜日_木曜日_金曜日_土曜日'.split('_'),
            weekdaysShort: '日_月_火_水_木_金_土'.split('_'),
            weekdaysMin: '日_月_火_水_木_金_土'.split('_'),
            longDateFormat: {
                LT: 'HH:mm',
                LTS: 'HH:mm:ss',
                L: 'YYYY/MM/DD',
                LL: 'YYYY年M月D日',
                LLL: 'YYYY年M月D日 HH:mm',
                LLLL: 'YYYY年M月D日 dddd HH:mm',
                l: 'YYYY/MM/DD',
                ll: 'YYYY年M月D日',
                lll: 'YYYY年M月D日 HH:mm',
                llll: 'YYYY年M月D日(ddd) HH:mm'
            },
            meridiemParse: /午前|午後/,
            isPM: function (input) { return input === '午後'; },
            meridiem: function (hour) { return hour < 12 ? '午前' : '午後'; },
            calendar: {
                sameDay: '[今日] LT',
                nextDay: '[明日] LT',
                nextWeek: 'dddd LT',
                lastDay: '[昨日] LT',
                lastWeek: '[先週]dddd LT',
                sameElse: 'L'
            },
            relativeTime: {
                future: '%s後',
                past: '%s前',
                s: '数秒',
                ss: '%d秒',
                m: '1分',
                mm: '%d分',
                h: '1時間',
                hh: '%d時間',
                d: '1日',
                dd: '%d日',
                w: '1週間',
                ww: '%d週間',
                M: '1か月',
                MM: '%dか月',
                y: '1年',
                yy: '%d年'
            },
            ordinal: '%d日',
            week: { dow: 0, doy: 6 }
        });
    }

    var words = {
        'Jobs': 'ジョブ',
        'Retries': '再試行',
        'Recurring Jobs': '定期ジョブ',
        'Servers': 'サーバー',
        'Back to site': 'サイトに戻る',
        'Overview': '概要',
        'Realtime Graph': 'リアルタイムのグラフ',
        'History Graph': '履歴のグラフ',
        'Day': '日',
        'Week': '週',
        'Enqueued': '投入済み',
        'Scheduled': '予定',
        'Processing': '実行中',
        'Succeeded': '成功',
        'Failed': '失敗',
        'Deleted': '削除済み',
        'Awaiting': '継続待ち',
        'Enqueued Jobs': '投入済みのジョブ',
        'Scheduled Jobs': '予定されたジョブ',
        'Processing Jobs': '実行中のジョブ',
        'Succeeded Jobs': '成功したジョブ',
        'Failed Jobs': '失敗したジョブ',
        'Deleted Jobs': '削除されたジョブ',
        'Awaiting Jobs': '継続待ちのジョブ',
        'Fetched Jobs': '取り出し済みのジョブ',
        'Queues': 'キュー',
        'Queue': 'キュー',
        'Length': '件数',
        'Next jobs': '次のジョブ',
        'Id': 'ID',
        'Job': 'ジョブ',
        'State': '状態',
        'Next State': '次の状態',
        'Created': '作成',
        'Started': '開始',
        'Since': '開始',
        'Fetched': '取り出し',
        'Enqueue': '投入予定',
        'Enqueue at': '投入予定',
        'Parent': '親ジョブ',
        'Options': 'オプション',
        'Condition': '条件',
        'Continuations': '継続ジョブ',
        'Parameters': 'パラメーター',
        'Reason': '理由',
        'Exception': '例外',
        'Result': '結果',
        'Server': 'サーバー',
        'Worker': 'ワーカー',
        'Workers': 'ワーカー',
        'Name': '名前',
        'Heartbeat': 'ハートビート',
        'Active': '稼働中',
        'Possibly aborted': '中断したかもしれません',
        'Duration': '所要時間',
        'Latency': '待ち時間',
        'Total Duration': '合計時間',
        'Cron': 'cron 式',
        'Time zone': 'タイムゾーン',
        'Last execution': '前回の実行',
        'Next execution': '次回の実行',
        'Canceled': '取り消し',
        'Disabled': '無効',
        'Error': 'エラー',
        'Unknown': '不明',
        'No state': '状態なし',
        'N/A': 'なし',
        'Retry': '再試行',
        'Delete': '削除',
        'Delete selected': '選んだジョブを削除',
        'Deleting...': '削除しています…',
        'Requeue': '再投入',
        'Requeue jobs': 'ジョブを再投入',
        'Enqueue jobs': 'ジョブを投入',
        'Enqueue now': '今すぐ投入',
        'Enqueueing...': '投入しています…',
        'Trigger now': '今すぐ実行',
        'Triggering...': '実行しています…',
        'More details...': '詳しく見る',
        'Fewer details...': '詳細を閉じる',
        'Prev': '前へ',
        'Next': '次へ',
        'Items per page': '1 ページの件数',
        'Application Time': 'アプリの時刻',
        'Storage Time': 'ストレージの時刻',
        'Application time is out of sync with storage time': 'アプリの時刻がストレージの時刻とずれています',
        'Active Connections': '使用中の接続',
        'Total Connections': '接続の合計',
        'Enqueued / Queues': '投入済み / キュー',
        'Schema Version': 'スキーマのバージョン',
        'Job expired.': 'ジョブは期限切れです。',
        "Job's state has been changed while fetching data.": '読み込みの間にジョブの状態が変わりました。',
        'Do you really want to DELETE ALL selected jobs?': '選んだジョブをすべて削除しますか？',
        'Do you really want to delete this job?': 'このジョブを削除しますか？',
        'Looks like the job was aborted': 'ジョブは中断されたようです',
        'Aborted servers will be removed automatically': '中断したサーバーは自動で一覧から消えます',
        'Cron expression is invalid or doesn\'t have any occurrences over the next 100 years': 'cron 式が正しくないか、この先 100 年に一度も当たりません',
        'No jobs found in awaiting state.': '継続待ちのジョブはありません。',
        'No deleted jobs found.': '削除されたジョブはありません。',
        'The queue is empty.': 'キューは空です。',
        'You have no failed jobs at the moment.': 'いま失敗したジョブはありません。',
        'No jobs are being processed right now.': 'いま実行中のジョブはありません。',
        'No jobs queued.': 'キューにジョブはありません。',
        'No queued jobs found. Try to enqueue a job.': '投入済みのジョブはありません。',
        'No recurring jobs found.': '定期ジョブはありません。',
        'All is OK – you have no retries.': '再試行を待つジョブはありません。',
        'There are no scheduled jobs.': '予定されたジョブはありません。',
        'There are no active servers. Background tasks will not be processed.': '稼働中のサーバーがありません。ジョブは実行されません。',
        'No succeeded jobs found.': '成功したジョブはありません。',
        'An exception occurred during performance of the job.': 'ジョブの実行中に例外が発生しました。',
        'Exceeded the maximum number of retry attempts.': '再試行の回数が上限に達しました。',
        'Triggered by recurring job scheduler': '定期ジョブのスケジューラーが投入',
        'Triggered using recurring job manager': '定期ジョブの管理から投入',
        'Triggered by DelayedJobScheduler': '予定の時刻に投入',
        'Continuation condition was not met': '継続の条件を満たしませんでした'
    };

    // Text that carries a number or a name.
    var patterns = [
        [/^Total items: (\d+)$/, '合計 $1 件'],
        [/^Generated: ([\d.,]+)ms$/, '生成時間 $1 ms'],
        [/^(\d+) failed job\(s\) found\. Retry or delete them manually\.$/, '失敗したジョブが $1 件あります。再試行するか削除してください。'],
        [/^Background job '(.*)' has expired or could not be found on the server\.$/, 'ジョブ $1 は期限切れか、見つかりません。']
    ];

    // Hangfire's warnings in several text nodes, known by their <strong> lead; {0} is the warning's first element
    // other than the lead (the attribute's name, the time of removal).
    var warnings = {
        'Failed jobs do not become expired': ['失敗したジョブは期限切れになりません。', '急がずに再投入できます。手動で再投入か削除をするか、{0} 属性を付けると自動で削除されます。'],
        'The job is finished': ['ジョブは完了しました。', '{0}に自動で削除されます。']
    };

    var retry = /^Retry attempt (\d+) of (\d+): ([\s\S]*)$/;

    function translateText(text) {
        var trimmed = text.replace(/\s+/g, ' ').trim();
        if (!trimmed) {
            return null;
        }
        if (Object.prototype.hasOwnProperty.call(words, trimmed)) {
            return words[trimmed];
        }
        var colon = /^(.*?)\s*:$/.exec(trimmed);
        if (colon && Object.prototype.hasOwnProperty.call(words, colon[1])) {
            return words[colon[1]] + '：';
        }
        for (var i = 0; i < patterns.length; i++) {
            if (patterns[i][0].test(trimmed)) {
                return trimmed.replace(patterns[i][0], patterns[i][1]);
            }
        }
        return null;
    }

    function markThrown(root) {
        var thrown = root.querySelectorAll('.exception-type, .stack-trace, .exception-type + p, .failed-job-details h4, .failed-job-details .text-muted');
        for (var i = 0; i < thrown.length; i++) {
            thrown[i].setAttribute('lang', 'en');
        }
    }

    function translateWarning(strong) {
        var warning = warnings[strong.textContent.replace(/\s+/g, ' ').trim()];
        if (!warning) {
            return;
        }
        var box = strong.parentNode;
        var element = null;
        for (var child = box.firstElementChild; child; child = child.nextElementSibling) {
            if (child !== strong) {
                element = child;
                break;
            }
        }
        var parts = warning[1].split('{0}');
        var lead = document.createElement('strong');
        lead.textContent = warning[0];
        while (box.firstChild) {
            box.removeChild(box.firstChild);
        }
        box.appendChild(lead);
        box.appendChild(document.createTextNode(parts[0]));
        if (element && parts.length > 1) {
            box.appendChild(element);
            box.appendChild(document.createTextNode(parts[1]));
        }
    }

    function translateNode(node) {
        var parent = node.parentElement;
        if (!parent || parent.closest('script, style, code, pre, [lang="en"]')) {
            return;
        }
        var attempt = retry.exec(node.nodeValue.trim());
        if (attempt) {
            var message = document.createElement('span');
            message.setAttribute('lang', 'en');
            message.textContent = attempt[3];
            parent.insertBefore(document.createTextNode('再試行 ' + attempt[1] + '/' + attempt[2] + ' 回目：'), node);
            parent.replaceChild(message, node);
            return;
        }
        var translated = translateText(node.nodeValue);
        if (translated !== null) {
            node.nodeValue = node.nodeValue.replace(/\S[\s\S]*\S|\S/, translated);
        }
    }

    var attributes = ['title', 'data-original-title', 'data-confirm', 'data-loading-text', 'data-succeeded-string', 'data-failed-string', 'data-deleted-string', 'aria-label'];

    function translateElement(element) {
        for (var i = 0; i < attributes.length; i++) {
            var value = element.getAttribute(attributes[i]);
            var translated = value && translateText(value);
            if (translated) {
                element.setAttribute(attributes[i], translated);
            }
        }
    }

    function translate(root) {
        if (root.nodeType === Node.TEXT_NODE) {
            translateNode(root);
            return;
        }
        if (root.nodeType !== Node.ELEMENT_NODE) {
            return;
        }
        markThrown(root);
        var strongs = root.querySelectorAll('.alert strong');
        for (var s = 0; s < strongs.length; s++) {
            translateWarning(strongs[s]);
        }
        translateElement(root);
        var elements = root.querySelectorAll('*');
        for (var e = 0; e < elements.length; e++) {
            translateElement(elements[e]);
        }
        var walker = document.createTreeWalker(root, NodeFilter.SHOW_TEXT);
        var nodes = [];
        for (var n = walker.nextNode(); n; n = walker.nextNode()) {
            nodes.push(n);
        }
        for (var t = 0; t < nodes.length; t++) {
            translateNode(nodes[t]);
        }
    }

    translate(document.body);
    new MutationObserver(function (mutations) {
        mutations.forEach(function (mutation) {
            if (mutation.type === 'characterData') {
                translateNode(mutation.target);
            } else if (mutation.type === 'attributes') {
                translateElement(mutation.target);
            } else {
                mutation.addedNodes.forEach(translate);
            }
        });
    }).observe(document.body, { childList: true, subtree: true, characterData: true, attributes: true, attributeFilter: attributes });
})();
