import Foundation
import GRDB
import Metering

/// A manual reading of a meter's import register, as recorded (`esep meter reading`).
public struct StoredManualReading: Sendable, Hashable {
    public var id: Int64
    public var device: String
    public var channel: UInt32
    /// The reading (``CounterReading/isManual`` set).
    public var reading: CounterReading
    /// Who read it and why (an act number, "commissioning").
    public var note: String
    public var createdMs: Int64
    /// The closed intervals it touches have been recomputed (by the daemon, or by the command
    /// when no daemon runs on the database).
    public var applied: Bool
}

extension SampleStore {
    /// Records a manual reading of `device`'s `energy_import` register: a data point of its
    /// energy series like a polled one, flagged manual, in the audit chain. The closed intervals
    /// it touches are recomputed by ``applyMeterRecords(device:channel:fromMs:options:step:calendar:nowMs:)``.
    /// - Throws: `.notFound` for an unknown device or one without an import register,
    ///   `.invalidArgument` when the meter already has a manual reading at that instant.
    @discardableResult
    public func recordManualReading(
        device: String, timeMs: Int64, wh: Int64, note: String, nowMs: Int64
    ) throws(StoreError) -> Int64 {
        let channel = try self.channel(device: device, name: ChannelName(.energyImport)).id
        do {
            return try pool.write { db in
                if try Int64.fetchOne(
                    db, sql: "SELECT id FROM manual_reading WHERE channel = ? AND t = ?", arguments: [channel, timeMs]) != nil
                {
                    throw StoreError(
                        .invalidArgument, path: path, operation: "record manual reading",
                        reason: "'\(device)' already has a manual reading at that instant")
                }
                try db.execute(
                    sql: "INSERT INTO manual_reading(device, channel, t, wh, note, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [device, channel, timeMs, wh, note, nowMs])
                let id = db.lastInsertedRowID
                try AuditChain.append(
                    db, kind: "manual", ref: id,
                    content: AuditChain.manualContent(
                        id: id, device: device, channel: Int64(channel), timeMs: timeMs, wh: wh, note: note, createdMs: nowMs))
                return id
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw fail(.write, "record manual reading of '\(device)'", error)
        }
    }

    /// Every recorded manual reading (of one device, or all), in time order.
    public func manualReadings(device: String? = nil) throws(StoreError) -> [StoredManualReading] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM manual_reading WHERE ? IS NULL OR device = ? ORDER BY t, id",
                    arguments: [device, device]
                ).map { r in
                    StoredManualReading(
                        id: r["id"], device: r["device"], channel: UInt32(r["channel"] as Int64),
                        reading: CounterReading(timeMs: r["t"], wh: r["wh"], isManual: true), note: r["note"],
                        createdMs: r["created_ms"], applied: (r["applied"] as Int64) != 0)
                }
            }
        } catch {
            throw fail(.read, "read manual readings", error)
        }
    }

    /// A channel's earliest manual reading.
    public func firstManualReading(channel: UInt32) throws(StoreError) -> CounterReading? {
        do {
            return try pool.read { db in
                try Row.fetchOne(
                    db, sql: "SELECT t, wh FROM manual_reading WHERE channel = ? ORDER BY t LIMIT 1", arguments: [channel]
                ).map { CounterReading(timeMs: $0[0], wh: $0[1], isManual: true) }
            }
        } catch {
            throw fail(.read, "read the first manual reading", error)
        }
    }

    /// The manual readings of a channel in `[fromMs, toMs)` (inside the caller's read).
    static func manualReadings(_ db: Database, channel: UInt32, fromMs: Int64, toMs: Int64) throws -> [CounterReading] {
        try Row.fetchAll(
            db, sql: "SELECT t, wh FROM manual_reading WHERE channel = ? AND t >= ? AND t < ? ORDER BY t",
            arguments: [channel, fromMs, toMs]
        ).map { CounterReading(timeMs: $0[0], wh: $0[1], isManual: true) }
    }

    /// Polled `readings` (in time order) with `manual` ones merged in; a manual reading comes
    /// before a polled one at the same instant (the polled value is the one at that instant).
    static func merging(_ manual: [CounterReading], into readings: [CounterReading]) -> [CounterReading] {
        guard !manual.isEmpty else { return readings }
        var out: [CounterReading] = []
        out.reserveCapacity(readings.count + manual.count)
        var m = 0
        for r in readings {
            while m < manual.count, manual[m].timeMs <= r.timeMs {
                out.append(manual[m])
                m += 1
            }
            out.append(r)
        }
        out += manual[m...]
        return out
    }
}
