import API
import Compliance
import ArgumentParser
import Dispatch
import Foundation
import Ingest
import Lifecycle
import Logging
import Metering
import ServiceLifecycle
import UnixSignals
import SiteConfig
import Simulator
import Store
import Synchronization

/// `esep run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll meters and SAON controllers, store every reading.",
        discussion: """
            With --config FILE, polls the site the file describes. Without it, starts the built-in
            simulator in-process (20 meters and one SAON controller on a loopback port), polls it and
            stores into ./esep.sqlite: a first look that needs no hardware. SIGTERM or SIGINT stop
            polling, drain what was read into the store and exit 0. SIGHUP reloads the config file:
            devices added, removed or changed (the others polled on without a gap), tokens and API
            limits; a config with errors is rejected and the running one kept.

            The HTTP API listens on the config's api.listen. In the demo it listens on
            127.0.0.1:8080 (--api-listen changes it; port 0 picks a free one) with one admin token:
            $ESEP_DEMO_TOKEN when set, otherwise a fresh token printed once at start; a demo whose
            API address is taken runs on without the API.
            """
    )

    @Option(help: "The site configuration (TOML). Without it: the built-in simulator demo.")
    var config: String?

    @Option(help: "Database file (default: the config's storage.path, or ./esep.sqlite in the demo).")
    var db: String?

    @Option(help: "Demo only: number of simulated meters.")
    var meters = 20

    @Option(help: "Demo only: simulated meter profile.")
    var profile = "sdm630"

    @Option(
        help: """
            Demo only: the SAON drill cycle in seconds (0: off). For 5 s of every cycle test mode is on \
            and stage 1 trips feeders F001 and F002; esep verifies the shed and records the restoration.
            """)
    var saonCycle = 30

    @Option(help: "The API's host:port (default: the config's api.listen; 127.0.0.1:8080 in the demo).")
    var apiListen: String?

    @Option(help: "Stop after this many seconds (for scripts and tests).")
    var duration: Double?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        let style = LineLogHandler.style()
        LoggingSystem.bootstrap { label in
            var h = LineLogHandler(label: label, style: style)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "esep")
        // Before anything creates a metric: every swift-metrics instrument lands in this registry,
        // which the API exports at /metrics.
        let metrics = APIMetrics.bootstrap()
        var apiListen: Endpoint? = nil
        if let text = self.apiListen {
            guard let e = Endpoint(parsing: text, defaultPort: 8080) else {
                throw ValidationError("--api-listen: '\(text)' is not host:port (IPv6 in brackets: [::1]:8080)")
            }
            apiListen = e
        }
        var simulator: SimulatorServer? = nil
        let site: SiteConfiguration
        if let config {
            do {
                // Everything the daemon needs is checked before any file is created or opened.
                site = try loadSiteConfiguration(path: config)
            } catch {
                for d in error.diagnostics { logger.critical("\(d)") }
                throw ExitCode(1)
            }
        } else {
            var sc = SimulatorConfiguration()
            sc.meters = meters
            guard let p = DeviceProfile.builtIn[profile], p.kind == .meter else {
                throw ValidationError("--profile: unknown meter profile '\(profile)'")
            }
            sc.profiles = [p]
            sc.saonUnitId = 100
            guard saonCycle == 0 || (10...86_400).contains(saonCycle) else {
                throw ValidationError("--saon-cycle must be 0 (off) or 10…86400 s (a drill lasts 5 s), got \(saonCycle)")
            }
            sc.saonCycleSeconds = saonCycle
            let server = SimulatorServer(configuration: sc)
            try server.start()
            simulator = server
            logger.info("demo: built-in simulator started", metadata: ["listen": "127.0.0.1:\(server.port)", "meters": "\(meters)", "profile": "\(profile)"])
            site = try SiteConfiguration.demo(
                host: "127.0.0.1", port: server.port, meters: meters, profile: profile, saonUnitId: 100,
                storagePath: db ?? "esep.sqlite")
        }
        LogClock.shared.setTimeZone(site.site.timezone)
        let path = db ?? site.storage.path
        let workdays: WorkingCalendar
        do {
            workdays = try workingCalendar(site)
        } catch {
            logger.critical("config: \(error.diagnostics.map(\.description).joined(separator: "; "))")
            throw ExitCode(1)
        }
        var storeOptions = StoreOptions()
        storeOptions.chunkWindowMs = Int64(site.storage.sealAfterSeconds) * 1000
        storeOptions.rawRetentionMs = Int64(site.storage.rawRetentionDays) * 86_400_000
        storeOptions.maxSizeBytes = site.storage.maxSizeMB.map { Int64($0) * 1_048_576 }
        let store: SampleStore
        do {
            store = try SampleStore(path: path, options: storeOptions)
        } catch {
            logger.critical("store: \(error)")
            throw ExitCode(1)
        }
        // Held until the process ends: one daemon per database.
        let daemonLock: DaemonLock
        do {
            guard let lock = try DaemonLock.acquire(database: path) else {
                logger.critical(
                    "another esep daemon runs on this database",
                    metadata: ["db": "\(path)", "lock": "\(DaemonLock.path(forDatabase: path))"])
                throw ExitCode(1)
            }
            daemonLock = lock
        } catch let error as StoreError {
            logger.critical("store: \(error)")
            throw ExitCode(1)
        }
        defer { daemonLock.release() }
        // What the database was filled by: `esep report --db` without a config builds the demo's
        // documents from these (and refuses for a real site's database).
        do {
            try store.setMeta("config", site.sourcePath)
            if config == nil {
                try store.setMeta("demo_meters", "\(meters)")
                try store.setMeta("demo_profile", profile)
            }
        } catch {
            logger.critical("store: \(error)")
            throw ExitCode(1)
        }
        var options = IngestOptions()
        options.holeFill = site.ingest.holeFillRegisters
        options.backoffMaxMs = Int64(site.ingest.backoffMaxSeconds) * 1000
        options.summaryIntervalMs = Int64(site.ingest.summaryIntervalSeconds) * 1000
        options.pollCoalesceMs = Int64(site.ingest.pollCoalesceMs)
        options.batchMax = site.storage.batchMax
        options.ringCapacity = site.storage.ringCapacity
        if let calendar = SiteCalendar(identifier: site.site.timezone) { options.calendar = calendar }
        options.intervalStep = .minutes(site.energy.intervalMinutes)
        let pipeline: IngestPipeline
        do {
            pipeline = try IngestPipeline(devices: site.ingestDevices(), store: store, options: options, logger: logger)
        } catch {
            logger.critical("store: \(error)")
            throw ExitCode(1)
        }
        // After the pipeline registered the devices; its writer applies them within a second.
        try recordConfiguredReplacements(site, store: store, logger: logger)
        logger.info(
            "esep run", metadata: ["site": "\(site.site.name)", "db": "\(path)", "devices": "\(pipeline.devices.count)"])

        var apiConfiguration = APIConfiguration(site.api)
        if let apiListen {
            apiConfiguration.host = apiListen.host
            apiConfiguration.port = apiListen.port
        }
        let demo = simulator != nil
        if demo {
            // The demo's one token: $ESEP_DEMO_TOKEN, or a fresh one shown once.
            let given = ProcessInfo.processInfo.environment["ESEP_DEMO_TOKEN"].flatMap { $0.isEmpty ? nil : $0 }
            let token = given ?? APIToken.issue(name: "demo", scopes: [.admin]).token
            var rng = SystemRandomNumberGenerator()
            let salt = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &rng) }
            apiConfiguration.tokens = [APIToken(name: "demo", token: token, salt: salt, scopes: [.admin])]
            if given == nil {
                FileHandle.standardOutput.write(Data("esep demo: API admin token (shown once): \(token)\n".utf8))
            }
        }
        let status = IngestLiveStatus(board: pipeline.board, live: pipeline.live, storeHealth: pipeline.storeHealth)
        status.progress.withLock { $0 = { now in pipeline.progress(nowMs: now, writerStallMs: 20_000) } }
        let scheme = apiConfiguration.tlsEnabled ? "https" : "http"
        let rates: FeeRateTable
        do {
            rates = try feeRateTable(site)
        } catch {
            logger.critical("config: \(error.diagnostics.map(\.description).joined(separator: "; "))")
            throw ExitCode(1)
        }
        let energy = EnergyReadModel(store: store, site: site, live: status)
        if let simulator {
            DemoSchedule.storeIfMissing(
                site: simulator.site, calendar: energy.calendar, store: store, logger: logger, nowMs: WallClock.nowMs())
        }
        // READY=1 waits for these; the store is open already.
        let readiness = Readiness(parts: ["pollers", "api"])
        let apiAddress = Mutex<String?>(nil)
        let api: APIServer
        do {
            api = try APIServer(
                configuration: apiConfiguration, site: site, store: store, ingest: status, energy: energy,
                workingCalendar: workdays, documents: DocumentSources(site: site, model: energy, workdays: workdays, rates: rates),
                metrics: metrics,
                logger: logger,
                onListening: { host, port in
                    let shown = host.contains(":") ? "[\(host)]" : host
                    logger.info("api listening", metadata: ["url": "\(scheme)://\(shown):\(port)"])
                    apiAddress.withLock { $0 = "\(shown):\(port)" }
                    readiness.done("api")
                })
        } catch {
            logger.critical("api: \(error)", metadata: ["config": "\(site.sourcePath)"])
            throw ExitCode(1)
        }

        // Shut down in reverse order: the notifier (STOPPING=1), the pollers at once, then the
        // API (stops accepting, cancels requests after its grace), the writer last, once it has
        // drained every ring into the store.
        var services: [any Service] = []
        if let simulator { services.append(SimulatorService(server: simulator)) }
        services.append(WriterService(pipeline: pipeline))
        services.append(APIService(server: api, optional: demo, readiness: readiness, logger: logger))
        services.append(PollerService(pipeline: pipeline, status: status, readiness: readiness))
        let failureThreshold = options.failureThreshold
        services.append(
            SystemdNotifier(readiness: readiness, logger: logger) {
                let now = WallClock.nowMs()
                // 20 s: longer than a write waiting out SQLite's 10 s busy timeout, which is not a stall.
                let progress = pipeline.progress(nowMs: now, writerStallMs: 20_000)
                let s = pipeline.statistics
                let down = pipeline.board.down(threshold: failureThreshold)
                var line = "\(pipeline.devices.count) devices, \(down) down; \(s.stored) samples stored, \(s.dropped) lost"
                if let address = apiAddress.withLock({ $0 }) { line += "; API \(address)" }
                if let problem = status.storeProblem { line += "; store: \(problem)" }
                if !progress.isProgressing { line += "; \(progress)" }
                return SystemdNotifier.Health(progressing: progress.isProgressing, status: line)
            })
        let obligations = ObligationWatch(site: site, calendar: workdays, logger: logger)
        services.append(obligations)
        let saonWatch = SAONService(site: site, store: store, pipeline: pipeline, logger: logger)
        services.append(saonWatch)
        // The hour in progress against the purchase schedule; each closed hour's result recorded.
        let purchaseWatch = PurchaseWatch(model: energy, site: site, ingest: status, logger: logger)
        services.append(purchaseWatch)
        let reloader = config.map { path in
            ConfigReloader(
                path: path, site: site, pipeline: pipeline, api: api.settings, obligations: obligations.settings, saon: saonWatch.settings, purchase: purchaseWatch.settings, store: store,
                status: status, apiListen: apiListen, logger: logger)
        }
        services.append(ReloadService(reloader: reloader, logger: logger))
        if let duration { services.append(DeadlineService(seconds: duration)) }
        var groupConfiguration = ServiceGroupConfiguration(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger)
        // Well inside the unit's TimeoutStopSec=30: a stop that takes longer is cancelled, so
        // systemd never has to SIGKILL a draining writer.
        groupConfiguration.maximumGracefulShutdownDuration = .seconds(15)
        groupConfiguration.maximumCancellationDuration = .seconds(5)
        let group = ServiceGroup(configuration: groupConfiguration)
        try await group.run()
        let s = pipeline.statistics
        logger.info("esep stopped", metadata: ["stored": "\(s.stored)", "dropped": "\(s.dropped)"])
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Runs blocking work off Swift concurrency's cooperative pool.
func offloaded(_ work: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
        DispatchQueue.global().async {
            work()
            c.resume()
        }
    }
}

