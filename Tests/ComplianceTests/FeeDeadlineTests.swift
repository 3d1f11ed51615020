import Compliance
import Metering
import Testing

@Suite("Fee deadlines (Tax Code art. 64 p.2 rollover)")
struct FeeDeadlineTests {
    let engine = DeadlineEngine()

    struct Expected: Sendable, CustomStringConvertible {
        let quarter: String
        let declaration: String, declarationWeekday: Weekday, declarationUnadjusted: String
        let payment: String, paymentWeekday: Weekday
        var description: String { quarter }
    }

    static let expected: [Expected] = [
        Expected(
            quarter: "2026Q1", declaration: "2026-05-15", declarationWeekday: .friday,
            declarationUnadjusted: "2026-05-15",
            payment: "2026-05-25", paymentWeekday: .monday),
        Expected(
            quarter: "2026Q2", declaration: "2026-08-17", declarationWeekday: .monday,
            declarationUnadjusted: "2026-08-15",
            payment: "2026-08-25", paymentWeekday: .tuesday),
        Expected(
            quarter: "2026Q3", declaration: "2026-11-16", declarationWeekday: .monday,
            declarationUnadjusted: "2026-11-15",
            payment: "2026-11-25", paymentWeekday: .wednesday),
        Expected(
            quarter: "2026Q4", declaration: "2027-02-15", declarationWeekday: .monday,
            declarationUnadjusted: "2027-02-15",
            payment: "2027-02-25", paymentWeekday: .thursday),
        Expected(
            quarter: "2027Q1", declaration: "2027-05-17", declarationWeekday: .monday,
            declarationUnadjusted: "2027-05-15",
            payment: "2027-05-25", paymentWeekday: .tuesday),
    ]

    @Test("declaration and payment, 2026Q1 – 2027Q1", arguments: expected)
    func feeDates(_ e: Expected) throws {
        let list = engine.deadlines(
            from: day("2026-04-01"), until: day("2027-07-01"), roles: [.miner], today: day("2026-04-01"))
        let decl = try #require(list.first { $0.rule.documentID == "fee_declaration" && $0.period.label == e.quarter })
        let pay = try #require(list.first { $0.rule.documentID == "fee_payment" && $0.period.label == e.quarter })
        #expect(decl.dueDate == day(e.declaration))
        #expect(decl.weekday == e.declarationWeekday)
        #expect(decl.unadjustedDate == day(e.declarationUnadjusted))
        #expect(decl.isRolledOver == (e.declaration != e.declarationUnadjusted))
        #expect(pay.dueDate == day(e.payment))
        #expect(pay.weekday == e.paymentWeekday)
        #expect(decl.rule.id == "fee_declaration-2026")
        #expect(decl.rule.rollsOver && pay.rule.rollsOver)
    }

    @Test("2026Q2: 15 Aug 2026 is a Saturday, so the declaration is due Mon 17 Aug")
    func q2Declaration() throws {
        let rule = try #require(DeadlineRule.kazakhstan.first { $0.id == "fee_declaration-2026" })
        let q2 = try #require(ReportingPeriod.quarter(year: 2026, number: 2))
        #expect(q2.start == day("2026-04-01") && q2.end == day("2026-07-01"))
        let d = engine.deadline(rule: rule, period: q2, today: day("2026-08-14"))
        #expect(d.unadjustedDate.weekday == .saturday)
        #expect(d.dueDate == day("2026-08-17"))
        #expect(d.calendarDaysLeft == 3)
        #expect(d.workingDaysLeft == 1)  // Fri 14 Aug only
        #expect(d.status == .dueSoon)
    }

    @Test("2025Q4 falls under the 2023–2025 regime (Tax Code 2017), miners only")
    func q4of2025() throws {
        let list = engine.deadlines(
            from: day("2026-01-01"), until: day("2026-03-01"), roles: [.miner], today: day("2026-01-01"))
        let decl = try #require(list.first { $0.rule.documentID == "fee_declaration" })
        #expect(decl.rule.id == "fee_declaration-2023")
        #expect(decl.period.label == "2025Q4")
        #expect(decl.dueDate == day("2026-02-16"))  // 15 Feb 2026 is a Sunday
        let hosting = engine.deadlines(
            from: day("2026-01-01"), until: day("2026-03-01"), roles: [.hostingProvider], today: day("2026-01-01"))
        #expect(!hosting.contains { $0.rule.documentID == "fee_declaration" })
        let hosting2026 = engine.deadlines(
            from: day("2026-05-01"), until: day("2026-06-01"), roles: [.hostingProvider], today: day("2026-05-01"))
        #expect(hosting2026.map(\.rule.id) == ["fee_declaration-2026", "fee_payment-2026"])
    }

    @Test("days left, counted against an independent list of 2026 days off")
    func daysLeft() throws {
        let offs = Set(
            days(
                "2026-01-01", "2026-01-02", "2026-01-07", "2026-03-09", "2026-03-23", "2026-03-24", "2026-03-25",
                "2026-05-01", "2026-05-07", "2026-05-11", "2026-05-27", "2026-07-06", "2026-10-26", "2026-12-16"))
        let today = day("2026-05-01")
        let list = engine.deadlines(from: today, until: day("2027-01-01"), roles: [.miner], today: today)
        #expect(list.count == 6)
        for d in list {
            var n = 0
            var x = today
            while x < d.dueDate {
                if !x.weekday.isWeekend && !offs.contains(x) { n += 1 }
                x = x.adding(days: 1)
            }
            #expect(d.workingDaysLeft == n, "\(d.key)")
            #expect(d.calendarDaysLeft == Int(d.dueDate.daysSinceEpoch - today.daysSinceEpoch))
        }
        let q2 = try #require(list.first { $0.key == "fee_declaration-2026.2026Q2" })
        #expect(q2.calendarDaysLeft == 108)
    }

    @Test("overdue counts are negative; generated wins over overdue")
    func overdue() throws {
        let list = engine.deadlines(
            from: day("2026-05-01"), until: day("2026-06-01"), roles: [.miner], today: day("2026-05-20"))
        var decl = try #require(list.first { $0.rule.documentID == "fee_declaration" })
        #expect(decl.calendarDaysLeft == -5)
        #expect(decl.workingDaysLeft == -3)  // 15, 18, 19 May
        #expect(decl.status == .overdue)
        #expect(decl.generated == nil)
        decl.generated = true
        #expect(decl.status == .generated)
        let pay = try #require(list.first { $0.rule.documentID == "fee_payment" })
        #expect(pay.status == .dueSoon)
    }
}
