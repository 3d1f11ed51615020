public import Metering
public import SiteConfig

extension FeeObjectInput {
    /// The fee engine's input for one object of taxation from the config's `[fee]` and the read
    /// model's days: all its energy in its one rate category (`[fee] category`), the days with a
    /// missing or faulty meter with their energy. `esep fee` and the fee report both use it.
    /// - Parameters:
    ///   - object: the object's name (the location, or the site's address or name).
    ///   - client: for a hosting provider, the hosted client the object is.
    ///   - days: ``EnergyReadModel/feeDays(_:faultyShare:meters:)`` of the object's meters.
    /// - Throws: ``FeeError`` naming the field (see ``configKey``).
    public static func of(
        _ fee: FeeSection, quarter: Quarter, object: String, client: FeeHostedClient?, days: [FeeDay]
    ) throws(FeeError) -> FeeObjectInput {
        let category = FeeRateCategory(rawValue: fee.category) ?? .grid
        let total = days.reduce(Int64(0)) { $0 + $1.wh }
        guard total >= 0 else {
            throw FeeError(
                code: .invalidInput, field: "meteredWh",
                message: "the energy of '\(object)' over the quarter is negative (\(total) Wh): check the meters' signs")
        }
        var licence: FeeLicence? = nil
        if let number = fee.licenceNumber, let text = fee.licenceDate, let date = LocalDate(text) {
            licence = FeeLicence(number: number, date: date)
        }
        return try FeeObjectInput(
            quarter: quarter, object: object, payerKind: fee.payer == "hosting_provider" ? .hostingProvider : .miner,
            client: client, meteredWh: [category: total], licence: licence, controlMeterPresent: fee.controlMeter,
            maximumPower: FeePower(megawatts: fee.maxPowerMW),
            faultyMeterDays: days.filter(\.faulty).map { FeeFaultyMeterDay(date: $0.date, meteredWh: [category: max(0, $0.wh)]) },
            averagePurchasePrice: try fee.averagePurchasePriceKZT.map { text throws(FeeError) in try FeePrice(kzt: text) })
    }

    /// FeeObjectInput's fields and the `[fee]` keys they come from.
    public static let configKey = [
        "maximumPower": "max_power_mw", "licence": "licence_date", "averagePurchasePrice": "average_purchase_price_kzt",
        "client": "payer",
    ]
}

extension FeeDueDates {
    /// The 15th (declaration) and 25th (payment) of the second month after the quarter, moved to
    /// the next working day — from the deadline rules where they cover the quarter.
    public static func of(_ q: Quarter, calendar: WorkingCalendar) -> FeeDueDates {
        let engine = DeadlineEngine(calendar: calendar)
        let period = ReportingPeriod.quarter(year: q.year, number: q.number)!
        func due(_ document: String, day: Int) -> LocalDate {
            if let rule = engine.applicableRule(documentID: document, for: period) {
                return engine.deadline(rule: rule, period: period, today: q.firstDay).dueDate
            }
            let month = CalendarMonth(containing: q.next.firstDay).adding(months: 1)
            return calendar.nextWorkingDay(onOrAfter: LocalDate(year: month.year, month: month.month, day: day)!)
        }
        return FeeDueDates(declaration: due("fee_declaration", day: 15), payment: due("fee_payment", day: 25))
    }
}
