import Metering

/// Maximum (permitted) power of an object, P_max, kept exactly in kW (= milli-MW).
///
/// Used for the 2026 penalty volume, "round-the-clock consumption at maximum power" (Tax Code 2026
/// arts. 657–661, DOMAIN.md): P_max × 24 h per day concerned. Range 0 < P ≤ 10,000 MW.
public struct FeePower: Sendable, Hashable, CustomStringConvertible {
    /// Accepted range, kW.
    public static let kilowattRange: ClosedRange<Int64> = 1...10_000_000

    /// Power in kW.
    public let kilowatts: Int64

    /// - Throws: ``FeeError/Code/invalidInput`` naming `maximumPower` outside 0 < P ≤ 10,000 MW.
    public init(kilowatts: Int64) throws(FeeError) {
        guard Self.kilowattRange.contains(kilowatts) else {
            throw FeeError(
                code: .invalidInput, field: "maximumPower",
                message: "\(FeeDecimal.format(kilowatts, scale: 3)) MW is not in 0 < P ≤ 10000 MW")
        }
        self.kilowatts = kilowatts
    }

    /// Parses decimal MW text with at most 3 decimals (`"5"`, `"12.5"`, `"0.125"`).
    /// - Throws: ``FeeError/Code/invalidInput`` naming `maximumPower`.
    public init(megawatts text: String) throws(FeeError) {
        try self.init(kilowatts: FeeDecimal.parse(text, scale: 3, field: "maximumPower", code: .invalidInput))
    }

    /// Energy at this power for 24 h, Wh (kW × 24 h × 1000).
    public var whPerDay: Int64 { kilowatts * 24_000 }  // ≤ 2.4e11, cannot overflow in range

    /// MW with 3 decimals, `"5.000"`.
    public var megawattsText: String { FeeDecimal.format(kilowatts, scale: 3) }

    /// `5 MW`, `12.5 MW`.
    public var description: String { "\(FeeDecimal.format(kilowatts, scale: 3, minimumDecimals: 0)) MW" }
}

/// An average purchase price of electricity, KZT per kWh, kept exactly in milli-tiyn per kWh
/// (5 decimals of KZT). Sets the 2023 grid rate through the price bands (Law 135-VII, secondary).
public struct FeePrice: Sendable, Hashable, CustomStringConvertible {
    /// Accepted range, milli-tiyn per kWh (0…1000 KZT/kWh).
    public static let range: ClosedRange<Int64> = 0...100_000_000

    /// Price in milli-tiyn per kWh (1 KZT = 100,000).
    public let milliTiynPerKWh: Int64

    /// - Throws: ``FeeError/Code/invalidInput`` naming `averagePurchasePrice` outside 0…1000 KZT/kWh.
    public init(milliTiynPerKWh: Int64) throws(FeeError) {
        guard Self.range.contains(milliTiynPerKWh) else {
            throw FeeError(
                code: .invalidInput, field: "averagePurchasePrice",
                message: "\(FeeDecimal.format(milliTiynPerKWh, scale: 5, minimumDecimals: 2)) KZT/kWh is not in 0…1000 KZT/kWh")
        }
        self.milliTiynPerKWh = milliTiynPerKWh
    }

    /// Parses decimal KZT text with at most 5 decimals (`"7.5"`, `"24.123"`).
    /// - Throws: ``FeeError/Code/invalidInput`` naming `averagePurchasePrice`.
    public init(kzt text: String) throws(FeeError) {
        try self.init(milliTiynPerKWh: FeeDecimal.parse(text, scale: 5, field: "averagePurchasePrice", code: .invalidInput))
    }

    /// KZT with at least 2 decimals, `"7.50"`.
    public var description: String { FeeDecimal.format(milliTiynPerKWh, scale: 5, minimumDecimals: 2) }
}

/// A digital-mining licence: number and date of issue (licensing since 4 Jun 2023, DOMAIN.md).
public struct FeeLicence: Sendable, Hashable {
    /// Licence number as issued.
    public let number: String
    /// Date of issue.
    public let date: LocalDate

