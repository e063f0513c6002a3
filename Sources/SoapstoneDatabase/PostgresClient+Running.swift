import Logging
import PostgresNIO

extension PostgresClient {
    /// Runs `body` with a client whose pool runs for exactly as long as `body`: for commands
    /// and tests, which have no service group to run the client in.
    public static func withRunning<T: Sendable>(
        _ configuration: PostgresClient.Configuration, logger: Logger,
        _ body: @escaping @Sendable (PostgresClient) async throws -> T
    ) async throws -> T {
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask {
                await client.run()
                return nil
            }
            defer { group.cancelAll() }
            return try await body(client)
        }
    }
}
