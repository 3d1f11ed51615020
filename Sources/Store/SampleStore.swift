import Foundation
import GRDB
import Metering

/// The embedded time-series store: one SQLite file in WAL mode, opened through GRDB.
///
/// Layout (migration `v1`):
/// - `device`, `channel`: what is polled; a channel id is the `Sample.channel` pollers use.
/// - `hot_<window start ms>`: the newest samples, one plain rowid table per chunk window and
///   one row per Modbus read (`t`, and a ``HotRow`` blob of its samples), so appends stay at
///   the end of the B-tree. Durable as soon as the writer's transaction commits.
/// - `chunk`: sealed samples, one compressed ``ChunkEncoder`` blob per channel and window.
///   A rowid table, so a blob of a few KiB stays in its row (a `WITHOUT ROWID` table spills
///   rows over ~1 KiB to overflow pages and doubled the bytes per sample); unique by
///   `(window_start, channel, t_first)`, indexed by channel. A window's hot
///   table is dropped in the same transaction that inserts its chunks.
/// - `latest`, `event`, `device_health`, `meta`.
///
/// Readers use the pool's reader connections (WAL snapshots) and never block the writer.
/// All writes go through one ``SampleWriter``.
public final class SampleStore: Sendable {
    public let path: String
    /// The chunk window length fixed when the file was created.
    public let chunkWindowMs: Int64
    public let options: StoreOptions
    let pool: DatabasePool

    /// Opens (creating and migrating when needed) the store at `path`.
    ///
    /// Opening for writing first checks an existing file with `PRAGMA quick_check` through a
    /// read-only connection and refuses a damaged one (``StoreError/Code/corrupt``) without
    /// writing a byte to it; then migrates, and proves the file takes a write (a committed
    /// update of `meta`), so a full disk or a read-only file is an error here, not silent loss later.
    /// - Parameter readOnly: open for reading only (CLI queries next to a running daemon).
    public init(path: String, options: StoreOptions = StoreOptions(), readOnly: Bool = false) throws(StoreError) {
        self.path = path
        self.options = options
        if !readOnly, FileManager.default.fileExists(atPath: path) {
            let problems = try Self.integrityProblems(path: path, full: false)
            if !problems.isEmpty {
                throw StoreError(
                    .corrupt, path: path, operation: "open",
                    reason: "the database is damaged (PRAGMA quick_check: \(problems.prefix(3).joined(separator: "; ")))"
                        + ". esep has not written to it. Restore the file from a backup, or move it aside to start "
                        + "an empty store; 'esep check-db --db \(path)' lists every problem")
            }
        }
        var config = Configuration()
        config.readonly = readOnly
        config.busyMode = .timeout(10)
        config.label = "esep.store"
        config.prepareDatabase { db in
            if !db.configuration.readonly {
                // 16 KiB pages hold several compressed chunks (1–3 KiB each) per page; with
                // 4 KiB pages most held one and wasted the rest. Only takes effect on a new file.
                try db.execute(sql: "PRAGMA page_size = 16384")
                try db.execute(sql: "PRAGMA synchronous = NORMAL")
                if let limit = options.maxSizeBytes { try Self.limitSize(db, bytes: limit) }
            }
        }
        do {
            if readOnly, !FileManager.default.fileExists(atPath: path) {
                throw StoreError(.notFound, path: path, operation: "open", reason: "no such database file")
            }
            pool = try DatabasePool(path: path, configuration: config)
        } catch let error as StoreError {
            throw error
        } catch {
            throw StoreError(.open, path: path, operation: "open", reason: String(describing: error))
        }
        if !readOnly {
            do {
                try Self.migrator.migrate(pool)
                try pool.write { db in
                    try db.execute(
                        sql: "INSERT OR IGNORE INTO meta(key, value) VALUES ('chunk_window_ms', ?)",
                        arguments: [options.chunkWindowMs])
                }
            } catch {
                throw StoreError(.migrate, path: path, operation: "migrate schema", reason: String(describing: error))
            }
            do {
                try pool.write { db in
                    try db.execute(
                        sql: "INSERT OR REPLACE INTO meta(key, value) VALUES ('last_open_ms', ?)", arguments: [WallClock.nowMs()])
                }
            } catch {
                throw StoreError(
                    .write, path: path, operation: "open for writing",
                    reason: "the store cannot be written (\(error)); free space on its file system or fix its permissions")
            }
        }
        do {
            chunkWindowMs = try pool.read { db in
                try Int64.fetchOne(db, sql: "SELECT value FROM meta WHERE key = 'chunk_window_ms'")
            } ?? options.chunkWindowMs
        } catch {
            throw StoreError(.read, path: path, operation: "read meta", reason: String(describing: error))
        }
    }

