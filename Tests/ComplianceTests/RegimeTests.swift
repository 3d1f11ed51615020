import Compliance
import Metering
import Testing

@Suite("Rule regimes and event deadlines")
struct RegimeTests {
    let engine = DeadlineEngine()

    @Test("quarterly notice for 2022Q4 is due Tue 10 Jan 2023 (2022 template)")
    func q4of2022() throws {
        let list = engine.deadlines(
            from: day("2023-01-01"), until: day("2023-02-01"), roles: [.miner], today: day("2023-01-02"))
        let notice = try #require(list.first { $0.rule.documentID == "quarterly_notice" })
        #expect(notice.period.label == "2022Q4")
        #expect(notice.dueDate == day("2023-01-10"))
        #expect(notice.weekday == .tuesday)
        #expect(notice.rule.templateVersion == "2022")
        #expect(notice.rule.sources.first?.citation.hasPrefix("000_434c57f1568eb04d.txt, rule 4") == true)
        #expect(!notice.regimeEndedBeforeDue)
    }

    @Test("no quarterly notice rule covers 2023Q3; 2023Q2 is listed and flagged")
    func endOfInforming() throws {
        let q3 = try #require(ReportingPeriod.quarter(year: 2023, number: 3))
        let q2 = try #require(ReportingPeriod.quarter(year: 2023, number: 2))
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q3) == nil)
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q2)?.id == "quarterly_notice-2022")

        let list = engine.deadlines(
            from: day("2023-06-01"), until: day("2024-06-01"), roles: [.miner], today: day("2023-06-01"))
        let notices = list.filter { $0.rule.documentID == "quarterly_notice" }
        #expect(notices.map(\.period.label) == ["2023Q2"])
        let n = try #require(notices.first)
        #expect(n.dueDate == day("2023-07-10"))
        #expect(n.regimeEndedBeforeDue)
        // The plata figures for 2023Q2 (due 15 Aug 2023) likewise.
        #expect(list.filter { $0.rule.documentID == "plata_figures" }.map(\.period.label) == ["2023Q2"])
    }

    @Test("the template version follows the period: 2020 rules to 2021Q4, 2022 rules from 2022Q1")
    func templateVersions() throws {
        let q4of2021 = try #require(ReportingPeriod.quarter(year: 2021, number: 4))
        let q1of2022 = try #require(ReportingPeriod.quarter(year: 2022, number: 1))
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q4of2021)?.templateVersion == "2020")
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q1of2022)?.templateVersion == "2022")
        let q1of2020 = try #require(ReportingPeriod.quarter(year: 2020, number: 1))
        let q4of2019 = try #require(ReportingPeriod.quarter(year: 2019, number: 4))
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q1of2020)?.templateVersion == "2020")
        #expect(engine.applicableRule(documentID: "quarterly_notice", for: q4of2019) == nil)
        let list = engine.deadlines(
            from: day("2022-01-01"), until: day("2022-02-01"), roles: [.miner], today: day("2022-01-01"))
        let n = try #require(list.first { $0.rule.documentID == "quarterly_notice" })
        #expect(n.period.label == "2021Q4" && n.rule.id == "quarterly_notice-2020" && n.dueDate == day("2022-01-10"))
    }

    @Test("1-ЦМ is for pools only, monthly, by the 25th of the next month")
    func form1CM() throws {
        let miner = engine.deadlines(
            from: day("2026-11-01"), until: day("2026-12-01"), roles: [.miner], today: day("2026-11-01"))
        #expect(!miner.contains { $0.rule.documentID == "form_1cm" })
        let pool = engine.deadlines(
            from: day("2026-11-01"), until: day("2026-12-01"), roles: [.pool], today: day("2026-11-01"))
        #expect(pool.map(\.rule.id) == ["form_1cm-2023"])
        let d = try #require(pool.first)
        #expect(d.period.label == "2026-10")
        #expect(d.period.start == day("2026-10-01") && d.period.end == day("2026-11-01"))
        #expect(d.dueDate == day("2026-11-25") && d.weekday == .wednesday)
        // The first month covered is July 2023 (June 2023 starts before 2023-06-04).
        let first = engine.deadlines(
            from: day("2023-01-01"), until: day("2023-12-01"), roles: [.pool], today: day("2023-01-01"))
        #expect(first.first?.period.label == "2023-07")
        #expect(first.first?.dueDate == day("2023-08-25"))
    }

    @Test("event deadlines: pool change, 1-ЦМ correction, planned activity, termination")
    func events() throws {
        let poolChange = engine.deadlines(
            from: day("2026-01-01"), until: day("2027-01-01"), roles: [.miner, .pool],
            events: [.poolChange: [day("2026-03-20")], .distributionCorrection: [day("2026-03-20")]],
            today: day("2026-03-20"))
        let change = try #require(poolChange.first { $0.rule.documentID == "pool_change_notice" })
        #expect(change.period.label == "pool_change 2026-03-20")
        #expect(change.dueDate == day("2026-03-27"))  // 21–25 Mar off: 26 (1), 27 (2)
        #expect(change.workingDaysLeft == 2)  // Fri 20 and Thu 26 Mar
        let correction = try #require(poolChange.first { $0.rule.documentID == "form_1cm_correction" })
        #expect(correction.dueDate == day("2026-04-08"))

        let informing = engine.deadlines(
            from: day("2022-01-01"), until: day("2024-01-01"), roles: [.miner],
            events: [
                .activityStart: [day("2022-09-05")], .activityEnd: [day("2023-03-12"), day("2023-07-01")],
                .poolChange: [day("2023-01-10")],
            ],
            today: day("2022-08-01"))
        let planned = try #require(informing.first { $0.rule.documentID == "planned_activity_notice" })
        #expect(planned.dueDate == day("2022-08-06"))  // a Saturday: a before-deadline does not roll over
        #expect(planned.weekday == .saturday && !planned.isRolledOver && !planned.rule.rollsOver)
        let ends = informing.filter { $0.rule.documentID == "termination_notice" }
        #expect(ends.count == 1)  // 2023-07-01 is after the informing rules
        #expect(ends.first?.unadjustedDate == day("2023-03-22"))
        #expect(ends.first?.dueDate == day("2023-03-24"))  // 22, 23 Mar 2023: Nauryz
        #expect(!informing.contains { $0.rule.documentID == "pool_change_notice" })  // before licensing
    }

    @Test("the shipped rules are well-formed: unique ids, sources, every role served")
    func shippedRules() {
        let rules = DeadlineRule.kazakhstan
        #expect(Set(rules.map(\.id)).count == rules.count)
        for r in rules {
            #expect(!r.sources.isEmpty, "\(r.id)")
            #expect(!r.appliesTo.isEmpty, "\(r.id)")
            #expect(!r.rolloverBasis.isEmpty, "\(r.id)")
        }
        for role in SiteRole.allCases { #expect(rules.contains { $0.appliesTo.contains(role) }, "\(role)") }
        // Versions of one document never overlap.
        for doc in Set(rules.map(\.documentID)) {
            let versions = rules.filter { $0.documentID == doc }.sorted { $0.regime.from < $1.regime.from }
            for (a, b) in zip(versions, versions.dropFirst()) {
                #expect(a.regime.until.map { $0 <= b.regime.from } ?? false, "\(a.id) overlaps \(b.id)")
            }
        }
    }
}
