import Foundation
import GRDB

/// What shed verification concluded about one trip.
public enum ShedVerdict: String, Sendable, Hashable, Codable, CaseIterable {
    /// The affected feeders' measured power fell by at least the expected amount in time.
    case verified
    /// It did not: the record keeps the measured figures.
    case failed
    /// Meter data were missing (or there was no load to shed), so it cannot be told.
    case unverifiable
}

/// A stage trip and its verification: one row of `shed`, immutable once written.
public struct ShedRecord: Sendable, Hashable {
    public var id: Int64
    /// The `event` row of the stage's 0→1 change.
    public var eventId: Int64
    public var saon: String
    public var stage: Int
    /// The event's time (read completion) and how much earlier the trip may have happened, ms.
    public var timeMs: Int64
    public var uncertaintyMs: Int64?
    /// Tripped while the controller was in test mode: a drill, never a real trip.
    public var test: Bool
    public var verdict: ShedVerdict
    /// Why, in words (the figures for a failure, what was missing for an unverifiable one).
    public var reason: String
    /// The time within which power had to fall, ms.
    public var windowMs: Int64
    /// The affected feeders' power before the trip and at the end of the window, and the drop
    /// that was expected, W (rounded).
    public var beforeW: Int64?
    public var afterW: Int64?
    public var expectedW: Int64?
    /// Per-meter figures as a JSON array (`[{"meter":…,"feeder":…,"before_w":…,"after_w":…,"samples":[[t,w],…]}]`).
    public var feedersJSON: String
    public var verifiedMs: Int64
    /// Filled when read with ``SampleStore/sheds(fromMs:toMs:saon:)``.
    public var restoration: ShedRestoration?

    public init(
        id: Int64 = 0, eventId: Int64, saon: String, stage: Int, timeMs: Int64, uncertaintyMs: Int64?, test: Bool,
        verdict: ShedVerdict, reason: String, windowMs: Int64, beforeW: Int64?, afterW: Int64?, expectedW: Int64?,
        feedersJSON: String, verifiedMs: Int64, restoration: ShedRestoration? = nil
    ) {
        self.id = id
        self.eventId = eventId
        self.saon = saon
        self.stage = stage
        self.timeMs = timeMs
        self.uncertaintyMs = uncertaintyMs
        self.test = test
        self.verdict = verdict
        self.reason = reason
        self.windowMs = windowMs
        self.beforeW = beforeW
        self.afterW = afterW
        self.expectedW = expectedW
        self.feedersJSON = feedersJSON
        self.verifiedMs = verifiedMs
        self.restoration = restoration
    }
}

/// The end of a shed: the breakers closed (or the stage reset) and power came back.
public struct ShedRestoration: Sendable, Hashable {
    public var id: Int64
    public var shedId: Int64
    /// The event that ended it (`feeder_open.N` 1→0 or `stage_tripped.N` 1→0), its time.
    public var timeMs: Int64
    public var signal: String
    /// When the feeders' measured power was back to at least half its pre-trip level, if seen.
    public var powerBackMs: Int64?
    /// Energy not consumed during the outage, estimated from the pre-trip power, Wh.
    public var notConsumedWh: Int64?
    public var createdMs: Int64

    public init(
        id: Int64 = 0, shedId: Int64, timeMs: Int64, signal: String, powerBackMs: Int64?, notConsumedWh: Int64?,
        createdMs: Int64
    ) {
        self.id = id
        self.shedId = shedId
        self.timeMs = timeMs
        self.signal = signal
        self.powerBackMs = powerBackMs
        self.notConsumedWh = notConsumedWh
        self.createdMs = createdMs
    }
}

extension SampleStore {
    static let eventColumns = "id, t, device, signal, old, new, uncertainty_ms"
    /// The same for a database written before `v8-saon-shed` and opened read-only (not migrated).
    static let eventColumnsBeforeV8 = "id, t, device, signal, old, new, NULL AS uncertainty_ms"

