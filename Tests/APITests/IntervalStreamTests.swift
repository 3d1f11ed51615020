import Compliance
import API
import Foundation
import Hummingbird
import HummingbirdTesting
import Metering
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// An energy source that makes intervals on the fly: 100 Wh import and 1 Wh export per 15 min
/// for M1, each interval flagged `estimated` when its index is a multiple of 97.
struct SyntheticEnergy: EnergyDataSource {
    struct Intervals: AsyncSequence, Sendable {
        let query: IntervalQuery
        let scale: Int64

        struct AsyncIterator: AsyncIteratorProtocol {
            var next: Int64
            let end: Int64
            let step: Int64
            let scale: Int64
            mutating func next() async throws -> EnergyPeriod? {
                guard next < end else { return nil }
                defer { next += step }
                let index = next / step
                return EnergyPeriod(
                    startMs: next, endMs: next + step, wh: index % 89 == 0 ? nil : 100 * scale,
                    quality: index % 89 == 0 ? .missing : index % 97 == 0 ? .estimated : .measured,
                    completeness: index % 97 == 0 ? 0.5 : 1, flags: index % 97 == 0 ? ["gap"] : [])
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(next: query.fromMs, end: query.toMs, step: query.step.nominalLengthMs, scale: scale)
        }
    }

    func meterIntervals(meter: String, query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable {
        Intervals(query: query, scale: 1)
    }

    func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable {
        Intervals(query: query, scale: query.step.nominalLengthMs / 900_000)
    }

    func quarter(_ quarter: Quarter) async throws -> QuarterTotals? {
        guard quarter.year <= 2026 else { return nil }
        return QuarterTotals(
            quarter: quarter.description, fromMs: 0, toMs: 1, siteWh: 883_200, completeness: 0.999, final: true,
            meters: [
                .init(id: "M1", wh: 883_200, quality: .estimated, completeness: 0.999, flags: ["gap"]),
                .init(id: "M2", role: "check", sign: 0, wh: nil, quality: .missing, completeness: 0),
            ])
    }

    func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate {
        PeriodsToDate(
            quarter: PeriodEnergy(period: "2026Q4", fromMs: 0, toMs: nowMs, siteWh: 5_000, completeness: 1),
            month: PeriodEnergy(period: "2026-11", fromMs: 0, toMs: nowMs, siteWh: 1_000, completeness: 0.98))
    }
}

@Suite struct IntervalStreamTests {
    /// 2026Q3 in Asia/Almaty: 2026-06-30T19:00Z … 2026-09-30T19:00Z, 8,832 quarter-hours.
    static let q3 = "from=2026-07-01&to=2026-10-01"

    @Test func aQuarterOf15MinuteIntervalsStreamsAsJSONAndCSVThatAgree() async throws {
        let f = try Fixture()
        try await f.server(energy: SyntheticEnergy()).makeApplication().test(.live) { client async throws in
            let json = try await client.get("/v1/meters/M1/intervals?\(Self.q3)", token: Tokens.data)
            #expect(json.status == .ok)
            #expect(json.headers[.contentLength] == nil)  // streamed (chunked), not built in memory
            let body = try json.json
            #expect(body["meter"] as? String == "M1")
            #expect(body["from"] as? String == "2026-07-01T00:00:00+05:00")
            let intervals = try #require(body["intervals"] as? [[String: Any]])
            #expect(intervals.count == 8_832)
            let missing = intervals.filter { $0["wh"] is NSNull }
            #expect(missing.count == 99)  // wh is null, never 0, when missing
            #expect(missing.allSatisfy { $0["quality"] as? String == "missing" })
            #expect(intervals.reduce(Int64(0)) { $0 + ((($1["wh"]) as? NSNumber)?.int64Value ?? 0) } == 873_300)

            let csv = try await client.get("/v1/meters/M1/intervals?\(Self.q3)&format=csv", token: Tokens.data)
            #expect(csv.headers[.contentType]?.hasPrefix("text/csv") == true)
            let rows = csv.csvRows
            #expect(rows.count == intervals.count)
            for (row, i) in zip(rows, intervals) {
                #expect(Int64(row["start_ms"] ?? "") == i["start_ms"] as? Int64)
                #expect(row["end"] == i["end"] as? String)
                #expect(Int64(row["wh"] ?? "") == (i["wh"] as? NSNumber)?.int64Value)
                #expect(row["quality"] == i["quality"] as? String)
                #expect(row["open"] == String(i["open"] as? Bool ?? true))
                #expect(Double(row["completeness"] ?? "") == number(i["completeness"]))
                #expect(row["flags"] == (i["flags"] as? [String])?.joined(separator: " "))
            }

            let site = try await client.get("/v1/site/intervals?\(Self.q3)&step=1d", token: Tokens.data)
            let days = try #require(try site.json["intervals"] as? [[String: Any]])
            #expect(days.count == 92)
            #expect(try site.json["site"] as? String == "Test site")
        }
    }

