import ArgumentParser
import Foundation
import SiteConfig
import Store

/// `esep backup --to FILE|DIR`: an online backup of the store, checked before it is kept.
struct BackupCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the store with SQLite's online backup API while the daemon runs; the copy is checked (integrity, audit chain).",
        discussion: """
            esep backup --config /etc/esep/esep.toml --to /var/lib/esep/backups --keep 14
            esep backup --db esep.sqlite --to esep-before-upgrade.sqlite
            A directory as --to gets esep-YYYYMMDDTHHMMSSZ.sqlite (UTC); --keep N then removes the oldest
            such files beyond N. A backup is written beside its final name and renamed into place only
            once it is complete and passes PRAGMA integrity_check and the audit chain, so every file
            named esep-*.sqlite is a whole, checked backup. `esep restore --from FILE` puts one back.
            """)

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The backup file, or a directory to put a dated one in.")
    var to: String

    @Option(help: "With a directory: keep the newest N backups (esep-*.sqlite), remove older ones.")
    var keep: Int?

    func run() throws {
        if let keep, keep < 1 { throw ValidationError("--keep: must be at least 1, found \(keep)") }
        let (store, _, _) = try storeOptions.open(readOnly: false, requireExisting: true)
        var isDirectory: ObjCBool = false
        let toDirectory = FileManager.default.fileExists(atPath: to, isDirectory: &isDirectory) && isDirectory.boolValue
        if keep != nil, !toDirectory { throw ValidationError("--keep: needs --to to be a directory") }
        let path: String
        if toDirectory {
            let f = DateFormatter()
            f.locale = Locale(identifier: "en_US_POSIX")
            f.timeZone = TimeZone(identifier: "UTC")
            f.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
            path = URL(fileURLWithPath: to).appendingPathComponent("esep-\(f.string(from: Date())).sqlite").path
        } else {
            path = to
        }
        let check = try store.backup(to: path)
        print(check)
        if let keep, toDirectory {
            let names = try FileManager.default.contentsOfDirectory(atPath: to)
                .filter { $0.hasPrefix("esep-") && $0.hasSuffix(".sqlite") }.sorted()
            for old in names.dropLast(keep) {
                try FileManager.default.removeItem(atPath: URL(fileURLWithPath: to).appendingPathComponent(old).path)
                print("removed \(old) (--keep \(keep))")
            }
        }
    }
}

/// `esep restore --from FILE`: puts a checked backup in place of the store, never under a running daemon.
struct RestoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Replace the store with a backup, after checking the backup (integrity, audit chain); refused while the daemon runs.",
        discussion: """
            esep restore --config /etc/esep/esep.toml --from /var/lib/esep/backups/esep-20261204T020000Z.sqlite
            Nothing is changed when the backup is damaged or its audit chain is broken, or while an esep
            daemon holds the database (stop it first: systemctl stop esep). The database replaced is kept
            beside it as <db>.before-restore-<time>.
            """)

    @OptionGroup var storeOptions: StoreOptionsGroup

    @Option(help: "The backup file.")
    var from: String

    func run() throws {
        let database: String
        if let db = storeOptions.db {
            database = db
        } else if let config = storeOptions.config {
            do {
                database = try SiteConfigLoader.load(path: config).storage.path
            } catch {
                throw ValidationError(error.diagnostics.map(\.description).joined(separator: "\n"))
            }
        } else {
            throw ValidationError("give --db PATH or --config FILE: the database to replace")
        }
        do {
            let (check, kept) = try SampleStore.restore(from: from, to: database, nowMs: Int64(Date().timeIntervalSince1970 * 1000))
            print("restored \(from) to \(database): \(check)")
            if let kept { print("the previous database is kept at \(kept)") }
        } catch {
            throw ValidationError("\(error)")
        }
    }
}
