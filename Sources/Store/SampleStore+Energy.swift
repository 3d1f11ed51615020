import Foundation
import GRDB
import Metering

/// A stored energy interval: the record, its id and what it corrects.
public struct StoredInterval: Sendable, Hashable {
    public var id: Int64
    public var channel: UInt32
    public var interval: EnergyInterval
    /// The record this one corrects, if it is a correction.
    public var supersedes: Int64?
    public var createdMs: Int64
}

/// A declared meter replacement or reset, as recorded.
public struct StoredReplacement: Sendable, Hashable {
    public var id: Int64
    public var device: String
    public var replacement: MeterReplacement
    public var createdMs: Int64
    public var applied: Bool
}

extension SampleStore {
    /// Inserts closed intervals of a channel with their audit rows (inside a write transaction).
    static func insertIntervals(
        _ db: Database, channel: UInt32, _ intervals: [EnergyInterval], supersedes: [Int64?]? = nil, nowMs: Int64
    ) throws {
        for (i, iv) in intervals.enumerated() where !iv.isOpen {
            let sup = supersedes?[i] ?? nil
            try db.execute(
                sql: """
                    INSERT INTO energy_interval(channel, start_ms, end_ms, wh, quality, reasons, supersedes, created_ms)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [channel, iv.startMs, iv.endMs, iv.wh, iv.quality.rawValue, Int64(iv.reasons.rawValue), sup, nowMs])
            let id = db.lastInsertedRowID
            try AuditChain.append(
                db, kind: "interval", ref: id,
                content: AuditChain.intervalContent(
                    id: id, channel: Int64(channel), startMs: iv.startMs, endMs: iv.endMs, wh: iv.wh,
                    quality: iv.quality.rawValue, reasons: Int64(iv.reasons.rawValue), supersedes: sup, createdMs: nowMs))
        }
    }

    /// The columns ``storedInterval(_:)`` reads, in its order (by index: a name lookup per column
    /// and row was a tenth of a year-long site query).
    static let intervalColumns = "e.id, e.channel, e.start_ms, e.end_ms, e.wh, e.quality, e.reasons, e.supersedes, e.created_ms"

    static func storedInterval(_ r: Row) -> StoredInterval {
        let reasons = QualityReasons(rawValue: UInt32(truncatingIfNeeded: r[6] as Int64))
        var iv = EnergyInterval(startMs: r[2], endMs: r[3], wh: r[4], reasons: reasons)
        if let q = EnergyQuality(rawValue: r[5]) { iv.quality = q }
        return StoredInterval(id: r[0], channel: UInt32(r[1] as Int64), interval: iv, supersedes: r[7], createdMs: r[8])
    }

    /// The current version of each closed interval of a channel starting in `[fromMs, toMs)`
    /// (a correction replaces the record it supersedes), in time order.
    public func intervals(channel: UInt32, fromMs: Int64, toMs: Int64) throws(StoreError) -> [StoredInterval] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: """
                        SELECT \(Self.intervalColumns) FROM energy_interval e WHERE channel = ? AND start_ms >= ? AND start_ms < ?
                          AND NOT EXISTS (SELECT 1 FROM energy_interval c WHERE c.supersedes = e.id)
                        ORDER BY start_ms
                        """,
                    arguments: [channel, fromMs, toMs]
                ).map(Self.storedInterval)
            }
        } catch {
            throw fail(.read, "read energy intervals of channel \(channel)", error)
        }
    }

    /// The end of the last closed interval of a channel.
    public func lastIntervalEnd(channel: UInt32) throws(StoreError) -> Int64? {
        do {
            return try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT MAX(end_ms) FROM energy_interval WHERE channel = ?", arguments: [channel])
            }
        } catch {
            throw fail(.read, "read last interval of channel \(channel)", error)
        }
    }

    /// Records a meter replacement or reset: the counter series of `device` is split at `timeMs`.
    /// Intervals already closed across it are corrected by the writer (or ``applyReplacements(...)``).
    @discardableResult
    public func recordReplacement(device: String, _ r: MeterReplacement, nowMs: Int64) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                guard try Int64.fetchOne(db, sql: "SELECT id FROM device WHERE name = ?", arguments: [device]) != nil else {
                    throw StoreError(.notFound, path: path, operation: "record replacement", reason: "no device '\(device)' in this database")
                }
                try db.execute(
                    sql: "INSERT INTO meter_replacement(device, t, old_final_wh, new_initial_wh, note, created_ms) VALUES (?, ?, ?, ?, ?, ?)",
                    arguments: [device, r.timeMs, r.oldFinalWh, r.newInitialWh, r.note ?? "", nowMs])
                let id = db.lastInsertedRowID
                try AuditChain.append(
                    db, kind: "replacement", ref: id,
                    content: AuditChain.replacementContent(
                        id: id, device: device, timeMs: r.timeMs, oldFinalWh: r.oldFinalWh, newInitialWh: r.newInitialWh,
                        note: r.note ?? "", createdMs: nowMs))
                return id
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw fail(.write, "record replacement of '\(device)'", error)
        }
    }

    /// Every recorded replacement (of one device, or all).
    public func replacements(device: String? = nil) throws(StoreError) -> [StoredReplacement] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT * FROM meter_replacement WHERE ? IS NULL OR device = ? ORDER BY t, id",
                    arguments: [device, device]
                ).map { r in
                    StoredReplacement(
                        id: r["id"], device: r["device"],
                        replacement: MeterReplacement(
                            timeMs: r["t"], oldFinalWh: r["old_final_wh"], newInitialWh: r["new_initial_wh"],
                            note: (r["note"] as String).isEmpty ? nil : r["note"]),
                        createdMs: r["created_ms"], applied: (r["applied"] as Int64) != 0)
                }
            }
        } catch {
            throw fail(.read, "read replacements", error)
        }
    }

    /// The end of the last closed interval of every channel that has one.
    /// The earliest instant the store holds anything of these channels from: their first stored
    /// interval, first sealed chunk, first manual reading or the first open hot window (nil: nothing at all). Queries
    /// start there, so a range before any data costs nothing.
    public func firstDataMs(channels: [UInt32]) throws(StoreError) -> Int64? {
        do {
            return try pool.read { db in
                var first: Int64? = nil
                func take(_ t: Int64?) { if let t { first = min(first ?? t, t) } }
                for c in channels {
                    take(try Int64.fetchOne(db, sql: "SELECT MIN(start_ms) FROM energy_interval WHERE channel = ?", arguments: [c]))
                    take(try Int64.fetchOne(db, sql: "SELECT MIN(window_start) FROM chunk WHERE channel = ?", arguments: [c]))
                    take(try Int64.fetchOne(db, sql: "SELECT MIN(t) FROM manual_reading WHERE channel = ?", arguments: [c]))
                }
                take(try Self.hotWindows(db).first)
                return first
            }
        } catch {
            throw fail(.read, "read the first data instant", error)
        }
    }

    public func lastIntervalEnds() throws(StoreError) -> [UInt32: Int64] {
        do {
            return try pool.read { db in
                var out: [UInt32: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT channel, MAX(end_ms) FROM energy_interval GROUP BY channel") {
                    out[UInt32(row[0] as Int64)] = row[1]
                }
                return out
            }
        } catch {
            throw fail(.read, "read last intervals", error)
        }
    }

    /// The counter readings of several energy channels, each from its own start on, reading the
    /// hot tables once (start-up resumes every energy channel at once).
    public func readings(from starts: [UInt32: Int64]) throws(StoreError) -> [UInt32: [CounterReading]] {
        guard let earliest = starts.values.min() else { return [:] }
        let window = chunkWindowMs
        do {
            return try pool.read { db in
                var out: [UInt32: [CounterReading]] = [:]
                for (channel, from) in starts {
                    let rows = try Row.fetchCursor(
                        db, sql: "SELECT data FROM chunk WHERE channel = ? AND window_start >= ? AND t_last >= ? ORDER BY window_start, t_first",
                        arguments: [channel, from - window, from])
                    while let row = try rows.next() {
                        for (t, v) in try ChunkDecoder(Array(row["data"] as Data)) where t >= from {
                            if let wh = v.energyWh { out[channel, default: []].append(CounterReading(timeMs: t, wh: wh)) }
                        }
                    }
                }
                for w in try Self.hotWindows(db) where w + window > earliest {
                    let hot = try Row.fetchCursor(db, sql: "SELECT t, data FROM \(Self.hotTable(w)) ORDER BY rowid")
                    while let row = try hot.next() {
                        let t: Int64 = row[0]
                        let data: Data = row[1]
                        data.withUnsafeBytes { bytes in
                            HotRow.forEach(bytes) { c, v in
                                guard let from = starts[c], t >= from, let wh = v.energyWh else { return }
                                out[c, default: []].append(CounterReading(timeMs: t, wh: wh))
                            }
                        }
                    }
                }
                for c in out.keys { out[c]!.sort { $0.timeMs < $1.timeMs } }
                for (channel, from) in starts {
                    let manual = try Self.manualReadings(db, channel: channel, fromMs: from, toMs: .max)
                    if !manual.isEmpty { out[channel] = Self.merging(manual, into: out[channel] ?? []) }
                }
                return out
            }
        } catch let error as ChunkCodecError {
            throw fail(.corrupt, "read energy readings", error)
        } catch {
            throw fail(.read, "read energy readings", error)
        }
    }

    /// The first counter reading of an energy channel in `[fromMs, toMs)`, polled or manual: the
    /// first of ``readings(channel:fromMs:toMs:)``, without reading the rest. In the hot tables it
    /// stops at the channel's first row: a channel first read a second after the window opened
    /// costs a second of rows, not the window's.
    public func firstReading(channel: UInt32, fromMs: Int64, toMs: Int64) throws(StoreError) -> CounterReading? {
        guard fromMs < toMs else { return nil }
        let window = chunkWindowMs
        do {
            return try pool.read { db -> CounterReading? in
                var polled: CounterReading? = nil
                let rows = try Self.chunkRows(db, channel: channel, fromMs: fromMs, toMs: toMs, window: window)
                chunks: while let row = try rows.next() {
                    for (t, v) in try ChunkDecoder(Array(row["data"] as Data)) where t >= fromMs && t < toMs {
                        if let wh = v.energyWh {
                            polled = CounterReading(timeMs: t, wh: wh)
                            break chunks
                        }
                    }
                }
                if polled == nil {
                    hot: for w in try Self.hotWindows(db) where w + window > fromMs && w < toMs {
                        // Insertion order is time order for each channel.
                        let hot = try Row.fetchCursor(
                            db, sql: "SELECT t, data FROM \(Self.hotTable(w)) WHERE t >= ? AND t < ? ORDER BY rowid",
                            arguments: [fromMs, toMs])
                        while let row = try hot.next() {
                            let t: Int64 = row[0]
                            let data: Data = row[1]
                            data.withUnsafeBytes { bytes in
                                HotRow.forEach(bytes) { c, v in
                                    if polled == nil, c == channel, let wh = v.energyWh { polled = CounterReading(timeMs: t, wh: wh) }
                                }
                            }
                            if polled != nil { break hot }
                        }
                    }
                }
                let manual = try Self.manualReadings(db, channel: channel, fromMs: fromMs, toMs: toMs).first
                // As in ``merging(_:into:)``: a manual reading goes before a polled one at the same instant.
                if let manual, manual.timeMs <= (polled?.timeMs ?? .max) { return manual }
                return polled
            }
        } catch let error as ChunkCodecError {
            throw fail(.corrupt, "read the first reading of channel \(channel)", error)
        } catch {
            throw fail(.read, "read the first reading of channel \(channel)", error)
        }
    }

    /// The counter readings of an energy channel in `[fromMs, toMs)` (missing values skipped),
    /// polled and manual (`esep meter reading`) in time order.
    public func readings(channel: UInt32, fromMs: Int64, toMs: Int64) throws(StoreError) -> [CounterReading] {
        let polled = try samples(channel: channel, fromMs: fromMs, toMs: toMs).compactMap { s in
            s.value.energyWh.map { CounterReading(timeMs: s.timeMs, wh: $0) }
        }
        let manual: [CounterReading]
        do {
            manual = try pool.read { db in try Self.manualReadings(db, channel: channel, fromMs: fromMs, toMs: toMs) }
        } catch {
            throw fail(.read, "read manual readings of channel \(channel)", error)
        }
        return Self.merging(manual, into: polled)
    }

    /// Applies the meter records of `device` not applied yet — declared replacements and manual
    /// readings — to the closed intervals of its import `channel`: each record changes only the
    /// intervals between the data points on either side of it, so those are recomputed (with
    /// every record) and, where energy, quality or reasons changed, a correction is recorded (a
    /// new record that supersedes the old one). Intervals of that span not stored yet but before
    /// the channel's last stored one (a manual reading before the first polled data) are
    /// recorded; later ones are the writer's. Marks the records it read applied (by id: one recorded meanwhile stays pending).
    /// - Returns: the corrections and the intervals added.
    @discardableResult
    public func applyMeterRecords(
        device: String, channel: UInt32, options: CounterOptions, step: IntervalStep, calendar: SiteCalendar, nowMs: Int64
    ) throws(StoreError) -> (corrections: Int, added: Int) {
        let declared = try replacements(device: device)
        let manual = try manualReadings(device: device).filter { $0.channel == channel }
        let pendingReplacements = declared.filter { !$0.applied }
        let pendingManual = manual.filter { !$0.applied }
        let times = pendingReplacements.map(\.replacement.timeMs) + pendingManual.map(\.reading.timeMs)
        guard !times.isEmpty else { return (0, 0) }
        let lastStoredEnd = try lastIntervalEnd(channel: channel)
        var changed: [EnergyInterval] = []
        var supersedes: [Int64?] = []
        var added = 0
        var done: Set<Int64> = []
        for t in Set(times).sorted() {
            // The span between the data points on either side of the record.
            let before = try reading(channel: channel, before: t, nowMs: nowMs)
            let after = try reading(channel: channel, after: t, nowMs: nowMs)
            let a = calendar.boundary(atOrBefore: min(before?.timeMs ?? t, t), step: step)
            let b = calendar.boundary(after: max(after?.timeMs ?? t, t), step: step)
            let readings = try readings(channel: channel, covering: a, b, nowMs: nowMs)
            guard let first = readings.first, let last = readings.last else { continue }
            let reps = declared.map(\.replacement).filter { $0.timeMs >= first.timeMs && $0.timeMs <= last.timeMs }
            let series = CounterSeries(readings: readings, replacements: reps, options: options)
            let stored = Dictionary(
                try intervals(channel: channel, fromMs: a, toMs: b).map { ($0.interval.startMs, $0) }, uniquingKeysWith: { x, _ in x })
            for iv in series.intervals(boundaries: calendar.boundaries(from: a, through: b, step: step))
            where !iv.isOpen && iv.wh != nil && !done.contains(iv.startMs) {
                done.insert(iv.startMs)
                if let old = stored[iv.startMs] {
                    if old.interval.wh != iv.wh || old.interval.quality != iv.quality || old.interval.reasons != iv.reasons {
                        changed.append(iv)
                        supersedes.append(old.id)
                    }
                } else if let lastStoredEnd, iv.endMs <= lastStoredEnd {
                    changed.append(iv)
                    supersedes.append(nil)
                    added += 1
                }
            }
        }
        let sorted = zip(changed, supersedes).sorted { $0.0.startMs < $1.0.startMs }
        do {
            try pool.write { db in
                try Self.insertIntervals(db, channel: channel, sorted.map(\.0), supersedes: sorted.map(\.1), nowMs: nowMs)
                // Exactly the records read above: one recorded meanwhile stays pending for the next pass.
                for r in pendingReplacements {
                    try db.execute(sql: "UPDATE meter_replacement SET applied = 1 WHERE id = ?", arguments: [r.id])
                }
                for r in pendingManual {
                    try db.execute(sql: "UPDATE manual_reading SET applied = 1 WHERE id = ?", arguments: [r.id])
                }
            }
        } catch {
            throw fail(.write, "record corrections for '\(device)'", error)
        }
        return (changed.count - added, added)
    }

    /// The devices with a replacement or manual reading not applied yet.
    public func devicesWithPendingRecords() throws(StoreError) -> Set<String> {
        do {
            return try pool.read { db in
                Set(
                    try String.fetchAll(
                        db,
                        sql: """
                            SELECT device FROM meter_replacement WHERE applied = 0
                            UNION SELECT device FROM manual_reading WHERE applied = 0
                            """))
            }
        } catch {
            throw fail(.read, "read pending meter records", error)
        }
    }

    /// The last reading (polled or manual) of a channel before `t`, searched back in growing
    /// windows down to the channel's first data.
    public func reading(channel: UInt32, before t: Int64, nowMs: Int64) throws(StoreError) -> CounterReading? {
        guard let floor = try firstDataMs(channels: [channel]), floor < t else { return nil }
        var width: Int64 = 3_600_000
        var upper = t
        while upper > floor - chunkWindowMs {
            let lower = max(upper - width, floor - chunkWindowMs)
            if let r = try readings(channel: channel, fromMs: lower, toMs: upper).last { return r }
            upper = lower
            width *= 4
        }
        return nil
    }

    /// The first reading (polled or manual) of a channel after `t`, searched forward in growing
    /// windows up to `nowMs`.
    public func reading(channel: UInt32, after t: Int64, nowMs: Int64) throws(StoreError) -> CounterReading? {
        var width: Int64 = 3_600_000
        var lower = t + 1
        let ceiling = max(nowMs, t) + chunkWindowMs
        while lower < ceiling {
            let upper = min(lower + width, ceiling)
            if let r = try readings(channel: channel, fromMs: lower, toMs: upper).first { return r }
            lower = upper
            width *= 4
        }
        return nil
    }

    /// The readings of `[a, b]` with the one before `a` and the one after `b`: all a series needs
    /// for the intervals between boundaries in `[a, b]`.
    func readings(channel: UInt32, covering a: Int64, _ b: Int64, nowMs: Int64) throws(StoreError) -> [CounterReading] {
        var out: [CounterReading] = []
        if let r = try reading(channel: channel, before: a, nowMs: nowMs) { out.append(r) }
        out += try readings(channel: channel, fromMs: a, toMs: b + 1)
        if let r = try reading(channel: channel, after: b, nowMs: nowMs) { out.append(r) }
        return out
    }
}

extension SampleStore {
    /// A meter's energy intervals after its closed ones: from `lastEnd` (the end of its last stored
    /// interval, or where to start) to `toMs`, computed from the readings with the writer's own
    /// arithmetic (an accumulator replayed over them), so these are the intervals it will store,
    /// ending with the one in progress (energy so far, `isOpen`).
    /// - Parameters:
    ///   - options: the meter's counter options, as ingest judges it (`MeterConfig.counterOptions`).
    ///   - prefetched: the channel's readings from at least two steps before `lastEnd` on, when the
    ///     caller has them (``readings(from:)`` for many channels at once); nil: read here.
    public func intervalsAfterClosed(
        device: String, channel name: ChannelName = ChannelName(.energyImport), lastEnd: Int64, toMs: Int64,
        step: IntervalStep = .defaultInterval, calendar: SiteCalendar = .almaty, options: CounterOptions,
        readings prefetched: [CounterReading]? = nil
    ) throws(StoreError) -> [EnergyInterval] {
        // Any Int64 may arrive here; inside the supported range the arithmetic below cannot overflow.
        let lastEnd = max(lastEnd, SiteCalendar.supportedRange.lowerBound)
        let toMs = min(toMs, SiteCalendar.supportedRange.upperBound)
        guard lastEnd < toMs else { return [] }
        let info = try channel(device: device, name: name)
        let lookback = 2 * (step.fixedLengthMs ?? 3_600_000)
        // A reading exactly at `toMs` is the last interval's end value: read it too (`toMs` is
        // inside the supported range, so + 1 cannot overflow).
        let readings: [CounterReading]
        if let prefetched {
            readings = prefetched.filter { $0.timeMs >= lastEnd - lookback && $0.timeMs < toMs + 1 }
        } else {
            readings = try self.readings(channel: info.id, fromMs: lastEnd - lookback, toMs: toMs + 1)
        }
        guard let lastReading = readings.last, lastReading.timeMs >= lastEnd else { return [] }
        let declared = try replacements(device: device).map(\.replacement)
        var accumulator = IntervalAccumulator(step: step, calendar: calendar, options: options, emittingFrom: lastEnd)
        var emitted: [EnergyInterval] = []
        _ = accumulator.replay(readings, declaring: declared.filter { $0.timeMs >= readings[0].timeMs }[...]) {
            emitted.append($0)
        }
        if let open = accumulator.openInterval {
            emitted.append(open)
        } else if emitted.isEmpty {
            // No boundary passed since the readings began (a meter first read minutes ago): the
            // writer has nothing yet; the energy since the first reading, from the series.
            let series = CounterSeries(readings: readings, replacements: declared, options: options)
            let end = calendar.boundary(after: lastReading.timeMs, step: step)
            let start = calendar.boundary(atOrBefore: lastEnd, step: step)
            for iv in series.intervals(boundaries: calendar.boundaries(from: start, through: end, step: step)) {
                var interval = iv
                if interval.endMs > lastReading.timeMs { interval.isOpen = true }
                emitted.append(interval)
            }
        }
        return emitted.filter { $0.startMs >= lastEnd && $0.startMs < toMs }
    }
}
