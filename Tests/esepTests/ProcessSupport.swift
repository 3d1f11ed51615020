import Foundation
import Testing
import TestScratch

/// The `esep` binary built next to the test bundle.
func esepBinary() -> URL {
    let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
    var dir = exe.deletingLastPathComponent()
    for _ in 0..<4 {
        let candidate = dir.appendingPathComponent("esep")
        if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
        dir = dir.deletingLastPathComponent()
    }
    return URL(fileURLWithPath: ".build/debug/esep")
}

/// The repository root (for deploy/esep.example.toml).
func repositoryRoot() -> URL {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
}

/// Result of a finished command.
struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

/// Runs a command to completion, with a time limit.
func runCommand(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 60) throws -> CommandResult {
    let p = Process()
    p.executableURL = executable
    p.arguments = arguments
    let out = Pipe()
    let err = Pipe()
    p.standardOutput = out
    p.standardError = err
    try p.run()
    let deadline = Date().addingTimeInterval(timeout)
    let outData = Locked(Data())
    let errData = Locked(Data())
    let group = DispatchGroup()
    for (pipe, sink) in [(out, outData), (err, errData)] {
        group.enter()
        DispatchQueue.global().async {
            sink.set(pipe.fileHandleForReading.readDataToEndOfFile())
            group.leave()
        }
    }
    while p.isRunning && Date() < deadline { usleep(20_000) }
    if p.isRunning { p.terminate() }
    p.waitUntilExit()
    group.wait()
    return CommandResult(
        status: p.terminationStatus, stdout: String(decoding: outData.get(), as: UTF8.self),
        stderr: String(decoding: errData.get(), as: UTF8.self))
}

/// A background process whose output is collected as it runs.
final class BackgroundProcess: @unchecked Sendable {
    let process = Process()
    private let output = Locked(Data())
    private let errors = Locked(Data())

    init(_ executable: URL, _ arguments: [String], environment: [String: String] = [:]) throws {
        process.executableURL = executable
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let o = output
        let e = errors
        out.fileHandleForReading.readabilityHandler = { h in o.append(h.availableData) }
        err.fileHandleForReading.readabilityHandler = { h in e.append(h.availableData) }
        try process.run()
    }

    var stdout: String { String(decoding: output.get(), as: UTF8.self) }
    var stderr: String { String(decoding: errors.get(), as: UTF8.self) }

    /// Waits (bounded) until stdout contains `text`.
    func waitForOutput(containing text: String, timeout: TimeInterval = 30) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if stdout.contains(text) || stderr.contains(text) { return true }
            if !process.isRunning { return false }
            usleep(20_000)
        }
        return false
    }

    func signal(_ sig: Int32) { kill(process.processIdentifier, sig) }

    /// Waits (bounded) for exit; returns the status, or nil if it did not exit in time.
    func waitForExit(timeout: TimeInterval) -> Int32? {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
            return nil
        }
        return process.terminationStatus
    }

    deinit {
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }
}

/// A tiny lock-protected box.
final class Locked<T>: @unchecked Sendable {
    private var value: T
    private let lock = NSLock()
    init(_ value: T) { self.value = value }
    func get() -> T { lock.lock(); defer { lock.unlock() }; return value }
    func set(_ v: T) { lock.lock(); value = v; lock.unlock() }
}

extension Locked where T == Data {
    func append(_ d: Data) { lock.lock(); value.append(d); lock.unlock() }
}

func temporaryDirectory() -> URL {
    let dir = TestScratch.root.appendingPathComponent("esep-cli-\(UUID().uuidString)")
    try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

/// The port `esep sim` reports in its banner ("listening on 127.0.0.1:PORT").
func listeningPort(_ output: String) -> Int? {
    guard let r = output.range(of: "listening on ") else { return nil }
    let rest = output[r.upperBound...].prefix { $0 != "\n" }
    return rest.split(separator: ":").last.flatMap { Int($0) }
}

/// ``runCommand(_:_:timeout:)`` on a Dispatch thread: the test's task waits without holding one of
/// Swift concurrency's few cooperative threads while the process runs.
func runCommandOffPool(_ executable: URL, _ arguments: [String], timeout: TimeInterval = 60) async throws -> CommandResult {
    try await withCheckedThrowingContinuation { c in
        DispatchQueue.global().async { c.resume(with: Result { try runCommand(executable, arguments, timeout: timeout) }) }
    }
}
