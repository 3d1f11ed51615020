import API
import Compliance
import Foundation
import Ingest
import Lifecycle
import Logging
import Metrics
import ServiceLifecycle
import SiteConfig
import Store
import Synchronization
import UnixSignals

/// SIGHUP (`systemctl reload esep`): reads the config file again and applies it while ingest runs.
///
/// A new config is checked as at start (`esep check-config`); one with errors is rejected, each
/// error logged with its file and line, and the running configuration is kept. A valid one is
/// applied: devices added, removed or changed (the others polled on without a gap), replacements
/// recorded, the API's tokens, limits and site description replaced. Settings that only a restart
/// applies (storage, the site's time zone, ingest options, the API's listen address and
/// connection settings) are named in a warning and left as they are.
///
/// Metrics: `esep_config_reloads_total{result="applied|rejected"}`,
/// `esep_config_last_reload_successful` (0 after a rejected reload, until one is applied).
final class ConfigReloader: Sendable {
    let path: String
    let pipeline: IngestPipeline
    let api: APISettings
    let obligations: ObligationWatch.Settings
    let saon: SAONService.Settings
    let purchase: PurchaseWatch.Settings
    let store: SampleStore
    let status: IngestLiveStatus
    /// The `--api-listen` given on the command line (it overrides the config's on every load).
    let apiListen: Endpoint?
    let logger: Logger
    /// The configuration running now.
    let running: Mutex<SiteConfiguration>
    private let applied = Counter(label: "esep_config_reloads_total", dimensions: [("result", "applied")])
    private let rejected = Counter(label: "esep_config_reloads_total", dimensions: [("result", "rejected")])
    private let lastOK = Gauge(label: "esep_config_last_reload_successful")

    init(
        path: String, site: SiteConfiguration, pipeline: IngestPipeline, api: APISettings,
        obligations: ObligationWatch.Settings, saon: SAONService.Settings, purchase: PurchaseWatch.Settings, store: SampleStore,
        status: IngestLiveStatus, apiListen: Endpoint?, logger: Logger
    ) {
        self.path = path
        self.pipeline = pipeline
        self.api = api
        self.obligations = obligations
        self.saon = saon
        self.purchase = purchase
        self.store = store
        self.status = status
        self.apiListen = apiListen
        self.logger = logger
        running = Mutex(site)
        lastOK.record(1)
    }

    enum Outcome: Equatable {
        case applied(IngestReconfiguration)
        case rejected
    }

    /// Reads the file and applies it (blocking: call off the cooperative pool).
    @discardableResult
    func reload() -> Outcome {
        let old = running.withLock { $0 }
        logger.notice("reload: reading the configuration", metadata: ["config": "\(path)"])
        let site: SiteConfiguration
        let workdays: WorkingCalendar
        let rates: FeeRateTable
        do {
            site = try loadSiteConfiguration(path: path)
            workdays = try workingCalendar(site)
            rates = try feeRateTable(site)
        } catch {
            for d in error.diagnostics { logger.error("\(d)") }
            return reject("the configuration has errors", ["config": "\(path)", "errors": "\(error.diagnostics.count)"])
        }
        var apiConfiguration = APIConfiguration(site.api)
        var oldAPI = APIConfiguration(old.api)
        if let apiListen {
            apiConfiguration.host = apiListen.host
            apiConfiguration.port = apiListen.port
            oldAPI.host = apiListen.host
            oldAPI.port = apiListen.port
        }
        let later = Self.restartOnlyChanges(from: old, to: site) + APISettings.restartOnlyChanges(from: oldAPI, to: apiConfiguration)
        let summary: IngestReconfiguration
        let devices = site.ingestDevices()
        do {
            summary = try pipeline.reconfigure(devices: devices)
        } catch {
            return reject("the store refused the new devices", ["config": "\(path)", "error": "\(error)"])
        }
        do {
            try recordConfiguredReplacements(site, store: store, logger: logger)
        } catch {
            // The devices are applied; the replacements are recorded at the next reload or start.
            logger.error("reload: the config's meter replacements could not be recorded", metadata: ["error": "\(error)"])
        }
        let energy = EnergyReadModel(store: store, site: site, live: status)
        api.reload(
            configuration: apiConfiguration, site: site, energy: energy, workingCalendar: workdays,
            documents: DocumentSources(site: site, model: energy, workdays: workdays, rates: rates))
        obligations.update(site: site, calendar: workdays)
        saon.update(site: site)
        purchase.update(model: energy, site: site)
        running.withLock { $0 = site }
        if !later.isEmpty {
            logger.warning(
                "reload: these settings changed but take effect only at the next restart",
                metadata: ["keys": "\(later.joined(separator: ", "))"])
        }
        logger.notice(
            "configuration reloaded",
            metadata: [
                "config": "\(path)", "devices": "\(devices.count)",
                "added": "\(summary.added.joined(separator: ","))", "removed": "\(summary.removed.joined(separator: ","))",
                "changed": "\(summary.changed.joined(separator: ","))", "tokens": "\(apiConfiguration.tokens.count)",
            ])
        applied.increment()
        lastOK.record(1)
        return .applied(summary)
    }

    /// Logs why a reload was refused and counts it.
    private func reject(_ why: String, _ metadata: Logger.Metadata) -> Outcome {
        logger.error("reload rejected: \(why); the running configuration is kept", metadata: metadata)
        rejected.increment()
        lastOK.record(0)
        return .rejected
    }

    /// Keys outside `[api]` whose change a reload does not apply.
    static func restartOnlyChanges(from a: SiteConfiguration, to b: SiteConfiguration) -> [String] {
        var keys: [String] = []
        if a.site.timezone != b.site.timezone { keys.append("site.timezone") }
        if a.storage != b.storage { keys.append("storage") }
        if a.ingest != b.ingest { keys.append("ingest") }
        if a.energy != b.energy { keys.append("energy") }
        return keys
    }
}

/// Waits for SIGHUP and reloads; outside a config file (the demo) says there is nothing to reload.
struct ReloadService: Service {
    let reloader: ConfigReloader?
    let logger: Logger

    func run() async throws {
        let signals = await UnixSignalsSequence(trapping: .sighup)
        await cancelWhenGracefulShutdown {
            for await _ in signals {
                guard let reloader else {
                    logger.notice("SIGHUP: the demo runs without a config file; nothing to reload")
                    continue
                }
                SystemdNotifier.notifyIfManaged("RELOADING=1\nMONOTONIC_USEC=\(SystemdNotifier.monotonicMicroseconds())")
                await offloaded { reloader.reload() }
                SystemdNotifier.notifyIfManaged("READY=1")
            }
        }
    }
}
