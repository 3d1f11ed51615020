import Foundation
import Logging
import Metering
import Store
import Synchronization

/// The whole ingest path: pollers → rings → writer → store.
///
/// Devices are grouped by endpoint (host:port); each endpoint gets as many connections as
/// its gateway allows requests in flight (1 for serial gateways), and its devices are spread
/// over them. Each connection is one ``ConnectionPoller`` with its own serial queue and its
/// own single-producer ring; one ``IngestWriter`` thread drains them all.
public final class IngestPipeline: Sendable {
    public let store: SampleStore
    public let board: HealthBoard
    /// What is polled now: a reload (``reconfigure(devices:)``) changes it.
    private struct Layout {
        var devices: [IngestDevice]
        /// Channel ids by device id and channel.
        var channels: [String: [ChannelName: UInt32]]
        var pollers: [ConnectionPoller]
        /// Samples read, and requests made, by pollers a reload has stopped.
        var retiredProduced: Int64 = 0
        var retiredRequests: Int64 = 0
    }
    private let layout: Mutex<Layout>
    /// One reload at a time.
    private let reloading = Mutex<Void>(())
    private let rings: SampleRingSet
    private let writer: IngestWriter
    private let metrics: IngestMetrics
    private let options: IngestOptions
    /// What the writer has committed (newest values, intervals in progress), for the API.
    public let live: LiveView
    /// How long the store may refuse writes before a sample is lost: the busiest ring's
    /// capacity over the samples per second it receives (as configured at start).
    public let storeOutageToleranceSeconds: Double
    /// Whether the store takes the writer's writes now.
    public let storeHealth: StoreHealth
    private let logger: Logger

    /// The devices polled now.
    public var devices: [IngestDevice] { layout.withLock { $0.devices } }
    /// Channel ids by device id and channel.
    public var channels: [String: [ChannelName: UInt32]] { layout.withLock { $0.channels } }

    /// The clock samples are stamped with.
    public var clock: IngestClock { options.clock }

    /// Polls `devices` every `intervalMs` until `untilMs` (wall ms), starting now, then at their
    /// own intervals again (shed verification measures the tripped feeders' power this way).
    public func boost(devices: Set<String>, intervalMs: Int, untilMs: Int64) {
        guard !devices.isEmpty else { return }
        for p in layout.withLock({ $0.pollers }) { p.boost(devices, intervalMs: intervalMs, untilMs: untilMs) }
    }

    public init(devices: [IngestDevice], store: SampleStore, options: IngestOptions = IngestOptions(), logger: Logger)
        throws(StoreError)
    {
        self.store = store
        self.logger = logger
        self.options = options
        let channels = try store.register(devices: devices.map { ($0.record, $0.storedChannels) })
        let board = HealthBoard(devices: devices.map(\.id))
        self.board = board
        let metrics = IngestMetrics()
        self.metrics = metrics
        let rings = SampleRingSet(capacityPerProducer: options.ringCapacity)
        self.rings = rings
        let pollers = Self.makePollers(
            devices, channels: channels, rings: rings, board: board, metrics: metrics, options: options, logger: logger)
        var busiestRingPerSecond = 0.0
        for p in pollers {
            busiestRingPerSecond = max(busiestRingPerSecond, p.samplesPerSecond)
        }
        layout = Mutex(Layout(devices: devices, channels: channels, pollers: pollers))
        // While the store refuses writes the writer holds one batch and the rings the rest: the
        // busiest ring fills first.
        storeOutageToleranceSeconds =
            busiestRingPerSecond > 0 ? Double(rings.capacityPerProducer) / busiestRingPerSecond : .infinity
        let sampleWriter = try SampleWriter(store: store, nowMs: options.clock.nowMs())
        try sampleWriter.configureEnergy(
            Self.energySetups(devices, channels: channels, options: options), step: options.intervalStep,
            calendar: options.calendar, nowMs: options.clock.nowMs())
        live = sampleWriter.live
        let storeHealth = StoreHealth()
        self.storeHealth = storeHealth
        writer = IngestWriter(
            writer: sampleWriter, rings: rings, board: board, options: options, metrics: metrics, health: storeHealth,
            logger: logger)
    }

