import Foundation
import Testing

/// `esep run` under systemd's notification protocol, through the real binary: READY=1 once the API
/// answers, STATUS= and WATCHDOG=1 while ingest runs, STOPPING=1 on SIGTERM.
@Suite struct SystemdCLITests {
    @Test func readyOnlyOnceTheAPIAnswersThenWatchdogAndStopping() async throws {
        let dir = temporaryDirectory()
        let path = dir.appendingPathComponent("notify").path
        let fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_un()
        addr.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        withUnsafeMutableBytes(of: &addr.sun_path) { p in for (i, b) in bytes.enumerated() { p[i] = b } }
        let len = socklen_t(MemoryLayout<sa_family_t>.size + bytes.count)
        let bound = withUnsafePointer(to: &addr) { a in a.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, len) } }
        try #require(bound == 0)

        let run = try BackgroundProcess(
            esepBinary(), ["run", "--db", dir.appendingPathComponent("esep.sqlite").path, "--meters", "3", "--api-listen", "127.0.0.1:0"],
            environment: ["NOTIFY_SOCKET": path, "WATCHDOG_USEC": "1000000"])
        // Read datagrams (off the cooperative pool) until STOPPING=1, bounded; at READY=1, ask the
        // API the READY message names whether it answers — at that very moment.
        let (messages, healthAtReady) = await withCheckedContinuation { (c: CheckedContinuation<([String], Int?), Never>) in
            DispatchQueue.global().async {
                var out: [String] = []
                var health: Int? = nil
                var signalled = false
                let deadline = Date().addingTimeInterval(90)
                var buffer = [UInt8](repeating: 0, count: 4096)
                while Date() < deadline {
                    var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    guard poll(&p, 1, 200) == 1 else { continue }
                    let n = recv(fd, &buffer, buffer.count, 0)
                    guard n > 0 else { continue }
                    let m = String(decoding: buffer[0..<n], as: UTF8.self)
                    out.append(m)
                    if m.hasPrefix("READY=1"), let r = m.range(of: "API 127.0.0.1:") {
                        let port = Int(m[r.upperBound...].prefix { $0.isNumber }) ?? 0
                        health = RawHTTP.get(port: port, "/healthz", timeoutSeconds: 5)?.status
                    }
                    // A few watchdog pings, then stop it as systemd would.
                    if !signalled, out.filter({ $0.contains("WATCHDOG=1") }).count >= 3 {
                        run.signal(SIGTERM)
                        signalled = true
                    }
                    if m == "STOPPING=1" { break }
                }
                c.resume(returning: (out, health))
            }
        }
        let status = await withCheckedContinuation { (c: CheckedContinuation<Int32?, Never>) in
            DispatchQueue.global().async { c.resume(returning: run.waitForExit(timeout: 30)) }
        }
        #expect(status == 0, "\(run.stderr.suffix(2000))")
        let ready = try #require(messages.firstIndex { $0.hasPrefix("READY=1") }, "\(messages)")
        #expect(ready == 0, "nothing before READY=1: \(messages)")
        #expect(healthAtReady == 200, "the API did not answer when READY=1 came")
        // Three meters and the demo's SAON controller.
        #expect(messages[ready].contains("STATUS=4 devices, 0 down;"), "\(messages[ready])")
        let pings = messages.filter { $0.contains("WATCHDOG=1") }
        #expect(pings.count >= 3)
        #expect(pings.allSatisfy { $0.hasPrefix("STATUS=") })
        #expect(messages.last == "STOPPING=1")
    }
}
