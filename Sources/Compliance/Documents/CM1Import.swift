import Metering

// The 1-ЦМ form's distributions (`003_19f143c9746479e8.txt`, annex 2, columns 1–11) as a mining pool
// imports them: `esep report cm1 --period 2026-10 --distributions FILE.csv`. A pure parser and
// validator: bytes in, typed rows or every problem out.

// MARK: - Asset

/// A digital asset that a 1-ЦМ row can name (form columns 7 and 10): its code, how many decimals its
/// smallest unit has, and how a wallet address for it is checked.
///
/// To add an asset, add a constant here, list it in ``known``, and, when its addresses have a new
/// form, a ``WalletFormat`` case with its check.
public struct CM1Asset: Sendable, Hashable, CustomStringConvertible {
    /// How a wallet address (form column 5) for the asset is checked.
    public enum WalletFormat: Sendable, Hashable {
        /// A Bitcoin mainnet address, Base58Check or Bech32/Bech32m (``BitcoinAddress``).
        case bitcoin
    }

    /// The code as the form and the CSV write it (`BTC`).
    public let code: String
    /// Decimal places of the smallest unit (8 for BTC: 1 satoshi = 0.00000001 BTC), 0…18.
    public let decimals: Int
    /// How a wallet address for the asset is checked.
    public let walletFormat: WalletFormat

    /// An asset of the table; `decimals` is 0…18 so that every quantity fits an `Int64` count of units.
    init(code: String, decimals: Int, walletFormat: WalletFormat) {
        precondition((0...CM1Quantity.maxDecimals).contains(decimals), "an asset has 0…18 decimals")
        self.code = code
        self.decimals = decimals
        self.walletFormat = walletFormat
    }

    /// Bitcoin: 8 decimals (satoshi).
    public static let bitcoin = CM1Asset(code: "BTC", decimals: 8, walletFormat: .bitcoin)

    /// Every asset the import accepts, in the order messages list them.
    public static let known: [CM1Asset] = [.bitcoin]

    /// The known asset whose code is `code` (ASCII case ignored: `btc` is BTC), or `nil`.
    public static func named(_ code: String) -> CM1Asset? {
        known.first { $0.code.lowercased() == code.lowercased() }
    }

    public var description: String { code }
}

extension CM1Asset.WalletFormat {
    /// What is wrong with a wallet address.
    struct Problem: Error {
        let message: String
    }

    /// The address's comparison key (a Bech32 address in lower case, so `BC1Q…` and `bc1q…` are one
    /// wallet; a Base58 address as written), or what is wrong with it.
    func check(_ address: String) -> Result<String, Problem> {
        switch self {
        case .bitcoin:
            switch BitcoinAddress.parse(address) {
            case .success(.witness): return .success(address.lowercased())
            case .success: return .success(address)
            case .failure(let problem): return .failure(Problem(message: "not a Bitcoin mainnet address: \(problem)"))
            }
        }
    }
}

// MARK: - Quantity

/// An exact non-negative quantity of an asset: an integer count of units of `10^-decimals`.
///
/// `0.12` BTC is `units` 12_000_000 with `decimals` 8; its ``description`` is the canonical text with
/// exactly `decimals` decimals (`0.12000000`). Equality and order are by value, so `0.5` with 1
/// decimal equals `0.50` with 2.
public struct CM1Quantity: Sendable, Hashable, Comparable, CustomStringConvertible {
    /// The count of smallest units, ≥ 0.
    public let units: Int64
    /// Decimal places of one unit, 0…18.
    public let decimals: Int

    /// The most decimals a quantity can have (`10^18` is the largest power of ten in an `Int64`).
    public static let maxDecimals = 18

    /// `nil` unless `units` ≥ 0 and `decimals` is 0…18.
    public init?(units: Int64, decimals: Int) {
        guard units >= 0, (0...CM1Quantity.maxDecimals).contains(decimals) else { return nil }
        self.units = units
        self.decimals = decimals
    }

    /// Zero with `decimals` decimals (0…18, clamped).
    static func zero(decimals: Int) -> CM1Quantity {
        CM1Quantity(checkedUnits: 0, decimals: min(max(decimals, 0), maxDecimals))
    }

