import Foundation
import Logging
import ServiceLifecycle

/// sd_notify(3) without libsystemd: READY=1 once started, WATCHDOG=1 at half the watchdog
/// interval, STOPPING=1 on shutdown. Does nothing when not started by systemd (no NOTIFY_SOCKET).
struct SystemdNotifier: Service {
    let logger: Logger

    func run() async throws {
        let env = ProcessInfo.processInfo.environment
        guard let socketPath = env["NOTIFY_SOCKET"], !socketPath.isEmpty else {
            try? await gracefulShutdown()
            return
        }
        Self.notify("READY=1\nSTATUS=polling", socket: socketPath)
        logger.debug("sd_notify READY=1")
        if let usec = env["WATCHDOG_USEC"].flatMap(Int64.init), usec > 0 {
            let interval = Duration.microseconds(usec / 2)
            while !Task.isShuttingDownGracefully {
                Self.notify("WATCHDOG=1", socket: socketPath)
                try? await cancelWhenGracefulShutdown { try await Task.sleep(for: interval) }
            }
        } else {
            try? await gracefulShutdown()
        }
        Self.notify("STOPPING=1", socket: socketPath)
    }

    /// Sends one datagram to the notification socket (a path, or `@name` in the abstract namespace).
    static func notify(_ message: String, socket path: String) {
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
