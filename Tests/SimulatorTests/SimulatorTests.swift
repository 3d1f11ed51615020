import Foundation
import Metering
import Modbus
import Simulator
import Testing

/// 2026-06-01T00:00:00Z.
let juneFirst: Int64 = 1_780_272_000_000

func startSimulator(
    _ configure: (inout SimulatorConfiguration) -> Void = { _ in }, clock: SimulationClock = .frozen(atMs: juneFirst)
) throws -> SimulatorServer {
    var c = SimulatorConfiguration()
    c.port = 0
    c.meters = 6
    c.profiles = DeviceProfile.builtInMeterNames.map { DeviceProfile.builtIn[$0]! }
    configure(&c)
    let server = SimulatorServer(configuration: c, clock: clock)
    try server.start()
    return server
}

/// Reads one field on its own and decodes it.
func read(_ field: RegisterField, unit: Int, client: ModbusTCPClient) throws -> SampleValue {
    switch field.space {
    case .holdingRegisters:
        let r = try client.readHoldingRegisters(unit: UInt8(unit), address: field.address, count: field.type.registerCount)
        return field.decode(registers: r, windowStart: field.address)
    case .inputRegisters:
        let r = try client.readInputRegisters(unit: UInt8(unit), address: field.address, count: field.type.registerCount)
        return field.decode(registers: r, windowStart: field.address)
    case .discreteInputs:
        return field.decode(bits: try client.readDiscreteInputs(unit: UInt8(unit), address: field.address, count: 1), windowStart: field.address)
    case .coils:
        return field.decode(bits: try client.readCoils(unit: UInt8(unit), address: field.address, count: 1), windowStart: field.address)
    }
}

@Suite struct LoadCurveTests {
    @Test func energyIsTheIntegralOfPower() {
        let curve = LoadCurve.seeded(seed: 7, index: 3)
        // Midpoint-rule integral over one hour at 1 s steps against the closed form.
        let t0 = juneFirst
        var ws = 0.0
        for s in 0..<3600 { ws += curve.powerW(atMs: t0 + Int64(s) * 1000 + 500) }
        let exact = curve.importWattSeconds(atMs: t0 + 3_600_000) - curve.importWattSeconds(atMs: t0)
        #expect(abs(ws - exact) / exact < 1e-6)
        #expect(curve.importWh(atMs: t0 + 3_600_000) > curve.importWh(atMs: t0))
    }

    @Test func curvesDifferPerMeterAndAreDeterministic() {
        #expect(LoadCurve.seeded(seed: 1, index: 1) == LoadCurve.seeded(seed: 1, index: 1))
        #expect(LoadCurve.seeded(seed: 1, index: 1) != LoadCurve.seeded(seed: 1, index: 2))
        #expect(LoadCurve.seeded(seed: 1, index: 1) != LoadCurve.seeded(seed: 2, index: 1))
    }

    @Test func phasesAddUpToTotalPower() {
        let m = SimulatedMeter(unitId: 1, profile: .sdm630, curve: .seeded(seed: 1, index: 1))
        let t = juneFirst + 12_345
        let total = m.rawValue(ChannelName(.powerTotal), atMs: t).doubleValue!
        let phases = [ChannelKind.powerL1, .powerL2, .powerL3].map { m.rawValue(ChannelName($0), atMs: t).doubleValue! }
        #expect(abs(phases.reduce(0, +) - total) < 1e-6)
    }
}

