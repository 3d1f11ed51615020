import Foundation
import Metering

/// `[site]`, `[storage]`, `[ingest]` and `[api]`.
extension ConfigDecoder {
    static let siteKeys = ["name", "bin", "address", "timezone"]
    static let storageKeys = ["path", "raw_retention_days", "seal_after_s", "batch_max", "ring_capacity", "max_size_mb"]
    static let ingestKeys = ["hole_fill_registers", "backoff_max_s", "summary_interval_s", "poll_coalesce_ms"]
    static let energyKeys = ["interval_minutes"]
    static let scheduleKeys = ["warn_margin_percent", "check_interval_s", "result_delay_s"]
    static let calendarKeys = ["overrides", "roles"]
    static let feeKeys = [
        "max_power_mw", "category", "payer", "licence_number", "licence_date", "control_meter", "faulty_day_share",
        "average_purchase_price_kzt", "rates",
    ]
    static let feeRateKeys = ["from", "source", "secondary", "payers", "categories", "penalty", "highest_rate_wins", "bands"]
    static let feeRuleKeys = ["rate", "rule"]
    static let feePenaltyKeys = ["rate", "rule", "triggers", "volume"]
    static let feeBandKeys = ["min", "max", "rate", "rule"]
    static let feeCategories = ["grid", "own_renewable", "off_grid", "own_non_renewable"]
    static let replacementKeys = ["meter", "at", "old_final_wh", "new_initial_wh", "note"]
    static let apiKeys = [
        "listen", "tls_cert", "tls_key", "client_ca", "open_on_loopback", "rate_limit_per_s", "failed_auth_per_min",
        "max_connections", "max_concurrent_requests", "max_connections_per_address", "max_requests_per_address",
        "request_header_timeout_s", "reserved_addresses", "reserved_connections", "shutdown_grace_ms",
        "idle_timeout_s", "request_read_timeout_s",
        "response_write_timeout_s", "snapshot_cache_ms", "max_query_days", "tokens",
    ]
    static let tokenKeys = ["name", "hash", "scopes"]

    func decodeSite(_ root: TableReader) -> SiteSection {
        guard let t = root.table("site", keys: ConfigDecoder.siteKeys) else {
            if !root.has("site") { error(ConfigPath.root.appending("site").appending("name"), "missing required key") }
            return SiteSection(name: "")
        }
        let name = t.requiredString("name") ?? ""
        var bin = t.string("bin")
        if let b = bin, b.utf8.count != 12 || !b.utf8.allSatisfy((UInt8(ascii: "0")...UInt8(ascii: "9")).contains) {
            error(t.path.appending("bin"), "must be exactly 12 digits (BIN/IIN), found '\(b)'")
            bin = nil
        }
        var timezone = t.string("timezone", default: "Asia/Almaty")
        if TimeZone(identifier: timezone) == nil {
            var message = "unknown time zone '\(timezone)'"
            if let s = closestMatch(to: timezone, in: TimeZone.knownTimeZoneIdentifiers) {
                message += "; did you mean '\(s)'?"
            }
            error(t.path.appending("timezone"), message)
            timezone = "Asia/Almaty"
        }
        return SiteSection(name: name, bin: bin, address: t.string("address"), timezone: timezone)
    }

    func decodeStorage(_ root: TableReader) -> StorageSection {
        guard let t = root.table("storage", keys: ConfigDecoder.storageKeys) else { return StorageSection() }
        var storage = StorageSection()
        if let path = t.string("path") {
            if path.isEmpty { error(t.path.appending("path"), "must not be empty") } else { storage.path = path }
        }
        storage.rawRetentionDays = t.int("raw_retention_days", default: storage.rawRetentionDays, in: 1...3650)
        storage.sealAfterSeconds = t.int("seal_after_s", default: storage.sealAfterSeconds, in: 60...86400)
        storage.batchMax = t.int("batch_max", default: storage.batchMax, in: 100...100_000)
        let ring = t.int("ring_capacity", default: storage.ringCapacity, in: 1024...16_777_216)
        // The ring indexes with a mask, so its capacity is a power of two.
        var capacity = 1
        while capacity < ring { capacity <<= 1 }
        storage.ringCapacity = capacity
        if t.has("max_size_mb") { storage.maxSizeMB = t.int("max_size_mb", in: 16...16_777_216) }
        return storage
    }

