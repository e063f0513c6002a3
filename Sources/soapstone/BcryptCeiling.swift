import ArgumentParser
import Dispatch
import Foundation
import HummingbirdBcrypt
import Synchronization

/// For bench/: how many bcrypt verifications per second this machine does on all its cores,
/// the ceiling for logins per second.
struct BcryptCeiling: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bcrypt-ceiling", abstract: "Measure bcrypt verifications per second on all cores (for bench/).",
        shouldDisplay: false)

    @Option(help: "How long to measure.") var seconds = 20.0
    @Option(help: "bcrypt cost.") var cost: UInt8 = 12

    func run() throws {
        let hash = Bcrypt.hash("benchmark password", cost: cost)
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let done = Atomic<Int>(0)
        let deadline = Date().addingTimeInterval(seconds)
        let start = Date()
        DispatchQueue.concurrentPerform(iterations: cores) { _ in
            while Date() < deadline {
                _ = Bcrypt.verify("benchmark password", hash: hash)
                done.add(1, ordering: .relaxed)
            }
        }
        let elapsed = Date().timeIntervalSince(start)
        let count = done.load(ordering: .relaxed)
        print(
            String(
                format: "bcrypt cost=%d cores=%d verifications=%d seconds=%.2f per_second=%.2f", cost, cores, count, elapsed,
                Double(count) / elapsed))
    }
}
