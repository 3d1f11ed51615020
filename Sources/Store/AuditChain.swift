import Crypto
import Foundation
import GRDB

/// The audit chain: every closed energy interval, correction, meter replacement, manual reading, SAON event,
/// generated document, purchase schedule (with its hours) and closed hour's result against it gets an `audit` row whose hash is SHA-256 over the previous row's hash and the record's
/// canonical content. Changing, deleting or inserting a record breaks the chain at that record,
/// and ``SampleStore/verifyAudit()`` names the first one that does not match.
enum AuditChain {
    static let genesis = Data(repeating: 0, count: 32)

    /// Appends the audit row of a record (inside the caller's write transaction).
    static func append(_ db: Database, kind: String, ref: Int64, content: String) throws {
        let prev = try Data.fetchOne(db, sql: "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1") ?? genesis
        try db.execute(
            sql: "INSERT INTO audit(kind, ref, prev_hash, hash) VALUES (?, ?, ?, ?)",
            arguments: [kind, ref, prev, hash(prev: prev, content: content)])
    }

    static func hash(prev: Data, content: String) -> Data {
        var h = SHA256()
        h.update(data: prev)
        h.update(data: Data(content.utf8))
        return Data(h.finalize())
    }

    static func opt(_ v: Int64?) -> String { v.map(String.init) ?? "null" }

    /// The canonical content of a record, read back from its table; nil when it no longer exists.
    static func content(_ db: Database, kind: String, ref: Int64) throws -> String? {
        switch kind {
        case "interval":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM energy_interval WHERE id = ?", arguments: [ref]) else { return nil }
            return intervalContent(
                id: r["id"], channel: r["channel"], startMs: r["start_ms"], endMs: r["end_ms"], wh: r["wh"],
                quality: r["quality"], reasons: r["reasons"], supersedes: r["supersedes"], createdMs: r["created_ms"])
        case "replacement":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM meter_replacement WHERE id = ?", arguments: [ref]) else { return nil }
            return replacementContent(
                id: r["id"], device: r["device"], timeMs: r["t"], oldFinalWh: r["old_final_wh"],
                newInitialWh: r["new_initial_wh"], note: r["note"], createdMs: r["created_ms"])
        case "manual":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM manual_reading WHERE id = ?", arguments: [ref]) else { return nil }
            return manualContent(
                id: r["id"], device: r["device"], channel: r["channel"], timeMs: r["t"], wh: r["wh"], note: r["note"],
                createdMs: r["created_ms"])
        case "document":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM document WHERE id = ?", arguments: [ref]) else { return nil }
            return documentContent(SampleStore.documentRecord(r))
        case "schedule":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM purchase_schedule WHERE id = ?", arguments: [ref]) else { return nil }
            return scheduleContent(try SampleStore.scheduleRecord(db, r))
        case "hour_result":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM purchase_hour_result WHERE id = ?", arguments: [ref]) else { return nil }
            return hourResultContent(SampleStore.hourResultRecord(r))
        case "event":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM event WHERE id = ?", arguments: [ref]) else { return nil }
            return eventContent(
                id: r["id"], timeMs: r["t"], device: r["device"], signal: r["signal"], old: r["old"], new: r["new"],
                uncertaintyMs: r["uncertainty_ms"])
        case "shed":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM shed WHERE id = ?", arguments: [ref]) else { return nil }
            return shedContent(SampleStore.shedRecord(r))
        case "restoration":
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM shed_restoration WHERE id = ?", arguments: [ref]) else {
                return nil
            }
            return restorationContent(SampleStore.restorationRecord(r))
        default:
            return nil
        }
    }

    static func intervalContent(
        id: Int64, channel: Int64, startMs: Int64, endMs: Int64, wh: Int64?, quality: String, reasons: Int64,
        supersedes: Int64?, createdMs: Int64
    ) -> String {
        "interval|\(id)|\(channel)|\(startMs)|\(endMs)|\(opt(wh))|\(quality)|\(reasons)|\(opt(supersedes))|\(createdMs)"
    }

    static func replacementContent(
        id: Int64, device: String, timeMs: Int64, oldFinalWh: Int64, newInitialWh: Int64, note: String, createdMs: Int64
    ) -> String {
        "replacement|\(id)|\(device)|\(timeMs)|\(oldFinalWh)|\(newInitialWh)|\(note)|\(createdMs)"
    }

    static func manualContent(
        id: Int64, device: String, channel: Int64, timeMs: Int64, wh: Int64, note: String, createdMs: Int64
    ) -> String {
        "manual|\(id)|\(device)|\(channel)|\(timeMs)|\(wh)|\(note)|\(createdMs)"
    }

    static func documentContent(_ d: DocumentRecord) -> String {
        "document|\(d.id)|\(d.kind)|\(d.template)|\(d.period)|\(d.language ?? "null")|\(d.format)|\(d.contentSHA256)|"
            + "\(d.fileSHA256)|\(d.auditHead ?? "null")|\(d.requestedBy)|\(d.createdMs)"
    }

    /// An event's content; its time uncertainty (stored since v8) is appended only when known,
    /// so chains written before it verify as they were.
    static func eventContent(
        id: Int64, timeMs: Int64, device: String, signal: String, old: Int64?, new: Int64, uncertaintyMs: Int64? = nil
    ) -> String {
        "event|\(id)|\(timeMs)|\(device)|\(signal)|\(opt(old))|\(new)" + (uncertaintyMs.map { "|u=\($0)" } ?? "")
    }

    static func shedContent(_ r: ShedRecord) -> String {
        "shed|\(r.id)|\(r.eventId)|\(r.saon)|\(r.stage)|\(r.timeMs)|\(opt(r.uncertaintyMs))|\(r.test ? 1 : 0)|"
            + "\(r.verdict.rawValue)|\(r.reason)|\(r.windowMs)|\(opt(r.beforeW))|\(opt(r.afterW))|\(opt(r.expectedW))|"
            + "\(r.feedersJSON)|\(r.verifiedMs)"
    }

    static func restorationContent(_ r: ShedRestoration) -> String {
        "restoration|\(r.id)|\(r.shedId)|\(r.timeMs)|\(r.signal)|\(opt(r.powerBackMs))|\(opt(r.notConsumedWh))|\(r.createdMs)"
    }
}

