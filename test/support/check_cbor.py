"""Checks Mote telemetry and status payloads with an independent decoder (python3-cbor2).

Reads lines "<telemetry|status> <hex>" on stdin and prints one JSON line per payload:
{"ok": true, "summary": {...}} or {"ok": false, "error": "..."}. A payload passes when it is
plain CBOR (no tags; re-encoding it gives the same bytes, so heads are shortest and lengths
definite) and it fits agent/src/telemetry/schema.cddl: labels, types and ranges.
"""
import json
import sys

import cbor2

UINT64_MAX = 2**64 - 1


class Bad(Exception):
    pass


def check(condition, what):
    if not condition:
        raise Bad(what)


def is_uint(v):
    return isinstance(v, int) and not isinstance(v, bool) and 0 <= v <= UINT64_MAX


def is_int(v):
    return isinstance(v, int) and not isinstance(v, bool) and -(2**64) <= v <= UINT64_MAX


def is_key(v):
    if isinstance(v, (str, int)) and not isinstance(v, bool):
        return True
    return isinstance(v, (tuple, list)) and len(v) > 0 and all(isinstance(p, (str, int)) and not isinstance(p, bool) for p in v)


def no_tags(v):
    if isinstance(v, cbor2.CBORTag):
        raise Bad(f"tag {v.tag} on the wire")
    if isinstance(v, (list, tuple)):
        for item in v:
            no_tags(item)
    if isinstance(v, dict):
        for key, item in v.items():
            no_tags(key)
            no_tags(item)


def check_hist(h):
    check(isinstance(h, list) and len(h) >= 1 and all(is_uint(c) for c in h), "hist must be [first, *counts] of uints")
    return {"first": h[0], "counts": h[1:]}


def check_record(r):
    check(isinstance(r, list) and len(r) >= 2, "record must be an array [kind, ...]")
    kind = r[0]
    if kind in (1, 2):
        check(len(r) == 2 and isinstance(r[1], dict), "counter/gauge must be [kind, {key => number}]")
        for key, value in r[1].items():
            check(is_key(key), f"bad key {key!r}")
            check(is_int(value) if kind == 1 else (is_int(value) or isinstance(value, float)), f"bad value {value!r}")
        return {"kind": "counter" if kind == 1 else "gauge", "entries": len(r[1])}
    if kind == 3:
        check(len(r) == 3 and isinstance(r[1], str), "histogram must be [3, unit, hist / series]")
        if isinstance(r[2], dict):
            for key, h in r[2].items():
                check(is_key(key), f"bad key {key!r}")
                check_hist(h)
            return {"kind": "histogram", "series": len(r[2])}
        return {"kind": "histogram", **check_hist(r[2])}
    if kind == 4:
        check(len(r) == 3 and is_uint(r[1]) and isinstance(r[2], list), "top must be [4, other, [* [key, uint]]]")
        for pair in r[2]:
            check(isinstance(pair, list) and len(pair) == 2 and is_key(pair[0]) and is_uint(pair[1]), f"bad top entry {pair!r}")
        return {"kind": "top", "entries": len(r[2]), "other": r[1]}
    if kind == 5:
        check(len(r) == 4 and is_uint(r[1]), "events must be [5, dropped, fields, rows]")
        check(isinstance(r[2], list) and all(isinstance(f, str) for f in r[2]), "event fields must be texts")
        check(isinstance(r[3], list), "event rows must be an array")
        for row in r[3]:
            check(isinstance(row, list) and len(row) >= 1 and is_uint(row[0]), "event row must start with a uint offset")
            for value in row[1:]:
                check(value is None or isinstance(value, (int, float, str, bytes, bool)), f"bad event value {value!r}")
        return {"kind": "events", "dropped": r[1], "fields": r[2], "rows": len(r[3])}
    raise Bad(f"unknown record kind {kind!r}")


def check_common(m, labels):
    check(isinstance(m, dict), "message must be a map")
    check(all(is_uint(k) for k in m), "map labels must be unsigned integers")
    unknown = set(m) - labels
    check(not unknown, f"unknown labels {sorted(unknown)}")
    check(m.get(0) == 1, "label 0 (schema version) must be 1")
    check(isinstance(m.get(1), str) and 1 <= len(m[1]) <= 64, "label 1 (device id) must be a text of 1..64")
    check(isinstance(m.get(2), bytes) and len(m[2]) == 16, "label 2 (boot id) must be 16 bytes")
    check(is_uint(m.get(4)) and 1_500_000_000_000 < m[4] < 4_000_000_000_000, "label 4 (time) must be epoch ms")


def check_telemetry(m):
    check_common(m, set(range(9)))
    for label in range(9):
        check(label in m, f"label {label} missing")
    check(is_uint(m[3]), "label 3 (sequence) must be a uint")
    check(isinstance(m[5], str) and m[5], "label 5 (module) must be a text")
    check(isinstance(m[6], str), "label 6 (module version) must be a text")
    check(isinstance(m[7], list) and len(m[7]) == 2 and all(is_uint(v) for v in m[7]), "label 7 (window) must be [start, length]")
    return {"device": m[1], "boot": m[2].hex(), "sequence": m[3], "module": m[5], "window": m[7], "record": check_record(m[8])}


def check_status(m):
    check_common(m, {0, 1, 2, 4, 9, 10, 11, 12, 13})
    check(m.get(9) in ("online", "offline"), "label 9 (state) must be online or offline")
    check(isinstance(m.get(10), str), "label 10 (agent version) must be a text")
    check(isinstance(m.get(11), list) and len(m[11]) == 2 and all(isinstance(v, str) for v in m[11]), "label 11 (uname) must be [release, machine]")
    summary = {"device": m[1], "boot": m[2].hex(), "state": m[9], "agent": m[10], "uname": m[11]}
    if 12 in m:
        check(isinstance(m[12], list), "label 12 (modules) must be an array")
        for module in m[12]:
            named = isinstance(module, list) and len(module) >= 2 and all(isinstance(v, str) for v in module[:2])
            tail = module[2:] if named else None
            check(tail == [] or (len(tail) == 1 and isinstance(tail[0], str)) or (len(tail) == 2 and tail[0] is None and isinstance(tail[1], str)), f"bad module {module!r}")
        summary["modules"] = m[12]
    if 13 in m:
        check(isinstance(m[13], list) and len(m[13]) in (4, 6, 9) and all(is_uint(v) for v in m[13]), "label 13 (counters) must be 4, 6 or 9 uints")
        summary["counters"] = dict(zip(["sent", "dropped", "reconnects", "depth", "rejected", "malformed", "bytes", "oldest", "cut"], m[13]))
    return summary


def main():
    for line in sys.stdin:
        kind, hex_payload = line.split()
        data = bytes.fromhex(hex_payload)
        try:
            value = cbor2.loads(data)
            no_tags(value)
            check(cbor2.dumps(value) == data, "re-encoding differs: not shortest-form, definite-length plain CBOR")
            summary = check_telemetry(value) if kind == "telemetry" else check_status(value)
            print(json.dumps({"ok": True, "summary": summary}))
        except (Bad, cbor2.CBORDecodeError) as err:
            print(json.dumps({"ok": False, "error": str(err)}))


main()
