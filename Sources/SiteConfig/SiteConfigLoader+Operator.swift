import Foundation
import Metering

/// `[operator]` (``OperatorSection``).
extension ConfigDecoder {
    static let operatorKeys = [
        "legal_name", "bin", "legal_form", "kind", "legal_address", "contacts", "bank", "licence", "required_capacity_mw",
        "jobs", "investment", "ip_pool", "locations", "equipment", "grid_connection", "documents", "pools", "clients",
    ]
    static let operatorContactKeys = ["person", "phone", "email"]
    static let operatorBankKeys = ["name", "bic", "iban"]
    static let operatorLicenceKeys = ["number", "date"]
    static let operatorInvestmentKeys = ["planned_kzt", "to_year_end_kzt", "next_12_months_kzt"]
    static let operatorLocationKeys = ["id", "name", "address", "meters"]
    static let operatorEquipmentKeys = ["model", "count", "power_kw"]
    static let operatorGridKeys = ["voltage_kv", "capacity_mw", "date", "substation", "conditions"]
    static let operatorDocumentKeys = ["customs_declaration", "equipment_ownership", "residency"]
    static let operatorPoolKeys = ["name", "bin", "url", "since"]
    static let operatorClientKeys = ["name", "bin", "meters", "feeders"]

    /// Decodes `[operator]`; `meters` and `feeders` are the config's, for the references.
    func decodeOperator(_ root: TableReader, meters: [MeterConfig]) -> OperatorSection? {
        guard let t = root.table("operator", keys: ConfigDecoder.operatorKeys) else { return nil }
        let name = t.requiredString("legal_name") ?? ""
        let bin = taxpayerNumber(t, "bin", required: true) ?? ""
        var op = OperatorSection(legalName: name, bin: bin)
        op.legalForm = t.choice("legal_form", OperatorSection.legalForms.map { ($0, $0) }) ?? op.legalForm
        op.kind = t.choice("kind", OperatorSection.kinds.map { ($0, $0) }) ?? op.kind
        op.legalAddress = nonEmpty(t, "legal_address")
        if let c = t.table("contacts", keys: ConfigDecoder.operatorContactKeys) {
            op.contactPerson = nonEmpty(c, "person")
            op.phone = nonEmpty(c, "phone")
            if let phone = op.phone,
                !phone.unicodeScalars.allSatisfy({ CharacterSet(charactersIn: "+0123456789 ()-").contains($0) })
                    || phone.filter(\.isNumber).count < 6
            {
                error(c.path.appending("phone"), "'\(phone)' is not a phone number (digits, +, spaces, brackets, dashes)")
            }
            op.email = nonEmpty(c, "email")
            if let email = op.email, !Self.looksLikeEmail(email) {
                error(c.path.appending("email"), "'\(email)' is not an e-mail address (name@domain.kz)")
            }
        }
        if let b = t.table("bank", keys: ConfigDecoder.operatorBankKeys) {
            op.bankName = nonEmpty(b, "name")
            op.bic = nonEmpty(b, "bic")
            if let bic = op.bic, !Self.isBIC(bic) {
                error(b.path.appending("bic"), "'\(bic)' is not a BIC (8 or 11 letters and digits, e.g. HSBKKZKX)")
            }
            if let text = nonEmpty(b, "iban") {
                switch IBAN.parse(text) {
                case .success(let iban): op.iban = iban.electronic
                case .failure(let problem): error(b.path.appending("iban"), "'\(text)': \(problem)")
                }
            }
        }
        if let l = t.table("licence", keys: ConfigDecoder.operatorLicenceKeys) {
            let number = l.requiredString("number")
            let date = self.date(l, "date", required: true)
            if let number, let date { op.licence = OperatorSection.Licence(number: number, date: date) }
        }
        op.requiredCapacityMW = fixed(t, "required_capacity_mw", decimals: 3, max: 100_000)
        op.jobs = t.int("jobs", in: 0...1_000_000)
        if let i = t.table("investment", keys: ConfigDecoder.operatorInvestmentKeys) {
            op.plannedInvestmentKZT = fixed(i, "planned_kzt", decimals: 2, max: 1_000_000_000_000_000)
            op.investmentToYearEndKZT = fixed(i, "to_year_end_kzt", decimals: 2, max: 1_000_000_000_000_000)
            op.investmentNext12MonthsKZT = fixed(i, "next_12_months_kzt", decimals: 2, max: 1_000_000_000_000_000)
        }
        if let pool = t.stringArray("ip_pool") {
            for (path, text) in pool {
                if Self.isAddressOrNetwork(text) { op.ipPool.append(text) } else {
                    error(path, "'\(text)' is not an IP address or network (203.0.113.10, 203.0.113.0/28, 2001:db8::/48)")
                }
            }
        }
        let meterIds = Set(meters.map(\.id))
        let feeders = Set(meters.map(\.feeder))
        func checkMeters(_ r: TableReader, _ key: String) -> [String] {
            guard let list = r.stringArray(key) else { return [] }
            var out: [String] = []
            for (path, id) in list {
                if meterIds.contains(id) { out.append(id) } else {
                    var message = "no meter '\(id)' in [[meters]]"
                    if let s = closestMatch(to: id, in: meterIds) { message += "; did you mean '\(s)'?" }
                    error(path, message)
                }
            }
            return out
        }
        var locationIds: Set<String> = []
        for (_, l) in t.tables("locations", keys: ConfigDecoder.operatorLocationKeys) {
            guard let id = l.requiredString("id"), let address = l.requiredString("address") else { continue }
            if !locationIds.insert(id).inserted { error(l.path.appending("id"), "location '\(id)' is listed twice") }
            op.locations.append(
                OperatorSection.Location(id: id, name: nonEmpty(l, "name") ?? id, address: address, meters: checkMeters(l, "meters")))
        }
        for (_, e) in t.tables("equipment", keys: ConfigDecoder.operatorEquipmentKeys) {
            let model = e.requiredString("model")
            let count = e.requiredInt("count", in: 1...10_000_000)
            let power = fixed(e, "power_kw", decimals: 3, max: 1_000_000)
            if let model, let count { op.equipment.append(OperatorSection.Equipment(model: model, count: count, powerKW: power)) }
        }
        if let g = t.table("grid_connection", keys: ConfigDecoder.operatorGridKeys) {
            if !g.has("voltage_kv") { g.missing("voltage_kv") }
            if !g.has("capacity_mw") { g.missing("capacity_mw") }
            let kv = fixed(g, "voltage_kv", decimals: 1, max: 1_500)
            let mw = fixed(g, "capacity_mw", decimals: 3, max: 100_000)
            let date = self.date(g, "date", required: true)
            if let kv, let mw, let date {
                op.gridConnection = OperatorSection.GridConnection(
                    voltageKV: kv, capacityMW: mw, date: date, substation: nonEmpty(g, "substation"),
                    conditions: nonEmpty(g, "conditions"))
            }
        }
        if let d = t.table("documents", keys: ConfigDecoder.operatorDocumentKeys) {
            op.customsDeclaration = nonEmpty(d, "customs_declaration")
            op.equipmentOwnership = nonEmpty(d, "equipment_ownership")
            op.residency = nonEmpty(d, "residency")
        }
        var since: [LocalDate: Int] = [:]
        for (i, p) in t.tables("pools", keys: ConfigDecoder.operatorPoolKeys) {
            let name = p.requiredString("name")
            let bin = taxpayerNumber(p, "bin", required: false)
            let date = self.date(p, "since", required: true)
            if let date, let first = since[date] {
                error(p.path.appending("since"), "operator.pools[\(first)] starts on \(date) too: one pool per day")
            }
            if let date { since[date] = i }
            if let name, let date {
                op.pools.append(OperatorSection.Pool(name: name, bin: bin, url: nonEmpty(p, "url"), since: date))
            }
        }
        var clientOf: [String: String] = [:]
        for (_, c) in t.tables("clients", keys: ConfigDecoder.operatorClientKeys) {
            let name = c.requiredString("name")
            let bin = taxpayerNumber(c, "bin", required: true)
            let ms = checkMeters(c, "meters")
            var fs: [String] = []
            for (path, f) in c.stringArray("feeders") ?? [] {
                if feeders.contains(f) { fs.append(f) } else {
                    var message = "no meter is on feeder '\(f)'"
                    if let s = closestMatch(to: f, in: feeders) { message += "; did you mean '\(s)'?" }
                    error(path, message)
                }
            }
            let measuring = Set(ms + meters.filter { fs.contains($0.feeder) }.map(\.id))
            if ms.isEmpty && fs.isEmpty && !c.has("meters") && !c.has("feeders") {
                error(c.path.appending("meters"), "name the meters or feeders that measure this client")
            }
            for m in measuring.sorted() {
                if let other = clientOf[m] {
                    error(c.path.appending("meters"), "meter '\(m)' already measures client '\(other)'")
                } else if let name {
                    clientOf[m] = name
                }
            }
            if let name, let bin { op.clients.append(OperatorSection.Client(name: name, bin: bin, meters: ms, feeders: fs)) }
        }
        if op.kind == "hosting_provider" && op.clients.isEmpty && !t.has("clients") {
            error(t.path.appending("clients"), "a hosting provider lists its clients ([[operator.clients]] name, bin, meters)")
        }
        if op.kind == "miner" && t.has("clients") {
            error(t.path.appending("clients"), "only a hosting provider has clients (kind = \"hosting_provider\")")
        }
        return op
    }

