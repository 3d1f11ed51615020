import Foundation
public import Logging
public import ServiceLifecycle
import Synchronization

/// sd_notify(3) without libsystemd, honestly: `READY=1` only once every part the daemon waits for
/// says it is up (``Readiness``: the store is open before the group starts; the pollers run; the
/// API listens), `STATUS=` a one-line summary kept current, `WATCHDOG=1` only while ``Health``
/// says ingest is progressing (a stalled writer or a stuck poller thread stops it, and systemd
/// restarts the service after `WatchdogSec`), and `STOPPING=1` when shutdown begins (it is the
/// first service the group stops). Outside systemd (no `NOTIFY_SOCKET`) it does nothing.
public struct SystemdNotifier: Service {
    /// What the daemon says of itself at each tick.
    public struct Health: Sendable {
        /// Ingest is making progress: the watchdog may be fed.
        public var progressing: Bool
        /// The one-line status (`STATUS=`).
        public var status: String
        public init(progressing: Bool, status: String) {
            self.progressing = progressing
            self.status = status
        }
    }

    let socketPath: String?
    /// Half the watchdog interval (`WATCHDOG_USEC / 2`), when systemd asks for a watchdog.
    let watchdogPing: Duration?
    let statusInterval: Duration
    let readiness: Readiness
    let health: @Sendable () -> Health
    let logger: Logger

    /// - Parameters:
    ///   - environment: where `NOTIFY_SOCKET` and `WATCHDOG_USEC` are read (the process's own).
    ///   - readiness: the parts `READY=1` waits for.
    ///   - statusInterval: how often `STATUS=` is refreshed without a watchdog (with one, every ping).
    ///   - health: asked at every tick.
    public init(
        environment: [String: String] = ProcessInfo.processInfo.environment, readiness: Readiness,
        statusInterval: Duration = .seconds(5), logger: Logger, health: @escaping @Sendable () -> Health
    ) {
        let path = environment["NOTIFY_SOCKET"].flatMap { $0.isEmpty ? nil : $0 }
        socketPath = path
        if let usec = environment["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            watchdogPing = .microseconds(usec / 2)
        } else {
            watchdogPing = nil
        }
        self.statusInterval = statusInterval
        self.readiness = readiness
        self.health = health
        self.logger = logger
    }

    public func run() async throws {
        guard let socketPath else {
            try? await gracefulShutdown()
            return
        }
        // Until every part is up, or shutdown comes first.
        await cancelWhenGracefulShutdown { await readiness.wait() }
        guard readiness.isReady, !Task.isShuttingDownGracefully else {
            Self.notify("STOPPING=1", socket: socketPath)
            return
        }
        let first = health()
        Self.notify("READY=1\nSTATUS=\(Self.line(first.status))", socket: socketPath)
        logger.debug("sd_notify READY=1")
        let tick = watchdogPing.map { min($0, statusInterval) } ?? statusInterval
        var withheldSince: ContinuousClock.Instant? = nil
        while !Task.isShuttingDownGracefully {
            let h = health()
            var message = "STATUS=\(Self.line(h.status))"
            if let _ = watchdogPing {
                if h.progressing {
                    message += "\nWATCHDOG=1"
                    if let since = withheldSince {
                        logger.notice("watchdog fed again: ingest progresses", metadata: ["withheld_for": "\(ContinuousClock.now - since)"])
                        withheldSince = nil
                    }
                } else if withheldSince == nil {
                    withheldSince = .now
                    logger.critical("watchdog withheld: ingest is not progressing; systemd will restart esep", metadata: ["status": "\(h.status)"])
                }
            }
            Self.notify(message, socket: socketPath)
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: tick) }
        }
        Self.notify("STOPPING=1", socket: socketPath)
    }

    /// One line: newlines would start another assignment.
    static func line(_ s: String) -> String { s.replacingOccurrences(of: "\n", with: " ") }

    /// Sends `message` to systemd when the process runs under it (`NOTIFY_SOCKET` set); otherwise nothing.
    public static func notifyIfManaged(
        _ message: String, environment: [String: String] = ProcessInfo.processInfo.environment
    ) {
        guard let path = environment["NOTIFY_SOCKET"], !path.isEmpty else { return }
        notify(message, socket: path)
    }

    /// CLOCK_MONOTONIC in µs (`MONOTONIC_USEC=` with `RELOADING=1`).
    public static func monotonicMicroseconds() -> UInt64 {
        var t = timespec()
        clock_gettime(CLOCK_MONOTONIC, &t)
        return UInt64(t.tv_sec) * 1_000_000 + UInt64(t.tv_nsec) / 1_000
    }

    /// Sends one datagram to the notification socket (a path, or `@name` in the abstract namespace).
    public static func notify(_ message: String, socket path: String) {
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        guard fd >= 0 else { return }
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        var bytes = Array(path.utf8)
        if bytes.first == UInt8(ascii: "@") { bytes[0] = 0 }
        guard bytes.count < MemoryLayout.size(ofValue: addr.sun_path) else { return }
        withUnsafeMutableBytes(of: &addr.sun_path) { p in
            for (i, b) in bytes.enumerated() { p[i] = b }
        }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        _ = message.withCString { msg in
            withUnsafePointer(to: &addr) { a in
                a.withMemoryRebound(to: sockaddr.self, capacity: 1) { sa in
                    sendto(fd, msg, strlen(msg), 0, sa, len)
                }
            }
        }
    }
}

/// The parts a daemon waits for before it says READY=1 (`pollers`, `api` …): each says `done` once.
public final class Readiness: Sendable {
    private struct State {
        var pending: Set<String>
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }
    private let state: Mutex<State>

    public init(parts: Set<String>) { state = Mutex(State(pending: parts)) }

    /// Marks `part` up; the last one wakes every waiter.
    public func done(_ part: String) {
        let wake = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.pending.remove(part)
            guard s.pending.isEmpty else { return [] }
            defer { s.waiters = [:] }
            return Array(s.waiters.values)
        }
        for w in wake { w.resume() }
    }

    public var isReady: Bool { state.withLock { $0.pending.isEmpty } }

    /// The parts not up yet.
    public var pending: Set<String> { state.withLock { $0.pending } }

    /// Returns once every part is up, or when the task is cancelled (then ``isReady`` may be false).
    public func wait() async {
        let id = state.withLock { s -> Int in
            s.nextWaiter += 1
            return s.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.pending.isEmpty || Task.isCancelled { return true }
                    s.waiters[id] = c
                    return false
                }
                if resumeNow { c.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}
