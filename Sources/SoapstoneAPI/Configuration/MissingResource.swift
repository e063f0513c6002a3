/// A file the build should have put in the SoapstoneAPI bundle is not there.
struct MissingResource: Error, CustomStringConvertible {
    let name: String
    var description: String { "\(name) is missing from the SoapstoneAPI bundle" }
}