    /// A licence (checked against the quarter by ``FeeObjectInput/init(quarter:object:payerKind:client:meteredWh:licence:controlMeterPresent:maximumPower:faultyMeterDays:averagePurchasePrice:ownNonRenewableGeneration:)``).
    public init(number: String, date: LocalDate) {
        self.number = number
        self.date = date
    }
}

/// The hosted client a hosting provider's computation covers (Tax Code 2026 art. 658: a hosting site's
/// documents must say whose kWh they cover). The BIN/IIN is validated elsewhere.
public struct FeeHostedClient: Sendable, Hashable {
    /// Client's name.
    public let name: String
    /// Client's BIN (legal entity) or IIN (individual), as given.
    public let binOrIIN: String

    /// A client.
    public init(name: String, binOrIIN: String) {
        self.name = name
        self.binOrIIN = binOrIIN
    }
}

/// A day on which the main meter was missing or faulty, with that day's metered Wh per category, so it
/// can be taken out of the normal-rate volume and charged by the penalty rule instead (DOMAIN.md: "meter
/// health and completeness are money; documents show them day by day").
public struct FeeFaultyMeterDay: Sendable, Hashable {
    /// The day (must be in the quarter).
    public let date: LocalDate
    /// That day's metered Wh per category (what the meter, or its substitute, counted), ≥ 0.
    public let meteredWh: [FeeRateCategory: Int64]

    /// A faulty-meter day.
    public init(date: LocalDate, meteredWh: [FeeRateCategory: Int64]) {
        self.date = date
        self.meteredWh = meteredWh
    }
}

/// The two deadlines of a quarter's fee: declaration (by the 15th) and payment (by the 25th) of the second
/// month after the quarter, moved to the next working day (Tax Code 2026 arts. 660–661, art. 64 p.2,
/// DOMAIN.md). Computed by the calendar module; the fee engine only reports them.
public struct FeeDueDates: Sendable, Hashable {
    /// Declaration due date.
    public let declaration: LocalDate
    /// Payment due date.
    public let payment: LocalDate

    /// Due dates (checked to be after the quarter by ``FeeRateTable/compute(_:dueDates:)``).
    public init(declaration: LocalDate, payment: LocalDate) {
        self.declaration = declaration
        self.payment = payment
    }
}

/// Everything the fee engine needs for one quarter and one object of taxation (a site or location; for a
/// hosting provider, one per hosted client). Validated on construction.
///
/// Checks (each error names the field): `object` non-empty; a hosting provider has a client with a name
/// and a BIN/IIN, a miner has none; every Wh ≥ 0; a licence has a number and is dated no later than the
/// quarter's last day; faulty-meter days are in the quarter, distinct, and per category their Wh sum to no
/// more than the quarter's metered Wh; own non-renewable energy requires `ownNonRenewableGeneration`.
/// Sums are overflow-checked.
public struct FeeObjectInput: Sendable, Hashable {
    /// The tax period.
    public let quarter: Quarter
    /// The object of taxation (site / location name).
    public let object: String
    /// Who pays.
    public let payerKind: FeePayerKind
    /// For a hosting provider, the client whose kWh this is; `nil` for a miner.
    public let client: FeeHostedClient?
    /// The quarter's metered energy per category, Wh (including the faulty-meter days).
    public let meteredWh: [FeeRateCategory: Int64]
    /// The mining licence, or `nil` for none.
    public let licence: FeeLicence?
    /// Whether a control meter is installed.
    public let controlMeterPresent: Bool
    /// Maximum (permitted) power.
    public let maximumPower: FeePower
    /// Days the main meter was missing or faulty, sorted by date.
    public let faultyMeterDays: [FeeFaultyMeterDay]
    /// 2023: the quarter's average purchase price of electricity.
    public let averagePurchasePrice: FeePrice?
    /// 2023: whether the payer has its own non-renewable generation.
    public let ownNonRenewableGeneration: Bool

