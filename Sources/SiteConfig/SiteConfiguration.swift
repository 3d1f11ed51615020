public import Metering

/// A site's whole configuration, validated: every value in range, every reference
/// resolved, every device carrying its resolved ``DeviceProfile``.
///
/// Built by ``SiteConfigLoader`` from a TOML file (see `deploy/esep.example.toml` for
/// every key with its default), or by ``demo(host:port:meters:profile:saonUnitId:)`` when
/// esep runs without a file.
///
/// Durations are whole milliseconds or seconds in `Int` properties named after their unit
/// (`pollIntervalMs`, `sealAfterSeconds`), exactly as the file gives them; each has a
/// `Duration` accessor beside it.
public struct SiteConfiguration: Sendable, Hashable {
    public var site: SiteSection
    public var storage: StorageSection
    public var ingest: IngestSection
    public var api: APISection
    public var gateways: [GatewayConfig]
    public var meters: [MeterConfig]
    public var saon: [SAONConfig]
    /// The site's own profiles (`[[profiles]]`), by name. Built-in profiles are in
    /// `DeviceProfile.builtIn`.
    public var profiles: [String: DeviceProfile]
    /// The file the configuration was read from (`"(demo)"` for the demo configuration).
    public var sourcePath: String
    /// `[energy]`: how energy intervals are cut.
    public var energy = EnergySection()
    /// `[calendar]`: the working-day calendar's overrides and the roles whose deadlines apply.
    public var calendar = CalendarSection()
    /// `[fee]`: what the digital-mining fee of the site needs; nil when the config has none.
    public var fee: FeeSection?
    /// `[operator]`: who runs the site, for the documents; nil when the config has none.
    public var operatorDetails: OperatorSection?
    /// `[schedule]`: the live watch of the hour in progress against the purchase schedule.
    public var schedule = ScheduleSection()
    /// `[[replacements]]`: meter replacements and resets declared in the config.
    public var replacements: [ReplacementConfig] = []
    /// The line of each key that checks outside the loader refer to (`api.tls_cert`, …), so
    /// that their errors name it too (``diagnostic(key:_:)``).
    public var keyLines: [String: Int] = [:]

    /// A problem with `key` found after loading (a TLS file that does not parse), located in
    /// the file like the loader's own errors.
    public func diagnostic(key: String, _ message: String) -> ConfigDiagnostic {
        ConfigDiagnostic(file: sourcePath, line: line(ofKey: key), key: key, message: message)
    }

    /// The line of `key` (`fee.rates[1].bands[0].rate`) or of its nearest written ancestor (the
    /// table a missing key belongs in); 0 when none is known.
    public func line(ofKey key: String) -> Int {
        var k = Substring(key)
        while !k.isEmpty {
            if let line = keyLines[String(k)] { return line }
            guard let cut = k.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            k = k[..<cut]
        }
        return 0
    }

    public init(
        site: SiteSection, storage: StorageSection = StorageSection(), ingest: IngestSection = IngestSection(),
        api: APISection = APISection(), gateways: [GatewayConfig], meters: [MeterConfig], saon: [SAONConfig],
        profiles: [String: DeviceProfile] = [:], sourcePath: String
    ) {
        self.site = site
        self.storage = storage
        self.ingest = ingest
        self.api = api
        self.gateways = gateways
        self.meters = meters
        self.saon = saon
        self.profiles = profiles
        self.sourcePath = sourcePath
    }

    /// The gateway with the given id.
    public func gateway(_ id: String) -> GatewayConfig? { gateways.first { $0.id == id } }
}

/// `[site]`: who and where the site is.
public struct SiteSection: Sendable, Hashable {
    /// `name` (required): the site's name as documents print it.
    public var name: String
    /// `bin`: the operator's BIN/IIN, exactly 12 digits.
    public var bin: String?
    /// `address`: the site's location as documents print it.
    public var address: String?
    /// `timezone` (`"Asia/Almaty"`): the IANA zone reporting periods are cut in.
    public var timezone: String

    public init(name: String, bin: String? = nil, address: String? = nil, timezone: String = "Asia/Almaty") {
        self.name = name
        self.bin = bin
        self.address = address
        self.timezone = timezone
    }
}

