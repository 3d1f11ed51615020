import Compliance
import Foundation
public import Metering
import Synchronization
public import Hummingbird
import HummingbirdCore
import HummingbirdTLS
public import Logging
import NIOCore
public import ServiceLifecycle
public import SiteConfig
public import Store

/// The grid operator's HTTP API, a swift-service-lifecycle `Service` built on Hummingbird 2.
///
/// Routes are listed in ``APIRoute/all`` and described in `openapi.yaml` (served at
/// `/openapi.yaml`). Every request passes, outermost first: request metrics, the JSON error
/// body, the concurrency and body-size limits; then every route but `/healthz` passes
/// authentication and the per-token rate limit, and each route checks its scopes.
/// Connections are bounded by count, idle time and request/response deadlines.
///
/// Data is read through the store's reader connections (never the writer's), on NIO's blocking
/// thread pool; `/v1/snapshot` is computed at most once per ``APIConfiguration/snapshotCacheTTL``.
public struct APIServer: Service {
    /// The configuration the server started with (listen address, TLS, connection timeouts);
    /// tokens and request limits are the current ones in ``settings``.
    public let configuration: APIConfiguration
    /// What a reload may change: tokens, limits and the site the routes describe.
    public let settings: APISettings
    var reader: SiteReader { settings.current.reader }
    var energy: (any EnergyDataSource)? { settings.current.energy }
    /// The working-day calendar `/v1/deadlines` counts on (the shipped one with the config's overrides).
    var workingCalendar: WorkingCalendar { settings.current.workingCalendar }
    /// What `/v1/reports/{kind}` builds documents from (nil: 501).
    var documents: DocumentSources? { settings.current.documents }
    let metrics: APIMetrics?
    let logger: Logger
    let server: HTTPServerBuilder
    let snapshots: SnapshotCache<SnapshotEntry>
    /// The quarter and month so far, for `/metrics` (recomputed at most once a minute).
    let periodsForMetrics: SnapshotCache<PeriodsToDate>
    /// The quarter and month so far, for `/v1/snapshot` (recomputed at most every ten snapshot
    /// lifetimes; never cached when snapshots are not).
    let periodsForSnapshot: SnapshotCache<PeriodsToDate>
    /// Open connections by client address (admission, per-address caps, clients gone).
    let connections: ConnectionTable
    /// The clock requests are answered by (UTC epoch ms): staleness, default ranges.
    let now: @Sendable () -> Int64
    let onListening: (@Sendable (_ host: String, _ port: Int) async -> Void)?

