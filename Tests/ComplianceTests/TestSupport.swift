import Foundation
import TestScratch

/// A fresh temporary directory for one test.
func temporaryDirectory(_ name: String = #function) throws -> URL {
    let url = TestScratch.root.appendingPathComponent("esep-compliance-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Runs CPU-heavy work (a quarter of readings through the writer and the read model) on a
/// Dispatch thread rather than on one of Swift concurrency's few cooperative threads, so the
/// timing-sensitive async tests of other suites keep being scheduled while it runs. Expectations
/// stay in the test's task: the work returns what they check.
func offPool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try work() }) }
    }
}
