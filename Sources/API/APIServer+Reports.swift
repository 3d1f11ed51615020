import Compliance
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import Metering
import SiteConfig
import Store

extension APIServer {
    /// `GET /v1/reports/{kind}?period=&lang=&format=`: a regulatory document built by Compliance's
    /// ``DocumentBuilder`` from the site's config and the read model, recorded in the store and the
    /// audit chain (who asked: the token's name). `format` json (default), csv, html or pdf (when
    /// Chromium is installed); `lang` kk, ru (default) or en; `template` forces a template. The 1-ЦМ
    /// form needs a distributions file: it is made with `esep report cm1 --distributions`.
    @Sendable func report(_ request: Request, _ context: APIRequestContext) async throws -> Response {
        let parameters = try QueryParameters(request, allowed: ["period", "lang", "format", "template"], timeZone: timeZone)
        let text = context.parameters.get("kind") ?? ""
        guard let kind = DocumentKind(rawValue: text) else {
            throw APIProblem.notFound("no document kind '\(text)': \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard let periodText = parameters.values["period"] else {
            throw APIProblem.badParameter("period", "required: \(kind.periodKind.example)")
        }
        guard let period = kind.periodKind.parse(periodText) else {
            throw APIProblem.badParameter("period", "'\(periodText)' is not \(kind.periodKind.example), which \(kind) takes")
        }
        let languageText = parameters.values["lang"] ?? "ru"
        guard let language = Language(rawValue: languageText) else {
            throw APIProblem.badParameter("lang", "'\(languageText)' is not a language: use kk, ru or en")
        }
        let formatText = parameters.values["format"] ?? "json"
        guard let format = DocumentFormat(rawValue: formatText) else {
            throw APIProblem.badParameter("format", "'\(formatText)' is not a format: use json, csv, html or pdf")
        }
        if kind == .cm1 {
            throw APIProblem.badParameter(
                "kind", "the 1-ЦМ form is built from the pool's distributions file: run esep report cm1 --period \(periodText) --distributions FILE.csv")
        }
        guard let documents else { throw APIProblem.notYetAvailable("documents") }
        let who = "api:\(context.principal?.name ?? "anonymous")"
        let template = parameters.values["template"]
        let now = self.now
        let logger = self.logger
        let (document, bytes) = try await offload { () throws -> (GeneratedDocument, [UInt8]) in
            do throws(DocumentError) {
                let d = try DocumentBuilder.build(DocumentRequest(kind: kind, period: period, template: template), from: documents)
                let bytes = try DocumentRenderer.rendered(d, format: format, language: language)
                do {
                    try documents.model.store.recordDocument(
                        DocumentRecord.of(d, format: format, language: language, bytes: bytes, requestedBy: who, nowMs: now()))
                } catch {
                    // The document is still handed out; the record's absence shows in the calendar.
                    logger.warning("document not recorded", metadata: ["kind": "\(kind)", "period": "\(period.key)", "error": "\(error)"])
                }
                return (d, bytes)
            } catch {
                throw Self.problem(error)
            }
        }
        var headers: HTTPFields = [.contentType: format.contentType, .cacheControl: "no-store"]
        headers[HTTPField.Name("X-Esep-Content-SHA256")!] = document.contentSHA256
        headers[HTTPField.Name("X-Esep-Template")!] = document.template.id
        if format == .pdf || format == .csv {
            let name = "\(kind.rawValue)-\(period.key)\(format.isLocalised ? "-\(language.rawValue)" : "").\(format.rawValue)"
            headers[.contentDisposition] = "attachment; filename=\"\(name)\""
        }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    static func problem(_ e: DocumentError) -> APIProblem {
        switch e.code {
        case .invalidPeriod, .noTemplate, .unknownTemplate:
            return .badParameter(e.parameter.hasPrefix("--") ? String(e.parameter.dropFirst(2)) : e.parameter, e.message)
        case .missingDetails, .invalidInput:
            return APIProblem(status: .unprocessableContent, code: "missing_details", message: e.description)
        case .pdf:
            return APIProblem(status: .notImplemented, code: "pdf_unavailable", message: e.message)
        case .busy:
            return .overloaded(e.message)
        default:
            return APIProblem(status: .internalServerError, code: "document_failed", message: e.description)
        }
    }
}
