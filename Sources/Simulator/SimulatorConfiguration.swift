import Metering

/// Faults the simulator injects, all deterministic for a given seed and request order.
public struct SimulatorFaults: Sendable, Hashable {
    /// Added to every reply (to the units in ``latencyUnits``, or to all when empty), ms.
    public var latencyMs: Int = 0
    public var latencyUnits: Set<Int> = []
    /// Share of requests answered with ``exceptionCode`` (0…1).
    public var exceptionRate: Double = 0
    /// Modbus exception code for ``exceptionRate`` (default 6: server device busy).
    public var exceptionCode: UInt8 = 6
    /// Share of requests whose connection is closed instead of answered (0…1).
    public var dropRate: Double = 0
    /// Meters refuse reads longer than this many registers with *illegal data value*, as some SDM630 units do over 50.
    public var maxReadRegisters: Int = 125
    /// Meters refuse reads that cover unmapped registers with *illegal data address*.
    public var rejectHoles: Bool = false

    public init() {}
}

/// A counter fault scheduled on one meter.
public struct CounterFault: Sendable, Hashable {
    public var unitId: Int
    public var atMs: Int64
    /// For rollovers: the wrap value in Wh (default: the register width, see ``SimulatedMeter/registerModulusWh(_:)``).
    public var modulusWh: Int64?

    public init(unitId: Int, atMs: Int64, modulusWh: Int64? = nil) {
        self.unitId = unitId
        self.atMs = atMs
        self.modulusWh = modulusWh
    }
}

/// Everything that defines a simulated site.
public struct SimulatorConfiguration: Sendable {
    public var host: String = "127.0.0.1"
    /// 0 = an ephemeral port.
    public var port: Int = 0
    /// Meters on unit ids 1…meters.
    public var meters: Int = 20
    /// Profiles assigned to meters round-robin (unit 1 gets the first).
    public var profiles: [DeviceProfile] = [.sdm630]
    public var seed: UInt64 = 1
    /// Unit id of the SAON controller; 0 for none.
    public var saonUnitId: Int = 100
    /// Length of the SAON drill cycle in seconds; 0 for none.
    public var saonCycleSeconds: Int = 0
    public var faults = SimulatorFaults()
    public var resets: [CounterFault] = []
    public var rollovers: [CounterFault] = []

    public init() {}

    /// The simulated meters this configuration describes.
    public func makeMeters() -> [SimulatedMeter] {
        (1...max(1, meters)).map { unit in
            let reset = resets.first { $0.unitId == unit }
            let rollover = rollovers.first { $0.unitId == unit }
            return SimulatedMeter(
                unitId: unit, profile: profiles[(unit - 1) % profiles.count],
                curve: .seeded(seed: seed, index: unit), resetAtMs: reset?.atMs,
                rolloverAtMs: rollover?.atMs, rolloverModulusWh: rollover?.modulusWh)
        }
    }
}
