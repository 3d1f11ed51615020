import Compliance
import Foundation
import Metering
import Testing
import TestScratch

@Suite("Deadline renderers")
struct RendererTests {
    static let today = day("2026-05-01")
    static let sample: [Deadline] = {
        var list = DeadlineEngine().deadlines(
            from: day("2026-05-01"), until: day("2027-06-01"), roles: [.miner, .pool],
            events: [.poolChange: [day("2026-03-20"), day("2026-06-05")]], today: today)
        list[0].generated = true
        return list
    }()

    /// 2026-05-01T09:30:00Z in epoch milliseconds.
    static let stamp: Int64 = 1_777_627_800_000

    @Test("text table: columns, weekday, rollover and regime notes")
    func text() throws {
        let out = DeadlineRenderer.text(Self.sample, today: Self.today)
        let lines = out.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "Deadlines as of 2026-05-01 Fri")
        #expect(lines[1].hasPrefix("Due "))
        for column in ["Document", "Period", "Days", "Work days", "Status"] { #expect(lines[1].contains(column)) }
        let q2 = try #require(lines.first { $0.contains("Digital mining fee declaration") && $0.contains("2026Q2") })
        #expect(q2.hasPrefix("2026-08-17 Mon*"))
        #expect(q2.contains(" 108 "))
        #expect(q2.hasSuffix("upcoming"))
        #expect(
            lines.contains {
                $0.hasPrefix("* 2026-08-17: Digital mining fee declaration 2026Q2 moved from 2026-08-15 (Sat")
            })
        #expect(lines.contains { $0.contains("generated") })
        // Every table row is as wide as the header (Cyrillic counts one column per letter).
        let ru = DeadlineRenderer.text(Self.sample, today: Self.today, language: .ru)
        #expect(ru.contains("Декларация по плате за цифровой майнинг"))
        #expect(DeadlineRenderer.text([], today: Self.today).contains("(none)"))
    }

    @Test("JSON: one document, numbers as numbers, dates as YYYY-MM-DD")
    func json() throws {
        let text = DeadlineRenderer.json(Self.sample, today: Self.today)
        let root = try #require(try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any])
        #expect(root["today"] as? String == "2026-05-01")
        let list = try #require(root["deadlines"] as? [[String: Any]])
        #expect(list.count == Self.sample.count)
        let q2 = try #require(list.first { $0["key"] as? String == "fee_declaration-2026.2026Q2" })
        #expect(q2["due_date"] as? String == "2026-08-17")
        #expect(q2["unadjusted_date"] as? String == "2026-08-15")
        #expect(q2["weekday"] as? String == "Mon")
        #expect((q2["days_left"] as? NSNumber)?.intValue == 108)
        #expect(q2["working_days_left"] is NSNumber)
        #expect(q2["generated"] is NSNull)
        #expect(q2["rolled_over"] as? Bool == true)
        let period = try #require(q2["period"] as? [String: Any])
        #expect(period["start"] as? String == "2026-04-01" && period["end"] as? String == "2026-07-01")
        let names = try #require(q2["name"] as? [String: String])
        #expect(names["ru"] == "Декларация по плате за цифровой майнинг")
        #expect(list[0]["generated"] as? Bool == true)
        #expect(text.contains("\"days_left\": 108"))
        #expect(
            DeadlineRenderer.json([], today: Self.today) == "{\n  \"today\": \"2026-05-01\",\n  \"deadlines\": []\n}\n")
    }

    @Test("iCalendar structure: CRLF, all-day events, stable UIDs, DTSTAMP, alarm")
    func iCalendar() throws {
        let ics = DeadlineRenderer.iCalendar(Self.sample, stampEpochMs: Self.stamp)
        #expect(
            ics.hasPrefix(
                "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//esep//Compliance deadlines//EN\r\nCALSCALE:GREGORIAN\r\n"))
        #expect(ics.hasSuffix("END:VCALENDAR\r\n"))
        let bytes = Array(ics.utf8)
        for (i, b) in bytes.enumerated() where b == 0x0A { #expect(i > 0 && bytes[i - 1] == 0x0D, "bare LF at \(i)") }
        let unfolded = ics.replacingOccurrences(of: "\r\n ", with: "")
        let lines = unfolded.components(separatedBy: "\r\n")
        #expect(lines.filter { $0 == "BEGIN:VEVENT" }.count == Self.sample.count)
        #expect(lines.contains("UID:fee_declaration-2026.2026Q2@esep"))
        #expect(lines.contains("UID:pool_change_notice-2023.pool_change-20260605@esep"))
        #expect(lines.contains("DTSTART;VALUE=DATE:20260817"))
        #expect(lines.contains("DTEND;VALUE=DATE:20260818"))
        #expect(lines.contains("DTSTAMP:20260501T093000Z"))
        #expect(lines.contains("TRIGGER:-P5D"))
        #expect(lines.contains { $0.hasPrefix("SUMMARY:Digital mining fee declaration — 2026Q2") })
        #expect(
            lines.contains {
                $0.hasPrefix("DESCRIPTION:Period: 2026Q2 (2026-04-01 to 2026-06-30)\\nDue: 2026-08-17 Mon")
            })
        #expect(unfolded.contains("Tax Code art. 64 p.2 (secondary)"))
        // UIDs do not depend on today: the same deadlines seen a month later keep their UIDs.
        let later = DeadlineEngine().deadlines(
            from: day("2026-05-01"), until: day("2027-06-01"), roles: [.miner, .pool],
            events: [.poolChange: [day("2026-03-20"), day("2026-06-05")]], today: day("2026-06-01"))
        #expect(later.map(\.key) == Self.sample.map(\.key))
        let none = DeadlineRenderer.iCalendar(
            Self.sample, stampEpochMs: Self.stamp, options: ICalendarOptions(alarmDaysBefore: nil))
        #expect(!none.contains("VALARM"))
    }

    @Test("UTC DATE-TIME from epoch milliseconds")
    func utcStamp() {
        #expect(ICalendarText.utcDateTime(epochMs: 0) == "19700101T000000Z")
        #expect(ICalendarText.utcDateTime(epochMs: Self.stamp) == "20260501T093000Z")
        #expect(ICalendarText.utcDateTime(epochMs: Self.stamp + 999) == "20260501T093000Z")
        #expect(ICalendarText.utcDateTime(epochMs: -1) == "19691231T235959Z")
    }

    @Test("TEXT escaping: backslash, semicolon, comma, newline")
    func escaping() {
        #expect(ICalendarText.escape("a\\b;c,d\ne") == "a\\\\b\\;c\\,d\\ne")
        #expect(ICalendarText.escape("x\r\ny\rz") == "x\\ny\\nz")
        #expect(ICalendarText.escape("Курбан айт") == "Курбан айт")
    }

    @Test("folding keeps every line ≤ 75 octets and never splits a UTF-8 sequence")
    func folding() throws {
        let names = DeadlineRule.kazakhstan.map(\.name.ru) + DeadlineRule.kazakhstan.map(\.name.kk)
        // Vary the prefix length so that fold points fall at every octet offset.
        for prefix in 0..<8 {
            for name in names {
                let line =
                    "SUMMARY:" + String(repeating: "x", count: prefix)
                    + ICalendarText.escape(name + ", " + name + "; 🇰🇿")
                let folded = ICalendarText.fold(line)
                let physical = folded.components(separatedBy: "\r\n")
                for (i, p) in physical.enumerated() {
                    let octets = Array(p.utf8)
                    #expect(octets.count <= 75, "\(octets.count) octets")
                    if i > 0 { #expect(octets.first == 0x20) }
                    #expect(String(validating: octets, as: UTF8.self) != nil, "split UTF-8 sequence")
                    #expect(octets.first.map { $0 & 0xC0 != 0x80 } ?? true, "line starts with a continuation octet")
                }
                #expect(folded.replacingOccurrences(of: "\r\n ", with: "") == line)
                if line.utf8.count > 75 { #expect(physical.count > 1) }
            }
        }
        #expect(ICalendarText.fold(String(repeating: "a", count: 75)) == String(repeating: "a", count: 75))
        #expect(ICalendarText.fold(String(repeating: "a", count: 76)) == String(repeating: "a", count: 75) + "\r\n a")
        // 37 Cyrillic letters after "X:" = 76 octets: the 37th letter moves whole to the next line.
        let cyr = "X:" + String(repeating: "Ж", count: 37)
        #expect(ICalendarText.fold(cyr) == "X:" + String(repeating: "Ж", count: 36) + "\r\n Ж")
    }

    @Test(
        "the ICS file passes scripts/check-ics.py (Python icalendar package)",
        .enabled(if: Python.hasICalendar, "python3 with the icalendar package is not installed (pip install icalendar)")
    )
    func pythonCheck() throws {
        let ics = DeadlineRenderer.iCalendar(
            Self.sample, stampEpochMs: Self.stamp, options: ICalendarOptions(language: .ru))
        let dir = TestScratch.root.appendingPathComponent("esep-ics-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let file = dir.appendingPathComponent("deadlines.ics")
        try Data(ics.utf8).write(to: file)
        // For a check by hand: ESEP_ICS_OUT=/tmp/deadlines.ics swift test --filter pythonCheck
        if let keep = ProcessInfo.processInfo.environment["ESEP_ICS_OUT"] {
            try Data(ics.utf8).write(to: URL(fileURLWithPath: keep))
        }
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("scripts/check-ics.py")
        let (status, output) = try Python.run([script.path, file.path, String(Self.sample.count)])
        #expect(status == 0, "\(output)")
        #expect(output.hasPrefix("ok: "))
    }
}

/// Runs `python3` for the iCalendar cross-check.
enum Python {
    /// Whether `python3 -c 'import icalendar'` succeeds.
    static let hasICalendar: Bool = (try? run(["-c", "import icalendar"]).status) == 0

    /// Runs `python3 arguments…`, returning the exit status and the combined output.
    static func run(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3"] + arguments
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