/// `[storage]`: the embedded store.
public struct StorageSection: Sendable, Hashable {
    /// `path` (`"/var/lib/esep/esep.sqlite"`): the SQLite database file.
    public var path: String
    /// `raw_retention_days` (90; 1…3650): how long raw samples are kept; energy intervals are kept forever.
    public var rawRetentionDays: Int
    /// `seal_after_s` (600; 60…86400): length of a chunk window. Samples are durable at once in a plain
    /// hot table; once their window has closed they are sealed into one compressed chunk per channel.
    public var sealAfterSeconds: Int
    /// `batch_max` (10000; 100…100000): most samples the writer appends in one transaction.
    public var batchMax: Int
    /// `ring_capacity` (262144; 1024…16777216): samples the ring between pollers and writer holds.
    /// Rounded up to a power of two by the loader.
    public var ringCapacity: Int
    /// `max_size_mb` (none; 16…16777216): the largest the database file may grow. Beyond it writes
    /// fail as on a full disk: the writer holds what it polls in the rings and retries.
    public var maxSizeMB: Int?

    public init(
        path: String = "/var/lib/esep/esep.sqlite", rawRetentionDays: Int = 90, sealAfterSeconds: Int = 600,
        batchMax: Int = 10000, ringCapacity: Int = 262_144
    ) {
        self.path = path
        self.rawRetentionDays = rawRetentionDays
        self.sealAfterSeconds = sealAfterSeconds
        self.batchMax = batchMax
        self.ringCapacity = ringCapacity
    }

    public var sealAfter: Duration { .seconds(sealAfterSeconds) }
}

/// `[ingest]`: how pollers plan reads and recover.
public struct IngestSection: Sendable, Hashable {
    /// `hole_fill_registers` (8; 0…125): unused registers a read may span to merge two neighbouring fields.
    public var holeFillRegisters: Int
    /// `backoff_max_s` (300; 1…3600): the longest back-off of a failing device (it doubles from the
    /// poll interval after 3 consecutive failures, with jitter).
    public var backoffMaxSeconds: Int
    /// `summary_interval_s` (60; 0…3600, 0 = off): how often the poll summary is logged.
    public var summaryIntervalSeconds: Int
    /// `poll_coalesce_ms` (1000; 0…10000): how early a device may be polled so that the devices of
    /// one connection due close together share one wake-up (at most a tenth of its interval).
    public var pollCoalesceMs: Int

    public init(
        holeFillRegisters: Int = 8, backoffMaxSeconds: Int = 300, summaryIntervalSeconds: Int = 60, pollCoalesceMs: Int = 1_000
    ) {
        self.holeFillRegisters = holeFillRegisters
        self.backoffMaxSeconds = backoffMaxSeconds
        self.summaryIntervalSeconds = summaryIntervalSeconds
        self.pollCoalesceMs = pollCoalesceMs
    }

    public var backoffMax: Duration { .seconds(backoffMaxSeconds) }
    /// `nil` when the summary is off.
    public var summaryInterval: Duration? { summaryIntervalSeconds == 0 ? nil : .seconds(summaryIntervalSeconds) }
}

/// `[energy]`: energy intervals.
public struct EnergySection: Sendable, Hashable {
    /// `interval_minutes` (15; one of 1, 5, 10, 15, 30, 60): length of an energy interval, cut in the
    /// site's time zone. Hours, days, months and quarters are roll-ups of these.
    public var intervalMinutes: Int = 15

    public init(intervalMinutes: Int = 15) { self.intervalMinutes = intervalMinutes }
}

/// `[schedule]`: how the running daemon watches the hour in progress against the hourly
/// purchase schedule (`esep schedule import`).
public struct ScheduleSection: Sendable, Hashable {
    /// `warn_margin_percent` (2; 0…50): the hour counts as over its purchase (a warning in the log,
    /// `esep_schedule_hour_over_purchase` 1, the dashboard's alert) once the projection to its end
    /// exceeds the purchase less this share of it.
    public var warnMarginPercent: Int = 2
    /// `check_interval_s` (5; 1…300): how often the hour in progress is recomputed.
    public var checkIntervalSeconds: Int = 5
    /// `result_delay_s` (120; 0…3600): how long after an hour ends its result (consumed against
    /// purchased) is computed and recorded — time for the meters' last readings of the hour to
    /// arrive and its intervals to close.
    public var resultDelaySeconds: Int = 120

