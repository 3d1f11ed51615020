import ArgumentParser
import Compliance
import Foundation
import Metering
import SiteConfig
import Store

/// `esep report KIND --period P`: a regulatory document as HTML, PDF, JSON or CSV, recorded in
/// the store and the audit chain.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "A regulatory document (quarterly notice, fee report, notices, 1-ЦМ, checklist) as HTML, PDF, JSON or CSV.",
        discussion: """
            esep report quarterly-notice --config /etc/esep/esep.toml --period 2026Q3 --lang ru --format pdf --out notice.pdf
            esep report fee --config /etc/esep/esep.toml --period 2026Q3 --format json
            esep report cm1 --config pool.toml --period 2026-10 --distributions october.csv --lang kk
            esep report quarterly-notice --db esep.sqlite --period 2026Q4 --lang kk --format pdf --out notice.pdf   (the demo's database)
            Kinds and their --period: quarterly-notice, fee, checklist: a quarter (2026Q3); cm1: a month
            (2026-10); plans: the planned start date; termination: the end date; pool-change: the date of
            the change (site-local dates). Each kind has versioned templates for the regimes it existed
            under; a period outside every template's dates is refused, naming the regime that applies and
            the nearest template (--template ID forces it, and the document says so). Every kWh comes from
            the read model `esep energy` and `esep verify` use. Every document generated is recorded
            (kind, period, language, SHA-256, time, who) in the store and the audit chain; `esep calendar`
            then shows the deadline as generated. PDF is printed by headless Chromium (Debian: chromium).
            """)

    @Argument(help: "quarterly-notice, fee, plans, termination, pool-change, cm1 or checklist.")
    var kind: DocumentKindArgument

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The period: 2026Q3, 2026-10 or 2026-11-20 (see above).")
    var period: String

    @Option(help: "kk, ru or en (HTML and PDF).")
    var lang: LanguageArgument = LanguageArgument(language: .ru)

    @Option(help: "html, pdf, json or csv.")
    var format: FormatArgument = FormatArgument(format: .html)

    @Option(help: "Write the document to this file (default: standard output).")
    var out: String?

    @Option(help: "Use this template even outside its period (e.g. quarterly-notice-2022).")
    var template: String?

    @Option(help: "cm1: the pool's distributions CSV (name,bin,licence_number,licence_date,wallet,date,asset,quantity,commission_asset,commission_quantity).")
    var distributions: String?

    @Option(help: "cm1: this is a correction of the document with this content SHA-256 (as printed on it).")
    var corrects: String?

    @Option(help: "cm1 with --corrects: what changed.")
    var reason: String?

    func run() throws {
        let kind = self.kind.kind
        guard let period = kind.periodKind.parse(self.period) else {
            throw ValidationError("--period: '\(self.period)' is not \(kind.periodKind.example), which \(kind) takes")
        }
        if kind == .cm1, distributions == nil {
            throw ValidationError("--distributions: the 1-ЦМ form is built from the pool's distributions CSV; give --distributions FILE.csv")
        }
        if kind != .cm1, distributions != nil || corrects != nil {
            throw ValidationError("--distributions and --corrects belong to cm1 only")
        }
        if (corrects == nil) != (reason == nil) { throw ValidationError("--corrects and --reason go together") }
        if format.format == .pdf, out == nil, isatty(STDOUT_FILENO) != 0 {
            throw ValidationError("--format pdf: give --out FILE.pdf (a PDF is not printed on a terminal)")
        }
        let (store, site, model) = try Self.openSite(storeOptions)
        var request = DocumentRequest(kind: kind, period: period, template: template)
        if let path = distributions {
            guard let data = FileManager.default.contents(atPath: path) else {
                throw ValidationError("--distributions: cannot read '\(path)' (no such file or no permission)")
            }
            request.distributions = (path, Array(data))
        }
        if let corrects, let reason {
            guard corrects.utf8.count == 64, corrects.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) || (0x41...0x46).contains($0) }) else {
                throw ValidationError("--corrects: '\(corrects)' is not a SHA-256 (64 hex digits, as printed on the document)")
            }
            request.correction = DocumentRequest.Correction(replaces: corrects.lowercased(), reason: reason)
        }
        let sources: DocumentSources
        do throws(ConfigError) {
            sources = DocumentSources(site: site, model: model, workdays: try workingCalendar(site), rates: try feeRateTable(site))
        } catch {
            throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
        let bytes: [UInt8]
        let document: GeneratedDocument
        do throws(DocumentError) {
            document = try DocumentBuilder.build(request, from: sources)
            bytes = try DocumentRenderer.rendered(document, format: format.format, language: lang.language)
        } catch {
            throw ValidationError("\(error)")
        }
        if let out {
            guard FileManager.default.createFile(atPath: out, contents: Data(bytes)) else {
                throw ValidationError("--out: cannot write '\(out)'")
            }
        } else {
            FileHandle.standardOutput.write(Data(bytes))
        }
        let user = ProcessInfo.processInfo.environment["USER"] ?? "\(getuid())"
        try store.recordDocument(
            DocumentRecord.of(document, format: format.format, language: lang.language, bytes: bytes, requestedBy: "cli:\(user)", nowMs: model.now()))
        if let out {
            var err = FileHandleOutputStream.standardError
            print(
                "\(out): \(kind) \(period.label) (\(document.template.id)\(document.forced ? ", forced" : "")), content SHA-256 \(document.contentSHA256)",
                to: &err)
        }
    }

    /// The store, the site and its read model: the config's, or — for the demo's database, given by
    /// `--db` alone — the demo site with its example operator.
    static func openSite(_ options: StoreOptionsGroup) throws -> (SampleStore, SiteConfiguration, EnergyReadModel) {
        let (store, _, loaded) = try options.open(readOnly: false, requireExisting: true)
        if let site = loaded { return (store, site, EnergyReadModel(store: store, site: site)) }
        guard try store.meta("config") == SiteConfiguration.demoSource else {
            throw ValidationError(
                "give --config FILE: the documents need the site's [operator] section (only the demo's database, "
                    + "filled by `esep run` without a config, carries example operator details)")
        }
        let meters = Int(try store.meta("demo_meters") ?? "") ?? 20
        let profile = try store.meta("demo_profile") ?? "sdm630"
        do {
            let site = try SiteConfiguration.demo(
                host: "127.0.0.1", port: 502, meters: meters, profile: profile, saonUnitId: 100, storagePath: store.path)
            return (store, site, EnergyReadModel(store: store, site: site))
        } catch {
            throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
        }
    }
}