/// The result of walking the audit chain.
public struct AuditReport: Sendable, Hashable, CustomStringConvertible {
    /// Audit rows checked.
    public var checked: Int
    /// The first problem, or nil when the chain is intact.
    public var firstProblem: String?

    public var isIntact: Bool { firstProblem == nil }

    public var description: String {
        if let firstProblem { return "audit chain BROKEN after \(checked) good record(s): \(firstProblem)" }
        return "audit chain intact: \(checked) record(s) verified"
    }
}

extension SampleStore {
    /// Walks the audit chain from the start and reports the first record that does not match
    /// (changed, deleted, or inserted without an audit row). Read-only: an inspector can run it
    /// on a copy of the database.
    public func verifyAudit() throws(StoreError) -> AuditReport {
        do {
            return try pool.read { db in
                var prev = AuditChain.genesis
                var checked = 0
                let rows = try Row.fetchCursor(db, sql: "SELECT seq, kind, ref, prev_hash, hash FROM audit ORDER BY seq")
                while let r = try rows.next() {
                    let seq: Int64 = r["seq"]
                    let kind: String = r["kind"]
                    let ref: Int64 = r["ref"]
                    let rowPrev: Data = r["prev_hash"]
                    let rowHash: Data = r["hash"]
                    let what = "audit #\(seq) (\(kind) \(ref))"
                    guard rowPrev == prev else {
                        return AuditReport(checked: checked, firstProblem: "\(what): previous hash does not match the chain")
                    }
                    guard let content = try AuditChain.content(db, kind: kind, ref: ref) else {
                        return AuditReport(checked: checked, firstProblem: "\(what): the record is missing")
                    }
                    guard AuditChain.hash(prev: prev, content: content) == rowHash else {
                        return AuditReport(checked: checked, firstProblem: "\(what): the record was changed after it was sealed: \(content)")
                    }
                    prev = rowHash
                    checked += 1
                }
                let tables = [
                    ("energy_interval", "interval"), ("meter_replacement", "replacement"), ("manual_reading", "manual"),
                    ("event", "event"), ("document", "document"), ("purchase_schedule", "schedule"),
                    ("purchase_hour_result", "hour_result"), ("shed", "shed"), ("shed_restoration", "restoration"),
                ]
                // A database written by an esep before a table existed (read-only: not migrated) has none of it.
                for (table, kind) in tables where try db.tableExists(table) {
                    if let id = try Int64.fetchOne(
                        db,
                        sql: "SELECT id FROM \(table) WHERE id NOT IN (SELECT ref FROM audit WHERE kind = ?) ORDER BY id LIMIT 1",
                        arguments: [kind])
                    {
                        return AuditReport(checked: checked, firstProblem: "\(kind) \(id) in \(table) has no audit record (inserted outside esep)")
                    }
                }
                return AuditReport(checked: checked, firstProblem: nil)
            }
        } catch {
            throw fail(.read, "verify audit chain", error)
        }
    }
}
