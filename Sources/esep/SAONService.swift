import Compliance
import Dispatch
import Foundation
import Ingest
import Logging
import Metering
import Metrics
import ServiceLifecycle
import SiteConfig
import Store
import Synchronization

/// Runs the ``SAONWatcher`` while the daemon runs: every 100 ms it reads the SAON events the
/// writer stored, has the tripped feeders' meters polled fast, records verdicts and
/// restorations, and says so in the log and in metrics:
/// - `esep_saon_trips_total{saon,stage,verdict,test}`: trips judged;
/// - `esep_saon_link_up{saon}`: 1 while the controller answers;
/// - `esep_saon_last_trip_timestamp_seconds{saon}`: the last real (not test) trip.
struct SAONService: Service {
    /// The site the watcher follows; a reload replaces it (taken at the next step).
    final class Settings: Sendable {
        private let state: Mutex<(site: SiteConfiguration, version: Int)>
        init(site: SiteConfiguration) { state = Mutex((site, 0)) }
        /// The site and how many reloads it has seen (compared instead of the whole configuration).
        var current: (site: SiteConfiguration, version: Int) { state.withLock { $0 } }
        var site: SiteConfiguration { current.site }
        func update(site: SiteConfiguration) { state.withLock { $0 = (site, $0.version + 1) } }
    }

    let settings: Settings
    let store: SampleStore
    let pipeline: IngestPipeline
    let logger: Logger
    let tickMs: Int

    init(site: SiteConfiguration, store: SampleStore, pipeline: IngestPipeline, logger: Logger, tickMs: Int = 100) {
        settings = Settings(site: site)
        self.store = store
        self.pipeline = pipeline
        self.logger = logger
        self.tickMs = tickMs
    }

    func run() async throws {
        let pipeline = self.pipeline
        let store = self.store
        // Boosts are asked in the samples' clock; the pollers schedule on the wall clock.
        let boost: SAONWatcher.Boost = { devices, interval, until in
            let wallUntil = WallClock.nowMs() + (until - pipeline.clock.nowMs())
            pipeline.boost(devices: devices, intervalMs: interval, untilMs: wallUntil)
        }
        let box = WatcherBox()
        var lastFailureLogMs: Int64 = .min
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            let (site, version) = settings.current
            let now = pipeline.clock.nowMs()
            // No controller (yet): nothing to follow until a reload adds one.
            if !site.saon.isEmpty {
                do {
                    let happenings = try await onWatchQueue { () throws(StoreError) -> [SAONWatcher.Happening] in
                        if box.watcher == nil {
                            box.watcher = try SAONWatcher(site: site, store: store, boost: boost)
                            box.version = version
                            var links: [(String, Int?)] = []
                            for c in site.saon { links.append((c.id, try store.state(device: c.id, signal: "link", atMs: now))) }
                            box.links = links
                        }
                        guard let watcher = box.watcher else { return [] }
                        if box.version != version {
                            watcher.site = site
                            box.version = version
                        }
                        return try watcher.step(nowMs: now)
                    }
                    for (id, state) in box.takeLinks() where state != nil {
                        Gauge(label: "esep_saon_link_up", dimensions: [("saon", id)]).record(Double(state ?? 0))
                    }
                    for h in happenings { report(h, site: site) }
                } catch {
                    // The watcher keeps its place: the same events are taken up at the next try.
                    if lastFailureLogMs == .min || now - lastFailureLogMs >= 60_000 {
                        logger.error("saon: reading or recording trips failed; retrying", metadata: ["reason": "\(error)"])
                        lastFailureLogMs = now
                    }
                }
            }
            // Without a controller only a reload can bring one: look once a second.
            try? await Task.sleep(for: .milliseconds(site.saon.isEmpty ? 1_000 : tickMs))
        }
    }

    /// The watcher, confined to ``watchQueue`` (its store calls block: they run off Swift's
    /// cooperative threads).
    final class WatcherBox: @unchecked Sendable {
        var watcher: SAONWatcher?
        /// The settings version the watcher follows.
        var version = 0
        var links: [(String, Int?)] = []
        func takeLinks() -> [(String, Int?)] {
            defer { links = [] }
            return links
        }
    }
    static let watchQueue = DispatchQueue(label: "esep.saon.watch")

    private func onWatchQueue<T: Sendable>(_ work: @escaping @Sendable () throws(StoreError) -> T) async throws(StoreError) -> T {
        let result: Result<T, StoreError> = await withCheckedContinuation { c in
            Self.watchQueue.async {
                do throws(StoreError) { c.resume(returning: .success(try work())) } catch { c.resume(returning: .failure(error)) }
            }
        }
        return try result.get()
    }

    private func report(_ h: SAONWatcher.Happening, site: SiteConfiguration) {
        switch h {
        case .trip(let e, let meters):
            logger.warning(
                "saon: stage tripped",
                metadata: [
                    "saon": "\(e.device)", "signal": "\(e.signal)", "at": "\(iso8601(e.timeMs))",
                    "uncertainty_ms": "\(e.uncertaintyMs.map(String.init) ?? "unknown")",
                    "meters": "\(meters.joined(separator: ","))",
                ])
        case .verdict(let r):
            let metadata: Logger.Metadata = [
                "saon": "\(r.saon)", "stage": "\(r.stage)", "test": "\(r.test)", "verdict": "\(r.verdict.rawValue)",
                "reason": "\(r.reason)", "shed": "\(r.id)",
            ]
            switch r.verdict {
            case .verified: logger.notice("saon: shed verified", metadata: metadata)
            case .failed: logger.error("saon: shed FAILED: the load did not fall as expected", metadata: metadata)
            case .unverifiable: logger.warning("saon: shed unverifiable", metadata: metadata)
            }
            Counter(
                label: "esep_saon_trips_total",
                dimensions: [("saon", r.saon), ("stage", "\(r.stage)"), ("verdict", r.verdict.rawValue), ("test", "\(r.test)")]
            ).increment()
            if !r.test {
                Gauge(label: "esep_saon_last_trip_timestamp_seconds", dimensions: [("saon", r.saon)])
                    .record(Double(r.timeMs) / 1000)
            }
        case .restoration(let r, let shed):
            logger.notice(
                "saon: shed ended",
                metadata: [
                    "saon": "\(shed.saon)", "stage": "\(shed.stage)", "test": "\(shed.test)", "by": "\(r.signal)",
                    "outage_s": "\(Double(r.timeMs - shed.timeMs) / 1000)",
                    "not_consumed_wh": "\(r.notConsumedWh.map(String.init) ?? "unknown")",
                    "power_back_at": "\(r.powerBackMs.map(iso8601) ?? "not seen")",
                ])
        case .link(let e):
            Gauge(label: "esep_saon_link_up", dimensions: [("saon", e.device)]).record(Double(e.new))
            if e.new == 0 {
                logger.warning(
                    "saon: controller not answering (its signals are unknown until it answers; no trip is inferred)",
                    metadata: ["saon": "\(e.device)", "since": "\(iso8601(e.timeMs))"])
            } else {
                logger.notice("saon: controller answering", metadata: ["saon": "\(e.device)", "at": "\(iso8601(e.timeMs))"])
            }
        case .signal(let e):
            // The states read at start are not changes.
            logger.log(
                level: e.old == nil ? .debug : .info,
                "saon: \(SAONSignalText.describe(signal: e.signal, new: e.new, language: "en"))",
                metadata: ["saon": "\(e.device)", "signal": "\(e.signal)", "at": "\(iso8601(e.timeMs))"])
        }
    }
}
