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
    /// Above this many keys, buckets that have refilled are dropped (keys can be client addresses).
    private let pruneAbove = 10_000

    init(ratePerSecond: Int, burst: Int? = nil) {
        rate = Double(max(1, ratePerSecond))
        capacity = Double(max(1, burst ?? ratePerSecond))
    }

    /// `perMinute` requests a minute, bursts up to as many.
    init(perMinute: Int) {
        rate = Double(max(1, perMinute)) / 60
        capacity = Double(max(1, perMinute))
    }

    /// Takes one request from `key`'s bucket.
    /// - Returns: nil when allowed, otherwise how long until the next request would be.
    func take(_ key: String) -> Duration? {
        update(key, taking: true)
    }

    /// Whether `key` could take a request now, without taking it.
    /// - Returns: nil when it could, otherwise how long until it could.
    func check(_ key: String) -> Duration? {
        update(key, taking: false)
    }

    private func update(_ key: String, taking: Bool) -> Duration? {
        let now = clock.now
        return buckets.withLock { buckets -> Duration? in
            guard var b = buckets[key] ?? (taking ? Bucket(tokens: capacity, updated: now) : nil) else { return nil }
            b.tokens = min(capacity, b.tokens + seconds(b.updated.duration(to: now)) * rate)
            b.updated = now
            if b.tokens >= 1 {
                if taking { b.tokens -= 1 }
                buckets[key] = b
                if buckets.count > pruneAbove { prune(&buckets, now: now) }
                return nil
            }
            buckets[key] = b
            return .seconds((1 - b.tokens) / rate)
        }
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { $0.value.tokens + seconds($0.value.updated.duration(to: now)) * rate < capacity }
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }
}
