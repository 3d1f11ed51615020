import Foundation
import GRDB

/// What a backup or a restore checked.
public struct BackupCheck: Sendable, Hashable, CustomStringConvertible {
    /// The file checked.
    public var path: String
    /// `PRAGMA integrity_check` problems (empty: intact).
    public var integrityProblems: [String]
    /// The audit chain walked over the copy.
    public var audit: AuditReport
    /// Its size, bytes.
    public var bytes: Int64

    public var isSound: Bool { integrityProblems.isEmpty && audit.isIntact }

    public var description: String {
        let integrity = integrityProblems.isEmpty ? "integrity ok" : "integrity: \(integrityProblems.prefix(3).joined(separator: "; "))"
        return "\(path): \(integrity), \(audit), \(bytes) bytes"
    }
}

extension SampleStore {
    /// Copies the database into a new file at `path` with SQLite's online backup API while the
    /// daemon goes on writing (the copy is one consistent read of the WAL database), then checks
    /// the copy: `PRAGMA integrity_check` and the audit chain. The copy is written to
    /// `path.partial` and renamed into place only once it is complete and sound, so a file at
    /// `path` is always a whole, checked backup.
    /// - Throws: `.invalidArgument` when `path` exists; `.write` when the copy fails or is not sound
    ///   (the partial file is removed).
    @discardableResult
    public func backup(to path: String) throws(StoreError) -> BackupCheck {
        let files = FileManager.default
        guard !files.fileExists(atPath: path) else {
            throw StoreError(.invalidArgument, path: path, operation: "backup", reason: "the file exists already: choose another name")
        }
        let partial = path + ".partial"
        try? files.removeItem(atPath: partial)
        do {
            let destination = try DatabaseQueue(path: partial)
            try pool.backup(to: destination)
            try destination.close()
        } catch {
            try? files.removeItem(atPath: partial)
            throw fail(.write, "back up to '\(path)'", error)
        }
        let check = try Self.check(backup: partial)
        guard check.isSound else {
            try? files.removeItem(atPath: partial)
            throw StoreError(.write, path: path, operation: "backup", reason: "the copy is not sound: \(check)")
        }
        do {
            try files.moveItem(atPath: partial, toPath: path)
        } catch {
            throw fail(.write, "rename the backup into place", error)
        }
        var result = check
        result.path = path
        return result
    }

    /// Checks a backup file without changing it: `PRAGMA integrity_check` and the audit chain,
    /// through a read-only connection.
    public static func check(backup path: String) throws(StoreError) -> BackupCheck {
        let problems = try integrityProblems(path: path, full: true)
        let audit: AuditReport
        if problems.isEmpty {
            audit = try SampleStore(path: path, readOnly: true).verifyAudit()
        } else {
            audit = AuditReport(checked: 0, firstProblem: "not walked: the file is damaged")
        }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
        return BackupCheck(path: path, integrityProblems: problems, audit: audit, bytes: size)
    }

    /// Replaces the database at `database` with the backup at `backup`, after checking the backup
    /// (integrity and audit chain) — nothing is touched when it is not sound — and only while no
    /// daemon holds the database (its lock is taken for the duration). The database replaced, if
    /// any, is kept beside it as `<database>.before-restore-<UTC time>` (with its `-wal`/`-shm`).
    /// - Returns: the check of the restored database and the path the old one was kept at.
    /// - Throws: `.invalidArgument` when the backup is not sound or a daemon runs on the database.
    public static func restore(from backup: String, to database: String, nowMs: Int64) throws(StoreError)
        -> (check: BackupCheck, keptAs: String?)
    {
        guard FileManager.default.fileExists(atPath: backup) else {
            throw StoreError(.notFound, path: backup, operation: "restore", reason: "no such file")
        }
        let source = try check(backup: backup)
        guard source.isSound else {
            throw StoreError(.invalidArgument, path: backup, operation: "restore", reason: "the backup is not sound, nothing was changed: \(source)")
        }
        guard let lock = try DaemonLock.acquire(database: database) else {
            throw StoreError(
                .invalidArgument, path: database, operation: "restore",
                reason: "an esep daemon runs on this database (\(DaemonLock.path(forDatabase: database))): stop it first")
        }
        defer { lock.release() }
        let files = FileManager.default
        var keptAs: String? = nil
        if files.fileExists(atPath: database) {
            let stamp = ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: Double(nowMs) / 1000))
                .replacingOccurrences(of: ":", with: "")
            let kept = "\(database).before-restore-\(stamp)"
            do {
                for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: database + suffix) {
                    try files.moveItem(atPath: database + suffix, toPath: kept + suffix)
                }
            } catch {
                throw StoreError(.write, path: database, operation: "restore", reason: "cannot keep the current database aside: \(error)")
            }
            keptAs = kept
        }
        do {
            let from = try DatabaseQueue(path: backup, configuration: {
                var c = Configuration()
                c.readonly = true
                return c
            }())
            let to = try DatabaseQueue(path: database)
            try from.backup(to: to)
            try to.close()
            try from.close()
        } catch {
            // Put the previous database back as it was.
            for suffix in ["", "-wal", "-shm"] { try? files.removeItem(atPath: database + suffix) }
            if let kept = keptAs {
                for suffix in ["", "-wal", "-shm"] where files.fileExists(atPath: kept + suffix) {
                    try? files.moveItem(atPath: kept + suffix, toPath: database + suffix)
                }
            }
            throw StoreError(.write, path: database, operation: "restore", reason: "copying the backup failed, nothing was changed: \(error)")
        }
        return (try check(backup: database), keptAs)
    }
}
