import Metering
import Testing

@testable import Compliance

/// The 1-ЦМ distributions CSV: a valid file read to the right values, and every kind of mistake named
/// at its `FILE:ROW:COLUMN`.
@Suite struct CM1ImportTests {
    let october = CalendarMonth(year: 2026, month: 10)!
    static let header = "name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity"

    /// Valid BINs (check digits computed) and published Bitcoin addresses (BIP 173, well-known legacy).
    static let bin1 = "260140001231"
    static let bin2 = "190840005670"
    static let segwit = "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4"
    static let legacy = "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2"
    static let script = "3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy"

    /// A valid row whose columns can be replaced one by one.
    static func row(
        name: String = "ТОО Кен Майнинг", bin: String = bin1, licenceNumber: String = "ЦМ-2025-017",
        licenceDate: String = "2025-03-14", wallet: String = segwit, date: String = "2026-10-05", asset: String = "BTC",
        quantity: String = "0.12345678", commissionAsset: String = "BTC", commissionQuantity: String = "0.00250000"
    ) -> String {
        [name, bin, licenceNumber, licenceDate, wallet, date, asset, quantity, commissionAsset, commissionQuantity]
            .joined(separator: ",")
    }

    /// The file: the header and `rows`, LF line ends, a final newline.
    static func file(_ rows: String...) -> [UInt8] {
        Array(([header] + rows).map { $0 + "\n" }.joined().utf8)
    }

    func parse(_ bytes: [UInt8]) throws(CM1ImportError) -> [CM1Distribution] {
        try CM1Import.parse(bytes, file: "dist.csv", month: october)
    }

    /// Every problem's text, or none when the file is valid.
    func problems(_ bytes: [UInt8]) -> [String] {
        do {
            _ = try parse(bytes)
            return []
        } catch {
            return error.problems.map(\.description)
        }
    }

    /// The only problem of `bytes`, which must start with `place` and contain `fragment`.
    func expectOne(_ bytes: [UInt8], at place: String, _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let found = problems(bytes)
        #expect(found.count == 1, "\(found)", sourceLocation: sourceLocation)
        guard let first = found.first else { return }
        #expect(first.hasPrefix(place + " "), "\(first)", sourceLocation: sourceLocation)
        #expect(first.contains(fragment), "\(first)", sourceLocation: sourceLocation)
    }

    // MARK: Valid files

    @Test func validFileWithBOMQuotesAndCRLF() throws {
        let lines = [
            Self.header,
            // Quoted name with a comma and doubled quotes; quoted quantity.
            "\"ТОО \"\"Кен Майнинг\"\", Алматы\",\(Self.bin1),ЦМ-2025-017,2025-03-14,\(Self.segwit),2026-10-01,BTC,\"0.12\",BTC,0.0025",
            // A quoted licence number holding a line break: the next record starts a line later.
            " ИП Сапаров ,\(Self.bin2),\"ЦМ-2024\r\n-003\",2024-12-01,\(Self.legacy),2026-10-31,btc,3,BTC,0",
            "ТОО Кен Майнинг,\(Self.bin1),ЦМ-2025-017,2026-10-15,\(Self.script),2026-10-15,BTC,0.00000001,BTC,0.00000000",
        ]
        let text = lines.joined(separator: "\r\n") + "\r\n\r\n"
        let rows = try parse([0xEF, 0xBB, 0xBF] + Array(text.utf8))
        #expect(rows.count == 3)
        #expect(rows.map(\.row) == [2, 3, 5])

        let a = rows[0]
        #expect(a.name == "ТОО \"Кен Майнинг\", Алматы")
        #expect(a.bin.digits == Self.bin1)
        #expect(a.licenceNumber == "ЦМ-2025-017")
        #expect(a.licenceDate == LocalDate(year: 2025, month: 3, day: 14))
        #expect(a.wallet == Self.segwit)
        #expect(a.date == LocalDate(year: 2026, month: 10, day: 1))
        #expect(a.asset == .bitcoin)
        #expect(a.quantity.units == 12_000_000)
        #expect(a.quantity.decimals == 8)
        #expect(a.quantity.description == "0.12000000")
        #expect(a.commissionAsset == .bitcoin)
        #expect(a.commissionQuantity.units == 250_000)
        #expect(a.commissionQuantity.description == "0.00250000")

        let b = rows[1]
        #expect(b.name == "ИП Сапаров")
        #expect(b.licenceNumber == "ЦМ-2024\r\n-003")
        #expect(b.asset.code == "BTC")
        #expect(b.quantity.description == "3.00000000")
        #expect(b.commissionQuantity.units == 0)

        let c = rows[2]
        #expect(c.licenceDate == c.date)
        #expect(c.quantity.units == 1)
        #expect(c.quantity.description == "0.00000001")
    }

