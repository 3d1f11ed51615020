import Foundation
import GRDB
public import Metering

/// The closed intervals of several channels over one period, rolled up by SQLite.
public struct ClosedTotals: Sendable, Hashable {
    /// Per channel: the roll-up of its current (not superseded) closed intervals starting in the period.
    public var rollups: [UInt32: EnergyRollup]
    /// Per channel: the end of its last closed interval starting in the period.
    public var lastEndMs: [UInt32: Int64]
    /// Per channel: the start of its first closed interval in the period.
    public var firstStartMs: [UInt32: Int64] = [:]
    /// The newest interval record these totals include: records with a larger id came later.
    public var throughId: Int64

    public init(rollups: [UInt32: EnergyRollup] = [:], lastEndMs: [UInt32: Int64] = [:], throughId: Int64 = 0) {
        self.rollups = rollups
        self.lastEndMs = lastEndMs
        self.throughId = throughId
    }
}

extension SampleStore {
    /// The closed intervals of `channels` starting in `[fromMs, toMs)`, rolled up per channel
    /// (exactly as ``EnergyRollup/add(_:)`` would, interval by interval): SQLite sums energy
    /// per channel, quality and reasons, so a quarter of a large site is one pass over the index
    /// and never a quarter of rows in memory. Read in one transaction together with the newest
    /// record id, so records after ``ClosedTotals/throughId`` can be added on later.
    public func closedTotals(channels: [UInt32], fromMs: Int64, toMs: Int64) throws(StoreError) -> ClosedTotals {
        do {
            return try pool.read { db in
                var out = ClosedTotals()
                out.throughId = try Int64.fetchOne(db, sql: "SELECT MAX(id) FROM energy_interval") ?? 0
                let statement = try db.cachedStatement(
                    sql: """
                        SELECT quality, reasons, COUNT(*), SUM(wh), SUM(end_ms - start_ms), MAX(end_ms), MIN(start_ms)
                        FROM energy_interval e WHERE channel = ? AND start_ms >= ? AND start_ms < ?
                          AND NOT EXISTS (SELECT 1 FROM energy_interval c WHERE c.supersedes = e.id)
                        GROUP BY quality, reasons
                        """)
                for channel in channels {
                    let rows = try Row.fetchCursor(statement, arguments: [channel, fromMs, toMs])
                    var rollup: EnergyRollup? = nil
                    var lastEnd = Int64.min
                    var firstStart = Int64.max
                    while let row = try rows.next() {
                        guard let quality = EnergyQuality(rawValue: row[0]) else { continue }
                        var r = rollup ?? EnergyRollup(startMs: fromMs, endMs: toMs)
                        // Closed intervals are whole: their elapsed time is their span.
                        let span: Int64 = row[4] ?? 0
                        let reasons = QualityReasons(rawValue: UInt32(truncatingIfNeeded: row[1] as Int64))
                        r.counts[quality] += row[2] as Int
                        if reasons.contains(.partial) { r.partial += row[2] as Int }
                        r.reasons.formUnion(reasons)
                        r.wh += row[3] ?? 0
                        r.elapsedMs += span
                        if quality == .measured { r.measuredMs += span }
                        rollup = r
                        lastEnd = max(lastEnd, row[5] as Int64)
                        firstStart = min(firstStart, row[6] as Int64)
                    }
                    if let rollup {
                        out.rollups[channel] = rollup
                        out.lastEndMs[channel] = lastEnd
                        out.firstStartMs[channel] = firstStart
                    }
                }
                return out
            }
        } catch {
            throw fail(.read, "sum closed intervals", error)
        }
    }

    /// Interval records (new intervals and corrections) with an id above `afterId`, in id order.
    public func intervalRecords(afterId: Int64) throws(StoreError) -> [StoredInterval] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(Self.intervalColumns) FROM energy_interval e WHERE id > ? ORDER BY id", arguments: [afterId])
                    .map(Self.storedInterval)
            }
        } catch {
            throw fail(.read, "read new interval records", error)
        }
    }
}

extension ClosedTotals {
    /// Adds the interval records written after ``throughId`` (from
    /// ``SampleStore/intervalRecords(afterId:)``) for the channels these totals hold.
    /// - Returns: false when a record corrects an earlier one: a correction replaces energy
    ///   already counted, so the totals must be read again.
    public mutating func add(_ records: [StoredInterval], fromMs: Int64, toMs: Int64, channels: Set<UInt32>) -> Bool {
        for record in records {
            throughId = max(throughId, record.id)
            guard channels.contains(record.channel) else { continue }
            if record.supersedes != nil { return false }
            let iv = record.interval
            guard iv.startMs >= fromMs, iv.startMs < toMs else { continue }
            rollups[record.channel, default: EnergyRollup(startMs: fromMs, endMs: toMs)].add(iv)
            lastEndMs[record.channel] = max(lastEndMs[record.channel] ?? .min, iv.endMs)
            firstStartMs[record.channel] = min(firstStartMs[record.channel] ?? .max, iv.startMs)
        }
        return true
    }
}
