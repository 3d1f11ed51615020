import API
import Foundation
import Hummingbird
import HummingbirdTesting
import SiteConfig
import Testing

/// Every error the API answers, with its JSON body.
@Suite struct ErrorTests {
    @Test func missingOrUnknownTokenIs401() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let none = try await client.get("/v1/snapshot", token: nil)
            #expect(none.status == .unauthorized)
            #expect(none.headers[.wwwAuthenticate]?.hasPrefix("Bearer") == true)
            #expect(try none.error["code"] as? String == "unauthorized")
            #expect(try none.error["status"] as? Int == 401)
            #expect((try none.error["message"] as? String)?.contains("bearer token") == true)

            let unknown = try await client.get("/v1/snapshot", token: "esep_not_a_token")
            #expect(unknown.status == .unauthorized)
            #expect(unknown.headers[.wwwAuthenticate]?.contains("invalid_token") == true)
            #expect(try unknown.error["code"] as? String == "unauthorized")

            let basic = try await client.get("/v1/snapshot", token: nil, headers: [.authorization: "Basic YTpi"])
            #expect(basic.status == .unauthorized)
            #expect((try basic.error["message"] as? String)?.contains("Bearer") == true)

            // Everything but the probes (/healthz, /readyz) and the dashboard page needs a token, unknown paths included.
            for path in ["/metrics", "/openapi.yaml", "/v1/meters", "/v1/events", "/nowhere"] {
                #expect(try await client.get(path, token: nil).status == .unauthorized, "\(path)")
            }
            for path in ["/healthz", "/readyz"] {
                #expect(try await client.get(path, token: nil).status == .ok, "\(path): probes have no token")
            }
        }
    }

    @Test func wrongScopeIs403() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let r = try await client.get("/metrics", token: Tokens.grid)
            #expect(r.status == .forbidden)
            #expect(try r.error["code"] as? String == "forbidden")
            #expect(try r.error["required_scopes"] as? [String] == ["metrics:read"])
            let events = try await client.get("/v1/events", token: Tokens.grid)
            #expect(events.status == .forbidden)
            #expect(try events.error["required_scopes"] as? [String] == ["data:read"])
            let snapshot = try await client.get("/v1/snapshot", token: Tokens.prometheus)
            #expect(snapshot.status == .forbidden)
            #expect(try snapshot.error["required_scopes"] as? [String] == ["snapshot:read"])
            // Admin implies every scope; /readyz is open to any client.
            #expect(try await client.get("/metrics", token: Tokens.admin).status == .ok)
            #expect(try await client.get("/readyz", token: Tokens.prometheus).status == .ok)
        }
    }

    @Test func badParametersAre400NamingTheParameter() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let cases: [(String, String, String)] = [
                ("/v1/events?from=yesterday", "from", "not a time"),
                ("/v1/events?from=2026-06-02&to=2026-06-01", "to", "earlier than from"),
                ("/v1/events?from=2020-01-01&to=2026-01-01", "to", "limited to 366 days"),
                ("/v1/events?frm=2026-06-01", "frm", "unknown parameter"),
                ("/v1/events?from=2026-06-01&from=2026-06-02", "from", "more than once"),
                ("/v1/events?device=X9", "device", "no device"),
                ("/v1/snapshot?format=xml", "format", "json or csv"),
                ("/v1/meters/M1/intervals?to=2026-06-02", "from", "required"),
                ("/v1/meters/M1/intervals?from=2026-06-01", "to", "required"),
                ("/v1/meters/M1/intervals?from=2026-06-01&to=2026-06-02&step=5m", "step", "15m, 1h, 1d, 1mo, 1q"),
                ("/v1/site/intervals?from=2026-13-01&to=2026-06-02", "from", "not a time"),
                ("/v1/site/quarters/2026Q5", "quarter", "2026Q3"),
                ("/healthz?verbose=1", "verbose", "no parameters"),
            ]
            for (uri, parameter, phrase) in cases {
                let r = try await client.get(uri)
                #expect(r.status == .badRequest, "\(uri): \(r.text)")
                #expect(try r.error["code"] as? String == "bad_parameter", "\(uri)")
                #expect(try r.error["parameter"] as? String == parameter, "\(uri): \(r.text)")
                #expect((try r.error["message"] as? String)?.contains(phrase) == true, "\(uri): \(r.text)")
            }
        }
    }

    @Test func unknownMeterAndPathAre404() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            for uri in ["/v1/meters/NOPE", "/v1/meters/NOPE/intervals?from=2026-06-01&to=2026-06-02"] {
                let r = try await client.get(uri)
                #expect(r.status == .notFound, "\(uri)")
                #expect(try r.error["code"] as? String == "not_found")
                #expect((try r.error["message"] as? String)?.contains("no meter 'NOPE'") == true)
            }
            let path = try await client.get("/v2/anything")
            #expect(path.status == .notFound)
            #expect(try path.error["code"] as? String == "not_found")
        }
    }

    @Test func rateLimitIs429WithRetryAfter() async throws {
        let f = try Fixture()
        try await f.server({ $0.rateLimitPerSecond = 1 }).makeApplication().test(.live) { client async throws in
            // A bucket of one request, refilled once a second: of five quick requests some are refused.
            var statuses: [HTTPResponse.Status] = []
            var refused: TestResponse? = nil
            for _ in 0..<5 {
                let r = try await client.get("/v1/snapshot")
                statuses.append(r.status)
                if r.status == .tooManyRequests { refused = r }
            }
            #expect(statuses.first == .ok)
            let r = try #require(refused, "\(statuses)")
            #expect(r.headers[.retryAfter] == "1")
            #expect(try r.error["code"] as? String == "rate_limited")
            #expect(try r.error["retry_after_s"] as? Int == 1)
            // Buckets are per token: another token is not limited.
            #expect(try await client.get("/v1/snapshot", token: Tokens.grid).status == .ok)
            // /healthz is not rate limited.
            #expect(try await client.get("/healthz", token: nil).status == .ok)
        }
    }

    @Test func repeatedWrongTokensFromOneAddressAre429() async throws {
        let f = try Fixture()
        try await f.server({ $0.failedAuthPerMinute = 3 }).makeApplication().test(.live) { client async throws in
            // The budget: three failures a minute from one address, each answered 401.
            #expect(try await client.get("/v1/snapshot", token: "esep_" + String(repeating: "0", count: 64)).status == .unauthorized)
            #expect(try await client.get("/v1/snapshot", token: nil).status == .unauthorized)
            #expect(try await client.get("/v1/snapshot", token: nil, headers: [.authorization: "Basic abc"]).status == .unauthorized)
            // Spent: every request from the address is refused, the right token too, until it refills (20 s a failure).
            let refused = try await client.get("/v1/snapshot", token: "esep_" + String(repeating: "1", count: 64))
            #expect(refused.status == .tooManyRequests)
            let seconds = try #require(refused.headers[.retryAfter].flatMap { Int($0) })
            #expect((1...20).contains(seconds))
            #expect(try refused.error["code"] as? String == "rate_limited")
            #expect(try (refused.error["message"] as? String)?.contains("missing or wrong token") == true)
            #expect(try await client.get("/v1/snapshot", token: Tokens.admin).status == .tooManyRequests)
            // /healthz stays open.
            #expect(try await client.get("/healthz", token: nil).status == .ok)
        }
        // Right tokens are never counted: many requests with one stay 200.
        try await f.server({ $0.failedAuthPerMinute = 1 }).makeApplication().test(.live) { client async throws in
            for _ in 0..<5 { #expect(try await client.get("/v1/snapshot", token: Tokens.admin).status == .ok) }
        }
    }

    @Test func limitsComeFromTheConfig() {
        var section = APISection()
        section.failedAuthPerMinute = 7
        section.maxConnections = 9
        section.maxConcurrentRequests = 3
        section.idleTimeoutS = 11
        section.requestReadTimeoutS = 4
        section.responseWriteTimeoutS = 50
        section.snapshotCacheMs = 250
        section.maxQueryDays = 31
        let c = APIConfiguration(section)
        #expect(c.failedAuthPerMinute == 7)
        #expect(c.maxConnections == 9)
        #expect(c.maxConcurrentRequests == 3)
        #expect(c.idleTimeout == .seconds(11))
        #expect(c.requestReadTimeout == .seconds(4))
        #expect(c.responseWriteTimeout == .seconds(50))
        #expect(c.snapshotCacheTTL == .milliseconds(250))
        #expect(c.maxQueryRangeMs == 31 * 86_400_000)
    }

    @Test func intervalRoutesAre501UntilEnergyIsAvailable() async throws {
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            for uri in [
                "/v1/meters/M1/intervals?from=2026-06-01&to=2026-06-02", "/v1/site/intervals?from=2026-06-01&to=2026-06-02&step=1h",
                "/v1/site/quarters/2026Q3",
            ] {
                let r = try await client.get(uri)
                #expect(r.status == .notImplemented, "\(uri)")
                #expect(try r.error["code"] as? String == "not_yet_available")
                #expect((try r.error["message"] as? String)?.contains("not yet available") == true)
            }
        }
    }

    @Test func concurrencyCapIs503AndLargeBodyIs413() async throws {
        let f = try Fixture()
        try await f.server({ $0.maxConcurrentRequests = 0 }).makeApplication().test(.live) { client async throws in
            let r = try await client.get("/v1/snapshot")
            #expect(r.status == .serviceUnavailable)
            #expect(r.headers[.retryAfter] == "1")
            #expect(try r.error["code"] as? String == "overloaded")
        }
        try await f.server({ $0.maxRequestBodyBytes = 10 }).makeApplication().test(.live) { client async throws in
            let r = try await client.executeRequest(
                uri: "/v1/snapshot", method: .get, headers: [.authorization: "Bearer \(Tokens.admin)"],
                body: ByteBuffer(string: String(repeating: "x", count: 100)))
            #expect(r.status == .contentTooLarge)
            #expect(try r.error["code"] as? String == "body_too_large")
        }
    }

    @Test func loopbackIsOpenOnlyWhenConfigured() async throws {
        let f = try Fixture()
        try await f.server({ $0.openOnLoopback = true }).makeApplication().test(.live) { client async throws in
            #expect(try await client.get("/v1/snapshot", token: nil).status == .ok)
            #expect(try await client.get("/metrics", token: nil).status == .ok)
            // A token that is sent is still checked.
            #expect(try await client.get("/v1/snapshot", token: "esep_wrong").status == .unauthorized)
            #expect(try await client.get("/metrics", token: Tokens.grid).status == .forbidden)
        }
    }
}