    @Test func lfWithoutFinalNewline() throws {
        let text = Self.header + "\n" + Self.row()
        let rows = try parse(Array(text.utf8))
        #expect(rows.count == 1)
        #expect(rows.first?.quantity.description == "0.12345678")
    }

    // MARK: One mistake each

    @Test func badBINCheckDigit() {
        expectOne(
            Self.file(Self.row(), Self.row(date: "2026-10-06"), Self.row(bin: "260140001237")), at: "dist.csv:4:2:",
            "bin: check digit 7 is wrong: these first 11 digits give 1")
        expectOne(Self.file(Self.row(bin: "26014000123")), at: "dist.csv:2:2:", "bin: a BIN/IIN has 12 digits")
    }

    @Test func badWalletChecksum() {
        // The BIP 173 example with its last character changed, and a legacy address with one changed.
        expectOne(
            Self.file(Self.row(wallet: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5")), at: "dist.csv:2:5:",
            "wallet: not a Bitcoin mainnet address: the checksum does not match")
        expectOne(
            Self.file(Self.row(wallet: "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3")), at: "dist.csv:2:5:",
            "wallet: not a Bitcoin mainnet address: the checksum does not match")
        expectOne(Self.file(Self.row(wallet: "0xABCDEF")), at: "dist.csv:2:5:", "wallet: not a Bitcoin mainnet address")
    }

    @Test func dateOutsideTheMonth() {
        expectOne(Self.file(Self.row(date: "2026-11-01")), at: "dist.csv:2:6:", "date: 2026-11-01 is not in the reporting month 2026-10")
        expectOne(Self.file(Self.row(date: "2026-09-30")), at: "dist.csv:2:6:", "not in the reporting month 2026-10")
        expectOne(Self.file(Self.row(date: "2026-10-32")), at: "dist.csv:2:6:", "date: 2026-10-32 is not a date YYYY-MM-DD")
        expectOne(Self.file(Self.row(date: "05.10.2026")), at: "dist.csv:2:6:", "is not a date YYYY-MM-DD")
    }

    @Test func licenceIssuedAfterTheDistribution() {
        expectOne(
            Self.file(Self.row(licenceDate: "2026-10-06", date: "2026-10-05")), at: "dist.csv:2:4:",
            "licence_date: the licence's date of issue 2026-10-06 is after the distribution date 2026-10-05")
    }

    @Test func negativeQuantity() {
        expectOne(Self.file(Self.row(quantity: "-0.5")), at: "dist.csv:2:8:", "quantity: -0.5 is negative")
        expectOne(Self.file(Self.row(commissionQuantity: "-0.001")), at: "dist.csv:2:10:", "commission_quantity: -0.001 is negative")
        expectOne(Self.file(Self.row(quantity: "0")), at: "dist.csv:2:8:", "quantity: 0 is not positive")
        expectOne(Self.file(Self.row(quantity: "+0.5")), at: "dist.csv:2:8:", "has a sign")
    }

    @Test func numbersInOtherForms() {
        expectOne(Self.file(Self.row(quantity: "1e-8")), at: "dist.csv:2:8:", "quantity: 1e-8 has an exponent")
        expectOne(Self.file(Self.row(quantity: "\"1,5\"")), at: "dist.csv:2:8:", "quantity: 1,5 has ','")
        expectOne(Self.file(Self.row(quantity: "1 000")), at: "dist.csv:2:8:", "thousands separators")
        expectOne(Self.file(Self.row(quantity: ".5")), at: "dist.csv:2:8:", "quantity: .5 is not a decimal number")
        expectOne(Self.file(Self.row(quantity: "1.")), at: "dist.csv:2:8:", "quantity: 1. is not a decimal number")
        expectOne(Self.file(Self.row(quantity: "1.2.3")), at: "dist.csv:2:8:", "is not a decimal number")
    }

    @Test func overPreciseQuantity() {
        expectOne(Self.file(Self.row(quantity: "0.123456789")), at: "dist.csv:2:8:", "quantity: 0.123456789 has 9 decimals; BTC has 8")
        expectOne(
            Self.file(Self.row(commissionQuantity: "0.000000001")), at: "dist.csv:2:10:",
            "commission_quantity: 0.000000001 has 9 decimals; BTC has 8")
    }

    @Test func hugeQuantityIsAnErrorNotATrap() throws {
        expectOne(
            Self.file(Self.row(quantity: "99999999999999999999999999999999")), at: "dist.csv:2:8:",
            "quantity: 99999999999999999999999999999999 is too large: the largest quantity is 92233720368.54775807 BTC")
        // One unit over Int64.max overflows in the last addition; Int64.max itself is taken.
        expectOne(Self.file(Self.row(quantity: "92233720368.54775808")), at: "dist.csv:2:8:", "is too large")
        // Overflow in the final scaling (whole part fits, × 10^8 does not).
        expectOne(Self.file(Self.row(quantity: "100000000000")), at: "dist.csv:2:8:", "is too large")
        let rows = try parse(Self.file(Self.row(quantity: "92233720368.54775807")))
        #expect(rows.first?.quantity.units == .max)
        // Leading zeros are not a size.
        let padded = try parse(Self.file(Self.row(quantity: "000000000000000000000000000001.5")))
        #expect(padded.first?.quantity.description == "1.50000000")
    }

    @Test func unknownAsset() {
        expectOne(Self.file(Self.row(asset: "ETH")), at: "dist.csv:2:7:", "asset: ETH is not a known asset (known: BTC)")
        expectOne(Self.file(Self.row(commissionAsset: "USDT")), at: "dist.csv:2:9:", "commission_asset: USDT is not a known asset")
    }

    @Test func emptyColumns() {
        expectOne(Self.file(Self.row(name: "  ")), at: "dist.csv:2:1:", "name: empty")
        expectOne(Self.file(Self.row(licenceNumber: "")), at: "dist.csv:2:3:", "licence_number: empty")
    }

    @Test func wrongColumnCount() {
        let missing = Self.row().split(separator: ",").dropLast().joined(separator: ",")
        expectOne(Self.file(missing), at: "dist.csv:2:10:", "expected 10 columns, found 9")
        expectOne(Self.file(Self.row() + ",extra"), at: "dist.csv:2:11:", "expected 10 columns, found 11")
        expectOne(Self.file("", Self.row()), at: "dist.csv:2:1:", "a blank line: expected 10 columns")
    }

    @Test func invalidUTF8() {
        let prefix = Array((Self.header + "\n" + "ТОО ").utf8)
        let rest = Array(("x," + Self.row().split(separator: ",").dropFirst().joined(separator: ",") + "\n").utf8)
        let bytes = prefix + [0xC3, 0x28] + rest
        expectOne(bytes, at: "dist.csv:2:1:", "name: invalid UTF-8 at byte offset \(prefix.count) of the file")
        // In the header: a row problem at row 1.
        let header = Array("name,b".utf8) + [0xFF] + Array(Self.header.dropFirst(6).utf8) + Array(("\n" + Self.row()).utf8)
        expectOne(header, at: "dist.csv:1:2:", "invalid UTF-8 at byte offset 6 of the file")
    }

    @Test func unterminatedQuote() {
        let text = Self.header + "\n" + Self.row() + "\n" + Self.row(licenceNumber: "\"ЦМ-1") + "\n" + Self.row() + "\n"
        expectOne(Array(text.utf8), at: "dist.csv:3:3:", "unterminated quote")
    }

    @Test func strayQuotes() {
        expectOne(Self.file(Self.row(name: "ТОО \"Кен\"")), at: "dist.csv:2:1:", "a quote inside an unquoted field")
        expectOne(Self.file(Self.row(name: "\"ТОО\" Кен")), at: "dist.csv:2:1:", "text after the closing quote")
    }

    @Test func duplicateRowNamesTheEarlierRow() {
        let other = Self.row(name: "Другое имя", licenceNumber: "X", commissionQuantity: "0")
        expectOne(Self.file(Self.row(), Self.row(quantity: "1"), other), at: "dist.csv:4:1:", "as row 2")
        // The same wallet in upper case is the same Bech32 address.
        expectOne(Self.file(Self.row(), Self.row(wallet: Self.segwit.uppercased())), at: "dist.csv:3:1:", "as row 2")
        // A different date is a different distribution.
        #expect(problems(Self.file(Self.row(), Self.row(date: "2026-10-06"))) == [])
    }

    @Test func headerMustBeExact() {
        let wrong = Array(("name,bin,licence,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity\n" + Self.row()).utf8)
        expectOne(wrong, at: "dist.csv:1:3:", "the header must be exactly \(Self.header): column 3 is \"licence\", not \"licence_number\"")
        let short = Array(("name,bin\n" + Self.row()).utf8)
        expectOne(short, at: "dist.csv:1:3:", "it has 2 columns, not 10")
    }

    @Test func noDistributions() {
        expectOne([], at: "dist.csv:1:1:", "no distributions")
        expectOne([0xEF, 0xBB, 0xBF], at: "dist.csv:1:1:", "no distributions")
        expectOne(Array("\n\r\n".utf8), at: "dist.csv:1:1:", "no distributions")
        expectOne(Self.file(), at: "dist.csv:2:1:", "no distributions")
        expectOne(Array((Self.header + "\r\n\r\n\n").utf8), at: "dist.csv:2:1:", "no distributions")
    }

    @Test func severalProblemsReportedTogetherInOrder() {
        let bytes = Self.file(
            Self.row(),
            Self.row(bin: "260140001237", wallet: "bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5", quantity: "0.123456789"),
            Self.row(date: "2026-11-01", commissionQuantity: "-1"),
            "only,three,columns")
        let found = problems(bytes)
        #expect(found.count == 6, "\(found)")
        #expect(found.map { $0.split(separator: " ").first.map(String.init) ?? "" } == [
            "dist.csv:3:2:", "dist.csv:3:5:", "dist.csv:3:8:", "dist.csv:4:6:", "dist.csv:4:10:", "dist.csv:5:4:",
        ])
        #expect(found.last == "dist.csv:5:4: expected 10 columns, found 3")
        do {
            _ = try parse(bytes)
        } catch {
            #expect(error.description == found.joined(separator: "\n"))
            #expect(error.problems.first?.columnName == "bin")
            #expect(error.problems.last?.columnName == "")
        }
    }

