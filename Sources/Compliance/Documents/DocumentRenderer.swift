import Crypto
import Foundation
import Metering
import Mustache
import Synchronization
public import Store

/// Renders a ``GeneratedDocument`` as JSON, CSV, HTML (swift-mustache templates compiled into the
/// binary, labels in Kazakh, Russian and English) or PDF (the HTML printed by headless Chromium).
///
/// The HTML is rendered from the document's JSON tree, so every figure on the page is the figure
/// of the JSON: decimals (kWh, KZT, MW, shares) are only re-written in the language's number format
/// (`1 234 567,890` in kk and ru, `1,234,567.890` in en).
public struct DocumentRenderer: Sendable {
    let library: MustacheLibrary
    /// Label key → text per language.
    let labels: [String: [Language: String]]

    /// The shipped templates and labels.
    /// - Throws: ``DocumentError/Code/render`` when a shipped template does not parse (a build defect).
    public init() throws(DocumentError) {
        var library = MustacheLibrary()
        for (name, bytes) in DocumentTemplateFiles.templates {
            do {
                try library.register(String(decoding: bytes, as: UTF8.self), named: name)
            } catch {
                throw DocumentError(.render, parameter: "template \(name)", "\(error)")
            }
        }
        self.library = library
        var labels: [String: [Language: String]] = [:]
        let object = try? JSONSerialization.jsonObject(with: Data(DocumentTemplateFiles.labels)) as? [String: [String: String]]
        guard let object else { throw DocumentError(.render, parameter: "labels.json", "is not an object of {kk, ru, en} texts") }
        for (key, texts) in object {
            var entry: [Language: String] = [:]
            for l in Language.allCases { entry[l] = texts[l.rawValue] ?? texts["ru"] ?? key }
            labels[key] = entry
        }
        self.labels = labels
    }

    /// The labels of `language` (`t` in the templates).
    func labels(_ language: Language) -> [String: String] { labels.mapValues { $0[language] ?? "" } }

    // MARK: JSON and CSV

    /// The document as pretty-printed JSON.
    public static func json(_ d: GeneratedDocument) -> String { d.json.rendered() }

    /// The document's table as CSV (RFC 4180, CRLF line ends, a header row).
    public static func csv(_ d: GeneratedDocument) -> String {
        DocumentTables.table(d).map { row in row.map(csvField).joined(separator: ",") + "\r\n" }.joined()
    }

    public static func csvField(_ s: String) -> String {
        guard s.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return s }
        return "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    // MARK: HTML

    /// The document as a printable HTML page in `language`.
    /// - Throws: ``DocumentError/Code/render`` when the template is missing.
    public func html(_ d: GeneratedDocument, language: Language) throws(DocumentError) -> String {
        let t = labels(language)
        guard var context = Self.context(d.json, language: language, labels: t) as? [String: Any] else {
            throw DocumentError(.render, parameter: "document", "the document is not an object")
        }
        context["t"] = t
        context["lang"] = language.rawValue
        context["charts"] = DocumentCharts.render(d.json, library: library, language: language, labels: t)
        context["regenerate"] = Self.regenerateCommand(d)
        context["regime_label"] = t["regime_\(d.template.id)"]
        // A quarter or month by its label; an event (plans, termination, pool change) by its date.
        if case .event = d.period.kind {
            context["period_display"] = d.period.start.description
            context["period_is_event"] = true
        } else {
            context["period_display"] = d.period.label
        }
        guard let html = library.render(context, withTemplate: d.template.file) else {
            throw DocumentError(.render, parameter: "template", "no template '\(d.template.file)' is shipped")
        }
        return html
    }

    /// The command that makes the document's JSON again, to compare its content SHA-256.
    static func regenerateCommand(_ d: GeneratedDocument) -> String {
        let period: String
        switch d.period.kind {
        case .quarter, .month: period = d.period.label
        case .event: period = d.period.start.description
        }
        var command = "esep report \(d.kind.rawValue) --config CONFIG --period \(period)"
        if d.forced { command += " --template \(d.template.id)" }
        if d.kind == .cm1 {
            command += " --distributions \(d.json["cm1"]?["source_file"]?["name"]?.text ?? "FILE.csv")"
            if let c = d.json["document"]?["correction"] {
                command += " --corrects \(c["replaces_sha256"]?.text ?? "") --reason '…'"
            }
        }
        return command + " --format json"
    }