    @Test func quarterTotalsAndPeriodsToDate() async throws {
        let f = try Fixture()
        try await f.server(energy: SyntheticEnergy()).makeApplication().test(.live) { client async throws in
            let q = try await client.get("/v1/site/quarters/2026Q3", token: Tokens.data)
            #expect(q.status == .ok)
            #expect(try q.json["quarter"] as? String == "2026Q3")
            #expect(try q.json["site_wh"] as? Int == 883_200)
            let meters = try #require(try q.json["meters"] as? [[String: Any]])
            let csv = try await client.get("/v1/site/quarters/2026q3?format=csv", token: Tokens.data).csvRows
            #expect(csv.count == meters.count)
            for (row, m) in zip(csv, meters) {
                #expect(row["meter"] == m["id"] as? String)
                #expect(Int(row["wh"] ?? "") == m["wh"] as? Int)
                #expect(Double(row["completeness"] ?? "") == number(m["completeness"]))
            }
            let future = try await client.get("/v1/site/quarters/2027Q1", token: Tokens.data)
            #expect(future.status == .notFound)
            let snapshot = try await client.get("/v1/snapshot")
            let energy = try #require(try snapshot.json["energy"] as? [String: Any])
            #expect(energy["available"] as? Bool == true)
            #expect((energy["month_to_date"] as? [String: Any])?["period"] as? String == "2026-11")
        }
    }
}

@Suite struct TimestampTests {
    @Test func formatsAndParsesTimes() async throws {
        // Via the events route, which echoes its parsed range.
        let f = try Fixture()
        try await f.server().makeApplication().test(.live) { client async throws in
            let cases: [(String, String)] = [
                ("1780272000000", "2026-06-01T00:00:00.000Z"),
                ("2026-06-01T05:00:00%2B05:00", "2026-06-01T00:00:00.000Z"),
                ("2026-06-01T00:00:00.250Z", "2026-06-01T00:00:00.250Z"),
                ("2026-06-01", "2026-05-31T19:00:00.000Z"),  // midnight Asia/Almaty (UTC+5)
                ("2024-02-29", "2024-02-28T18:00:00.000Z"),  // UTC+6 before 2024-03-01
                ("1969-12-31T23:59:59.999Z", "1969-12-31T23:59:59.999Z"),
            ]
            for (input, expected) in cases {
                let r = try await client.get("/v1/events?from=\(input)", token: Tokens.data)
                #expect(r.status == .ok, "\(input): \(r.text)")
                #expect(try r.json["from"] as? String == expected, "\(input)")
            }
        }
    }
}

/// Intervals made on the fly that stop after `gateAfter` until the test opens the gate: a server
/// that built the whole response before sending would never send a byte.
final class GatedEnergy: EnergyDataSource {
    let gateAfter: Int
    let produced = Atomic<Int>(0)
    let open = Atomic<Bool>(false)
    let finished = Atomic<Bool>(false)

    init(gateAfter: Int) { self.gateAfter = gateAfter }

    struct Timeout: Error {}

    struct Intervals: AsyncSequence, Sendable {
        let source: GatedEnergy
        let query: IntervalQuery

        struct AsyncIterator: AsyncIteratorProtocol {
            let source: GatedEnergy
            var next: Int64
            let end: Int64
            let step: Int64
            mutating func next() async throws -> EnergyPeriod? {
                guard next < end else {
                    source.finished.store(true, ordering: .relaxed)
                    return nil
                }
                if source.produced.load(ordering: .relaxed) >= source.gateAfter {
                    var waited = 0
                    while !source.open.load(ordering: .relaxed) {
                        waited += 1
                        if waited > 1_000 { throw Timeout() }  // 10 s: the client never got the first bytes
                        try await Task.sleep(for: .milliseconds(10))
                    }
                }
                source.produced.wrappingAdd(1, ordering: .relaxed)
                defer { next += step }
                return EnergyPeriod(
                    startMs: next, endMs: next + step, wh: 100, quality: .measured, completeness: 1, flags: [])
            }
        }

