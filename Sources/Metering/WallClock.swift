#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The system wall clock in UTC epoch milliseconds: the one place every module reads "now" from
/// (sample timestamps, store housekeeping, the simulator, the CLI). Not a domain computation —
/// the only clock read in Metering — kept here because Metering is the module all others share.
public enum WallClock {
    @inline(__always)
    public static func nowMs() -> Int64 {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Int64(ts.tv_sec) &* 1000 &+ Int64(ts.tv_nsec) / 1_000_000
    }
}