    public init(warnMarginPercent: Int = 2, checkIntervalSeconds: Int = 5, resultDelaySeconds: Int = 120) {
        self.warnMarginPercent = warnMarginPercent
        self.checkIntervalSeconds = checkIntervalSeconds
        self.resultDelaySeconds = resultDelaySeconds
    }
}

/// `[[replacements]]`: a meter replacement or reset declared in the config (the same record as
/// `esep meter replace`); recorded in the store when the daemon starts, once.
public struct ReplacementConfig: Sendable, Hashable {
    /// `meter` (required): the meter id.
    public var meter: String
    /// `at` (required): when the old register stopped counting, ISO 8601 (an offset, or site-local time).
    public var atMs: Int64
    /// `old_final_wh` (required, ≥ 0): the old register's final reading.
    public var oldFinalWh: Int64
    /// `new_initial_wh` (required, ≥ 0): the new register's first reading.
    public var newInitialWh: Int64
    /// `note`: who, why, act number.
    public var note: String?

    public init(meter: String, atMs: Int64, oldFinalWh: Int64, newInitialWh: Int64, note: String? = nil) {
        self.meter = meter
        self.atMs = atMs
        self.oldFinalWh = oldFinalWh
        self.newInitialWh = newInitialWh
        self.note = note
    }
}

/// `[api]`: the HTTP server the grid operator pulls from.
public struct APISection: Sendable, Hashable {
    /// `listen` (`"127.0.0.1:8080"`): host and port; IPv6 in brackets, `[::1]:8080`.
    public var listen: String
    /// The host part of ``listen``, without brackets (`::1`).
    public var listenHost: String
    /// The port part of ``listen``.
    public var listenPort: Int
    /// `tls_cert`, `tls_key`: PEM files; both or neither. Without them the API speaks plain HTTP.
    public var tlsCert: String?
    public var tlsKey: String?
    /// `client_ca`: PEM bundle; when set, clients must present a certificate it signed (mutual TLS).
    public var clientCA: String?
    /// `open_on_loopback` (false): serve requests from 127.0.0.1/::1 without a token.
    public var openOnLoopback: Bool
    /// `rate_limit_per_s` (20; 1…100000): requests per second per client.
    public var rateLimitPerSecond: Int
    /// `failed_auth_per_min` (30; 1…100000): requests with a missing or wrong token allowed per
    /// client address and minute; beyond that the address gets 429 until its budget refills.
    public var failedAuthPerMinute = 30
    /// `max_connections` (256; 1…65535): open connections; more wait in the listen backlog.
    public var maxConnections = 256
    /// `max_concurrent_requests` (64; 1…10000): requests handled at once; more get 503.
    public var maxConcurrentRequests = 64
    /// `max_connections_per_address` (32; 1…65535): open connections from one client address;
    /// a further one is closed at once, so one address cannot hold every connection.
    public var maxConnectionsPerAddress = 32
    /// `max_requests_per_address` (16; 1…10000): requests from one client address handled at
    /// once; more get 503 with `Retry-After: 1`.
    public var maxRequestsPerAddress = 16
    /// `request_header_timeout_s` (10; 1…600): a new connection must send its first request head
    /// within this, or it is closed (slow-header clients).
    public var requestHeaderTimeoutS = 10
    /// `reserved_addresses` (none): client addresses (`10.0.0.5`, `2001:db8::7`) or networks
    /// (`10.0.0.0/24`), e.g. the grid operator's, that may use ``reservedConnections`` beyond
    /// `max_connections` and are not held to the per-address caps.
    public var reservedAddresses: [String] = []
    /// `reserved_connections` (16; 0…65535): connections only reserved addresses may open once
    /// `max_connections` are in use.
    public var reservedConnections = 16
    /// `shutdown_grace_ms` (1000; 0…20000): on SIGTERM, how long requests in flight may finish
    /// before they are cancelled.
    public var shutdownGraceMs = 1_000
    /// `idle_timeout_s` (30; 1…3600): a connection silent this long between requests is closed.
    public var idleTimeoutS = 30
    /// `request_read_timeout_s` (10; 1…600): from a request's head to the end of its body.
    public var requestReadTimeoutS = 10
    /// `response_write_timeout_s` (300; 1…3600): from a response's head to its last byte.
    public var responseWriteTimeoutS = 300
    /// `snapshot_cache_ms` (1000; 0…60000): how long one computed `/v1/snapshot` serves every client.
    public var snapshotCacheMs = 1_000
    /// `max_query_days` (366; 1…3660): the longest `from`…`to` range a query may ask for.
    public var maxQueryDays = 366
    /// `[[api.tokens]]`.
    public var tokens: [APIToken]

