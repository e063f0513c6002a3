/// Runs bodies one at a time, in the order they arrive, across suspension points (an actor
/// alone would interleave them at every `await`). A body must not enter the same gate again.
actor SerialGate {
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}
