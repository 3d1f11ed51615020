import Foundation
import Lifecycle
import Logging
import ServiceLifecycle
import Synchronization
import Testing
import TestScratch

/// A datagram socket standing in for systemd's notification socket.
final class NotifySocket: Sendable {
    let path: String
    private let fd: Int32

    init() throws {
        path = TestScratch.root.appendingPathComponent("esep-notify-\(UUID().uuidString.prefix(8))").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &addr) { a in
            a.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) }
        }
        guard fd >= 0, bound == 0 else { throw POSIXError(.EADDRINUSE) }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// The next datagram within `timeoutMs`, or nil.
    func receive(timeoutMs: Int32) -> String? {
        var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
        guard poll(&p, 1, timeoutMs) == 1 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 4096)
        let n = recv(fd, &buffer, buffer.count, 0)
        return n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self) : nil
    }

    /// Datagrams until one satisfies `until` (bounded by `timeoutMs` in all).
    func receive(timeoutMs: Int32, until: (String) -> Bool) -> [String] {
        var out: [String] = []
        let deadline = Date().addingTimeInterval(Double(timeoutMs) / 1000)
        while Date() < deadline {
            guard let m = receive(timeoutMs: 200) else { continue }
            out.append(m)
            if until(m) { break }
        }
        return out
    }
}

/// Runs blocking socket reads off the cooperative pool.
func blocking<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { c in DispatchQueue.global().async { c.resume(returning: work()) } }
}

@Suite struct SystemdNotifierTests {
    /// READY=1 only once every part is up; then STATUS= with WATCHDOG=1 while ingest progresses,
    /// STATUS= without WATCHDOG=1 while it does not; STOPPING=1 when shutdown begins.
    @Test func readyStatusWatchdogAndStoppingInOrder() async throws {
        let socket = try NotifySocket()
        let readiness = Readiness(parts: ["pollers", "api"])
        let progressing = Atomic<Bool>(true)
        var logger = Logger(label: "notifier-test")
        logger.logLevel = .critical
        let notifier = SystemdNotifier(
            environment: ["NOTIFY_SOCKET": socket.path, "WATCHDOG_USEC": "200000"], readiness: readiness, logger: logger
        ) {
            let ok = progressing.load(ordering: .relaxed)
            return SystemdNotifier.Health(progressing: ok, status: ok ? "6 devices, 0 down" : "6 devices; writer stalled for 25 s")
        }
        let group = ServiceGroup(services: [notifier], logger: logger)
        let running = Task { try await group.run() }

        // Nothing before every part is up.
        readiness.done("pollers")
        #expect(await blocking { socket.receive(timeoutMs: 400) } == nil)
        readiness.done("api")
        let ready = await blocking { socket.receive(timeoutMs: 60_000) }
        #expect(ready == "READY=1\nSTATUS=6 devices, 0 down")

        // Fed while progressing (every 100 ms: half of WATCHDOG_USEC).
        let fed = await blocking { socket.receive(timeoutMs: 60_000) { $0.contains("WATCHDOG=1") } }
        #expect(fed.last == "STATUS=6 devices, 0 down\nWATCHDOG=1")

        // Stalled: status says why, and the watchdog is not fed.
        progressing.store(false, ordering: .relaxed)
        let starved = await blocking { socket.receive(timeoutMs: 60_000) { $0.contains("stalled") } }
        #expect(starved.last == "STATUS=6 devices; writer stalled for 25 s")
        let more = await blocking { () -> [String] in
            var n = 0
            return socket.receive(timeoutMs: 60_000) { _ in
                n += 1
                return n == 3
            }
        }
        #expect(more.count == 3)
        #expect(more.allSatisfy { !$0.contains("WATCHDOG=1") }, "\(more)")

        // Progressing again: fed again.
        progressing.store(true, ordering: .relaxed)
        let again = await blocking { socket.receive(timeoutMs: 60_000) { $0.contains("WATCHDOG=1") } }
        #expect(again.last?.hasSuffix("WATCHDOG=1") == true)

        await group.triggerGracefulShutdown()
        let last = await blocking { socket.receive(timeoutMs: 60_000) { $0 == "STOPPING=1" } }
        #expect(last.last == "STOPPING=1")
        try await running.value
    }

    /// Shutdown before the parts are up: STOPPING=1, never READY=1.
    @Test func shutdownBeforeReadySaysStoppingOnly() async throws {
        let socket = try NotifySocket()
        let readiness = Readiness(parts: ["api"])
        var logger = Logger(label: "notifier-test")
        logger.logLevel = .critical
        let notifier = SystemdNotifier(environment: ["NOTIFY_SOCKET": socket.path], readiness: readiness, logger: logger) {
            SystemdNotifier.Health(progressing: true, status: "starting")
        }
        let group = ServiceGroup(services: [notifier], logger: logger)
        let running = Task { try await group.run() }
        try await Task.sleep(for: .milliseconds(100))
        await group.triggerGracefulShutdown()
        let messages = await blocking { socket.receive(timeoutMs: 60_000) { $0 == "STOPPING=1" } }
        #expect(messages == ["STOPPING=1"])
        try await running.value
    }

    /// Outside systemd: nothing is sent and the service just waits for shutdown.
    @Test func withoutNotifySocketItIsANoOp() async throws {
        var logger = Logger(label: "notifier-test")
        logger.logLevel = .critical
        let notifier = SystemdNotifier(environment: [:], readiness: Readiness(parts: []), logger: logger) {
            Issue.record("health asked outside systemd")
            return SystemdNotifier.Health(progressing: true, status: "")
        }
        let group = ServiceGroup(services: [notifier], logger: logger)
        let running = Task { try await group.run() }
        await group.triggerGracefulShutdown()
        try await running.value
    }
}