    public init(
        listenHost: String = "127.0.0.1", listenPort: Int = 8080, tlsCert: String? = nil, tlsKey: String? = nil,
        clientCA: String? = nil, openOnLoopback: Bool = false, rateLimitPerSecond: Int = 20, tokens: [APIToken] = []
    ) {
        self.listen = listenHost.contains(":") ? "[\(listenHost)]:\(listenPort)" : "\(listenHost):\(listenPort)"
        self.listenHost = listenHost
        self.listenPort = listenPort
        self.tlsCert = tlsCert
        self.tlsKey = tlsKey
        self.clientCA = clientCA
        self.openOnLoopback = openOnLoopback
        self.rateLimitPerSecond = rateLimitPerSecond
        self.tokens = tokens
    }

    public var tlsEnabled: Bool { tlsCert != nil }
}

/// What an API token may do.
public enum APIScope: String, Sendable, Hashable, CaseIterable, Codable, Comparable {
    case snapshotRead = "snapshot:read"
    case dataRead = "data:read"
    case reportsRead = "reports:read"
    case metricsRead = "metrics:read"
    case admin = "admin"

    public static func < (a: APIScope, b: APIScope) -> Bool { a.rawValue < b.rawValue }
}

/// `[[api.tokens]]`: one bearer token, stored as a salted SHA-256 hash.
///
/// The hash is `sha256:<salt hex>:<hex of SHA-256(salt bytes ‖ token UTF-8)>`; the API
/// module computes and compares it (in constant time).
public struct APIToken: Sendable, Hashable {
    /// `name` (required, unique): who holds the token, for logs and the audit trail.
    public var name: String
    /// `hash` (required): as written in the file.
    public var hash: String
    /// The salt's bytes (at least 8).
    public var salt: [UInt8]
    /// The 32 bytes of the SHA-256 digest.
    public var digest: [UInt8]
    /// `scopes` (required, non-empty).
    public var scopes: Set<APIScope>

    public init(name: String, hash: String, salt: [UInt8], digest: [UInt8], scopes: Set<APIScope>) {
        self.name = name
        self.hash = hash
        self.salt = salt
        self.digest = digest
        self.scopes = scopes
    }
}

/// `[[gateways]]`: one Modbus/TCP endpoint (a meter's own port, or a serial-to-TCP gateway).
public struct GatewayConfig: Sendable, Hashable {
    /// `id` (required, unique, `[A-Za-z0-9_.-]+`).
    public var id: String
    /// `host` (required): name or address.
    public var host: String
    /// `port` (502; 1…65535).
    public var port: Int
    /// `connect_timeout_ms` (3000; 100…60000).
    public var connectTimeoutMs: Int
    /// `response_timeout_ms` (1000; 50…60000): wait for the first byte of an answer.
    public var responseTimeoutMs: Int
    /// `byte_timeout_ms` (500; 10…60000): wait between bytes of one answer.
    public var byteTimeoutMs: Int
    /// `max_in_flight` (1; 1…16): connections esep opens to the endpoint. libmodbus is
    /// synchronous, so this is how many requests can be outstanding at once; 1 for serial
    /// gateways, which answer one request at a time.
    public var maxInFlight: Int
    /// `max_registers_per_read` (125; 1…125).
    public var maxRegistersPerRead: Int
    /// `reconnect_min_interval_ms` (1000; 0…600000): the shortest wait before reconnecting.
    public var reconnectMinIntervalMs: Int

