import Foundation
import GRDB
import Testing

extension ISO8601DateFormatter {
    static var withMilliseconds: ISO8601DateFormatter {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }
}

@Suite(.serialized) struct EnergyCLITests {
    /// A short demo run, then the energy, audit and replacement commands on its database.
    @Test func energyAuditAndReplacementCommands() throws {
        let db = temporaryDirectory().appendingPathComponent("esep.sqlite").path
        let run = try runCommand(esepBinary(), ["run", "--db", db, "--meters", "3", "--duration", "3", "--api-listen", "127.0.0.1:0"], timeout: 60)
        #expect(run.status == 0, "\(run.stderr)")

        // Energy as JSON: every row has start, end (with the site offset), wh (null when missing) and quality;
        // the last row is the open interval, so a query right after start-up is never empty.
        let since = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-1800))
        let energy = try runCommand(esepBinary(), ["energy", "--db", db, "--meter", "M001", "--from", since, "--format", "json"])
        #expect(energy.status == 0, "\(energy.stderr)")
        // One JSON document: the periods with numbers as numbers.
        let document = try #require(try JSONSerialization.jsonObject(with: Data(energy.stdout.utf8)) as? [String: Any])
        #expect(document["meter"] as? String == "M001")
        let rows = try #require(document["periods"] as? [[String: Any]])
        #expect(!rows.isEmpty)
        for r in rows {
            #expect((r["start"] as? String)?.hasSuffix("+05:00") == true)
            #expect((r["end"] as? String)?.hasSuffix("+05:00") == true)
            #expect(r.keys.contains("wh"))
            #expect(r["quality"] is String)
        }
        #expect(rows.last?["open"] as? Bool == true)

        // The audit chain holds the SAON events of the run; changing one is found.
        let ok = try runCommand(esepBinary(), ["audit", "verify", "--db", db])
        #expect(ok.status == 0, "\(ok.stdout)\(ok.stderr)")
        #expect(ok.stdout.contains("intact"))
        try DatabaseQueue(path: db).write { try $0.execute(sql: "UPDATE event SET new = 1 - new WHERE id = (SELECT MIN(id) FROM event)") }
        let broken = try runCommand(esepBinary(), ["audit", "verify", "--db", db])
        #expect(broken.status == 1)
        #expect(broken.stdout.contains("BROKEN") && broken.stdout.contains("event"), "\(broken.stdout)")

        // A replacement is recorded with a clear message; an unknown meter is an error that names it.
        let replace = try runCommand(
            esepBinary(),
            ["meter", "replace", "--db", db, "--meter", "M002", "--at", "now", "--old-final", "1000", "--new-initial", "0"])
        #expect(replace.status == 0, "\(replace.stderr)")
        #expect(replace.stdout.contains("recorded replacement"))
        let unknown = try runCommand(
            esepBinary(),
            ["meter", "replace", "--db", db, "--meter", "M999", "--at", "now", "--old-final", "1", "--new-initial", "0"])
        #expect(unknown.status != 0)
        #expect(unknown.stderr.contains("M999"))

        // `esep query --format json` is one document whose values are JSON numbers.
        let query = try runCommand(
            esepBinary(), ["query", "--db", db, "--device", "M001", "--channel", "energy_import", "--from", since, "--format", "json"])
        #expect(query.status == 0, "\(query.stderr)")
        let queried = try #require(try JSONSerialization.jsonObject(with: Data(query.stdout.utf8)) as? [String: Any])
        #expect(queried["device"] as? String == "M001" && queried["unit"] as? String == "Wh")
        let samples = try #require(queried["samples"] as? [[String: Any]])
        let last = try #require(samples.last)
        let lastWh = try #require(last["value"] as? Int64)
        let lastTime = try #require(last["time"] as? String)

        // A manual reading right after the last polled one, with the same value, fits; with no
        // daemon running the command applies it itself.
        let atMs = Int64((try #require(ISO8601DateFormatter.withMilliseconds.date(from: lastTime))).timeIntervalSince1970 * 1000) + 1
        let reading = try runCommand(
            esepBinary(),
            ["meter", "reading", "--db", db, "--meter", "M001", "--at", String(atMs), "--wh", String(lastWh), "--note", "act 7, display"])
        #expect(reading.status == 0, "\(reading.stderr)")
        #expect(reading.stdout.contains("recorded manual reading") && reading.stdout.contains("applied:"), "\(reading.stdout)")
        // One that would run the register backwards is refused, naming both readings; so are a
        // reading without a note and one in the future. None of them is recorded.
        let backwards = try runCommand(
            esepBinary(),
            ["meter", "reading", "--db", db, "--meter", "M001", "--at", "now", "--wh", String(lastWh - 1_000), "--note", "typo"])
        #expect(backwards.status != 0 && backwards.stderr.contains("does not fit") && backwards.stderr.contains("backwards"), "\(backwards.stderr)")
        let noNote = try runCommand(
            esepBinary(), ["meter", "reading", "--db", db, "--meter", "M001", "--at", "now", "--wh", String(lastWh), "--note", " "])
        #expect(noNote.status != 0 && noNote.stderr.contains("--note"))
        let future = try runCommand(
            esepBinary(),
            ["meter", "reading", "--db", db, "--meter", "M001", "--at", "2099-01-01", "--wh", String(lastWh), "--note", "x"])
        #expect(future.status != 0 && future.stderr.contains("future"))
        let count = try DatabaseQueue(path: db).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM manual_reading") }
        #expect(count == 1)
    }
}
