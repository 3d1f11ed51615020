import Store
import Synchronization

/// Every device's polling health, updated by the pollers and flushed to the store by the writer.
///
/// Thread-safe (one mutex); pollers touch it once per poll.
public final class HealthBoard: Sendable {
    private let state: Mutex<[String: DeviceHealth]>

    public init(devices: [String]) {
        var s: [String: DeviceHealth] = [:]
        for d in devices { s[d] = DeviceHealth(device: d) }
        state = Mutex(s)
    }

    func update(_ device: String, _ body: (inout DeviceHealth) -> Void) {
        state.withLock { s in
            if var h = s[device] {
                body(&h)
                s[device] = h
            }
        }
    }

    /// A copy of every device's health.
    public func snapshot() -> [DeviceHealth] {
        state.withLock { Array($0.values) }.sorted { $0.device < $1.device }
    }

    /// Devices currently failing (at least `threshold` consecutive failures).
    public func down(threshold: Int) -> Int {
        state.withLock { $0.values.filter { $0.consecutiveFailures >= threshold }.count }
    }
}