    func decodeIngest(_ root: TableReader) -> IngestSection {
        guard let t = root.table("ingest", keys: ConfigDecoder.ingestKeys) else { return IngestSection() }
        var ingest = IngestSection()
        ingest.holeFillRegisters = t.int("hole_fill_registers", default: ingest.holeFillRegisters, in: 0...125)
        ingest.backoffMaxSeconds = t.int("backoff_max_s", default: ingest.backoffMaxSeconds, in: 1...3600)
        ingest.summaryIntervalSeconds = t.int(
            "summary_interval_s", default: ingest.summaryIntervalSeconds, in: 0...3600)
        ingest.pollCoalesceMs = t.int("poll_coalesce_ms", default: ingest.pollCoalesceMs, in: 0...10_000)
        return ingest
    }

    func decodeCalendar(_ root: TableReader, sourcePath: String) -> CalendarSection {
        guard let t = root.table("calendar", keys: ConfigDecoder.calendarKeys) else { return CalendarSection() }
        var calendar = CalendarSection()
        if let path = t.string("overrides") {
            if path.isEmpty {
                error(t.path.appending("overrides"), "must not be empty (leave the key out for the shipped calendar only)")
            } else {
                let folder = URL(fileURLWithPath: sourcePath).deletingLastPathComponent()
                calendar.overridesPath = path.hasPrefix("/") ? path : folder.appendingPathComponent(path).path
            }
        }
        if let roles = t.stringArray("roles") {
            calendar.roles = []
            for (path, role) in roles {
                if CalendarSection.knownRoles.contains(role) {
                    if !calendar.roles.contains(role) { calendar.roles.append(role) }
                } else {
                    error(path, "'\(role)' is not a role: use \(CalendarSection.knownRoles.joined(separator: ", "))")
                }
            }
            if roles.isEmpty { error(t.path.appending("roles"), "name at least one role") }
        }
        return calendar
    }

    func decodeFee(_ root: TableReader) -> FeeSection? {
        guard let t = root.table("fee", keys: ConfigDecoder.feeKeys) else { return nil }
        guard let power = t.decimal("max_power_mw") else {
            if !t.has("max_power_mw") { error(t.path.appending("max_power_mw"), "missing required key") }
            return nil
        }
        var fee = FeeSection(maxPowerMW: power)
        fee.category = t.choice("category", [("grid", "grid"), ("own_renewable", "own_renewable"), ("off_grid", "off_grid")]) ?? "grid"
        fee.payer = t.choice("payer", [("miner", "miner"), ("hosting_provider", "hosting_provider")]) ?? "miner"
        fee.licenceNumber = t.string("licence_number")
        fee.licenceDate = t.string("licence_date")
        if let date = fee.licenceDate, LocalDate(date) == nil {
            error(t.path.appending("licence_date"), "'\(date)' is not a date (YYYY-MM-DD)")
        }
        if (fee.licenceNumber == nil) != (fee.licenceDate == nil) {
            error(t.path.appending(fee.licenceNumber == nil ? "licence_number" : "licence_date"), "give both licence_number and licence_date")
        }
        fee.controlMeter = t.bool("control_meter", default: true)
        if let share = t.double("faulty_day_share") {
            if (0...1).contains(share) { fee.faultyDayShare = share } else {
                error(t.path.appending("faulty_day_share"), "must be between 0 and 1, found \(share)")
            }
        }
        fee.averagePurchasePriceKZT = t.decimal("average_purchase_price_kzt")
        fee.rates = t.tables("rates", keys: ConfigDecoder.feeRateKeys).map { decodeFeeRate($0.reader) }
        return fee
    }