@Suite struct CounterFaultTests {
    @Test func resetRestartsTheRegisterAtZero() {
        let resetAt = juneFirst + 60_000
        let m = SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 1, index: 1), resetAtMs: resetAt)
        #expect(m.importRegisterWh(atMs: resetAt) == 0)
        #expect(m.importRegisterWh(atMs: resetAt - 1) == m.curve.importWh(atMs: resetAt - 1))
        let later = resetAt + 600_000
        #expect(m.importRegisterWh(atMs: later) == m.curve.importWh(atMs: later) - m.curve.importWh(atMs: resetAt))
    }

    @Test func rolloverWrapsAtTheRegisterWidth() {
        let wrapAt = juneFirst + 60_000
        let m = SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 1, index: 1), rolloverAtMs: wrapAt)
        // EM24 import: int32 in 0.1 kWh steps → wraps at 2^31 × 100 Wh.
        #expect(m.rolloverModulusWh == (Int64(1) << 31) * 100)
        #expect(m.importRegisterWh(atMs: wrapAt) == 0)
        let before = m.importRegisterWh(atMs: wrapAt - 1000)
        #expect(before > m.rolloverModulusWh - 1000)
        // Energy across the wrap is exact: register difference plus the modulus.
        let after = m.importRegisterWh(atMs: wrapAt + 1000)
        #expect(after - before + m.rolloverModulusWh == m.curve.importWh(atMs: wrapAt + 1000) - m.curve.importWh(atMs: wrapAt - 1000))
    }
}

@Suite(.serialized) struct SimulatorServerTests {
    @Test func everyBuiltInProfileReadsBackTheTruth() throws {
        let clock = SimulationClock.frozen(atMs: juneFirst)
        let server = try startSimulator(clock: clock)
        defer { server.stop() }
        let client = ModbusTCPClient(host: "127.0.0.1", port: server.port)
        defer { client.close() }
        #expect(server.site.meters.map(\.profile.name).sorted() == DeviceProfile.builtInMeterNames)
        for meter in server.site.meters {
            for field in meter.profile.fields {
                let got = try read(field, unit: meter.unitId, client: client)
                #expect(got == meter.readValue(field, atMs: juneFirst), "\(meter.profile.name) \(field.channel)")
            }
        }
        // Energy grows between two reads exactly as the truth says.
        let t2 = juneFirst + 15 * 60_000
        let before = server.site.meters.map { $0.truth(atMs: juneFirst).importWh }
        clock.set(t2)
        for (i, meter) in server.site.meters.enumerated() {
            let field = meter.profile.field(ChannelName(.energyImport))!
            let got = try read(field, unit: meter.unitId, client: client).energyWh!
            #expect(got == meter.truth(atMs: t2).importWh, "\(meter.profile.name)")
            #expect(got - before[i] == meter.truth(atMs: t2).importWh - meter.truth(atMs: juneFirst).importWh)
            #expect(got > before[i], "\(meter.profile.name) energy must grow over 15 minutes")
        }
    }

    @Test func unknownUnitIsAGatewayTargetFailure() throws {
        let server = try startSimulator()
        defer { server.stop() }
        let client = ModbusTCPClient(host: "127.0.0.1", port: server.port)
        #expect(throws: ModbusError.self) { _ = try client.readHoldingRegisters(unit: 42, address: 0, count: 2) }
        do {
            _ = try client.readHoldingRegisters(unit: 42, address: 0, count: 2)
        } catch {
            #expect(error.code == .gatewayTargetFailedToRespond)
            #expect(error.isException)
        }
    }

