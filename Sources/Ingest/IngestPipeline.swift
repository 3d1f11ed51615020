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
    public let devices: [IngestDevice]
    public let board: HealthBoard
    /// Channel ids by device id and channel.
    public let channels: [String: [ChannelName: UInt32]]
    private let pollers: [ConnectionPoller]
    /// Modbus reads one cycle of every device takes, as planned at start.
    private let readsPerCycle: Int
    private let rings: SampleRingSet
    private let writer: IngestWriter
    /// What the writer has committed (newest values, intervals in progress), for the API.
    public let live: LiveView
    /// How long the store may refuse writes before a sample is lost: the busiest ring's
    /// capacity over the samples per second it receives.
    public let storeOutageToleranceSeconds: Double
    /// Whether the store takes the writer's writes now.
    public let storeHealth: StoreHealth
    private let logger: Logger

    public init(devices: [IngestDevice], store: SampleStore, options: IngestOptions = IngestOptions(), logger: Logger)
        throws(StoreError)
    {
        self.store = store
        self.devices = devices
        self.logger = logger
        let channels = try store.register(devices: devices.map { ($0.record, $0.profile.fields.map(\.channel)) })
        self.channels = channels
        let board = HealthBoard(devices: devices.map(\.id))
        self.board = board
        let metrics = IngestMetrics()
        let rings = SampleRingSet(capacityPerProducer: options.ringCapacity)
        self.rings = rings
        var byEndpoint: [String: [IngestDevice]] = [:]
        var order: [String] = []
        for d in devices {
            let key = "\(d.endpoint)"
            if byEndpoint[key] == nil { order.append(key) }
            byEndpoint[key, default: []].append(d)
        }
        var pollers: [ConnectionPoller] = []
        var readsPerCycle = 0
        var busiestRingPerSecond = 0.0
        for key in order {
            let group = byEndpoint[key]!
            let endpoint = group[0].endpoint
            let connections = max(1, min(endpoint.connections, group.count))
            for c in 0..<connections {
                let mine = group.enumerated().filter { $0.offset % connections == c }.map(\.element)
                let states = mine.map { d in
                    DevicePollState(
                        spec: d, reads: d.plan(holeFill: options.holeFill), channelOf: channels[d.id] ?? [:],
                        healthSlot: board.slot(of: d.id)!)
                }
                readsPerCycle += states.reduce(0) { $0 + $1.reads.count }
                let perSecond = states.reduce(0.0) { sum, st in
                    sum + Double(st.reads.reduce(0) { $0 + $1.fields.count }) * 1000 / Double(max(1, st.spec.pollIntervalMs))
                }
                busiestRingPerSecond = max(busiestRingPerSecond, perSecond)
                pollers.append(
                    ConnectionPoller(
                        endpoint: endpoint, index: c, devices: states, rings: rings, board: board, metrics: metrics,
                        options: options, logger: logger))
            }
        }
        self.pollers = pollers
        self.readsPerCycle = readsPerCycle
        // While the store refuses writes the writer holds one batch and the rings the rest: the
        // busiest ring fills first.
        storeOutageToleranceSeconds =
            busiestRingPerSecond > 0 ? Double(rings.capacityPerProducer) / busiestRingPerSecond : .infinity
        let sampleWriter = try SampleWriter(store: store, nowMs: options.clock.nowMs())
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
        try sampleWriter.configureEnergy(
            setups, step: options.intervalStep, calendar: options.calendar, nowMs: options.clock.nowMs())
        live = sampleWriter.live
        let storeHealth = StoreHealth()
        self.storeHealth = storeHealth
        writer = IngestWriter(
            writer: sampleWriter, rings: rings, board: board, options: options, metrics: metrics, health: storeHealth,
            logger: logger)
    }

    /// Number of connections (pollers).
    public var connectionCount: Int { pollers.count }

    /// Starts the writer, then the pollers.
    public func start() {
        startWriting()
        startPolling()
    }

    /// Starts the writer thread.
    public func startWriting() { writer.start() }

    /// Starts every poller's timers.
    public func startPolling() {
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
        for p in pollers { p.stop() }
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
        let stuck = pollers.filter { $0.isStuck(nowMs: nowMs) }.map(\.label)
        return IngestProgress(
            writerSilentMs: beat == 0 ? nil : max(0, nowMs - beat), writerStalled: beat != 0 && nowMs - beat > writerStallMs,
            stuckPollers: stuck)
    }

    /// Totals so far.
    public var statistics: IngestStatistics {
        var s = writer.statistics
        s.droppedRingFull = Int64(rings.dropped)
        s.dropped = s.droppedRingFull + s.droppedStoreUnwritable
        s.polled = pollers.reduce(0) { $0 + $1.samplesProduced }
        return s
    }

    /// Seals every open window now (benchmarks and tests: the daemon seals windows as they close).
    /// Call only after ``stopWriting()``.
    public func sealAll() throws(StoreError) {
        try writer.sealAll()
    }
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