    /// The event columns this database has.
    static func eventColumns(_ db: Database) throws -> String {
        try db.columns(in: "event").contains { $0.name == "uncertainty_ms" } ? eventColumns : eventColumnsBeforeV8
    }

    static func stateEvent(_ r: Row) -> StateEvent {
        StateEvent(
            id: r["id"], timeMs: r["t"], device: r["device"], signal: r["signal"], old: r["old"], new: r["new"],
            uncertaintyMs: r["uncertainty_ms"])
    }

    static func shedRecord(_ r: Row) -> ShedRecord {
        ShedRecord(
            id: r["id"], eventId: r["event"], saon: r["saon"], stage: r["stage"], timeMs: r["t"],
            uncertaintyMs: r["uncertainty_ms"], test: (r["test"] as Int64) != 0,
            verdict: ShedVerdict(rawValue: r["verdict"]) ?? .unverifiable, reason: r["reason"], windowMs: r["window_ms"],
            beforeW: r["before_w"], afterW: r["after_w"], expectedW: r["expected_w"], feedersJSON: r["feeders"],
            verifiedMs: r["verified_ms"])
    }

    static func restorationRecord(_ r: Row) -> ShedRestoration {
        ShedRestoration(
            id: r["id"], shedId: r["shed"], timeMs: r["t"], signal: r["signal"], powerBackMs: r["power_back_ms"],
            notConsumedWh: r["not_consumed_wh"], createdMs: r["created_ms"])
    }