    /// The energy channels of `devices`' meters.
    private static func energySetups(
        _ devices: [IngestDevice], channels: [String: [ChannelName: UInt32]], options: IngestOptions
    ) -> [EnergyChannelSetup] {
        var setups: [EnergyChannelSetup] = []
        for d in devices where d.record.kind == "meter" {
            for f in d.profile.fields where f.channel.kind.isCumulativeEnergy {
                if let id = channels[d.id]?[f.channel] {
                    // Poll intervals are real time; the measured-gap limit is in the clock's time.
                    let counter = d.counterOptions(f, timeScale: options.clock.rate)
                    setups.append(
                        EnergyChannelSetup(channel: id, device: d.id, options: counter, isImport: f.channel == ChannelName(.energyImport)))
                }
            }
        }
        return setups
    }

    /// Devices grouped by endpoint (host:port), in the order they first appear.
    private static func byEndpoint(_ devices: [IngestDevice]) -> [(key: String, devices: [IngestDevice])] {
        var groups: [String: [IngestDevice]] = [:]
        var order: [String] = []
        for d in devices {
            let key = "\(d.endpoint)"
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(d)
        }
        return order.map { ($0, groups[$0]!) }
    }

    /// A device's polling state, on its health board slot.
    private static func pollState(
        _ d: IngestDevice, channels: [String: [ChannelName: UInt32]], board: HealthBoard, options: IngestOptions
    ) -> DevicePollState {
        DevicePollState(
            spec: d, reads: d.plan(holeFill: options.holeFill), channelOf: channels[d.id] ?? [:],
            healthSlot: board.enlist(d.id), coalesceMs: options.pollCoalesceMs)
    }

    /// The connections for `devices`: per endpoint as many as its gateway allows requests in
    /// flight, the endpoint's devices dealt out over them.
    private static func makePollers(
        _ devices: [IngestDevice], channels: [String: [ChannelName: UInt32]], rings: SampleRingSet, board: HealthBoard,
        metrics: IngestMetrics, options: IngestOptions, logger: Logger
    ) -> [ConnectionPoller] {
        var pollers: [ConnectionPoller] = []
        for (_, group) in byEndpoint(devices) {
            let endpoint = group[0].endpoint
            let connections = max(1, min(endpoint.connections, group.count))
            for c in 0..<connections {
                let mine = group.enumerated().filter { $0.offset % connections == c }.map(\.element)
                let states = mine.map { pollState($0, channels: channels, board: board, options: options) }
                pollers.append(
                    ConnectionPoller(
                        endpoint: endpoint, index: c, devices: states, rings: rings, board: board, metrics: metrics,
                        options: options, logger: logger))
            }
        }
        return pollers
    }

    /// Applies a new device list while ingest runs (a config reload). Devices whose settings did not
    /// change are not touched: their connection, schedule and samples carry on. A changed device
    /// keeps its place in its connection's schedule (its endpoint unchanged) or moves with its
    /// endpoint's new connections; new devices are registered in the store, their energy channels
    /// started on the writer's thread before their first poll, and polled from now; removed devices
    /// stop being polled (their data stay). Connections left without devices are closed once the
    /// writer has drained what they read.
    /// - Throws: ``StoreError`` when the store cannot register the new devices; nothing changed then.
    @discardableResult
    public func reconfigure(devices new: [IngestDevice]) throws(StoreError) -> IngestReconfiguration {
        try reloading.withLock { _ throws(StoreError) -> IngestReconfiguration in
            try reconfigureLocked(new)
        }
    }

