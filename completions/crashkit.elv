
use builtin;
use str;

set edit:completion:arg-completer[crashkit] = {|@words|
    fn spaces {|n|
        builtin:repeat $n ' ' | str:join ''
    }
    fn cand {|text desc|
        edit:complex-candidate $text &display=$text' '(spaces (- 14 (wcswidth $text)))$desc
    }
    var command = 'crashkit'
    for word $words[1..-1] {
        if (str:has-prefix $word '-') {
            break
        }
        set command = $command';'$word
    }
    var completions = [
        &'crashkit'= {
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand collect-serve 'Run the crash collector: an HTTP server crash reporters post to'
            cand demo 'Run the whole pipeline here, in seconds: collect, process, index, query'
            cand config 'Show, check and document the configuration'
            cand index 'Index processed crashes for Super Search'
            cand query 'Super Search: filter, facet and count crashes'
            cand serve 'Run a self-hosted Crash Stats: Socorro''s API and web pages'
            cand process 'Process minidumps: stackwalk with symbols, derive Socorro''s fields, sign'
            cand reprocess 'Send crashes back through processing'
            cand fetch 'Download crashes by id from a Crash Stats API, or from a storage'
            cand migrate 'Copy crash data between storages, verified and resumable'
            cand bugs 'Bug associations beside the index: import from Bugzilla, add, remove, show'
            cand verify 'Find the crashes of a day that processing or indexing missed'
            cand alert 'Tell webhooks about new and growing signatures ([[alert]] rules)'
            cand signature 'Generate Socorro crash signatures from crash data on stdin'
            cand generate-crashes 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks'
            cand process-worker 'Process crashes sent by a supervising `crashkit process` (internal)'
            cand generate-assets 'Write shell completions, man pages and the configuration reference generated from this command-line definition'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;collect-serve'= {
            cand --bind 'Address to listen on (collector.bind); port 0 picks a free port'
            cand --storage 'Where crashes are saved (storage.url): a directory, file:// or s3:// URL'
            cand --queue 'Publish accepted crashes to this queue (queue.url): a spool directory or redis://host:port/db'
            cand --index 'With --process: index each crash into this search index (index.url) after saving it and before acking it'
            cand --symbols-path 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)'
            cand --symbols-url 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)'
            cand --symbols-cache 'Download cache for symbol servers (process.symbols_cache_dir)'
            cand --siglists 'Signature lists directory in Socorro''s format (process.siglists); default: built-in lists'
            cand -j 'Crashes processed in parallel (process.jobs); default: CPU cores'
            cand --jobs 'Crashes processed in parallel (process.jobs); default: CPU cores'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --print-ids 'Also write each accepted crash id to stdout, one a line, once it is saved'
            cand --process 'Also process the crashes in this process: the single-node pipeline. Workers pull from the queue (default: a spool directory ./spool)'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;demo'= {
            cand --dir 'Where the demo keeps its storage, queue and index (made if missing; a second run adds its crashes to what is there)'
            cand --testdata 'The testdata directory (minidumps/ and symbols/) [default: ./testdata, else the one of the source tree this binary was built in]'
            cand --collector 'Smoke test: post one crash to this running collector (with --storage and --index) and check it comes out processed and indexed'
            cand --storage 'With --collector: the installation''s storage'
            cand --index 'With --collector: the installation''s search index'
            cand --bind 'With --serve: the address to listen on [default: a free loopback port]'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --serve 'Then serve the demo''s data as `crashkit serve` (pages and API) until interrupted (Ctrl-C)'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;config'= {
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand show 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
            cand check 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
            cand docs 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;config;show'= {
            cand --format 'Output format'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;config;check'= {
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;config;docs'= {
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;config;help'= {
            cand show 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
            cand check 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
            cand docs 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;config;help;show'= {
        }
        &'crashkit;config;help;check'= {
        }
        &'crashkit;config;help;docs'= {
        }
        &'crashkit;config;help;help'= {
        }
        &'crashkit;index'= {
            cand --index 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…'
            cand --storage 'Read processed crashes from this storage (storage.url) instead of stdin'
            cand --date 'With --storage: index the crashes of this day (the date in their ids)'
            cand --since 'With --storage: index the crashes of this day and every day since, up to today'
            cand --prune-older-than 'Drop the weekly partitions older than this: 26w, 180d'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --rebuild 'Empty the index and record the current schema version before indexing (after a schema change)'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;query'= {
            cand --index 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…'
            cand --api 'Ask a Crash Stats instance instead (https://crash-stats.example.org), with the token of CRASHSTATS_API_TOKEN'
            cand --columns 'Fields to show for each crash (repeatable or comma-separated) [default: uuid, date, signature, product, version]'
            cand --sort 'Sort by these fields, ''-'' for descending [default: -date]'
            cand --limit 'Crashes to show: a number or `all` (paged under the hood)'
            cand --offset 'Skip this many crashes first'
            cand --facet 'Count crashes per value of a field (repeatable) [default: signature]'
            cand --facets-size 'Values per facet (at most 10,000)'
            cand --aggs 'Nested facets: FIELD=SUB[,SUB…] (signature=product,platform), or FIELD.FIELD2=SUB for deeper nesting'
            cand --histogram 'A histogram of a date or number field, FIELD or FIELD=SUB[,SUB…] for facets within each bucket'
            cand --interval 'The histograms'' interval: day, week, hour, 6h, 2d (dates) or a number'
            cand --cardinality 'Count the distinct values of a field (repeatable)'
            cand --format 'Output format'
            cand --product 'With --topcrashers or --emerging: the product'
            cand --version 'With --topcrashers: the version (140.0b: every 140.0 beta)'
            cand --days 'With --topcrashers or --emerging: the length of the period in days'
            cand --top 'With --topcrashers: how many signatures'
            cand --baseline-days 'With --emerging: the days before the window that it is compared with'
            cand --min-count 'With --emerging: the fewest crashes in the window a flagged signature has'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --topcrashers 'Rank the signatures of --product over --days, against the period before'
            cand --emerging 'The signatures of --product that are new or growing in the last --days against the --baseline-days before (see `crashkit alert`)'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
        }
        &'crashkit;serve'= {
            cand --bind 'Address to listen on (serve.bind); port 0 picks a free port'
            cand --storage 'Where the crashes are (storage.url): a directory, file:// or s3:// URL'
            cand --index 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…'
            cand --queue 'The queue POST /api/Reprocessing/ publishes to (queue.url): a spool directory or redis://host:port/db. Without one, reprocessing is refused'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;process'= {
            cand --storage 'Process stored crashes from this storage (directory, file:// or s3:// URL) and save the results there'
            cand --annotations 'Annotations for a local minidump: a JSON object, as the raw crash'
            cand --format 'Output: a human report (text) or processed crashes as JSON Lines (json) [default: text]. Not with --queue, which writes one line per message'
            cand --queue 'Run as a long-running worker: pull crash ids from this queue (queue.url; a spool directory or redis://host:port/db), process, save, then ack. Needs --storage (or storage.url). SIGTERM finishes the batch in hand'
            cand --metrics-addr 'With --queue: serve Prometheus metrics (messages by outcome, latency, queue backlog) on this address'
            cand --index 'With --queue: index each crash into this search index (index.url) after saving it and before acking it'
            cand --ruleset 'What to do with stored crashes: process them fully, or only recompute the signature of their stored processed crash. [default: default]'
            cand --symbols-path 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)'
            cand --symbols-url 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)'
            cand --symbols-cache 'Download cache for symbol servers (process.symbols_cache_dir)'
            cand --siglists 'Signature lists directory in Socorro''s format (process.siglists); default: built-in lists'
            cand -j 'Crashes processed in parallel (process.jobs); default: CPU cores'
            cand --jobs 'Crashes processed in parallel (process.jobs); default: CPU cores'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;reprocess'= {
            cand --queue 'The queue to publish to (queue.url): a spool directory or redis://host:port/db'
            cand --ruleset 'What the workers do with these crashes'
            cand --rate 'At most this many ids per second (0: no limit)'
            cand --date 'The day for --missing (YYYY-MM-DD, the date in the crash ids)'
            cand --storage 'Storage for --missing (storage.url)'
            cand --api 'Post to a Crash Stats instance instead (e.g. https://crash-stats.example.org), with the token from CRASHSTATS_API_TOKEN in the Auth-Token header'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --priority 'Publish to the priority queue instead of the reprocessing queue'
            cand --dry-run 'Print the ids that would be sent, send nothing'
            cand --allow-many 'Allow more than 10,000 ids in one run'
            cand --missing 'Find the crashes of --date that have a raw crash but no processed crash'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;fetch'= {
            cand --from 'Where from: a Crash Stats (https://crash-stats.example.org, token from CRASHSTATS_API_TOKEN), or a storage (directory, s3:// URL)'
            cand --to 'Where to (storage.url): a directory, file:// or s3:// URL'
            cand --workers 'Crashes fetched at once'
            cand --layout 'The layout to write'
            cand --from-layout 'With a storage --from: its layout'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --raw 'Fetch the raw crashes (the default; as crashstats-tools'' fetch-data)'
            cand --no-raw 'Skip the raw crashes (annotations)'
            cand --dumps 'Fetch the dumps (the default; they need a token with view_rawdump)'
            cand --no-dumps 'Skip the dumps'
            cand --processed 'Also fetch the processed crashes'
            cand --no-processed 'Skip the processed crashes (the default)'
            cand --overwrite 'Fetch again what is already at the destination'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;migrate'= {
            cand --from-layout 'The source''s layout'
            cand --date-range 'Only the crashes of these days (by crash id): YYYY-MM-DD..YYYY-MM-DD (both included) or one YYYY-MM-DD'
            cand --workers 'Crashes copied at once'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand --dry-run 'Count what would be copied; write nothing'
            cand --delete-source 'Delete each crash from the source once its copy is verified'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;bugs'= {
            cand --index 'The search index the associations live beside (index.url)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
            cand import 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
            cand add 'Associate a bug with one or more signatures'
            cand remove 'Remove a bug''s association with one or more signatures'
            cand show 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;bugs;import'= {
            cand --bugzilla 'Bugzilla''s REST root, e.g. https://bugzilla.mozilla.org/rest'
            cand --since 'Ask for bugs changed since this day instead of since the last run'
            cand --timeout 'Give up on Bugzilla after failing this long (seconds)'
            cand --index 'The search index the associations live beside (index.url)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;bugs;add'= {
            cand --index 'The search index the associations live beside (index.url)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;bugs;remove'= {
            cand --index 'The search index the associations live beside (index.url)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;bugs;show'= {
            cand --index 'The search index the associations live beside (index.url)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;bugs;help'= {
            cand import 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
            cand add 'Associate a bug with one or more signatures'
            cand remove 'Remove a bug''s association with one or more signatures'
            cand show 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;bugs;help;import'= {
        }
        &'crashkit;bugs;help;add'= {
        }
        &'crashkit;bugs;help;remove'= {
        }
        &'crashkit;bugs;help;show'= {
        }
        &'crashkit;bugs;help;help'= {
        }
        &'crashkit;verify'= {
            cand --date 'The day to sweep (the date in the crash ids), YYYY-MM-DD'
            cand --storage 'Where the crashes are (storage.url)'
            cand --index 'The search index to check and record in (index.url)'
            cand --queue 'Send the missing crashes to this queue''s standard processing queue (queue.url); without it they are only recorded and printed'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;alert'= {
            cand --index 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;signature'= {
            cand --siglists 'Directory with Socorro-format signature lists (irrelevant_signature_re.txt, prefix_signature_re.txt, signature_sentinels.txt, signatures_with_line_numbers_re.txt); default: crashkit''s built-in lists'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;generate-crashes'= {
            cand --count 'How many crashes'
            cand --seed 'The random seed: the same seed gives the same crashes'
            cand --weeks 'Crash dates spread over this many weeks before --end'
            cand --end 'The last day (YYYY-MM-DD; default: now)'
            cand --signatures 'Distinct signatures (Zipf-distributed)'
            cand --threads 'Threads per json_dump'
            cand --frames 'Frames per thread'
            cand --scenario 'What history to generate'
            cand --truth 'With --scenario emerging: write the planted truths here (JSON)'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;process-worker'= {
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;generate-assets'= {
            cand --out 'Directory to write completions/, man/ and docs/ into'
            cand --config 'Configuration file (TOML); see `crashkit config docs` for its keys'
            cand --log-format 'Log line format on stderr [default: the log.format key, else text]'
            cand -v 'Log more (-v: debug, -vv: trace)'
            cand --verbose 'Log more (-v: debug, -vv: trace)'
            cand -q 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand --quiet 'Log less (-q: warnings and errors only, -qq: errors only)'
            cand -h 'Print help (see more with ''--help'')'
            cand --help 'Print help (see more with ''--help'')'
            cand -V 'Print version'
            cand --version 'Print version'
        }
        &'crashkit;help'= {
            cand collect-serve 'Run the crash collector: an HTTP server crash reporters post to'
            cand demo 'Run the whole pipeline here, in seconds: collect, process, index, query'
            cand config 'Show, check and document the configuration'
            cand index 'Index processed crashes for Super Search'
            cand query 'Super Search: filter, facet and count crashes'
            cand serve 'Run a self-hosted Crash Stats: Socorro''s API and web pages'
            cand process 'Process minidumps: stackwalk with symbols, derive Socorro''s fields, sign'
            cand reprocess 'Send crashes back through processing'
            cand fetch 'Download crashes by id from a Crash Stats API, or from a storage'
            cand migrate 'Copy crash data between storages, verified and resumable'
            cand bugs 'Bug associations beside the index: import from Bugzilla, add, remove, show'
            cand verify 'Find the crashes of a day that processing or indexing missed'
            cand alert 'Tell webhooks about new and growing signatures ([[alert]] rules)'
            cand signature 'Generate Socorro crash signatures from crash data on stdin'
            cand generate-crashes 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks'
            cand process-worker 'Process crashes sent by a supervising `crashkit process` (internal)'
            cand generate-assets 'Write shell completions, man pages and the configuration reference generated from this command-line definition'
            cand help 'Print this message or the help of the given subcommand(s)'
        }
        &'crashkit;help;collect-serve'= {
        }
        &'crashkit;help;demo'= {
        }
        &'crashkit;help;config'= {
            cand show 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
            cand check 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
            cand docs 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
        }
        &'crashkit;help;config;show'= {
        }
        &'crashkit;help;config;check'= {
        }
        &'crashkit;help;config;docs'= {
        }
        &'crashkit;help;index'= {
        }
        &'crashkit;help;query'= {
        }
        &'crashkit;help;serve'= {
        }
        &'crashkit;help;process'= {
        }
        &'crashkit;help;reprocess'= {
        }
        &'crashkit;help;fetch'= {
        }
        &'crashkit;help;migrate'= {
        }
        &'crashkit;help;bugs'= {
            cand import 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
            cand add 'Associate a bug with one or more signatures'
            cand remove 'Remove a bug''s association with one or more signatures'
            cand show 'Print the bugs of signatures (and those bugs'' other signatures) as tab-separated `bug<TAB>signature` lines'
        }
        &'crashkit;help;bugs;import'= {
        }
        &'crashkit;help;bugs;add'= {
        }
        &'crashkit;help;bugs;remove'= {
        }
        &'crashkit;help;bugs;show'= {
        }
        &'crashkit;help;verify'= {
        }
        &'crashkit;help;alert'= {
        }
        &'crashkit;help;signature'= {
        }
        &'crashkit;help;generate-crashes'= {
        }
        &'crashkit;help;process-worker'= {
        }
        &'crashkit;help;generate-assets'= {
        }
        &'crashkit;help;help'= {
        }
    ]
    $completions[$command]
}