    /// One `[[fee.rates]]` period. Values are only read here; Compliance's `FeeRateTable` checks
    /// them (dates, decimals, names) and names its errors `rates[i].<field>`, which the caller
    /// places at their line through ``SiteConfiguration/line(ofFeeField:)``.
    func decodeFeeRate(_ t: TableReader) -> FeeRatePeriodConfig {
        func rule(_ r: TableReader) -> FeeRatePeriodConfig.Rule {
            FeeRatePeriodConfig.Rule(rateKZT: r.requiredDecimal("rate") ?? "0", rule: r.requiredString("rule") ?? "")
        }
        var period = FeeRatePeriodConfig(
            from: t.requiredString("from") ?? "", source: t.requiredString("source") ?? "",
            secondary: t.bool("secondary", default: false), payers: t.stringArray("payers")?.map(\.value) ?? ["miner"],
            categories: [:], highestApplicableRateWins: t.bool("highest_rate_wins", default: false))
        if let categories = t.table("categories", keys: ConfigDecoder.feeCategories) {
            for key in categories.entries.keys.sorted() {
                if let r = categories.table(key, keys: ConfigDecoder.feeRuleKeys) { period.categories[key] = rule(r) }
            }
        }
        if let p = t.table("penalty", keys: ConfigDecoder.feePenaltyKeys) {
            period.penalty = FeeRatePeriodConfig.Penalty(
                rule: rule(p), triggers: p.stringArray("triggers")?.map(\.value) ?? [], volume: p.string("volume") ?? "metered")
        }
        period.bands = t.tables("bands", keys: ConfigDecoder.feeBandKeys).map { b in
            FeeRatePeriodConfig.Band(minKZT: b.reader.requiredDecimal("min") ?? "0", maxKZT: b.reader.decimal("max"), rule: rule(b.reader))
        }
        return period
    }

    func decodeEnergy(_ root: TableReader) -> EnergySection {
        guard let t = root.table("energy", keys: ConfigDecoder.energyKeys) else { return EnergySection() }
        var energy = EnergySection()
        if let m = t.int("interval_minutes") {
            if IntervalStep.supportedMinutes.contains(m) {
                energy.intervalMinutes = m
            } else {
                error(
                    t.path.appending("interval_minutes"),
                    "must be one of \(IntervalStep.supportedMinutes.map(String.init).joined(separator: ", ")), found \(m)")
            }
        }
        return energy
    }

    func decodeSchedule(_ root: TableReader) -> ScheduleSection {
        guard let t = root.table("schedule", keys: ConfigDecoder.scheduleKeys) else { return ScheduleSection() }
        var schedule = ScheduleSection()
        schedule.warnMarginPercent = t.int("warn_margin_percent", default: schedule.warnMarginPercent, in: 0...50)
        schedule.checkIntervalSeconds = t.int("check_interval_s", default: schedule.checkIntervalSeconds, in: 1...300)
        schedule.resultDelaySeconds = t.int("result_delay_s", default: schedule.resultDelaySeconds, in: 0...3600)
        return schedule
    }

    func decodeReplacements(_ root: TableReader, meters: Set<String>, timezone: String) -> [ReplacementConfig] {
        let calendar = SiteCalendar(identifier: timezone) ?? .almaty
        var result: [ReplacementConfig] = []
        for (_, t) in root.tables("replacements", keys: ConfigDecoder.replacementKeys) {
            let meter = t.requiredString("meter")
            if let meter, !meters.contains(meter) {
                error(t.path.appending("meter"), "no meter '\(meter)' in [[meters]]")
            }
            var at: Int64? = nil
            if let text = t.requiredString("at") {
                do {
                    at = try calendar.parseTime(text, nowMs: WallClock.nowMs())
                } catch let problem {
                    error(t.path.appending("at"), problem.description)
                }
            }
            let old = t.requiredInt("old_final_wh", in: 0...Int.max)
            let new = t.requiredInt("new_initial_wh", in: 0...Int.max)
            guard let meter, meters.contains(meter), let at, let old, let new else { continue }
            result.append(
                ReplacementConfig(meter: meter, atMs: at, oldFinalWh: Int64(old), newInitialWh: Int64(new), note: t.string("note")))
        }
        return result
    }