    private func reconfigureLocked(_ new: [IngestDevice]) throws(StoreError) -> IngestReconfiguration {
        let (oldDevices, oldChannels, oldPollers) = layout.withLock { ($0.devices, $0.channels, $0.pollers) }
        let oldById = Dictionary(oldDevices.map { ($0.id, $0) }, uniquingKeysWith: { a, _ in a })
        let newIds = Set(new.map(\.id))
        var summary = IngestReconfiguration()
        for d in new {
            if let o = oldById[d.id] {
                if o != d { summary.changed.append(d.id) } else { summary.unchanged += 1 }
            } else {
                summary.added.append(d.id)
            }
        }
        summary.removed = oldDevices.map(\.id).filter { !newIds.contains($0) }
        guard !summary.isEmpty else { return summary }
        let touched = Set(summary.added + summary.changed)
        let removedOrChanged = Set(summary.removed + summary.changed)
        // 1. The store knows every new or changed device and its channels.
        let registered = try store.register(
            devices: new.filter { touched.contains($0.id) }.map { ($0.record, $0.storedChannels) })
        var channels = oldChannels
        for id in summary.removed { channels[id] = nil }
        for (id, c) in registered { channels[id] = c }
        // 2. The writer knows their channels, and their energy channels run, before any of their
        //    samples reaches it.
        let setups = Self.energySetups(new.filter { touched.contains($0.id) }, channels: channels, options: options)
        let clock = options.clock
        try writer.perform("take in the reloaded devices' channels") { w throws(StoreError) in
            try w.addChannels()
            try w.updateEnergyChannels(setups, nowMs: clock.nowMs())
        }
        // 3. Connections: an endpoint whose settings changed gets new ones; others keep theirs.
        let newGroups = Self.byEndpoint(new)
        let newGroupByKey = Dictionary(newGroups.map { ($0.key, $0.devices) }, uniquingKeysWith: { a, _ in a })
        var keep: [String: [ConnectionPoller]] = [:]
        var stop: [ConnectionPoller] = []
        for p in oldPollers {
            let key = "\(p.endpoint)"
            if let group = newGroupByKey[key], group[0].endpoint == p.endpoint {
                keep[key, default: []].append(p)
            } else {
                stop.append(p)
            }
        }
        var pollers: [ConnectionPoller] = []
        var started: [ConnectionPoller] = []
        for (key, group) in newGroups {
            guard let kept = keep[key] else {
                let made = Self.makePollers(
                    group, channels: channels, rings: rings, board: board, metrics: metrics, options: options, logger: logger)
                pollers += made
                started += made
                continue
            }
            // Who polls what now; a new device goes to the connection with the fewest.
            var load = kept.map { Set($0.deviceIds) }
            var adds: [[DevicePollState]] = Array(repeating: [], count: kept.count)
            for d in group where touched.contains(d.id) {
                let i = load.firstIndex { $0.contains(d.id) }
                    ?? load.indices.min { load[$0].count < load[$1].count }!
                load[i].insert(d.id)
                adds[i].append(Self.pollState(d, channels: channels, board: board, options: options))
            }
            for (i, p) in kept.enumerated() {
                let removing = load[i].intersection(removedOrChanged)
                if !removing.isEmpty || !adds[i].isEmpty { p.reconfigure(remove: removing, add: adds[i]) }
            }
            pollers += kept
        }
        // 4. Removed devices leave the health board; stopped connections close once drained.
        for id in summary.removed { board.retire(id) }
        for p in stop { p.stop() }
        for p in started { p.start() }
        layout.withLock {
            $0.devices = new
            $0.channels = channels
            $0.pollers = pollers
            $0.retiredProduced += stop.reduce(0) { $0 + $1.samplesProduced }
            $0.retiredRequests += stop.reduce(0) { $0 + $1.requestsMade }
        }
        summary.connectionsOpened = started.count
        summary.connectionsClosed = stop.count
        // The writer drains what a stopped connection read; its ring goes after that.
        for p in stop {
            var waited = 0
            while !rings.removeProducer(p.ring), waited < 1_000 {
                usleep(10_000)
                waited += 1
            }
        }
        logger.notice(
            "ingest reconfigured",
            metadata: [
                "added": "\(summary.added.joined(separator: ","))", "removed": "\(summary.removed.joined(separator: ","))",
                "changed": "\(summary.changed.joined(separator: ","))", "unchanged": "\(summary.unchanged)",
                "connections_opened": "\(started.count)", "connections_closed": "\(stop.count)",
            ])
        return summary
    }

    /// Number of connections (pollers).
    public var connectionCount: Int { layout.withLock { $0.pollers.count } }

    /// Starts the writer, then the pollers.
    public func start() {
        startWriting()
        startPolling()
    }

    /// Starts the writer thread.
    public func startWriting() { writer.start() }

