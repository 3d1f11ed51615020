import Synchronization

/// Per-client token buckets: `ratePerSecond` requests a second, bursts up to one second's worth.
///
/// Thread-safe (one mutex, held for a few arithmetic operations per request).
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    private let rate: Double
    private let capacity: Double
    private let clock = ContinuousClock()
    private let buckets = Mutex<[String: Bucket]>([:])

    init(ratePerSecond: Int, burst: Int? = nil) {
        rate = Double(max(1, ratePerSecond))
        capacity = Double(max(1, burst ?? ratePerSecond))
    }

    /// Takes one request from `key`'s bucket.
    /// - Returns: nil when allowed, otherwise how long until the next request would be.
    func take(_ key: String) -> Duration? {
        let now = clock.now
        return buckets.withLock { buckets -> Duration? in
            var b = buckets[key] ?? Bucket(tokens: capacity, updated: now)
            let elapsed = b.updated.duration(to: now)
            let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
            b.tokens = min(capacity, b.tokens + seconds * rate)
            b.updated = now
            if b.tokens >= 1 {
                b.tokens -= 1
                buckets[key] = b
                return nil
            }
            buckets[key] = b
            return .seconds((1 - b.tokens) / rate)
        }
    }
}