    fileprivate init(checkedUnits: Int64, decimals: Int) {
        self.units = checkedUnits
        self.decimals = decimals
    }

    /// `10^n` for n = 0…18.
    static let powersOfTen: [Int64] = (0...maxDecimals).map { n in (0..<n).reduce(Int64(1)) { p, _ in p * 10 } }

    /// `0.12000000`: the whole part, and exactly `decimals` decimals after a `.` (none when 0).
    public var description: String {
        guard decimals > 0 else { return String(units) }
        let p = CM1Quantity.powersOfTen[decimals]
        let fraction = String(units % p)
        return "\(units / p).\(String(repeating: "0", count: decimals - fraction.count))\(fraction)"
    }

    /// The same value with `decimals` decimals, or `nil` when it would lose digits or not fit.
    func rescaled(to newDecimals: Int) -> CM1Quantity? {
        guard (0...CM1Quantity.maxDecimals).contains(newDecimals) else { return nil }
        if newDecimals >= decimals {
            let (u, overflow) = units.multipliedReportingOverflow(by: CM1Quantity.powersOfTen[newDecimals - decimals])
            return overflow ? nil : CM1Quantity(checkedUnits: u, decimals: newDecimals)
        }
        let p = CM1Quantity.powersOfTen[decimals - newDecimals]
        return units % p == 0 ? CM1Quantity(checkedUnits: units / p, decimals: newDecimals) : nil
    }

    /// `self + other` with the larger of the two precisions, or `nil` when the sum does not fit.
    func adding(_ other: CM1Quantity) -> CM1Quantity? {
        let d = max(decimals, other.decimals)
        guard let a = rescaled(to: d), let b = other.rescaled(to: d) else { return nil }
        let (sum, overflow) = a.units.addingReportingOverflow(b.units)
        return overflow ? nil : CM1Quantity(checkedUnits: sum, decimals: d)
    }

    /// The whole part and the fraction as a count of `10^-18` (both exact, never overflowing).
    private var parts: (whole: Int64, attos: Int64) {
        let p = CM1Quantity.powersOfTen[decimals]
        return (units / p, (units % p) * CM1Quantity.powersOfTen[CM1Quantity.maxDecimals - decimals])
    }

    public static func < (a: CM1Quantity, b: CM1Quantity) -> Bool {
        let (x, y) = (a.parts, b.parts)
        return (x.whole, x.attos) < (y.whole, y.attos)
    }

    public static func == (a: CM1Quantity, b: CM1Quantity) -> Bool {
        let (x, y) = (a.parts, b.parts)
        return x.whole == y.whole && x.attos == y.attos
    }

    public func hash(into hasher: inout Hasher) {
        let p = parts
        hasher.combine(p.whole)
        hasher.combine(p.attos)
    }

    /// Why a text is not a quantity of an asset.
    public enum Problem: Error, Sendable, Hashable, CustomStringConvertible {
        case negative(String)
        case notPositive(String)
        case sign(String)
        case exponent(String)
        case separator(String, Character)
        case notDecimal(String)
        case tooPrecise(String, decimals: Int, asset: String, assetDecimals: Int)
        case tooLarge(String, largest: String)

        public var description: String {
            switch self {
            case .negative(let t): "\(t) is negative"
            case .notPositive(let t): "\(t) is not positive: a distribution gives more than zero"
            case .sign(let t): "\(t) has a sign; write the number without one"
            case .exponent(let t): "\(t) has an exponent; write the digits out (0.00000001, not 1e-8)"
            case .separator(let t, let c): "\(t) has '\(c)': use '.' as the decimal point and no thousands separators"
            case .notDecimal(let t): "\(t) is not a decimal number like 0.12345678"
            case .tooPrecise(let t, let d, let asset, let ad): "\(t) has \(d) decimals; \(asset) has \(ad)"
            case .tooLarge(let t, let largest): "\(t) is too large: the largest quantity is \(largest)"
            }
        }
    }

