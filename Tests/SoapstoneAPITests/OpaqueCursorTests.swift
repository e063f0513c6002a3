import Foundation
import SoapstoneCore
import SoapstoneDatabase
import Testing

@testable import SoapstoneAPI

@Suite("Opaque cursors")
struct OpaqueCursorTests {
    @Test("Cursors survive the trip to the client and back; anything else is refused on `cursor`")
    func cursors() throws {
        for _ in 0..<20 {
            let patient = PatientCursor(id: UUID())
            #expect(try PatientCursor(opaque: patient.opaque) == patient)
            #expect(!patient.opaque.contains(where: { "+/=".contains($0) }))
        }
        let event = AuditEventCursor(microseconds: -1_234_567, id: UUID())
        #expect(try AuditEventCursor(opaque: event.opaque) == event)

        let foreign = [
            "", "not base64!", Data("{}".utf8).base64URLEncodedString, Data(#"["a","b"]"#.utf8).base64URLEncodedString,
            Data(#"["a","b","not-a-uuid"]"#.utf8).base64URLEncodedString, event.opaque,
        ]
        for text in foreign {
            #expect(throws: DomainError.self, "\(text)") { try PatientCursor(opaque: text) }
        }
        #expect(throws: DomainError.self) {
            try AuditEventCursor(opaque: PatientCursor(id: UUID()).opaque)
        }
    }
}
