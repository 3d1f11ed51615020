import Foundation
import GRDB
import GRDBSQLite
import Metering

/// The store's single writer: appends batches of samples, records SAON state changes and the
/// newest value per channel, seals closed windows into compressed chunks, applies retention.
///
/// Not thread-safe: owned by the one writer thread of the ingest pipeline. Each batch is one
/// transaction with a reused prepared statement whose parameters are bound directly
/// (`sqlite3_bind_*`), so the append path allocates nothing per sample.
public final class SampleWriter {
    public let store: SampleStore
    private let window: Int64
    /// Chunk encoders of the open windows, by window start.
    private var encoders: [Int64: WindowEncoders] = [:]
    /// The window the last sample fell into (most samples do).
    private var lastWindow: (start: Int64, encoders: WindowEncoders)? = nil
    /// Hot tables known to exist.
    private var hotTables: Set<Int64> = []
    private var modes: [ChunkValueMode] = []
    private var saonSignals: [UInt32: (device: String, signal: String)] = [:]
    private var isSAON: [Bool] = []
    private var lastState: [UInt32: Int] = [:]
    /// When each SAON signal was last read (an event's uncertainty is the time since).
    private var lastStateTime: [UInt32: Int64] = [:]
    /// When each SAON controller was last read (any signal but its link state).
    private var lastDeviceReadTime: [String: Int64] = [:]
    private var latestTime: [Int64] = []
    private var latestValue: [SampleValue] = []
    private var dirty: [UInt32] = []
    private var rowBuffer: [UInt8] = []
    /// Energy intervals, once ``configureEnergy(_:step:calendar:nowMs:)`` was called.
    var energy: EnergyBook?
    private var isDirty: [Bool] = []
    /// Channels whose newest value changed since the last publication to ``live``.
    private var liveDirty: [UInt32] = []
    private var isLiveDirty: [Bool] = []
    /// The committed newest values and intervals in progress, for readers in this process.
    public let live = LiveView()

    /// Samples stored since start.
    public private(set) var stored: Int64 = 0
    /// Samples naming a channel the store does not know.
    public private(set) var unknownChannel: Int64 = 0
    /// Chunks written since start.
    public private(set) var sealedChunks: Int64 = 0
    /// How often the in-memory newest values are written to the `latest` table, ms.
    public var latestFlushIntervalMs: Int64 = 10_000
    private var lastLatestFlushMs: Int64 = 0

    /// Opens the writer: loads channel metadata and recovers the hot tables a previous run left
    /// (closed windows are sealed, the open one is loaded back into its encoders).
    public init(store: SampleStore, nowMs: Int64) throws(StoreError) {
        self.store = store
        window = store.chunkWindowMs
        try reloadChannels()
        try recover(nowMs: nowMs)
    }

    /// Re-reads the channel table (after devices were registered).
    public func reloadChannels() throws(StoreError) {
        let channels = try store.channels()
        let size = Int(channels.map(\.id).max() ?? 0) + 1
        modes = Array(repeating: .float, count: size)
        latestTime = Array(repeating: Int64.min, count: size)
        latestValue = Array(repeating: .missing, count: size)
        isDirty = Array(repeating: false, count: size)
        isLiveDirty = Array(repeating: false, count: size)
        liveDirty.removeAll()
        isSAON = Array(repeating: false, count: size)
        saonSignals = [:]
        for c in channels {
            modes[Int(c.id)] = c.isEnergy ? .integer : .float
            if c.name.kind.isSAONState {
                saonSignals[c.id] = (c.device, c.name.description)
                isSAON[Int(c.id)] = true
            }
        }
        for (id, s) in try store.latest() where Int(id) < size {
            latestTime[Int(id)] = s.timeMs
            latestValue[Int(id)] = s.value
            if saonSignals[id] != nil, let v = s.value.doubleValue {
                lastState[id] = Int(v)
                lastStateTime[id] = s.timeMs
            }
        }
        live.update { [latestTime, latestValue] s in
            s.time = latestTime
            s.value = latestValue
        }
    }

