import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig

/// `esep fee --quarter 2026Q3`: the digital-mining fee of a quarter, every figure with its source.
struct FeeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fee",
        abstract: "The digital-mining fee of a quarter: kWh by rate category, days with a missing or faulty meter, rate, fee and due dates.",
        discussion: """
            esep fee --config /etc/esep/esep.toml --quarter 2026Q3
            esep fee --config /etc/esep/esep.toml --quarter 2026Q3 --format json
            The kWh are the site's verified energy (the signed sum of its main meters). A day on which a
            main meter's time neither measured nor filled from its check meter exceeds [fee]
            faulty_day_share is a day with a missing or faulty meter: from 2026 its volume is
            [fee] max_power_mw × 24 h at 25 KZT/kWh (Tax Code 2026 art. 658). Declaration and payment
            dates are the 15th and 25th of the second month after the quarter, moved to the next
            working day (art. 64 p.2).
            """)

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The quarter, e.g. 2026Q3.")
    var quarter: String

    @Option(help: "table or json.")
    var format: FeeFormat = .table

    enum FeeFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

    func run() throws {
        guard let q = Quarter(quarter), (2022...9999).contains(q.year) else {
            throw ValidationError("--quarter: '\(quarter)' is not a quarter like 2026Q3 (the fee exists since 2022)")
        }
        guard storeOptions.config != nil else { throw ValidationError("give --config FILE: the fee needs the site's [fee] section") }
        let (store, calendar, loaded) = try storeOptions.open()
        guard let site = loaded else { throw ValidationError("--config: no site configuration") }
        guard let fee = site.fee else {
            throw ValidationError("\(site.sourcePath): [fee]: the config has no [fee] section (max_power_mw, category, licence …)")
        }
        let workdays: WorkingCalendar
        let rates: FeeRateTable
        do throws(ConfigError) {
            workdays = try workingCalendar(site)
            rates = try feeRateTable(site)
        } catch {
            throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let model = EnergyReadModel(store: store, site: site)
        let today = calendar.localDate(at: model.now())
        guard today >= q.firstDay else { throw ValidationError("--quarter: \(q) has not started yet") }
        let days = try model.feeDays(q, faultyShare: fee.faultyDayShare)
        let computation: FeeComputation
        do throws(FeeError) {
            computation = try rates.compute(
                FeeObjectInput.of(fee, quarter: q, object: site.site.address ?? site.site.name, client: nil, days: days),
                dueDates: FeeDueDates.of(q, calendar: workdays))
        } catch {
            // Name the config key behind the field where there is one.
            guard let key = FeeObjectInput.configKey[error.field].map({ "fee.\($0)" }) else { throw ValidationError("\(error)") }
            throw ValidationError("\(site.diagnostic(key: key, "\(error.field): \(error.message)"))")
        }
        if format == .json {
            print(computation.jsonDocument(), terminator: "")
            return
        }
        print(computation.textTable(), terminator: "")
        if today < q.next.firstDay { print("The quarter has not ended: the figures cover \(q.firstDay) to \(today).") }
    }
}
