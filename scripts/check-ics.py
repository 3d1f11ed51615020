#!/usr/bin/env python3
"""Check an iCalendar file written by esep's DeadlineRenderer.iCalendar.

Usage: python3 check_ics.py FILE.ics [EXPECTED_EVENT_COUNT]

Parses the file with the PyPI `icalendar` package (pip install icalendar) and asserts that
every VEVENT has a UID (unique), a DTSTAMP, a DTSTART that is a date (all-day), a DTEND the day
after, and a SUMMARY. Also checks the raw octets: CRLF line endings only, every physical line at
most 75 octets and valid UTF-8 on its own (so folding never split a multi-octet sequence).
Exits non-zero with a message on the first failure.
"""
import datetime
import sys

from icalendar import Calendar


def check(path, expected=None):
    data = open(path, "rb").read()
    lines = data.split(b"\r\n")
    assert lines[-1] == b"", "the file must end with CRLF"
    for number, line in enumerate(lines[:-1], 1):
        assert b"\r" not in line and b"\n" not in line, f"line {number}: bare CR or LF"
        assert len(line) <= 75, f"line {number}: {len(line)} octets (> 75)"
        line.decode("utf-8")  # raises if a fold split a UTF-8 sequence

    calendar = Calendar.from_ical(data)
    assert str(calendar.get("VERSION")) == "2.0", "VERSION must be 2.0"
    assert calendar.get("PRODID"), "PRODID missing"
    events = calendar.walk("VEVENT")
    assert events, "no VEVENT"
    uids = set()
    for event in events:
        for key in ("UID", "DTSTAMP", "DTSTART", "DTEND", "SUMMARY"):
            assert key in event, f"VEVENT without {key}: {event.get('UID')}"
        uid = str(event["UID"])
        assert uid not in uids, f"duplicate UID {uid}"
        uids.add(uid)
        start = event.decoded("DTSTART")
        assert type(start) is datetime.date, f"{uid}: DTSTART is not a date: {start!r}"
        end = event.decoded("DTEND")
        assert end == start + datetime.timedelta(days=1), f"{uid}: DTEND {end} is not the day after {start}"
        assert str(event["SUMMARY"]).strip(), f"{uid}: empty SUMMARY"
    if expected is not None:
        assert len(events) == expected, f"{len(events)} events, expected {expected}"
    print(f"ok: {path}: {len(events)} events")


if __name__ == "__main__":
    if len(sys.argv) not in (2, 3):
        sys.exit(__doc__)
    try:
        check(sys.argv[1], int(sys.argv[2]) if len(sys.argv) == 3 else None)
    except AssertionError as e:
        sys.exit(f"check_ics: {e}")
