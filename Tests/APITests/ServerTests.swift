import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Prometheus
import SiteConfig
import Testing

#if canImport(Glibc)
import Glibc
import TestScratch
#endif

/// Metrics, tokens, TLS, time parsing and connection limits.
@Suite struct ServerTests {
    @Test func metricsExportsTheRegistry() async throws {
        let f = try Fixture()
        let metrics = APIMetrics()
        metrics.registry.makeCounter(descriptor: MetricNameDescriptor(metricName: "esep_samples_stored", unitName: "total", helpText: "Samples stored.")).increment(by: Int64(42))
        try await f.server(metrics: metrics).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/metrics", token: Tokens.prometheus)
            #expect(r.status == .ok)
            #expect(r.headers[.contentType]?.hasPrefix("text/plain; version=0.0.4") == true)
            #expect(r.text.contains("esep_samples_stored_total 42"))
        }
    }

    @Test func issuedTokensVerifyAndPasteIntoTheConfig() throws {
        let (token, entry) = APIToken.issue(name: "grid-operator", scopes: [.snapshotRead, .dataRead])
        #expect(token.hasPrefix("esep_"))
        #expect(token.count == 5 + 64)
        let parts = entry.hash.split(separator: ":")
        #expect(parts.count == 3 && parts[0] == "sha256" && parts[1].count == 32 && parts[2].count == 64)
        #expect(entry.tomlEntry.contains(#"scopes = ["data:read", "snapshot:read"]"#))
        #expect(entry.tomlEntry.contains(#"name = "grid-operator""#))
        // The config loader reads the pasted entry back to the same salt and digest.
        let toml = """
            [site]
            name = "x"
            [[gateways]]
            id = "g"
            host = "127.0.0.1"
            [[meters]]
            id = "M1"
            gateway = "g"
            unit_id = 1
            profile = "sdm630"
            \(entry.tomlEntry)
            """
        let path = TestScratch.root.appendingPathComponent("esep-token-\(UUID().uuidString).toml").path
        try toml.write(toFile: path, atomically: true, encoding: .utf8)
        let loaded = try SiteConfigLoader.load(path: path)
        #expect(loaded.api.tokens.first?.salt == entry.salt)
        #expect(loaded.api.tokens.first?.digest == entry.digest)
        // Another issue gives another token and salt.
        let (other, otherEntry) = APIToken.issue(name: "x", scopes: [.admin])
        #expect(other != token)
        #expect(otherEntry.salt != entry.salt)
    }

    @Test func issuedTokenAuthenticates() async throws {
        let f = try Fixture()
        let (token, entry) = APIToken.issue(name: "fresh", scopes: [.snapshotRead])
        try await f.server({ $0.tokens = [entry] }).makeApplication().test(.live) { client async throws in
            #expect(try await client.get("/v1/snapshot", token: token).status == .ok)
            // Change the last character (to a different one: a fixed replacement equals it 1 time in 16).
            let wrong = String(token.dropLast()) + (token.hasSuffix("0") ? "1" : "0")
            #expect(try await client.get("/v1/snapshot", token: wrong).status == .unauthorized)
        }
    }

    @Test func tlsConfigurationErrorsNameTheKeyAndFile() throws {
        let f = try Fixture()
        let dir = TestScratch.root.appendingPathComponent("esep-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let garbage = dir.appendingPathComponent("garbage.pem").path
        try "not a certificate".write(toFile: garbage, atomically: true, encoding: .utf8)
        let missing = dir.appendingPathComponent("missing.pem").path
        func error(_ configure: (inout APIConfiguration) -> Void) -> APIError? {
            do {
                _ = try f.server(configure)
                return nil
            } catch let error as APIError {
                return error
            } catch {
                return nil
            }
        }
        let noFile = error { $0.tlsCertificatePath = missing; $0.tlsKeyPath = missing }
        #expect(noFile?.code == .tlsConfiguration)
        #expect(noFile?.key == "api.tls_cert")
        #expect(noFile?.description.contains("missing.pem") == true)
        #expect(noFile?.description.contains("no such file") == true)
        let directory = error { $0.tlsCertificatePath = dir.path; $0.tlsKeyPath = garbage }
        #expect(directory?.reason == "not a readable file")
        let notPEM = error { $0.tlsCertificatePath = garbage; $0.tlsKeyPath = garbage }
        #expect(notPEM?.key == "api.tls_cert")
        #expect(notPEM?.reason.contains("not a PEM certificate") == true)
        let certOnly = error { $0.tlsCertificatePath = garbage }
        #expect(certOnly?.key == "api.tls_key")
        let caOnly = error { $0.clientCAPath = garbage }
        #expect(caOnly?.key == "api.client_ca")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: "/usr/bin/openssl")))
    func servesHTTPSWithTheConfiguredCertificate() async throws {
        let f = try Fixture()
        let dir = TestScratch.root.appendingPathComponent("esep-tls-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let cert = dir.appendingPathComponent("cert.pem").path
        let key = dir.appendingPathComponent("key.pem").path
        let openssl = Process()
        openssl.executableURL = URL(fileURLWithPath: "/usr/bin/openssl")
        openssl.arguments = [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1",
            "-subj", "/CN=localhost", "-keyout", key, "-out", cert,
        ]
        openssl.standardOutput = FileHandle.nullDevice
        openssl.standardError = FileHandle.nullDevice
        try openssl.run()
        openssl.waitUntilExit()
        try #require(openssl.terminationStatus == 0)
        // A key file that is not a key is named as such.
        let badKey = try? f.server { $0.tlsCertificatePath = cert; $0.tlsKeyPath = cert }
        #expect(badKey == nil)
        let server = try f.server { $0.tlsCertificatePath = cert; $0.tlsKeyPath = key }
        try await server.makeApplication().test(.ahc(.https)) { client async throws in
            #expect(try await client.get("/healthz", token: nil).status == .ok)
            #expect(try await client.get("/v1/snapshot", token: Tokens.grid).status == .ok)
        }
    }

    @Test func slowClientIsDisconnected() async throws {
        let f = try Fixture()
        // A head announcing a body that never comes: closed after the read timeout, well before
        // the idle timeout.
        let slowBody = try f.server {
            $0.requestReadTimeout = .milliseconds(300)
            $0.idleTimeout = .seconds(30)
        }
        try await slowBody.makeApplication().test(.live) { client async throws in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            let closed = try rawRequest(
                port: port, "GET /healthz HTTP/1.1\r\nHost: localhost\r\nContent-Length: 100\r\n\r\n", waitSeconds: 10)
            #expect(closed)
            #expect(ContinuousClock.now - started < .seconds(5))
        }
        // Half a request head, then silence: closed after the idle timeout.
        let slowHead = try f.server {
            $0.requestReadTimeout = .seconds(30)
            $0.idleTimeout = .milliseconds(300)
        }
        try await slowHead.makeApplication().test(.live) { client async throws in
            let port = try #require(client.port)
            let started = ContinuousClock.now
            #expect(try rawRequest(port: port, "GET /healthz HTTP/1.1\r\nHost: loc", waitSeconds: 10))
            #expect(ContinuousClock.now - started < .seconds(5))
        }
    }
}

/// Sends `text` over a fresh TCP connection to 127.0.0.1 (or ::1) and reads until the server
/// closes the connection; true when it closed within `waitSeconds`.
func rawRequest(port: Int, _ text: String, waitSeconds: Int) throws -> Bool {
    #if canImport(Glibc)
    for (family, address) in [(AF_INET, "127.0.0.1"), (AF_INET6, "::1")] {
        let fd = socket(family, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { continue }
        defer { close(fd) }
        var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var connected = false
        if family == AF_INET {
            var a = sockaddr_in()
            a.sin_family = sa_family_t(AF_INET)
            a.sin_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET, address, &a.sin_addr)
            connected = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
            }
        } else {
            var a = sockaddr_in6()
            a.sin6_family = sa_family_t(AF_INET6)
            a.sin6_port = in_port_t(UInt16(port).bigEndian)
            inet_pton(AF_INET6, address, &a.sin6_addr)
            connected = withUnsafePointer(to: &a) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size)) == 0 }
            }
        }
        guard connected else { continue }
        let bytes = Array(text.utf8)
        _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if n == 0 { return true }  // orderly close
            if n < 0 { return errno == ECONNRESET }  // timed out (EAGAIN) → not closed
        }
    }
    return false
    #else
    return true
    #endif
}
