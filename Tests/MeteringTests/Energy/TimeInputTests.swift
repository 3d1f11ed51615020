import Foundation
import Testing

@testable import Metering

@Suite struct TimeInputTests {
    let almaty = SiteCalendar.almaty

    @Test func oneParserForEveryForm() throws {
        // A bare date is the start of that day site time (UTC+5 since 2024-03-01).
        #expect(try almaty.parseTime("2026-10-01", nowMs: 0) == 1_790_794_800_000)
        #expect(try almaty.parseTime("2026-10-01T08:30", nowMs: 0) == 1_790_794_800_000 + 8 * 3_600_000 + 30 * 60_000)
        #expect(try almaty.parseTime("2026-10-01T00:00:00Z", nowMs: 0) == 1_790_812_800_000)
        #expect(try almaty.parseTime("2026-10-01T00:00:00+05:00", nowMs: 0) == 1_790_794_800_000)
        #expect(try almaty.parseTime("1790794800000", nowMs: 0) == 1_790_794_800_000)
        #expect(try almaty.parseTime("now", nowMs: 42) == 42)
        // Before 2024-03-01 the site was UTC+6.
        #expect(try almaty.parseTime("2024-01-01", nowMs: 0) == 1_704_045_600_000)
    }

    @Test func extremesAreErrorsNotTraps() {
        for text in [
            "9223372036854775807", "-9223372036854775808", "99999999999999999999", "9999999999999999",
            "-9999999999999999", "10000-01-01",
        ] {
            #expect(throws: TimeInputError.self, "\(text)") { try almaty.parseTime(text, nowMs: 0) }
        }
        for text in ["", "x", "2026-02-30", "2026-13-01", "2026-10-01T24:00", "1e18", "2026-10-01T00:00:00+19:00"] {
            #expect(throws: TimeInputError.self, "\(text)") { try almaty.parseTime(text, nowMs: 0) }
        }
        // The ends of the four-digit years are taken, in any offset.
        #expect((try? almaty.parseTime("0001-01-01", nowMs: 0)) != nil)
        #expect((try? almaty.parseTime("9999-12-31T23:59:59.999-12:00", nowMs: 0)) != nil)
        let error = #expect(throws: TimeInputError.self) { try almaty.parseTime("9223372036854775807", nowMs: 0) }
        #expect(error?.description.contains("out of range") == true)
    }

    /// The calendar's own arithmetic clamps: no instant, however far, traps it.
    @Test func calendarArithmeticNeverTraps() {
        for t in [Int64.min, Int64.min + 1, -1, 0, Int64.max - 1, Int64.max] {
            for step in [IntervalStep.minutes(15), .hour, .day, .month, .quarter, .year] {
                let b = almaty.boundary(after: t, step: step)
                let a = almaty.boundary(atOrBefore: t, step: step)
                #expect(a < b)
                _ = almaty.period(containing: t, step: step)
            }
            _ = almaty.iso8601(t)
            _ = almaty.localDate(at: t)
        }
    }

    /// An energy register value that does not fit Int64 Wh is missing, never a wrapped number.
    @Test func anOverflowingEnergyRegisterIsMissing() throws {
        let field = RegisterField(
            ChannelName(.energyImport), space: .holdingRegisters, address: 0, type: .u64, unit: .kilowattHour)
        #expect(field.scaled(.unsigned(UInt64(Int64.max) / 10)) == .missing)
        #expect(field.scaled(.unsigned(12_345)) == .energy(12_345_000))
    }
}
