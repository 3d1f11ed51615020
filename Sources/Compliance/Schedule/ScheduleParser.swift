import Foundation
public import Metering
import Store

/// Reads a day's purchase schedule from CSV or JSON and checks it against the site's local day.
///
/// **CSV** (UTF-8, a leading byte-order mark skipped, LF or CRLF, blank lines ignored): a header
/// `hour,kwh` — with an optional `date` column, in any order — then one row per hour:
///
/// ```csv
/// hour,kwh
/// 1,1250.5
/// 2,1250
/// ```
///
/// **JSON**: `{"date": "2026-12-05", "zone": "Asia/Almaty", "unit": "kWh", "hours": [{"hour": 1, "kwh": 1250.5}, …]}`,
/// or `"hours": [1250.5, 1250, …]` (hour 1 first). `date`, `zone` and `unit` are optional; a zone
/// given must be the site's, a unit must be `kWh`.
///
/// Checks: the date (the file's, on every row alike, against the one asked for), every hour
/// 1…N of that local day exactly once (N from the site's time zone: 23, 24 or 25), each value a
/// plain decimal of kWh with at most 3 decimals (so exact to the Wh, read as text: never a
/// floating-point number), not negative, at most ``PurchaseSchedule/maxHourKWh``. Every problem
/// is collected with its file, line and column.
public enum ScheduleParser {
    public enum Format: String, Sendable, CaseIterable {
        case csv, json
    }

    /// The format of a file by its name's extension (`.json`, else CSV).
    public static func format(ofFile name: String) -> Format {
        name.lowercased().hasSuffix(".json") ? .json : .csv
    }

    /// Parses and checks a schedule.
    /// - Parameters:
    ///   - bytes: the file or request body.
    ///   - file: its name in messages.
    ///   - date: the day asked for (`--date`, the URL's date); nil: the file's own date.
    ///   - dateSource: how messages name `date` (`--date`, `the URL`).
    ///   - calendar: the site's time zone.
    /// - Throws: ``ScheduleImportError`` with every problem found.
    public static func parse(
        _ bytes: [UInt8], format: Format, file: String, date: LocalDate?, dateSource: String = "--date", calendar: SiteCalendar
    ) throws(ScheduleImportError) -> PurchaseSchedule {
        var p = Problems(file: file)
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        guard let text = String(validating: body, as: UTF8.self) else {
            p.add(1, 1, "", "the file is not UTF-8 text (save it as UTF-8)", syntax: true)
            throw ScheduleImportError(problems: p.list)
        }
        var entries: [Entry] = []
        var fileDate: (date: LocalDate, line: Int, column: Int, name: String)? = nil
        var anchor = Place(line: 1, column: 1, name: "")
        // Not readable at all (no header, not JSON): nothing more to check.
        let readable: Bool
        switch format {
        case .csv: readable = readCSV(text, &p, &entries, &fileDate, &anchor)
        case .json: readable = readJSON(text, &p, &entries, &fileDate, &anchor, calendar: calendar)
        }
        if !readable { throw ScheduleImportError(problems: p.list) }
        // The day: the one asked for, which the file's must match; or the file's.
        let day: LocalDate
        if let date {
            if let f = fileDate, f.date != date {
                p.add(f.line, f.column, f.name, "the file is for \(f.date) but \(dateSource) says \(date)")
            }
            day = date
        } else if let f = fileDate {
            day = f.date
        } else {
            p.add(1, 1, "", "no date: give \(dateSource) or a date in the file")
            throw ScheduleImportError(problems: p.list)
        }
        let spans = PurchaseSchedule.hours(of: day, calendar: calendar)
        let n = spans.count
        var seen: [Int: Int] = [:]
        var hours: [ScheduleHourRecord] = []
        for e in entries {
            guard let hour = e.hour else { continue }
            guard (1...max(1, n)).contains(hour) else {
                p.add(e.hourPlace, "hour \(hour) is out of range: \(day) has \(n) hours (1–\(n)) in \(calendar.identifier)")
                continue
            }
            if let first = seen[hour] {
                p.add(e.hourPlace, "hour \(hour) is given twice (first on line \(first))")
                continue
            }
            seen[hour] = e.hourPlace.line
            guard let wh = e.wh else { continue }
            let span = spans[hour - 1]
            hours.append(ScheduleHourRecord(hour: hour, startMs: span.lowerBound, endMs: span.upperBound, purchasedWh: wh))
        }
        let missing = (1...max(1, n)).filter { seen[$0] == nil }
        if !missing.isEmpty, n > 0 {
            let list = Self.ranges(missing)
            p.add(
                anchor, "hour\(missing.count == 1 ? "" : "s") \(list) missing: \(day) has \(n) hours (1–\(n)) in \(calendar.identifier)")
        }
        guard p.list.isEmpty else { throw ScheduleImportError(problems: p.list) }
        return PurchaseSchedule(date: day, zone: calendar.identifier, hours: hours.sorted { $0.hour < $1.hour })
    }

