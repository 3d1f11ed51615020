import Foundation
import GRDB

/// One hour of a purchase schedule as stored: its number in the local day (1…N), its UTC span
/// and the energy bought for it.
public struct ScheduleHourRecord: Sendable, Hashable {
    /// 1…N, N the number of hours of the local day (23, 24 or 25).
    public var hour: Int
    public var startMs: Int64
    public var endMs: Int64
    /// Energy bought for the hour, Wh.
    public var purchasedWh: Int64

    public init(hour: Int, startMs: Int64, endMs: Int64, purchasedWh: Int64) {
        self.hour = hour
        self.startMs = startMs
        self.endMs = endMs
        self.purchasedWh = purchasedWh
    }
}

/// A day's hourly purchase schedule, as recorded (`esep schedule import`, `PUT /v1/schedule/{date}`).
public struct ScheduleRecord: Sendable, Hashable {
    public var id: Int64
    /// The site-local date, `YYYY-MM-DD`.
    public var localDate: String
    /// The time zone the hours were cut in (`Asia/Almaty`).
    public var zone: String
    /// Every hour of the day, in order.
    public var hours: [ScheduleHourRecord]
    /// Where it came from: the file name, or `api:TOKEN-NAME`.
    public var source: String
    /// Who recorded it: `cli:USER` or `api:TOKEN-NAME`.
    public var requestedBy: String
    /// The schedule of the same date this one replaced (kept for the record), nil for the first.
    public var supersedes: Int64?
    public var createdMs: Int64

    public init(
        id: Int64 = 0, localDate: String, zone: String, hours: [ScheduleHourRecord], source: String, requestedBy: String,
        supersedes: Int64? = nil, createdMs: Int64
    ) {
        self.id = id
        self.localDate = localDate
        self.zone = zone
        self.hours = hours
        self.source = source
        self.requestedBy = requestedBy
        self.supersedes = supersedes
        self.createdMs = createdMs
    }

    /// The energy bought for the whole day, Wh (each hour is capped at import, so this never overflows).
    public var totalWh: Int64 { hours.reduce(0) { $0 + $1.purchasedWh } }

    /// The hour holding `timeMs`, if the day holds it.
    public func hour(containing timeMs: Int64) -> ScheduleHourRecord? {
        hours.first { $0.startMs <= timeMs && timeMs < $0.endMs }
    }
}

/// A closed hour's consumption against its purchase, as recorded by the running daemon.
public struct HourResultRecord: Sendable, Hashable {
    public var id: Int64
    /// The schedule the hour was bought in.
    public var schedule: Int64
    public var hour: Int
    public var startMs: Int64
    public var endMs: Int64
    public var purchasedWh: Int64
    /// The site's energy of the hour from the read model; nil when nothing is known.
    public var consumedWh: Int64?
    /// The hour's quality (`measured`, … `missing`).
    public var quality: String
    /// The share of the hour covered by measured intervals, per mille (floored).
    public var completenessPerMille: Int
    public var createdMs: Int64

    public init(
        id: Int64 = 0, schedule: Int64, hour: Int, startMs: Int64, endMs: Int64, purchasedWh: Int64, consumedWh: Int64?,
        quality: String, completenessPerMille: Int, createdMs: Int64
    ) {
        self.id = id
        self.schedule = schedule
        self.hour = hour
        self.startMs = startMs
        self.endMs = endMs
        self.purchasedWh = purchasedWh
        self.consumedWh = consumedWh
        self.quality = quality
        self.completenessPerMille = completenessPerMille
        self.createdMs = createdMs
    }
}