    /// The whole and fraction digits of a decimal text (`12.5` → `12`, `5`), or what is wrong with it.
    /// Digits, optionally `.` and at least one more digit; no sign, exponent or separators.
    static func syntax(_ text: String) -> Result<(whole: [UInt8], fraction: [UInt8]), Problem> {
        let bytes = Array(text.utf8)
        if bytes.first == UInt8(ascii: "-") { return .failure(.negative(text)) }
        if bytes.first == UInt8(ascii: "+") { return .failure(.sign(text)) }
        let isDigit: (UInt8) -> Bool = { (0x30...0x39).contains($0) }
        let exponentBytes = Array("eE".utf8)
        let numberBytes = Array(".eE-+".utf8)
        if bytes.contains(where: { exponentBytes.contains($0) }), bytes.allSatisfy({ isDigit($0) || numberBytes.contains($0) }) {
            return .failure(.exponent(text))
        }
        for separator in [",", " ", "_", "'", "\u{00A0}", "\u{202F}"] as [Character] where text.contains(separator) {
            return .failure(.separator(text, separator))
        }
        let halves = bytes.split(separator: UInt8(ascii: "."), maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = halves.first, !whole.isEmpty, whole.allSatisfy(isDigit) else { return .failure(.notDecimal(text)) }
        guard halves.count == 2 else { return .success((Array(whole), [])) }
        let fraction = halves[1]
        guard !fraction.isEmpty, fraction.allSatisfy(isDigit) else { return .failure(.notDecimal(text)) }
        return .success((Array(whole), Array(fraction)))
    }

    /// The quantity of `asset` that `text` writes (at most the asset's decimals; no sign, exponent or
    /// thousands separators; `.` as the decimal point), or what is wrong with it. Zero is taken only
    /// when `allowingZero` (a commission may be zero, a distribution not).
    public static func parse(_ text: String, asset: CM1Asset, allowingZero: Bool) -> Result<CM1Quantity, Problem> {
        let whole: [UInt8]
        let fraction: [UInt8]
        switch syntax(text) {
        case .failure(let problem): return .failure(problem)
        case .success(let digits): (whole, fraction) = digits
        }
        guard fraction.count <= asset.decimals else {
            return .failure(.tooPrecise(text, decimals: fraction.count, asset: asset.code, assetDecimals: asset.decimals))
        }
        let largest = "\(CM1Quantity(checkedUnits: .max, decimals: asset.decimals)) \(asset.code)"
        // units = whole · 10^decimals + fraction · 10^(decimals − fraction digits), every step checked.
        var units: Int64 = 0
        for digit in whole + fraction {
            let (shifted, o1) = units.multipliedReportingOverflow(by: 10)
            let (sum, o2) = shifted.addingReportingOverflow(Int64(digit - 0x30))
            guard !o1, !o2 else { return .failure(.tooLarge(text, largest: largest)) }
            units = sum
        }
        let (scaled, overflow) = units.multipliedReportingOverflow(by: powersOfTen[asset.decimals - fraction.count])
        guard !overflow else { return .failure(.tooLarge(text, largest: largest)) }
        guard allowingZero || scaled > 0 else { return .failure(.notPositive(text)) }
        return .success(CM1Quantity(checkedUnits: scaled, decimals: asset.decimals))
    }
}

// MARK: - Rows, problems, totals

/// One distribution of a 1-ЦМ form (annex 2, one row of columns 2–11; column 1 is generated).
public struct CM1Distribution: Sendable, Hashable {
    /// The CSV row (file line) the distribution was read from.
    public let row: Int
    /// Column 2: the digital miner's (or pool's) name, spaces around it removed.
    public let name: String
    /// Column 3: its BIN/IIN.
    public let bin: TaxpayerNumber
    /// Column 4: the licence number…
    public let licenceNumber: String
    /// …and its date of issue.
    public let licenceDate: LocalDate
    /// Column 5: the wallet address, as written (spaces around it removed).
    public let wallet: String
    /// Column 6: the date of the distribution, inside the reporting month.
    public let date: LocalDate
    /// Column 7: the asset distributed.
    public let asset: CM1Asset
    /// Column 8: the quantity distributed, > 0, with the asset's decimals.
    public let quantity: CM1Quantity
    /// Column 10: the asset of the pool's commission.
    public let commissionAsset: CM1Asset
    /// Column 11: the commission, ≥ 0, with the commission asset's decimals.
    public let commissionQuantity: CM1Quantity
}

/// One thing wrong with a distributions file, at a row (file line) and a 1-based CSV column.
public struct CM1ImportProblem: Sendable, Hashable, CustomStringConvertible {
    /// The file name used in messages.
    public let file: String
    /// The file line where the record starts (the header is row 1).
    public let row: Int
    /// The 1-based CSV column (1 `name` … 10 `commission_quantity`; 11 for a first extra column).
    public let column: Int
    /// The column's header name, or empty when the problem is about the row (column count, header,
    /// duplicate, no distributions).
    public let columnName: String
    public let message: String