    public init(
        id: String, host: String, port: Int = 502, connectTimeoutMs: Int = 3000, responseTimeoutMs: Int = 1000,
        byteTimeoutMs: Int = 500, maxInFlight: Int = 1, maxRegistersPerRead: Int = 125,
        reconnectMinIntervalMs: Int = 1000
    ) {
        self.id = id
        self.host = host
        self.port = port
        self.connectTimeoutMs = connectTimeoutMs
        self.responseTimeoutMs = responseTimeoutMs
        self.byteTimeoutMs = byteTimeoutMs
        self.maxInFlight = maxInFlight
        self.maxRegistersPerRead = maxRegistersPerRead
        self.reconnectMinIntervalMs = reconnectMinIntervalMs
    }

    public var connectTimeout: Duration { .milliseconds(connectTimeoutMs) }
    public var responseTimeout: Duration { .milliseconds(responseTimeoutMs) }
    public var byteTimeout: Duration { .milliseconds(byteTimeoutMs) }
    public var reconnectMinInterval: Duration { .milliseconds(reconnectMinIntervalMs) }
}

/// A meter's place in the site's accounts.
public enum MeterRole: String, Sendable, Hashable, CaseIterable, Codable {
    /// The commercial meter of its feeder: its energy counts.
    case main
    /// A second meter on the same feeder, compared with the main one.
    case check
}

/// The accuracy classes a config may name (IEC 62053-22 `0.2S`/`0.5S`, IEC 62053-21 `0.5`…`2`);
/// ``tolerance`` is the Metering value the main/check comparison uses.
public enum ConfiguredAccuracyClass: String, Sendable, Hashable, CaseIterable, Codable {
    case c02S = "0.2S"
    case c05S = "0.5S"
    case c02 = "0.2"
    case c05 = "0.5"
    case c1 = "1"
    case c2 = "2"

    /// The class as ``Metering/AccuracyClass``.
    public var tolerance: AccuracyClass { AccuracyClass(rawValue)! }
}

/// `[[meters]]`: one electricity meter.
public struct MeterConfig: Sendable, Hashable {
    /// `id` (required, unique across meters and SAON controllers).
    public var id: String
    /// `gateway` (required): the ``GatewayConfig/id`` it is reached through.
    public var gateway: String
    /// `unit_id` (required, 0…247; unique per gateway).
    public var unitId: Int
    /// `profile` (required), resolved: a built-in or `[[profiles]]` meter profile, with its
    /// fields cut to ``channels``. `profile.name` is the name the file gives.
    public var profile: DeviceProfile
    /// `poll_interval_ms` (1000; 100…3600000).
    public var pollIntervalMs: Int
    /// `role` (`"main"`).
    public var role: MeterRole
    /// `feeder` (the meter's id): feeders group a main meter and its check meters.
    public var feeder: String
    /// `sign` (1; 1, -1 or 0): how the meter's energy enters the site total (0: not at all).
    public var sign: Int
    /// `channels` (all the profile has): the channels polled, in the profile's order.
    public var channels: [ChannelName]
    /// `rated_power_kw`: the connection's rated power, for plausibility checks.
    public var ratedPowerKW: Double?
    /// `accuracy_class` (`"0.5S"`).
    public var accuracyClass: ConfiguredAccuracyClass
    /// `fill_gaps_from_check` (false; main meters only): an interval the main meter misses is
    /// filled from the feeder's check meter, flagged `filled_from_check`.
    public var fillGapsFromCheck = false
    /// The register cap the read planner uses: the meter's `max_registers_per_read` when
    /// set, otherwise the smaller of the gateway's and the profile's.
    public var maxRegistersPerRead: Int

    public init(
        id: String, gateway: String, unitId: Int, profile: DeviceProfile, pollIntervalMs: Int = 1000,
        role: MeterRole = .main, feeder: String? = nil, sign: Int = 1, ratedPowerKW: Double? = nil,
        accuracyClass: ConfiguredAccuracyClass = .c05S, maxRegistersPerRead: Int? = nil
    ) {
        self.id = id
        self.gateway = gateway
        self.unitId = unitId
        self.profile = profile
        self.pollIntervalMs = pollIntervalMs
        self.role = role
        self.feeder = feeder ?? id
        self.sign = sign
        self.channels = profile.fields.map(\.channel)
        self.ratedPowerKW = ratedPowerKW
        self.accuracyClass = accuracyClass
        self.maxRegistersPerRead = maxRegistersPerRead ?? profile.maxRegistersPerRead ?? 125
    }