    /// `3, 5–7, 24`.
    static func ranges(_ numbers: [Int]) -> String {
        var parts: [String] = []
        var i = 0
        while i < numbers.count {
            var j = i
            while j + 1 < numbers.count, numbers[j + 1] == numbers[j] + 1 { j += 1 }
            parts.append(j == i ? "\(numbers[i])" : "\(numbers[i])–\(numbers[j])")
            i = j + 1
        }
        return parts.joined(separator: ", ")
    }

    // MARK: Values

    /// Plain decimal kWh text (`1234.5`, at most 3 decimals) as exact Wh, range-checked before
    /// any arithmetic; otherwise what is wrong with it.
    public static func wattHours(kWh text: String) -> Result<Int64, ValueProblem> {
        let t = text.trimmingCharacters(in: .whitespaces)
        if t.isEmpty { return .failure(ValueProblem("empty: give the hour's kWh")) }
        var digits = Substring(t)
        if digits.first == "-" {
            let rest = digits.dropFirst()
            if !rest.isEmpty, rest.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
                return .failure(ValueProblem("negative value \(t): a purchase is 0 kWh or more"))
            }
            return .failure(ValueProblem("'\(t)' is not a number (kWh with at most 3 decimals, e.g. 1250.5)"))
        }
        if digits.first == "+" { digits = digits.dropFirst() }
        let parts = digits.split(separator: ".", maxSplits: 2, omittingEmptySubsequences: false)
        let isDigits = { (s: Substring) in !s.isEmpty && s.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard parts.count <= 2, isDigits(parts[0]), parts.count == 1 || isDigits(parts[1]) else {
            return .failure(ValueProblem("'\(t)' is not a number (kWh with at most 3 decimals, e.g. 1250.5)"))
        }
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 3 else {
            return .failure(ValueProblem("'\(t)' has more than 3 decimals (kWh are exact to the Wh)"))
        }
        let whole = parts[0].drop { $0 == "0" }
        guard whole.count <= 8, let kWh = Int64(whole.isEmpty ? "0" : String(whole)), kWh <= PurchaseSchedule.maxHourKWh,
            let frac = Int64(fraction + String(repeating: "0", count: 3 - fraction.count))
        else {
            return .failure(ValueProblem("\(t) kWh is above the cap of \(PurchaseSchedule.maxHourKWh) kWh in one hour"))
        }
        if kWh == PurchaseSchedule.maxHourKWh, frac > 0 {
            return .failure(ValueProblem("\(t) kWh is above the cap of \(PurchaseSchedule.maxHourKWh) kWh in one hour"))
        }
        return .success(kWh * 1000 + frac)
    }

    /// What is wrong with a value.
    public struct ValueProblem: Error, Sendable, Hashable, CustomStringConvertible {
        public let description: String
        init(_ text: String) { description = text }
    }

