import Foundation
import SoapstoneCore
import Testing

@Suite("Encounter lifecycle")
struct EncounterLifecycleTests {
    let now = Date(timeIntervalSince1970: 1_800_000_000)
    let plan = Date(timeIntervalSince1970: 1_900_000_000)

    @Test("A new encounter is planned or under way; under way, its clock starts now unless the client says when")
    func starting() throws {
        #expect(try EncounterLifecycle.start(of: .inProgress, requested: nil, now: now) == now)
        #expect(try EncounterLifecycle.start(of: .inProgress, requested: plan, now: now) == plan)
        #expect(try EncounterLifecycle.start(of: .planned, requested: nil, now: now) == nil)
        #expect(try EncounterLifecycle.start(of: .planned, requested: plan, now: now) == plan)
        for status in EncounterStatus.allCases where !EncounterLifecycle.startingStatuses.contains(status) {
            #expect(throws: DomainError.self, "\(status)") { try EncounterLifecycle.start(of: status, requested: nil, now: now) }
        }
    }

    @Test("The clock starts when started, a plan's time replaced; stops when finished; never ends before it starts")
    func clock() throws {
        let started = try EncounterLifecycle.clock(
            from: .planned, to: .inProgress, started: plan, ended: nil, requestedStart: nil, requestedEnd: nil, now: now)
        #expect(started.startedAt == now && started.endedAt == nil)
        let finished = try EncounterLifecycle.clock(
            from: .inProgress, to: .finished, started: now, ended: nil, requestedStart: nil, requestedEnd: nil,
            now: now + 600)
        #expect(finished.startedAt == nil && finished.endedAt == now + 600, "the start stays as stored")
        let told = try EncounterLifecycle.clock(
            from: .inProgress, to: .finished, started: now, ended: nil, requestedStart: nil, requestedEnd: now + 60,
            now: now + 600)
        #expect(told.endedAt == now + 60)
        #expect(throws: DomainError.self) {
            try EncounterLifecycle.clock(
                from: .inProgress, to: nil, started: now, ended: nil, requestedStart: nil, requestedEnd: now - 1, now: now)
        }
        let unchanged = try EncounterLifecycle.clock(
            from: .inProgress, to: .inProgress, started: now, ended: nil, requestedStart: nil, requestedEnd: nil, now: now)
        #expect(unchanged.startedAt == nil && unchanged.endedAt == nil)
    }

    @Test("A move the lifecycle does not allow is refused, naming the moves it does")
    func moves() {
        #expect(EncounterLifecycle.refusal(from: .planned, to: .inProgress) == nil)
        #expect(EncounterLifecycle.refusal(from: .planned, to: .planned) == nil)
        #expect(
            EncounterLifecycle.refusal(from: .finished, to: .inProgress)
                == .conflict("An encounter that is finished cannot become in_progress; it may become: entered_in_error."))
        #expect(
            EncounterLifecycle.refusal(from: .enteredInError, to: .planned)
                == .conflict("An encounter that is entered_in_error cannot become planned."))
    }
}