    /// What SQLite's integrity check finds wrong with the file at `path` (empty: nothing), read
    /// through a read-only connection that writes nothing. `full`: `PRAGMA integrity_check`
    /// (every index and constraint, slower); otherwise `PRAGMA quick_check`.
    public static func integrityProblems(path: String, full: Bool) throws(StoreError) -> [String] {
        var config = Configuration()
        config.readonly = true
        config.label = "esep.check"
        do {
            let queue = try DatabaseQueue(path: path, configuration: config)
            defer { try? queue.close() }
            let rows = try queue.read { db in
                try String.fetchAll(db, sql: full ? "PRAGMA integrity_check" : "PRAGMA quick_check")
            }
            return rows == ["ok"] ? [] : rows
        } catch let error as DatabaseError
            where error.resultCode == .SQLITE_CORRUPT || error.resultCode == .SQLITE_NOTADB
        {
            return [error.message ?? "\(error.resultCode)"]
        } catch {
            throw StoreError(.open, path: path, operation: "check integrity", reason: String(describing: error))
        }
    }

    /// Caps the database at `bytes` (rounded down to whole pages; never below its current size).
    static func limitSize(_ db: Database, bytes: Int64) throws {
        let pageSize = try Int64.fetchOne(db, sql: "PRAGMA page_size") ?? 4096
        try db.execute(sql: "PRAGMA max_page_count = \(max(1, bytes / max(1, pageSize)))")
    }

