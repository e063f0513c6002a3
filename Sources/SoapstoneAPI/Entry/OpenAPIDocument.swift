import Foundation

/// The OpenAPI document the server was generated from, served as it is.
enum OpenAPIDocument {
    static let data: Data = {
        guard let url = Bundle.module.url(forResource: "openapi", withExtension: "json"), let data = try? Data(contentsOf: url)
        else {
            preconditionFailure("openapi.json is missing from the SoapstoneAPI bundle")
        }
        return data
    }()
}
