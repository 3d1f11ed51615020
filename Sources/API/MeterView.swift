import Compliance
import Metering
import SiteConfig
import Store

/// `GET /v1/meters` (list) and `GET /v1/meters/{id}` (with ``latest``): a meter's
/// configuration and health.
struct MeterView: Encodable, Sendable {
    /// The newest value of one channel.
    struct ChannelValue: Encodable, Sendable {
        var channel: String
        var unit: String
        /// Integer Wh for energy channels, else the value in `unit` (absent when not available).
        var value: Double?
        var valueWh: Int64?
        var time: String
        var timeMs: Int64
        /// `good` or `not_available`.
        var quality: String
    }

    var id: String
    var gateway: String
    var unitId: Int
    var profile: String
    var role: String
    var feeder: String
    var sign: Int
    var pollIntervalMs: Int
    var ratedPowerKw: Double?
    var accuracyClass: String
    var channels: [String]
    var lastReadingTime: String?
    var lastReadingTimeMs: Int64?
    var health: HealthView
    /// Only in `GET /v1/meters/{id}`.
    var latest: [ChannelValue]?

    init(_ m: MeterConfig, values: SiteReader.DeviceValues?, health: DeviceHealth?, withLatest: Bool) {
        id = m.id
        gateway = m.gateway
        unitId = m.unitId
        profile = m.profile.name
        role = m.role.rawValue
        feeder = m.feeder
        sign = m.sign
        pollIntervalMs = m.pollIntervalMs
        ratedPowerKw = m.ratedPowerKW
        accuracyClass = m.accuracyClass.rawValue
        channels = m.channels.map(\.description)
        lastReadingTimeMs = values?.readingTimeMs
        lastReadingTime = lastReadingTimeMs.map(Timestamp.iso8601)
        self.health = HealthView(health)
        guard withLatest else { return }
        latest = m.channels.compactMap { name in
            guard let s = values?.latest[name] else { return nil }
            return ChannelValue(
                channel: name.description, unit: values?.channels[name]?.unit ?? name.kind.canonicalUnit.rawValue,
                value: s.value.energyWh == nil ? s.value.doubleValue : nil, valueWh: s.value.energyWh,
                time: Timestamp.iso8601(s.timeMs), timeMs: s.timeMs, quality: s.value == .missing ? "not_available" : "good")
        }
    }

    static let csvHeader = [
        "id", "gateway", "unit_id", "profile", "role", "feeder", "sign", "poll_interval_ms", "rated_power_kw",
        "accuracy_class", "channels", "last_reading_time", "last_reading_time_ms", "health_status",
        "consecutive_failures", "polls", "failures",
    ]

    var csvRow: [String] {
        [
            id, gateway, String(unitId), profile, role, feeder, String(sign), String(pollIntervalMs),
            CSV.field(ratedPowerKw), accuracyClass, channels.joined(separator: " "), lastReadingTime ?? "",
            CSV.field(lastReadingTimeMs), health.status, String(health.consecutiveFailures), String(health.polls),
            String(health.failures),
        ]
    }
}

/// `GET /v1/events`: one SAON state change, in words, with its verification when it is a trip.
struct EventView: Encodable, Sendable {
    var id: Int64
    var time: String
    var timeMs: Int64
    /// How long before `time` the change may have happened (the time since the previous read).
    var uncertaintyMs: Int64?
    var device: String
    var signal: String
    var old: Int?
    var new: Int
    var description: String
    /// The trip's verification (stage trips only; absent until judged).
    var trip: TripView?

    init(_ e: StateEvent, trip: ShedRecord? = nil) {
        id = e.id
        time = Timestamp.iso8601(e.timeMs)
        timeMs = e.timeMs
        uncertaintyMs = e.uncertaintyMs
        device = e.device
        signal = e.signal
        old = e.old
        new = e.new
        description = SAONSignalText.describe(signal: e.signal, new: e.new, language: "en")
        self.trip = trip.map(TripView.init)
    }

    static let csvHeader = ["time", "time_ms", "device", "signal", "old", "new", "uncertainty_ms", "description", "verdict", "test"]
    var csvRow: [String] {
        [
            time, String(timeMs), device, signal, CSV.field(old), String(new), CSV.field(uncertaintyMs), description,
            trip?.verdict ?? "", trip.map { String($0.test) } ?? "",
        ]
    }
}
