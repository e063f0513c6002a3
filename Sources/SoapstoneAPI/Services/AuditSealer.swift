import Logging
import ServiceLifecycle
import SoapstoneDatabase

/// Seals committed audit events into their tenants' chains (`AuditChain.seal`), a round every
/// `pace.interval`, in every instance: the database lets one sealer at a time work on a tenant
/// and gives the others nothing to do, so instances need no coordination. A failed round
/// (the database away) is logged and the next one tries again.
struct AuditSealer: Service {
    let database: Database
    /// Its connection's loop (`EventLoopPools.init(configuration:loop:backgroundLogger:)`).
    let executor: (any TaskExecutor)?
    let pace: AuditSealing
    let logger: Logger

    func run() async throws {
        try await withTaskExecutorPreference(executor) { try await rounds() }
    }

    private func rounds() async throws {
        try await cancelWhenGracefulShutdown {
            var lastLate: ContinuousClock.Instant?
            while !Task.isCancelled {
                let late = lastLate.map { .now - $0 >= pace.lateInterval } ?? true
                do {
                    let sealed = try await database.sealAuditEvents(settle: pace.settle, late: late)
                    if late { lastLate = .now }
                    if sealed > 0 { logger.debug("sealed audit events", metadata: ["count": "\(sealed)"]) }
                } catch {
                    if Task.isCancelled { return }
                    logger.warning("audit sealing failed; trying again", metadata: ["error": "\(error)"])
                }
                try? await Task.sleep(for: pace.interval)
            }
        }
    }
}