struct DocumentKindArgument: ExpressibleByArgument {
    var kind: DocumentKind
    init?(argument: String) {
        guard let k = DocumentKind(rawValue: argument) else { return nil }
        kind = k
    }
    static var allValueStrings: [String] { DocumentKind.allCases.map(\.rawValue) }
}

struct LanguageArgument: ExpressibleByArgument {
    var language: Language
    init(language: Language) { self.language = language }
    init?(argument: String) {
        guard let l = Language(rawValue: argument) else { return nil }
        language = l
    }
    var defaultValueDescription: String { language.rawValue }
    static var allValueStrings: [String] { Language.allCases.map(\.rawValue) }
}

struct FormatArgument: ExpressibleByArgument {
    var format: DocumentFormat
    init(format: DocumentFormat) { self.format = format }
    init?(argument: String) {
        guard let f = DocumentFormat(rawValue: argument) else { return nil }
        format = f
    }
    var defaultValueDescription: String { format.rawValue }
    static var allValueStrings: [String] { DocumentFormat.allCases.map(\.rawValue) }
}

/// Standard error as a `TextOutputStream`.
struct FileHandleOutputStream: TextOutputStream {
    let handle: FileHandle
    static var standardError: FileHandleOutputStream { FileHandleOutputStream(handle: .standardError) }
    mutating func write(_ string: String) { handle.write(Data(string.utf8)) }
}
