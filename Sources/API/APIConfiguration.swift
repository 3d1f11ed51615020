public import SiteConfig

/// Everything the HTTP server needs to know that is not data: where it listens, how it
/// speaks TLS, who may call it, and the limits that keep a misbehaving client from hurting
/// ingest.
///
/// Built from the config's `[api]` section by ``init(_:)``.
public struct APIConfiguration: Sendable {
    /// The address to bind (`api.listen` host part; `::1` without brackets for IPv6).
    public var host: String
    /// The TCP port (`api.listen` port part; 0 picks a free port).
    public var port: Int
    /// `api.tls_cert`, `api.tls_key`: PEM files; both or neither. Without them: plain HTTP.
    public var tlsCertificatePath: String?
    public var tlsKeyPath: String?
    /// `api.client_ca`: PEM bundle; when set, clients must present a certificate it signed.
    public var clientCAPath: String?
    /// `api.open_on_loopback`: requests from 127.0.0.0/8 and ::1 need no token (they get every scope).
    public var openOnLoopback: Bool
    /// `api.rate_limit_per_s`: requests per second per token (and for the loopback client);
    /// the bucket holds as many as one second allows.
    public var rateLimitPerSecond: Int
    /// `[[api.tokens]]`.
    public var tokens: [APIToken]
    /// Largest request body accepted (bytes, 16 KiB). A purchase schedule (`PUT /v1/schedule/{date}`) is the only body; a larger one gets 413.
    public var maxRequestBodyBytes: Int
    /// A connection that sends nothing for this long between requests is closed (30 s). A request
    /// head that has not fully arrived counts as nothing, so this also bounds slow headers.
    public var idleTimeout: Duration
    /// From the request head to the end of its body (10 s); a slower client is disconnected.
    public var requestReadTimeout: Duration
    /// From the response head to its last byte (300 s); a client that does not read is disconnected.
    public var responseWriteTimeout: Duration
    /// Requests handled at once (64); more get 503 with `Retry-After: 1`.
    public var maxConcurrentRequests: Int
    /// Open connections (256) from addresses that are not reserved; a further one is closed at once.
    public var maxConnections: Int
    /// Open connections from one address (32); a further one is closed at once.
    public var maxConnectionsPerAddress: Int = 32
    /// Requests from one address handled at once (16); more get 503 with `Retry-After: 1`.
    public var maxRequestsPerAddress: Int = 16
    /// A new connection must deliver its first request head within this (10 s), or it is closed.
    public var requestHeaderTimeout: Duration = .seconds(10)
    /// Addresses (the grid operator's) that may open ``reservedConnections`` beyond
    /// ``maxConnections`` and are not held to the per-address caps.
    public var reservedAddresses: [AddressPattern] = []
    /// Connections kept for reserved addresses once ``maxConnections`` are in use (16).
    public var reservedConnections: Int = 16
    /// On shutdown, how long requests in flight may finish before they are cancelled (1 s).
    public var shutdownGrace: Duration = .seconds(1)
    /// How long one computed `/v1/snapshot` is served to every client (1 s; zero: never cached).
    public var snapshotCacheTTL: Duration
    /// Longest `from`…`to` range a query may ask for (366 days).
    public var maxQueryRangeMs: Int64
    /// Requests with a missing or wrong token allowed per client address and minute (30); beyond
    /// that the address gets 429 with `Retry-After` (the budget refills continuously).
    public var failedAuthPerMinute: Int = 30

    public init(
        host: String = "127.0.0.1", port: Int = 8080, tlsCertificatePath: String? = nil, tlsKeyPath: String? = nil,
        clientCAPath: String? = nil, openOnLoopback: Bool = false, rateLimitPerSecond: Int = 20,
        tokens: [APIToken] = [], maxRequestBodyBytes: Int = 16 * 1024, idleTimeout: Duration = .seconds(30),
        requestReadTimeout: Duration = .seconds(10), responseWriteTimeout: Duration = .seconds(300),
        maxConcurrentRequests: Int = 64, maxConnections: Int = 256, snapshotCacheTTL: Duration = .seconds(1),
        maxQueryRangeMs: Int64 = 366 * 86_400_000
    ) {
        self.host = host
        self.port = port
        self.tlsCertificatePath = tlsCertificatePath
        self.tlsKeyPath = tlsKeyPath
        self.clientCAPath = clientCAPath
        self.openOnLoopback = openOnLoopback
        self.rateLimitPerSecond = rateLimitPerSecond
        self.tokens = tokens
        self.maxRequestBodyBytes = maxRequestBodyBytes
        self.idleTimeout = idleTimeout
        self.requestReadTimeout = requestReadTimeout
        self.responseWriteTimeout = responseWriteTimeout
        self.maxConcurrentRequests = maxConcurrentRequests
        self.maxConnections = maxConnections
        self.snapshotCacheTTL = snapshotCacheTTL
        self.maxQueryRangeMs = maxQueryRangeMs
    }

    /// The `[api]` section of a site configuration.
    public init(_ section: APISection) {
        self.init(
            host: section.listenHost, port: section.listenPort, tlsCertificatePath: section.tlsCert,
            tlsKeyPath: section.tlsKey, clientCAPath: section.clientCA, openOnLoopback: section.openOnLoopback,
            rateLimitPerSecond: section.rateLimitPerSecond, tokens: section.tokens,
            idleTimeout: .seconds(section.idleTimeoutS), requestReadTimeout: .seconds(section.requestReadTimeoutS),
            responseWriteTimeout: .seconds(section.responseWriteTimeoutS),
            maxConcurrentRequests: section.maxConcurrentRequests, maxConnections: section.maxConnections,
            snapshotCacheTTL: .milliseconds(section.snapshotCacheMs),
            maxQueryRangeMs: Int64(section.maxQueryDays) * 86_400_000)
        failedAuthPerMinute = section.failedAuthPerMinute
        maxConnectionsPerAddress = section.maxConnectionsPerAddress
        maxRequestsPerAddress = section.maxRequestsPerAddress
        requestHeaderTimeout = .seconds(section.requestHeaderTimeoutS)
        reservedAddresses = section.reservedAddresses.compactMap(AddressPattern.init)
        reservedConnections = section.reservedConnections
        shutdownGrace = .milliseconds(section.shutdownGraceMs)
    }

    /// True when the server speaks TLS.
    public var tlsEnabled: Bool { tlsCertificatePath != nil || tlsKeyPath != nil }
}