    public init(file: String, row: Int, column: Int, columnName: String, message: String) {
        self.file = file
        self.row = row
        self.column = column
        self.columnName = columnName
        self.message = message
    }

    /// `dist.csv:4:2: bin: check digit 3 is wrong: these first 11 digits give 7`; without the column
    /// name for a problem about the row, without `FILE:` when the file name is empty.
    public var description: String {
        let place = file.isEmpty ? "\(row):\(column)" : "\(file):\(row):\(column)"
        return columnName.isEmpty ? "\(place): \(message)" : "\(place): \(columnName): \(message)"
    }
}

/// Every problem of a distributions file (or of its totals), sorted by row and column.
public struct CM1ImportError: Error, Sendable, CustomStringConvertible {
    public let problems: [CM1ImportProblem]

    /// `problems` sorted by row, then column (ties keep their order).
    public init(problems: [CM1ImportProblem]) {
        self.problems = problems.enumerated()
            .sorted { ($0.element.row, $0.element.column, $0.offset) < ($1.element.row, $1.element.column, $1.offset) }
            .map(\.element)
    }

    /// One problem per line.
    public var description: String { problems.map(\.description).joined(separator: "\n") }
}

// MARK: - Import

/// Reads the 1-ЦМ distributions CSV (`esep report cm1 --period 2026-10 --distributions FILE.csv`).
///
/// The file:
/// - UTF-8; a leading byte-order mark (EF BB BF) is skipped. A field that is not UTF-8 is reported
///   with the 0-based byte offset, in the whole file (byte-order mark included), of its first bad byte.
/// - RFC 4180: fields separated by `,`; a field may be quoted with `"`, a quote inside a quoted field
///   doubled (`""`); a quoted field may hold commas and line breaks. Lines end with CRLF or LF; the
///   final line break is optional and blank lines at the end are ignored (a blank line elsewhere is
///   an error). A quote inside an unquoted field, or text after a closing quote, is an error.
/// - The first row is exactly this header (the form's column 1, the row number, is generated):
///
///   `name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity`
///
///   i.e. the form's columns 2, 3, 4 (number), 4 (date of issue), 5, 6, 7, 8, 10, 11.
/// - One distribution a row, every column required (spaces and tabs around a value are ignored):
///   `name` the miner's or pool's name; `bin` its 12-digit BIN/IIN with a valid check digit;
///   `licence_number`; `licence_date` the licence's date of issue `YYYY-MM-DD`, not after `date`;
///   `wallet` an address of `asset`'s kind with a valid checksum (BTC: mainnet `1…`, `3…`, `bc1…`);
///   `date` the distribution's date `YYYY-MM-DD`, inside the reporting month; `asset` and
///   `commission_asset` a code of ``CM1Asset/known`` (case ignored); `quantity` a positive decimal
///   (`0.12345678`: digits, optionally `.` and digits; no sign, exponent or thousands separators)
///   with at most the asset's decimals; `commission_quantity` the same, zero allowed.
/// - No two rows with the same bin, wallet, date, asset and quantity.
///
/// Rows are numbered as file lines (the header is row 1); a record whose quoted field holds a line
/// break is numbered by the line it starts on. Every problem is collected, each as
/// `FILE:ROW:COLUMN: column_name: message` with the 1-based CSV column. When the header is wrong the
/// data rows are checked only for their CSV and UTF-8 form (their meaning is unknown).
public enum CM1Import {
    /// The header's names, in order; a column's number is its index + 1.
    public static let columns = [
        "name", "bin", "licence_number", "licence_date", "wallet", "date", "asset", "quantity", "commission_asset",
        "commission_quantity",
    ]