    /// Validates and stores one object's quarter (see the type's documentation).
    /// - Throws: ``FeeError/Code/invalidInput`` or ``FeeError/Code/overflow`` naming the field.
    public init(
        quarter: Quarter, object: String, payerKind: FeePayerKind, client: FeeHostedClient? = nil,
        meteredWh: [FeeRateCategory: Int64], licence: FeeLicence?, controlMeterPresent: Bool,
        maximumPower: FeePower, faultyMeterDays: [FeeFaultyMeterDay] = [],
        averagePurchasePrice: FeePrice? = nil, ownNonRenewableGeneration: Bool = false
    ) throws(FeeError) {
        func bad(_ field: String, _ message: String) -> FeeError {
            FeeError(code: .invalidInput, field: field, message: message)
        }
        if object.trimmingFeeSpaces().isEmpty { throw bad("object", "is empty") }
        switch (payerKind, client) {
        case (.miner, .some): throw bad("client", "a miner pays for itself: pass no client")
        case (.hostingProvider, .none): throw bad("client", "a hosting provider's computation must name the hosted client")
        case (.hostingProvider, .some(let c)):
            if c.name.trimmingFeeSpaces().isEmpty { throw bad("client.name", "is empty") }
            if c.binOrIIN.trimmingFeeSpaces().isEmpty { throw bad("client.binOrIIN", "is empty") }
        case (.miner, .none): break
        }
        for category in meteredWh.keys.sorted() where meteredWh[category]! < 0 {
            throw bad("meteredWh.\(category)", "\(meteredWh[category]!) Wh is negative")
        }
        if let licence {
            if licence.number.trimmingFeeSpaces().isEmpty { throw bad("licence.number", "is empty") }
            if licence.date > quarter.lastDay {
                throw bad("licence.date", "\(licence.date) is after \(quarter) (last day \(quarter.lastDay)): pass no licence for this quarter")
            }
        }
        var seen: [LocalDate: Int] = [:]
        var faultySum: [FeeRateCategory: Int64] = [:]
        for (i, day) in faultyMeterDays.enumerated() {
            let at = "faultyMeterDays[\(i)]"
            guard quarter.contains(day.date) else {
                throw bad("\(at).date", "\(day.date) is not in \(quarter) (\(quarter.firstDay)…\(quarter.lastDay))")
            }
            if let first = seen[day.date] {
                throw bad("\(at).date", "\(day.date) is listed twice (also faultyMeterDays[\(first)])")
            }
            seen[day.date] = i
            for category in day.meteredWh.keys.sorted() {
                let wh = day.meteredWh[category]!
                if wh < 0 { throw bad("\(at).meteredWh.\(category)", "\(wh) Wh is negative") }
                let (sum, overflow) = (faultySum[category] ?? 0).addingReportingOverflow(wh)
                if overflow {
                    throw FeeError(code: .overflow, field: "\(at).meteredWh.\(category)", message: "the faulty days' Wh do not fit in Int64")
                }
                faultySum[category] = sum
            }
        }
        for category in faultySum.keys.sorted() where faultySum[category]! > (meteredWh[category] ?? 0) {
            throw bad(
                "faultyMeterDays.meteredWh.\(category)",
                "the faulty days' \(faultySum[category]!) Wh exceed the quarter's meteredWh.\(category) \(meteredWh[category] ?? 0) Wh")
        }
        if !ownNonRenewableGeneration, let wh = meteredWh[.ownNonRenewable], wh > 0 {
            throw bad("ownNonRenewableGeneration", "false, but meteredWh.own_non_renewable is \(wh) Wh")
        }
        self.quarter = quarter
        self.object = object
        self.payerKind = payerKind
        self.client = client
        self.meteredWh = meteredWh
        self.licence = licence
        self.controlMeterPresent = controlMeterPresent
        self.maximumPower = maximumPower
        self.faultyMeterDays = faultyMeterDays.sorted { $0.date < $1.date }
        self.averagePurchasePrice = averagePurchasePrice
        self.ownNonRenewableGeneration = ownNonRenewableGeneration
    }

    /// Sum of the faulty days' Wh in `category` (validated not to overflow).
    func faultyWh(_ category: FeeRateCategory) -> Int64 {
        faultyMeterDays.reduce(0) { $0 + ($1.meteredWh[category] ?? 0) }
    }
}
