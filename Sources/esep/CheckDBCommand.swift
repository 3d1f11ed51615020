import ArgumentParser
import Foundation
import Store

/// `esep check-db --db FILE`: SQLite's full integrity check of a store, read-only.
struct CheckDBCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-db",
        abstract: "Check a store file for damage (PRAGMA integrity_check); writes nothing.",
        discussion: """
            Exits 0 when the file is intact, 1 with every problem SQLite finds when it is not. `esep run`
            makes the quicker PRAGMA quick_check at every start and refuses a damaged file; restore it
            from a backup then. `esep audit verify` checks the records' hash chain.
            """)

    @Option(help: "The database file.")
    var db: String

    @Flag(help: "Only PRAGMA quick_check (faster: skips index contents and constraints).")
    var quick = false

    func run() throws {
        guard FileManager.default.fileExists(atPath: db) else { throw ValidationError("--db: no such file '\(db)'") }
        let problems = try SampleStore.integrityProblems(path: db, full: !quick)
        if problems.isEmpty {
            print("\(db): ok (\(quick ? "quick_check" : "integrity_check"))")
            return
        }
        for p in problems { print("\(db): \(p)") }
        print("\(db): damaged, \(problems.count) problem(s). Restore the file from a backup; esep will not write to it.")
        throw ExitCode(1)
    }
}