    /// A whole hour number (digits only) in a sane range, or nil.
    static func hourNumber(_ text: String) -> Int? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard !t.isEmpty, t.count <= 4, t.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else { return nil }
        return Int(t)
    }

    // MARK: Internals

    struct Place {
        var line: Int
        var column: Int
        var name: String
    }

    /// One hour as read (nil: a problem already reported).
    struct Entry {
        var hour: Int?
        var hourPlace: Place
        var wh: Int64?
    }

    struct Problems {
        let file: String
        var list: [ScheduleProblem] = []

        mutating func add(_ line: Int, _ column: Int, _ name: String, _ message: String, syntax: Bool = false) {
            list.append(ScheduleProblem(file: file, line: line, column: column, columnName: name, message: message, isSyntax: syntax))
        }

        mutating func add(_ place: Place, _ message: String, syntax: Bool = false) {
            add(place.line, place.column, place.name, message, syntax: syntax)
        }
    }

    // MARK: CSV

    static let csvColumns = ["hour", "kwh", "date"]

    /// False when the file cannot be read as the table at all (no usable header).
    static func readCSV(
        _ text: String, _ p: inout Problems, _ entries: inout [Entry],
        _ fileDate: inout (date: LocalDate, line: Int, column: Int, name: String)?, _ anchor: inout Place
    ) -> Bool {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? line.dropLast() : line
        }
        func fields(_ line: Substring) -> [String] {
            line.split(separator: ",", omittingEmptySubsequences: false).map { f in
                var s = f.trimmingCharacters(in: .whitespaces)
                if s.count >= 2, s.hasPrefix("\""), s.hasSuffix("\"") { s = String(s.dropFirst().dropLast()) }
                return s
            }
        }
        guard let headerIndex = lines.firstIndex(where: { !$0.trimmingCharacters(in: .whitespaces).isEmpty }) else {
            p.add(1, 1, "", "the file is empty: the header is hour,kwh (and optionally date)", syntax: true)
            return false
        }
        let headerLine = headerIndex + 1
        let header = fields(lines[headerIndex]).map { $0.lowercased() }
        var columnOf: [String: Int] = [:]
        for (i, name) in header.enumerated() {
            if !csvColumns.contains(name) {
                p.add(
                    headerLine, i + 1, name,
                    "unknown column '\(name)': the header is hour,kwh and optionally date", syntax: true)
            } else if columnOf[name] != nil {
                p.add(headerLine, i + 1, name, "column '\(name)' appears twice in the header", syntax: true)
            } else {
                columnOf[name] = i
            }
        }
        for required in ["hour", "kwh"] where columnOf[required] == nil {
            p.add(headerLine, header.count + 1, required, "the header has no '\(required)' column (hour,kwh)", syntax: true)
        }
        guard let hourColumn = columnOf["hour"], let kwhColumn = columnOf["kwh"], columnOf.count == header.count else { return false }
        anchor = Place(line: headerLine, column: hourColumn + 1, name: "hour")
        for index in lines.indices where index > headerIndex {
            let line = lines[index]
            if line.trimmingCharacters(in: .whitespaces).isEmpty { continue }
            let row = index + 1
            let f = fields(line)
            guard f.count == header.count else {
                let column = min(f.count, header.count) + 1
                let name = f.count < header.count ? header[f.count] : ""
                p.add(
                    row, column, name, "the row has \(f.count) column\(f.count == 1 ? "" : "s"), the header \(header.count)",
                    syntax: true)
                continue
            }
            let hourPlace = Place(line: row, column: hourColumn + 1, name: "hour")
            var entry = Entry(hour: nil, hourPlace: hourPlace, wh: nil)
            if let h = hourNumber(f[hourColumn]) {
                entry.hour = h
            } else {
                p.add(hourPlace, "'\(f[hourColumn])' is not an hour number (1, 2, … 24)")
            }
            switch wattHours(kWh: f[kwhColumn]) {
            case .success(let wh): entry.wh = wh
            case .failure(let problem): p.add(row, kwhColumn + 1, "kwh", problem.description)
            }
            if let dateColumn = columnOf["date"] {
                let text = f[dateColumn]
                if let d = LocalDate(text) {
                    if let known = fileDate, known.date != d {
                        p.add(row, dateColumn + 1, "date", "\(d) differs from \(known.date) on line \(known.line): one file is one day")
                    } else if fileDate == nil {
                        fileDate = (d, row, dateColumn + 1, "date")
                    }
                } else {
                    p.add(row, dateColumn + 1, "date", "'\(text)' is not a date (YYYY-MM-DD)")
                }
            }
            entries.append(entry)
        }
        if entries.isEmpty, !p.list.contains(where: { $0.line > headerLine }) {
            p.add(headerLine + 1, 1, "", "no hours after the header")
        }
        return true
    }

    // MARK: JSON

    /// False when the text is not JSON or not an object with an array of hours.
    static func readJSON(
        _ text: String, _ p: inout Problems, _ entries: inout [Entry],
        _ fileDate: inout (date: LocalDate, line: Int, column: Int, name: String)?, _ anchor: inout Place,
        calendar: SiteCalendar
    ) -> Bool {
        let root: JSONNode
        do {
            root = try JSONNode.parse(text)
        } catch {
            p.add(error.line, error.column, "", "not JSON: \(error.message)", syntax: true)
            return false
        }
        guard case .object(let members) = root.value else {
            p.add(root.line, root.column, "", "the document must be an object {\"date\": …, \"hours\": […]}", syntax: true)
            return false
        }
        var hoursNode: JSONNode? = nil
        var seenKeys: Set<String> = []
        for (key, node) in members {
            if !seenKeys.insert(key).inserted {
                p.add(node.line, node.column, key, "'\(key)' is given twice")
                continue
            }
            switch key {
            case "date":
                if case .string(let s) = node.value, let d = LocalDate(s) {
                    fileDate = (d, node.line, node.column, "date")
                } else {
                    p.add(node.line, node.column, "date", "must be a date \"YYYY-MM-DD\"")
                }
            case "zone":
                if case .string(let s) = node.value {
                    if s != calendar.identifier {
                        p.add(node.line, node.column, "zone", "'\(s)' is not the site's time zone \(calendar.identifier)")
                    }
                } else {
                    p.add(node.line, node.column, "zone", "must be a time zone name such as \"\(calendar.identifier)\"")
                }
            case "unit":
                if case .string(let s) = node.value, s.lowercased() == "kwh" {
                } else {
                    p.add(node.line, node.column, "unit", "must be \"kWh\"")
                }
            case "hours":
                hoursNode = node
            default:
                p.add(node.line, node.column, key, "unknown member '\(key)': use date, zone, unit and hours")
            }
        }
        guard let hoursNode else {
            p.add(root.line, root.column, "hours", "missing: the hours' kWh, [{\"hour\": 1, \"kwh\": …}, …] or [kWh of hour 1, …]")
            return false
        }
        guard case .array(let items) = hoursNode.value else {
            p.add(hoursNode.line, hoursNode.column, "hours", "must be an array")
            return false
        }
        anchor = Place(line: hoursNode.line, column: hoursNode.column, name: "hours")
        for (i, item) in items.enumerated() {
            let path = "hours[\(i)]"
            func value(_ node: JSONNode, _ name: String) -> Int64? {
                guard case .number(let text) = node.value else {
                    if case .string(let s) = node.value {
                        p.add(node.line, node.column, name, "\"\(s)\" is a string: give the kWh as a number")
                    } else {
                        p.add(node.line, node.column, name, "must be a number of kWh")
                    }
                    return nil
                }
                switch wattHours(kWh: text) {
                case .success(let wh): return wh
                case .failure(let problem):
                    p.add(node.line, node.column, name, problem.description)
                    return nil
                }
            }
            switch item.value {
            case .number, .string, .null, .bool:
                entries.append(
                    Entry(hour: i + 1, hourPlace: Place(line: item.line, column: item.column, name: path), wh: value(item, path)))
            case .object(let fields):
                var entry = Entry(hour: nil, hourPlace: Place(line: item.line, column: item.column, name: "\(path).hour"), wh: nil)
                var hasHour = false
                var hasKWh = false
                for (key, node) in fields {
                    switch key {
                    case "hour":
                        hasHour = true
                        entry.hourPlace = Place(line: node.line, column: node.column, name: "\(path).hour")
                        if case .number(let t) = node.value, let h = hourNumber(t) {
                            entry.hour = h
                        } else {
                            p.add(node.line, node.column, "\(path).hour", "must be a whole hour number (1, 2, … 24)")
                        }
                    case "kwh":
                        hasKWh = true
                        entry.wh = value(node, "\(path).kwh")
                    default:
                        p.add(node.line, node.column, "\(path).\(key)", "unknown member '\(key)': an hour is {\"hour\": N, \"kwh\": …}")
                    }
                }
                if !hasHour { p.add(item.line, item.column, "\(path).hour", "missing") }
                if !hasKWh { p.add(item.line, item.column, "\(path).kwh", "missing") }
                entries.append(entry)
            case .array:
                p.add(item.line, item.column, path, "must be a number or an object {\"hour\": N, \"kwh\": …}")
            }
        }
        return true
    }
}
