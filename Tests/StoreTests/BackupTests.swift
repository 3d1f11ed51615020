import Foundation
import Metering
import Simulator
import Store
import Synchronization
import Testing

/// `SampleStore.backup(to:)` and `SampleStore.restore(from:to:nowMs:)`.
@Suite struct BackupTests {
    static let start: Int64 = 1_782_846_000_000  // 2026-07-01T00:00:00+05:00

    func feed() throws -> WriterFeed {
        try WriterFeed(
            meters: [
                SimulatedMeter(unitId: 1, profile: .em24e1, curve: .seeded(seed: 3, index: 1)),
                SimulatedMeter(unitId: 2, profile: .em24e1, curve: .seeded(seed: 3, index: 2)),
            ], from: Self.start)
    }

    /// A backup taken while the writer appends is a whole database: intact, its audit chain verified,
    /// and it restores to a database that is too.
    @Test func aBackupDuringIngestRestoresToASoundDatabase() async throws {
        let f = try feed()
        try f.advance(minutes: 60)
        let dir = URL(fileURLWithPath: f.store.path).deletingLastPathComponent()
        let backup = dir.appendingPathComponent("backup.sqlite").path
        // The writer goes on on another thread while the backup is taken (the feed is only used
        // there until `done` is signalled).
        nonisolated(unsafe) let writerSide = f
        let done = DispatchSemaphore(value: 0)
        let failed = Mutex<String?>(nil)
        DispatchQueue.global().async {
            do { try writerSide.advance(minutes: 240) } catch { failed.withLock { $0 = "\(error)" } }
            done.signal()
        }
        let check = try f.store.backup(to: backup)
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().async {
                done.wait()
                c.resume()
            }
        }
        #expect(failed.withLock { $0 } == nil)
        #expect(check.isSound, "\(check)")
        #expect(check.audit.checked > 0)
        #expect(!FileManager.default.fileExists(atPath: backup + ".partial"))
        // The backup holds a prefix of what the store holds now.
        let copy = try SampleStore(path: backup, readOnly: true)
        let copied = try copy.sampleCounts()
        let now = try f.store.sampleCounts()
        #expect(copied.sealed + copied.hot > 0)
        #expect(copied.sealed + copied.hot <= now.sealed + now.hot)

        let restored = dir.appendingPathComponent("restored.sqlite").path
        let (after, kept) = try SampleStore.restore(from: backup, to: restored, nowMs: Self.start)
        #expect(after.isSound, "\(after)")
        #expect(kept == nil)
        #expect(after.audit.checked == check.audit.checked)
        let counts = try SampleStore(path: restored, readOnly: true).sampleCounts()
        #expect(counts.sealed + counts.hot == copied.sealed + copied.hot)
        // A backup never overwrites a file.
        #expect(throws: StoreError.self) { try f.store.backup(to: backup) }
    }

    /// Restore changes nothing while a daemon holds the database, or when the backup is damaged; the
    /// database it replaces is kept beside it.
    @Test func restoreRefusesUnderADaemonAndADamagedBackupAndKeepsTheOldFile() throws {
        let f = try feed()
        try f.advance(minutes: 30)
        let dir = URL(fileURLWithPath: f.store.path).deletingLastPathComponent()
        let backup = dir.appendingPathComponent("b.sqlite").path
        try f.store.backup(to: backup)
        let target = dir.appendingPathComponent("target.sqlite").path
        _ = try SampleStore.restore(from: backup, to: target, nowMs: Self.start)
        let before = try Data(contentsOf: URL(fileURLWithPath: target))

        let lock = try #require(try DaemonLock.acquire(database: target))
        do {
            _ = try SampleStore.restore(from: backup, to: target, nowMs: Self.start)
            Issue.record("expected a refusal while the daemon's lock is held")
        } catch {
            #expect(error.reason.contains("daemon runs on this database"), "\(error)")
        }
        lock.release()
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before)

        // A damaged backup: bytes overwritten in the middle of the file.
        let damaged = dir.appendingPathComponent("damaged.sqlite").path
        var bytes = try Data(contentsOf: URL(fileURLWithPath: backup))
        let at = bytes.count / 2
        bytes.replaceSubrange(at..<(at + 4096), with: Data(repeating: 0xA5, count: 4096))
        try bytes.write(to: URL(fileURLWithPath: damaged))
        do {
            _ = try SampleStore.restore(from: damaged, to: target, nowMs: Self.start)
            Issue.record("expected a refusal of a damaged backup")
        } catch {
            #expect(error.reason.contains("not sound") || error.reason.contains("damaged") || error.reason.contains("malformed"), "\(error)")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: target)) == before)

        // A sound restore over an existing database keeps the old one.
        let (_, kept) = try SampleStore.restore(from: backup, to: target, nowMs: Self.start)
        let keptPath = try #require(kept)
        #expect(keptPath.hasPrefix(target + ".before-restore-"))
        #expect(FileManager.default.fileExists(atPath: keptPath))
    }
}