        func makeAsyncIterator() -> AsyncIterator {
            AsyncIterator(source: source, next: query.fromMs, end: query.toMs, step: query.step.nominalLengthMs)
        }
    }

    func meterIntervals(meter: String, query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable {
        Intervals(source: self, query: query)
    }

    func siteIntervals(query: IntervalQuery) async throws -> any AsyncSequence<EnergyPeriod, any Error> & Sendable {
        Intervals(source: self, query: query)
    }

    func quarter(_ quarter: Quarter) async throws -> QuarterTotals? { nil }

    func periodsToDate(nowMs: Int64) async throws -> PeriodsToDate {
        PeriodsToDate(
            quarter: PeriodEnergy(period: "2026Q4", fromMs: 0, toMs: nowMs, siteWh: 0, completeness: 0),
            month: PeriodEnergy(period: "2026-11", fromMs: 0, toMs: nowMs, siteWh: 0, completeness: 0))
    }
}

extension IntervalStreamTests {
    /// A quarter of 15-minute intervals leaves the server in chunks while the rest is still being
    /// produced: the response is never built whole in memory.
    @Test func aQuarterIsSentWhileItIsStillBeingProduced() async throws {
        let f = try Fixture()
        let source = GatedEnergy(gateAfter: 2_000)  // ~400 kB of JSON, many 32 KiB chunks
        try await f.server(energy: source).makeApplication().test(.live) { client async throws in
            let port = try #require(client.port)
            let request =
                "GET /v1/site/intervals?\(Self.q3) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(Tokens.data)\r\n"
                + "Connection: close\r\n\r\n"
            let (body, first) = try await onThread {
                var atFirstBytes: (produced: Int, finished: Bool)? = nil
                let body = try streamingRequest(port: port, request, firstBytes: 64 * 1024, waitSeconds: 20) {
                    atFirstBytes = (source.produced.load(ordering: .relaxed), source.finished.load(ordering: .relaxed))
                    source.open.store(true, ordering: .relaxed)
                }
                return (body, atFirstBytes ?? (-1, true))
            }
            // The client had 64 KiB while production was held at 2,000 intervals of 8,832.
            #expect(first.produced <= 2_000)
            #expect(!first.finished)
            // And then the whole quarter, properly ended.
            let text = String(decoding: body, as: UTF8.self)
            #expect(text.contains("transfer-encoding: chunked") || text.contains("Transfer-Encoding: chunked"))
            #expect(text.hasSuffix("]}\r\n0\r\n\r\n"))
            #expect(text.components(separatedBy: "\"start_ms\":").count - 1 == 8_832)
            #expect(source.produced.load(ordering: .relaxed) == 8_832)
        }
    }
}

/// Runs blocking socket work on a thread of its own (never on Swift concurrency's few threads).
func onThread<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread { continuation.resume(with: Result { try work() }) }.start()
    }
}

/// Sends `text` to 127.0.0.1:`port` and reads the whole response (until the server closes);
/// `atFirstBytes` runs once `firstBytes` have arrived. Each read waits at most `waitSeconds`.
func streamingRequest(
    port: Int, _ text: String, firstBytes: Int, waitSeconds: Int, atFirstBytes: () -> Void
) throws -> [UInt8] {
    struct Failure: Error, CustomStringConvertible { var description: String }
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: waitSeconds, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var a = sockaddr_in()
    a.sin_family = sa_family_t(AF_INET)
    a.sin_port = in_port_t(UInt16(port).bigEndian)
    inet_pton(AF_INET, "127.0.0.1", &a.sin_addr)
    let connected = withUnsafePointer(to: &a) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) == 0 }
    }
    guard connected else { throw Failure(description: "connect: errno \(errno)") }
    let bytes = Array(text.utf8)
    _ = bytes.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var received: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 16 * 1024)
    var calledBack = false
    while true {
        let n = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if n == 0 { return received }
        guard n > 0 else { throw Failure(description: "recv after \(received.count) bytes: errno \(errno)") }
        received += chunk[0..<n]
        if !calledBack, received.count >= firstBytes {
            calledBack = true
            atFirstBytes()
        }
    }
}

extension IntervalStep {
    /// A step's nominal length for the synthetic sources: a day for `1d` (and longer steps).
    var nominalLengthMs: Int64 { fixedLengthMs ?? 86_400_000 }
}
