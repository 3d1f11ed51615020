import Compliance
import Metering

// `day(_:)` (a date from `YYYY-MM-DD`) is in CalendarTestSupport.swift.

/// Due dates after `quarter` (the 15th and 25th of the second month after it; no working-day roll here).
func dueDates(_ quarter: Quarter) -> FeeDueDates {
    let next = quarter.next.firstDay
    let month = next.month + 1
    return FeeDueDates(
        declaration: LocalDate(year: next.year, month: month, day: 15)!,
        payment: LocalDate(year: next.year, month: month, day: 25)!)
}

/// A licence dated before every quarter the tests use.
let licence = FeeLicence(number: "KZ-DM-0001", date: day("2020-01-01"))

/// One miner object with a licence and a control meter unless told otherwise.
func object(
    _ year: Int, _ q: Int, _ wh: [FeeRateCategory: Int64], licence: FeeLicence? = licence,
    controlMeter: Bool = true, pMaxMW: String = "5", faulty: [FeeFaultyMeterDay] = [],
    price: String? = nil, ownNonRenewable: Bool = false,
    payer: FeePayerKind = .miner, client: FeeHostedClient? = nil
) throws(FeeError) -> FeeObjectInput {
    var averagePrice: FeePrice?
    if let price { averagePrice = try FeePrice(kzt: price) }
    return try FeeObjectInput(
        quarter: Quarter(year: year, number: q)!, object: "Ekibastuz site 1", payerKind: payer, client: client,
        meteredWh: wh, licence: licence, controlMeterPresent: controlMeter,
        maximumPower: FeePower(megawatts: pMaxMW), faultyMeterDays: faulty,
        averagePurchasePrice: averagePrice, ownNonRenewableGeneration: ownNonRenewable)
}

/// Computes with the default table.
func fee(_ input: FeeObjectInput) throws(FeeError) -> FeeComputation {
    try FeeRateTable.defaults.compute(input, dueDates: dueDates(input.quarter))
}

/// The error a throwing call gave, or `nil`.
func feeError<T>(_ body: () throws(FeeError) -> T) -> FeeError? {
    do {
        _ = try body()
        return nil
    } catch {
        return error
    }
}

extension FeeComputation {
    /// The line of `kind`, if any.
    func line(_ kind: FeeLineKind) -> FeeLine? { lines.first { $0.kind == kind } }
}
