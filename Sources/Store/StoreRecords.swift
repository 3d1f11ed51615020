import Metering

/// A polled device as the store knows it.
public struct DeviceRecord: Sendable, Hashable, Codable {
    /// The config id, e.g. `F1-main`.
    public var name: String
    /// `meter` or `saon`.
    public var kind: String
    public var profile: String
    public var gateway: String
    public var unitId: Int
    /// `main` or `check` for meters.
    public var role: String
    public var feeder: String
    /// Sign in the site total: 1, -1 or 0.
    public var sign: Int

    public init(
        name: String, kind: String, profile: String, gateway: String, unitId: Int, role: String = "main",
        feeder: String = "", sign: Int = 1
    ) {
        self.name = name
        self.kind = kind
        self.profile = profile
        self.gateway = gateway
        self.unitId = unitId
        self.role = role
        self.feeder = feeder
        self.sign = sign
    }
}

/// A stored channel: one series of samples.
public struct ChannelInfo: Sendable, Hashable {
    public var id: UInt32
    public var device: String
    public var name: ChannelName
    public var unit: String

    public var isEnergy: Bool { name.kind.isCumulativeEnergy }
}

/// One sample read back from the store.
public struct StoredSample: Sendable, Hashable {
    public var timeMs: Int64
    public var value: SampleValue

    public init(timeMs: Int64, value: SampleValue) {
        self.timeMs = timeMs
        self.value = value
    }
}

/// A change of a SAON signal.
public struct StateEvent: Sendable, Hashable {
    /// The event's row id (0 for one not stored).
    public var id: Int64 = 0
    /// When the read that saw the change completed (UTC epoch ms).
    public var timeMs: Int64
    public var device: String
    public var signal: String
    /// The previous state, nil for the first observation.
    public var old: Int?
    public var new: Int
    /// How long before ``timeMs`` the change may have happened: the time since the previous read
    /// of the signal (its polling interval, or a whole outage after one); nil when unknown.
    public var uncertaintyMs: Int64? = nil

    public init(id: Int64 = 0, timeMs: Int64, device: String, signal: String, old: Int?, new: Int, uncertaintyMs: Int64? = nil) {
        self.id = id
        self.timeMs = timeMs
        self.device = device
        self.signal = signal
        self.old = old
        self.new = new
        self.uncertaintyMs = uncertaintyMs
    }
}

/// What the store keeps about a device's polling health.
public struct DeviceHealth: Sendable, Hashable {
    public var device: String
    public var lastSuccessMs: Int64?
    public var lastErrorMs: Int64?
    public var lastError: String?
    public var consecutiveFailures: Int
    public var backoffUntilMs: Int64?
    public var polls: Int64
    public var failures: Int64
    /// How long the last successful poll took, ms (live only: not stored).
    public var lastPollDurationMs: Double?

    public init(
        device: String, lastSuccessMs: Int64? = nil, lastErrorMs: Int64? = nil, lastError: String? = nil,
        consecutiveFailures: Int = 0, backoffUntilMs: Int64? = nil, polls: Int64 = 0, failures: Int64 = 0,
        lastPollDurationMs: Double? = nil
    ) {
        self.device = device
        self.lastSuccessMs = lastSuccessMs
        self.lastErrorMs = lastErrorMs
        self.lastError = lastError
        self.consecutiveFailures = consecutiveFailures
        self.backoffUntilMs = backoffUntilMs
        self.polls = polls
        self.failures = failures
        self.lastPollDurationMs = lastPollDurationMs
    }
}

/// Storage settings.
public struct StoreOptions: Sendable, Hashable {
    /// Length of a chunk window: samples are sealed into compressed chunks once their window has closed.
    public var chunkWindowMs: Int64 = 600_000
    /// How long after a window's end the writer waits for late samples before sealing it.
    public var sealGraceMs: Int64 = 5_000
    /// Raw samples older than this are deleted (0: keep forever).
    public var rawRetentionMs: Int64 = 90 * 86_400_000
    /// The largest the database file may grow, bytes (nil: as large as the disk allows). Beyond
    /// it writes fail as on a full disk (`PRAGMA max_page_count`): the writer holds and retries.
    public var maxSizeBytes: Int64? = nil

    public init() {}
}
