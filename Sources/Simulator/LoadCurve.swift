import Foundation

/// A deterministic active-power curve: a constant plus a sine, and its exact integral.
///
/// Cumulative energy is the integral of power from ``SimulationEpoch`` on, so the counter
/// a simulated meter shows at any instant is a pure function of time and seed: tests and
/// benchmarks ask ``importWh(atMs:)`` for the truth and compare with what esep stored.
public struct LoadCurve: Sendable, Hashable {
    /// Mean active power, W.
    public var baseW: Double
    /// Amplitude of the sine, W.
    public var amplitudeW: Double
    /// Period of the sine, seconds.
    public var periodS: Double
    /// Phase of the sine at the epoch, radians.
    public var phase: Double
    /// Import counter at the epoch, Wh.
    public var initialImportWh: Int64
    /// Export counter (constant: mining loads do not export), Wh.
    public var exportWh: Int64

    public init(baseW: Double, amplitudeW: Double, periodS: Double, phase: Double, initialImportWh: Int64, exportWh: Int64) {
        self.baseW = baseW
        self.amplitudeW = amplitudeW
        self.periodS = periodS
        self.phase = phase
        self.initialImportWh = initialImportWh
        self.exportWh = exportWh
    }

    /// The curve of meter `index` (1-based) for a seed: 20–120 kW mean, 5–25 % swing,
    /// a 5–60 minute period, a random phase and a starting counter of 1–10 MWh.
    public static func seeded(seed: UInt64, index: Int) -> LoadCurve {
        var rng = SplitMix64(seed: seed &+ UInt64(index) &* 0x9E37_79B9_7F4A_7C15)
        let base = 20_000 + rng.unit() * 100_000
        return LoadCurve(
            baseW: base.rounded(),
            amplitudeW: (base * (0.05 + rng.unit() * 0.20)).rounded(),
            periodS: (300 + rng.unit() * 3300).rounded(),
            phase: rng.unit() * 2 * .pi,
            initialImportWh: 1_000_000 + Int64(rng.unit() * 9_000_000),
            exportWh: Int64(rng.unit() * 1000))
    }

    /// The same curve with power scaled by `factor` (a meter that reads `factor` times the load).
    public func scaled(by factor: Double) -> LoadCurve {
        var c = self
        c.baseW *= factor
        c.amplitudeW *= factor
        return c
    }

    /// Seconds since the simulation epoch (never negative: counters hold their initial value before it).
    @inlinable
    func seconds(_ ms: Int64) -> Double { Double(max(0, ms - SimulationEpoch.ms)) / 1000 }

    /// Active power at a time, W.
    public func powerW(atMs ms: Int64) -> Double {
        baseW + amplitudeW * sin(2 * .pi * seconds(ms) / periodS + phase)
    }

    /// Energy imported since the epoch, in watt-seconds (exact integral of ``powerW(atMs:)``).
    public func importWattSeconds(atMs ms: Int64) -> Double {
        let t = seconds(ms)
        let omega = 2 * .pi / periodS
        return baseW * t + amplitudeW / omega * (cos(phase) - cos(omega * t + phase))
    }

    /// The meter's true import counter at a time: initial value plus the integral, floored to whole Wh.
    public func importWh(atMs ms: Int64) -> Int64 {
        initialImportWh + Int64((importWattSeconds(atMs: ms) / 3600).rounded(.down))
    }
}

/// The instant the simulated counters start growing: 2026-01-01T00:00:00Z.
public enum SimulationEpoch {
    public static let ms: Int64 = 1_767_225_600_000
}

/// SplitMix64 (Steele, Lea, Flood 2014): a tiny, seedable, deterministic generator.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// A double in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// A rise of a meter's load: from ``startMs`` its power grows linearly by ``percent`` of the
/// curve's mean over ``rampMs``, then stays up (an hour whose consumption runs over what was bought).
public struct LoadRise: Sendable, Hashable {
    public var startMs: Int64
    public var percent: Double
    public var rampMs: Int64

    public init(startMs: Int64, percent: Double, rampMs: Int64) {
        self.startMs = startMs
        self.percent = percent
        self.rampMs = max(1, rampMs)
    }

    /// The extra power at an instant, W.
    public func extraW(baseW: Double, atMs ms: Int64) -> Double {
        let into = Double(ms - startMs)
        guard into > 0 else { return 0 }
        return baseW * percent / 100 * min(1, into / Double(rampMs))
    }

    /// The extra energy from the start to `ms`, W·s (exact integral of ``extraW(baseW:atMs:)``).
    public func wattSeconds(baseW: Double, atMs ms: Int64) -> Double {
        let tau = Double(ms - startMs) / 1000
        guard tau > 0 else { return 0 }
        let ramp = Double(rampMs) / 1000
        let full = baseW * percent / 100
        return tau < ramp ? full * tau * tau / (2 * ramp) : full * (ramp / 2 + (tau - ramp))
    }
}