    public var pollInterval: Duration { .milliseconds(pollIntervalMs) }
}

/// `[[saon]]`: one SAON (load-shedding automation) controller.
public struct SAONConfig: Sendable, Hashable {
    /// `id` (required, unique across meters and SAON controllers).
    public var id: String
    /// `gateway` (required).
    public var gateway: String
    /// `unit_id` (required, 0…247; unique per gateway).
    public var unitId: Int
    /// `profile` (`"saon"`), resolved: `DeviceProfile.saonProfile(stages:feeders:)` or a
    /// `[[profiles]]` SAON profile, with `[saon.map]` address overrides applied.
    public var profile: DeviceProfile
    /// `poll_interval_ms` (200; 50…60000).
    public var pollIntervalMs: Int
    /// `stages` (4; 1…32). With a `[[profiles]]` SAON profile: the highest stage number its
    /// channels cover (a `stages` key must agree with it).
    public var stages: Int
    /// `feeders` (8; 1…64). With a `[[profiles]]` SAON profile: the highest feeder number its
    /// channels cover (a `feeders` key must agree with it).
    public var feeders: Int
    /// The register cap the read planner uses: the smaller of the gateway's and the profile's.
    public var maxRegistersPerRead: Int
    /// `shed_window_ms` (2000; 100…60000): the time within which the tripped feeders' power
    /// must have fallen.
    public var shedWindowMs: Int = 2000
    /// `verify_poll_interval_ms` (200; 50…10000): how often the tripped feeders' meters are
    /// polled from the trip to the end of the window.
    public var verifyPollIntervalMs: Int = 200
    /// `min_load_kw` (1; ≥ 0): below this pre-trip load a trip cannot be verified (nothing to shed).
    public var minLoadKW: Double = 1
    /// `breakers` (none): the feeder (a meter's `feeder`) behind breaker input N, at position N.
    public var breakers: [String] = []
    /// `[[saon.shed]]`: what each stage sheds.
    public var stageMap: [SAONStage] = []

    /// The stage's mapping, if the config gives one.
    public func stage(_ n: Int) -> SAONStage? { stageMap.first { $0.stage == n } }

    /// The breaker input numbers of a feeder (1-based).
    public func breakerInputs(of feeder: String) -> [Int] {
        breakers.enumerated().filter { $0.element == feeder }.map { $0.offset + 1 }
    }

    public init(
        id: String, gateway: String, unitId: Int, profile: DeviceProfile? = nil, pollIntervalMs: Int = 200,
        stages: Int = 4, feeders: Int = 8, maxRegistersPerRead: Int? = nil
    ) {
        let resolved = profile ?? DeviceProfile.saonProfile(stages: stages, feeders: feeders)
        self.id = id
        self.gateway = gateway
        self.unitId = unitId
        self.profile = resolved
        self.pollIntervalMs = pollIntervalMs
        self.stages = stages
        self.feeders = feeders
        self.maxRegistersPerRead = maxRegistersPerRead ?? resolved.maxRegistersPerRead ?? 125
    }

    public var pollInterval: Duration { .milliseconds(pollIntervalMs) }
}

/// `[[saon.shed]]`: one stage of a SAON controller and the feeders it sheds.
public struct SAONStage: Sendable, Hashable {
    /// `stage` (required; 1…the controller's `stages`).
    public var stage: Int
    /// `feeders` (required, non-empty): the feeders (meters' `feeder` names) the stage trips.
    public var feeders: [String]
    /// `expected_kw`: the drop in power a trip must bring, kW (the verifier asks at most 90 % of
    /// the feeders' pre-trip power). Exclusive with the share.
    public var expectedShedKW: Double?
    /// `expected_share` (0.9 when neither is given; 0 < x ≤ 1): the share of the feeders'
    /// pre-trip power a trip must shed.
    public var expectedShedShare: Double?

    public init(stage: Int, feeders: [String], expectedShedKW: Double? = nil, expectedShedShare: Double? = nil) {
        self.stage = stage
        self.feeders = feeders
        self.expectedShedKW = expectedShedKW
        self.expectedShedShare = expectedShedKW == nil ? (expectedShedShare ?? 0.9) : expectedShedShare
    }