    /// SAON events stored after event `id`, oldest first, at most `limit`.
    public func events(afterId id: Int64, limit: Int = 1000) throws(StoreError) -> [StateEvent] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(try Self.eventColumns(db)) FROM event WHERE id > ? ORDER BY id LIMIT ?",
                    arguments: [id, limit]
                ).map(Self.stateEvent)
            }
        } catch {
            throw fail(.read, "read events after \(id)", error)
        }
    }

    /// The newest event id (0 when there is none).
    public func lastEventId() throws(StoreError) -> Int64 {
        do {
            return try pool.read { db in try Int64.fetchOne(db, sql: "SELECT max(id) FROM event") ?? 0 }
        } catch {
            throw fail(.read, "read the newest event", error)
        }
    }

    /// The state of a device's signal as of `t` (its newest event at or before it), nil when unknown.
    public func state(device: String, signal: String, atMs t: Int64) throws(StoreError) -> Int? {
        do {
            return try pool.read { db in
                try Int.fetchOne(
                    db, sql: "SELECT new FROM event WHERE device = ? AND signal = ? AND t <= ? ORDER BY t DESC, id DESC LIMIT 1",
                    arguments: [device, signal, t])
            }
        } catch {
            throw fail(.read, "read the state of \(device) \(signal)", error)
        }
    }

    /// Records a verified (or failed, or unverifiable) trip, in the audit chain. A trip already
    /// recorded (same event) is left as it is.
    /// - Returns: the record's id.
    @discardableResult
    public func recordShed(_ record: ShedRecord) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM shed WHERE event = ?", arguments: [record.eventId]) {
                    return id
                }
                try db.execute(
                    sql: """
                        INSERT INTO shed(event, saon, stage, t, uncertainty_ms, test, verdict, reason, window_ms, before_w,
                          after_w, expected_w, feeders, verified_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        record.eventId, record.saon, record.stage, record.timeMs, record.uncertaintyMs, record.test ? 1 : 0,
                        record.verdict.rawValue, record.reason, record.windowMs, record.beforeW, record.afterW,
                        record.expectedW, record.feedersJSON, record.verifiedMs,
                    ])
                var r = record
                r.id = db.lastInsertedRowID
                try AuditChain.append(db, kind: "shed", ref: r.id, content: AuditChain.shedContent(r))
                return r.id
            }
        } catch {
            throw fail(.write, "record the shed of \(record.saon) stage \(record.stage)", error)
        }
    }

    /// Records the end of a shed, in the audit chain (once per shed).
    @discardableResult
    public func recordRestoration(_ restoration: ShedRestoration) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                if let id = try Int64.fetchOne(
                    db, sql: "SELECT id FROM shed_restoration WHERE shed = ?", arguments: [restoration.shedId])
                {
                    return id
                }
                try db.execute(
                    sql: """
                        INSERT INTO shed_restoration(shed, t, signal, power_back_ms, not_consumed_wh, created_ms)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        restoration.shedId, restoration.timeMs, restoration.signal, restoration.powerBackMs,
                        restoration.notConsumedWh, restoration.createdMs,
                    ])
                var r = restoration
                r.id = db.lastInsertedRowID
                try AuditChain.append(db, kind: "restoration", ref: r.id, content: AuditChain.restorationContent(r))
                return r.id
            }
        } catch {
            throw fail(.write, "record the restoration of shed \(restoration.shedId)", error)
        }
    }

    /// Trips with `fromMs ≤ t < toMs` (of one controller when `saon` is set), oldest first, each
    /// with its restoration when there is one.
    public func sheds(fromMs: Int64, toMs: Int64, saon: String? = nil) throws(StoreError) -> [ShedRecord] {
        do {
            return try pool.read { db in
                guard try db.tableExists("shed") else { return [] }
                var sql = "SELECT * FROM shed WHERE t >= ? AND t < ?"
                var arguments: StatementArguments = [fromMs, toMs]
                if let saon {
                    sql += " AND saon = ?"
                    _ = arguments.append(contentsOf: [saon])
                }
                return try Self.withRestorations(db, Row.fetchAll(db, sql: sql + " ORDER BY t, id", arguments: arguments))
            }
        } catch {
            throw fail(.read, "read sheds", error)
        }
    }

    /// The newest `limit` trips of each of `controllers`, newest first.
    public func recentSheds(controllers: [String], limit: Int) throws(StoreError) -> [ShedRecord] {
        do {
            return try pool.read { db in
                guard try db.tableExists("shed") else { return [] }
                var rows: [Row] = []
                for c in controllers {
                    rows += try Row.fetchAll(
                        db, sql: "SELECT * FROM shed WHERE saon = ? ORDER BY t DESC, id DESC LIMIT ?", arguments: [c, limit])
                }
                return try Self.withRestorations(db, rows)
            }
        } catch {
            throw fail(.read, "read recent sheds", error)
        }
    }

    /// One trip by id.
    public func shed(id: Int64) throws(StoreError) -> ShedRecord? {
        do {
            return try pool.read { db in
                guard try db.tableExists("shed") else { return nil }
                return try Self.withRestorations(db, Row.fetchAll(db, sql: "SELECT * FROM shed WHERE id = ?", arguments: [id])).first
            }
        } catch {
            throw fail(.read, "read shed \(id)", error)
        }
    }

    /// The shed recorded for a trip event, if any.
    public func shedId(event: Int64) throws(StoreError) -> Int64? {
        do {
            return try pool.read { db in
                guard try db.tableExists("shed") else { return nil }
                return try Int64.fetchOne(db, sql: "SELECT id FROM shed WHERE event = ?", arguments: [event])
            }
        } catch {
            throw fail(.read, "read the shed of event \(event)", error)
        }
    }

    /// Trips not restored yet.
    public func openSheds() throws(StoreError) -> [ShedRecord] {
        do {
            return try pool.read { db in
                guard try db.tableExists("shed") else { return [] }
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM shed WHERE id NOT IN (SELECT shed FROM shed_restoration) ORDER BY t, id"
                ).map(Self.shedRecord)
            }
        } catch {
            throw fail(.read, "read open sheds", error)
        }
    }

    private static func withRestorations(_ db: Database, _ rows: [Row]) throws -> [ShedRecord] {
        var records = rows.map(shedRecord)
        guard !records.isEmpty else { return records }
        let ids = records.map { String($0.id) }.joined(separator: ",")
        var byShed: [Int64: ShedRestoration] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT * FROM shed_restoration WHERE shed IN (\(ids))") {
            let x = restorationRecord(r)
            byShed[x.shedId] = x
        }
        for i in records.indices { records[i].restoration = byShed[records[i].id] }
        return records
    }
}
