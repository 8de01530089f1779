
using namespace System.Management.Automation
using namespace System.Management.Automation.Language

Register-ArgumentCompleter -Native -CommandName 'crashkit' -ScriptBlock {
    param($wordToComplete, $commandAst, $cursorPosition)

    $commandElements = $commandAst.CommandElements
    $command = @(
        'crashkit'
        for ($i = 1; $i -lt $commandElements.Count; $i++) {
            $element = $commandElements[$i]
            if ($element -isnot [StringConstantExpressionAst] -or
                $element.StringConstantType -ne [StringConstantType]::BareWord -or
                $element.Value.StartsWith('-') -or
                $element.Value -eq $wordToComplete) {
                break
        }
        $element.Value
    }) -join ';'

    $completions = @(switch ($command) {
        'crashkit' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('collect-serve', 'collect-serve', [CompletionResultType]::ParameterValue, 'Run the crash collector: an HTTP server crash reporters post to')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole pipeline here, in seconds: collect, process, index, query')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, check and document the configuration')
            [CompletionResult]::new('index', 'index', [CompletionResultType]::ParameterValue, 'Index processed crashes for Super Search')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Super Search: filter, facet and count crashes')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a self-hosted Crash Stats: Socorro''s API and web pages')
            [CompletionResult]::new('process', 'process', [CompletionResultType]::ParameterValue, 'Process minidumps: stackwalk with symbols, derive Socorro''s fields, sign')
            [CompletionResult]::new('reprocess', 'reprocess', [CompletionResultType]::ParameterValue, 'Send crashes back through processing')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Download crashes by id from a Crash Stats API, or from a storage')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy crash data between storages, verified and resumable')
            [CompletionResult]::new('bugs', 'bugs', [CompletionResultType]::ParameterValue, 'Bug associations beside the index: import from Bugzilla, add, remove, show')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Find the crashes of a day that processing or indexing missed')
            [CompletionResult]::new('alert', 'alert', [CompletionResultType]::ParameterValue, 'Tell webhooks about new and growing signatures ([[alert]] rules)')
            [CompletionResult]::new('signature', 'signature', [CompletionResultType]::ParameterValue, 'Generate Socorro crash signatures from crash data on stdin')
            [CompletionResult]::new('generate-crashes', 'generate-crashes', [CompletionResultType]::ParameterValue, 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks')
            [CompletionResult]::new('process-worker', 'process-worker', [CompletionResultType]::ParameterValue, 'Process crashes sent by a supervising `crashkit process` (internal)')
            [CompletionResult]::new('generate-assets', 'generate-assets', [CompletionResultType]::ParameterValue, 'Write shell completions, man pages and the configuration reference generated from this command-line definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;collect-serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on (collector.bind); port 0 picks a free port')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Where crashes are saved (storage.url): a directory, file:// or s3:// URL')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Publish accepted crashes to this queue (queue.url): a spool directory or redis://host:port/db')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'With --process: index each crash into this search index (index.url) after saving it and before acking it')
            [CompletionResult]::new('--symbols-path', '--symbols-path', [CompletionResultType]::ParameterName, 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)')
            [CompletionResult]::new('--symbols-url', '--symbols-url', [CompletionResultType]::ParameterName, 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)')
            [CompletionResult]::new('--symbols-cache', '--symbols-cache', [CompletionResultType]::ParameterName, 'Download cache for symbol servers (process.symbols_cache_dir)')
            [CompletionResult]::new('--siglists', '--siglists', [CompletionResultType]::ParameterName, 'Signature lists directory in Socorro''s format (process.siglists); default: built-in lists')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Crashes processed in parallel (process.jobs); default: CPU cores')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Crashes processed in parallel (process.jobs); default: CPU cores')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--print-ids', '--print-ids', [CompletionResultType]::ParameterName, 'Also write each accepted crash id to stdout, one a line, once it is saved')
            [CompletionResult]::new('--process', '--process', [CompletionResultType]::ParameterName, 'Also process the crashes in this process: the single-node pipeline. Workers pull from the queue (default: a spool directory ./spool)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;demo' {
            [CompletionResult]::new('--dir', '--dir', [CompletionResultType]::ParameterName, 'Where the demo keeps its storage, queue and index (made if missing; a second run adds its crashes to what is there)')
            [CompletionResult]::new('--testdata', '--testdata', [CompletionResultType]::ParameterName, 'The testdata directory (minidumps/ and symbols/) [default: ./testdata, else the one of the source tree this binary was built in]')
            [CompletionResult]::new('--collector', '--collector', [CompletionResultType]::ParameterName, 'Smoke test: post one crash to this running collector (with --storage and --index) and check it comes out processed and indexed')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'With --collector: the installation''s storage')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'With --collector: the installation''s search index')
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'With --serve: the address to listen on [default: a free loopback port]')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--serve', '--serve', [CompletionResultType]::ParameterName, 'Then serve the demo''s data as `crashkit serve` (pages and API) until interrupted (Ctrl-C)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;config' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2')
            [CompletionResult]::new('docs', 'docs', [CompletionResultType]::ParameterValue, 'List every configuration key with its type, default, environment variable and meaning, as Markdown')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;config;show' {
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;config;check' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;config;docs' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;config;help' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2')
            [CompletionResult]::new('docs', 'docs', [CompletionResultType]::ParameterValue, 'List every configuration key with its type, default, environment variable and meaning, as Markdown')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;config;help;show' {
            break
        }
        'crashkit;config;help;check' {
            break
        }
        'crashkit;config;help;docs' {
            break
        }
        'crashkit;config;help;help' {
            break
        }
        'crashkit;index' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Read processed crashes from this storage (storage.url) instead of stdin')
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'With --storage: index the crashes of this day (the date in their ids)')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'With --storage: index the crashes of this day and every day since, up to today')
            [CompletionResult]::new('--prune-older-than', '--prune-older-than', [CompletionResultType]::ParameterName, 'Drop the weekly partitions older than this: 26w, 180d')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--rebuild', '--rebuild', [CompletionResultType]::ParameterName, 'Empty the index and record the current schema version before indexing (after a schema change)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;query' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'Ask a Crash Stats instance instead (https://crash-stats.example.org), with the token of CRASHSTATS_API_TOKEN')
            [CompletionResult]::new('--columns', '--columns', [CompletionResultType]::ParameterName, 'Fields to show for each crash (repeatable or comma-separated) [default: uuid, date, signature, product, version]')
            [CompletionResult]::new('--sort', '--sort', [CompletionResultType]::ParameterName, 'Sort by these fields, ''-'' for descending [default: -date]')
            [CompletionResult]::new('--limit', '--limit', [CompletionResultType]::ParameterName, 'Crashes to show: a number or `all` (paged under the hood)')
            [CompletionResult]::new('--offset', '--offset', [CompletionResultType]::ParameterName, 'Skip this many crashes first')
            [CompletionResult]::new('--facet', '--facet', [CompletionResultType]::ParameterName, 'Count crashes per value of a field (repeatable) [default: signature]')
            [CompletionResult]::new('--facets-size', '--facets-size', [CompletionResultType]::ParameterName, 'Values per facet (at most 10,000)')
            [CompletionResult]::new('--aggs', '--aggs', [CompletionResultType]::ParameterName, 'Nested facets: FIELD=SUB[,SUB…] (signature=product,platform), or FIELD.FIELD2=SUB for deeper nesting')
            [CompletionResult]::new('--histogram', '--histogram', [CompletionResultType]::ParameterName, 'A histogram of a date or number field, FIELD or FIELD=SUB[,SUB…] for facets within each bucket')
            [CompletionResult]::new('--interval', '--interval', [CompletionResultType]::ParameterName, 'The histograms'' interval: day, week, hour, 6h, 2d (dates) or a number')
            [CompletionResult]::new('--cardinality', '--cardinality', [CompletionResultType]::ParameterName, 'Count the distinct values of a field (repeatable)')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output format')
            [CompletionResult]::new('--product', '--product', [CompletionResultType]::ParameterName, 'With --topcrashers or --emerging: the product')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'With --topcrashers: the version (140.0b: every 140.0 beta)')
            [CompletionResult]::new('--days', '--days', [CompletionResultType]::ParameterName, 'With --topcrashers or --emerging: the length of the period in days')
            [CompletionResult]::new('--top', '--top', [CompletionResultType]::ParameterName, 'With --topcrashers: how many signatures')
            [CompletionResult]::new('--baseline-days', '--baseline-days', [CompletionResultType]::ParameterName, 'With --emerging: the days before the window that it is compared with')
            [CompletionResult]::new('--min-count', '--min-count', [CompletionResultType]::ParameterName, 'With --emerging: the fewest crashes in the window a flagged signature has')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--topcrashers', '--topcrashers', [CompletionResultType]::ParameterName, 'Rank the signatures of --product over --days, against the period before')
            [CompletionResult]::new('--emerging', '--emerging', [CompletionResultType]::ParameterName, 'The signatures of --product that are new or growing in the last --days against the --baseline-days before (see `crashkit alert`)')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            break
        }
        'crashkit;serve' {
            [CompletionResult]::new('--bind', '--bind', [CompletionResultType]::ParameterName, 'Address to listen on (serve.bind); port 0 picks a free port')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Where the crashes are (storage.url): a directory, file:// or s3:// URL')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The queue POST /api/Reprocessing/ publishes to (queue.url): a spool directory or redis://host:port/db. Without one, reprocessing is refused')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;process' {
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Process stored crashes from this storage (directory, file:// or s3:// URL) and save the results there')
            [CompletionResult]::new('--annotations', '--annotations', [CompletionResultType]::ParameterName, 'Annotations for a local minidump: a JSON object, as the raw crash')
            [CompletionResult]::new('--format', '--format', [CompletionResultType]::ParameterName, 'Output: a human report (text) or processed crashes as JSON Lines (json) [default: text]. Not with --queue, which writes one line per message')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Run as a long-running worker: pull crash ids from this queue (queue.url; a spool directory or redis://host:port/db), process, save, then ack. Needs --storage (or storage.url). SIGTERM finishes the batch in hand')
            [CompletionResult]::new('--metrics-addr', '--metrics-addr', [CompletionResultType]::ParameterName, 'With --queue: serve Prometheus metrics (messages by outcome, latency, queue backlog) on this address')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'With --queue: index each crash into this search index (index.url) after saving it and before acking it')
            [CompletionResult]::new('--ruleset', '--ruleset', [CompletionResultType]::ParameterName, 'What to do with stored crashes: process them fully, or only recompute the signature of their stored processed crash. [default: default]')
            [CompletionResult]::new('--symbols-path', '--symbols-path', [CompletionResultType]::ParameterName, 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)')
            [CompletionResult]::new('--symbols-url', '--symbols-url', [CompletionResultType]::ParameterName, 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)')
            [CompletionResult]::new('--symbols-cache', '--symbols-cache', [CompletionResultType]::ParameterName, 'Download cache for symbol servers (process.symbols_cache_dir)')
            [CompletionResult]::new('--siglists', '--siglists', [CompletionResultType]::ParameterName, 'Signature lists directory in Socorro''s format (process.siglists); default: built-in lists')
            [CompletionResult]::new('-j', '-j', [CompletionResultType]::ParameterName, 'Crashes processed in parallel (process.jobs); default: CPU cores')
            [CompletionResult]::new('--jobs', '--jobs', [CompletionResultType]::ParameterName, 'Crashes processed in parallel (process.jobs); default: CPU cores')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;reprocess' {
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'The queue to publish to (queue.url): a spool directory or redis://host:port/db')
            [CompletionResult]::new('--ruleset', '--ruleset', [CompletionResultType]::ParameterName, 'What the workers do with these crashes')
            [CompletionResult]::new('--rate', '--rate', [CompletionResultType]::ParameterName, 'At most this many ids per second (0: no limit)')
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'The day for --missing (YYYY-MM-DD, the date in the crash ids)')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Storage for --missing (storage.url)')
            [CompletionResult]::new('--api', '--api', [CompletionResultType]::ParameterName, 'Post to a Crash Stats instance instead (e.g. https://crash-stats.example.org), with the token from CRASHSTATS_API_TOKEN in the Auth-Token header')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--priority', '--priority', [CompletionResultType]::ParameterName, 'Publish to the priority queue instead of the reprocessing queue')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Print the ids that would be sent, send nothing')
            [CompletionResult]::new('--allow-many', '--allow-many', [CompletionResultType]::ParameterName, 'Allow more than 10,000 ids in one run')
            [CompletionResult]::new('--missing', '--missing', [CompletionResultType]::ParameterName, 'Find the crashes of --date that have a raw crash but no processed crash')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;fetch' {
            [CompletionResult]::new('--from', '--from', [CompletionResultType]::ParameterName, 'Where from: a Crash Stats (https://crash-stats.example.org, token from CRASHSTATS_API_TOKEN), or a storage (directory, s3:// URL)')
            [CompletionResult]::new('--to', '--to', [CompletionResultType]::ParameterName, 'Where to (storage.url): a directory, file:// or s3:// URL')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Crashes fetched at once')
            [CompletionResult]::new('--layout', '--layout', [CompletionResultType]::ParameterName, 'The layout to write')
            [CompletionResult]::new('--from-layout', '--from-layout', [CompletionResultType]::ParameterName, 'With a storage --from: its layout')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--raw', '--raw', [CompletionResultType]::ParameterName, 'Fetch the raw crashes (the default; as crashstats-tools'' fetch-data)')
            [CompletionResult]::new('--no-raw', '--no-raw', [CompletionResultType]::ParameterName, 'Skip the raw crashes (annotations)')
            [CompletionResult]::new('--dumps', '--dumps', [CompletionResultType]::ParameterName, 'Fetch the dumps (the default; they need a token with view_rawdump)')
            [CompletionResult]::new('--no-dumps', '--no-dumps', [CompletionResultType]::ParameterName, 'Skip the dumps')
            [CompletionResult]::new('--processed', '--processed', [CompletionResultType]::ParameterName, 'Also fetch the processed crashes')
            [CompletionResult]::new('--no-processed', '--no-processed', [CompletionResultType]::ParameterName, 'Skip the processed crashes (the default)')
            [CompletionResult]::new('--overwrite', '--overwrite', [CompletionResultType]::ParameterName, 'Fetch again what is already at the destination')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;migrate' {
            [CompletionResult]::new('--from-layout', '--from-layout', [CompletionResultType]::ParameterName, 'The source''s layout')
            [CompletionResult]::new('--date-range', '--date-range', [CompletionResultType]::ParameterName, 'Only the crashes of these days (by crash id): YYYY-MM-DD..YYYY-MM-DD (both included) or one YYYY-MM-DD')
            [CompletionResult]::new('--workers', '--workers', [CompletionResultType]::ParameterName, 'Crashes copied at once')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('--dry-run', '--dry-run', [CompletionResultType]::ParameterName, 'Count what would be copied; write nothing')
            [CompletionResult]::new('--delete-source', '--delete-source', [CompletionResultType]::ParameterName, 'Delete each crash from the source once its copy is verified')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;bugs' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index the associations live beside (index.url)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Associate a bug with one or more signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a bug''s association with one or more signatures')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;bugs;import' {
            [CompletionResult]::new('--bugzilla', '--bugzilla', [CompletionResultType]::ParameterName, 'Bugzilla''s REST root, e.g. https://bugzilla.mozilla.org/rest')
            [CompletionResult]::new('--since', '--since', [CompletionResultType]::ParameterName, 'Ask for bugs changed since this day instead of since the last run')
            [CompletionResult]::new('--timeout', '--timeout', [CompletionResultType]::ParameterName, 'Give up on Bugzilla after failing this long (seconds)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index the associations live beside (index.url)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;bugs;add' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index the associations live beside (index.url)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;bugs;remove' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index the associations live beside (index.url)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;bugs;show' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index the associations live beside (index.url)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;bugs;help' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Associate a bug with one or more signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a bug''s association with one or more signatures')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;bugs;help;import' {
            break
        }
        'crashkit;bugs;help;add' {
            break
        }
        'crashkit;bugs;help;remove' {
            break
        }
        'crashkit;bugs;help;show' {
            break
        }
        'crashkit;bugs;help;help' {
            break
        }
        'crashkit;verify' {
            [CompletionResult]::new('--date', '--date', [CompletionResultType]::ParameterName, 'The day to sweep (the date in the crash ids), YYYY-MM-DD')
            [CompletionResult]::new('--storage', '--storage', [CompletionResultType]::ParameterName, 'Where the crashes are (storage.url)')
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index to check and record in (index.url)')
            [CompletionResult]::new('--queue', '--queue', [CompletionResultType]::ParameterName, 'Send the missing crashes to this queue''s standard processing queue (queue.url); without it they are only recorded and printed')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;alert' {
            [CompletionResult]::new('--index', '--index', [CompletionResultType]::ParameterName, 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;signature' {
            [CompletionResult]::new('--siglists', '--siglists', [CompletionResultType]::ParameterName, 'Directory with Socorro-format signature lists (irrelevant_signature_re.txt, prefix_signature_re.txt, signature_sentinels.txt, signatures_with_line_numbers_re.txt); default: crashkit''s built-in lists')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;generate-crashes' {
            [CompletionResult]::new('--count', '--count', [CompletionResultType]::ParameterName, 'How many crashes')
            [CompletionResult]::new('--seed', '--seed', [CompletionResultType]::ParameterName, 'The random seed: the same seed gives the same crashes')
            [CompletionResult]::new('--weeks', '--weeks', [CompletionResultType]::ParameterName, 'Crash dates spread over this many weeks before --end')
            [CompletionResult]::new('--end', '--end', [CompletionResultType]::ParameterName, 'The last day (YYYY-MM-DD; default: now)')
            [CompletionResult]::new('--signatures', '--signatures', [CompletionResultType]::ParameterName, 'Distinct signatures (Zipf-distributed)')
            [CompletionResult]::new('--threads', '--threads', [CompletionResultType]::ParameterName, 'Threads per json_dump')
            [CompletionResult]::new('--frames', '--frames', [CompletionResultType]::ParameterName, 'Frames per thread')
            [CompletionResult]::new('--scenario', '--scenario', [CompletionResultType]::ParameterName, 'What history to generate')
            [CompletionResult]::new('--truth', '--truth', [CompletionResultType]::ParameterName, 'With --scenario emerging: write the planted truths here (JSON)')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;process-worker' {
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;generate-assets' {
            [CompletionResult]::new('--out', '--out', [CompletionResultType]::ParameterName, 'Directory to write completions/, man/ and docs/ into')
            [CompletionResult]::new('--config', '--config', [CompletionResultType]::ParameterName, 'Configuration file (TOML); see `crashkit config docs` for its keys')
            [CompletionResult]::new('--log-format', '--log-format', [CompletionResultType]::ParameterName, 'Log line format on stderr [default: the log.format key, else text]')
            [CompletionResult]::new('-v', '-v', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('--verbose', '--verbose', [CompletionResultType]::ParameterName, 'Log more (-v: debug, -vv: trace)')
            [CompletionResult]::new('-q', '-q', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('--quiet', '--quiet', [CompletionResultType]::ParameterName, 'Log less (-q: warnings and errors only, -qq: errors only)')
            [CompletionResult]::new('-h', '-h', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('--help', '--help', [CompletionResultType]::ParameterName, 'Print help (see more with ''--help'')')
            [CompletionResult]::new('-V', '-V ', [CompletionResultType]::ParameterName, 'Print version')
            [CompletionResult]::new('--version', '--version', [CompletionResultType]::ParameterName, 'Print version')
            break
        }
        'crashkit;help' {
            [CompletionResult]::new('collect-serve', 'collect-serve', [CompletionResultType]::ParameterValue, 'Run the crash collector: an HTTP server crash reporters post to')
            [CompletionResult]::new('demo', 'demo', [CompletionResultType]::ParameterValue, 'Run the whole pipeline here, in seconds: collect, process, index, query')
            [CompletionResult]::new('config', 'config', [CompletionResultType]::ParameterValue, 'Show, check and document the configuration')
            [CompletionResult]::new('index', 'index', [CompletionResultType]::ParameterValue, 'Index processed crashes for Super Search')
            [CompletionResult]::new('query', 'query', [CompletionResultType]::ParameterValue, 'Super Search: filter, facet and count crashes')
            [CompletionResult]::new('serve', 'serve', [CompletionResultType]::ParameterValue, 'Run a self-hosted Crash Stats: Socorro''s API and web pages')
            [CompletionResult]::new('process', 'process', [CompletionResultType]::ParameterValue, 'Process minidumps: stackwalk with symbols, derive Socorro''s fields, sign')
            [CompletionResult]::new('reprocess', 'reprocess', [CompletionResultType]::ParameterValue, 'Send crashes back through processing')
            [CompletionResult]::new('fetch', 'fetch', [CompletionResultType]::ParameterValue, 'Download crashes by id from a Crash Stats API, or from a storage')
            [CompletionResult]::new('migrate', 'migrate', [CompletionResultType]::ParameterValue, 'Copy crash data between storages, verified and resumable')
            [CompletionResult]::new('bugs', 'bugs', [CompletionResultType]::ParameterValue, 'Bug associations beside the index: import from Bugzilla, add, remove, show')
            [CompletionResult]::new('verify', 'verify', [CompletionResultType]::ParameterValue, 'Find the crashes of a day that processing or indexing missed')
            [CompletionResult]::new('alert', 'alert', [CompletionResultType]::ParameterValue, 'Tell webhooks about new and growing signatures ([[alert]] rules)')
            [CompletionResult]::new('signature', 'signature', [CompletionResultType]::ParameterValue, 'Generate Socorro crash signatures from crash data on stdin')
            [CompletionResult]::new('generate-crashes', 'generate-crashes', [CompletionResultType]::ParameterValue, 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks')
            [CompletionResult]::new('process-worker', 'process-worker', [CompletionResultType]::ParameterValue, 'Process crashes sent by a supervising `crashkit process` (internal)')
            [CompletionResult]::new('generate-assets', 'generate-assets', [CompletionResultType]::ParameterValue, 'Write shell completions, man pages and the configuration reference generated from this command-line definition')
            [CompletionResult]::new('help', 'help', [CompletionResultType]::ParameterValue, 'Print this message or the help of the given subcommand(s)')
            break
        }
        'crashkit;help;collect-serve' {
            break
        }
        'crashkit;help;demo' {
            break
        }
        'crashkit;help;config' {
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"')
            [CompletionResult]::new('check', 'check', [CompletionResultType]::ParameterValue, 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2')
            [CompletionResult]::new('docs', 'docs', [CompletionResultType]::ParameterValue, 'List every configuration key with its type, default, environment variable and meaning, as Markdown')
            break
        }
        'crashkit;help;config;show' {
            break
        }
        'crashkit;help;config;check' {
            break
        }
        'crashkit;help;config;docs' {
            break
        }
        'crashkit;help;index' {
            break
        }
        'crashkit;help;query' {
            break
        }
        'crashkit;help;serve' {
            break
        }
        'crashkit;help;process' {
            break
        }
        'crashkit;help;reprocess' {
            break
        }
        'crashkit;help;fetch' {
            break
        }
        'crashkit;help;migrate' {
            break
        }
        'crashkit;help;bugs' {
            [CompletionResult]::new('import', 'import', [CompletionResultType]::ParameterValue, 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY')
            [CompletionResult]::new('add', 'add', [CompletionResultType]::ParameterValue, 'Associate a bug with one or more signatures')
            [CompletionResult]::new('remove', 'remove', [CompletionResultType]::ParameterValue, 'Remove a bug''s association with one or more signatures')
            [CompletionResult]::new('show', 'show', [CompletionResultType]::ParameterValue, 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines')
            break
        }
        'crashkit;help;bugs;import' {
            break
        }
        'crashkit;help;bugs;add' {
            break
        }
        'crashkit;help;bugs;remove' {
            break
        }
        'crashkit;help;bugs;show' {
            break
        }
        'crashkit;help;verify' {
            break
        }
        'crashkit;help;alert' {
            break
        }
        'crashkit;help;signature' {
            break
        }
        'crashkit;help;generate-crashes' {
            break
        }
        'crashkit;help;process-worker' {
            break
        }
        'crashkit;help;generate-assets' {
            break
        }
        'crashkit;help;help' {
            break
        }
    })

    $completions.Where{ $_.CompletionText -like "$wordToComplete*" } |
        Sort-Object -Property ListItemText
}
