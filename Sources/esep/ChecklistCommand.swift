import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep checklist`: the inspection checklist's items evaluated against the config and live evidence.
struct ChecklistCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "checklist",
        abstract: "Readiness checklist: the miner items of the inspection checklist and the licensing requirements, met / not met / cannot tell, with the evidence.",
        discussion: """
            esep checklist --config /etc/esep/esep.toml
            esep checklist --config /etc/esep/esep.toml --period 2026Q3 --format json
            Evaluates 001_cc534a2e440ff2e5.txt (miner items 5 and 7) and 002_a3d5801c8847d993.txt
            (licence, requirement 4 pool change notified, requirement 5 ASKUE, SAON and the grid
            operator's pull) against the config, the devices' polling health and each meter's
            completeness over --period (default: the last completed quarter). The printable document
            is `esep report checklist`.
            """)

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The quarter whose completeness is evaluated (default: the last completed one).")
    var period: String?

    @Option(help: "table or json.")
    var format: ChecklistFormat = .table

    enum ChecklistFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() throws {
        let (_, site, model) = try ReportCommand.openSite(storeOptions)
        let quarter: ReportingPeriod
        if let text = period {
            guard let p = DocumentPeriodKind.quarter.parse(text) else { throw ValidationError("--period: '\(text)' is not a quarter like 2026Q3") }
            quarter = p
        } else {
            let q = Quarter(containing: model.calendar.localDate(at: model.now())).previous
            quarter = .quarter(year: q.year, number: q.number)!
        }
        let workdays: WorkingCalendar
        do throws(ConfigError) {
            workdays = try workingCalendar(site)
        } catch {
            throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let document: GeneratedDocument
        do throws(DocumentError) {
            let sources = DocumentSources(site: site, model: model, workdays: workdays)
            document = try DocumentBuilder.build(DocumentRequest(kind: .checklist, period: quarter), from: sources)
        } catch {
            throw ValidationError("\(error)")
        }
        let items = document.json["checklist"]?["items"]?.items ?? []
        if format == .json {
            print(JSONValue.object([("quarter", .string(quarter.label)), ("items", .array(items))]).rendered(), terminator: "")
            return
        }
        var table = TextTable(header: ["item", "status", "evidence"])
        for i in items {
            let evidence = i["evidence"]?.items.compactMap { $0["text"]?.text } ?? []
            table.rows.append([i["id"]?.text ?? "", i["status"]?.text ?? "", evidence.first ?? ""])
            for e in evidence.dropFirst() { table.rows.append(["", "", e]) }
        }
        print(table.render())
        let summary = document.json["checklist"]?["summary"]
        print("\(quarter.label): \(summary?["met"]?.text ?? "0") met, \(summary?["not_met"]?.text ?? "0") not met, \(summary?["cannot_tell"]?.text ?? "0") cannot tell")
    }
}