    /// Takes in channels registered while the writer runs (a reload's new devices) without
    /// touching what it holds for the others: their newest values, unflushed `latest` rows and
    /// SAON states carry on. Samples of a channel the writer does not know are not stored, so this
    /// runs before a new device's first poll.
    /// - Returns: the channels added.
    @discardableResult
    public func addChannels() throws(StoreError) -> Int {
        let channels = try store.channels()
        let size = Int(channels.map(\.id).max() ?? 0) + 1
        guard size > modes.count else { return 0 }
        let grow = size - modes.count
        modes += Array(repeating: .float, count: grow)
        latestTime += Array(repeating: Int64.min, count: grow)
        latestValue += Array(repeating: .missing, count: grow)
        isDirty += Array(repeating: false, count: grow)
        isLiveDirty += Array(repeating: false, count: grow)
        isSAON += Array(repeating: false, count: grow)
        var added = 0
        for c in channels where Int(c.id) >= size - grow {
            modes[Int(c.id)] = c.isEnergy ? .integer : .float
            if c.name.kind.isSAONState {
                saonSignals[c.id] = (c.device, c.name.description)
                isSAON[Int(c.id)] = true
            }
            added += 1
        }
        live.update { [latestTime, latestValue] s in
            s.time = latestTime
            s.value = latestValue
        }
        return added
    }

    private func recover(nowMs: Int64) throws(StoreError) {
        do {
            try store.pool.writeWithoutTransaction { db in
                for w in try SampleStore.hotWindows(db) {
                    hotTables.insert(w)
                    let rows = try Row.fetchCursor(db, sql: "SELECT t, data FROM \(SampleStore.hotTable(w)) ORDER BY rowid")
                    while let row = try rows.next() {
                        let t: Int64 = row[0]
                        let data: Data = row[1]
                        data.withUnsafeBytes { bytes in
                            HotRow.forEach(bytes) { channel, value in
                                guard Int(channel) < modes.count else { return }
                                feed(window: w, channel: channel, timeMs: t, value: value)
                            }
                        }
                    }
                }
            }
        } catch {
            throw store.fail(.read, "recover hot tables", error)
        }
        try seal(nowMs: nowMs)
    }

    private func feed(window w: Int64, channel: UInt32, timeMs: Int64, value: SampleValue) {
        let window: WindowEncoders
        if let last = lastWindow, last.start == w {
            window = last.encoders
        } else if let existing = encoders[w] {
            window = existing
            lastWindow = (w, existing)
        } else {
            window = WindowEncoders(channels: modes.count)
            encoders[w] = window
            lastWindow = (w, window)
        }
        window.append(channel: Int(channel), mode: modes[Int(channel)], timeMs: timeMs, value: value)
    }

