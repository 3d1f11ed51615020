import Store
import Synchronization

/// Every device's polling health, updated by the pollers and flushed to the store by the writer.
///
/// Thread-safe (one mutex over an array indexed by slot); a poller touches it once per poll.
/// Slots are never reused: a device added by a reload gets a new one, a removed device's slot
/// is retired (no longer listed), and a device that comes back takes its old slot again.
public final class HealthBoard: Sendable {
    private struct State {
        var health: [DeviceHealth] = []
        var index: [String: Int] = [:]
        var retired: Set<Int> = []
    }
    private let state: Mutex<State>

    public init(devices: [String]) {
        var s = State()
        for d in devices {
            s.index[d] = s.health.count
            s.health.append(DeviceHealth(device: d))
        }
        state = Mutex(s)
    }

    /// The slot of a device, for ``update(slot:_:)``.
    func slot(of device: String) -> Int? { state.withLock { $0.index[device] } }

    /// The slot of `device`, added if the board does not have it yet (a reload's new device);
    /// a retired slot is taken up again.
    func enlist(_ device: String) -> Int {
        state.withLock { s in
            if let i = s.index[device] {
                s.retired.remove(i)
                return i
            }
            let i = s.health.count
            s.index[device] = i
            s.health.append(DeviceHealth(device: device))
            return i
        }
    }

    /// No longer lists `device` (removed by a reload).
    func retire(_ device: String) {
        state.withLock { s in
            if let i = s.index[device] { s.retired.insert(i) }
        }
    }

    func update(slot: Int, _ body: (inout DeviceHealth) -> Void) {
        state.withLock { body(&$0.health[slot]) }
    }

    /// A copy of every listed device's health, by device id.
    public func snapshot() -> [DeviceHealth] {
        state.withLock { s in
            s.retired.isEmpty ? s.health : s.health.indices.filter { !s.retired.contains($0) }.map { s.health[$0] }
        }.sorted { $0.device < $1.device }
    }

    /// Listed devices currently failing (at least `threshold` consecutive failures).
    public func down(threshold: Int) -> Int {
        state.withLock { s in
            var n = 0
            for i in s.health.indices where s.health[i].consecutiveFailures >= threshold && !s.retired.contains(i) { n += 1 }
            return n
        }
    }
}