    /// The form's totals for one asset: what was distributed in it and what the pool took in it.
    public struct Total: Sendable, Hashable {
        public let asset: CM1Asset
        /// Σ form column 8 over the rows whose form column 7 is the asset (zero when none).
        public let quantity: CM1Quantity
        /// Σ form column 11 over the rows whose form column 10 is the asset (zero when none).
        public let commission: CM1Quantity
    }

    /// The distributions in `bytes`, in file order, or every problem with them.
    ///
    /// - Parameters:
    ///   - bytes: the file's bytes.
    ///   - file: the name used in messages.
    ///   - month: the reporting month; every distribution date is inside it.
    public static func parse(_ bytes: [UInt8], file: String, month: CalendarMonth) throws(CM1ImportError) -> [CM1Distribution] {
        var reader = Reader(bytes: bytes, file: file)
        let records = reader.records()
        var problems = reader.problems
        guard let header = records.first else {
            let expected = columns.joined(separator: ",")
            problems.append(rowProblem(file, 1, 1, "no distributions: the file is empty (expected the header \(expected))"))
            throw CM1ImportError(problems: problems)
        }
        let headerIsRight = checkHeader(header, file: file, problems: &problems)
        let data = records.dropFirst()
        if data.isEmpty, !reader.stoppedEarly {
            problems.append(rowProblem(file, header.row + 1, 1, "no distributions: the file has a header and no rows"))
        }
        var rows: [CM1Distribution] = []
        var firstRow: [DuplicateKey: Int] = [:]
        for record in data where headerIsRight && record.complete {
            guard let row = validate(record, file: file, month: month, problems: &problems) else { continue }
            let key = DuplicateKey(row)
            if let earlier = firstRow[key] {
                problems.append(
                    rowProblem(file, row.distribution.row, 1, "the same bin, wallet, date, asset and quantity as row \(earlier)"))
            } else {
                firstRow[key] = row.distribution.row
                rows.append(row.distribution)
            }
        }
        guard problems.isEmpty else { throw CM1ImportError(problems: problems) }
        return rows
    }

    /// Per asset, in the order the rows first name it (as `asset`, then as `commission_asset`): the
    /// total quantity and the total commission, for the form's totals row. Every sum is
    /// overflow-checked; an overflow is a problem at the row where the sum passes `Int64` units, in
    /// CSV column 8 (`quantity`) or 10 (`commission_quantity`).
    ///
    /// - Parameter file: the name used in a problem's message (none when empty).
    public static func totals(_ rows: [CM1Distribution], file: String = "") throws(CM1ImportError) -> [Total] {
        var order: [CM1Asset] = []
        var quantity: [CM1Asset: CM1Quantity] = [:]
        var commission: [CM1Asset: CM1Quantity] = [:]
        var problems: [CM1ImportProblem] = []
        var overflowed: Set<String> = []

        func add(_ q: CM1Quantity, of asset: CM1Asset, to sums: inout [CM1Asset: CM1Quantity], row: Int, column: Int) {
            if !order.contains(asset) { order.append(asset) }
            let tag = "\(asset.code) \(column)"
            guard !overflowed.contains(tag) else { return }
            let sum = sums[asset] ?? .zero(decimals: asset.decimals)
            if let next = sum.adding(q) {
                sums[asset] = next
            } else {
                overflowed.insert(tag)
                let what = column == 8 ? "distributed" : "commission"
                let largest = CM1Quantity(checkedUnits: .max, decimals: max(sum.decimals, q.decimals))
                problems.append(
                    CM1ImportProblem(
                        file: file, row: row, column: column, columnName: columns[column - 1],
                        message: "the total \(what) \(asset.code) passes the largest quantity \(largest) here"))
            }
        }

        for r in rows {
            add(r.quantity, of: r.asset, to: &quantity, row: r.row, column: 8)
            add(r.commissionQuantity, of: r.commissionAsset, to: &commission, row: r.row, column: 10)
        }
        guard problems.isEmpty else { throw CM1ImportError(problems: problems) }
        return order.map { asset in
            Total(
                asset: asset, quantity: quantity[asset] ?? .zero(decimals: asset.decimals),
                commission: commission[asset] ?? .zero(decimals: asset.decimals))
        }
    }

