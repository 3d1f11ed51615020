import Compliance
import Foundation
import Metering
import SiteConfig
import Store
import Testing

/// Reading a day's purchase schedule, and the day against the read model's hourly energy.
@Suite struct PurchaseScheduleTests {
    static let date = LocalDate("2026-07-01")!

    static func csv(_ rows: [String], header: String = "hour,kwh") -> [UInt8] {
        Array(([header] + rows).joined(separator: "\n").utf8)
    }

    static func goodRows(_ kwh: (Int) -> String = { "\($0 * 100).5" }) -> [String] { (1...24).map { "\($0),\(kwh($0))" } }

    func problems(_ bytes: [UInt8], format: ScheduleParser.Format = .csv, date: LocalDate? = Self.date) -> [ScheduleProblem] {
        do {
            _ = try ScheduleParser.parse(bytes, format: format, file: "day.csv", date: date, calendar: .almaty)
            return []
        } catch {
            return error.problems
        }
    }

    @Test func csvAndBothJSONFormsGiveTheSameExactWattHours() throws {
        let fromCSV = try ScheduleParser.parse(Self.csv(Self.goodRows()), format: .csv, file: "d.csv", date: Self.date, calendar: .almaty)
        #expect(fromCSV.hours.count == 24)
        #expect(fromCSV.hours[0].purchasedWh == 100_500)
        #expect(fromCSV.hours[23].purchasedWh == 2_400_500)
        // Hour 1 starts at local midnight (+05:00).
        #expect(fromCSV.hours[0].startMs == SiteCalendar.almaty.startOfDay(Self.date))
        let objects = (1...24).map { #"{"hour": \#($0), "kwh": \#($0 * 100).5}"# }.joined(separator: ",\n")
        let json = #"{"date": "2026-07-01", "zone": "Asia/Almaty", "unit": "kWh", "hours": [\#(objects)]}"#
        let fromJSON = try ScheduleParser.parse(Array(json.utf8), format: .json, file: "d.json", date: nil, calendar: .almaty)
        #expect(fromJSON == fromCSV)
        let plain = #"{"date": "2026-07-01", "hours": [\#((1...24).map { "\($0 * 100).5" }.joined(separator: ", "))]}"#
        #expect(try ScheduleParser.parse(Array(plain.utf8), format: .json, file: "d.json", date: Self.date, calendar: .almaty) == fromCSV)
        // Decimals are read as text: 0.1 + 0.2 kWh is 300 Wh, 3 decimals exactly.
        #expect(try ScheduleParser.wattHours(kWh: "0.001").get() == 1)
        #expect(try ScheduleParser.wattHours(kWh: "1234.567").get() == 1_234_567)
        #expect(try ScheduleParser.wattHours(kWh: "10000000").get() == 10_000_000_000)
    }

    @Test func valuesThatCannotBeWattHoursAreRefusedWithoutTrapping() {
        for text in ["1.2345", "1e3", "12,5", "-1", "abc", "", "99999999999999999999999", "10000000.001", "NaN", "0x10", "1..2"] {
            guard case .failure = ScheduleParser.wattHours(kWh: text) else {
                Issue.record("'\(text)' was accepted")
                continue
            }
        }
    }

    @Test func theDayHasAsManyHoursAsItsTimeZoneGivesIt() throws {
        let berlin = try #require(SiteCalendar(identifier: "Europe/Berlin"))
        #expect(PurchaseSchedule.hours(of: LocalDate("2026-03-29")!, calendar: berlin).count == 23)
        #expect(PurchaseSchedule.hours(of: LocalDate("2026-10-25")!, calendar: berlin).count == 25)
        #expect(PurchaseSchedule.hours(of: LocalDate("2026-07-01")!, calendar: berlin).count == 24)
        #expect(PurchaseSchedule.hours(of: Self.date, calendar: .almaty).count == 24)
        // 24 hours on the 23-hour day: hour 24 is out of range.
        let rows = (1...24).map { "\($0),1" }
        do {
            _ = try ScheduleParser.parse(Self.csv(rows), format: .csv, file: "d.csv", date: LocalDate("2026-03-29")!, calendar: berlin)
            Issue.record("24 hours accepted on a 23-hour day")
        } catch {
            #expect(error.description.contains("d.csv:25:1: hour: hour 24 is out of range: 2026-03-29 has 23 hours"), "\(error)")
        }
    }

    @Test func everyProblemNamesFileLineAndColumn() {
        var rows = Self.goodRows()
        rows[4] = "5,-12"  // line 6
        rows[6] = "7,12,3"  // line 8
        rows[8] = "9,twelve"  // line 10
        rows[10] = "3,1"  // line 12: hour 3 again, and 11 missing
        let found = problems(Self.csv(rows)).map(\.description)
        #expect(found.contains("day.csv:6:2: kwh: negative value -12: a purchase is 0 kWh or more"), "\(found)")
        #expect(found.contains("day.csv:8:3: the row has 3 columns, the header 2"), "\(found)")
        #expect(found.contains { $0.hasPrefix("day.csv:10:2: kwh: 'twelve' is not a number") }, "\(found)")
        #expect(found.contains("day.csv:12:1: hour: hour 3 is given twice (first on line 4)"), "\(found)")
        #expect(found.contains { $0.hasPrefix("day.csv:1:1: hour: hours 7, 11 missing") }, "\(found)")
        // The file's date against the one asked for; a date column is one day.
        let dated = (1...24).map { "\($0),1,\($0 == 3 ? "2026-07-02" : "2026-07-01")" }
        let dateProblems = problems(Self.csv(dated, header: "hour,kwh,date")).map(\.description)
        #expect(dateProblems.contains("day.csv:4:3: date: 2026-07-02 differs from 2026-07-01 on line 2: one file is one day"), "\(dateProblems)")
        let wrong = problems(Self.csv((1...24).map { "\($0),1,2026-07-02" }, header: "hour,kwh,date")).map(\.description)
        #expect(wrong == ["day.csv:2:3: date: the file is for 2026-07-02 but --date says 2026-07-01"])
        // JSON: the member path is the column.
        let json = #"{"hours": [1, 2, -3]}"#
        let jsonFound = problems(Array(json.utf8), format: .json)
        let jsonProblems = jsonFound.map(\.description)
        #expect(jsonProblems.contains("day.csv:1:18: hours[2]: negative value -3: a purchase is 0 kWh or more"), "\(jsonProblems)")
        // Not JSON at all is malformed; a wrong value is not.
        let notJSON = problems(Array(#"{"hours": [1,"#.utf8), format: .json)
        let notJSONIsSyntax = !notJSON.isEmpty && notJSON.allSatisfy { $0.isSyntax }
        let valueIsSyntax = jsonFound.contains { $0.isSyntax }
        #expect(notJSONIsSyntax)
        #expect(!valueIsSyntax)
    }

    /// The report's consumed figures are the read model's hourly site energy, to the Wh.
    @Test func theDayAgainstConsumptionIsTheReadModelsHourlyEnergy() async throws {
        let (report, periods) = try await offPool { () throws -> (PurchaseDay, [EnergyRollup]) in
            let f = try ReadModelFixture()
            let model = f.model(fill: true)
            let schedule = PurchaseSchedule.uniform(date: Self.date, calendar: .almaty) { hour, _ in Int64(hour) * 10_000 }
            let stored = try f.store.recordSchedule(schedule.record(source: "test.csv", requestedBy: "test", createdMs: f.nowMs))
            let report = try model.purchaseDay(stored)
            let periods = try model.periods(
                meter: nil, step: .hour, fromMs: SiteCalendar.almaty.startOfDay(Self.date),
                toMs: SiteCalendar.almaty.startOfDay(Self.date.adding(days: 1)))
            #expect(try f.store.verifyAudit().isIntact)
            return (report, periods)
        }
        #expect(report.hours.count == 24)
        #expect(periods.count >= 4)
        for p in periods {
            let h = try #require(report.hours.first { $0.startMs == p.startMs })
            #expect(h.consumedWh == (p.hasValue ? p.wh : nil), "hour \(h.hour)")
            #expect(h.quality == p.quality)
            if let c = h.consumedWh {
                let difference = c - h.purchasedWh
                #expect(h.differenceWh == difference)
            }
        }
        #expect(report.consumedWh == periods.filter(\.hasValue).reduce(0) { $0 + $1.wh })
        // Hours after now have no consumption.
        #expect(report.hours.last?.consumedWh == nil)
    }
}
