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
    /// Meters that do not answer during a window of simulated time (unit id → `[from, to)` in UTC
    /// epoch ms): the simulator replies with exception 11 (*gateway target device failed to
    /// respond*), as an RS-485 gateway does for a dead meter.
    public var deadUnits: [Int: Range<Int64>] = [:]

    public init() {}

    /// Whether `unit` is dead at `ms`.
    public func isDead(unit: Int, atMs ms: Int64) -> Bool {
        guard !deadUnits.isEmpty, let window = deadUnits[unit] else { return false }
        return window.contains(ms)
    }
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

/// A check meter: a meter that measures the same load as a main meter, reading `scale` times its
/// power (1.03: the check meter reads 3 % high, a drift beyond two class-0.5S meters' tolerance).
public struct CheckMeterSpec: Sendable, Hashable {
    /// The unit id of the main meter whose load curve the check meter reads.
    public var mainUnit: Int
    public var scale: Double

    public init(mainUnit: Int, scale: Double) {
        self.mainUnit = mainUnit
        self.scale = scale
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
    /// Check meters by unit id: each reads its main meter's load curve, scaled (its own counter start).
    public var checkMeters: [Int: CheckMeterSpec] = [:]
    /// SAON breaker input → meter units behind it (nil: breaker N feeds meter unit N).
    public var saonFeeders: [Int: [Int]]? = nil
    /// SAON stage → breaker inputs (nil: stage S trips breakers 2S−1 and 2S).
    public var saonStages: [Int: [Int]]? = nil
    /// The stage the drill trips, and whether in test mode.
    public var saonCycleStage = 1
    public var saonCycleTestMode = true
    /// Breakers that report open without interrupting the load (a failing shed).
    public var saonStuckBreakers: Set<Int> = []
    /// A load rise on the meters no SAON breaker feeds (an hour that runs over its purchase).
    public var loadRise: LoadRise? = nil

    public init() {}

    /// The SAON controller this configuration describes, or nil.
    public func makeSAON() -> SimulatedSAON? {
        saonUnitId > 0
            ? SimulatedSAON(
                unitId: saonUnitId, cycleSeconds: saonCycleSeconds, feeders: saonFeeders, stages: saonStages,
                stuckBreakers: saonStuckBreakers, drillStage: saonCycleStage, drillTestMode: saonCycleTestMode) : nil
    }

    /// The simulated meters this configuration describes.
    public func makeMeters() -> [SimulatedMeter] { makeMeters(saon: nil) }

    /// The simulated meters, wired to `saon`'s breakers.
    public func makeMeters(saon: SimulatedSAON?) -> [SimulatedMeter] {
        let shedUnits = Set(saon?.feeders.values.flatMap { $0 } ?? [])
        return (1...max(1, meters)).map { unit in
            let reset = resets.first { $0.unitId == unit }
            let rollover = rollovers.first { $0.unitId == unit }
            var curve = LoadCurve.seeded(seed: seed, index: unit)
            if let check = checkMeters[unit] {
                curve = LoadCurve.seeded(seed: seed, index: check.mainUnit).scaled(by: check.scale)
                curve.initialImportWh = LoadCurve.seeded(seed: seed, index: unit).initialImportWh
            }
            return SimulatedMeter(
                unitId: unit, profile: profiles[(unit - 1) % profiles.count],
                curve: curve, resetAtMs: reset?.atMs,
                rolloverAtMs: rollover?.atMs, rolloverModulusWh: rollover?.modulusWh,
                saon: shedUnits.contains(unit) ? saon : nil, loadRise: shedUnits.contains(unit) ? nil : loadRise)
        }
    }
}
