import ArgumentParser
import Dispatch
import Foundation
import Ingest
import Logging
import Metering
import ServiceLifecycle
import UnixSignals
import SiteConfig
import Simulator
import Store

/// `esep run`: the daemon.
struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run the daemon: poll meters and SAON controllers, store every reading.",
        discussion: """
            With --config FILE, polls the site the file describes. Without it, starts the built-in
            simulator in-process (20 meters and one SAON controller on a loopback port), polls it and
            stores into ./esep.sqlite: a first look that needs no hardware. SIGTERM or SIGINT stop
            polling, drain what was read into the store and exit 0.
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

    @Option(help: "Stop after this many seconds (for scripts and tests).")
    var duration: Double?

    @Option(help: "Log level: trace, debug, info, notice, warning, error, critical.")
    var logLevel: Logger.Level = .info

    func run() async throws {
        let level = logLevel
        LoggingSystem.bootstrap { label in
            var h = StreamLogHandler.standardError(label: label)
            h.logLevel = level
            return h
        }
        let logger = Logger(label: "esep")
        var simulator: SimulatorServer? = nil
        let site: SiteConfiguration
        if let config {
            do {
                site = try SiteConfigLoader.load(path: config)
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
            sc.saonCycleSeconds = 300
            let server = SimulatorServer(configuration: sc)
            try server.start()
            simulator = server
            logger.info("demo: built-in simulator started", metadata: ["listen": "127.0.0.1:\(server.port)", "meters": "\(meters)", "profile": "\(profile)"])
            site = try SiteConfiguration.demo(
                host: "127.0.0.1", port: server.port, meters: meters, profile: profile, saonUnitId: 100,
                storagePath: db ?? "esep.sqlite")
        }
        let path = db ?? site.storage.path
        var storeOptions = StoreOptions()
        storeOptions.chunkWindowMs = Int64(site.storage.sealAfterSeconds) * 1000
        storeOptions.rawRetentionMs = Int64(site.storage.rawRetentionDays) * 86_400_000
        let store = try SampleStore(path: path, options: storeOptions)
        var options = IngestOptions()
        options.holeFill = site.ingest.holeFillRegisters
        options.backoffMaxMs = Int64(site.ingest.backoffMaxSeconds) * 1000
        options.summaryIntervalMs = Int64(site.ingest.summaryIntervalSeconds) * 1000
        options.batchMax = site.storage.batchMax
        options.ringCapacity = site.storage.ringCapacity
        let pipeline = try IngestPipeline(devices: site.ingestDevices(), store: store, options: options, logger: logger)
        logger.info(
            "esep run", metadata: ["site": "\(site.site.name)", "db": "\(path)", "devices": "\(pipeline.devices.count)"])

        var services: [any Service] = []
        if let simulator { services.append(SimulatorService(server: simulator)) }
        services.append(WriterService(pipeline: pipeline))
        services.append(PollerService(pipeline: pipeline))
        services.append(SystemdNotifier(logger: logger))
        if let duration { services.append(DeadlineService(seconds: duration)) }
        let group = ServiceGroup(
            configuration: ServiceGroupConfiguration(
                services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0, successTerminationBehavior: .gracefullyShutdownGroup) },
                gracefulShutdownSignals: [.sigterm, .sigint],
                logger: logger))
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
    func run() async throws {
        pipeline.startPolling()
        try? await gracefulShutdown()
        await offloaded { pipeline.stopPolling() }
    }
}

/// Ends the group after a fixed time (`--duration`).
struct DeadlineService: Service {
    let seconds: Double
    func run() async throws {
        try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .milliseconds(Int(seconds * 1000))) }
    }
}
