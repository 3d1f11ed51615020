import Foundation
import Metering
import TOMLKit

/// Reads and validates a site's TOML configuration.
///
/// Every problem is collected before throwing, each as a ``ConfigDiagnostic`` naming the
/// file, line and key path (`meters[1].unit_id`), sorted by line. Unknown keys are errors
/// (with a "did you mean" suggestion), so a misspelt key never silently falls back to a
/// default. `deploy/esep.example.toml` documents every key.
public enum SiteConfigLoader {
    /// The top-level keys of a configuration file.
    static let rootKeys = [
        "site", "storage", "ingest", "energy", "schedule", "calendar", "fee", "operator", "api", "gateways", "meters", "saon", "profiles", "replacements",
    ]

    /// Every table of the schema with its keys (tests check the example file documents them all).
    static let schema: [(table: String, keys: [String])] = [
        ("", rootKeys), ("site", ConfigDecoder.siteKeys), ("storage", ConfigDecoder.storageKeys),
        ("ingest", ConfigDecoder.ingestKeys), ("energy", ConfigDecoder.energyKeys),
        ("schedule", ConfigDecoder.scheduleKeys), ("calendar", ConfigDecoder.calendarKeys),
        ("fee", ConfigDecoder.feeKeys), ("fee.rates", ConfigDecoder.feeRateKeys), ("fee.rates.penalty", ConfigDecoder.feePenaltyKeys),
        ("fee.rates.bands", ConfigDecoder.feeBandKeys),
        ("operator", ConfigDecoder.operatorKeys), ("operator.contacts", ConfigDecoder.operatorContactKeys),
        ("operator.bank", ConfigDecoder.operatorBankKeys), ("operator.licence", ConfigDecoder.operatorLicenceKeys),
        ("operator.investment", ConfigDecoder.operatorInvestmentKeys),
        ("operator.locations", ConfigDecoder.operatorLocationKeys), ("operator.equipment", ConfigDecoder.operatorEquipmentKeys),
        ("operator.grid_connection", ConfigDecoder.operatorGridKeys), ("operator.documents", ConfigDecoder.operatorDocumentKeys),
        ("operator.pools", ConfigDecoder.operatorPoolKeys), ("operator.clients", ConfigDecoder.operatorClientKeys),
        ("replacements", ConfigDecoder.replacementKeys), ("api", ConfigDecoder.apiKeys), ("api.tokens", ConfigDecoder.tokenKeys),
        ("gateways", ConfigDecoder.gatewayKeys), ("meters", ConfigDecoder.meterKeys), ("saon", ConfigDecoder.saonKeys),
        ("saon.map", ConfigDecoder.saonMapKeys), ("saon.shed", ConfigDecoder.saonStageKeys), ("profiles", ConfigDecoder.profileKeys),
        ("profiles.fields", ConfigDecoder.fieldKeys),
    ]

    /// Reads and validates the file at `path`.
    ///
    /// - Throws: ``ConfigError`` with every problem found; a missing or unreadable file is one
    ///   diagnostic at line 0 with the key `(file)`.
    public static func load(path: String) throws(ConfigError) -> SiteConfiguration {
        try parse(text: readText(path: path), path: path)
    }

