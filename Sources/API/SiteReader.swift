import Metering
import NIOPosix
import SiteConfig
import Store

/// Reads the site's current state from the store's read path (WAL snapshots on GRDB's reader
/// connections: never the writer's connection) and from the live ingest status.
///
/// Store calls block for a few milliseconds; ``offload(_:)`` runs them on NIO's blocking
/// thread pool, never on Swift concurrency's cooperative threads.
struct SiteReader: Sendable {
    let store: SampleStore
    let site: SiteConfiguration
    let status: (any IngestStatusSource)?

    /// One device's channels with their newest sample.
    struct DeviceValues: Sendable {
        var channels: [ChannelName: ChannelInfo] = [:]
        var latest: [ChannelName: StoredSample] = [:]

        func value(_ kind: ChannelKind, index: Int = 0) -> StoredSample? { latest[ChannelName(kind, index: index)] }
        func number(_ kind: ChannelKind, index: Int = 0) -> Double? { value(kind, index: index)?.value.doubleValue }
        func energy(_ kind: ChannelKind) -> Int64? { value(kind)?.value.energyWh }
        /// The newest reading time of any channel.
        var readingTimeMs: Int64? { latest.values.map(\.timeMs).max() }
    }

    /// The newest sample of every channel, by device.
    func latestByDevice() throws -> [String: DeviceValues] {
        try latestByDeviceAndSource().values
    }

    /// ``latestByDevice()``, and whether the values are the running writer's (see
    /// ``IngestStatusSource/latestSamples()``) rather than the store's `latest` table.
    func latestByDeviceAndSource() throws -> (values: [String: DeviceValues], live: Bool) {
        let channels = try store.channels()
        let live = status?.latestSamples()
        let latest = try live ?? store.latest()
        var out: [String: DeviceValues] = [:]
        for c in channels {
            out[c.device, default: DeviceValues()].channels[c.name] = c
            if let s = latest[c.id] { out[c.device, default: DeviceValues()].latest[c.name] = s }
        }
        return (out, live != nil)
    }

    /// Polling health by device: live from ingest when running, else as last flushed to the store.
    func health() throws -> [String: DeviceHealth] {
        let list = try status?.deviceHealth() ?? store.health()
        return Dictionary(list.map { ($0.device, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The meter configured with `id`.
    func meter(_ id: String) -> MeterConfig? { site.meters.first { $0.id == id } }
}

/// Runs blocking work (store reads) on NIO's blocking thread pool.
func offload<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await NIOThreadPool.singleton.runIfActive(work)
}