    /// Appends a batch in one transaction, all or nothing.
    ///
    /// When the transaction fails (disk full, I/O error, a read-only or locked file) nothing of
    /// the batch is kept, on disk or in memory: the chunk encoders, newest values, SAON states
    /// and energy accumulators are changed only once the transaction has committed (or restored
    /// to what they were), so the caller can retry the same batch later and it is stored exactly
    /// once.
    ///
    /// The newest value of each channel is kept in memory and written to the `latest` table at
    /// most every ``latestFlushIntervalMs`` (and by ``flushLatest()``), so that it does not double
    /// the rows written per sample.
    /// - Returns: the number of samples stored.
    @discardableResult
    public func append(_ samples: UnsafeBufferPointer<Sample>) throws(StoreError) -> Int {
        guard !samples.isEmpty else { return 0 }
        var count = 0
        var unknown: Int64 = 0
        // What the transaction changes in memory, to put back when it does not commit.
        let savedState = lastState
        let savedStateTime = lastStateTime
        let savedDeviceReadTime = lastDeviceReadTime
        let savedHotTables = hotTables
        let savedEnergy = energy?.checkpoint()
        var flushedLatest = false
        do {
            try store.pool.writeWithoutTransaction { db in
                try db.inTransaction {
                    var currentWindow = Int64.min
                    var currentWindowEnd = Int64.min
                    var statement: SQLiteStatement? = nil
                    // Samples of one read share a timestamp and arrive together: one row each group.
                    var groupTime = Int64.min
                    rowBuffer.removeAll(keepingCapacity: true)
                    func flushGroup() throws {
                        guard !rowBuffer.isEmpty, let stmt = statement else { return }
                        sqlite3_bind_int64(stmt, 1, groupTime)
                        let rc = rowBuffer.withUnsafeBytes { b in
                            sqlite3_bind_blob(stmt, 2, b.baseAddress, Int32(b.count), nil)
                            return sqlite3_step(stmt)
                        }
                        sqlite3_reset(stmt)
                        rowBuffer.removeAll(keepingCapacity: true)
                        guard rc == SQLITE_DONE else {
                            throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
                        }
                    }
                    for s in samples {
                        let ch = Int(s.channel)
                        guard ch < modes.count, ch > 0 else {
                            unknown += 1
                            continue
                        }
                        if s.timeMs != groupTime || rowBuffer.count >= 4096 {
                            try flushGroup()
                            groupTime = s.timeMs
                        }
                        if s.timeMs < currentWindow || s.timeMs >= currentWindowEnd {
                            currentWindow = store.windowStart(s.timeMs)
                            currentWindowEnd = currentWindow + window
                            statement = try insertStatement(db, window: currentWindow)
                        }
                        HotRow.append(s.channel, s.value, to: &rowBuffer)
                        count += 1
                        if case .energy(let wh) = s.value { feedEnergy(channel: s.channel, timeMs: s.timeMs, wh: wh) }
                        if isSAON[ch], let signal = saonSignals[s.channel], let v = s.value.doubleValue {
                            let state = Int(v)
                            let old = lastState[s.channel]
                            // The change happened after the previous read of the signal: that is its
                            // uncertainty. The link state is written only when it changes: for it, the
                            // previous read of any of the controller's signals.
                            let isLink = signal.signal == "link"
                            let previous = isLink ? lastDeviceReadTime[signal.device] : lastStateTime[s.channel]
                            lastStateTime[s.channel] = s.timeMs
                            if !isLink { lastDeviceReadTime[signal.device] = s.timeMs }
                            if old != state {
                                lastState[s.channel] = state
                                let uncertainty = previous.map { max(0, s.timeMs - $0) }
                                try db.execute(
                                    sql: "INSERT INTO event(t, device, signal, old, new, uncertainty_ms) VALUES (?, ?, ?, ?, ?, ?)",
                                    arguments: [s.timeMs, signal.device, signal.signal, old, state, uncertainty])
                                let id = db.lastInsertedRowID
                                try AuditChain.append(
                                    db, kind: "event", ref: id,
                                    content: AuditChain.eventContent(
                                        id: id, timeMs: s.timeMs, device: signal.device, signal: signal.signal,
                                        old: old.map(Int64.init), new: Int64(state), uncertaintyMs: uncertainty))
                            }
                        }
                    }
                    try flushGroup()
                    let now = WallClock.nowMs()
                    try insertClosedIntervals(db, nowMs: now)
                    if now - lastLatestFlushMs >= latestFlushIntervalMs {
                        try writeLatest(db)
                        flushedLatest = true
                    }
                    return .commit
                }
            }
        } catch {
            lastState = savedState
            lastStateTime = savedStateTime
            lastDeviceReadTime = savedDeviceReadTime
            hotTables = savedHotTables
            if let savedEnergy { energy?.restore(savedEnergy) }
            throw store.fail(.write, "append batch of \(samples.count) samples", error)
        }
        // Committed: now the in-memory effects of the batch.
        energy?.committed()
        if flushedLatest {
            clearDirty()
            lastLatestFlushMs = WallClock.nowMs()
        }
        var currentWindow = Int64.min
        var currentWindowEnd = Int64.min
        for s in samples {
            let ch = Int(s.channel)
            guard ch < modes.count, ch > 0 else { continue }
            if s.timeMs < currentWindow || s.timeMs >= currentWindowEnd {
                currentWindow = store.windowStart(s.timeMs)
                currentWindowEnd = currentWindow + window
            }
            feed(window: currentWindow, channel: s.channel, timeMs: s.timeMs, value: s.value)
            if s.timeMs > latestTime[ch] {
                latestTime[ch] = s.timeMs
                latestValue[ch] = s.value
                if !isDirty[ch] {
                    isDirty[ch] = true
                    dirty.append(s.channel)
                }
                if !isLiveDirty[ch] {
                    isLiveDirty[ch] = true
                    liveDirty.append(s.channel)
                }
            }
        }
        unknownChannel += unknown
        stored += Int64(count)
        publishLive()
        return count
    }

