/// The fixed vocabulary every profile names its channels with.
///
/// Meters: cumulative active energy (import, export) in integer Wh, active power in W
/// (total and per phase), per-phase voltage (V) and current (A), frequency (Hz) and
/// total power factor. SAON controllers: the signals of the load-shedding automation
/// (seed `002_a3d5801c8847d993.txt`, requirement 5) and its event counter.
public enum ChannelKind: String, Sendable, Hashable, CaseIterable, Codable {
    case energyImport = "energy_import"
    case energyExport = "energy_export"
    case powerTotal = "power_total"
    case powerL1 = "power_l1"
    case powerL2 = "power_l2"
    case powerL3 = "power_l3"
    case voltageL1 = "voltage_l1"
    case voltageL2 = "voltage_l2"
    case voltageL3 = "voltage_l3"
    case currentL1 = "current_l1"
    case currentL2 = "current_l2"
    case currentL3 = "current_l3"
    case frequency = "frequency"
    case powerFactor = "power_factor"

    case saonArmed = "armed"
    case saonCommandReceived = "command_received"
    case saonTestMode = "test_mode"
    /// Indexed by stage number (1-based).
    case saonStageTripped = "stage_tripped"
    /// Indexed by feeder number (1-based): 1 when the feeder breaker is open.
    case saonFeederOpen = "feeder_open"
    case saonEventCounter = "event_counter"
    /// Whether a SAON controller answers (1) or has stopped answering (0): not a register but
    /// written by the poller when the controller goes down or comes back, so a silent controller
    /// is a device event, never a change of its signals.
    case saonLink = "link"

    /// Cumulative energy: decoded to integer watt-hours, never to floating point.
    public var isCumulativeEnergy: Bool { self == .energyImport || self == .energyExport }

    /// A SAON state whose changes are stored as events.
    public var isSAONState: Bool {
        switch self {
        case .saonArmed, .saonCommandReceived, .saonTestMode, .saonStageTripped, .saonFeederOpen, .saonLink: true
        default: false
        }
    }

    /// Kinds that carry a 1-based index (stage or feeder number).
    public var isIndexed: Bool { self == .saonStageTripped || self == .saonFeederOpen }

    /// The unit values of this kind are stored in.
    public var canonicalUnit: MeasurementUnit {
        switch self {
        case .energyImport, .energyExport: .wattHour
        case .powerTotal, .powerL1, .powerL2, .powerL3: .watt
        case .voltageL1, .voltageL2, .voltageL3: .volt
        case .currentL1, .currentL2, .currentL3: .ampere
        case .frequency: .hertz
        default: .none
        }
    }

    /// Meter channels, in a stable order.
    public static let meterKinds: [ChannelKind] = [
        .energyImport, .energyExport, .powerTotal, .powerL1, .powerL2, .powerL3,
        .voltageL1, .voltageL2, .voltageL3, .currentL1, .currentL2, .currentL3, .frequency, .powerFactor,
    ]
}

/// A channel of one device: its kind and, for indexed kinds, the stage or feeder number.
public struct ChannelName: Sendable, Hashable, Comparable, CustomStringConvertible {
    public var kind: ChannelKind
    /// 1-based stage/feeder number for indexed kinds, 0 otherwise.
    public var index: Int

    public init(_ kind: ChannelKind, index: Int = 0) {
        self.kind = kind
        self.index = index
    }

    /// `energy_import`, or `stage_tripped.2` for indexed kinds.
    public var description: String { kind.isIndexed ? "\(kind.rawValue).\(index)" : kind.rawValue }

    /// Parses the textual form produced by ``description``.
    public init?(_ text: String) {
        if let dot = text.firstIndex(of: ".") {
            guard let kind = ChannelKind(rawValue: String(text[..<dot])), kind.isIndexed,
                let n = Int(text[text.index(after: dot)...]), n >= 1
            else { return nil }
            self.init(kind, index: n)
        } else {
            guard let kind = ChannelKind(rawValue: text), !kind.isIndexed else { return nil }
            self.init(kind)
        }
    }

    public static func < (a: ChannelName, b: ChannelName) -> Bool {
        a.description < b.description
    }
}
