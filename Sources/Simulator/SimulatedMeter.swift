import Foundation
import Metering

/// What a simulated meter shows at one instant, in canonical units, exactly as its
/// registers encode it (so a reader that decodes the registers gets these numbers).
public struct MeterTruth: Sendable, Hashable, Codable {
    public var unitId: Int
    public var profile: String
    public var atMs: Int64
    /// The import register as a reader decodes it (after resets, rollovers and register resolution), Wh.
    public var importWh: Int64
    /// The export register as a reader decodes it, Wh.
    public var exportWh: Int64
    /// Energy really consumed since the epoch plus the initial counter, continuous across resets and rollovers, Wh.
    public var trueImportWh: Int64
    /// Active power, W (as encoded in the register).
    public var powerW: Double
    public var values: [String: Double]

    enum CodingKeys: String, CodingKey {
        case unitId = "unit_id", profile, atMs = "at_ms", importWh = "import_wh", exportWh = "export_wh"
        case trueImportWh = "true_import_wh", powerW = "power_w", values
    }
}

/// One simulated meter: a load curve, a profile, and optional counter faults.
public struct SimulatedMeter: Sendable {
    public let unitId: Int
    public let profile: DeviceProfile
    public let curve: LoadCurve
    /// Meter reset: from this instant the import counter restarts at 0.
    public let resetAtMs: Int64?
    /// Counter rollover: the import register wraps to 0 at exactly this instant, modulo ``rolloverModulusWh``.
    public let rolloverAtMs: Int64?
    public let rolloverModulusWh: Int64
    /// The SAON controller whose breakers can interrupt this meter's load.
    public let saon: SimulatedSAON?
    /// A rise of this meter's load from some instant on.
    public let loadRise: LoadRise?

    public init(unitId: Int, profile: DeviceProfile, curve: LoadCurve, resetAtMs: Int64? = nil,
                rolloverAtMs: Int64? = nil, rolloverModulusWh: Int64? = nil, saon: SimulatedSAON? = nil,
                loadRise: LoadRise? = nil) {
        self.saon = saon
        self.loadRise = loadRise
        self.unitId = unitId
        self.profile = profile
        self.curve = curve
        self.resetAtMs = resetAtMs
        self.rolloverAtMs = rolloverAtMs
        self.rolloverModulusWh = rolloverModulusWh ?? SimulatedMeter.registerModulusWh(profile)
    }

    /// The value at which the import register of `profile` wraps: 2^bits (2^(bits−1) for signed types)
    /// raw steps for integer registers narrower than 64 bits; 10^9 Wh (a 1,000,000 kWh counter) otherwise.
    public static func registerModulusWh(_ profile: DeviceProfile) -> Int64 {
        guard let field = profile.field(ChannelName(.energyImport)), !field.type.isFloat, field.type.bitWidth < 64,
            case .powerOfTen(let e) = field.scale
        else { return 1_000_000_000 }
        let exponent = e + field.unit.exponentToCanonical
        guard exponent >= 0 else { return 1_000_000_000 }
        var resolution: Int64 = 1
        for _ in 0..<exponent { resolution *= 10 }
        let steps = Int64(1) << Int64(field.type.isSigned ? field.type.bitWidth - 1 : field.type.bitWidth)
        let (m, overflow) = steps.multipliedReportingOverflow(by: resolution)
        return overflow ? 1_000_000_000 : m
    }

    /// The energy really drawn since the epoch plus the initial counter, Wh: the curve's integral,
    /// less what open breakers shed, plus a load rise.
    public func consumedWh(atMs ms: Int64) -> Int64 {
        let shed = saon?.shedWattSeconds(unit: unitId, curve: curve, atMs: ms) ?? 0
        let rise = loadRise?.wattSeconds(baseW: curve.baseW, atMs: ms) ?? 0
        guard shed != 0 || rise != 0 else { return curve.importWh(atMs: ms) }
        let ws = curve.importWattSeconds(atMs: ms) - shed + rise
        // A hair over the floor's edge (above the rounding error of these sums at counters of
        // 10⁹ Wh): a sum of differences must not flicker below a whole Wh.
        return curve.initialImportWh + Int64((max(0, ws) / 3600 + 1e-6).rounded(.down))
    }

    /// Active power at an instant, W: 0 while a breaker has shed the load.
    public func powerW(atMs ms: Int64) -> Double {
        if let saon, saon.isShed(unit: unitId, atMs: ms) { return 0 }
        return curve.powerW(atMs: ms) + (loadRise?.extraW(baseW: curve.baseW, atMs: ms) ?? 0)
    }

