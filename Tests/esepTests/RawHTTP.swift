import Foundation

/// A minimal HTTP/1.1 client over a POSIX socket, for tests that need what a library client
/// hides: the client's own source address, a request left half-sent, a connection kept open
/// without reading. Loopback only.
enum RawHTTP {
    /// A connected TCP socket to `127.0.0.1:port`, bound first to `source` (any 127.x.y.z
    /// address is loopback on Linux, so a test can be "another client address").
    static func connect(port: Int, source: String = "127.0.0.1", timeoutSeconds: Int = 10) -> Int32? {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { return nil }
        var tv = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, socklen_t(MemoryLayout<timeval>.size))
        var local = sockaddr_in()
        local.sin_family = sa_family_t(AF_INET)
        local.sin_addr.s_addr = inet_addr(source)
        var remote = sockaddr_in()
        remote.sin_family = sa_family_t(AF_INET)
        remote.sin_addr.s_addr = inet_addr("127.0.0.1")
        remote.sin_port = UInt16(port).bigEndian
        let ok = withUnsafePointer(to: &local) { l in
            l.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0 && withUnsafePointer(to: &remote) { r in
            r.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        } == 0
        guard ok else {
            close(fd)
            return nil
        }
        return fd
    }

    static func send(_ fd: Int32, _ text: String) -> Bool {
        let bytes = Array(text.utf8)
        var sent = 0
        while sent < bytes.count {
            let n = bytes[sent...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if n <= 0 { return false }
            sent += n
        }
        return true
    }

    /// Reads until the peer closes (or the socket's timeout).
    static func readAll(_ fd: Int32) -> Data {
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 65_536)
        while true {
            let n = recv(fd, &buffer, buffer.count, 0)
            if n <= 0 { break }
            data.append(contentsOf: buffer[0..<n])
        }
        return data
    }

    struct Response {
        var status: Int
        var body: String
    }

    /// `GET path` with `Connection: close`; nil when the connection failed or no status line came.
    static func get(
        port: Int, _ path: String, token: String? = nil, source: String = "127.0.0.1", timeoutSeconds: Int = 30
    ) -> Response? {
        guard let fd = connect(port: port, source: source, timeoutSeconds: timeoutSeconds) else { return nil }
        defer { close(fd) }
        var request = "GET \(path) HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n"
        if let token { request += "Authorization: Bearer \(token)\r\n" }
        request += "\r\n"
        guard send(fd, request) else { return nil }
        let text = String(decoding: readAll(fd), as: UTF8.self)
        guard text.hasPrefix("HTTP/1.1 "), let status = Int(text.dropFirst(9).prefix(3)) else { return nil }
        let body = text.range(of: "\r\n\r\n").map { String(text[$0.upperBound...]) } ?? ""
        return Response(status: status, body: body)
    }
}

/// The API port from the daemon's "api listening" log line (`url=http://127.0.0.1:PORT`).
func apiPort(_ log: String) -> Int? {
    guard let r = log.range(of: "url=http://127.0.0.1:") else { return nil }
    return Int(log[r.upperBound...].prefix { $0.isNumber })
}