extension SampleStore {
    /// Records a day's schedule with its hours in one transaction, chained in the audit log. A
    /// schedule for the same date already stored is superseded (kept; ``schedule(date:)`` returns
    /// the newest). Nothing is written when any part fails.
    /// - Returns: the stored record (its id, and the schedule it supersedes).
    @discardableResult
    public func recordSchedule(_ s: ScheduleRecord) throws(StoreError) -> ScheduleRecord {
        guard !s.hours.isEmpty else {
            throw StoreError(.invalidArgument, path: path, operation: "record schedule", reason: "a schedule without hours")
        }
        do {
            return try pool.write { db in
                var stored = s
                stored.supersedes = try Int64.fetchOne(
                    db, sql: "SELECT MAX(id) FROM purchase_schedule WHERE local_date = ?", arguments: [s.localDate])
                try db.execute(
                    sql: """
                        INSERT INTO purchase_schedule(local_date, zone, hours, source, requested_by, supersedes, created_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        s.localDate, s.zone, s.hours.count, s.source, s.requestedBy, stored.supersedes, s.createdMs,
                    ])
                stored.id = db.lastInsertedRowID
                let insert = try db.cachedStatement(
                    sql: "INSERT INTO purchase_hour(schedule, hour, start_ms, end_ms, wh) VALUES (?, ?, ?, ?, ?)")
                for h in s.hours {
                    try insert.execute(arguments: [stored.id, h.hour, h.startMs, h.endMs, h.purchasedWh])
                }
                try AuditChain.append(db, kind: "schedule", ref: stored.id, content: AuditChain.scheduleContent(stored))
                return stored
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw fail(.write, "record the purchase schedule of \(s.localDate)", error)
        }
    }

    /// The current schedule of a local date (`YYYY-MM-DD`): the newest one recorded; nil when none is.
    public func schedule(date: String) throws(StoreError) -> ScheduleRecord? {
        try schedules(date: date, history: false).first
    }

    /// Every schedule recorded for a local date, newest first (the first is the current one).
    public func scheduleHistory(date: String) throws(StoreError) -> [ScheduleRecord] {
        try schedules(date: date, history: true)
    }

    private func schedules(date: String, history: Bool) throws(StoreError) -> [ScheduleRecord] {
        do {
            return try pool.read { db in
                // A database written by an esep before schedules existed has no such table.
                guard try db.tableExists("purchase_schedule") else { return [] }
                let rows = try Row.fetchAll(
                    db, sql: "SELECT * FROM purchase_schedule WHERE local_date = ? ORDER BY id DESC LIMIT ?",
                    arguments: [date, history ? Int64.max : 1])
                return try rows.map { try Self.scheduleRecord(db, $0) }
            }
        } catch {
            throw fail(.read, "read the purchase schedule of \(date)", error)
        }
    }

    static func scheduleRecord(_ db: Database, _ r: Row) throws -> ScheduleRecord {
        let id: Int64 = r["id"]
        let hours = try Row.fetchAll(
            db, sql: "SELECT hour, start_ms, end_ms, wh FROM purchase_hour WHERE schedule = ? ORDER BY hour", arguments: [id]
        ).map { ScheduleHourRecord(hour: $0[0], startMs: $0[1], endMs: $0[2], purchasedWh: $0[3]) }
        return ScheduleRecord(
            id: id, localDate: r["local_date"], zone: r["zone"], hours: hours, source: r["source"],
            requestedBy: r["requested_by"], supersedes: r["supersedes"], createdMs: r["created_ms"])
    }

    /// Records a closed hour's result, chained in the audit log; once per schedule and hour (a
    /// second call for the same hour records nothing and returns nil).
    @discardableResult
    public func recordHourResult(_ h: HourResultRecord) throws(StoreError) -> Int64? {
        do {
            return try pool.write { db -> Int64? in
                if try Int64.fetchOne(
                    db, sql: "SELECT id FROM purchase_hour_result WHERE schedule = ? AND hour = ?", arguments: [h.schedule, h.hour])
                    != nil
                {
                    return nil
                }
                try db.execute(
                    sql: """
                        INSERT INTO purchase_hour_result(schedule, hour, start_ms, end_ms, purchased_wh, consumed_wh, quality,
                          completeness_per_mille, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        h.schedule, h.hour, h.startMs, h.endMs, h.purchasedWh, h.consumedWh, h.quality, h.completenessPerMille,
                        h.createdMs,
                    ])
                var stored = h
                stored.id = db.lastInsertedRowID
                try AuditChain.append(db, kind: "hour_result", ref: stored.id, content: AuditChain.hourResultContent(stored))
                return stored.id
            }
        } catch {
            throw fail(.write, "record the result of hour \(h.hour) of schedule \(h.schedule)", error)
        }
    }

    /// The recorded hour results of hours starting in `[fromMs, toMs)`, in time order.
    public func hourResults(fromMs: Int64, toMs: Int64) throws(StoreError) -> [HourResultRecord] {
        do {
            return try pool.read { db in
                guard try db.tableExists("purchase_hour_result") else { return [] }
                return try Row.fetchAll(
                    db, sql: "SELECT * FROM purchase_hour_result WHERE start_ms >= ? AND start_ms < ? ORDER BY start_ms, id",
                    arguments: [fromMs, toMs]
                ).map(Self.hourResultRecord)
            }
        } catch {
            throw fail(.read, "read hour results", error)
        }
    }

    static func hourResultRecord(_ r: Row) -> HourResultRecord {
        HourResultRecord(
            id: r["id"], schedule: r["schedule"], hour: r["hour"], startMs: r["start_ms"], endMs: r["end_ms"],
            purchasedWh: r["purchased_wh"], consumedWh: r["consumed_wh"], quality: r["quality"],
            completenessPerMille: r["completeness_per_mille"], createdMs: r["created_ms"])
    }
}

extension AuditChain {
    /// A schedule with every one of its hours: changing an hour's figure breaks the chain.
    static func scheduleContent(_ s: ScheduleRecord) -> String {
        let hours = s.hours.map { "\($0.hour):\($0.startMs):\($0.endMs):\($0.purchasedWh)" }.joined(separator: ",")
        return "schedule|\(s.id)|\(s.localDate)|\(s.zone)|\(s.hours.count)|\(s.source)|\(s.requestedBy)|\(opt(s.supersedes))|"
            + "\(s.createdMs)|\(hours)"
    }

    static func hourResultContent(_ h: HourResultRecord) -> String {
        "hour_result|\(h.id)|\(h.schedule)|\(h.hour)|\(h.startMs)|\(h.endMs)|\(h.purchasedWh)|\(opt(h.consumedWh))|\(h.quality)|"
            + "\(h.completenessPerMille)|\(h.createdMs)"
    }
}
