import Foundation
import HTTPTypes
import Hummingbird

struct WebAppError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