    /// Publishes the batch just committed to ``live``: the channels' newest values and, for
    /// energy channels, the interval in progress and the head.
    private func publishLive() {
        guard !liveDirty.isEmpty else { return }
        let book = energy
        live.update { s in
            if s.time.count != latestTime.count {
                s.time = latestTime
                s.value = latestValue
            } else {
                for c in liveDirty {
                    s.time[Int(c)] = latestTime[Int(c)]
                    s.value[Int(c)] = latestValue[Int(c)]
                }
            }
            if let book {
                for c in liveDirty where Int(c) < book.accumulators.count {
                    guard let acc = book.accumulators[Int(c)] else { continue }
                    s.open[c] = acc.openInterval
                    // The head changes while open; once published closed, it is final.
                    if s.heads[c]?.isOpen != false, let head = acc.head { s.heads[c] = head }
                }
            }
        }
        for c in liveDirty { isLiveDirty[Int(c)] = false }
        liveDirty.removeAll(keepingCapacity: true)
    }

    /// The insert statement of a window's hot table (created on first use). A plain rowid table
    /// of one row per read (``HotRow``): appends land at the end of its B-tree, the cheapest
    /// insert SQLite has; rows come back in insertion order, which is time order per channel.
    private func insertStatement(_ db: Database, window w: Int64) throws -> SQLiteStatement? {
        let table = SampleStore.hotTable(w)
        if !hotTables.contains(w) {
            try db.execute(sql: "CREATE TABLE IF NOT EXISTS \(table)(t INTEGER NOT NULL, data BLOB NOT NULL)")
            hotTables.insert(w)
        }
        return try db.cachedStatement(sql: "INSERT INTO \(table)(t, data) VALUES (?, ?)").sqliteStatement
    }

    /// Writes the newest value of every channel that changed to the `latest` table now.
    public func flushLatest() throws(StoreError) {
        do {
            try store.pool.write { db in try writeLatest(db) }
        } catch {
            throw store.fail(.write, "write latest values", error)
        }
        clearDirty()
        lastLatestFlushMs = WallClock.nowMs()
    }

    /// The newest sample of a channel as the writer knows it (newer than the `latest` table).
    public func latest(channel: UInt32) -> StoredSample? {
        let ch = Int(channel)
        guard ch < latestTime.count, latestTime[ch] != Int64.min else { return nil }
        return StoredSample(timeMs: latestTime[ch], value: latestValue[ch])
    }