    // MARK: Header and rows

    static func rowProblem(_ file: String, _ row: Int, _ column: Int, _ message: String) -> CM1ImportProblem {
        CM1ImportProblem(file: file, row: row, column: column, columnName: "", message: message)
    }

    /// Whether `header` is exactly ``columns``; when not, one problem at its first wrong column.
    static func checkHeader(_ header: Record, file: String, problems: inout [CM1ImportProblem]) -> Bool {
        let texts = header.fields.map(\.text)
        if texts.count == columns.count, zip(texts, columns).allSatisfy({ $0.0 == $0.1 }) { return true }
        // A field that is not UTF-8 or not well quoted has its problem already.
        guard header.complete, !texts.contains(where: { $0 == nil }) else { return false }
        let expected = "the header must be exactly \(columns.joined(separator: ","))"
        let column: Int
        let why: String
        if let i = texts.indices.first(where: { $0 < columns.count && texts[$0] != columns[$0] }) {
            column = i + 1
            why = "column \(column) is \"\(texts[i] ?? "")\", not \"\(columns[i])\""
        } else {
            column = min(texts.count, columns.count) + 1
            why = "it has \(texts.count) columns, not \(columns.count)"
        }
        problems.append(rowProblem(file, header.row, column, "\(expected): \(why)"))
        return false
    }

    /// A checked row and its duplicate-detection wallet key.
    struct CheckedRow {
        let distribution: CM1Distribution
        let walletKey: String
    }

    /// Rows with the same key are duplicates.
    struct DuplicateKey: Hashable {
        let bin: String
        let wallet: String
        let date: LocalDate
        let asset: CM1Asset
        let quantity: CM1Quantity

        init(_ row: CheckedRow) {
            bin = row.distribution.bin.digits
            wallet = row.walletKey
            date = row.distribution.date
            asset = row.distribution.asset
            quantity = row.distribution.quantity
        }
    }

    /// The distribution in a complete data record, or `nil` with its problems added.
    static func validate(_ record: Record, file: String, month: CalendarMonth, problems: inout [CM1ImportProblem]) -> CheckedRow? {
        let count = record.fields.count
        if count == 1, record.fields[0].text == "", !record.fields[0].quoted {
            problems.append(rowProblem(file, record.row, 1, "a blank line: expected \(columns.count) columns"))
            return nil
        }
        guard count == columns.count else {
            let column = count < columns.count ? count + 1 : columns.count + 1
            problems.append(rowProblem(file, record.row, column, "expected \(columns.count) columns, found \(count)"))
            return nil
        }
        var ok = true
        func report(_ column: Int, _ message: String) {
            ok = false
            problems.append(
                CM1ImportProblem(file: file, row: record.row, column: column, columnName: columns[column - 1], message: message))
        }
        // Trimmed values; nil where the field's CSV or UTF-8 problem is already reported, or it is empty.
        var values: [String?] = []
        for (i, field) in record.fields.enumerated() {
            guard let text = field.text else {
                ok = false
                values.append(nil)
                continue
            }
            let value = trimmed(text)
            if value.isEmpty {
                report(i + 1, "empty; every column is required")
                values.append(nil)
            } else {
                values.append(value)
            }
        }

        let name = values[0]
        var bin: TaxpayerNumber?
        if let text = values[1] {
            switch TaxpayerNumber.parse(text) {
            case .success(let number): bin = number
            case .failure(let problem): report(2, problem.description)
            }
        }
        let licenceNumber = values[2]
        let licenceDate = values[3].flatMap { parseDate($0, column: 4, report: report) }
        let date = values[5].flatMap { parseDate($0, column: 6, report: report) }
        if let date, CalendarMonth(containing: date) != month {
            report(6, "\(date) is not in the reporting month \(month)")
        }
        if let licenceDate, let date, licenceDate > date {
            report(4, "the licence's date of issue \(licenceDate) is after the distribution date \(date)")
        }
        let asset = values[6].flatMap { parseAsset($0, column: 7, report: report) }
        let commissionAsset = values[8].flatMap { parseAsset($0, column: 9, report: report) }
        var walletKey: String?
        if let text = values[4], let asset {
            switch asset.walletFormat.check(text) {
            case .success(let key): walletKey = key
            case .failure(let problem): report(5, problem.message)
            }
        }
        let quantity = values[7].flatMap { parseQuantity($0, of: asset, allowingZero: false, column: 8, report: report) }
        let commission = values[9].flatMap { parseQuantity($0, of: commissionAsset, allowingZero: true, column: 10, report: report) }

        guard ok, let name, let bin, let licenceNumber, let licenceDate, let wallet = values[4], let walletKey, let date,
            let asset, let quantity, let commissionAsset, let commission
        else { return nil }
        let distribution = CM1Distribution(
            row: record.row, name: name, bin: bin, licenceNumber: licenceNumber, licenceDate: licenceDate, wallet: wallet,
            date: date, asset: asset, quantity: quantity, commissionAsset: commissionAsset, commissionQuantity: commission)
        return CheckedRow(distribution: distribution, walletKey: walletKey)
    }

