import Foundation
import Testing

@testable import SoapstoneAPI

/// The server reads parts of its OpenAPI document itself (request bodies, query enums, the
/// methods of each path). A document of another shape stops it at start-up: read with empty
/// defaults, the checks built from it would check nothing.
@Suite("OpenAPI outline")
struct OpenAPIOutlineTests {
    @Test("The bundled document gives every operation with a body its schema, and every path its methods")
    func bundled() throws {
        let bodies = try RequestSchema.bodies(of: OpenAPIDocument.data)
        #expect(bodies["createPatient"]?.required.contains("mrn") == true)
        #expect(try OpenAPIOutline(OpenAPIDocument.data).paths["/v1/notes/{id}"]?.keys.sorted() == ["get", "put"])
    }

    @Test("A document of another shape is an error, not a document with nothing to check", arguments: [
        #"{"openapi": "3.1.0"}"#,
        #"{"paths": {"/x": {"get": {"operationId": "x"}}}}"#,
        #"{"paths": {"/x": {"get": {"summary": "no id"}}}, "components": {"schemas": {}}}"#,
        #"{"paths": {"/x": {"post": {"operationId": "x", "requestBody": {"content": {"text/plain": {}}}}}}, "components": {"schemas": {}}}"#,
        #"[]"#,
    ])
    func otherShapes(_ text: String) {
        #expect(throws: OpenAPIOutlineError.self) { try RequestSchema.bodies(of: Data(text.utf8)) }
    }
}