    func decodeAPI(_ root: TableReader) -> APISection {
        guard let t = root.table("api", keys: ConfigDecoder.apiKeys) else { return APISection() }
        var api = APISection()
        if let listen = t.string("listen") {
            switch ConfigDecoder.parseListen(listen) {
            case .success(let (host, port)):
                api = APISection(listenHost: host, listenPort: port)
                api.listen = listen
            case .failure(let problem):
                error(t.path.appending("listen"), problem.message)
            }
        }
        api.tlsCert = t.string("tls_cert")
        api.tlsKey = t.string("tls_key")
        api.clientCA = t.string("client_ca")
        if api.tlsCert != nil && api.tlsKey == nil {
            error(t.path.appending("tls_cert"), "tls_key is missing: give both tls_cert and tls_key, or neither")
        }
        if api.tlsKey != nil && api.tlsCert == nil {
            error(t.path.appending("tls_key"), "tls_cert is missing: give both tls_cert and tls_key, or neither")
        }
        if api.clientCA != nil && (api.tlsCert == nil || api.tlsKey == nil) {
            error(t.path.appending("client_ca"), "client certificates need TLS: give tls_cert and tls_key too")
        }
        api.openOnLoopback = t.bool("open_on_loopback", default: false)
        api.rateLimitPerSecond = t.int("rate_limit_per_s", default: api.rateLimitPerSecond, in: 1...100_000)
        api.failedAuthPerMinute = t.int("failed_auth_per_min", default: api.failedAuthPerMinute, in: 1...100_000)
        api.maxConnections = t.int("max_connections", default: api.maxConnections, in: 1...65_535)
        api.maxConcurrentRequests = t.int("max_concurrent_requests", default: api.maxConcurrentRequests, in: 1...10_000)
        api.maxConnectionsPerAddress = t.int(
            "max_connections_per_address", default: api.maxConnectionsPerAddress, in: 1...65_535)
        api.maxRequestsPerAddress = t.int("max_requests_per_address", default: api.maxRequestsPerAddress, in: 1...10_000)
        api.requestHeaderTimeoutS = t.int("request_header_timeout_s", default: api.requestHeaderTimeoutS, in: 1...600)
        api.reservedConnections = t.int("reserved_connections", default: api.reservedConnections, in: 0...65_535)
        api.shutdownGraceMs = t.int("shutdown_grace_ms", default: api.shutdownGraceMs, in: 0...20_000)
        for (path, value) in t.stringArray("reserved_addresses") ?? [] {
            if AddressPattern(value) == nil {
                error(path, "'\(value)' is not an IP address or network (10.0.0.5, 10.0.0.0/24, 2001:db8::/32)")
            } else {
                api.reservedAddresses.append(value)
            }
        }
        api.idleTimeoutS = t.int("idle_timeout_s", default: api.idleTimeoutS, in: 1...3_600)
        api.requestReadTimeoutS = t.int("request_read_timeout_s", default: api.requestReadTimeoutS, in: 1...600)
        api.responseWriteTimeoutS = t.int("response_write_timeout_s", default: api.responseWriteTimeoutS, in: 1...3_600)
        api.snapshotCacheMs = t.int("snapshot_cache_ms", default: api.snapshotCacheMs, in: 0...60_000)
        api.maxQueryDays = t.int("max_query_days", default: api.maxQueryDays, in: 1...3_660)
        api.tokens = decodeTokens(t)
        return api
    }

    /// Why a value that has the right TOML type is still wrong.
    struct ValueProblem: Error {
        var message: String
    }