    /// A `YYYY-MM-DD` date (ASCII digits only), or `nil` with a problem.
    static func parseDate(_ text: String, column: Int, report: (Int, String) -> Void) -> LocalDate? {
        let shape = Array(text.utf8)
        let dashes: Set<Int> = [4, 7]
        let wellFormed =
            shape.count == 10
            && shape.indices.allSatisfy { dashes.contains($0) ? shape[$0] == UInt8(ascii: "-") : (0x30...0x39).contains(shape[$0]) }
        guard wellFormed, let date = LocalDate(text) else {
            report(column, "\(text) is not a date YYYY-MM-DD")
            return nil
        }
        return date
    }

    /// A known asset, or `nil` with a problem.
    static func parseAsset(_ text: String, column: Int, report: (Int, String) -> Void) -> CM1Asset? {
        guard let asset = CM1Asset.named(text) else {
            report(column, "\(text) is not a known asset (known: \(CM1Asset.known.map(\.code).joined(separator: ", ")))")
            return nil
        }
        return asset
    }

    /// A quantity of `asset`; when the asset is unknown (its problem reported) only the number's form is
    /// checked. `nil` with a problem when wrong.
    static func parseQuantity(
        _ text: String, of asset: CM1Asset?, allowingZero: Bool, column: Int, report: (Int, String) -> Void
    ) -> CM1Quantity? {
        guard let asset else {
            if case .failure(let problem) = CM1Quantity.syntax(text) { report(column, problem.description) }
            return nil
        }
        switch CM1Quantity.parse(text, asset: asset, allowingZero: allowingZero) {
        case .success(let q): return q
        case .failure(let problem):
            report(column, problem.description)
            return nil
        }
    }

    /// `text` without spaces and tabs around it.
    static func trimmed(_ text: String) -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let first = text.firstIndex(where: { !isSpace($0) }), let last = text.lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(text[first...last])
    }

    // MARK: CSV

    /// One CSV field: its text (`nil` when its quoting or UTF-8 is wrong, a problem already reported).
    struct Field {
        let text: String?
        let quoted: Bool
    }

    /// One CSV record: the line it starts on, its fields, and whether it ended (an unterminated quote
    /// leaves it incomplete).
    struct Record {
        let row: Int
        var fields: [Field]
        var complete: Bool
    }

    /// RFC 4180 over bytes, with line numbers, byte offsets and every quoting or UTF-8 problem.
    struct Reader {
        let bytes: [UInt8]
        let file: String
        var pos = 0
        var line = 1
        var problems: [CM1ImportProblem] = []
        /// An unterminated quote ended the reading.
        var stoppedEarly = false

        static let quote = UInt8(ascii: "\"")
        static let comma = UInt8(ascii: ",")
        static let cr = UInt8(ascii: "\r")
        static let lf = UInt8(ascii: "\n")

        init(bytes: [UInt8], file: String) {
            self.bytes = bytes
            self.file = file
            if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { pos = 3 }
        }

