import Foundation
import Testing

/// `esep calendar` and the `[calendar] overrides` file, as an operator uses them.
@Suite struct CalendarCLITests {
    func site(_ dir: URL, overrides: String) throws -> String {
        try overrides.write(to: dir.appendingPathComponent("moved-days.toml"), atomically: true, encoding: .utf8)
        let config = dir.appendingPathComponent("site.toml")
        try """
            [site]
            name = "Calendar site"
            [storage]
            path = "\(dir.path)/esep.sqlite"
            [calendar]
            overrides = "moved-days.toml"
            roles = ["miner", "pool"]
            [[gateways]]
            id = "g"
            host = "127.0.0.1"
            [[meters]]
            id = "M1"
            gateway = "g"
            unit_id = 1
            profile = "sdm630"
            """.write(to: config, atomically: true, encoding: .utf8)
        return config.path
    }

    @Test func checkConfigReportsEveryMistakeOfTheOverridesFileAtItsLine() throws {
        let dir = temporaryDirectory()
        let config = try site(
            dir,
            overrides: """
                [[day]]
                date = "2026-02-30"
                kind = "day_off"
                note = "decree"

                [[day]]
                date = "2026-03-20"
                kind = "holiday"
                note = ""
                """)
        let r = try runCommand(esepBinary(), ["check-config", config])
        #expect(r.status != 0)
        let file = dir.appendingPathComponent("moved-days.toml").path
        #expect(r.stderr.contains("\(file):2: day[0].date: \"2026-02-30\" is not a date"), "\(r.stderr)")
        #expect(r.stderr.contains("\(file):8: day[1].kind: \"holiday\" is not one of"), "\(r.stderr)")
        #expect(r.stderr.contains("\(file):9: day[1].note: must not be empty"), "\(r.stderr)")

        // A file that is not there is the config key's problem, at the key's line.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("moved-days.toml"))
        let missing = try runCommand(esepBinary(), ["check-config", config])
        #expect(missing.stderr.contains("\(config):6: calendar.overrides: '\(file)': no such file"), "\(missing.stderr)")
    }

    /// The fee for Q1 2026 is declared by Fri 15 May 2026; a decree making that Friday a day off
    /// (an override) moves it to Mon 18 May, and the iCalendar file carries it.
    @Test func anOverrideMovesADeadlineAndTheCalendarExportsIt() throws {
        let dir = temporaryDirectory()
        let config = try site(
            dir,
            overrides: """
                [[day]]
                date = "2026-05-15"
                kind = "day_off"
                note = "Government decree (test)"
                """)
        #expect(try runCommand(esepBinary(), ["check-config", config]).status == 0)
        let args = ["calendar", "--config", config, "--from", "2026-05-01", "--to", "2026-06-01", "--today", "2026-05-04"]
        let json = try runCommand(esepBinary(), args + ["--format", "json"])
        #expect(json.status == 0, "\(json.stderr)")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])
        let deadlines = try #require(root["deadlines"] as? [[String: Any]])
        let declaration = try #require(deadlines.first { ($0["rule_id"] as? String)?.hasPrefix("fee_declaration") == true })
        #expect(declaration["due_date"] as? String == "2026-05-18")
        #expect(declaration["unadjusted_date"] as? String == "2026-05-15")
        #expect(declaration["days_left"] as? Int == 14)
        // The pool role lists the 1-ЦМ monthly form (the 25th of the next month).
        #expect(deadlines.contains { $0["document_id"] as? String == "form_1cm" })

        let ics = try runCommand(esepBinary(), args + ["--format", "ics"])
        #expect(ics.status == 0)
        #expect(ics.stdout.hasPrefix("BEGIN:VCALENDAR\r\n"))
        #expect(ics.stdout.contains("DTSTART;VALUE=DATE:20260518\r\n"))

        let bad = try runCommand(esepBinary(), ["calendar", "--role", "farmer"])
        #expect(bad.status != 0 && bad.stderr.contains("--role: 'farmer' is not a role"))
    }
}