    @Test func injectedFaults() throws {
        let server = try startSimulator { c in
            c.profiles = [.em24e1, .abbB2x]
            c.faults.maxReadRegisters = 50
            c.faults.rejectHoles = true
            c.faults.latencyMs = 400
            c.faults.latencyUnits = [2]
        }
        defer { server.stop() }
        let client = ModbusTCPClient(host: "127.0.0.1", port: server.port, timeouts: ModbusTimeouts(response: .milliseconds(150)))
        // Unit 1 is an EM24 (FC04); a 76-register read is over the 50 cap.
        let profile = server.site.meter(unit: 1)!.profile
        let input = profile.fields.first!.space
        #expect(input == .inputRegisters)
        do {
            _ = try client.readInputRegisters(unit: 1, address: 0, count: 80)
            Issue.record("expected illegal data value")
        } catch { #expect(error.code == .illegalDataValue) }
        // A hole (registers 6…11 are not mapped on the EM24) is refused.
        do {
            _ = try client.readInputRegisters(unit: 1, address: 4, count: 10)
            Issue.record("expected illegal data address")
        } catch { #expect(error.code == .illegalDataAddress) }
        // Unit 2 is slow: a timeout, and the connection recovers for unit 1.
        do {
            _ = try client.readHoldingRegisters(unit: 2, address: 0x5000, count: 4)
            Issue.record("expected a timeout")
        } catch { #expect(error.code == .timeout) }
        let v = try client.readInputRegisters(unit: 1, address: 0, count: 6)
        #expect(v.count == 6)
        _ = try client.readInputRegisters(unit: 3, address: 0x34, count: 2)
    }

    @Test func exceptionsAndDropsAtFullRate() throws {
        let busy = try startSimulator { $0.faults.exceptionRate = 1 }
        defer { busy.stop() }
        let c1 = ModbusTCPClient(host: "127.0.0.1", port: busy.port)
        do {
            _ = try c1.readInputRegisters(unit: 1, address: 0, count: 2)
            Issue.record("expected an exception")
        } catch {
            #expect(error.code == .serverDeviceBusy)
            #expect(!error.requiresReconnect)
        }
        let dropping = try startSimulator { $0.faults.dropRate = 1 }
        defer { dropping.stop() }
        let c2 = ModbusTCPClient(host: "127.0.0.1", port: dropping.port, timeouts: ModbusTimeouts(response: .milliseconds(500)))
        do {
            _ = try c2.readInputRegisters(unit: 1, address: 0, count: 2)
            Issue.record("expected a dropped connection")
        } catch {
            #expect(error.requiresReconnect)
        }
    }

    @Test func saonCoilWritesDriveInputsAndCountEvents() throws {
        let server = try startSimulator()
        defer { server.stop() }
        let client = ModbusTCPClient(host: "127.0.0.1", port: server.port)
        let saon = DeviceProfile.saon
        let armed = saon.field(ChannelName(.saonArmed))!
        let stage2 = saon.field(ChannelName(.saonStageTripped, index: 2))!
        let counter = saon.field(ChannelName(.saonEventCounter))!
        #expect(try read(armed, unit: 100, client: client) == .number(1))
        #expect(try read(stage2, unit: 100, client: client) == .number(0))
        let events0 = try read(counter, unit: 100, client: client).doubleValue!
        try client.writeCoil(unit: 100, address: stage2.address, value: true)
        #expect(try read(stage2, unit: 100, client: client) == .number(1))
        // Stage 2 opens breakers 3 and 4: three events.
        #expect(try read(counter, unit: 100, client: client).doubleValue! == events0 + 3)
        for b in [3, 4] {
            #expect(try read(saon.field(ChannelName(.saonFeederOpen, index: b))!, unit: 100, client: client) == .number(1))
        }
        #expect(try read(saon.field(ChannelName(.saonFeederOpen, index: 5))!, unit: 100, client: client) == .number(0))
    }

    @Test func anOpenBreakerShedsItsMetersLoadAndStopsTheirCounters() throws {
        var c = SimulatorConfiguration()
        c.meters = 4
        c.saonStuckBreakers = [2]
        let site = SimulatedSite(configuration: c)
        let saon = try #require(site.saon)
        let t0 = juneFirst
        let before1 = site.meter(unit: 1)!.truth(atMs: t0)
        saon.setInput(address: 20, to: true, atMs: t0)  // breaker 1 opens
        saon.setInput(address: 21, to: true, atMs: t0)  // breaker 2 is stuck: the load stays
        let during = site.meter(unit: 1)!.truth(atMs: t0 + 60_000)
        #expect(during.powerW == 0)
        #expect(during.trueImportWh == before1.trueImportWh)
        #expect(site.meter(unit: 2)!.truth(atMs: t0 + 60_000).powerW > 0)
        saon.setInput(address: 20, to: false, atMs: t0 + 60_000)
        let m1 = site.meter(unit: 1)!
        #expect(m1.truth(atMs: t0 + 120_000).powerW > 0)
        // After the outage the counter grows by the curve's energy from the breaker closing on.
        let grown = m1.truth(atMs: t0 + 120_000).trueImportWh - before1.trueImportWh
        let curve = m1.curve.importWh(atMs: t0 + 120_000) - m1.curve.importWh(atMs: t0 + 60_000)
        #expect(abs(grown - curve) <= 1)
    }

    @Test func anOutageAcrossADrillShedsItsEnergyOnceAndTheCounterNeverFalls() {
        var c = SimulatorConfiguration()
        c.meters = 2
        c.saonCycleSeconds = 60
        let site = SimulatedSite(configuration: c)
        let saon = site.saon!
        let start = SimulationEpoch.ms + 100 * 60_000 - 30_000  // 30 s before a drill
        saon.setInput(address: 20, to: true, atMs: start)  // breaker 1 opens for 2 minutes
        saon.setInput(address: 20, to: false, atMs: start + 120_000)
        let meter = site.meter(unit: 1)!
        var last = meter.consumedWh(atMs: start - 10_000)
        var t = start - 10_000
        while t <= start + 150_000 {
            let wh = meter.consumedWh(atMs: t)
            #expect(wh >= last, "the counter fell at \(t - start) ms: \(last) → \(wh)")
            last = wh
            t += 500
        }
        // Through the outage (drills inside it included) the counter stands still.
        #expect(meter.consumedWh(atMs: start + 119_000) == meter.consumedWh(atMs: start + 1_000))
    }

    @Test func theDrillsShedEnergyIsItsClosedForm() {
        let saon = SimulatedSAON(unitId: 100, cycleSeconds: 60)
        let curve = LoadCurve.seeded(seed: 7, index: 1)
        // Sum the 5 s windows numerically over 20 cycles and part of the 21st.
        let end = SimulationEpoch.ms + 20 * 60_000 + 3_000
        var numeric = 0.0
        var k: Int64 = 0
        while SimulationEpoch.ms + k * 60_000 < end {
            let a = SimulationEpoch.ms + k * 60_000
            let b = min(a + 5_000, end)
            numeric += curve.importWattSeconds(atMs: b) - curve.importWattSeconds(atMs: a)
            k += 1
        }
        let closed = saon.drillWattSeconds(curve: curve, atMs: end)
        #expect(abs(closed - numeric) < 1e-3 * max(1, numeric / 1e6), "\(closed) vs \(numeric)")
        #expect(saon.isShed(unit: 1, atMs: SimulationEpoch.ms + 60_000 + 4_999))
        #expect(!saon.isShed(unit: 1, atMs: SimulationEpoch.ms + 60_000 + 5_000))
        #expect(!saon.isShed(unit: 3, atMs: SimulationEpoch.ms + 60_000 + 1_000))
    }

    @Test func manyClientsAtOnce() async throws {
        let server = try startSimulator()
        defer { server.stop() }
        let port = server.port
        let expected = server.site.meters.map { $0.truth(atMs: juneFirst).importWh }
        let meters = server.site.meters
        try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<8 {
                group.addTask {
                    try await withCheckedThrowingContinuation { (c: CheckedContinuation<Int, any Error>) in
                        Thread {
                            let client = ModbusTCPClient(host: "127.0.0.1", port: port)
                            var ok = 0
                            do {
                                for i in 0..<120 {
                                    let m = meters[i % meters.count]
                                    let f = m.profile.field(ChannelName(.energyImport))!
                                    if try read(f, unit: m.unitId, client: client).energyWh == expected[i % meters.count] { ok += 1 }
                                }
                                c.resume(returning: ok)
                            } catch { c.resume(throwing: error) }
                        }.start()
                    }
                }
            }
            var total = 0
            for try await ok in group { total += ok }
            #expect(total == 8 * 120)
        }
    }
}