    /// - Parameters:
    ///   - configuration: listen address, TLS, tokens, limits.
    ///   - site: the meters and SAON controllers to describe.
    ///   - store: read through its reader connections.
    ///   - ingest: live device health and whether the pollers run (nil: health as last stored, not ready).
    ///   - energy: verified interval and quarter energy (nil: those routes answer 501).
    ///   - workingCalendar: the working days `/v1/deadlines` counts on.
    ///   - documents: the site, read model, calendar and fee rates documents are built from
    ///     (nil: `/v1/reports` answers 501, `/v1/deadlines` has no `generated`).
    ///   - metrics: the registry `/metrics` exports (nil: `/metrics` is empty).
    ///   - logger: for server and request errors.
    ///   - now: the clock (UTC epoch ms) for staleness and default ranges; tests fix it.
    ///   - onListening: called with the bound address once the server accepts connections.
    /// - Throws: ``APIError`` when TLS files are missing or unreadable, or only one of
    ///   certificate and key is given.
    public init(
        configuration: APIConfiguration, site: SiteConfiguration, store: SampleStore,
        ingest: (any IngestStatusSource)? = nil, energy: (any EnergyDataSource)? = nil,
        workingCalendar: WorkingCalendar = .kazakhstan, documents: DocumentSources? = nil, metrics: APIMetrics? = nil, logger: Logger, now: @escaping @Sendable () -> Int64 = { WallClock.nowMs() },
        onListening: (@Sendable (_ host: String, _ port: Int) async -> Void)? = nil
    ) throws(APIError) {
        self.now = now
        self.configuration = configuration
        self.settings = APISettings(
            APISettings.Current(
                configuration: configuration, reader: SiteReader(store: store, site: site, status: ingest), energy: energy,
                workingCalendar: workingCalendar, documents: documents))
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
        self.snapshots = SnapshotCache(ttl: configuration.snapshotCacheTTL)
        self.periodsForMetrics = SnapshotCache(ttl: .seconds(60), maxStale: .seconds(300))
        self.periodsForSnapshot = SnapshotCache(
            ttl: configuration.snapshotCacheTTL * 10, maxStale: max(.seconds(60), configuration.snapshotCacheTTL * 60))
        let connections = ConnectionTable(configuration)
        self.connections = connections
        let http1 = HTTPServerBuilder.http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [
                    ConnectionGuard(table: connections, headerTimeout: configuration.requestHeaderTimeout),
                    RequestDeadlineHandler(
                        readTimeout: configuration.requestReadTimeout, writeTimeout: configuration.responseWriteTimeout),
                ],
                idleTimeout: TimeAmount(configuration.idleTimeout)))
        if let tls = try TLSSetup.configuration(configuration) {
            do {
                server = try HTTPServerBuilder.tls(http1, tlsConfiguration: tls)
            } catch {
                throw APIError(
                    .tlsConfiguration, key: "api.tls_cert", value: configuration.tlsCertificatePath ?? "",
                    reason: String(describing: error))
            }
        } else {
            server = http1
        }
    }

    /// What the server would refuse in a site's `[api]` section, as config diagnostics with the
    /// key's line: TLS files that are missing, unreadable, not PEM, or a key that does not belong
    /// to the certificate. `esep check-config` and `esep run` call it before anything is opened.
    public static func configurationProblems(_ site: SiteConfiguration) -> [ConfigDiagnostic] {
        do {
            _ = try TLSSetup.configuration(APIConfiguration(site.api))
            return []
        } catch {
            let shown = error.value.isEmpty ? "" : "'\(error.value)': "
            return [site.diagnostic(key: error.key, shown + error.reason)]
        }
    }

    /// `GET /path` for every route the server registers (the OpenAPI test compares them).
    public var registeredRoutes: [String] {
        makeRouter().routes.map { "\($0.method) \($0.path)" }
    }

    /// The Hummingbird application (tests run it with HummingbirdTesting).
    public func makeApplication() -> some ApplicationProtocol {
        let onListening = self.onListening
        return Application(
            router: makeRouter(), server: server,
            configuration: ApplicationConfiguration(
                address: .hostname(configuration.host, port: configuration.port), serverName: "esep",
                                // The real limits are per address (ConnectionGuard closes what it does not admit);
                // this backstop only bounds file descriptors.
                availableConnectionsDelegate: MaximumAvailableConnections(connections.hardCap, logger: logger)),
            onServerRunning: { channel in
                guard let onListening, let address = channel.localAddress else { return }
                await onListening(address.ipAddress ?? "", address.port ?? 0)
            },
            logger: logger)
    }

    /// Serves until graceful shutdown. Then the server stops accepting at once; requests in
    /// flight get ``APIConfiguration/shutdownGrace`` to finish and are cancelled after it (work
    /// that checks for cancellation stops, and their connections close), so a slow query never
    /// holds the daemon's stop.
    public func run() async throws {
        let app = makeApplication()
        let grace = configuration.shutdownGrace
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { try await app.run() }
            group.addTask {
                try await gracefulShutdown()
                try await Task.sleep(for: grace)
            }
            // Whichever ends first: the server (it finished every request) or the grace period.
            _ = try await group.next()
            group.cancelAll()
        }
    }
}

/// The snapshot as computed once for all requests, with its JSON bytes.
struct SnapshotEntry: Sendable {
    var snapshot: Snapshot
    var json: ByteBuffer
}

/// The computed snapshot, shared by all requests: recomputed at most once per `ttl`, by one
/// task at a time (single flight). Once the entry is older than `ttl` the next request starts a
/// refresh and, while it runs, requests are answered with the entry they would have had a moment
/// ago (stale-while-revalidate) as long as it is younger than `maxStale`; only the very first
/// snapshot, or one older than that, is waited for. A failed refresh is not cached.
final class SnapshotCache<Entry: Sendable>: Sendable {
    private struct State {
        var current: Entry?
        /// When the computation of `current` started.
        var computedAt: ContinuousClock.Instant?
        var refreshing: Task<Entry, any Error>?
    }

    private enum Decision {
        case fresh(Entry)
        case wait(Task<Entry, any Error>)
    }

    private let ttl: Duration
    private let maxStale: Duration
    /// The clock ages are measured on (tests move it by hand).
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state = Mutex(State())

    init(ttl: Duration, maxStale: Duration? = nil, now: @escaping @Sendable () -> ContinuousClock.Instant = { .now }) {
        self.ttl = ttl
        self.maxStale = maxStale ?? max(.seconds(5), ttl * 5)
        self.now = now
    }

    func get(_ compute: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        guard ttl > .zero else { return try await compute() }
        let now = self.now()
        let decision = state.withLock { s -> Decision in
            if let current = s.current, let at = s.computedAt, now < at.advanced(by: ttl) { return .fresh(current) }
            let task: Task<Entry, any Error>
            if let running = s.refreshing {
                task = running
            } else {
                task = Task { [self] in
                    do {
                        let entry = try await compute()
                        state.withLock { s in
                            s.current = entry
                            s.computedAt = now
                            s.refreshing = nil
                        }
                        return entry
                    } catch {
                        state.withLock { $0.refreshing = nil }
                        throw error
                    }
                }
                s.refreshing = task
            }
            if let current = s.current, let at = s.computedAt, now < at.advanced(by: maxStale) { return .fresh(current) }
            return .wait(task)
        }
        switch decision {
        case .fresh(let entry): return entry
        case .wait(let task): return try await task.value
        }
    }
}