/// The in-process simulator of the demo; stops last.
struct SimulatorService: Service {
    let server: SimulatorServer
    func run() async throws {
        try? await gracefulShutdown()
        await offloaded { server.stop() }
    }
}

/// The store writer: started first, stopped after the pollers, once the rings are drained.
struct WriterService: Service {
    let pipeline: IngestPipeline
    func run() async throws {
        pipeline.startWriting()
        try? await gracefulShutdown()
        await offloaded { pipeline.stopWriting() }
    }
}

/// The pollers: stopped before the writer.
struct PollerService: Service {
    let pipeline: IngestPipeline
    let status: IngestLiveStatus
    let readiness: Readiness
    func run() async throws {
        pipeline.startPolling()
        status.polling.store(true, ordering: .relaxed)
        readiness.done("pollers")
        try? await gracefulShutdown()
        status.polling.store(false, ordering: .relaxed)
        await offloaded { pipeline.stopPolling() }
    }
}

/// What the API reports of ingest: the pollers' live health board and whether they run.
final class IngestLiveStatus: IngestStatusSource {
    let board: HealthBoard
    let live: LiveView
    let storeHealth: StoreHealth
    let polling = Atomic<Bool>(false)

    init(board: HealthBoard, live: LiveView, storeHealth: StoreHealth) {
        self.board = board
        self.live = live
        self.storeHealth = storeHealth
    }

