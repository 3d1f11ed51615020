import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep saon`: the SAON trips esep recorded, their verification, and each trip's evidence.
struct SAONCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "saon",
        abstract: "SAON trips: each stage trip verified against the feeders' measured power, and its evidence document.",
        discussion: """
            esep saon trips --db esep.sqlite
            esep saon trips --from 2026-10-01 --to 2027-01-01 --format csv --config /etc/esep/esep.toml
            esep saon evidence 12 --lang kk --format html --out trip-12.kk.html --db esep.sqlite
            A trip (stage_tripped.N going 0 → 1) is judged by the running daemon: verified when the power of the
            stage's feeders ([[saon.shed]]) fell by the expected drop within shed_window_ms, failed otherwise,
            unverifiable when meter data were missing. Test-mode trips are drills and marked test.
            """,
        subcommands: [Trips.self, Evidence.self])

    struct Trips: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the trips of a period with their verdicts.")

        @OptionGroup var storeOptions: StoreOptionsGroup

        @Option(help: "Start (site-local date or time; default 30 days ago).")
        var from: TimeArgument?

        @Option(help: "End, exclusive (default now).")
        var to: TimeArgument?

        @Option(help: "table, json or csv.")
        var format: Format = .table

        enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

        func run() throws {
            let (store, site, _) = try ReportCommand.openSite(storeOptions)
            let calendar = SiteCalendar(identifier: site.site.timezone) ?? .almaty
            let now = WallClock.nowMs()
            let toMs = try to?.ms(calendar, option: "--to", nowMs: now) ?? now
            let fromMs = try from?.ms(calendar, option: "--from", nowMs: now) ?? (toMs - 30 * 86_400_000)
            guard fromMs < toMs else { throw ValidationError("--from must be before --to") }
            let trips = try store.sheds(fromMs: fromMs, toMs: toMs)
            switch format {
            case .json:
                let items = trips.compactMap { t in TripEvidence(shed: t, timeline: [], site: site).json["trip"] }
                print(JSONValue.object([("trips", .array(items))]).rendered(), terminator: "")
            case .csv:
                print("id,saon,stage,time,test,verdict,before_w,after_w,expected_w,restored,not_consumed_wh,reason", terminator: "\r\n")
                for t in trips {
                    func opt(_ v: Int64?) -> String { v.map { String($0) } ?? "" }
                    var row: [String] = [String(t.id), t.saon, String(t.stage), TripEvidence.utc(t.timeMs)]
                    row += [String(t.test), t.verdict.rawValue, opt(t.beforeW), opt(t.afterW), opt(t.expectedW)]
                    row.append(t.restoration.map { TripEvidence.utc($0.timeMs) } ?? "")
                    row += [opt(t.restoration?.notConsumedWh), t.reason]
                    print(row.map(DocumentRenderer.csvField).joined(separator: ","), terminator: "\r\n")
                }
            case .table:
                if trips.isEmpty {
                    print("no SAON trip recorded from \(TripEvidence.utc(fromMs)) to \(TripEvidence.utc(toMs))")
                    return
                }
                for t in trips {
                    let evidence = TripEvidence(shed: t, timeline: [], site: site)
                    let mode = t.test ? "test" : "REAL"
                    let restored = t.restoration.map { r in
                        "restored after \(String(format: "%.1f", Double(r.timeMs - t.timeMs) / 1000)) s"
                            + (r.notConsumedWh.map { ", \(FeeDecimal.format($0, scale: 3)) kWh not consumed" } ?? "")
                    } ?? "not restored yet"
                    print("#\(t.id)  \(evidence.local(t.timeMs))  \(t.saon) stage \(t.stage)  \(mode)  \(t.verdict.rawValue.uppercased())  \(restored)")
                    print("     \(t.reason)")
                }
            }
        }
    }

    struct Evidence: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "One trip's evidence document (JSON, or HTML in kk, ru or en).")

        @OptionGroup var storeOptions: StoreOptionsGroup

        @Argument(help: "The trip's id (esep saon trips).")
        var id: Int64

        @Option(help: "json or html.")
        var format: Format = .json

        enum Format: String, ExpressibleByArgument, CaseIterable { case json, html }

        @Option(help: "kk, ru or en (HTML).")
        var lang: String = "ru"

        @Option(help: "Write to this file instead of standard output.")
        var out: String?

        func run() throws {
            guard let language = Language(rawValue: lang) else { throw ValidationError("--lang: '\(lang)' is not kk, ru or en") }
            let (store, site, _) = try ReportCommand.openSite(storeOptions)
            guard let evidence = try TripEvidence.load(id: id, store: store, site: site) else {
                throw ValidationError("no SAON trip \(id) in \(store.path) (esep saon trips lists them)")
            }
            let text: String
            switch format {
            case .json: text = evidence.json.rendered()
            case .html:
                do throws(DocumentError) {
                    text = try evidence.html(language: language)
                } catch {
                    throw ValidationError("\(error)")
                }
            }
            if let out {
                try Data(text.utf8).write(to: URL(fileURLWithPath: out))
            } else {
                print(text, terminator: "")
            }
        }
    }
}