    /// The import register's value before encoding (reset and rollover applied), Wh.
    public func importRegisterWh(atMs ms: Int64) -> Int64 {
        var wh = consumedWh(atMs: ms)
        if let r = resetAtMs, ms >= r { wh -= consumedWh(atMs: r) }
        if let w = rolloverAtMs {
            var atWrap = consumedWh(atMs: w)
            if let r = resetAtMs, w >= r { atWrap -= consumedWh(atMs: r) }
            let m = rolloverModulusWh
            let offset = ((m - atWrap % m) % m + m) % m
            wh = ((wh + offset) % m + m) % m
        }
        return wh
    }

    /// The canonical value of every channel at an instant (before register encoding).
    public func rawValue(_ channel: ChannelName, atMs ms: Int64) -> SampleValue {
        let t = Double(ms - SimulationEpoch.ms) / 1000
        let p = powerW(atMs: ms)
        func phaseIndex(_ k: ChannelKind) -> Int {
            switch k {
            case .powerL1, .voltageL1, .currentL1: 0
            case .powerL2, .voltageL2, .currentL2: 1
            default: 2
            }
        }
        let shares = [0.34, 0.33, 0.33]
        func volts(_ i: Int) -> Double { 230 + 3 * sin(2 * .pi * t / 173 + Double(i) * 2.1) }
        let pf = 0.96 + 0.02 * sin(2 * .pi * t / 611)
        switch channel.kind {
        case .energyImport: return .energy(importRegisterWh(atMs: ms))
        case .energyExport: return .energy(curve.exportWh)
        case .powerTotal: return .number(p)
        case .powerL1, .powerL2, .powerL3: return .number(p * shares[phaseIndex(channel.kind)])
        case .voltageL1, .voltageL2, .voltageL3: return .number(volts(phaseIndex(channel.kind)))
        case .currentL1, .currentL2, .currentL3:
            let i = phaseIndex(channel.kind)
            return .number(p * shares[i] / (volts(i) * pf))
        case .frequency: return .number(50 + 0.04 * sin(2 * .pi * t / 97))
        case .powerFactor: return .number(pf)
        default: return .missing
        }
    }

    /// What a reader decodes from the channel's register at an instant.
    public func readValue(_ field: RegisterField, atMs ms: Int64) -> SampleValue {
        let raw = rawValue(field.channel, atMs: ms)
        return withUnsafeTemporaryAllocation(of: UInt16.self, capacity: 4) { buffer in
            field.write(raw, into: buffer, imageStart: field.address)
            return field.decode(registers: UnsafeBufferPointer(buffer), windowStart: field.address)
        }
    }

    /// The truth at an instant, as ``MeterTruth``.
    public func truth(atMs ms: Int64) -> MeterTruth {
        var values: [String: Double] = [:]
        var importWh: Int64 = 0
        var exportWh: Int64 = 0
        var power = 0.0
        for field in profile.fields {
            let v = readValue(field, atMs: ms)
            switch field.channel.kind {
            case .energyImport: importWh = v.energyWh ?? 0
            case .energyExport: exportWh = v.energyWh ?? 0
            case .powerTotal: power = v.doubleValue ?? 0
            default: if let d = v.doubleValue { values[field.channel.description] = d }
            }
        }
        return MeterTruth(
            unitId: unitId, profile: profile.name, atMs: ms, importWh: importWh, exportWh: exportWh,
            trueImportWh: consumedWh(atMs: ms), powerW: power, values: values)
    }

    /// Writes every field of `space` into a register image (index 0 = PDU address 0).
    func fill(_ registers: UnsafeMutableBufferPointer<UInt16>, space: RegisterSpace, atMs ms: Int64) {
        for field in profile.fields where field.space == space {
            field.write(rawValue(field.channel, atMs: ms), into: registers)
        }
    }

    /// Whether a read of `count` registers at `address` touches only mapped registers.
    func covers(space: RegisterSpace, address: Int, count: Int) -> Bool {
        var a = address
        let end = address + count
        let fields = profile.fields.filter { $0.space == space }.sorted { $0.address < $1.address }
        for f in fields where f.lastAddress >= a && f.address < end {
            if f.address > a { return false }
            a = f.lastAddress + 1
            if a >= end { return true }
        }
        return a >= end
    }
}
