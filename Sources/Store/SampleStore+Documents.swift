import Foundation
import GRDB

/// A generated document, as recorded (`esep report`, `GET /v1/reports/{kind}`).
public struct DocumentRecord: Sendable, Hashable {
    public var id: Int64
    /// `quarterly-notice`, `fee`, `plans`, `termination`, `pool-change`, `cm1`, `checklist`.
    public var kind: String
    /// The template that produced it (`quarterly-notice-2022`).
    public var template: String
    /// The period's key (`2026Q3`, `2026-10`, `2026-11-20`).
    public var period: String
    /// `kk`, `ru`, `en`; nil for JSON and CSV.
    public var language: String?
    /// `json`, `csv`, `html`, `pdf`.
    public var format: String
    /// SHA-256 (hex) of the document's content (its JSON without the `integrity` member) — printed on
    /// every format, so the paper and the data can be tied together.
    public var contentSHA256: String
    /// SHA-256 (hex) of the bytes handed out.
    public var fileSHA256: String
    /// The audit-chain head the document was generated at (hex), nil for an empty chain.
    public var auditHead: String?
    /// Who asked: `cli:USER` or `api:TOKEN-NAME`.
    public var requestedBy: String
    public var createdMs: Int64

    public init(
        id: Int64 = 0, kind: String, template: String, period: String, language: String?, format: String,
        contentSHA256: String, fileSHA256: String, auditHead: String?, requestedBy: String, createdMs: Int64
    ) {
        self.id = id
        self.kind = kind
        self.template = template
        self.period = period
        self.language = language
        self.format = format
        self.contentSHA256 = contentSHA256
        self.fileSHA256 = fileSHA256
        self.auditHead = auditHead
        self.requestedBy = requestedBy
        self.createdMs = createdMs
    }
}

/// The head of the audit chain: the newest row's hash and how many rows it seals.
public struct AuditHead: Sendable, Hashable {
    /// Hex SHA-256 of the newest audit row; nil when the chain is empty.
    public var hash: String?
    public var records: Int
}

extension SampleStore {
    /// Records a generated document, chained in the audit log like every other record.
    @discardableResult
    public func recordDocument(_ d: DocumentRecord) throws(StoreError) -> Int64 {
        do {
            return try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO document(kind, template, period, language, format, content_sha256, file_sha256,
                          audit_head, requested_by, created_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        d.kind, d.template, d.period, d.language, d.format, d.contentSHA256, d.fileSHA256, d.auditHead,
                        d.requestedBy, d.createdMs,
                    ])
                let id = db.lastInsertedRowID
                var stored = d
                stored.id = id
                try AuditChain.append(db, kind: "document", ref: id, content: AuditChain.documentContent(stored))
                return id
            }
        } catch let e as StoreError {
            throw e
        } catch {
            throw fail(.write, "record document", error)
        }
    }

    /// Recorded documents, newest first; filtered by kind and period key when given.
    public func documents(kind: String? = nil, period: String? = nil) throws(StoreError) -> [DocumentRecord] {
        do {
            return try pool.read { db in
                // A database written by an esep before documents existed has no such table.
                guard try db.tableExists("document") else { return [] }
                return try Row.fetchAll(
                    db,
                    sql: """
                        SELECT * FROM document WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR period = ?)
                        ORDER BY created_ms DESC, id DESC
                        """,
                    arguments: [kind, kind, period, period]
                ).map(Self.documentRecord)
            }
        } catch {
            throw fail(.read, "read documents", error)
        }
    }

    static func documentRecord(_ r: Row) -> DocumentRecord {
        DocumentRecord(
            id: r["id"], kind: r["kind"], template: r["template"], period: r["period"], language: r["language"],
            format: r["format"], contentSHA256: r["content_sha256"], fileSHA256: r["file_sha256"],
            auditHead: r["audit_head"], requestedBy: r["requested_by"], createdMs: r["created_ms"])
    }

    /// The audit chain's head (read in one transaction with its count).
    public func auditHead() throws(StoreError) -> AuditHead {
        do {
            return try pool.read { db in
                let hash = try Data.fetchOne(db, sql: "SELECT hash FROM audit ORDER BY seq DESC LIMIT 1")
                let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM audit") ?? 0
                return AuditHead(hash: hash.map { $0.map { String(format: "%02x", $0) }.joined() }, records: count)
            }
        } catch {
            throw fail(.read, "read the audit head", error)
        }
    }
}

extension SampleStore {
    /// Sets a `meta` value (text).
    public func setMeta(_ key: String, _ value: String) throws(StoreError) {
        do {
            try pool.write { db in
                try db.execute(sql: "INSERT OR REPLACE INTO meta(key, value) VALUES (?, ?)", arguments: [key, value])
            }
        } catch {
            throw fail(.write, "write meta '\(key)'", error)
        }
    }

    /// A `meta` value as text, nil when unset.
    public func meta(_ key: String) throws(StoreError) -> String? {
        do {
            return try pool.read { db in
                try Row.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: [key]).map { r in
                    let v: DatabaseValue = r[0]
                    return String.fromDatabaseValue(v) ?? Int64.fromDatabaseValue(v).map(String.init) ?? ""
                }
            }
        } catch {
            throw fail(.read, "read meta '\(key)'", error)
        }
    }
}