        /// Every record, blank lines at the end dropped.
        mutating func records() -> [Record] {
            var result: [Record] = []
            while pos < bytes.count, !stoppedEarly {
                result.append(record())
            }
            while let last = result.last, last.complete, last.fields.count == 1, last.fields[0].text == "", !last.fields[0].quoted {
                result.removeLast()
            }
            return result
        }

        /// Whether a line ends at `i` (LF, CRLF, or a CR as the file's last byte), and its length.
        func lineEnd(at i: Int) -> Int? {
            guard i < bytes.count else { return nil }
            if bytes[i] == Reader.lf { return 1 }
            if bytes[i] == Reader.cr { return i + 1 == bytes.count ? 1 : (bytes[i + 1] == Reader.lf ? 2 : nil) }
            return nil
        }

        mutating func problem(_ row: Int, _ column: Int, _ message: String) {
            let name = row > 1 && column <= CM1Import.columns.count ? CM1Import.columns[column - 1] : ""
            problems.append(CM1ImportProblem(file: file, row: row, column: column, columnName: name, message: message))
        }

        mutating func record() -> Record {
            var record = Record(row: line, fields: [], complete: false)
            while true {
                let column = record.fields.count + 1
                guard let field = field(row: record.row, column: column) else { return record }
                record.fields.append(field)
                if pos >= bytes.count {
                    record.complete = true
                    return record
                }
                if bytes[pos] == Reader.comma {
                    pos += 1
                    continue
                }
                if let n = lineEnd(at: pos) {
                    pos += n
                    line += 1
                }
                record.complete = true
                return record
            }
        }

        /// The field at `pos`, leaving `pos` at the comma or line end after it; `nil` when a quote is
        /// never closed (reported; reading stops).
        mutating func field(row: Int, column: Int) -> Field? {
            let start = pos
            var content: [UInt8] = []
            var wellFormed = true
            let quoted = pos < bytes.count && bytes[pos] == Reader.quote
            if quoted {
                let openingLine = line
                pos += 1
                var closed = false
                while pos < bytes.count {
                    let b = bytes[pos]
                    if b == Reader.quote {
                        if pos + 1 < bytes.count, bytes[pos + 1] == Reader.quote {
                            content.append(b)
                            pos += 2
                            continue
                        }
                        pos += 1
                        closed = true
                        break
                    }
                    if b == Reader.lf { line += 1 }
                    content.append(b)
                    pos += 1
                }
                guard closed else {
                    let opened = openingLine == row ? "" : " (opened on line \(openingLine))"
                    problem(row, column, "unterminated quote: the quoted field\(opened) is never closed before the end of the file")
                    stoppedEarly = true
                    return nil
                }
                if pos < bytes.count, bytes[pos] != Reader.comma, lineEnd(at: pos) == nil {
                    problem(row, column, "text after the closing quote (a quote inside a quoted field is written \"\")")
                    wellFormed = false
                    while pos < bytes.count, bytes[pos] != Reader.comma, lineEnd(at: pos) == nil { pos += 1 }
                }
            } else {
                while pos < bytes.count, bytes[pos] != Reader.comma, lineEnd(at: pos) == nil {
                    content.append(bytes[pos])
                    pos += 1
                }
                if wellFormed, content.contains(Reader.quote) {
                    problem(row, column, "a quote inside an unquoted field (quote the whole field and write the quote as \"\")")
                    wellFormed = false
                }
            }
            // A delimiter is ASCII and never part of a multi-byte sequence, so each field is checked alone.
            if wellFormed, let offset = firstInvalidUTF8(from: start, to: pos) {
                problem(row, column, "invalid UTF-8 at byte offset \(offset) of the file")
                wellFormed = false
            }
            return Field(text: wellFormed ? String(decoding: content, as: UTF8.self) : nil, quoted: quoted)
        }

        /// The offset of the first byte in `from..<to` that does not begin a valid UTF-8 sequence.
        func firstInvalidUTF8(from: Int, to: Int) -> Int? {
            var iterator = bytes[from..<to].makeIterator()
            var parser = Unicode.UTF8.ForwardParser()
            var offset = from
            while true {
                switch parser.parseScalar(from: &iterator) {
                case .valid(let scalar): offset += scalar.count
                case .emptyInput: return nil
                case .error: return offset
                }
            }
        }
    }
}
