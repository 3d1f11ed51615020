/// `openapi.yaml` beside this file, compiled into the binary by SwiftPM (`.embedInCode`), so the
/// daemon needs no resource bundle and the served document is the committed file byte for byte.
enum OpenAPIDocument {
    static let yaml = String(decoding: PackageResources.openapi_yaml, as: UTF8.self)
}
