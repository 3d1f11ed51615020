import Foundation
import Synchronization
import Testing

@testable import Compliance

@Suite struct DocumentPDFTests {
    /// PDFs are printed by at most two Chromium processes at once: a third request is told to retry,
    /// it does not start a third browser.
    @Test func aThirdConcurrentPDFIsRefusedNotStarted() {
        DocumentRenderer.pdfsInFlight.withLock { $0 += DocumentRenderer.maxConcurrentPDFs }
        defer { DocumentRenderer.pdfsInFlight.withLock { $0 -= DocumentRenderer.maxConcurrentPDFs } }
        do {
            _ = try DocumentRenderer.pdf(html: "<!DOCTYPE html><title>x</title>")
            Issue.record("expected a refusal")
        } catch {
            #expect(error.code == .busy)
            #expect(error.message.contains("try again"))
        }
    }
}
