import Foundation
import Lifecycle
import Logging
import Synchronization
import Testing

/// Log lines for the journal and for a terminal.
@Suite struct LineLogHandlerTests {
    final class Lines: Sendable {
        let all = Mutex<[String]>([])
        var write: @Sendable (String) -> Void { { [self] line in all.withLock { $0.append(line) } } }
    }

    @Test func underSystemdLinesCarryTheSyslogPriorityAndNoTimestamp() {
        #expect(LineLogHandler.style(environment: ["JOURNAL_STREAM": "8:12345"]) == .journal)
        #expect(LineLogHandler.style(environment: [:]) == .timestamped)
        let lines = Lines()
        var logger = Logger(label: "esep") { LineLogHandler(label: $0, style: .journal, write: lines.write) }
        logger.logLevel = .debug
        logger.critical("store not writable", metadata: ["db": "/var/lib/esep/esep.sqlite"])
        logger.warning("deadline soon")
        logger.info("api listening")
        logger.notice("store writable again")
        logger.error("two\nlines")
        logger.debug("detail")
        #expect(
            lines.all.withLock { $0 } == [
                "<2>esep: store not writable db=/var/lib/esep/esep.sqlite [LifecycleTests]\n",
                "<4>esep: deadline soon [LifecycleTests]\n", "<6>esep: api listening [LifecycleTests]\n",
                "<5>esep: store writable again [LifecycleTests]\n", "<3>esep: two\\nlines [LifecycleTests]\n",
                "<7>esep: detail [LifecycleTests]\n",
            ])
    }

    @Test func elsewhereLinesStartWithTheSiteLocalTime() throws {
        let lines = Lines()
        let clock = LogClock()
        clock.setTimeZone("Asia/Almaty")
        let logger = Logger(label: "esep") { LineLogHandler(label: $0, style: .timestamped, clock: clock, write: lines.write) }
        logger.info("ingest started", metadata: ["devices": "6", "connections": "1"])
        let line = try #require(lines.all.withLock { $0.first })
        // 2026-12-05T03:40:00.123+05:00 info esep: … — ISO 8601 with the site's offset, keys sorted.
        let pattern = #"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+05:00 info esep: ingest started connections=1 devices=6 \[LifecycleTests\]\n$"#
        #expect(line.range(of: pattern, options: .regularExpression) != nil, "\(line)")
        #expect(clock.iso8601(Date(timeIntervalSince1970: 1_782_846_000)) == "2026-07-01T00:00:00.000+05:00")
        clock.setTimeZone("UTC")
        #expect(clock.iso8601(Date(timeIntervalSince1970: 1_782_846_000)) == "2026-06-30T19:00:00.000+00:00")
    }
}
