public import Compliance
public import Metering
public import Store

/// The live state of ingest, for `/readyz`, the snapshot's values and device health.
///
/// The executable adapts the ingest pipeline (its health board and the writer's ``LiveView``)
/// to it; without one the API reads what the writer last flushed to the store (newest values
/// every 10 s) and reports ingest as not running.
public protocol IngestStatusSource: LiveIntervalSource {
    /// Every device's polling health now.
    func deviceHealth() -> [DeviceHealth]
    /// True while the pollers run.
    var isPolling: Bool { get }
    /// The newest committed sample of every channel, by channel id; nil: read the store's `latest` table.
    func latestSamples() -> [UInt32: StoredSample]?
    /// Why the writer cannot store what it polls now (disk full, I/O error, read-only file);
    /// nil while it can. `/readyz` is not ready while this is set.
    var storeProblem: String? { get }
    /// How long since the writer's loop last turned, ms (nil: unknown), for `/metrics`.
    var writerSilentMs: Int64? { get }
}

extension IngestStatusSource {
    public func latestSamples() -> [UInt32: StoredSample]? { nil }
    public func openIntervals() -> [UInt32: Metering.EnergyInterval]? { nil }
    public var storeProblem: String? { nil }
    public var writerSilentMs: Int64? { nil }
}