    /// Changes the size cap of the writer's connection now (nil: no cap). Tests use it to make
    /// a disk "full" and free it again; ``StoreOptions/maxSizeBytes`` sets it at open.
    public func setSizeLimit(bytes: Int64?) throws(StoreError) {
        do {
            try pool.writeWithoutTransaction { db in
                try Self.limitSize(db, bytes: bytes ?? Int64.max / 2)
            }
        } catch {
            throw fail(.write, "set the size limit", error)
        }
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID;
                    CREATE TABLE device(
                        id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, profile TEXT NOT NULL,
                        gateway TEXT NOT NULL, unit_id INTEGER NOT NULL, role TEXT NOT NULL, feeder TEXT NOT NULL,
                        sign INTEGER NOT NULL);
                    CREATE TABLE channel(
                        id INTEGER PRIMARY KEY, device_id INTEGER NOT NULL REFERENCES device(id), name TEXT NOT NULL,
                        unit TEXT NOT NULL, UNIQUE(device_id, name));
                    CREATE TABLE chunk(
                        id INTEGER PRIMARY KEY, window_start INTEGER NOT NULL, channel INTEGER NOT NULL,
                        t_first INTEGER NOT NULL, t_last INTEGER NOT NULL, count INTEGER NOT NULL, data BLOB NOT NULL);
                    CREATE UNIQUE INDEX chunk_key ON chunk(window_start, channel, t_first);
                    CREATE INDEX chunk_by_channel ON chunk(channel, window_start);
                    CREATE TABLE latest(channel INTEGER PRIMARY KEY, t INTEGER NOT NULL, v);
                    CREATE TABLE event(
                        id INTEGER PRIMARY KEY, t INTEGER NOT NULL, device TEXT NOT NULL, signal TEXT NOT NULL,
                        old INTEGER, new INTEGER NOT NULL);
                    CREATE INDEX event_by_time ON event(t);
                    CREATE TABLE device_health(
                        device TEXT PRIMARY KEY, last_success_ms INTEGER, last_error_ms INTEGER, last_error TEXT,
                        consecutive_failures INTEGER NOT NULL, backoff_until_ms INTEGER, polls INTEGER NOT NULL,
                        failures INTEGER NOT NULL, updated_ms INTEGER NOT NULL);
                    """)
        }
        m.registerMigration("v2-energy") { db in
            try db.execute(
                sql: """
                    CREATE TABLE energy_interval(
                        id INTEGER PRIMARY KEY, channel INTEGER NOT NULL, start_ms INTEGER NOT NULL,
                        end_ms INTEGER NOT NULL, wh INTEGER, quality TEXT NOT NULL, reasons INTEGER NOT NULL,
                        supersedes INTEGER REFERENCES energy_interval(id), created_ms INTEGER NOT NULL);
                    CREATE INDEX energy_interval_by_channel ON energy_interval(channel, start_ms);
                    CREATE TABLE meter_replacement(
                        id INTEGER PRIMARY KEY, device TEXT NOT NULL, t INTEGER NOT NULL, old_final_wh INTEGER NOT NULL,
                        new_initial_wh INTEGER NOT NULL, note TEXT NOT NULL, created_ms INTEGER NOT NULL,
                        applied INTEGER NOT NULL DEFAULT 0);
                    CREATE TABLE audit(
                        seq INTEGER PRIMARY KEY, kind TEXT NOT NULL, ref INTEGER NOT NULL, prev_hash BLOB NOT NULL,
                        hash BLOB NOT NULL);
                    """)
        }
        // "Not superseded" is asked of every interval a query returns (NOT EXISTS ... supersedes =
        // e.id): without this index SQLite scans the whole interval table once per row.
        m.registerMigration("v3-supersedes-index") { db in
            try db.execute(
                sql: "CREATE INDEX energy_interval_superseded ON energy_interval(supersedes) WHERE supersedes IS NOT NULL")
        }
        // Manual readings (`esep meter reading`): data points of a meter's energy series taken
        // from its display, in the audit chain like replacements.
        m.registerMigration("v4-manual-reading") { db in
            try db.execute(
                sql: """
                    CREATE TABLE manual_reading(
                        id INTEGER PRIMARY KEY, device TEXT NOT NULL, channel INTEGER NOT NULL REFERENCES channel(id),
                        t INTEGER NOT NULL, wh INTEGER NOT NULL, note TEXT NOT NULL, created_ms INTEGER NOT NULL,
                        applied INTEGER NOT NULL DEFAULT 0, UNIQUE(channel, t));
                    """)
        }
        // A meter's intervals of a range are one contiguous run of this index (the table is in
        // insertion order, every channel's rows interleaved): a year-long site query read each
        // table page once per meter.
        m.registerMigration("v5-interval-covering-index") { db in
            try db.execute(
                sql: """
                    CREATE INDEX energy_interval_cover ON energy_interval(
                        channel, start_ms, end_ms, wh, quality, reasons, supersedes, created_ms);
                    DROP INDEX energy_interval_by_channel;
                    """)
        }
        // Generated documents (`esep report`): what was handed out, in the audit chain.
        m.registerMigration("v6-document") { db in
            try db.execute(
                sql: """
                    CREATE TABLE document(
                        id INTEGER PRIMARY KEY, kind TEXT NOT NULL, template TEXT NOT NULL, period TEXT NOT NULL,
                        language TEXT, format TEXT NOT NULL, content_sha256 TEXT NOT NULL, file_sha256 TEXT NOT NULL,
                        audit_head TEXT, requested_by TEXT NOT NULL, created_ms INTEGER NOT NULL);
                    CREATE INDEX document_by_kind ON document(kind, period);
                    """)
        }
        // The hourly purchase schedule (`esep schedule import`, `PUT /v1/schedule/{date}`) and each
        // closed hour's result against it, in the audit chain. A re-import of a date is a new
        // schedule that supersedes the previous one (kept for the record).
        m.registerMigration("v7-purchase-schedule") { db in
            try db.execute(
                sql: """
                    CREATE TABLE purchase_schedule(
                        id INTEGER PRIMARY KEY, local_date TEXT NOT NULL, zone TEXT NOT NULL, hours INTEGER NOT NULL,
                        source TEXT NOT NULL, requested_by TEXT NOT NULL,
                        supersedes INTEGER REFERENCES purchase_schedule(id), created_ms INTEGER NOT NULL);
                    CREATE INDEX purchase_schedule_by_date ON purchase_schedule(local_date, id);
                    CREATE TABLE purchase_hour(
                        schedule INTEGER NOT NULL REFERENCES purchase_schedule(id), hour INTEGER NOT NULL,
                        start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, wh INTEGER NOT NULL,
                        PRIMARY KEY(schedule, hour)) WITHOUT ROWID;
                    CREATE TABLE purchase_hour_result(
                        id INTEGER PRIMARY KEY, schedule INTEGER NOT NULL REFERENCES purchase_schedule(id),
                        hour INTEGER NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL,
                        purchased_wh INTEGER NOT NULL, consumed_wh INTEGER, quality TEXT NOT NULL,
                        completeness_per_mille INTEGER NOT NULL, created_ms INTEGER NOT NULL, UNIQUE(schedule, hour));
                    CREATE INDEX purchase_hour_result_by_time ON purchase_hour_result(start_ms);
                    """)
        }
        // SAON: how uncertain an event's time is, and shed verification (verdicts, restorations).
        m.registerMigration("v8-saon-shed") { db in
            try db.execute(
                sql: """
                    ALTER TABLE event ADD COLUMN uncertainty_ms INTEGER;
                    CREATE INDEX event_by_device ON event(device, signal, t);
                    CREATE TABLE shed(
                        id INTEGER PRIMARY KEY, event INTEGER NOT NULL UNIQUE REFERENCES event(id), saon TEXT NOT NULL,
                        stage INTEGER NOT NULL, t INTEGER NOT NULL, uncertainty_ms INTEGER, test INTEGER NOT NULL,
                        verdict TEXT NOT NULL, reason TEXT NOT NULL, window_ms INTEGER NOT NULL, before_w INTEGER,
                        after_w INTEGER, expected_w INTEGER, feeders TEXT NOT NULL, verified_ms INTEGER NOT NULL);
                    CREATE INDEX shed_by_time ON shed(t);
                    CREATE TABLE shed_restoration(
                        id INTEGER PRIMARY KEY, shed INTEGER NOT NULL UNIQUE REFERENCES shed(id), t INTEGER NOT NULL,
                        signal TEXT NOT NULL, power_back_ms INTEGER, not_consumed_wh INTEGER, created_ms INTEGER NOT NULL);
                    """)
        }
        return m
    }

    func fail(_ code: StoreError.Code, _ operation: String, _ error: any Error) -> StoreError {
        StoreError(code, path: path, operation: operation, reason: String(describing: error))
    }

    /// Registers (or updates) devices and their channels; returns each device's channel ids.
    public func register(devices: [(DeviceRecord, [ChannelName])]) throws(StoreError) -> [String: [ChannelName: UInt32]] {
        do {
            return try pool.write { db in
                var result: [String: [ChannelName: UInt32]] = [:]
                for (d, channels) in devices {
                    try db.execute(
                        sql: """
                            INSERT INTO device(name, kind, profile, gateway, unit_id, role, feeder, sign)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            ON CONFLICT(name) DO UPDATE SET kind = excluded.kind, profile = excluded.profile,
                              gateway = excluded.gateway, unit_id = excluded.unit_id, role = excluded.role,
                              feeder = excluded.feeder, sign = excluded.sign
                            """,
                        arguments: [d.name, d.kind, d.profile, d.gateway, d.unitId, d.role, d.feeder, d.sign])
                    let deviceId = try Int64.fetchOne(db, sql: "SELECT id FROM device WHERE name = ?", arguments: [d.name])!
                    var ids: [ChannelName: UInt32] = [:]
                    for c in channels {
                        try db.execute(
                            sql: "INSERT OR IGNORE INTO channel(device_id, name, unit) VALUES (?, ?, ?)",
                            arguments: [deviceId, c.description, c.kind.canonicalUnit.rawValue])
                        let id = try Int64.fetchOne(
                            db, sql: "SELECT id FROM channel WHERE device_id = ? AND name = ?",
                            arguments: [deviceId, c.description])!
                        ids[c] = UInt32(id)
                    }
                    result[d.name] = ids
                }
                return result
            }
        } catch {
            throw fail(.write, "register devices", error)
        }
    }

    /// Every channel of every device.
    public func channels() throws(StoreError) -> [ChannelInfo] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db,
                    sql: "SELECT c.id, d.name AS device, c.name, c.unit FROM channel c JOIN device d ON d.id = c.device_id ORDER BY c.id"
                ).compactMap { row in
                    guard let name = ChannelName(row["name"] as String) else { return nil }
                    return ChannelInfo(id: UInt32(row["id"] as Int64), device: row["device"], name: name, unit: row["unit"])
                }
            }
        } catch {
            throw fail(.read, "list channels", error)
        }
    }

    /// Every registered device.
    public func devices() throws(StoreError) -> [DeviceRecord] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM device ORDER BY name").map { r in
                    DeviceRecord(
                        name: r["name"], kind: r["kind"], profile: r["profile"], gateway: r["gateway"],
                        unitId: r["unit_id"], role: r["role"], feeder: r["feeder"], sign: r["sign"])
                }
            }
        } catch {
            throw fail(.read, "list devices", error)
        }
    }

    /// The channel id of a device's channel.
    public func channel(device: String, name: ChannelName) throws(StoreError) -> ChannelInfo {
        let id: Int64?
        let unit: String?
        do {
            (id, unit) = try pool.read { db in
                let row = try Row.fetchOne(
                    db,
                    sql: "SELECT c.id, c.unit FROM channel c JOIN device d ON d.id = c.device_id WHERE d.name = ? AND c.name = ?",
                    arguments: [device, name.description])
                return (row?[0], row?[1])
            }
        } catch {
            throw fail(.read, "find channel \(name) of '\(device)'", error)
        }
        guard let id, let unit else {
            throw StoreError(.notFound, path: path, operation: "find channel", reason: "no channel \(name) on device '\(device)'")
        }
        return ChannelInfo(id: UInt32(id), device: device, name: name, unit: unit)
    }

    /// The window a time falls into (its start, ms).
    public func windowStart(_ ms: Int64) -> Int64 {
        let w = chunkWindowMs
        return ms >= 0 ? ms / w * w : ((ms + 1) / w - 1) * w
    }

    static func hotTable(_ window: Int64) -> String { "hot_\(window)" }

    static func hotWindows(_ db: Database) throws -> [Int64] {
        try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name GLOB 'hot_*'")
            .compactMap { Int64($0.dropFirst(4)) }.sorted()
    }

    /// A channel's samples with `fromMs ≤ t < toMs`, in time order, from sealed chunks and hot tables.
    public func samples(channel: UInt32, fromMs: Int64, toMs: Int64) throws(StoreError) -> [StoredSample] {
        var out: [StoredSample] = []
        try forEachSample(channels: [channel], fromMs: fromMs, toMs: toMs) { _, t, v in out.append(StoredSample(timeMs: t, value: v)) }
        out.sort { $0.timeMs < $1.timeMs }
        return out
    }

    /// The sealed chunks of `channel` that may hold samples in `[fromMs, toMs)`, in time order.
    static func chunkRows(_ db: Database, channel: UInt32, fromMs: Int64, toMs: Int64, window: Int64) throws -> RowCursor {
        try Row.fetchCursor(
            db,
            sql: """
                SELECT data FROM chunk WHERE channel = ? AND window_start >= ? AND window_start < ?
                  AND t_last >= ? AND t_first < ? ORDER BY window_start, t_first
                """,
            arguments: [channel, fromMs - window, toMs, fromMs, toMs])
    }

    /// Every sample of several channels with `fromMs ≤ t < toMs`, handed to `body` as
    /// (channel, time, value): each channel's sealed chunks in turn, then the hot tables in one
    /// pass for all of them. A hot row holds one read of one device, so reading channels one by
    /// one (``samples(channel:fromMs:toMs:)``) passes over every device's rows once per channel:
    /// a site-wide question must come here. Order: a channel's chunk samples in time order, its
    /// hot samples in time order after them; nothing across channels. `body` runs inside a read
    /// transaction: keep it short.
    public func forEachSample(
        channels: [UInt32], fromMs: Int64, toMs: Int64, _ body: (UInt32, Int64, SampleValue) -> Void
    ) throws(StoreError) {
        guard !channels.isEmpty, fromMs < toMs else { return }
        let window = chunkWindowMs
        let what = channels.count == 1 ? "channel \(channels[0])" : "\(channels.count) channels"
        var wanted = [Bool](repeating: false, count: Int(channels.max()!) + 1)
        for c in channels { wanted[Int(c)] = true }
        do {
            try pool.read { db in
                for channel in channels {
                    let rows = try Self.chunkRows(db, channel: channel, fromMs: fromMs, toMs: toMs, window: window)
                    while let row = try rows.next() {
                        for (t, v) in try ChunkDecoder(Array(row["data"] as Data)) where t >= fromMs && t < toMs {
                            body(channel, t, v)
                        }
                    }
                }
                for w in try Self.hotWindows(db) where w + window > fromMs && w < toMs {
                    let hot = try Row.fetchCursor(
                        db, sql: "SELECT t, data FROM \(Self.hotTable(w)) WHERE t >= ? AND t < ?", arguments: [fromMs, toMs])
                    while let row = try hot.next() {
                        let t: Int64 = row[0]
                        let data: Data = row[1]
                        data.withUnsafeBytes { bytes in
                            HotRow.forEach(bytes) { c, v in
                                if Int(c) < wanted.count, wanted[Int(c)] { body(c, t, v) }
                            }
                        }
                    }
                }
            }
        } catch let error as ChunkCodecError {
            throw fail(.corrupt, "read samples of \(what)", error)
        } catch {
            throw fail(.read, "read samples of \(what)", error)
        }
    }

    static func value(_ dbValue: DatabaseValue) -> SampleValue {
        switch dbValue.storage {
        case .int64(let i): .energy(i)
        case .double(let d): .number(d)
        default: .missing
        }
    }

    /// The newest sample of every channel.
    public func latest() throws(StoreError) -> [UInt32: StoredSample] {
        do {
            return try pool.read { db in
                var out: [UInt32: StoredSample] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT channel, t, v FROM latest") {
                    out[UInt32(row[0] as Int64)] = StoredSample(timeMs: row[1], value: Self.value(row[2]))
                }
                return out
            }
        } catch {
            throw fail(.read, "read latest values", error)
        }
    }

    /// SAON state changes with `fromMs ≤ t < toMs`.
    public func events(fromMs: Int64, toMs: Int64) throws(StoreError) -> [StateEvent] {
        do {
            return try pool.read { db in
                try Row.fetchAll(
                    db, sql: "SELECT \(try Self.eventColumns(db)) FROM event WHERE t >= ? AND t < ? ORDER BY t, id",
                    arguments: [fromMs, toMs]
                ).map(Self.stateEvent)
            }
        } catch {
            throw fail(.read, "read events", error)
        }
    }

    /// Polling health of every device.
    public func health() throws(StoreError) -> [DeviceHealth] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM device_health ORDER BY device").map { r in
                    DeviceHealth(
                        device: r["device"], lastSuccessMs: r["last_success_ms"], lastErrorMs: r["last_error_ms"],
                        lastError: r["last_error"], consecutiveFailures: r["consecutive_failures"],
                        backoffUntilMs: r["backoff_until_ms"], polls: r["polls"], failures: r["failures"])
                }
            }
        } catch {
            throw fail(.read, "read device health", error)
        }
    }

    /// Sample counts: sealed in chunks, and still in hot tables.
    public func sampleCounts() throws(StoreError) -> (sealed: Int64, hot: Int64, chunkBytes: Int64, chunks: Int64) {
        do {
            return try pool.read { db in
                let row = try Row.fetchOne(
                    db, sql: "SELECT COALESCE(SUM(count), 0), COALESCE(SUM(length(data)), 0), COUNT(*) FROM chunk")!
                var hot: Int64 = 0
                for w in try Self.hotWindows(db) {
                    hot += (try Int64.fetchOne(db, sql: "SELECT COALESCE(SUM(length(data)), 0) FROM \(Self.hotTable(w))") ?? 0)
                        / Int64(HotRow.entrySize)
                }
                return (row[0], hot, row[1], row[2])
            }
        } catch {
            throw fail(.read, "count samples", error)
        }
    }

    /// `PRAGMA integrity_check`: "ok" when the file is sound.
    public func integrityCheck() throws(StoreError) -> String {
        do {
            return try pool.read { db in
                try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "; ")
            }
        } catch {
            throw fail(.read, "integrity check", error)
        }
    }

    /// Bytes the `chunk` table and its indexes occupy on disk (dbstat), or nil when SQLite lacks dbstat.
    public func chunkTableBytes() -> Int64? {
        try? pool.read { db in
            try Int64.fetchOne(
                db, sql: "SELECT SUM(pgsize) FROM dbstat WHERE name IN ('chunk', 'chunk_key', 'chunk_by_channel')")
        }
    }
}
