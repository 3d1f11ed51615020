import Metering
import Synchronization

/// A simulated SAON load-shedding controller on the default map (``DeviceProfile/saon``).
///
/// Armed at start. Its discrete inputs are read-only in Modbus, so the simulator lets a
/// client drive them through the coils at the same addresses (FC05/FC15): writing coil N
/// sets discrete input N and counts one event. With ``cycleSeconds`` > 0 it also runs a
/// deterministic drill: in the first 5 s of every cycle test mode is on and stage 1 trips
/// feeder 1.
public final class SimulatedSAON: Sendable {
    public let unitId: Int
    public let profile: DeviceProfile
    public let cycleSeconds: Int
    private let state: Mutex<State>

    struct State {
        var inputs = [UInt8](repeating: 0, count: 64)
        var events: UInt16 = 0
    }

    public init(unitId: Int, profile: DeviceProfile = .saon, cycleSeconds: Int = 0) {
        self.unitId = unitId
        self.profile = profile
        self.cycleSeconds = cycleSeconds
        var s = State()
        if let armed = profile.field(ChannelName(.saonArmed)), armed.address < s.inputs.count { s.inputs[armed.address] = 1 }
        state = Mutex(s)
    }

    /// The discrete inputs at an instant (index = PDU address) and the event counter.
    public func snapshot(atMs ms: Int64) -> (inputs: [UInt8], events: UInt16) {
        var (inputs, events) = state.withLock { ($0.inputs, $0.events) }
        if cycleSeconds > 0 {
            let t = (ms - SimulationEpoch.ms) / 1000
            let cycle = Int64(cycleSeconds)
            let drill = ((t % cycle) + cycle) % cycle < 5
            for kind in [ChannelName(.saonTestMode), ChannelName(.saonStageTripped, index: 1), ChannelName(.saonFeederOpen, index: 1)] {
                if let f = profile.field(kind), f.address < inputs.count, drill { inputs[f.address] = 1 }
            }
            let completed = (t + cycle - 1) / cycle
            events = events &+ UInt16(truncatingIfNeeded: max(0, completed) * 2)
        }
        return (inputs, events)
    }

    /// Applies a coil write (the simulator's way to drive an input).
    public func setInput(address: Int, to on: Bool) {
        state.withLock { s in
            guard address >= 0, address < s.inputs.count else { return }
            let v: UInt8 = on ? 1 : 0
            if s.inputs[address] != v {
                s.inputs[address] = v
                s.events &+= 1
            }
        }
    }
}
