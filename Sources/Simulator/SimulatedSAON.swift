import Foundation
import Metering
import Synchronization

/// A simulated SAON load-shedding controller on the default map (``DeviceProfile/saon``), wired
/// to the simulated meters it sheds.
///
/// Armed at start. Its discrete inputs are read-only in Modbus, so the simulator lets a
/// client drive them through the coils at the same addresses (FC05/FC15): writing coil N
/// sets discrete input N and counts one event. Tripping a stage (its `stage_tripped` input
/// 0 → 1) opens the breakers of that stage's feeders; resetting it closes them; a breaker
/// input can also be driven on its own. While a breaker is open the meters behind it read
/// 0 W and their counters stand still, unless the breaker is *stuck* (it reports open, the
/// load stays: the failure a shed verification must catch).
///
/// With ``cycleSeconds`` > 0 it also runs a deterministic drill: in the first 5 s of every
/// cycle (counted from 2026-01-01T00:00Z) test mode is on and stage ``drillStage`` (1 unless
/// told) trips its breakers; without test mode when ``drillTestMode`` is false (a real trip).
/// The energy the drills shed is computed in closed form, so the counters stay a pure
/// function of time.
public final class SimulatedSAON: Sendable {
    public let unitId: Int
    public let profile: DeviceProfile
    public let cycleSeconds: Int
    /// The stage the drill trips (1 unless told).
    public let drillStage: Int
    /// Whether the drill runs in test mode (a drill); false: a real trip scenario.
    public let drillTestMode: Bool
    /// The drill's length, s.
    public static let drillSeconds = 5
    /// Breaker input → the meter unit ids behind it.
    public let feeders: [Int: [Int]]
    /// Stage → its breaker inputs.
    public let stages: [Int: [Int]]
    /// Breakers that report open without interrupting the load.
    public let stuckBreakers: Set<Int>
    private let breakerOfUnit: [Int: Int]
    private let state: Mutex<State>

    struct State {
        var inputs = [UInt8](repeating: 0, count: 64)
        var events: UInt16 = 0
        /// Outages by breaker: `[start, end)` in UTC ms, the last one open (end nil) while the breaker is open.
        var outages: [Int: [(start: Int64, end: Int64?)]] = [:]
    }

    /// - Parameters:
    ///   - feeders: breaker input → meter units (default: breaker N feeds meter unit N, for N = 1…feeder inputs).
    ///   - stages: stage → breaker inputs (default: stage S trips breakers 2S−1 and 2S).
    public init(
        unitId: Int, profile: DeviceProfile = .saon, cycleSeconds: Int = 0, feeders: [Int: [Int]]? = nil,
        stages: [Int: [Int]]? = nil, stuckBreakers: Set<Int> = [], drillStage: Int = 1, drillTestMode: Bool = true
    ) {
        self.drillStage = drillStage
        self.drillTestMode = drillTestMode
        self.unitId = unitId
        self.profile = profile
        self.cycleSeconds = cycleSeconds
        let breakerCount = profile.fields.filter { $0.channel.kind == .saonFeederOpen }.count
        let stageCount = profile.fields.filter { $0.channel.kind == .saonStageTripped }.count
        var defaultFeeders: [Int: [Int]] = [:]
        for b in 0..<max(0, breakerCount) { defaultFeeders[b + 1] = [b + 1] }
        var defaultStages: [Int: [Int]] = [:]
        for st in 0..<max(0, stageCount) {
            let first = 2 * st + 1
            defaultStages[st + 1] = [first, first + 1].filter { $0 <= breakerCount }
        }
        self.feeders = feeders ?? defaultFeeders
        self.stages = stages ?? defaultStages
        self.stuckBreakers = stuckBreakers
        var byUnit: [Int: Int] = [:]
        for (b, units) in self.feeders { for u in units where byUnit[u] == nil { byUnit[u] = b } }
        breakerOfUnit = byUnit
        var s = State()
        if let armed = profile.field(ChannelName(.saonArmed)), armed.address < s.inputs.count { s.inputs[armed.address] = 1 }
        state = Mutex(s)
    }

    private func address(_ kind: ChannelKind, _ index: Int = 0) -> Int? {
        guard let f = profile.field(ChannelName(kind, index: index)), f.address < 64 else { return nil }
        return f.address
    }

    /// The breakers the drill opens: its stage's.
    private var drillBreakers: [Int] { stages[drillStage] ?? [] }

    private func inDrill(atMs ms: Int64) -> Bool {
        guard cycleSeconds > 0 else { return false }
        let t = (ms - SimulationEpoch.ms) / 1000
        let cycle = Int64(cycleSeconds)
        return t >= 0 && t % cycle < Int64(Self.drillSeconds)
    }

