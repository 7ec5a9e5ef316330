#!/usr/bin/env python3
"""The "before" line of the benchmark: a re-creation of the previous tool's data path, not of
its bugs. Per table and calendar month, on N threads: SELECT the month through pyodbc,
fetchmany() 1,000 rows at a time, executemany() an INSERT into the target, commit per month.

    previous_tool.py SOURCE_ODBC TARGET_ODBC START END THREADS TABLE:DATE_COLUMN...

Dates are inclusive (START and END days both copied). Target tables must exist.
"""
import datetime
import sys
import threading

import pyodbc


def months(start, end):
    """Half-open [lo, hi) calendar-month ranges covering start..end inclusive."""
    lo = start
    stop = end + datetime.timedelta(days=1)
    while lo < stop:
        nxt = (lo.replace(day=1) + datetime.timedelta(days=32)).replace(day=1)
        yield lo, min(nxt, stop)
        lo = nxt


def copy_month(source, target, table, target_table, column, lo, hi, counter, lock):
    src = pyodbc.connect(source, autocommit=True)
    dst = pyodbc.connect(target, autocommit=False)
    cur = src.cursor()
    cur.execute(f'SELECT * FROM "{table}" WHERE "{column}" >= ? AND "{column}" < ?', lo, hi)
    names = [d[0] for d in cur.description]
    insert = (f'INSERT INTO "{target_table}" (' + ", ".join(f'"{n}"' for n in names) +
              ") VALUES (" + ", ".join("?" for _ in names) + ")")
    out = dst.cursor()
    out.execute(f'DELETE FROM "{target_table}" WHERE "{column}" >= ? AND "{column}" < ?', lo, hi)
    rows = 0
    while True:
        chunk = cur.fetchmany(1000)
        if not chunk:
            break
        out.executemany(insert, chunk)
        rows += len(chunk)
    dst.commit()
    with lock:
        counter[0] += rows


def main():
    if len(sys.argv) < 7:
        sys.exit(__doc__)
    source, target, start, end, threads = sys.argv[1:6]
    tables = [t.split(":") for t in sys.argv[6:]]
    start = datetime.date.fromisoformat(start)
    end = datetime.date.fromisoformat(end)
    jobs = [(t, c, lo, hi) for t, c in tables for lo, hi in months(start, end)]
    counter = [0]
    lock = threading.Lock()
    errors = []

    def worker():
        while True:
            with lock:
                if not jobs:
                    return
                table, column, lo, hi = jobs.pop(0)
            try:
                copy_month(source, target, table, "com_5013_" + table, column, lo, hi, counter, lock)
            except Exception as e:  # the benchmark reports it and exits 1
                errors.append(f"{table} {lo}: {e}")

    pool = [threading.Thread(target=worker) for _ in range(int(threads))]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    print(counter[0])
    if errors:
        sys.exit("previous_tool.py: " + "; ".join(errors))


if __name__ == "__main__":
    main()
