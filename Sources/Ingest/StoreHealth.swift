import Metering
import Synchronization

/// Whether the store takes the writer's writes now, as the writer last found it: for `/readyz`,
/// the summary line and the log (one line when writing starts failing, one when it recovers).
///
/// Threading: written by the writer thread, read from any thread.
public final class StoreHealth: Sendable {
    /// One failing part of the writer's work.
    public struct Problem: Sendable, Hashable, CustomStringConvertible {
        /// `append` (samples, intervals, events) or `housekeeping` (health, sealing, replacements).
        public var part: String
        /// The store's error, as first seen.
        public var error: String
        /// When it started failing (wall clock, UTC ms).
        public var sinceMs: Int64
        /// Failed attempts so far.
        public var attempts: Int64

        public var description: String { "\(part) failing since \(sinceMs) ms (\(attempts) attempts): \(error)" }
    }

    private let state = Mutex<[String: Problem]>([:])

    public init() {}

    /// The problems now; empty while every write succeeds.
    public var problems: [Problem] { state.withLock { Array($0.values).sorted { $0.part < $1.part } } }

    /// A one-line reason for readiness probes, nil while the store takes writes.
    public var notReadyReason: String? {
        let p = problems
        guard !p.isEmpty else { return nil }
        return "the store cannot be written: " + p.map { "\($0.part): \($0.error)" }.joined(separator: "; ")
    }

    /// Records a failure of `part`. Returns true when it was working before (log it then).
    @discardableResult
    func failed(_ part: String, error: String, nowMs: Int64) -> Bool {
        state.withLock { s in
            if var p = s[part] {
                p.attempts += 1
                s[part] = p
                return false
            }
            s[part] = Problem(part: part, error: error, sinceMs: nowMs, attempts: 1)
            return true
        }
    }

    /// Records a success of `part`. Returns the problem it ends, if it was failing (log it then).
    @discardableResult
    func succeeded(_ part: String) -> Problem? {
        state.withLock { s in s.removeValue(forKey: part) }
    }
}