    /// The JSON tree as a Mustache context: objects as dictionaries (with `status_label`,
    /// `quality_label`, `kind_label`, `basis_label` beside those members), decimals localised, nulls
    /// left out.
    static func context(_ v: JSONValue, language: Language, labels: [String: String]) -> Any? {
        switch v {
        case .null: return nil
        case .bool(let b): return b
        case .string(let s): return s
        case .number(let text): return text.contains(".") ? localisedDecimal(text, language) : (Int(text) as Any? ?? text)
        case .array(let items): return items.compactMap { context($0, language: language, labels: labels) }
        case .object(let members):
            var out: [String: Any] = [:]
            for (key, value) in members {
                guard let c = context(value, language: language, labels: labels) else { continue }
                out[key] = c
                if ["status", "quality", "kind", "basis", "category", "weekday", "role", "verdict"].contains(key), case .string(let s) = value {
                    out["\(key)_label"] = labels["\(key)_\(s)"] ?? s
                }
                // Coded evidence in the document's language: `ev_<code>` with its arguments.
                if key == "code", case .string(let code) = value, let template = labels["ev_\(code)"] {
                    let args = members.first { $0.0 == "args" }?.1.items.compactMap(\.text) ?? []
                    out["text_label"] = CheckEvidence.fill(
                        template, args.map { $0.range(of: #"^-?[0-9]+\.[0-9]+$"#, options: .regularExpression) != nil ? localisedDecimal($0, language) : $0 })
                }
                // A checklist item's title: `check_` and its id with `-` as `_`.
                if key == "id", case .string(let id) = value, members.contains(where: { $0.0 == "evidence" }) {
                    out["title_label"] = labels["check_" + id.replacingOccurrences(of: "-", with: "_")] ?? id
                }
            }
            return out
        }
    }

    /// `"1234567.890"` as `1 234 567,890` (kk, ru: no-break space, decimal comma) or `1,234,567.890` (en).
    public static func localisedDecimal(_ text: String, _ language: Language) -> String {
        var s = Substring(text)
        let negative = s.hasPrefix("-")
        if negative { s = s.dropFirst() }
        let parts = s.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        let whole = Array(parts[0])
        let group = language == .en ? "," : "\u{00A0}"
        var grouped = ""
        for (i, c) in whole.enumerated() {
            if i > 0 && (whole.count - i) % 3 == 0 { grouped += group }
            grouped.append(c)
        }
        let fraction = parts.count > 1 ? (language == .en ? "." : ",") + parts[1] : ""
        return (negative ? "-" : "") + grouped + fraction
    }

    // MARK: PDF

    /// PDFs printed at once, at most.
    public static let maxConcurrentPDFs = 2
    static let pdfsInFlight = Mutex(0)

    /// The Chromium executables tried, in order (`ESEP_CHROMIUM` first when set).
    static let chromiumNames = ["chromium", "chromium-browser", "google-chrome", "google-chrome-stable"]

    /// The path of a Chromium executable, or nil.
    public static func chromium() -> String? {
        let env = ProcessInfo.processInfo.environment
        if let given = env["ESEP_CHROMIUM"], FileManager.default.isExecutableFile(atPath: given) { return given }
        let path = (env["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":")
        for name in chromiumNames {
            for dir in path {
                let candidate = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
            }
        }
        return nil
    }

    /// `html` printed to PDF (A4, the page's own margins) by headless Chromium.
    /// - Throws: ``DocumentError/Code/pdf``: no Chromium (saying how to install it), or it failed or
    ///   took longer than `timeout` seconds.
    public static func pdf(html: String, timeout: Double = 120) throws(DocumentError) -> [UInt8] {
        // Each print is a Chromium process (~150 MB): at most `maxConcurrentPDFs` at once, so that
        // requests for PDFs cannot exhaust a small box.
        let admitted = pdfsInFlight.withLock { n in
            guard n < maxConcurrentPDFs else { return false }
            n += 1
            return true
        }
        guard admitted else {
            throw DocumentError(.busy, parameter: "--format pdf", "\(maxConcurrentPDFs) PDFs are being printed; try again in a few seconds")
        }
        defer { pdfsInFlight.withLock { $0 -= 1 } }
        guard let chromium = chromium() else {
            throw DocumentError(
                .pdf, parameter: "--format pdf",
                "PDF is printed by headless Chromium, which is not installed: install it with `sudo apt-get install chromium` "
                    + "(Debian), or set ESEP_CHROMIUM to its path; --format html gives the same document to print from a browser")
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("esep-pdf-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let input = dir.appendingPathComponent("document.html")
        let output = dir.appendingPathComponent("document.pdf")
        do {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try Data(html.utf8).write(to: input)
        } catch {
            throw DocumentError(.pdf, parameter: "--format pdf", "cannot write a temporary file in \(dir.path): \(error)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: chromium)
        process.arguments = [
            // jitless: no writable-executable memory, so printing works under the service's
            // MemoryDenyWriteExecute=yes (the documents have no script anyway).
            "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--no-first-run", "--js-flags=--jitless",
            "--user-data-dir=\(dir.appendingPathComponent("profile").path)", "--no-pdf-header-footer",
            "--print-to-pdf-no-header", "--print-to-pdf=\(output.path)", input.absoluteString,
        ]
        // Chromium's messages go to a file: a pipe nobody reads while it runs could fill and stall it.
        let log = dir.appendingPathComponent("chromium.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        process.standardError = FileHandle(forWritingAtPath: log.path)
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw DocumentError(.pdf, parameter: "--format pdf", "cannot start \(chromium): \(error)")
        }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() > deadline {
                process.terminate()
                throw DocumentError(.pdf, parameter: "--format pdf", "\(chromium) did not finish within \(Int(timeout)) s")
            }
            Thread.sleep(forTimeInterval: 0.05)
        }
        let stderr = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        guard process.terminationStatus == 0, let pdf = try? Data(contentsOf: output), pdf.starts(with: Array("%PDF".utf8)) else {
            let tail = stderr.split(separator: "\n").suffix(3).joined(separator: " | ")
            throw DocumentError(
                .pdf, parameter: "--format pdf", "\(chromium) failed (exit \(process.terminationStatus)): \(tail.isEmpty ? "no PDF written" : tail)")
        }
        return Array(pdf)
    }
}

extension DocumentRenderer {
    /// The shipped renderer, parsed once.
    static let shared: Result<DocumentRenderer, DocumentError> = Result { () throws(DocumentError) in try DocumentRenderer() }

    /// `d` in `format` (`language` for HTML and PDF), as bytes.
    public static func rendered(_ d: GeneratedDocument, format: DocumentFormat, language: Language) throws(DocumentError) -> [UInt8] {
        switch format {
        case .json: return Array(json(d).utf8)
        case .csv: return Array(csv(d).utf8)
        case .html: return Array(try shared.get().html(d, language: language).utf8)
        case .pdf: return try pdf(html: shared.get().html(d, language: language))
        }
    }
}

extension DocumentRecord {
    /// The record of `d` handed out as `bytes` in `format`.
    public static func of(
        _ d: GeneratedDocument, format: DocumentFormat, language: Language, bytes: [UInt8], requestedBy: String, nowMs: Int64
    ) -> DocumentRecord {
        DocumentRecord(
            kind: d.kind.rawValue, template: d.template.id, period: d.period.key, language: format.isLocalised ? language.rawValue : nil,
            format: format.rawValue, contentSHA256: d.contentSHA256,
            fileSHA256: DocumentBuilder.hex(SHA256.hash(data: Data(bytes))), auditHead: d.auditHead.hash, requestedBy: requestedBy,
            createdMs: nowMs)
    }
}
