import Foundation
import GRDB
import Testing

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
    }
}