    /// The discrete inputs at an instant (index = PDU address) and the event counter.
    public func snapshot(atMs ms: Int64) -> (inputs: [UInt8], events: UInt16) {
        var (inputs, events) = state.withLock { ($0.inputs, $0.events) }
        if cycleSeconds > 0 {
            if inDrill(atMs: ms) {
                var addresses = [drillTestMode ? address(.saonTestMode) : nil, address(.saonStageTripped, drillStage)]
                addresses += drillBreakers.map { address(.saonFeederOpen, $0) }
                for a in addresses.compactMap({ $0 }) { inputs[a] = 1 }
            }
            let t = (ms - SimulationEpoch.ms) / 1000
            let cycle = Int64(cycleSeconds)
            let completed = (t + cycle - 1) / cycle
            events = events &+ UInt16(truncatingIfNeeded: max(0, completed) * 2)
        }
        return (inputs, events)
    }

    /// Applies a coil write (the simulator's way to drive an input) at simulated time `ms`.
    public func setInput(address: Int, to on: Bool, atMs ms: Int64 = WallClock.nowMs()) {
        state.withLock { s in
            guard address >= 0, address < s.inputs.count else { return }
            let v: UInt8 = on ? 1 : 0
            guard s.inputs[address] != v else { return }
            s.inputs[address] = v
            s.events &+= 1
            for (stage, breakers) in stages where self.address(.saonStageTripped, stage) == address {
                for b in breakers { setBreaker(b, open: on, atMs: ms, &s) }
            }
            for b in feeders.keys where self.address(.saonFeederOpen, b) == address {
                Self.outage(b, open: on, atMs: ms, stuck: stuckBreakers.contains(b), &s)
            }
        }
    }

    private func setBreaker(_ b: Int, open: Bool, atMs ms: Int64, _ s: inout State) {
        guard let a = address(.saonFeederOpen, b) else { return }
        let v: UInt8 = open ? 1 : 0
        if s.inputs[a] != v {
            s.inputs[a] = v
            s.events &+= 1
        }
        Self.outage(b, open: open, atMs: ms, stuck: stuckBreakers.contains(b), &s)
    }

    private static func outage(_ b: Int, open: Bool, atMs ms: Int64, stuck: Bool, _ s: inout State) {
        guard !stuck else { return }
        var list = s.outages[b] ?? []
        if open {
            if list.last.map({ $0.end != nil }) ?? true { list.append((ms, nil)) }
        } else if let last = list.last, last.end == nil {
            list[list.count - 1].end = max(last.start, ms)
        }
        s.outages[b] = list
    }

    /// Whether the load of meter `unit` is interrupted at `ms`.
    public func isShed(unit: Int, atMs ms: Int64) -> Bool {
        guard let b = breakerOfUnit[unit], !stuckBreakers.contains(b) else { return false }
        if drillBreakers.contains(b), inDrill(atMs: ms) { return true }
        return state.withLock { s in
            (s.outages[b] ?? []).contains { $0.start <= ms && ($0.end.map { ms < $0 } ?? true) }
        }
    }

    /// The energy meter `unit` did not draw from the epoch to `ms` because its breaker was
    /// open, in watt-seconds of `curve`.
    public func shedWattSeconds(unit: Int, curve: LoadCurve, atMs ms: Int64) -> Double {
        guard let b = breakerOfUnit[unit], !stuckBreakers.contains(b) else { return 0 }
        var lost = 0.0
        let drills = cycleSeconds > 0 && drillBreakers.contains(b)
        let windows = state.withLock { $0.outages[b] ?? [] }
        for w in windows where w.start < ms {
            let end = min(w.end ?? ms, ms)
            lost += curve.importWattSeconds(atMs: end) - curve.importWattSeconds(atMs: w.start)
            // A drill inside an outage sheds nothing more: its energy is counted once.
            if drills { lost -= drillWattSeconds(curve: curve, atMs: end) - drillWattSeconds(curve: curve, atMs: w.start) }
        }
        if drills { lost += drillWattSeconds(curve: curve, atMs: ms) }
        return lost
    }

    /// The energy of `curve` within the drill windows `[kC, kC + D)` (s since the epoch) up to `ms`,
    /// in closed form: `Σ cos(kx + ψ) = sin(Kx/2) / sin(x/2) · cos(ψ + (K − 1)x/2)`.
    public func drillWattSeconds(curve: LoadCurve, atMs ms: Int64) -> Double {
        let t = Double(ms - SimulationEpoch.ms) / 1000
        guard t > 0 else { return 0 }
        let c = Double(cycleSeconds)
        let d = Double(min(Self.drillSeconds, cycleSeconds))
        let current = (t / c).rounded(.down)
        var whole = current
        var partial = 0.0
        let intoCycle = t - current * c
        let omega = 2 * Double.pi / curve.periodS
        func integral(_ a: Double, _ b: Double) -> Double {
            curve.baseW * (b - a) + curve.amplitudeW / omega * (cos(omega * a + curve.phase) - cos(omega * b + curve.phase))
        }
        if intoCycle < d {
            partial = integral(current * c, t)
        } else {
            whole += 1
        }
        let x = omega * c
        func cosSum(_ psi: Double) -> Double {
            let half = sin(x / 2)
            if abs(half) < 1e-12 { return whole * cos(psi) }
            return sin(whole * x / 2) / half * cos(psi + (whole - 1) * x / 2)
        }
        let sines = cosSum(curve.phase) - cosSum(curve.phase + omega * d)
        return whole * curve.baseW * d + curve.amplitudeW / omega * sines + partial
    }
}
