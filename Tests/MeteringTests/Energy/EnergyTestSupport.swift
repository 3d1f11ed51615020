import Foundation

@testable import Metering

/// UTC epoch ms of an ISO 8601 instant with an explicit offset or `Z` (test input, must parse).
func utc(_ text: String) -> Int64 {
    guard let t = SiteCalendar.almaty.instant(iso8601: text) else { fatalError("bad instant \(text)") }
    return t
}

let berlin = SiteCalendar(identifier: "Europe/Berlin")!

/// A deterministic generator for building scenarios from one seed (SplitMix64).
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func int(_ range: ClosedRange<Int64>) -> Int64 { Int64.random(in: range, using: &self) }
    mutating func chance(_ p: Double) -> Bool { Double.random(in: 0..<1, using: &self) < p }
}

/// Readings every `everyMs` from `fromMs` through `toMs` at constant `powerW`, starting at `startWh`.
func steadyReadings(fromMs: Int64, toMs: Int64, everyMs: Int64, powerW: Int64, startWh: Int64 = 1_000_000) -> [CounterReading] {
    stride(from: fromMs, through: toMs, by: Int(everyMs)).map {
        CounterReading(timeMs: $0, wh: startWh + powerW * ($0 - fromMs) / 3_600_000)
    }
}