    var storeProblem: String? { storeHealth.notReadyReason }
    /// Set once the pipeline exists (the status is made for it).
    let progress = Mutex<(@Sendable (Int64) -> IngestProgress)?>(nil)
    var writerSilentMs: Int64? {
        progress.withLock { $0 }?(WallClock.nowMs()).writerSilentMs
    }

    func deviceHealth() -> [DeviceHealth] { board.snapshot() }
    var isPolling: Bool { polling.load(ordering: .relaxed) }
    func latestSamples() -> [UInt32: StoredSample]? { live.latest() }
    func openIntervals() -> [UInt32: Metering.EnergyInterval]? { live.openIntervals() }
    func headIntervals() -> [UInt32: Metering.EnergyInterval]? { live.headIntervals() }
}

/// The HTTP API: stopped before the pollers. With `optional` (the demo), failing to start (the
/// port is taken) is logged and the daemon runs on without it.
struct APIService: Service {
    let server: APIServer
    let optional: Bool
    let readiness: Readiness
    let logger: Logger
    func run() async throws {
        do {
            try await server.run()
        } catch where optional {
            logger.error(
                "api not started; the demo runs on without it (choose another address with --api-listen)",
                metadata: ["error": "\(error)"])
            // Ready without it (the demo only).
            readiness.done("api")
            try? await gracefulShutdown()
        }
    }
}

/// Ends the group after a fixed time (`--duration`).
struct DeadlineService: Service {
    let seconds: Double
    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
    }
}

/// Records the config's `[[replacements]]` that the store does not have yet (once: a record with
/// the same meter, time and readings is not recorded again). The writer then applies them.
func recordConfiguredReplacements(_ site: SiteConfiguration, store: SampleStore, logger: Logger) throws(StoreError) {
    for r in site.replacements {
        let known = try store.replacements(device: r.meter).contains {
            $0.replacement.timeMs == r.atMs && $0.replacement.oldFinalWh == r.oldFinalWh
                && $0.replacement.newInitialWh == r.newInitialWh
        }
        guard !known else { continue }
        try store.recordReplacement(
            device: r.meter,
            MeterReplacement(timeMs: r.atMs, oldFinalWh: r.oldFinalWh, newInitialWh: r.newInitialWh, note: r.note),
            nowMs: WallClock.nowMs())
        let zone = SiteCalendar(identifier: site.site.timezone) ?? .almaty
        logger.notice("meter replacement from the config recorded", metadata: ["meter": "\(r.meter)", "at": "\(zone.iso8601(r.atMs))"])
    }
}