    /// A non-empty string (trimmed); an empty one is reported.
    private func nonEmpty(_ t: TableReader, _ key: String) -> String? {
        guard let s = t.string(key) else { return nil }
        let trimmed = s.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty {
            error(t.path.appending(key), "must not be empty (leave the key out when unknown)")
            return nil
        }
        return trimmed
    }

    private func taxpayerNumber(_ t: TableReader, _ key: String, required: Bool) -> String? {
        guard let text = required ? t.requiredString(key) : t.string(key) else { return nil }
        switch TaxpayerNumber.parse(text) {
        case .success(let n): return n.digits
        case .failure(let problem):
            error(t.path.appending(key), "'\(text)': \(problem)")
            return nil
        }
    }

    private func date(_ t: TableReader, _ key: String, required: Bool) -> LocalDate? {
        guard let text = required ? t.requiredString(key) : t.string(key) else { return nil }
        guard let d = LocalDate(text), (1990...2200).contains(d.year) else {
            error(t.path.appending(key), "'\(text)' is not a date (YYYY-MM-DD)")
            return nil
        }
        return d
    }

    /// A non-negative decimal with at most `decimals` decimals and at most `max`, as canonical text
    /// with exactly `decimals` decimals.
    private func fixed(_ t: TableReader, _ key: String, decimals: Int, max: Int64) -> String? {
        guard let text = t.decimal(key) else { return nil }
        switch Self.canonicalDecimal(text, decimals: decimals, max: max) {
        case .success(let s): return s
        case .failure(let problem):
            error(t.path.appending(key), problem.message)
            return nil
        }
    }

