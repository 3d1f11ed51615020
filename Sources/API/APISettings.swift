public import Compliance
import Foundation
public import SiteConfig
import Synchronization

/// What the running API server takes from the configuration and a reload (SIGHUP) may replace:
/// the tokens, the per-token rate limit and failed-authentication budget, the request limits
/// (concurrency, body size, per address, query range), open-on-loopback, and the site the routes
/// describe (meters, SAON controllers, calendar, documents).
///
/// The listen address, TLS files, connection timeouts and caps and the snapshot cache's life
/// are fixed when the server starts: ``restartOnlyChanges(from:to:)`` names them.
public final class APISettings: Sendable {
    public struct Current: Sendable {
        public var configuration: APIConfiguration
        var reader: SiteReader
        var energy: (any EnergyDataSource)?
        var workingCalendar: WorkingCalendar
        var documents: DocumentSources?
        var verifier: TokenVerifier
        var limiter: RateLimiter
        var failures: RateLimiter

        init(
            configuration: APIConfiguration, reader: SiteReader, energy: (any EnergyDataSource)?,
            workingCalendar: WorkingCalendar, documents: DocumentSources?
        ) {
            self.configuration = configuration
            self.reader = reader
            self.energy = energy
            self.workingCalendar = workingCalendar
            self.documents = documents
            verifier = TokenVerifier(tokens: configuration.tokens)
            limiter = RateLimiter(ratePerSecond: configuration.rateLimitPerSecond)
            failures = RateLimiter(perMinute: configuration.failedAuthPerMinute)
        }
    }

    private let state: Mutex<Current>

    init(_ current: Current) { state = Mutex(current) }

    /// The settings a request is served with (one consistent set per request).
    public var current: Current { state.withLock { $0 } }

    /// Serves later requests with a new configuration and site. The listen address, TLS and
    /// connection settings of `configuration` are not applied (see ``restartOnlyChanges(from:to:)``).
    /// Rate-limit buckets carry over when their rate is unchanged.
    public func reload(
        configuration: APIConfiguration, site: SiteConfiguration, energy: (any EnergyDataSource)?,
        workingCalendar: WorkingCalendar, documents: DocumentSources?
    ) {
        state.withLock { old in
            var next = Current(
                configuration: configuration, reader: SiteReader(store: old.reader.store, site: site, status: old.reader.status),
                energy: energy, workingCalendar: workingCalendar, documents: documents)
            if configuration.rateLimitPerSecond == old.configuration.rateLimitPerSecond { next.limiter = old.limiter }
            if configuration.failedAuthPerMinute == old.configuration.failedAuthPerMinute { next.failures = old.failures }
            old = next
        }
    }

    /// The `[api]` keys whose change takes effect only when the daemon restarts.
    public static func restartOnlyChanges(from a: APIConfiguration, to b: APIConfiguration) -> [String] {
        var keys: [String] = []
        if a.host != b.host || a.port != b.port { keys.append("api.listen") }
        if a.tlsCertificatePath != b.tlsCertificatePath { keys.append("api.tls_cert") }
        if a.tlsKeyPath != b.tlsKeyPath { keys.append("api.tls_key") }
        if a.clientCAPath != b.clientCAPath { keys.append("api.client_ca") }
        if a.idleTimeout != b.idleTimeout { keys.append("api.idle_timeout_s") }
        if a.requestReadTimeout != b.requestReadTimeout { keys.append("api.request_read_timeout_s") }
        if a.responseWriteTimeout != b.responseWriteTimeout { keys.append("api.response_write_timeout_s") }
        if a.requestHeaderTimeout != b.requestHeaderTimeout { keys.append("api.request_header_timeout_s") }
        if a.maxConnections != b.maxConnections { keys.append("api.max_connections") }
        if a.maxConnectionsPerAddress != b.maxConnectionsPerAddress { keys.append("api.max_connections_per_address") }
        if a.reservedAddresses != b.reservedAddresses { keys.append("api.reserved_addresses") }
        if a.reservedConnections != b.reservedConnections { keys.append("api.reserved_connections") }
        if a.snapshotCacheTTL != b.snapshotCacheTTL { keys.append("api.snapshot_cache_ms") }
        if a.shutdownGrace != b.shutdownGrace { keys.append("api.shutdown_grace_ms") }
        return keys
    }
}
