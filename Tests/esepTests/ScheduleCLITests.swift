import Foundation
import Testing

/// `esep schedule import/show/report` through the real binary.
@Suite(.serialized) struct ScheduleCLITests {
    @Test func badFilesAreRefusedWhereTheyAreWrongAndTheStoredScheduleStays() throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("esep.sqlite").path
        // A --db that does not exist is refused, not created.
        let missing = try runCommand(esepBinary(), ["schedule", "import", "x.csv", "--db", db])
        #expect(missing.status != 0)
        #expect(!FileManager.default.fileExists(atPath: db))
        let run = try runCommand(esepBinary(), ["run", "--db", db, "--meters", "2", "--duration", "3", "--api-listen", "127.0.0.1:0"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        let date = "2026-07-01"
        func file(_ name: String, _ text: String) throws -> String {
            let path = dir.appendingPathComponent(name).path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
        func rows(_ change: (inout [String]) -> Void = { _ in }) -> String {
            var r = (1...24).map { "\($0),\($0).5" }
            change(&r)
            return (["hour,kwh"] + r).joined(separator: "\n") + "\n"
        }
        let good = try file("good.csv", rows())
        let imported = try runCommand(esepBinary(), ["schedule", "import", good, "--date", date, "--db", db])
        #expect(imported.status == 0, "\(imported.stderr)")
        #expect(imported.stdout.contains("recorded the purchase schedule of 2026-07-01"))
        let before = try runCommand(esepBinary(), ["schedule", "show", "--date", date, "--db", db])
        #expect(before.status == 0, "\(before.stderr)")

        let cases: [(String, String, String)] = [
            ("missing.csv", rows { $0.remove(at: 6) }, "missing.csv:1:1: hour: hour 7 missing"),
            ("negative.csv", rows { $0[2] = "3,-4" }, "negative.csv:4:2: kwh: negative value -4"),
            ("columns.csv", rows { $0[4] = "5,1,2" }, "columns.csv:6:3: the row has 3 columns, the header 2"),
            ("number.csv", rows { $0[9] = "10,1O0" }, "number.csv:11:2: kwh: '1O0' is not a number"),
            ("duplicate.csv", rows { $0[11] = "11,5" }, "duplicate.csv:13:1: hour: hour 11 is given twice (first on line 12)"),
            (
                "date.csv", (["hour,kwh,date"] + (1...24).map { "\($0),1,2026-07-02" }).joined(separator: "\n"),
                "date.csv:2:3: date: the file is for 2026-07-02 but --date says 2026-07-01"
            ),
        ]
        for (name, text, expected) in cases {
            let path = try file(name, text)
            let r = try runCommand(esepBinary(), ["schedule", "import", path, "--date", date, "--db", db])
            #expect(r.status == 1, "\(name) was accepted")
            #expect(r.stderr.contains(dir.appendingPathComponent(expected).path), "\(name): \(r.stderr)")
            #expect(r.stderr.contains("nothing was stored"))
        }
        let after = try runCommand(esepBinary(), ["schedule", "show", "--date", date, "--db", db])
        #expect(after.stdout == before.stdout)
        #expect(!after.stdout.contains("superseded"))
        let audit = try runCommand(esepBinary(), ["audit", "verify", "--db", db])
        #expect(audit.status == 0, "\(audit.stdout)")
    }

    /// The report's consumed figures are `esep energy --site --step 1h`'s, to the Wh.
    @Test func theReportsConsumptionIsTheSitesHourlyEnergy() throws {
        let dir = temporaryDirectory()
        let db = dir.appendingPathComponent("esep.sqlite").path
        // The demo stores a schedule for today.
        let run = try runCommand(esepBinary(), ["run", "--db", db, "--meters", "3", "--duration", "4", "--api-listen", "127.0.0.1:0"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")
        let report = try runCommand(esepBinary(), ["schedule", "report", "--day", "today", "--format", "json", "--db", db])
        #expect(report.status == 0, "\(report.stderr)")
        let day = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        let hours = try #require(day["hours"] as? [[String: Any]])
        #expect(hours.count == 24)
        let from = try #require(hours.first?["start"] as? String)
        let energy = try runCommand(
            esepBinary(), ["energy", "--db", db, "--site", "--from", from, "--step", "1h", "--format", "json"])
        #expect(energy.status == 0, "\(energy.stderr)")
        let periods = try #require(
            (try JSONSerialization.jsonObject(with: Data(energy.stdout.utf8)) as? [String: Any])?["periods"] as? [[String: Any]])
        let withData = periods.filter { !($0["wh"] is NSNull) }
        #expect(!withData.isEmpty)
        for p in withData {
            let h = try #require(hours.first { ($0["start_ms"] as? Int64) == (p["start_ms"] as? Int64) })
            #expect((h["consumed_wh"] as? Int64) == (p["wh"] as? Int64), "\(h) vs \(p)")
        }
        let table = try runCommand(esepBinary(), ["schedule", "report", "--day", "today", "--db", db])
        #expect(table.stdout.contains("bought kWh") && table.stdout.contains("total"), "\(table.stdout)")
    }
}