    struct DecimalProblem: Error { var message: String }

    /// `text` (`"12.5"`, `"7"`) as `"12.500"` for 3 decimals; a sign, an exponent, too many
    /// decimals or a value above `max` is a problem.
    static func canonicalDecimal(_ text: String, decimals: Int, max: Int64) -> Result<String, DecimalProblem> {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        let digits = CharacterSet(charactersIn: "0123456789")
        guard (1...2).contains(parts.count), !parts[0].isEmpty,
            parts.allSatisfy({ $0.unicodeScalars.allSatisfy(digits.contains) })
        else {
            return .failure(DecimalProblem(message: "'\(text)' is not a non-negative decimal number (12.5)"))
        }
        let fraction = parts.count == 2 ? String(parts[1]) : ""
        guard fraction.count <= decimals else {
            return .failure(DecimalProblem(message: "'\(text)' has \(fraction.count) decimals; at most \(decimals)"))
        }
        let whole = parts[0].drop { $0 == "0" }
        guard whole.count <= 18, let w = Int64(whole.isEmpty ? "0" : String(whole)), w <= max else {
            return .failure(DecimalProblem(message: "'\(text)' is larger than \(max)"))
        }
        let padded = fraction + String(repeating: "0", count: decimals - fraction.count)
        return .success(decimals == 0 ? String(w) : "\(w).\(padded)")
    }

    static func looksLikeEmail(_ s: String) -> Bool {
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !s.contains(" ") else { return false }
        let domain = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        return domain.count >= 2 && domain.allSatisfy { !$0.isEmpty }
    }

    static func isBIC(_ s: String) -> Bool {
        (s.utf8.count == 8 || s.utf8.count == 11) && s.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) }
            && s.utf8.prefix(6).allSatisfy { (0x41...0x5A).contains($0) }
    }

    /// An IPv4 or IPv6 address, optionally with a prefix length.
    static func isAddressOrNetwork(_ s: String) -> Bool {
        let parts = s.split(separator: "/", omittingEmptySubsequences: false)
        guard (1...2).contains(parts.count) else { return false }
        let address = String(parts[0])
        var v4 = in_addr()
        var v6 = in6_addr()
        let maxPrefix: Int
        if inet_pton(AF_INET, address, &v4) == 1 {
            maxPrefix = 32
        } else if inet_pton(AF_INET6, address, &v6) == 1 {
            maxPrefix = 128
        } else {
            return false
        }
        guard parts.count == 2 else { return true }
        guard let p = Int(parts[1]), (0...maxPrefix).contains(p) else { return false }
        return true
    }
}
