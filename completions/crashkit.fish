# Print an optspec for argparse to handle cmd's options that are independent of any subcommand.
function __fish_crashkit_global_optspecs
    string join \n config= v/verbose q/quiet log-format= h/help V/version
end

function __fish_crashkit_needs_command
    # Figure out if the current invocation already has a command.
    set -l cmd (commandline -opc)
    set -e cmd[1]
    argparse -s (__fish_crashkit_global_optspecs) -- $cmd 2>/dev/null
    or return
    if set -q argv[1]
        # Also print the command, so this can be used to figure out what it is.
        echo $argv[1]
        return 1
    end
    return 0
end

function __fish_crashkit_using_subcommand
    set -l cmd (__fish_crashkit_needs_command)
    test -z "$cmd"
    and return 1
    contains -- $cmd[1] $argv
end

complete -c crashkit -n "__fish_crashkit_needs_command" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_needs_command" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_needs_command" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_needs_command" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_needs_command" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_needs_command" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "collect-serve" -d 'Run the crash collector: an HTTP server crash reporters post to'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "demo" -d 'Run the whole pipeline here, in seconds: collect, process, index, query'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "config" -d 'Show, check and document the configuration'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "index" -d 'Index processed crashes for Super Search'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "query" -d 'Super Search: filter, facet and count crashes'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "serve" -d 'Run a self-hosted Crash Stats: Socorro\'s API and web pages'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "process" -d 'Process minidumps: stackwalk with symbols, derive Socorro\'s fields, sign'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "reprocess" -d 'Send crashes back through processing'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "fetch" -d 'Download crashes by id from a Crash Stats API, or from a storage'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "migrate" -d 'Copy crash data between storages, verified and resumable'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "bugs" -d 'Bug associations beside the index: import from Bugzilla, add, remove, show'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "verify" -d 'Find the crashes of a day that processing or indexing missed'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "alert" -d 'Tell webhooks about new and growing signatures ([[alert]] rules)'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "signature" -d 'Generate Socorro crash signatures from crash data on stdin'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "generate-crashes" -d 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "process-worker" -d 'Process crashes sent by a supervising `crashkit process` (internal)'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "generate-assets" -d 'Write shell completions, man pages and the configuration reference generated from this command-line definition'
complete -c crashkit -n "__fish_crashkit_needs_command" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l bind -d 'Address to listen on (collector.bind); port 0 picks a free port' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l storage -d 'Where crashes are saved (storage.url): a directory, file:// or s3:// URL' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l queue -d 'Publish accepted crashes to this queue (queue.url): a spool directory or redis://host:port/db' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l index -d 'With --process: index each crash into this search index (index.url) after saving it and before acking it' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l symbols-path -d 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l symbols-url -d 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l symbols-cache -d 'Download cache for symbol servers (process.symbols_cache_dir)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l siglists -d 'Signature lists directory in Socorro\'s format (process.siglists); default: built-in lists' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -s j -l jobs -d 'Crashes processed in parallel (process.jobs); default: CPU cores' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l print-ids -d 'Also write each accepted crash id to stdout, one a line, once it is saved'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -l process -d 'Also process the crashes in this process: the single-node pipeline. Workers pull from the queue (default: a spool directory ./spool)'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand collect-serve" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l dir -d 'Where the demo keeps its storage, queue and index (made if missing; a second run adds its crashes to what is there)' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l testdata -d 'The testdata directory (minidumps/ and symbols/) [default: ./testdata, else the one of the source tree this binary was built in]' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l collector -d 'Smoke test: post one crash to this running collector (with --storage and --index) and check it comes out processed and indexed' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l storage -d 'With --collector: the installation\'s storage' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l index -d 'With --collector: the installation\'s search index' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l bind -d 'With --serve: the address to listen on [default: a free loopback port]' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -l serve -d 'Then serve the demo\'s data as `crashkit serve` (pages and API) until interrupted (Ctrl-C)'
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand demo" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -f -a "show" -d 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -f -a "check" -d 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -f -a "docs" -d 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and not __fish_seen_subcommand_from show check docs help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -l format -d 'Output format' -r -f -a "toml\t'TOML, annotated with where each value came from'
json\t'One JSON object: {"section.key": {"value", "source"}}'"
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from check" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from docs" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "check" -d 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "docs" -d 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
complete -c crashkit -n "__fish_crashkit_using_subcommand config; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l index -d 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l storage -d 'Read processed crashes from this storage (storage.url) instead of stdin' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l date -d 'With --storage: index the crashes of this day (the date in their ids)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l since -d 'With --storage: index the crashes of this day and every day since, up to today' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l prune-older-than -d 'Drop the weekly partitions older than this: 26w, 180d' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -l rebuild -d 'Empty the index and record the current schema version before indexing (after a schema change)'
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand index" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l index -d 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l api -d 'Ask a Crash Stats instance instead (https://crash-stats.example.org), with the token of CRASHSTATS_API_TOKEN' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l columns -d 'Fields to show for each crash (repeatable or comma-separated) [default: uuid, date, signature, product, version]' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l sort -d 'Sort by these fields, \'-\' for descending [default: -date]' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l limit -d 'Crashes to show: a number or `all` (paged under the hood)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l offset -d 'Skip this many crashes first' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l facet -d 'Count crashes per value of a field (repeatable) [default: signature]' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l facets-size -d 'Values per facet (at most 10,000)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l aggs -d 'Nested facets: FIELD=SUB[,SUB…] (signature=product,platform), or FIELD.FIELD2=SUB for deeper nesting' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l histogram -d 'A histogram of a date or number field, FIELD or FIELD=SUB[,SUB…] for facets within each bucket' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l interval -d 'The histograms\' interval: day, week, hour, 6h, 2d (dates) or a number' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l cardinality -d 'Count the distinct values of a field (repeatable)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l format -d 'Output format' -r -f -a "table\t''
tsv\t''
csv\t''
markdown\t''
json\t''
ids\t''"
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l product -d 'With --topcrashers or --emerging: the product' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l version -d 'With --topcrashers: the version (140.0b: every 140.0 beta)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l days -d 'With --topcrashers or --emerging: the length of the period in days' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l top -d 'With --topcrashers: how many signatures' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l baseline-days -d 'With --emerging: the days before the window that it is compared with' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l min-count -d 'With --emerging: the fewest crashes in the window a flagged signature has' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l topcrashers -d 'Rank the signatures of --product over --days, against the period before'
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -l emerging -d 'The signatures of --product that are new or growing in the last --days against the --baseline-days before (see `crashkit alert`)'
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand query" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l bind -d 'Address to listen on (serve.bind); port 0 picks a free port' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l storage -d 'Where the crashes are (storage.url): a directory, file:// or s3:// URL' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l index -d 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l queue -d 'The queue POST /api/Reprocessing/ publishes to (queue.url): a spool directory or redis://host:port/db. Without one, reprocessing is refused' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand serve" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l storage -d 'Process stored crashes from this storage (directory, file:// or s3:// URL) and save the results there' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l annotations -d 'Annotations for a local minidump: a JSON object, as the raw crash' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l format -d 'Output: a human report (text) or processed crashes as JSON Lines (json) [default: text]. Not with --queue, which writes one line per message' -r -f -a "text\t'A human report per crash (local files) or `<id>\\t<status>\\t<signature>` lines (storage)'
json\t'Processed crashes as JSON Lines'"
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l queue -d 'Run as a long-running worker: pull crash ids from this queue (queue.url; a spool directory or redis://host:port/db), process, save, then ack. Needs --storage (or storage.url). SIGTERM finishes the batch in hand' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l metrics-addr -d 'With --queue: serve Prometheus metrics (messages by outcome, latency, queue backlog) on this address' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l index -d 'With --queue: index each crash into this search index (index.url) after saving it and before acking it' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l ruleset -d 'What to do with stored crashes: process them fully, or only recompute the signature of their stored processed crash. [default: default]' -r -f -a "default\t'Stackwalk, derive every field, sign'
regenerate_signature\t'Recompute only the signature from the stored processed crash'"
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l symbols-path -d 'Local symbol directory in Breakpad layout; repeatable (replaces process.symbols_paths)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l symbols-url -d 'Symbol server base URL (Tecken/Breakpad layout); repeatable (replaces process.symbols_urls)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l symbols-cache -d 'Download cache for symbol servers (process.symbols_cache_dir)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l siglists -d 'Signature lists directory in Socorro\'s format (process.siglists); default: built-in lists' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -s j -l jobs -d 'Crashes processed in parallel (process.jobs); default: CPU cores' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand process" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l queue -d 'The queue to publish to (queue.url): a spool directory or redis://host:port/db' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l ruleset -d 'What the workers do with these crashes' -r -f -a "default\t'Stackwalk, derive every field, sign'
regenerate_signature\t'Recompute only the signature from the stored processed crash'"
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l rate -d 'At most this many ids per second (0: no limit)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l date -d 'The day for --missing (YYYY-MM-DD, the date in the crash ids)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l storage -d 'Storage for --missing (storage.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l api -d 'Post to a Crash Stats instance instead (e.g. https://crash-stats.example.org), with the token from CRASHSTATS_API_TOKEN in the Auth-Token header' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l priority -d 'Publish to the priority queue instead of the reprocessing queue'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l dry-run -d 'Print the ids that would be sent, send nothing'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l allow-many -d 'Allow more than 10,000 ids in one run'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -l missing -d 'Find the crashes of --date that have a raw crash but no processed crash'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand reprocess" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l from -d 'Where from: a Crash Stats (https://crash-stats.example.org, token from CRASHSTATS_API_TOKEN), or a storage (directory, s3:// URL)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l to -d 'Where to (storage.url): a directory, file:// or s3:// URL' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l workers -d 'Crashes fetched at once' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l layout -d 'The layout to write' -r -f -a "v1\t'Socorro\'s v1/ layout: `crashkit process --storage DIR` reads it'
crashstats-tools\t'crashstats-tools\' fetch-data layout'"
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l from-layout -d 'With a storage --from: its layout' -r -f -a "v1\t'Socorro\'s v1/ layout (what crashkit writes)'
v2-entropy\t'Socorro\'s older v2/raw_crash/<xxx>/<YYYYMMDD>/<id>'
antenna-fs\t'Antenna\'s filesystem layout: <YYYYMMDD>/raw_crash/<id>.json, …'
crashstats-tools\t'crashstats-tools\' fetch-data layout: raw_crash/<YYYYMMDD>/<id>, …'"
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l raw -d 'Fetch the raw crashes (the default; as crashstats-tools\' fetch-data)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l no-raw -d 'Skip the raw crashes (annotations)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l dumps -d 'Fetch the dumps (the default; they need a token with view_rawdump)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l no-dumps -d 'Skip the dumps'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l processed -d 'Also fetch the processed crashes'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l no-processed -d 'Skip the processed crashes (the default)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -l overwrite -d 'Fetch again what is already at the destination'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand fetch" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l from-layout -d 'The source\'s layout' -r -f -a "v1\t'Socorro\'s v1/ layout (what crashkit writes)'
v2-entropy\t'Socorro\'s older v2/raw_crash/<xxx>/<YYYYMMDD>/<id>'
antenna-fs\t'Antenna\'s filesystem layout: <YYYYMMDD>/raw_crash/<id>.json, …'
crashstats-tools\t'crashstats-tools\' fetch-data layout: raw_crash/<YYYYMMDD>/<id>, …'"
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l date-range -d 'Only the crashes of these days (by crash id): YYYY-MM-DD..YYYY-MM-DD (both included) or one YYYY-MM-DD' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l workers -d 'Crashes copied at once' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l dry-run -d 'Count what would be copied; write nothing'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -l delete-source -d 'Delete each crash from the source once its copy is verified'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand migrate" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -l index -d 'The search index the associations live beside (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -f -a "import" -d 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -f -a "add" -d 'Associate a bug with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -f -a "remove" -d 'Remove a bug\'s association with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -f -a "show" -d 'Print the bugs of signatures (and those bugs\' other signatures) as tab-separated `bug<TAB>signature` lines'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and not __fish_seen_subcommand_from import add remove show help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l bugzilla -d 'Bugzilla\'s REST root, e.g. https://bugzilla.mozilla.org/rest' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l since -d 'Ask for bugs changed since this day instead of since the last run' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l timeout -d 'Give up on Bugzilla after failing this long (seconds)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l index -d 'The search index the associations live beside (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from import" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -l index -d 'The search index the associations live beside (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from add" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -l index -d 'The search index the associations live beside (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from remove" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -l index -d 'The search index the associations live beside (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from show" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from help" -f -a "import" -d 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from help" -f -a "add" -d 'Associate a bug with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from help" -f -a "remove" -d 'Remove a bug\'s association with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from help" -f -a "show" -d 'Print the bugs of signatures (and those bugs\' other signatures) as tab-separated `bug<TAB>signature` lines'
complete -c crashkit -n "__fish_crashkit_using_subcommand bugs; and __fish_seen_subcommand_from help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l date -d 'The day to sweep (the date in the crash ids), YYYY-MM-DD' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l storage -d 'Where the crashes are (storage.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l index -d 'The search index to check and record in (index.url)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l queue -d 'Send the missing crashes to this queue\'s standard processing queue (queue.url); without it they are only recorded and printed' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand verify" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -l index -d 'The search index (index.url): a directory, or es+http://host:9200, opensearch+https://…' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand alert" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -l siglists -d 'Directory with Socorro-format signature lists (irrelevant_signature_re.txt, prefix_signature_re.txt, signature_sentinels.txt, signatures_with_line_numbers_re.txt); default: crashkit\'s built-in lists' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand signature" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l count -d 'How many crashes' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l seed -d 'The random seed: the same seed gives the same crashes' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l weeks -d 'Crash dates spread over this many weeks before --end' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l end -d 'The last day (YYYY-MM-DD; default: now)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l signatures -d 'Distinct signatures (Zipf-distributed)' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l threads -d 'Threads per json_dump' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l frames -d 'Frames per thread' -r
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l scenario -d 'What history to generate' -r -f -a "zipf\t'Zipf signatures over --weeks, several products'
emerging\t'28 days of Firefox then 7 after a release, with planted new and growing signatures and a single-install crash loop'"
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l truth -d 'With --scenario emerging: write the planted truths here (JSON)' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-crashes" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand process-worker" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -l out -d 'Directory to write completions/, man/ and docs/ into' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -l config -d 'Configuration file (TOML); see `crashkit config docs` for its keys' -r -F
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -l log-format -d 'Log line format on stderr [default: the log.format key, else text]' -r -f -a "text\t'Human-readable lines'
json\t'One JSON object per line, for log aggregation'"
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -s v -l verbose -d 'Log more (-v: debug, -vv: trace)'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -s q -l quiet -d 'Log less (-q: warnings and errors only, -qq: errors only)'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -s h -l help -d 'Print help (see more with \'--help\')'
complete -c crashkit -n "__fish_crashkit_using_subcommand generate-assets" -s V -l version -d 'Print version'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "collect-serve" -d 'Run the crash collector: an HTTP server crash reporters post to'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "demo" -d 'Run the whole pipeline here, in seconds: collect, process, index, query'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "config" -d 'Show, check and document the configuration'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "index" -d 'Index processed crashes for Super Search'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "query" -d 'Super Search: filter, facet and count crashes'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "serve" -d 'Run a self-hosted Crash Stats: Socorro\'s API and web pages'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "process" -d 'Process minidumps: stackwalk with symbols, derive Socorro\'s fields, sign'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "reprocess" -d 'Send crashes back through processing'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "fetch" -d 'Download crashes by id from a Crash Stats API, or from a storage'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "migrate" -d 'Copy crash data between storages, verified and resumable'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "bugs" -d 'Bug associations beside the index: import from Bugzilla, add, remove, show'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "verify" -d 'Find the crashes of a day that processing or indexing missed'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "alert" -d 'Tell webhooks about new and growing signatures ([[alert]] rules)'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "signature" -d 'Generate Socorro crash signatures from crash data on stdin'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "generate-crashes" -d 'Write synthetic processed crashes as JSON Lines, for tests and benchmarks'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "process-worker" -d 'Process crashes sent by a supervising `crashkit process` (internal)'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "generate-assets" -d 'Write shell completions, man pages and the configuration reference generated from this command-line definition'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and not __fish_seen_subcommand_from collect-serve demo config index query serve process reprocess fetch migrate bugs verify alert signature generate-crashes process-worker generate-assets help" -f -a "help" -d 'Print this message or the help of the given subcommand(s)'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "show" -d 'Print the effective configuration and where each value came from (default, file:line, environment variable or flag). Secrets are always shown as "<redacted>"'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "check" -d 'Validate a configuration file on its own: unknown keys, values of the wrong type and secrets written into the file are reported with their line, and the exit status is 2'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from config" -f -a "docs" -d 'List every configuration key with its type, default, environment variable and meaning, as Markdown'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from bugs" -f -a "import" -d 'Read bugs whose crash signatures changed since the last run from a Bugzilla REST API and make their associations match (`[@ signature]` values of cf_crash_signature). An API key, when needed, comes from CRASHKIT_BUGZILLA_API_KEY'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from bugs" -f -a "add" -d 'Associate a bug with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from bugs" -f -a "remove" -d 'Remove a bug\'s association with one or more signatures'
complete -c crashkit -n "__fish_crashkit_using_subcommand help; and __fish_seen_subcommand_from bugs" -f -a "show" -d 'Print the bugs of signatures (and those bugs\' other signatures) as tab-separated `bug<TAB>signature` lines'
