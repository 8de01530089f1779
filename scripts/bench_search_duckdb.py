"""DuckDB side of scripts/bench-search.sh: the same rows as the crashkit
index, in an in-memory DuckDB table, and the same four queries, timed
in-process. Prints JSON {"name": {"p50_ms", "p95_ms", "matched"}}.

    python3 bench_search_duckdb.py CRASHES.jsonl END_DATE N
"""

import json
import sys
import time
from datetime import datetime, timedelta, timezone

import duckdb

path, end, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
now = datetime.strptime(end, "%Y-%m-%d").replace(hour=23, minute=59, second=59, tzinfo=timezone.utc)
db = duckdb.connect()
t = time.time()
db.execute(
    f"""CREATE TABLE crashes AS SELECT
        uuid, CAST(date_processed AS TIMESTAMPTZ) AS date, signature, product, version,
        os_name AS platform, CAST(uptime AS BIGINT) AS uptime
    FROM read_json('{path}', format='newline_delimited', columns={{
        'uuid': 'VARCHAR', 'date_processed': 'VARCHAR', 'signature': 'VARCHAR',
        'product': 'VARCHAR', 'version': 'VARCHAR', 'os_name': 'VARCHAR', 'uptime': 'BIGINT'}})"""
)
load_s = time.time() - t
rows = db.execute("SELECT count(*) FROM crashes").fetchone()[0]


def day(d):
    return now - timedelta(days=d)


def q_a():
    db.execute(
        """SELECT signature, count(*) c FROM crashes WHERE product = 'Firefox'
           AND date >= ? AND date < ? GROUP BY signature ORDER BY c DESC, signature LIMIT 50""",
        [day(7), day(0)],
    ).fetchall()
    return db.execute(
        "SELECT count(*) FROM crashes WHERE product = 'Firefox' AND date >= ? AND date < ?", [day(7), day(0)]
    ).fetchone()[0]


def q_b():
    db.execute(
        """SELECT uuid, date, signature, product, version FROM crashes
           WHERE signature LIKE '%Flush%' AND date >= ? AND date < ? ORDER BY date DESC, uuid LIMIT 100""",
        [day(7), day(0)],
    ).fetchall()
    return db.execute(
        "SELECT count(*) FROM crashes WHERE signature LIKE '%Flush%' AND date >= ? AND date < ?", [day(7), day(0)]
    ).fetchone()[0]


def q_c():
    db.execute(
        """SELECT date_trunc('day', date AT TIME ZONE 'UTC') d, count(*) FROM crashes
           WHERE date >= ? AND date < ? GROUP BY d ORDER BY d""",
        [day(28), day(0)],
    ).fetchall()
    return db.execute("SELECT count(*) FROM crashes WHERE date >= ? AND date < ?", [day(28), day(0)]).fetchone()[0]


def q_d():
    current = db.execute(
        """SELECT signature, count(*) c, count(*) FILTER (WHERE uptime < 60) s FROM crashes
           WHERE product = 'Firefox' AND date >= ? AND date < ?
           GROUP BY signature ORDER BY c DESC, signature LIMIT 50""",
        [day(7), day(0)],
    ).fetchall()
    db.execute(
        """SELECT signature, platform, count(*) FROM crashes WHERE product = 'Firefox' AND date >= ? AND date < ?
           AND signature IN (SELECT signature FROM crashes WHERE product = 'Firefox' AND date >= ? AND date < ?
                             GROUP BY signature ORDER BY count(*) DESC, signature LIMIT 50)
           GROUP BY signature, platform""",
        [day(7), day(0), day(7), day(0)],
    ).fetchall()
    db.execute(
        """SELECT signature, row_number() OVER (ORDER BY count(*) DESC, signature) FROM crashes
           WHERE product = 'Firefox' AND date >= ? AND date < ? GROUP BY signature ORDER BY 2 LIMIT 10000""",
        [day(14), day(7)],
    ).fetchall()
    return db.execute(
        "SELECT count(*) FROM crashes WHERE product = 'Firefox' AND date >= ? AND date < ?", [day(7), day(0)]
    ).fetchone()[0]


out = {"_rows": rows, "_load_s": round(load_s, 1)}
for name, fn in [
    ("a_facet_signature_product_7d", q_a),
    ("b_contains_signature_7d", q_b),
    ("c_histogram_day_28d", q_c),
    ("d_topcrashers_7d", q_d),
]:
    matched = fn()
    times = []
    for _ in range(n):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    times.sort()
    pick = lambda q: times[round((len(times) - 1) * q)]
    out[name] = {"p50_ms": pick(0.5), "p95_ms": pick(0.95), "matched": matched}
print(json.dumps(out, indent=2))
