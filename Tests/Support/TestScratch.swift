import Foundation

/// Where tests put their files: one directory per test process, `$TMPDIR/esep-tests-<pid>`,
/// removed when the process exits, so a run leaves nothing behind (quarter-sized stores are
/// hundreds of MB each).
public enum TestScratch {
    /// The process's scratch directory (created on first use).
    public static let root: URL = {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("esep-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        atexit(removeScratchRoot)
        return url
    }()
}

private func removeScratchRoot() {
    try? FileManager.default.removeItem(at: TestScratch.root)
}
