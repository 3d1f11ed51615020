import Store
import Synchronization

/// Every device's polling health, updated by the pollers and flushed to the store by the writer.
///
/// Thread-safe (one mutex over an array indexed by device); a poller touches it once per poll.
public final class HealthBoard: Sendable {
    private let state: Mutex<[DeviceHealth]>
    private let index: [String: Int]

    public init(devices: [String]) {
        state = Mutex(devices.map { DeviceHealth(device: $0) })
        var index: [String: Int] = [:]
        for (i, d) in devices.enumerated() { index[d] = i }
        self.index = index
    }

    /// The slot of a device, for ``update(slot:_:)``.
    func slot(of device: String) -> Int? { index[device] }

    func update(slot: Int, _ body: (inout DeviceHealth) -> Void) {
        state.withLock { body(&$0[slot]) }
    }

    /// A copy of every device's health, by device id.
    public func snapshot() -> [DeviceHealth] {
        state.withLock { $0 }.sorted { $0.device < $1.device }
    }

    /// Devices currently failing (at least `threshold` consecutive failures).
    public func down(threshold: Int) -> Int {
        state.withLock { $0.reduce(0) { $0 + ($1.consecutiveFailures >= threshold ? 1 : 0) } }
    }
}
