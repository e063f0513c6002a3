import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

/// How many password hashes run at once (one per core: bcrypt is all CPU) and how many may wait
/// for a turn; one more is refused at once with `Busy` rather than queued behind them.
public final class HashingGate: Sendable {
    public struct Busy: Error {
        /// Seconds after which a turn is likely free.
        public let retryAfter: Int
    }

    private struct State {
        var running = 0
        var waiting: [CheckedContinuation<Void, any Error>] = []
    }

    public let concurrent: Int
    public let queue: Int
    private let state = Mutex(State())

    public init(concurrent: Int = ProcessInfo.processInfo.activeProcessorCount, queue: Int? = nil) {
        self.concurrent = max(1, concurrent)
        self.queue = queue ?? 4 * max(1, concurrent)
    }

    /// Runs `work` on Dispatch's threads once a turn is free.
    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async throws -> T {
        try await enter()
        defer { leave() }
        return await withCheckedContinuation { continuation in
            DispatchQueue.global(qos: .userInitiated).async { continuation.resume(returning: work()) }
        }
    }

    /// How many wait for a turn now.
    public var waiting: Int { state.withLock { $0.waiting.count } }

    /// Takes a turn, waiting while all are taken; throws `Busy` when the queue is full too.
    public func enter() async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let admitted: Bool? = state.withLock { state in
                if state.running < concurrent {
                    state.running += 1
                    return true
                }
                guard state.waiting.count < queue else { return false }
                state.waiting.append(continuation)
                return nil
            }
            switch admitted {
            case true?: continuation.resume()
            case false?: continuation.resume(throwing: Busy(retryAfter: 1 + queue / concurrent))
            case nil: break  // resumed by a `leave`
            }
        }
    }

    /// Gives the turn to the longest waiting, or back.
    public func leave() {
        let next = state.withLock { state -> CheckedContinuation<Void, any Error>? in
            guard !state.waiting.isEmpty else {
                state.running -= 1
                return nil
            }
            return state.waiting.removeFirst()
        }
        next?.resume()
    }
}