    /// The drop a trip must bring, W, given the feeders' pre-trip power.
    public func expectedDropW(beforeW: Double) -> Double {
        if let kw = expectedShedKW { return kw * 1000 }
        return beforeW * (expectedShedShare ?? 0.9)
    }
}

extension MeterConfig {
    /// How this meter's counter series on `channel` is judged — register width and resolution from
    /// its profile, plausibility from its `rated_power_kw`, the measured-gap limit from its poll
    /// interval — or nil when its profile has no such register. The one place these options are
    /// derived: ingest, the store's recomputation and the read model all take them from here.
    /// - Parameter timeScale: clock milliseconds per real millisecond (a simulation clock running
    ///   faster stamps samples further apart).
    public func counterOptions(_ channel: ChannelName = ChannelName(.energyImport), timeScale: Double = 1) -> CounterOptions? {
        guard let field = profile.field(channel) else { return nil }
        return CounterOptions(
            register: field, ratedPowerW: ratedPowerKW.map { $0 * 1000 },
            pollIntervalMs: Int64((Double(pollIntervalMs) * timeScale).rounded()))
    }
}


/// `[calendar]`: what the working-day calendar and the deadlines need from the site.
public struct CalendarSection: Sendable, Hashable {
    /// `overrides`: a TOML file of days off and worked days that the Government moved
    /// (`[[day]] date = "2026-01-03"  kind = "working_day"  note = "…"`), resolved against the
    /// config file's folder when relative; nil: the shipped calendar only.
    public var overridesPath: String?
    /// `roles` (`["miner"]`): `miner`, `hosting_provider`, `pool` — whose obligations are listed.
    public var roles: [String]

    public init(overridesPath: String? = nil, roles: [String] = ["miner"]) {
        self.overridesPath = overridesPath
        self.roles = roles
    }

    /// The roles a site may have.
    public static let knownRoles = ["miner", "hosting_provider", "pool"]
}

/// `[fee]`: the site as an object of the digital-mining fee (Tax Code 2026 arts. 657–661).
public struct FeeSection: Sendable, Hashable {
    /// `max_power_mw` (required): the maximum (permitted) power, MW, as written (`"5"`, `"12.5"`);
    /// the volume of a day with a missing or faulty meter is this × 24 h.
    public var maxPowerMW: String
    /// `category` (`"grid"`): where the electricity comes from — `grid`, `own_renewable`, `off_grid`.
    public var category: String
    /// `payer` (`"miner"`): `miner` or `hosting_provider`.
    public var payer: String
    /// `licence_number` and `licence_date` (`YYYY-MM-DD`): the digital-mining licence; none: the
    /// 25 KZT rate applies to every day.
    public var licenceNumber: String?
    public var licenceDate: String?
    /// `control_meter` (true): a commercial (control) meter is installed.
    public var controlMeter: Bool
    /// `faulty_day_share` (0.02; 0…1): a day whose counted main meters' time neither measured nor
    /// filled from a check meter exceeds this share is a day with a faulty meter.
    public var faultyDayShare: Double
    /// `average_purchase_price_kzt`: the quarter's average purchase price of electricity, KZT/kWh
    /// (only the 2023 rates depend on it).
    public var averagePurchasePriceKZT: String?
    /// `[[fee.rates]]`: periods of the dated rate table that replace (same `from`) or add to the
    /// shipped defaults — e.g. the 2023 price bands the operator completes. Empty: the defaults.
    public var rates: [FeeRatePeriodConfig] = []

    public init(
        maxPowerMW: String, category: String = "grid", payer: String = "miner", licenceNumber: String? = nil,
        licenceDate: String? = nil, controlMeter: Bool = true, faultyDayShare: Double = 0.02,
        averagePurchasePriceKZT: String? = nil
    ) {
        self.maxPowerMW = maxPowerMW
        self.category = category
        self.payer = payer
        self.licenceNumber = licenceNumber
        self.licenceDate = licenceDate
        self.controlMeter = controlMeter
        self.faultyDayShare = faultyDayShare
        self.averagePurchasePriceKZT = averagePurchasePriceKZT
    }
}
