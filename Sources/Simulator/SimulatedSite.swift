import Foundation
import Metering
import Modbus
import Synchronization

/// The simulated devices behind one Modbus/TCP endpoint, answering libmodbus server requests.
///
/// Thread-safe: the server calls ``handle(_:image:)`` from every connection's own thread.
public final class SimulatedSite: ModbusServerHandler {
    public let configuration: SimulatorConfiguration
    public let clock: SimulationClock
    public let meters: [SimulatedMeter]
    public let saon: SimulatedSAON?
    private let metersByUnit: [Int: SimulatedMeter]
    private let requests = Atomic<UInt64>(0)
    private let counters = Mutex(SimulatorCounters())

    public init(configuration: SimulatorConfiguration, clock: SimulationClock = .wall()) {
        self.configuration = configuration
        self.clock = clock
        let saon = configuration.makeSAON()
        self.saon = saon
        meters = configuration.makeMeters(saon: saon)
        var byUnit: [Int: SimulatedMeter] = [:]
        for m in meters { byUnit[m.unitId] = m }
        metersByUnit = byUnit
    }

    /// The meter on a unit id.
    public func meter(unit: Int) -> SimulatedMeter? { metersByUnit[unit] }

    /// The truth of every meter at an instant.
    public func truth(atMs ms: Int64) -> [MeterTruth] { meters.map { $0.truth(atMs: ms) } }

    /// Requests served, exceptions and drops injected so far.
    public var statistics: SimulatorCounters { counters.withLock { $0 } }

    public func handle(_ request: ModbusRequest, image: ModbusImage) -> ModbusServerReply {
        let faults = configuration.faults
        let n = requests.add(1, ordering: .relaxed).newValue
        var rng = SplitMix64(seed: configuration.seed ^ (n &* 0xD1B5_4A32_D192_ED03))
        if faults.latencyMs > 0, faults.latencyUnits.isEmpty || faults.latencyUnits.contains(Int(request.unitId)) {
            usleep(UInt32(faults.latencyMs) * 1000)
        }
        if faults.dropRate > 0, rng.unit() < faults.dropRate {
            counters.withLock { $0.dropped += 1 }
            return .drop
        }
        if faults.exceptionRate > 0, rng.unit() < faults.exceptionRate {
            return exception(faults.exceptionCode)
        }
        let now = clock.nowMs
        let unit = Int(request.unitId)
        if let saon, unit == saon.unitId {
            if faults.isDead(unit: unit, atMs: now) { return exception(0x0B) }
            return serveSAON(saon, request, image, now)
        }
        guard let meter = metersByUnit[unit], !faults.isDead(unit: unit, atMs: now) else { return exception(0x0B) }
        let space: RegisterSpace
        switch request.function {
        case 3: space = .holdingRegisters
        case 4: space = .inputRegisters
        case 1, 2: return exception(0x02)
        default: return exception(0x01)
        }
        if request.count > faults.maxReadRegisters { return exception(0x03) }
        if faults.rejectHoles, !meter.covers(space: space, address: request.address, count: request.count) {
            return exception(0x02)
        }
        meter.fill(space == .holdingRegisters ? image.holdingRegisters : image.inputRegisters, space: space, atMs: now)
        counters.withLock { $0.served += 1 }
        return .normal
    }

    public func didWrite(_ request: ModbusRequest, image: ModbusImage) {
        guard let saon, Int(request.unitId) == saon.unitId, request.function == 5 || request.function == 15 else { return }
        for a in request.address..<(request.address + request.count) where a < image.coils.count {
            saon.setInput(address: a, to: image.coils[a] != 0, atMs: clock.nowMs)
        }
    }

    private func exception(_ code: UInt8) -> ModbusServerReply {
        counters.withLock { $0.exceptions += 1 }
        return .exception(code)
    }

    private func serveSAON(_ saon: SimulatedSAON, _ request: ModbusRequest, _ image: ModbusImage, _ now: Int64)
        -> ModbusServerReply
    {
        let (inputs, events) = saon.snapshot(atMs: now)
        switch request.function {
        case 1, 2:
            for (i, v) in inputs.enumerated() {
                image.discreteInputs[i] = v
                image.coils[i] = v
            }
        case 3, 4:
            if let f = saon.profile.field(ChannelName(.saonEventCounter)) {
                f.write(.number(Double(events)), into: request.function == 3 ? image.holdingRegisters : image.inputRegisters)
            }
        case 5, 15:
            break
        default:
            return exception(0x01)
        }
        counters.withLock { $0.served += 1 }
        return .normal
    }
}

/// Running totals of a simulated site.
public struct SimulatorCounters: Sendable, Hashable {
    public var served = 0
    public var exceptions = 0
    public var dropped = 0
}

/// A simulated site served over Modbus/TCP by libmodbus.
public final class SimulatorServer: Sendable {
    public let site: SimulatedSite
    private let server: ModbusTCPServer

    public init(configuration: SimulatorConfiguration, clock: SimulationClock = .wall()) {
        site = SimulatedSite(configuration: configuration, clock: clock)
        server = ModbusTCPServer(host: configuration.host, port: configuration.port, handler: site)
    }

    /// Binds and starts serving.
    public func start() throws(ModbusError) { try server.start() }

    /// The bound port (after ``start()``).
    public var port: Int { server.port }

    public func stop() { server.stop() }
}
