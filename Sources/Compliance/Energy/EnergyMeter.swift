public import Metering
public import SiteConfig
public import Store

/// One meter as the read model sees it: what it counts for, how its counter is judged, and how
/// it is compared with the check meter of its feeder.
public struct EnergyMeter: Sendable, Hashable {
    public var id: String
    public var role: MeterRole
    public var feeder: String
    /// The sign it is counted with in the site total (1 in, −1 out, 0 not counted).
    public var sign: Int
    /// How its import register is judged (``SiteConfig/MeterConfig/counterOptions(_:timeScale:)``).
    public var options: CounterOptions
    public var accuracyClass: AccuracyClass
    /// A main interval without a value takes the check meter's energy (`fill_gaps_from_check`).
    public var fillGapsFromCheck: Bool

    /// A meter of the config.
    public init(_ m: MeterConfig) {
        id = m.id
        role = m.role
        feeder = m.feeder
        sign = m.sign
        options = m.counterOptions() ?? CounterOptions()
        accuracyClass = m.accuracyClass.tolerance
        fillGapsFromCheck = m.fillGapsFromCheck
    }

    /// A meter known only from the store (no config given): register width and resolution from
    /// its built-in profile, no rating check, the default gap limits, class 0.5S, no filling.
    public init(_ d: DeviceRecord) {
        id = d.name
        role = MeterRole(rawValue: d.role) ?? .main
        feeder = d.feeder
        sign = d.sign
        options = DeviceProfile.builtIn[d.profile]?.field(ChannelName(.energyImport)).map { CounterOptions(register: $0) }
            ?? CounterOptions()
        accuracyClass = AccuracyClass("0.5S")!
        fillGapsFromCheck = false
    }

    /// Whether the site total counts it (a main meter with a sign).
    public var isCounted: Bool { role == .main && sign != 0 }
}

/// The running daemon's intervals in progress, by channel id (the writer's own, so the read
/// model's current interval is the one that will be stored).
public protocol LiveIntervalSource: Sendable {
    /// Each energy channel's interval in progress; nil: compute it from the stored readings.
    func openIntervals() -> [UInt32: EnergyInterval]?
    /// Each energy channel's head, the interval holding its first reading from that reading on
    /// (``IntervalAccumulator/head``); nil: compute it from the stored readings.
    func headIntervals() -> [UInt32: EnergyInterval]?
}

extension LiveIntervalSource {
    public func headIntervals() -> [UInt32: EnergyInterval]? { nil }
}