    /// Starts every poller's timers.
    public func startPolling() {
        let (pollers, devices) = layout.withLock { ($0.pollers, $0.devices) }
        let readsPerCycle = devices.reduce(0) { $0 + $1.plan(holeFill: options.holeFill).count }
        for p in pollers { p.start() }
        logger.info(
            "ingest started",
            metadata: [
                "devices": "\(devices.count)", "connections": "\(pollers.count)",
                "reads_per_cycle": "\(readsPerCycle)",
                "store_outage_tolerance_s": "\(Int(min(storeOutageToleranceSeconds, 1e9)))",
            ])
    }

    /// Stops every poller (waiting for polls in progress).
    public func stopPolling() {
        for p in layout.withLock({ $0.pollers }) { p.stop() }
    }

    /// Drains the rings into the store and stops the writer.
    public func stopWriting() {
        writer.stop()
        let s = statistics
        logger.info(
            "ingest stopped",
            metadata: [
                "stored": "\(s.stored)", "dropped": "\(s.dropped)", "dropped_ring_full": "\(s.droppedRingFull)",
                "dropped_store_unwritable": "\(s.droppedStoreUnwritable)",
            ])
    }

    /// Stops polling, then drains and stops the writer.
    public func stop() {
        stopPolling()
        stopWriting()
    }

    /// Whether ingest is making progress, for the service watchdog: the writer's loop has turned
    /// within `writerStallMs`, and no poller is stuck in a poll past what its timeouts allow.
    public func progress(nowMs: Int64, writerStallMs: Int64) -> IngestProgress {
        let beat = writer.heartbeatMs.load(ordering: .relaxed)
        let stuck = layout.withLock { $0.pollers }.filter { $0.isStuck(nowMs: nowMs) }.map(\.label)
        return IngestProgress(
            writerSilentMs: beat == 0 ? nil : max(0, nowMs - beat), writerStalled: beat != 0 && nowMs - beat > writerStallMs,
            stuckPollers: stuck)
    }

    /// Totals so far.
    public var statistics: IngestStatistics {
        var s = writer.statistics
        s.droppedRingFull = Int64(rings.dropped)
        s.dropped = s.droppedRingFull + s.droppedStoreUnwritable
        let (pollers, retired, retiredRequests) = layout.withLock { ($0.pollers, $0.retiredProduced, $0.retiredRequests) }
        s.polled = pollers.reduce(retired) { $0 + $1.samplesProduced }
        s.requests = pollers.reduce(retiredRequests) { $0 + $1.requestsMade }
        s.pollerWakeups = pollers.reduce(0) { $0 + $1.timerFirings }
        return s
    }

    /// Seals every open window now (benchmarks and tests: the daemon seals windows as they close).
    /// Call only after ``stopWriting()``.
    public func sealAll() throws(StoreError) {
        try writer.sealAll()
    }
}

/// What a reload changed (``IngestPipeline/reconfigure(devices:)``).
public struct IngestReconfiguration: Sendable, Hashable {
    public var added: [String] = []
    public var removed: [String] = []
    public var changed: [String] = []
    public var unchanged = 0
    public var connectionsOpened = 0
    public var connectionsClosed = 0

    public init() {}

    /// Nothing to change.
    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty }
}

/// Whether ingest moves on (``IngestPipeline/progress(nowMs:writerStallMs:)``).
public struct IngestProgress: Sendable, Hashable, CustomStringConvertible {
    /// How long since the writer's loop last turned; nil before it started.
    public var writerSilentMs: Int64?
    public var writerStalled: Bool
    /// Pollers (`gateway#n`) in a poll past the time their timeouts allow.
    public var stuckPollers: [String]

    public var isProgressing: Bool { !writerStalled && stuckPollers.isEmpty }

    public var description: String {
        var problems: [String] = []
        if writerStalled { problems.append("writer stalled for \((writerSilentMs ?? 0) / 1000) s") }
        if !stuckPollers.isEmpty { problems.append("poller(s) stuck: \(stuckPollers.joined(separator: ", "))") }
        return problems.isEmpty ? "ingest progressing" : problems.joined(separator: "; ")
    }
}