    /// The UTF-8 text of a TOML file.
    /// - Throws: ``ConfigError``: a missing or unreadable file at line 0 with the key `(file)`, a
    ///   byte sequence that is not UTF-8 at its line.
    static func readText(path: String) throws(ConfigError) -> String {
        let data: Data
        do {
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch {
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(file: path, line: 0, key: ConfigDiagnostic.fileKey, message: unreadableReason(path))
            ])
        }
        guard let text = String(data: data, encoding: .utf8) else {
            let (line, column) = firstInvalidUTF8(data)
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(
                    file: path, line: line, key: ConfigDiagnostic.fileKey,
                    message: "the file is not UTF-8 text: an invalid byte sequence at column \(column) (save it as UTF-8)")
            ])
        }
        return text
    }

    /// The 1-based line and column (in characters) of the first byte sequence that is not UTF-8.
    static func firstInvalidUTF8(_ data: Data) -> (line: Int, column: Int) {
        var iterator = data.makeIterator()
        var decoder = UTF8()
        var line = 1
        var column = 1
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue(let scalar):
                if scalar == "\n" {
                    line += 1
                    column = 1
                } else {
                    column += 1
                }
            case .emptyInput: return (line, column)
            case .error: return (line, column)
            }
        }
    }

    /// Why `path` could not be read, in words an operator can act on.
    static func unreadableReason(_ path: String) -> String {
        var isDirectory: ObjCBool = false
        let files = FileManager.default
        if !files.fileExists(atPath: path, isDirectory: &isDirectory) { return "no such file" }
        if isDirectory.boolValue { return "is a directory, not a file" }
        if !files.isReadableFile(atPath: path) { return "permission denied" }
        return "cannot read the file"
    }

    /// Parses and validates configuration text; `path` names it in diagnostics.
    ///
    /// - Throws: ``ConfigError`` with every problem found, sorted by line. A TOML syntax error
    ///   is one diagnostic with the key `(syntax)` at the parser's line.
    public static func parse(text: String, path: String) throws(ConfigError) -> SiteConfiguration {
        let document = try parseTOML(text: text, path: path)
        let decoder = ConfigDecoder(file: path, locator: TOMLKeyLocator(text: text))
        guard let root = decoder.table(document, at: .root, keys: rootKeys) else {
            throw ConfigError(diagnostics: decoder.sortedDiagnostics)
        }
        let configuration = decoder.decodeConfiguration(root, sourcePath: path)
        guard decoder.diagnostics.isEmpty else { throw ConfigError(diagnostics: decoder.sortedDiagnostics) }
        return configuration
    }

    /// TOML text as a document; a syntax error is one diagnostic with the key `(syntax)` at its line.
    static func parseTOML(text: String, path: String) throws(ConfigError) -> TOMLNode {
        let document: TOMLNode
        do {
            document = TOMLNode(try TOMLTable(string: text))
        } catch let error as TOMLParseError {
            let message = "\(error.description) (column \(error.source.begin.column))"
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(
                    file: path, line: error.source.begin.line, key: ConfigDiagnostic.syntaxKey, message: message)
            ])
        } catch {
            throw ConfigError(diagnostics: [
                ConfigDiagnostic(file: path, line: 0, key: ConfigDiagnostic.syntaxKey, message: "\(error)")
            ])
        }
        return document
    }
}

extension ConfigDecoder {
    func decodeConfiguration(_ root: TableReader, sourcePath: String) -> SiteConfiguration {
        let site = decodeSite(root)
        let storage = decodeStorage(root)
        let ingest = decodeIngest(root)
        let api = decodeAPI(root)
        let profiles = decodeProfiles(root)
        let gateways = decodeGateways(root)
        var devices = DeviceRegistry(gateways: gateways, customProfiles: profiles)
        let meters = decodeMeters(root, registry: &devices)
        let saon = decodeSAON(root, meters: meters.meters.map(\.config), registry: &devices)
        checkFeeders(meters.feeders)
        var configuration = SiteConfiguration(
            site: site, storage: storage, ingest: ingest, api: api, gateways: gateways.map(\.config),
            meters: meters.meters.map(\.config), saon: saon, profiles: profiles.mapValues(\.profile),
            sourcePath: sourcePath)
        configuration.energy = decodeEnergy(root)
        configuration.schedule = decodeSchedule(root)
        configuration.calendar = decodeCalendar(root, sourcePath: sourcePath)
        configuration.fee = decodeFee(root)
        configuration.operatorDetails = decodeOperator(root, meters: configuration.meters)
        if let op = configuration.operatorDetails, let fee = configuration.fee, fee.payer != op.kind {
            error(
                ("operator" as ConfigPath).appending("kind"),
                "'\(op.kind)' but [fee] payer is '\(fee.payer)': the operator pays the fee as what it is")
        }
        for key in ConfigDecoder.feeKeys {
            configuration.keyLines["fee.\(key)"] = locator.nearestLine(for: ("fee" as ConfigPath).appending(key))
        }
        // Where each part of [[fee.rates]] is written: the rate table is checked by Compliance.
        for (key, line) in locator.lines where key.hasPrefix("fee.rates") { configuration.keyLines[key] = line }
        configuration.keyLines["calendar.overrides"] = locator.nearestLine(for: ("calendar" as ConfigPath).appending("overrides"))
        for key in ["tls_cert", "tls_key", "client_ca"] {
            configuration.keyLines["api.\(key)"] = locator.nearestLine(for: ("api" as ConfigPath).appending(key))
        }
        configuration.replacements = decodeReplacements(
            root, meters: Set(configuration.meters.map(\.id)), timezone: site.timezone)
        for located in meters.meters where located.config.fillGapsFromCheck && located.config.role != .main {
            error(located.path.appending("fill_gaps_from_check"), "only a main meter is filled from its check meter")
        }
        return configuration
    }
}
