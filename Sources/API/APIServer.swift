import Foundation
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
    public let configuration: APIConfiguration
    let reader: SiteReader
    let energy: (any EnergyDataSource)?
    let metrics: APIMetrics?
    let logger: Logger
    let server: HTTPServerBuilder
    let snapshots: SnapshotCache
    let onListening: (@Sendable (_ host: String, _ port: Int) async -> Void)?

    /// - Parameters:
    ///   - configuration: listen address, TLS, tokens, limits.
    ///   - site: the meters and SAON controllers to describe.
    ///   - store: read through its reader connections.
    ///   - ingest: live device health and whether the pollers run (nil: health as last stored, not ready).
    ///   - energy: verified interval and quarter energy (nil: those routes answer 501).
    ///   - metrics: the registry `/metrics` exports (nil: `/metrics` is empty).
    ///   - logger: for server and request errors.
    ///   - onListening: called with the bound address once the server accepts connections.
    /// - Throws: ``APIError`` when TLS files are missing or unreadable, or only one of
    ///   certificate and key is given.
    public init(
        configuration: APIConfiguration, site: SiteConfiguration, store: SampleStore,
        ingest: (any IngestStatusSource)? = nil, energy: (any EnergyDataSource)? = nil, metrics: APIMetrics? = nil,
        logger: Logger, onListening: (@Sendable (_ host: String, _ port: Int) async -> Void)? = nil
    ) throws(APIError) {
        self.configuration = configuration
        self.reader = SiteReader(store: store, site: site, status: ingest)
        self.energy = energy
        self.metrics = metrics
        self.logger = logger
        self.onListening = onListening
        self.snapshots = SnapshotCache(ttl: configuration.snapshotCacheTTL)
        let http1 = HTTPServerBuilder.http1(
            configuration: HTTP1Channel.Configuration(
                additionalChannelHandlers: [
                    RequestDeadlineHandler(
                        readTimeout: configuration.requestReadTimeout, writeTimeout: configuration.responseWriteTimeout)
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
                availableConnectionsDelegate: MaximumAvailableConnections(configuration.maxConnections, logger: logger)),
            onServerRunning: { channel in
                guard let onListening, let address = channel.localAddress else { return }
                await onListening(address.ipAddress ?? "", address.port ?? 0)
            },
            logger: logger)
    }

    public func run() async throws {
        try await makeApplication().run()
    }
}

/// Single-flight cache of the computed snapshot: concurrent requests share one computation.
final class SnapshotCache: Sendable {
    struct Entry: Sendable {
        var snapshot: Snapshot
        var json: ByteBuffer
    }

    private let ttl: Duration
    private let clock = ContinuousClock()
    private let state = Mutex<(task: Task<Entry, any Error>?, expires: ContinuousClock.Instant)>((nil, .now))

    init(ttl: Duration) { self.ttl = ttl }

    func get(_ compute: @escaping @Sendable () async throws -> Entry) async throws -> Entry {
        guard ttl > .zero else { return try await compute() }
        let now = clock.now
        let task = state.withLock { s -> Task<Entry, any Error> in
            if let t = s.task, now < s.expires { return t }
            let t = Task { try await compute() }
            s = (t, now.advanced(by: ttl))
            return t
        }
        do {
            return try await task.value
        } catch {
            state.withLock { s in if s.task == task { s = (nil, now) } }
            throw error
        }
    }
}