    /// Mutations of a valid file (CSV metacharacters, bytes that break UTF-8, signs, digits) never
    /// trap: each gives rows or problems with a place in the file.
    @Test func mutatedFilesNeverTrap() {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next(_ bound: Int) -> Int {
            // SplitMix64: deterministic, so a failure can be replayed.
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
        let base = Self.file(Self.row(), Self.row(wallet: Self.legacy, quantity: "92233720368.54775807", commissionQuantity: "0"))
        let interesting: [UInt8] = [0x22, 0x2C, 0x0D, 0x0A, 0xFF, 0xC3, 0x80, 0x2D, 0x2B, 0x2E, 0x39, 0x30, 0x65, 0x20, 0xEF]
        for _ in 0..<3000 {
            var bytes = base
            for _ in 0..<(1 + next(4)) {
                switch next(3) {
                case 0: bytes[next(bytes.count)] = interesting[next(interesting.count)]
                case 1: bytes.insert(interesting[next(interesting.count)], at: next(bytes.count + 1))
                default: if !bytes.isEmpty { bytes.remove(at: next(bytes.count)) }
                }
            }
            if next(10) == 0 { bytes = Array(bytes.prefix(next(bytes.count + 1))) }
            do {
                let rows = try parse(bytes)
                #expect(!rows.isEmpty)
            } catch {
                #expect(!error.problems.isEmpty)
                #expect(error.problems.allSatisfy { $0.row >= 1 && $0.column >= 1 }, "\(error)")
            }
        }
    }

    // MARK: Quantities and totals

    @Test func quantityValueSemantics() throws {
        let half = try #require(CM1Quantity(units: 5, decimals: 1))
        let halfToo = try #require(CM1Quantity(units: 50, decimals: 2))
        #expect(half == halfToo)
        #expect(half.hashValue == halfToo.hashValue)
        #expect(half.description == "0.5")
        #expect(halfToo.description == "0.50")
        let seven = try #require(CM1Quantity(units: 7, decimals: 0))
        let almostHalf = try #require(CM1Quantity(units: 49, decimals: 2))
        let one = try #require(CM1Quantity(units: 1, decimals: 0))
        let largest = try #require(CM1Quantity(units: .max, decimals: 18))
        #expect(seven.description == "7")
        #expect(almostHalf < half)
        #expect(half < one)
        #expect(!(half < halfToo) && !(halfToo < half))
        #expect(largest.description == "9.223372036854775807")
        #expect(one < largest)
        #expect(CM1Quantity(units: -1, decimals: 8) == nil)
        #expect(CM1Quantity(units: 1, decimals: 19) == nil)
    }

    func distribution(row: Int, quantity: Int64, commission: Int64) throws -> CM1Distribution {
        let bin = try TaxpayerNumber.parse(Self.bin1).get()
        let date = try #require(LocalDate(year: 2026, month: 10, day: 5))
        let q = try #require(CM1Quantity(units: quantity, decimals: 8))
        let c = try #require(CM1Quantity(units: commission, decimals: 8))
        return CM1Distribution(
            row: row, name: "Кен", bin: bin, licenceNumber: "1", licenceDate: date, wallet: Self.segwit, date: date,
            asset: .bitcoin, quantity: q, commissionAsset: .bitcoin, commissionQuantity: c)
    }

    @Test func totalsPerAsset() throws {
        let rows = try parse(
            Self.file(
                Self.row(quantity: "0.12345678", commissionQuantity: "0.001"),
                Self.row(wallet: Self.legacy, quantity: "1.5", commissionQuantity: "0"),
                Self.row(bin: Self.bin2, quantity: "0.00000001", commissionQuantity: "0.00000002")))
        let totals = try CM1Import.totals(rows)
        #expect(totals.count == 1)
        #expect(totals.first?.asset == .bitcoin)
        #expect(totals.first?.quantity.description == "1.62345679")
        #expect(totals.first?.commission.description == "0.00100002")
        #expect(try CM1Import.totals([]).isEmpty)
    }

    @Test func totalsOverflowIsAnError() throws {
        let rows = [
            try distribution(row: 2, quantity: .max - 1, commission: 0),
            try distribution(row: 3, quantity: 1, commission: .max),
            try distribution(row: 4, quantity: 1, commission: 1),
            try distribution(row: 5, quantity: 1, commission: 1),
        ]
        do {
            _ = try CM1Import.totals(rows, file: "dist.csv")
            Issue.record("the totals overflow")
        } catch {
            #expect(error.problems.map { "\($0.row):\($0.column)" } == ["4:8", "4:10"])
            #expect(error.problems.first?.description.hasPrefix("dist.csv:4:8: quantity: the total distributed BTC passes") == true)
            #expect(error.problems.last?.description.contains("commission_quantity: the total commission BTC") == true)
        }
    }
}