    /// Splits `host:port`, `[v6]:port`.
    static func parseListen(_ text: String) -> Result<(String, Int), ValueProblem> {
        let expected = "expected host:port (IPv6 in brackets, e.g. [::1]:8080), found '\(text)'"
        let host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return .failure(ValueProblem(message: expected)) }
            host = text[text.index(after: text.startIndex)..<close]
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":") else { return .failure(ValueProblem(message: expected)) }
            portText = rest.dropFirst()
        } else {
            guard let colon = text.lastIndex(of: ":") else { return .failure(ValueProblem(message: expected)) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            if host.contains(":") {
                return .failure(
                    ValueProblem(message: "an IPv6 address needs brackets, e.g. [::1]:8080; found '\(text)'"))
            }
        }
        guard !host.isEmpty, !host.contains(where: \.isWhitespace) else {
            return .failure(ValueProblem(message: expected))
        }
        guard let port = Int(portText), (1...65535).contains(port) else {
            return .failure(ValueProblem(message: "the port must be between 1 and 65535, found '\(portText)'"))
        }
        return .success((String(host), port))
    }

    func decodeTokens(_ api: TableReader) -> [APIToken] {
        var tokens: [APIToken] = []
        var names: [String: ConfigPath] = [:]
        for (_, t) in api.tables("tokens", keys: ConfigDecoder.tokenKeys) {
            let name = t.requiredString("name")
            if let name {
                if let first = names[name] {
                    error(t.path.appending("name"), "token name '\(name)' is already used by \(first)")
                } else {
                    names[name] = t.path
                }
            }
            var parsedHash: (salt: [UInt8], digest: [UInt8])?
            if let hash = t.requiredString("hash") {
                switch ConfigDecoder.parseTokenHash(hash) {
                case .success(let parts): parsedHash = parts
                case .failure(let problem): error(t.path.appending("hash"), problem.message)
                }
            }
            var scopes = Set<APIScope>()
            if !t.has("scopes") {
                t.missing("scopes")
            } else if let elements = t.array("scopes") {
                if elements.isEmpty { error(t.path.appending("scopes"), "must list at least one scope") }
                let known = APIScope.allCases.map(\.rawValue)
                for (p, node) in elements {
                    guard case .string(let s) = node else {
                        error(p, "expected a string, found \(node.typeDescription)")
                        continue
                    }
                    if let scope = APIScope(rawValue: s) {
                        scopes.insert(scope)
                    } else {
                        var message = "unknown scope '\(s)'"
                        if let m = closestMatch(to: s, in: known) {
                            message += "; did you mean '\(m)'?"
                        } else {
                            message += "; scopes are \(known.joined(separator: ", "))"
                        }
                        error(p, message)
                    }
                }
            }
            if let name, let parsedHash {
                tokens.append(
                    APIToken(
                        name: name, hash: t.string("hash") ?? "", salt: parsedHash.salt, digest: parsedHash.digest,
                        scopes: scopes))
            }
        }
        return tokens
    }

    /// Parses `sha256:<salt hex, ≥ 16 digits>:<64 hex digits>`.
    static func parseTokenHash(_ text: String) -> Result<(salt: [UInt8], digest: [UInt8]), ValueProblem> {
        let format = "expected 'sha256:<salt: 16 or more hex digits>:<digest: 64 hex digits>'"
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0] == "sha256" else { return .failure(ValueProblem(message: format)) }
        guard let salt = hexBytes(parts[1]), parts[1].count >= 16 else {
            return .failure(ValueProblem(message: format + "; the salt is not an even number (≥ 16) of hex digits"))
        }
        guard let digest = hexBytes(parts[2]), digest.count == 32 else {
            return .failure(
                ValueProblem(message: format + "; the digest has \(parts[2].count) characters, not 64 hex digits"))
        }
        return .success((salt, digest))
    }

    static func hexBytes(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        var i = 0
        while i < digits.count {
            guard let hi = hexValue(digits[i]), let lo = hexValue(digits[i + 1]) else { return nil }
            bytes.append(hi << 4 | lo)
            i += 2
        }
        return bytes
    }

    static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
