import Foundation
import OpenAPIRuntime
import Testing

@testable import SoapstoneAPI

@Suite("Dates in answers")
struct WholeSecondDatesTests {
    @Test("Written exactly as the generator's ISO 8601 transcoder writes them, and read back")
    func matchesTheStandardTranscoder() throws {
        let ours = WholeSecondDates()
        let standard = ISO8601DateTranscoder()
        var generator = SystemRandomNumberGenerator()
        let edges: [TimeInterval] = [0, -1, -0.5, 59.999, 951_782_400 /* 2000-02-29 */, 4_107_542_399.75, -2_208_988_800]
        let random = (0..<2000).map { _ in TimeInterval.random(in: -2_300_000_000...4_200_000_000, using: &generator) }
        for seconds in edges + random {
            let date = Date(timeIntervalSince1970: seconds)
            let text = try ours.encode(date)
            #expect(text == (try standard.encode(date)), "\(seconds)")
            #expect(try ours.decode(text) == Date(timeIntervalSince1970: ((seconds * 1000).rounded() / 1000).rounded(.down)))
        }
    }
}