    /// Writes the changed newest values inside the caller's transaction; they stay marked as
    /// changed until ``clearDirty()`` (after the commit), so a rolled-back write is written again.
    private func writeLatest(_ db: Database) throws {
        guard !dirty.isEmpty else { return }
        let stmt = try db.cachedStatement(
            sql: """
                INSERT INTO latest(channel, t, v) VALUES (?, ?, ?)
                ON CONFLICT(channel) DO UPDATE SET t = excluded.t, v = excluded.v WHERE excluded.t > latest.t
                """
        ).sqliteStatement
        for c in dirty {
            let ch = Int(c)
            sqlite3_bind_int64(stmt, 1, Int64(c))
            sqlite3_bind_int64(stmt, 2, latestTime[ch])
            switch latestValue[ch] {
            case .energy(let wh): sqlite3_bind_int64(stmt, 3, wh)
            case .number(let v): sqlite3_bind_double(stmt, 3, v)
            case .missing: sqlite3_bind_null(stmt, 3)
            }
            let rc = sqlite3_step(stmt)
            sqlite3_reset(stmt)
            if rc != SQLITE_DONE {
                throw DatabaseError(resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(db.sqliteConnection)))
            }
        }
    }

    private func clearDirty() {
        for c in dirty { isDirty[Int(c)] = false }
        dirty.removeAll(keepingCapacity: true)
    }

    /// Seals every window that closed at least the grace period before `nowMs` (or every
    /// window, with `force`): its chunks are inserted and its hot table dropped, atomically.
    /// Then applies raw-sample retention.
    /// - Returns: the number of chunks written.
    @discardableResult
    public func seal(nowMs: Int64, force: Bool = false) throws(StoreError) -> Int {
        let closed = Set(encoders.keys).union(hotTables).filter {
            force || $0 + window + store.options.sealGraceMs <= nowMs
        }.sorted()
        var written = 0
        for w in closed {
            do {
                try store.pool.writeWithoutTransaction { db in
                    try db.inTransaction {
                        let stmt = try db.cachedStatement(
                            sql: "INSERT OR REPLACE INTO chunk(window_start, channel, t_first, t_last, count, data) VALUES (?, ?, ?, ?, ?, ?)")
                        for (channel, encoder) in (encoders[w]?.all ?? []) {
                            guard let first = encoder.firstTimeMs, let last = encoder.lastTimeMs else { continue }
                            try stmt.execute(arguments: [w, channel, first, last, encoder.count, Data(encoder.finish())])
                            written += 1
                        }
                        try db.execute(sql: "DROP TABLE IF EXISTS \(SampleStore.hotTable(w))")
                        return .commit
                    }
                }
            } catch {
                throw store.fail(.write, "seal window starting \(w)", error)
            }
            encoders[w] = nil
            if lastWindow?.start == w { lastWindow = nil }
            hotTables.remove(w)
        }
        sealedChunks += Int64(written)
        if store.options.rawRetentionMs > 0, !closed.isEmpty {
            do {
                try store.pool.write { db in
                    try db.execute(
                        sql: "DELETE FROM chunk WHERE window_start < ?", arguments: [nowMs - store.options.rawRetentionMs])
                }
            } catch {
                throw store.fail(.write, "apply retention", error)
            }
        }
        return written
    }

    /// Upserts the polling health of devices.
    public func writeHealth(_ health: [DeviceHealth], nowMs: Int64) throws(StoreError) {
        guard !health.isEmpty else { return }
        do {
            try store.pool.write { db in
                let stmt = try db.cachedStatement(
                    sql: """
                        INSERT OR REPLACE INTO device_health(device, last_success_ms, last_error_ms, last_error,
                          consecutive_failures, backoff_until_ms, polls, failures, updated_ms)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """)
                for h in health {
                    try stmt.execute(arguments: [
                        h.device, h.lastSuccessMs, h.lastErrorMs, h.lastError, h.consecutiveFailures, h.backoffUntilMs,
                        h.polls, h.failures, nowMs,
                    ])
                }
            }
        } catch {
            throw store.fail(.write, "write device health", error)
        }
    }

    /// Windows still open in memory (for tests and the periodic summary).
    public var openWindows: [Int64] { encoders.keys.sorted() }
}

/// The chunk encoders of one open window, indexed by channel id (dense: channel ids are small).
final class WindowEncoders {
    private var encoders: [ChunkEncoder?]

    init(channels: Int) { encoders = Array(repeating: nil, count: channels) }

    func append(channel: Int, mode: ChunkValueMode, timeMs: Int64, value: SampleValue) {
        if channel >= encoders.count { encoders += Array(repeating: nil, count: channel + 1 - encoders.count) }
        if encoders[channel] == nil { encoders[channel] = ChunkEncoder(mode: mode) }
        encoders[channel]!.append(timeMs: timeMs, value: value)
    }

    /// Every channel's encoder, by channel id.
    var all: [(UInt32, ChunkEncoder)] {
        encoders.enumerated().compactMap { i, e in e.map { (UInt32(i), $0) } }
    }
}
